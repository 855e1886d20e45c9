// Differential: the WASM pipeline and its TS twin must agree byte for byte — verdicts, transmitted
// frames, counters and every byte of linear memory — on random, truncated and mutated frames (IPv6 ones
// with and without hop-by-hop options headers, good, malformed and with unknown options; ARP and
// neighbor discovery, valid and not, answered and not).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CTX_OPTS, LAYOUT_BASE, OPT_FIBWARM } from '../../assembly/layout.js';
import { Stack } from '../../ts/stack/stack.js';
import { buildArp, buildFrame, buildNd } from '../../ts/packet/build.js';
import { MAC, ip, topology } from '../fixtures/topology.js';

const ADDR4 = [
  '192.0.2.10',
  '192.0.2.1',
  '192.0.2.255',
  '192.0.2.200',
  '198.51.100.254',
  '198.51.100.1',
  '203.0.113.7',
  '203.0.113.200',
  '8.8.8.8',
  '10.100.0.5',
  '100.64.3.3',
  '198.18.0.9',
  '127.0.0.1',
  '0.0.0.0',
  '224.0.0.5',
  '255.255.255.255',
  '240.0.0.1',
];
const ADDR6 = [
  '2001:db8::10',
  '2001:db8::1',
  '2001:db8:1::fe',
  '2001:db8:100::7',
  '2001:db8:100:ffff::1',
  '2001:db9::1',
  'fe80::1',
  'ff02::1',
  '::1',
  '::',
  '::ffff:192.0.2.1',
];
const HBH_OPTS = [
  [5, 2, 0, 0],
  [0, 1, 0, 5, 2, 0, 1],
  [1, 4, 0, 0, 0, 0],
  [0x1e, 2, 1, 2],
  [0x5e, 0],
  [0x9e, 1, 0],
  [0xde, 0, 1, 0],
  [1, 7, 0, 0, 0, 0],
  [5, 3, 0, 0, 0],
  [0xc2, 4, 0, 1, 0, 0],
  [1, 2, 0, 0, 0, 5],
].map((o) => Uint8Array.from(o));
const MACS = [MAC.wm0, MAC.wm1, new Uint8Array(6).fill(0xff), Uint8Array.from([1, 0, 0x5e, 0, 0, 5]), MAC.gw1];

const frameArb = fc
  .record({
    v6: fc.boolean(),
    src: fc.nat(),
    dst: fc.nat(),
    mac: fc.integer({ min: 0, max: MACS.length - 1 }),
    vlan: fc.constantFrom(undefined, 100, 200),
    proto: fc.constantFrom('udp', 'tcp', 'icmp', 47) as fc.Arbitrary<'udp' | 'tcp' | 'icmp' | number>,
    ttl: fc.constantFrom(0, 1, 2, 64, 255),
    tos: fc.integer({ min: 0, max: 255 }),
    flow: fc.integer({ min: 0, max: 0xfffff }),
    sport: fc.integer({ min: 0, max: 65535 }),
    dport: fc.constantFrom(53, 80, 443, 9),
    payload: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 500, max: 1700 })),
    df: fc.boolean(),
    mf: fc.boolean(),
    frag: fc.constantFrom(0, 0, 8, 1480),
    options: fc.constantFrom(
      undefined,
      Uint8Array.from([1, 1, 1, 0]),
      Uint8Array.from([0x82, 4, 1, 2, 7, 7, 4, 0, 0, 0, 0]),
    ),
    // IPv6 hop-by-hop options: none (most often), well-formed ones, each unknown-option class, random bytes
    hbh: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.constantFrom(...HBH_OPTS), weight: 2 },
      { arbitrary: fc.uint8Array({ maxLength: 22 }), weight: 1 },
    ),
    hbhLen: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined, freq: 4 }), // overwrites Hdr Ext Len
    rxif: fc.constantFrom(1, 1, 1, 2, 2, 3, 0, 7),
    cut: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
  })
  .map((r) => {
    const pool = r.v6 ? ADDR6 : ADDR4;
    let f = buildFrame({
      dstMac: MACS[r.mac]!,
      srcMac: MAC.host0,
      vlan: r.vlan,
      src: ip(pool[r.src % pool.length]!),
      dst: ip(pool[r.dst % pool.length]!),
      proto: r.proto,
      ttl: r.ttl,
      tos: r.tos,
      flowLabel: r.flow,
      sport: r.sport,
      dport: r.dport,
      payload: r.payload,
      df: r.df,
      mf: r.mf && !r.v6,
      fragOffset: r.v6 ? 0 : r.frag,
      options: r.v6 ? undefined : r.options,
      minFrame: 60,
      hbh: r.v6 ? r.hbh : undefined,
    });
    if (r.v6 && r.hbh && r.hbhLen !== undefined) f[(r.vlan !== undefined ? 18 : 14) + 41] = r.hbhLen;
    if (r.cut !== undefined) f = f.slice(0, Math.min(f.length, r.cut));
    for (const [pos, v] of r.flips) if (f.length) f[pos % f.length] = v;
    return { data: f, ifindex: r.rxif };
  });

const TARGET6 = ['2001:db8::1', '2001:db8:1::1', 'fe80::ff:fe00:1', 'fe80::ff:fe00:2', '2001:db8::10', 'ff02::1', '::'];
const SOLICITED = (t: Uint8Array) =>
  Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13]!, t[14]!, t[15]!]);

/** ARP and ND frames: mostly well-formed (some answered, some not for us), then cut and flipped. */
const nbrArb = fc
  .record({
    arp: fc.boolean(),
    op: fc.constantFrom(1, 1, 2, 3),
    sender: fc.integer({ min: 0, max: ADDR4.length - 1 }),
    target: fc.integer({ min: 0, max: ADDR4.length - 1 }),
    smac: fc.constantFrom(MAC.host0, MAC.gw1, MAC.wm0, new Uint8Array(6).fill(0xff)),
    vlan: fc.constantFrom(undefined, undefined, 100),
    type: fc.constantFrom(133, 134, 135, 135, 135, 136, 136, 137),
    t6: fc.integer({ min: 0, max: TARGET6.length - 1 }),
    src6: fc.constantFrom('fe80::ff:fe00:aa10', '2001:db8::10', '::'),
    mcast: fc.boolean(),
    hlim: fc.constantFrom(255, 255, 255, 64),
    flags: fc.constantFrom(0, 0xe0000000, 0x60000000, 0x20000000),
    sll: fc.boolean(),
    zeroOpt: fc.boolean(),
    rxif: fc.constantFrom(1, 1, 2, 3),
    cut: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined, freq: 6 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 1 }),
  })
  .map((r) => {
    let f: Uint8Array;
    if (r.arp) {
      f = buildArp({
        dstMac: r.op === 1 ? new Uint8Array(6).fill(0xff) : MAC.wm0,
        srcMac: MAC.host0,
        vlan: r.vlan,
        op: r.op,
        senderMac: r.smac,
        senderIp: ip(ADDR4[r.sender]!),
        targetIp: ip(ADDR4[r.target]!),
      });
    } else {
      const target = ip(TARGET6[r.t6]!);
      const dst = r.mcast ? SOLICITED(target) : r.type === 136 ? ip('fe80::ff:fe00:1') : target;
      f = buildNd({
        dstMac: r.mcast ? Uint8Array.from([0x33, 0x33, ...dst.subarray(12)]) : MAC.wm0,
        srcMac: MAC.host0,
        vlan: r.vlan,
        src: ip(r.src6),
        dst,
        type: r.type,
        hlim: r.hlim,
        flags: r.type === 136 ? r.flags : 0,
        target,
        options: r.sll ? [[r.type === 136 ? 2 : 1, MAC.host0]] : [],
        raw: r.zeroOpt ? Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]) : undefined,
      });
    }
    if (r.cut !== undefined) f = f.slice(0, Math.min(f.length, r.cut));
    for (const [pos, v] of r.flips) if (f.length) f[pos % f.length] = v;
    return { data: f, ifindex: r.rxif };
  });

type Batch = { data: Uint8Array; ifindex: number }[];
/** Every drop/local reason the runs produced: the generator must reach the checks it is meant to. */
const seen = new Set<string>();

/** Batches with a clock that may start anywhere in u32 (also past 2^31) and sometimes step back. */
function runTimed(start: number, steps: number[], batches: Batch[]) {
  let now = start;
  run(batches, () => (now = (now + steps[Math.floor(now) % steps.length]!) >>> 0));
}

function run(batches: Batch[], clock?: () => number, fib: 'radix' | 'compiled' = 'radix', warm = false) {
  const cfg = topology({
    wm1Mtu: 576,
    ipflow: { hashsize: 4, maxflows: 8, idle: 1 },
    icmp: { ratelimit: 50, burst: 3 },
    fib,
  });
  const w = new Stack(cfg, { engine: 'wasm', batch: 16 });
  const s = new Stack(cfg, { engine: 'ts', batch: 16 });
  // the FIB warm-up pass big tables get (OPT_FIBWARM), forced on: it must change nothing but CTX_WARM, alike in both
  if (warm)
    for (const st of [w, s]) {
      const dv = new DataView(st.k.memory.buffer);
      for (const cpu of st.L.cpu)
        dv.setUint32(cpu.ctx + CTX_OPTS, dv.getUint32(cpu.ctx + CTX_OPTS, true) | OPT_FIBWARM, true);
    }
  let now = 1_000;
  for (const b of batches) {
    now = clock ? clock() : now + 700; // lets flows idle out and ICMP tokens refill now and then
    const rw = w.forward(
      b.map((f) => ({ data: f.data.slice(), ifindex: f.ifindex })),
      now,
    );
    const rs = s.forward(
      b.map((f) => ({ data: f.data.slice(), ifindex: f.ifindex })),
      now,
    );
    expect(rs).toEqual(rw);
    for (const r of rw) if (r.reason) seen.add(r.reason);
  }
  expect(s.counters()).toEqual(w.counters());
  const mw = new Uint8Array(w.k.memory.buffer, LAYOUT_BASE, w.L.bytes - LAYOUT_BASE);
  const ms = new Uint8Array(s.k.memory.buffer, LAYOUT_BASE, s.L.bytes - LAYOUT_BASE);
  expect(Buffer.compare(mw, ms)).toBe(0);
  const c = w.counters();
  expect(c['fast']! + c['normal']! + c['local']! + c['drop']!).toBe(c['rx-frames']);
}

describe('pipeline differential (WASM vs TS)', () => {
  test('random, truncated and mutated frames: identical verdicts, output and memory', () => {
    fc.assert(
      fc.property(fc.array(fc.array(frameArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 }), (b) =>
        run(b),
      ),
      { numRuns: 120 },
    );
    // the generator makes hop-by-hop headers often enough that every run reaches both reasons; rarer
    // verdicts (ttl-exceeded, too-big) are left to the unit tests: an unseeded run may miss them
    for (const r of ['ip6-hbh-malformed', 'ip6-hbh-unknown-option']) expect(seen).toContain(r);
  });

  test('ARP and neighbor discovery among forwarded frames: identical answers, drops and memory', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(nbrArb, nbrArb, frameArb), { minLength: 1, maxLength: 40 }), {
          minLength: 1,
          maxLength: 4,
        }),
        (b) => run(b),
      ),
      { numRuns: 60 },
    );
    for (const r of ['arp', 'arp-invalid', 'arp-bad-sender', 'nd', 'nd-invalid', 'nd-hop-limit']) {
      expect(seen).toContain(r);
    }
  });

  test('with the compiled FIB (DIR-24-8) as the IPv4 lookup', () => {
    fc.assert(
      fc.property(fc.array(fc.array(frameArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }), (b) =>
        run(b, undefined, 'compiled'),
      ),
      { numRuns: 15 },
    );
  });

  test('with the compiled FIB warmed before each batch (OPT_FIBWARM), on frames and random bytes', () => {
    const raw = fc.record({
      data: fc.uint8Array({ minLength: 0, maxLength: 80 }),
      ifindex: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(frameArb, raw), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        (b) => run(b, undefined, 'compiled', true),
      ),
      { numRuns: 15 },
    );
  });

  test('clocks that start past 2^31 ms and sometimes step backwards', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: -800, max: 3000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.array(frameArb, { minLength: 1, maxLength: 20 }), { minLength: 2, maxLength: 6 }),
        runTimed,
      ),
      { numRuns: 60 },
    );
  });

  test('uniformly random bytes', () => {
    const raw = fc.record({
      data: fc.uint8Array({ minLength: 0, maxLength: 200 }),
      ifindex: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(raw, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 3 }), (b) =>
        run(b),
      ),
      { numRuns: 60 },
    );
  });
});
