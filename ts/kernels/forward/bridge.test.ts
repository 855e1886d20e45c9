// bridge(4) on the data path (assembly/forward/bridge.ts and this folder's twin), on both engines,
// through a single-CPU Stack: learning, switching, flooding never back out the ingress port, the
// bridge's own MAC and broadcasts up to the router (ARP, echo), the FDB's limit and expiry, a loop
// bounded, members added and deleted, and output routed through the bridge.
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../config/load.js';
import { ConfigError } from '../../config/error.js';
import { buildArp, buildFrame } from '../../packet/build.js';
import { ip, mac } from '../../../test/fixtures/topology.js';
import { lockedStack } from '../../../test/fixtures/locked.js';
import { KERNEL_IMPLS, type KernelImpl } from '../../stack/kernels.js';
import { Stack } from '../../stack/stack.js';

// bridge0 (4) over wm1 (2), wm2 (3), wm3 (5); wm0 (1) a routed port
const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24] }
  - { name: wm1, mac: 02:00:00:00:00:02 }
  - { name: wm2, mac: 02:00:00:00:00:03 }
  - name: bridge0
    mac: 02:00:00:00:00:b0
    bridge: { members: [wm1, wm2, wm3], maxaddr: MAXADDR, timeout: 10 }
    addresses: [198.51.100.1/24]
  - { name: wm3, mac: 02:00:00:00:00:04 }
  - { name: wm4, mac: 02:00:00:00:00:05 }
neighbors:
  - { address: 198.51.100.20, mac: 02:00:00:00:0a:20, dev: bridge0 }
  - { address: 192.0.2.10, mac: 02:00:00:00:0a:10, dev: wm0 }
ipflow: { hashsize: 64, maxflows: 64 }
icmp: { ratelimit: 0 }
fib: radix
`;
const WM0 = 1,
  WM1 = 2,
  WM2 = 3,
  BR = 4,
  WM3 = 5,
  WM4 = 6;
const BRMAC = mac('02:00:00:00:00:b0');
const host = (n: number) => mac(`02:00:00:00:0a:${n.toString(16).padStart(2, '0')}`);
const BCAST = mac('ff:ff:ff:ff:ff:ff');

function stack(engine: KernelImpl, maxaddr = 100): Stack {
  const cfg = parseConfig(CONFIG.replace('MAXADDR', String(maxaddr)), 'test.yaml', '/nonexistent');
  return lockedStack(new Stack(cfg, { engine }));
}
/** A UDP frame between two hosts on the bridged segment (198.51.100.0/24). */
const l2 = (dst: Uint8Array, src: Uint8Array, last = 30) =>
  buildFrame({ dstMac: dst, srcMac: src, src: ip('198.51.100.2'), dst: ip(`198.51.100.${last}`), ttl: 64 });
const outs = (r: { out: { ifindex: number }[] }) => r.out.map((o) => o.ifindex).sort((a, b) => a - b);

describe.each(KERNEL_IMPLS)('bridge(4) (%s)', (engine) => {
  test('unknown unicast floods to every other member, never back out the ingress port; the reply is switched', () => {
    const s = stack(engine);
    const [r] = s.forward([{ ifindex: WM1, data: l2(host(0x30), host(0x02)) }], 1000);
    expect(r!.path).toBe('bridge');
    expect(outs(r!)).toEqual([WM2, WM3]);
    // the frame itself, unchanged (switched: TTL and MACs as they came)
    expect(r!.out[0]!.data).toEqual(l2(host(0x30), host(0x02)));
    // host 0x30 answers from wm3: it learns 0x30 on wm3, and 0x02 is known on wm1
    const [back] = s.forward([{ ifindex: WM3, data: l2(host(0x02), host(0x30)) }], 1001);
    expect(back!.path).toBe('bridge');
    expect(outs(back!)).toEqual([WM1]);
    // and now 0x02 -> 0x30 goes out wm3 only
    const [again] = s.forward([{ ifindex: WM1, data: l2(host(0x30), host(0x02)) }], 1002);
    expect(outs(again!)).toEqual([WM3]);
    const c = s.counters();
    expect(c.bridge).toBe(3);
    expect(c['bridge-floods']).toBe(2);
    const show = s.bridgeShow('bridge0', 1002);
    expect(show.members.map((m) => m.name)).toEqual(['wm1', 'wm2', 'wm3']);
    expect(show.entries.map((e) => [e.port, e.static]).sort()).toEqual([
      ['wm1', false],
      ['wm3', false],
    ]);
    // per-port counters: the members' interface counters
    const ic = s.interfaceCounters();
    expect(ic.wm1!.ipkts).toBe(2);
    expect(ic.wm3!.opkts).toBe(2);
  });

  test('a frame for a station on the receiving port is filtered, counted', () => {
    const s = stack(engine);
    s.forward([{ ifindex: WM1, data: l2(BCAST, host(0x31)) }], 1000); // learns 0x31 on wm1
    const [r] = s.forward([{ ifindex: WM1, data: l2(host(0x31), host(0x02)) }], 1001);
    expect(r!.path).toBe('drop');
    expect(r!.reason).toBe('bridge-same-port');
    expect(r!.out).toEqual([]);
  });

  test("the bridge's own MAC and broadcasts go up: ARP for its address is answered out the asking port", () => {
    const s = stack(engine);
    const req = buildArp({
      dstMac: BCAST,
      srcMac: host(0x40),
      op: 1,
      senderMac: host(0x40),
      senderIp: ip('198.51.100.40'),
      targetIp: ip('198.51.100.1'),
    });
    const [r] = s.forward([{ ifindex: WM2, data: req }], 1000);
    expect(r!.path).toBe('local');
    expect(r!.reason).toBe('arp');
    expect(r!.rxif).toBe(BR);
    // the broadcast flooded to the other members, the reply out wm2 only (the FDB learned 0x40 there)
    const byIf = r!.out.map((o) => [o.ifindex, o.data[0]!] as const).sort((a, b) => a[0] - b[0]);
    expect(byIf.map((x) => x[0])).toEqual([WM1, WM2, WM3]);
    const reply = r!.out.find((o) => o.ifindex === WM2)!;
    expect([...reply.data.subarray(0, 6)]).toEqual([...host(0x40)]);
    expect([...reply.data.subarray(6, 12)]).toEqual([...BRMAC]);
    expect(reply.data[21]).toBe(2); // ARP reply
    // echo to the bridge's address, unicast to its MAC: answered, through the FDB
    const echo = buildFrame({
      dstMac: BRMAC,
      srcMac: host(0x40),
      src: ip('198.51.100.40'),
      dst: ip('198.51.100.1'),
      proto: 'icmp',
    });
    const [e] = s.forward([{ ifindex: WM2, data: echo }], 1001);
    expect(e!.reason).toBe('echo-reply');
    expect(outs(e!)).toEqual([WM2]);
  });

  test('routed output on the bridge goes to the member the FDB names, else floods', () => {
    const s = stack(engine);
    const toHost = buildFrame({
      dstMac: mac('02:00:00:00:00:01'),
      srcMac: host(0x10),
      src: ip('192.0.2.10'),
      dst: ip('198.51.100.20'),
      ttl: 64,
    });
    const [r] = s.forward([{ ifindex: WM0, data: toHost }], 1000);
    expect(r!.path).toBe('normal');
    expect(outs(r!)).toEqual([WM1, WM2, WM3]); // 0x20 not learned yet: flooded
    expect(r!.out[0]!.data[22]).toBe(63); // routed: TTL - 1
    s.forward([{ ifindex: WM2, data: l2(BCAST, host(0x20)) }], 1001); // 0x20 speaks on wm2
    const [r2] = s.forward([{ ifindex: WM0, data: toHost }], 1002);
    expect(outs(r2!)).toEqual([WM2]);
  });

  test('the FDB holds at most maxaddr entries (counted), and forgets after the timeout', () => {
    const s = stack(engine, 4);
    for (let i = 0; i < 6; i++) s.forward([{ ifindex: WM1, data: l2(BCAST, host(0x50 + i)) }], 1000);
    expect(s.bridgeShow('bridge0', 1000).entries.length).toBe(4);
    expect(s.counters()['bridge-fdb-full']).toBe(2);
    // 10 s timeout: at 11.5 s the entries are gone (unknown again: flooded); a new station fits again
    const [r] = s.forward([{ ifindex: WM2, data: l2(host(0x50), host(0x60)) }], 11_500);
    expect(outs(r!)).toEqual([WM1, WM3]);
    expect(s.bridgeShow('bridge0', 11_500).entries.map((e) => e.port)).toEqual(['wm2']);
  });

  test('a bridge loop is bounded: a batch of broadcasts floods at most BR_FLOOD_BATCH copies', () => {
    const s = stack(engine);
    const frames = Array.from({ length: 200 }, (_, i) => ({ ifindex: WM1, data: l2(BCAST, host(0x80 + (i & 15))) }));
    const res = s.forward(frames, 1000);
    expect(res.length).toBe(200);
    const copies = res.reduce((n, r) => n + r.out.length, 0);
    expect(copies).toBeLessThanOrEqual(256);
    const c = s.counters();
    expect(c['bridge-floods']).toBe(copies);
    expect(c['bridge-flood-capped']).toBe(400 - copies);
  });

  test('members added and deleted at run time; static entries; flush', () => {
    const s = stack(engine);
    s.bridgeAdd('bridge0', 'wm4');
    const [r] = s.forward([{ ifindex: WM1, data: l2(host(0x30), host(0x02)) }], 1000);
    expect(outs(r!)).toEqual([WM2, WM3, WM4]);
    s.bridgeStatic('bridge0', host(0x30), 'wm4');
    const [r2] = s.forward([{ ifindex: WM1, data: l2(host(0x30), host(0x02)) }], 1001);
    expect(outs(r2!)).toEqual([WM4]);
    // a static entry never moves by learning
    s.forward([{ ifindex: WM2, data: l2(BCAST, host(0x30)) }], 1002);
    expect(s.bridgeShow('bridge0', 1002).entries.find((e) => e.static)!.port).toBe('wm4');
    const { index, entries } = s.bridgeUnpublishMember('bridge0', 'wm4');
    s.bridgeFreeMember('bridge0', index);
    expect(entries).toBe(1);
    const [r3] = s.forward([{ ifindex: WM1, data: l2(host(0x30), host(0x02)) }], 1003);
    expect(outs(r3!)).toEqual([WM2, WM3]);
    // wm4 is a plain interface again: a frame to another MAC is not for it
    const [r4] = s.forward([{ ifindex: WM4, data: l2(host(0x30), host(0x02)) }], 1004);
    expect(r4!.reason).toBe('l2-other-host');
    expect(s.bridgeFlush('bridge0')).toBeGreaterThan(0);
    expect(s.bridgeShow('bridge0', 1004).entries).toEqual([]);
    expect(() => s.bridgeAdd('bridge0', 'wm0')).toThrow(/carries addresses/);
    expect(() => s.bridgeAdd('bridge0', 'wm1')).toThrow(/already a member/);
  });
});

test('config: a member with addresses of its own is refused, saying so', () => {
  const bad = `interfaces:
  - { name: wm0, addresses: [192.0.2.1/24] }
  - { name: wm1 }
  - { name: bridge0, bridge: { members: [wm0, wm1] } }
`;
  expect(() => parseConfig(bad, 'x.yaml', '/nonexistent')).toThrow(ConfigError);
  expect(() => parseConfig(bad, 'x.yaml', '/nonexistent')).toThrow(
    /wm0 is a member of bridge bridge0 and cannot carry addresses/,
  );
  const twice = `interfaces:
  - { name: wm0 }
  - { name: bridge0, bridge: { members: [wm0] } }
  - { name: bridge1, bridge: { members: [wm0] } }
`;
  expect(() => parseConfig(twice, 'x.yaml', '/nonexistent')).toThrow(/already a member of bridge0/);
  const ok = parseConfig(
    'interfaces:\n  - { name: wm0 }\n  - { name: bridge0, bridge: { members: [wm0] } }\n',
    'x.yaml',
    '/nonexistent',
  );
  expect(ok.interfaces[1]!.bridge).toEqual({ members: ['wm0'], maxaddr: 100, timeout: 1200 });
});
