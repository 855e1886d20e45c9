// Differential: the WASM pipeline and its TS twin must agree byte for byte — verdicts, transmitted
// frames, counters and every byte of linear memory — on random, truncated and mutated frames (IPv6 ones
// with and without hop-by-hop options headers, good, malformed and with unknown options; frames for
// the router's own addresses: echo, UDP, TCP with any flags, truncated and corrupted; ARP and
// neighbor discovery, valid and not, answered and not; gif tunnel traffic, good and malformed, with
// spoofed outer sources and ICMP too-big errors that teach the tunnels their path MTU).
import { beforeEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CTX_OPTS, LAYOUT_BASE, OPT_FIBWARM } from '../../assembly/layout.js';
import { Stack } from '../../ts/stack/stack.js';
import type { RouteSpec } from '../../ts/config/routes-file.js';
import { parsePrefix } from '../../ts/addr/addr.js';
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
  '198.51.100.255', // wm1's subnet broadcast: a martian source
  '203.0.114.5', // via 192.0.2.100 on wm0: from wm0's hosts, a redirect
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
  'fe80::aa10',
  '2001:db8:200::5', // via fe80::fe on wm0: from wm0's hosts, an IPv6 redirect
];
/** The router's own addresses (and fe80::2, another link's): local delivery's inputs. */
const OURS4 = ['192.0.2.1', '198.51.100.1', '10.100.0.1'];
const OURS6 = ['2001:db8::1', '2001:db8:1::1', 'fe80::1', 'fe80::2'];
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
const IP4_OPTS = [
  [1, 1, 1, 0],
  [0x82, 4, 1, 2, 7, 7, 4, 0, 0, 0, 0],
  [1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0],
  [1, 7, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8],
  [68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  [68, 20, 5, 3, 0xc6, 0x33, 0x64, 1, 0, 0, 0, 0, 0xc0, 0, 2, 1, 0, 0, 0, 0],
  [68, 8, 9, 0x20, 1, 2, 3, 4],
  [68, 8, 9, 0xf0, 1, 2, 3, 4],
  [148, 4, 0, 0],
  [25, 6, 1, 2, 3, 4, 0, 0],
  [1, 131, 7, 4, 0xc6, 0x33, 0x64, 0x63],
  [1, 137, 7, 4, 0xc0, 0, 2, 1],
  [1, 131, 11, 4, 0xcb, 0, 0x71, 7, 0xc0, 0, 2, 10], // followed with ip.forward_source_route when addressed to us
  [1, 137, 7, 4, 0xc6, 0x33, 0x64, 0xfe],
  [7, 11, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [68, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0],
  [148, 2, 0, 0],
  [1, 7, 16, 4, 0, 0, 0, 0],
];
const MACS = [MAC.wm0, MAC.wm1, new Uint8Array(6).fill(0xff), Uint8Array.from([1, 0, 0x5e, 0, 0, 5]), MAC.gw1];

const frameArb = fc
  .record({
    v6: fc.boolean(),
    src: fc.nat(),
    dst: fc.nat(),
    mac: fc.integer({ min: 0, max: MACS.length - 1 }),
    vlan: fc.constantFrom(undefined, 100, 200),
    proto: fc.constantFrom('udp', 'tcp', 'icmp', 47, 58) as fc.Arbitrary<'udp' | 'tcp' | 'icmp' | number>,
    toUs: fc.integer({ min: 0, max: 3 }), // 0: destination one of the router's addresses
    tcpFlags: fc.constantFrom(0x02, 0x10, 0x12, 0x04, 0x14, 0x01, 0x11, 0x03),
    seq: fc.nat(),
    ack: fc.nat(),
    ttl: fc.constantFrom(0, 1, 2, 64, 255),
    tos: fc.integer({ min: 0, max: 255 }),
    flow: fc.integer({ min: 0, max: 0xfffff }),
    sport: fc.integer({ min: 0, max: 65535 }),
    dport: fc.constantFrom(53, 80, 443, 9),
    payload: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 500, max: 1700 })),
    df: fc.boolean(),
    mf: fc.boolean(),
    frag: fc.constantFrom(0, 0, 8, 1480),
    // IPv4 options: none (most often), padding, Record Route / Timestamp (room, full, each flag),
    // Router Alert, unknown, source routes, malformed ones (ip4opts.ts), random bytes
    options: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.constantFrom(...IP4_OPTS.map((o) => Uint8Array.from(o))), weight: 2 },
      { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 1 },
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
    const ours = r.v6 ? OURS6 : OURS4;
    let f = buildFrame({
      dstMac: MACS[r.mac]!,
      srcMac: MAC.host0,
      vlan: r.vlan,
      src: ip(pool[r.src % pool.length]!),
      dst: ip(r.toUs === 0 ? ours[r.dst % ours.length]! : pool[r.dst % pool.length]!),
      proto: r.proto === 58 && !r.v6 ? 'icmp' : r.proto,
      tcpFlags: r.tcpFlags,
      seq: r.seq,
      ack: r.ack,
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

/**
 * IPv4 frames to forward: well formed, to wm0's MAC on wm0, between the pool's addresses (routed,
 * connected, unreachable, blackhole, ours, broadcast), any TTL, sometimes big enough to fragment
 * toward wm1 (MTU 576) or with a flipped byte. Most are plain to pass 1 (ip4_classify).
 */
const fwd4Arb = fc
  .record({
    src: fc.nat(),
    dst: fc.nat(),
    ttl: fc.constantFrom(1, 2, 64),
    payload: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 500, max: 1200 })),
    df: fc.boolean(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 1 }),
  })
  .map((r) => {
    const f = buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip(ADDR4[r.src % ADDR4.length]!),
      dst: ip(ADDR4[r.dst % ADDR4.length]!),
      proto: 'udp',
      ttl: r.ttl,
      sport: 1000,
      dport: 53,
      payload: r.payload,
      df: r.df,
      minFrame: 60,
    });
    for (const [pos, v] of r.flips) f[pos % f.length] = v;
    return { data: f, ifindex: 1 };
  });

/**
 * IPv4 flows for pass 1's fused hit path (ip4_fuse): well formed and plain, out through the gateway on
 * wm1, to wm0's host from wm1, or out vlan100 (a vlan: never fused). A batch repeats a few of them,
 * the first most often, so batches start with runs of ipflow hits; now and then a frame of a flow is
 * what must end such a run: a fragment, TTL 1, too big for wm1's MTU (576; DF or not), a flipped byte.
 */
const flowArb = fc.record({
  dir: fc.constantFrom(0, 0, 0, 1, 2), // 0: wm0 -> 203.0.113.x (via wm1); 1: wm1 -> wm0's host; 2: wm0 -> vlan100
  host: fc.integer({ min: 1, max: 3 }),
  tos: fc.constantFrom(0, 0, 0, 0x10),
  ttl: fc.constantFrom(64, 64, 64, 2, 1),
  payload: fc.constantFrom(0, 18, 200, 200, 700),
  df: fc.boolean(),
});
type Flow = typeof flowArb extends fc.Arbitrary<infer T> ? T : never;

/** A frame of flow r; variant 0: a first fragment, 1: TTL 1, 2: 700 bytes of payload, 3: a flipped byte. */
function flowFrame(r: Flow, variant: number, flip: number): { data: Uint8Array; ifindex: number } {
  const [rxif, dstMac, src, dst] =
    r.dir === 1
      ? [2, MAC.wm1, `203.0.113.${r.host}`, '192.0.2.10']
      : [1, MAC.wm0, `192.0.2.${10 + r.host}`, r.dir === 2 ? '10.100.0.5' : `203.0.113.${r.host}`];
  const f = buildFrame({
    dstMac,
    srcMac: MAC.host0,
    src: ip(src),
    dst: ip(dst),
    proto: 'udp',
    ttl: variant === 1 ? 1 : r.ttl,
    tos: r.tos,
    sport: 1000 + r.host,
    dport: 53,
    payload: variant === 2 ? 700 : r.payload,
    df: r.df,
    mf: variant === 0,
    minFrame: 60,
  });
  if (variant === 3) f[flip % f.length] = (flip >>> 8) & 255;
  return { data: f, ifindex: rxif };
}
/** Batches of a few flows, the first most often, one frame in eight or so a variant (flowFrame). */
const fusedBatchArb = fc
  .tuple(
    fc.array(flowArb, { minLength: 1, maxLength: 5 }),
    fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 6 }),
  )
  .map(([flows, picks]) =>
    picks.map((b) => b.map((k) => flowFrame(flows[k % 3 === 0 ? k % flows.length : 0]!, (k >>> 4) % 32, k >>> 9))),
  );

/**
 * Frames for the router itself, mostly well formed (so echo, UDP and TCP are answered), on the
 * interface whose MAC they carry or in a link-layer broadcast, sometimes truncated or corrupted.
 */
const localArb = fc
  .record({
    v6: fc.boolean(),
    dst: fc.nat(),
    port: fc.constantFrom(1, 1, 1, 2, 3), // rx interface: wm0, wm1, vlan100 (on wm0)
    bcast: fc.integer({ min: 0, max: 7 }), // 0: a link-layer broadcast
    proto: fc.constantFrom('icmp', 'icmp', 'udp', 'tcp', 47) as fc.Arbitrary<'udp' | 'tcp' | 'icmp' | number>,
    tcpFlags: fc.constantFrom(0x02, 0x10, 0x12, 0x04, 0x14, 0x01, 0x11, 0x03),
    seq: fc.nat(),
    ack: fc.nat(),
    payload: fc.integer({ min: 0, max: 200 }),
    tos: fc.integer({ min: 0, max: 255 }),
    options: fc.constantFrom(
      undefined,
      undefined,
      Uint8Array.from([1, 7, 7, 4, 0, 0, 0, 0]),
      Uint8Array.from([7, 9]),
      Uint8Array.from([1, 131, 7, 4, 0xcb, 0, 0x71, 7]),
      Uint8Array.from([68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
    ),
    hbh: fc.constantFrom(undefined, undefined, Uint8Array.from([5, 2, 0, 0])),
    mf: fc.integer({ min: 0, max: 9 }), // 0: a fragment
    cut: fc.option(fc.integer({ min: 14, max: 90 }), { nil: undefined, freq: 5 }),
    flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined, freq: 5 }),
  })
  .map((r) => {
    const ours = r.v6 ? OURS6 : OURS4;
    // one in five IPv4 frames from wm0's host goes back out wm0 through 192.0.2.100: a redirect
    const redirect = !r.v6 && r.port === 1 && r.dst % 5 === 4;
    const dst =
      r.port === 3 ? (r.v6 ? 'fe80::1' : '10.100.0.1') : redirect ? '203.0.114.5' : ours[r.dst % ours.length]!;
    const src = r.v6 ? (r.dst & 1 ? 'fe80::aa10' : '2001:db8::10') : r.port === 3 ? '10.100.0.5' : '192.0.2.10';
    let f = buildFrame({
      dstMac: r.bcast === 0 ? new Uint8Array(6).fill(0xff) : r.port === 2 ? MAC.wm1 : MAC.wm0,
      srcMac: r.port === 3 ? MAC.host100 : MAC.host0,
      vlan: r.port === 3 ? 100 : undefined,
      src: ip(src),
      dst: ip(dst),
      proto: r.v6 && r.proto === 'icmp' ? 58 : r.proto,
      tcpFlags: r.tcpFlags,
      seq: r.seq,
      ack: r.ack,
      payload: r.payload,
      tos: r.tos,
      mf: !r.v6 && r.mf === 0,
      options: r.v6 ? undefined : r.options,
      hbh: r.v6 ? r.hbh : undefined,
      minFrame: 60,
    });
    if (r.cut !== undefined) f = f.slice(0, Math.min(f.length, r.cut));
    if (r.flip && f.length) f[r.flip[0] % f.length] = r.flip[1];
    return { data: f, ifindex: r.port === 2 ? 2 : 1 };
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

/**
 * Tunnel traffic for gif0 (IPv4 outer, 198.51.100.1 <-> 203.0.113.99) and gif1 (IPv6 outer,
 * 2001:db8:1::1 <-> 2001:db8:100::99): outer packets from wm1 around inner packets of either family
 * (to hosts, to the router, to the tunnel's own outer address, tunnels in tunnels, the wrong protocol
 * number, an unknown remote end), truncated or flipped; and inner packets from wm0 routed into them,
 * small and past the 576-byte wm1 MTU, with and without DF.
 */
const INNER4 = ['10.20.0.2', '10.20.0.1', '192.0.2.10', '198.51.100.1', '203.0.113.99', '10.21.0.2', '8.8.8.8'];
const INNER6 = ['2001:db8:20::2', '2001:db8:20::1', '2001:db8::10', '2001:db8:1::1', '2001:db8:21::2'];
const tunnelFields = {
  out6: fc.boolean(),
  in6: fc.boolean(),
  src: fc.nat(),
  dst: fc.nat(),
  proto: fc.constantFrom(0, 0, 0, 4, 41), // 0: the right one
  remote: fc.constantFrom(0, 0, 0, 1), // 1: an unknown remote end
  nest: fc.integer({ min: 0, max: 5 }), // 0: a tunnel packet inside
  kind: fc.constantFrom('icmp', 'udp', 'tcp') as fc.Arbitrary<'udp' | 'tcp' | 'icmp'>,
  ttl: fc.constantFrom(1, 2, 64),
  payload: fc.constantFrom(0, 18, 200, 700, 1300),
  df: fc.boolean(),
  fromInside: fc.integer({ min: 0, max: 2 }), // 0: an inner packet from wm0, routed into a tunnel
  cut: fc.option(fc.integer({ min: 14, max: 120 }), { nil: undefined, freq: 5 }),
  flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined, freq: 6 }),
};
type TunnelCase = {
  [K in keyof typeof tunnelFields]: (typeof tunnelFields)[K] extends fc.Arbitrary<infer T> ? T : never;
};

function tunnelFrame(r: TunnelCase): { data: Uint8Array; ifindex: number } {
  const list = r.in6 ? INNER6 : INNER4;
  const inner = (src: string, dst: string) =>
    buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip(src),
      dst: ip(dst),
      proto: r.kind,
      ttl: r.ttl,
      payload: r.payload,
      df: r.df,
    });
  let data: Uint8Array;
  let ifindex = 2;
  if (r.fromInside === 0) {
    data = inner(
      r.in6 ? '2001:db8::10' : '192.0.2.10',
      r.in6 ? INNER6[(r.dst % 2) * 4]! : ['10.20.0.2', '10.21.0.2'][r.dst % 2]!,
    );
    ifindex = 1;
  } else {
    let l3 = inner(list[r.src % list.length]!, list[r.dst % list.length]!).subarray(14);
    const [me, peer] = r.out6 ? ['2001:db8:1::1', '2001:db8:100::99'] : ['198.51.100.1', '203.0.113.99'];
    const far = r.remote ? (r.out6 ? '2001:db8:100::98' : '203.0.113.98') : peer;
    if (r.nest === 0) l3 = wrap(far, me, l3, r.in6 ? 41 : 4);
    data = withEther(wrap(far, me, l3, r.proto || (r.nest === 0 ? (r.out6 ? 41 : 4) : r.in6 ? 41 : 4)));
  }
  if (r.cut !== undefined) data = data.subarray(0, Math.min(data.length, r.cut));
  if (r.flip) {
    data = data.slice();
    data[r.flip[0] % data.length] = r.flip[1];
  }
  return { data, ifindex };
}
const tunnelArb = fc.record(tunnelFields).map(tunnelFrame);
/**
 * A well-formed ping through either tunnel from the far inner host to the router's inner address:
 * among tunnelArb's random fields this is rare, and the test must see such pings answered.
 */
const tunnelPingArb = fc
  .record({
    ...tunnelFields,
    src: fc.constant(0),
    dst: fc.constant(1),
    proto: fc.constant(0),
    remote: fc.constant(0),
    nest: fc.constant(1),
    kind: fc.constant('icmp' as const),
    ttl: fc.constant(64),
    payload: fc.constantFrom(0, 18),
    fromInside: fc.constant(1),
    cut: fc.constant(undefined),
    flip: fc.constant(undefined),
  })
  .map(tunnelFrame);

/** An inner packet from wm0 past the tunnel's MTU with DF set (IPv6 never fragments on the way): need-fragmentation. */
const tunnelTooBigArb = fc
  .record({
    ...tunnelFields,
    fromInside: fc.constant(0),
    payload: fc.constant(1300),
    df: fc.constant(true),
    ttl: fc.constant(64),
  })
  .map(tunnelFrame);

/**
 * ICMP too-big errors from the outer path (frag-needed, packet too big) about packets gif0 or gif1
 * sent, from the gateway on wm1: random reported MTUs (0, below and above the tunnel's, past 1280),
 * quotes with and without the inner header, about the tunnel's remote end or another address. They
 * teach the tunnel a path MTU (IF_GIF_PMTU, compared with the rest of memory), which later inner
 * packets from tunnelArb are checked against.
 */
const tooBigArb = fc
  .record({
    out6: fc.boolean(),
    in6: fc.boolean(),
    mtu: fc.constantFrom(0, 60, 68, 300, 576, 1000, 1279, 1280, 1300, 1400, 1500, 9000),
    whole: fc.boolean(), // the quote holds the inner header (else 8 bytes past the outer header)
    other: fc.constantFrom(0, 0, 0, 1), // 1: about a packet to another remote end
  })
  .map((r) => {
    const [me, peer, gw] = r.out6
      ? ['2001:db8:1::1', r.other ? '2001:db8:100::98' : '2001:db8:100::99', '2001:db8:1::fe']
      : ['198.51.100.1', r.other ? '203.0.113.98' : '203.0.113.99', '198.51.100.254'];
    const inner = buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip(r.in6 ? '2001:db8::10' : '192.0.2.10'),
      dst: ip(r.in6 ? '2001:db8:20::2' : '10.20.0.2'),
      payload: 1000,
      df: true,
    }).subarray(14);
    const sent = wrap(me, peer, inner, r.in6 ? 41 : 4);
    const h = r.out6 ? 40 : 20;
    const quote = sent.subarray(0, h + (r.whole ? (r.in6 ? 48 : 28) : 8));
    const icmp = new Uint8Array(8 + quote.length);
    if (r.out6) icmp.set([2, 0, 0, 0, r.mtu >>> 24, (r.mtu >> 16) & 255, (r.mtu >> 8) & 255, r.mtu & 255]);
    else icmp.set([3, 4, 0, 0, 0, 0, (r.mtu >> 8) & 255, r.mtu & 255]);
    icmp.set(quote, 8);
    let c: number;
    if (r.out6) {
      const ph = new Uint8Array(40 + icmp.length);
      ph.set(ip(gw), 0);
      ph.set(ip(me), 16);
      ph[34] = icmp.length >> 8;
      ph[35] = icmp.length & 255;
      ph[39] = 58;
      ph.set(icmp, 40);
      c = ~sum16(ph, 0, ph.length) & 0xffff;
    } else c = ~sum16(icmp, 0, icmp.length) & 0xffff;
    icmp[2] = c >> 8;
    icmp[3] = c & 255;
    return { data: withEther(wrap(gw, me, icmp, r.out6 ? 58 : 1)), ifindex: 2 };
  });

function sum16(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** An outer IPv4 or IPv6 header from src to dst with protocol `proto` in front of the L3 packet. */
function wrap(src: string, dst: string, l3: Uint8Array, proto: number): Uint8Array {
  const [s, d] = [ip(src), ip(dst)];
  const h = s.length === 16 ? 40 : 20;
  const f = new Uint8Array(h + l3.length);
  if (h === 40) {
    f[0] = 0x60;
    f[4] = l3.length >> 8;
    f[5] = l3.length & 0xff;
    f[6] = proto;
    f[7] = 64;
    f.set(s, 8);
    f.set(d, 24);
  } else {
    f[0] = 0x45;
    f[2] = (20 + l3.length) >> 8;
    f[3] = (20 + l3.length) & 0xff;
    f[8] = 64;
    f[9] = proto;
    f.set(s, 12);
    f.set(d, 16);
    const c = ~sum16(f, 0, 20) & 0xffff;
    f[10] = c >> 8;
    f[11] = c & 0xff;
  }
  f.set(l3, h);
  return f;
}

function withEther(l3: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + l3.length);
  f.set(MAC.wm1, 0);
  f.set(MAC.gw1, 6);
  f[12] = l3[0]! >> 4 === 6 ? 0x86 : 0x08;
  f[13] = l3[0]! >> 4 === 6 ? 0xdd : 0x00;
  f.set(l3, 14);
  return f;
}

type Batch = { data: Uint8Array; ifindex: number }[];
/** Every drop/local reason the runs produced: the generator must reach the checks it is meant to. */
const seen = new Set<string>();
let normalFrames = 0; // forwarded by the normal path, over all runs so far
let fastFrames = 0;
let redirects = 0;
let pmtuLearned = 0;
let headFast = 0; // fwd_batch calls (the stacks' batch: 16) whose first frame went the fast path
let headFastThenOther = 0; // ... and with a frame after that did not
const route4via = (dst: string, via: string): RouteSpec => {
  const p = parsePrefix(dst)!;
  return {
    family: 4,
    dst: p.bytes,
    plen: p.plen,
    via: ip(via),
    dev: null,
    type: 'unicast',
    mtu: 0,
    metric: 0,
    proto: null,
    file: 'test',
    line: 1,
  };
};

/** Batches with a clock that may start anywhere in u32 (also past 2^31) and sometimes step back. */
function runTimed(start: number, steps: number[], batches: Batch[]) {
  let now = start;
  run(batches, () => (now = (now + steps[Math.floor(now) % steps.length]!) >>> 0));
}

function run(
  batches: Batch[],
  clock?: () => number,
  fib: 'radix' | 'compiled' = 'radix',
  warm = false,
  switches = false,
  gifs = false,
  fastforward = true,
) {
  const v6ll: RouteSpec = {
    ...route4via('0.0.0.0/0', '0.0.0.0'),
    family: 6,
    dst: ip('2001:db8:200::'),
    plen: 48,
    via: ip('fe80::fe'),
    dev: 'wm0',
  };
  const cfg = topology({
    ...(fastforward ? {} : { fastforward: false }),
    wm1Mtu: 576,
    ipflow: { hashsize: 4, maxflows: 8, idle: 1 },
    icmp: { ratelimit: 50, burst: 3, echo_ratelimit: 50, echo_burst: 3 },
    fib,
    routes: [...topology().routes, route4via('203.0.114.0/24', '192.0.2.100'), v6ll],
    neighbors: [
      ...topology().neighbors,
      { family: 4, address: ip('192.0.2.100'), mac: MAC.gw1, dev: 'wm0' },
      { family: 6, address: ip('fe80::fe'), mac: MAC.gw1, dev: 'wm0' },
    ],
  });
  // the router switches (all off by default): source routes followed, directed broadcasts to wm1's
  // subnet, reverse-path filters strict on wm0 and loose on vlan100
  if (switches) {
    cfg.ip = { forwardSourceRoute: true };
    const ifs = cfg.interfaces as unknown as { directedBroadcast?: boolean; rpFilter?: 0 | 1 | 2 }[];
    ifs[1]!.directedBroadcast = true;
    ifs[0]!.rpFilter = 1;
    ifs[2]!.rpFilter = 2;
  }
  // link-local addresses on wm0 and wm1, so echo to them and the scope rule are compared too
  for (const [i, a] of [
    [0, 'fe80::1'],
    [1, 'fe80::2'],
  ] as const) {
    const ifc = cfg.interfaces[i]! as unknown as { addresses: { family: 4 | 6; bytes: Uint8Array; plen: number }[] };
    ifc.addresses = [...ifc.addresses, { family: 6, bytes: ip(a), plen: 64 }];
  }
  if (gifs) {
    const rss = cfg.interfaces[0]!.rss;
    const gif = (name: string, index: number, src: string, dst: string, a4: string, a6: string) => ({
      name,
      index,
      mac: new Uint8Array(6),
      mtu: 1280,
      up: true,
      rss,
      addresses: [a4, a6].map((t) => {
        const p = parsePrefix(t)!;
        return { family: p.family, bytes: p.bytes, plen: p.plen };
      }),
      gif: { src: ip(src), dst: ip(dst) },
    });
    cfg.interfaces = [
      ...cfg.interfaces,
      gif('gif0', 4, '198.51.100.1', '203.0.113.99', '10.20.0.1/30', '2001:db8:20::1/64'),
      gif('gif1', 5, '2001:db8:1::1', '2001:db8:100::99', '10.21.0.1/30', '2001:db8:21::1/64'),
    ];
  }
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
    for (let i = 0; i < rw.length; i += 16) {
      if (rw[i]!.path !== 'fast') continue;
      headFast++;
      if (rw.slice(i, i + 16).some((r) => r.path !== 'fast')) headFastThenOther++;
    }
  }
  expect(s.counters()).toEqual(w.counters());
  redirects += w.counters()['icmp-redirects-out'] ?? 0;
  if (gifs) for (const g of [4, 5]) if (w.gifPathMtu(g, now) !== null) pmtuLearned++;
  const mw = new Uint8Array(w.k.memory.buffer, LAYOUT_BASE, w.L.bytes - LAYOUT_BASE);
  const ms = new Uint8Array(s.k.memory.buffer, LAYOUT_BASE, s.L.bytes - LAYOUT_BASE);
  expect(Buffer.compare(mw, ms)).toBe(0);
  const c = w.counters();
  expect(c['fast']! + c['normal']! + c['local']! + c['drop']!).toBe(c['rx-frames']);
  normalFrames += c['normal']!;
  fastFrames += c['fast']!;
}

describe('pipeline differential (WASM vs TS)', () => {
  // each test's coverage check is about its own runs, whichever tests ran before it
  beforeEach(() => seen.clear());

  test('random, truncated and mutated frames: identical verdicts, output and memory', () => {
    fc.assert(
      fc.property(
        // as many random frames as before (the hop-by-hop reasons below need them), plus frames for the router
        fc.array(
          fc
            .tuple(fc.array(frameArb, { minLength: 1, maxLength: 40 }), fc.array(localArb, { maxLength: 16 }))
            .chain(([a, b]) => fc.shuffledSubarray([...a, ...b], { minLength: a.length + b.length })),
          { minLength: 1, maxLength: 6 },
        ),
        (b) => run(b),
      ),
      // 200 runs: at 120 a fresh-clone CI run once saw no unknown-option hop-by-hop verdict among the
      // random frames (once in the six full runs of this stop); more runs, the same assertions
      { numRuns: 200 },
    );
    // the generator makes hop-by-hop headers often enough that every run reaches both reasons; rarer
    // verdicts (ttl-exceeded, too-big) are left to the unit tests: an unseeded run may miss them
    // and frames for the router often enough that every run has them answered
    for (const r of [
      'ip6-hbh-malformed',
      'ip6-hbh-unknown-option',
      'echo-reply',
      'port-unreachable',
      'tcp-reset',
      'ip-options',
      'source-route',
      'martian-source-ours',
    ])
      expect(seen).toContain(r);
    expect(redirects).toBeGreaterThan(0);
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

  test('with the router switches on (source routes followed, directed broadcast, rp_filter strict and loose)', () => {
    // spoofed sources on wm0, whose strict filter must drop them: wm1's and vlan100's subnets, whose
    // reverse routes leave by another interface (among random frames such sources are rare)
    const spoofArb = fc
      .record({ net: fc.constantFrom('198.51.100.', '10.100.0.'), host: fc.integer({ min: 2, max: 250 }) })
      .map(({ net, host }) => ({
        data: buildFrame({
          dstMac: MAC.wm0,
          srcMac: MAC.host0,
          src: ip(net + host),
          dst: ip('198.51.100.7'),
          proto: 'udp',
          payload: 18,
        }),
        ifindex: 1,
      }));
    fc.assert(
      fc.property(
        fc.array(
          fc
            .tuple(
              fc.array(frameArb, { minLength: 1, maxLength: 40 }),
              fc.array(localArb, { maxLength: 16 }),
              fc.array(spoofArb, { maxLength: 2 }),
            )
            .chain(([a, b, c]) =>
              fc.shuffledSubarray([...a, ...b, ...c], { minLength: a.length + b.length + c.length }),
            ),
          { minLength: 1, maxLength: 4 },
        ),
        (b) => run(b, undefined, 'radix', false, true),
      ),
      { numRuns: 60 },
    );
    expect(seen).toContain('rp-filter');
  });

  test('gif tunnels: encapsulation and decapsulation, malformed, nested and looping tunnel traffic', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.oneof(tunnelArb, tunnelArb, tunnelPingArb, tunnelTooBigArb, tooBigArb, frameArb), {
            minLength: 1,
            maxLength: 40,
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (b) => run(b, undefined, 'radix', false, false, true),
      ),
      { numRuns: 80 },
    );
    for (const r of ['gif-nesting', 'echo-reply', 'too-short', 'need-fragmentation', 'gif-ingress', 'gif-icmp-relayed'])
      expect(seen).toContain(r);
    expect(pmtuLearned).toBeGreaterThan(0); // some run taught a tunnel its path MTU
  });

  test('ipflow hits at the head of batches (pass 1 forwards them: ip4_fuse), then what ends the run', () => {
    const [head0, other0] = [headFast, headFastThenOther];
    const steps = [1, 0, 1, 2, 1, 1500]; // ms between batches; 1500 idles the flows out (idle: 1 s)
    fc.assert(
      fc.property(fusedBatchArb, fc.nat(), (b, k) => {
        let now = 1_000;
        let j = k;
        run(b, () => (now += steps[j++ % steps.length]!));
      }),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(fusedBatchArb, (b) => run(b, undefined, 'compiled')),
      { numRuns: 30 },
    );
    expect(headFast).toBeGreaterThan(head0 + 100);
    expect(headFastThenOther).toBeGreaterThan(other0 + 20);
  });

  test('with the compiled FIB (DIR-24-8) as the IPv4 lookup', () => {
    fc.assert(
      fc.property(fc.array(fc.array(frameArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }), (b) =>
        run(b, undefined, 'compiled'),
      ),
      { numRuns: 15 },
    );
  });

  test('with the compiled FIB and ipflow off: destinations looked up after pass 1, others warmed (ip4_route_pass)', () => {
    const [normal0, fast0] = [normalFrames, fastFrames];
    const batches = fc.array(fc.array(fc.oneof(fwd4Arb, frameArb), { minLength: 1, maxLength: 40 }), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(batches, (b) => run(b, undefined, 'compiled', false, false, false, false)),
      { numRuns: 15 },
    );
    // and with the router switches on (reverse-path filters, source routes, directed broadcasts)
    fc.assert(
      fc.property(batches, (b) => run(b, undefined, 'compiled', false, true, false, false)),
      { numRuns: 15 },
    );
    // and with the warm-up forced on (OPT_FIBWARM), which ip4_route_pass then does for unmarked frames
    fc.assert(
      fc.property(batches, (b) => run(b, undefined, 'compiled', true, false, false, false)),
      { numRuns: 15 },
    );
    // the runs forwarded frames, all by the normal path
    expect(normalFrames).toBeGreaterThan(normal0);
    expect(fastFrames).toBe(fast0);
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
