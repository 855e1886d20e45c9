// Stack, the single-CPU forwarding stack, on both kernel implementations: built from a parsed
// config, forward() verdicts and rewritten bytes, and the run-time control operations (addRouteSpec,
// deleteRoute, addAddress, createVlan, destroyInterface) seen through forward() and the tables.
// The pipeline's own behaviour is ts/kernels/forward/pipeline.test.ts's; this file is the Stack's.
import { describe, expect, test } from '@jest/globals';
import { LAYOUT_BASE } from '../../assembly/layout.js';
import { formatIP, formatPrefix } from '../addr/addr.js';
import { parseConfig } from '../config/load.js';
import type { RouteSpec } from '../config/routes-file.js';
import { UserError } from '../errors.js';
import { Mem } from '../kernels/util/mem.js';
import { in_cksum } from '../kernels/wire/cksum.js';
import { buildFrame, type FrameSpec } from '../packet/build.js';
import { ip, mac } from '../../test/fixtures/topology.js';
import { KERNEL_IMPLS, type KernelImpl } from './kernels.js';
import { type FrameResult, Stack, StackConfigError, type StackConfig } from './stack.js';
import { destroyInterface, lockedStack } from '../../test/fixtures/locked.js';

// wm0 (1): 192.0.2.0/24, 2001:db8::/64, RSS on UDP ports
// wm1 (2): 198.51.100.0/24, 2001:db8:1::/64, gateways .254 / ::fe
// vlan50 (3, on wm0): 10.50.0.0/24
// wm2 (4): no address, MTU 1000
const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
    rss: { queues: 2, udp: true }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
  - name: vlan50
    vlan: { parent: wm0, id: 50 }
    addresses: [10.50.0.1/24]
  - name: wm2
    mac: 02:00:00:00:00:03
    mtu: 1000
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
  - { dst: 2001:db8:100::/48, via: '2001:db8:1::fe' }
  - { dst: 100.64.0.0/10, type: prohibit }
  - { dst: 198.18.0.0/15, via: 198.51.100.254, mtu: 576 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: '2001:db8:1::fe', mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: '2001:db8::10', mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 10.50.0.5, mac: 02:00:00:00:cc:05, dev: vlan50 }
ipflow: { hashsize: 64, maxflows: 64 }
icmp: { ratelimit: 0 }
fib: radix
`;
const config = (text = CONFIG): StackConfig => parseConfig(text, 'test.yaml', '/nonexistent');

const MAC = {
  wm0: mac('02:00:00:00:00:01'),
  wm1: mac('02:00:00:00:00:02'),
  gw: mac('02:00:00:00:bb:fe'),
  host0: mac('02:00:00:00:aa:10'),
  host50: mac('02:00:00:00:cc:05'),
};
const v4 = (o: Partial<FrameSpec> = {}): Uint8Array =>
  buildFrame({
    dstMac: MAC.wm0,
    srcMac: MAC.host0,
    src: ip('192.0.2.10'),
    dst: ip('203.0.113.7'),
    sport: 1000,
    dport: 2000,
    ...o,
  });
const v6 = (o: Partial<FrameSpec> = {}): Uint8Array =>
  buildFrame({
    dstMac: MAC.wm0,
    srcMac: MAC.host0,
    src: ip('2001:db8::10'),
    dst: ip('2001:db8:100::7'),
    sport: 1000,
    dport: 2000,
    ...o,
  });
/** A frame from the gateway on wm1 towards `dst`. */
const fromWm1 = (dst: string, o: Partial<FrameSpec> = {}) =>
  v4({ dstMac: MAC.wm1, srcMac: MAC.gw, src: ip('203.0.113.9'), dst: ip(dst), ...o });

/** A route as `route add` would give it (file 'cli', line 7, for the messages). */
function spec(
  dst: string,
  via: string | null,
  dev: string | null = null,
  type: RouteSpec['type'] = 'unicast',
  mtu = 0,
): RouteSpec {
  const { family, bytes, plen } = addr(dst);
  return {
    family,
    dst: bytes,
    plen,
    via: via ? ip(via) : null,
    dev,
    type,
    mtu,
    metric: 0,
    proto: null,
    file: 'cli',
    line: 7,
  };
}
function addr(s: string): { family: 4 | 6; bytes: Uint8Array; plen: number } {
  const [a, l] = s.split('/');
  const bytes = ip(a!);
  return { family: bytes.length === 4 ? 4 : 6, bytes, plen: Number(l) };
}
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const cksumOk = (b: Uint8Array, off: number, len: number) =>
  in_cksum(new Mem({ buffer: b.buffer }), b.byteOffset + off, len) === 0;
const routes = (s: Stack, family: 4 | 6) =>
  s.tables.walkRoutes(family).map((r) => {
    const gw = r.nh.gw ? ` via ${formatIP(r.nh.gw)}` : '';
    return `${formatPrefix(r.prefix, r.plen)} ${r.nh.kind} if${r.nh.ifindex}${gw}${r.nh.mtu ? ` mtu ${r.nh.mtu}` : ''}`;
  });
/** The StackConfigError `f` throws (fails the test if it throws nothing or something else). */
function refusal(f: () => unknown): StackConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StackConfigError);
    expect(e).toBeInstanceOf(UserError);
    return e as StackConfigError;
  }
  throw new Error('expected a StackConfigError');
}

describe.each(KERNEL_IMPLS)('Stack (%s kernels)', (engine) => {
  const mk = (o: { spareInterfaces?: number; text?: string } = {}) =>
    lockedStack(new Stack(config(o.text), { engine, batch: 16, spareInterfaces: o.spareInterfaces }));
  const one = (s: Stack, data: Uint8Array, ifindex = 1, now = 1000): FrameResult =>
    s.forward([{ data, ifindex }], now)[0]!;

  test('built from a parsed config: interfaces, the routes of every address, config routes, neighbors', () => {
    const s = mk();
    expect([...s.ifByName]).toEqual([
      ['wm0', 1],
      ['wm1', 2],
      ['vlan50', 3],
      ['wm2', 4],
    ]);
    expect([s.fib, s.batch]).toEqual(['radix', 16]);
    expect(s.tables.ifs[3]!.vlan).toEqual({ parent: 1, id: 50 });
    expect(s.tables.ifs[3]!.mac).toEqual(MAC.wm0);
    expect([s.tables.ifs[1]!.addr4, s.tables.ifs[4]!.addr4]).toEqual([0xc0000201, 0]);
    expect(routes(s, 4)).toEqual([
      '10.50.0.0/24 unicast if3',
      '10.50.0.1/32 local if3',
      '10.50.0.255/32 broadcast if3',
      '100.64.0.0/10 prohibit if0',
      '192.0.2.0/24 unicast if1',
      '192.0.2.1/32 local if1',
      '192.0.2.255/32 broadcast if1',
      '198.18.0.0/15 unicast if2 via 198.51.100.254 mtu 576',
      '198.51.100.0/24 unicast if2',
      '198.51.100.1/32 local if2',
      '198.51.100.255/32 broadcast if2',
      '203.0.113.0/24 unicast if2 via 198.51.100.254',
    ]);
    expect(routes(s, 6)).toEqual([
      '2001:db8::/64 unicast if1',
      '2001:db8::1/128 local if1',
      '2001:db8:1::/64 unicast if2',
      '2001:db8:1::1/128 local if2',
      '2001:db8:100::/48 unicast if2 via 2001:db8:1::fe',
    ]);
    expect(s.addresses(1).map((a) => formatPrefix(a.bytes, a.plen))).toEqual(['192.0.2.1/24', '2001:db8::1/64']);
    expect([s.addresses(4), s.addresses(9)]).toEqual([[], []]);
    expect([s.ifName(2), s.ifName(9)]).toEqual(['wm1', 'if9']);
    // the config's fib is overridden by the option
    expect(new Stack(config(), { engine, batch: 16, fib: 'compiled' }).fib).toBe('compiled');
  });

  test('forward: a routed IPv4 frame leaves by the route with new MACs, TTL - 1 and a valid checksum', () => {
    const s = mk();
    const f = v4({ ttl: 17 });
    const r = one(s, f);
    const nh = s.tables.getRoute(4, ip('203.0.113.0'), 24)!;
    expect([r.path, r.reason, r.rxif, r.txif, r.nh, r.htype]).toEqual(['normal', null, 1, 2, nh.id, 'udp4']);
    expect(r.out).toHaveLength(1);
    const o = r.out[0]!;
    expect(o.ifindex).toBe(2);
    expect(o.data.length).toBe(f.length);
    expect(o.data.subarray(0, 6)).toEqual(MAC.gw);
    expect(o.data.subarray(6, 12)).toEqual(MAC.wm1);
    expect(o.data[14 + 8]).toBe(16);
    expect(cksumOk(o.data, 14, 20)).toBe(true);
    // nothing else changed: ethertype, header up to the TTL, addresses and the payload
    expect(o.data.subarray(12, 22)).toEqual(f.subarray(12, 22));
    expect(o.data[23]).toBe(f[23]);
    expect(o.data.subarray(26)).toEqual(f.subarray(26));
    // the second packet of the flow takes the fast path to the same bytes
    const r2 = one(s, f);
    expect(r2.path).toBe('fast');
    expect(r2.out[0]!.data).toEqual(o.data);
  });

  test('forward: IPv6 to a gateway, and IPv4 to a host on a connected network', () => {
    const s = mk();
    const r6 = one(s, v6());
    expect([r6.path, r6.txif, r6.out[0]!.ifindex, r6.out[0]!.data[14 + 7], r6.htype]).toEqual([
      'normal',
      2,
      2,
      63,
      'udp6',
    ]);
    expect(r6.out[0]!.data.subarray(0, 12)).toEqual(Uint8Array.from([...MAC.gw, ...MAC.wm1]));
    const r4 = one(s, fromWm1('192.0.2.10'), 2);
    expect([r4.path, r4.rxif, r4.txif, r4.out[0]!.ifindex]).toEqual(['normal', 2, 1, 1]);
    expect(r4.out[0]!.data.subarray(0, 12)).toEqual(Uint8Array.from([...MAC.host0, ...MAC.wm0]));
  });

  test('verdicts: no route, TTL expired, prohibited, unresolved, too big for the route MTU, local', () => {
    const s = mk();
    const icmp = (r: FrameResult) => (r.out[0] ? [r.out[0].ifindex, r.out[0].data[34], r.out[0].data[35]] : null);
    const nr = one(s, v4({ dst: ip('8.8.8.8') }));
    expect([nr.path, nr.reason, icmp(nr)]).toEqual(['drop', 'no-route', [1, 3, 0]]);
    const ttl = one(s, v4({ ttl: 1 }));
    expect([ttl.path, ttl.reason, icmp(ttl)]).toEqual(['drop', 'ttl-exceeded', [1, 11, 0]]);
    // the error goes back to the sender, from our address on the receiving interface
    expect(ttl.out[0]!.data.subarray(0, 6)).toEqual(MAC.host0);
    expect(Array.from(ttl.out[0]!.data.subarray(26, 34))).toEqual([192, 0, 2, 1, 192, 0, 2, 10]);
    const pr = one(s, v4({ dst: ip('100.64.0.1') }));
    expect([pr.reason, icmp(pr)]).toEqual(['reject-route', [1, 3, 13]]);
    // no neighbor entry: the packet is held and an ARP request goes out (ts/stack/lltable.ts)
    const un = one(s, fromWm1('192.0.2.77'), 2);
    expect([un.path, un.reason, un.out.map((o) => [o.ifindex, be16(o.data, 12), be16(o.data, 20)])]).toEqual([
      'local',
      'held',
      [[1, 0x0806, 1]],
    ]);
    // without resolution (the multi-CPU engine's pipeline today) a miss is dropped as unresolved
    const nores = new Stack(config(), { engine, batch: 16, resolve: false });
    const un0 = nores.forward([{ data: fromWm1('192.0.2.77'), ifindex: 2 }], 1000)[0]!;
    expect([un0.path, un0.reason, un0.out]).toEqual(['drop', 'unresolved', []]);
    const big = one(s, v4({ dst: ip('198.18.0.1'), df: true, payload: 700 }));
    expect([big.reason, icmp(big), be16(big.out[0]!.data, 40)]).toEqual(['need-fragmentation', [1, 3, 4], 576]);
    expect([one(s, v4({ dst: ip('192.0.2.1') })).reason, one(s, v4({ dst: ip('192.0.2.255') })).reason]).toEqual([
      'port-unreachable',
      'broadcast',
    ]);
    const nr6 = one(s, v6({ dst: ip('2001:db9::1') }));
    expect([nr6.reason, nr6.out[0]!.data[54], nr6.out[0]!.data[55]]).toEqual(['no-route', 1, 0]);
  });

  test('an interface down: nothing in on it or out of it, the cached flow included; up again forwards', () => {
    const s = mk();
    expect([one(s, v4()).path, one(s, v4()).path]).toEqual(['normal', 'fast']);
    s.tables.setInterfaceUp(2, false);
    // out of it: a host unreachable back to the sender
    const out = one(s, v4());
    expect([out.path, out.reason, out.out.length, out.out[0]!.ifindex]).toEqual(['drop', 'if-down', 1, 1]);
    expect([out.out[0]!.data[34], out.out[0]!.data[35]]).toEqual([3, 1]);
    const inn = one(s, fromWm1('192.0.2.10'), 2);
    expect([inn.reason, inn.out]).toEqual(['if-down', []]);
    s.tables.setInterfaceUp(2, true);
    expect(one(s, v4()).out[0]!.ifindex).toBe(2);
    expect(s.counters()['reason:if-down']).toBe(2);
  });

  test('addRouteSpec then forward: gateway and device routes, an MTU, a blackhole', () => {
    const s = mk();
    expect(one(s, v4({ dst: ip('8.8.8.8') })).reason).toBe('no-route');
    const nh = s.addRouteSpec(spec('8.8.8.0/24', '198.51.100.254'));
    expect([nh.kind, nh.ifindex, nh.gw, nh.mtu]).toEqual(['unicast', 2, ip('198.51.100.254'), 0]);
    // it shares the nexthop of the config's route through the same gateway
    expect(nh).toBe(s.tables.getRoute(4, ip('203.0.113.0'), 24));
    const r = one(s, v4({ dst: ip('8.8.8.8') }));
    expect([r.path, r.out[0]!.ifindex, r.nh]).toEqual(['normal', 2, nh.id]);
    expect(r.out[0]!.data.subarray(0, 6)).toEqual(MAC.gw);
    // a device route: the destination itself is the next hop, so its neighbor entry decides
    s.addRouteSpec(spec('172.16.0.0/16', null, 'wm0'));
    expect(one(s, fromWm1('172.16.3.4'), 2).reason).toBe('held');
    s.tables.setNeighbor(ip('172.16.3.4'), 1, mac('02:00:00:00:ee:01'));
    const d = one(s, fromWm1('172.16.3.4'), 2);
    expect([d.path, d.out[0]!.ifindex]).toEqual(['normal', 1]);
    expect(d.out[0]!.data.subarray(0, 6)).toEqual(mac('02:00:00:00:ee:01'));
    s.addRouteSpec(spec('9.9.0.0/16', '198.51.100.254', 'wm1', 'unicast', 600));
    expect(one(s, v4({ dst: ip('9.9.1.1'), df: true, payload: 700 })).reason).toBe('need-fragmentation');
    expect(one(s, v4({ dst: ip('9.9.1.1'), df: true, payload: 500 })).path).toBe('normal');
    s.addRouteSpec(spec('8.8.8.8/32', null, null, 'blackhole'));
    const bh = one(s, v4({ dst: ip('8.8.8.8') }));
    expect([bh.reason, bh.out]).toEqual(['reject-route', []]);
    expect(one(s, v4({ dst: ip('8.8.8.9') })).path).toBe('normal');
    s.addRouteSpec(spec('2001:db8:200::/48', '2001:db8:1::fe'));
    expect(one(s, v6({ dst: ip('2001:db8:200::1') })).out[0]!.ifindex).toBe(2);
  });

  test("addRouteSpec refuses, with the route's file and line, what it cannot resolve", () => {
    const s = mk();
    const before = [routes(s, 4), routes(s, 6)];
    const cases: [RouteSpec, string][] = [
      [spec('8.8.8.0/24', null, 'wm9'), "cli:7: unknown interface 'wm9'"],
      [spec('8.8.8.0/24', '172.31.0.1'), 'cli:7: gateway 172.31.0.1 is not on a connected network'],
      [
        spec('8.8.8.0/24', '198.51.100.254', 'wm0'),
        'cli:7: gateway 198.51.100.254 is not on a connected network of wm0',
      ],
      // on link means: the longest match is a connected network, not one of our addresses or a broadcast
      [spec('8.8.8.0/24', '192.0.2.1'), 'cli:7: gateway 192.0.2.1 is not on a connected network'],
      [spec('8.8.8.0/24', '192.0.2.255'), 'cli:7: gateway 192.0.2.255 is not on a connected network'],
      [spec('8.8.8.0/24', null), 'cli:7: a unicast route needs `via` or `dev`'],
      [spec('203.0.113.0/24', '198.51.100.254'), 'cli:7: 203.0.113.0/24: route already exists'],
      [spec('2001:db8:100::/48', null, 'wm1'), 'cli:7: 2001:db8:100::/48: route already exists'],
      // a gateway behind another gateway is not on link, nor is one on a blackholed network
      [spec('8.8.8.0/24', '203.0.113.1'), 'cli:7: gateway 203.0.113.1 is not on a connected network'],
      [spec('8.8.8.0/24', '100.64.0.1'), 'cli:7: gateway 100.64.0.1 is not on a connected network'],
    ];
    for (const [r, msg] of cases) {
      const e = refusal(() => s.addRouteSpec(r));
      expect(e.message).toBe(msg);
      expect([e.file, e.line]).toEqual(['cli', 7]);
    }
    expect([routes(s, 4), routes(s, 6)]).toEqual(before);
  });

  test('deleteRoute then forward: no route (the flow cache is flushed); a missing route is false', () => {
    const s = mk();
    expect([one(s, v4()).path, one(s, v4()).path]).toEqual(['normal', 'fast']);
    expect(s.deleteRoute(4, ip('203.0.113.0'), 24)).toBe(true);
    const r = one(s, v4());
    expect([r.path, r.reason]).toEqual(['drop', 'no-route']);
    expect(s.counters()['ipflow-flush']).toBe(1);
    expect(s.deleteRoute(4, ip('203.0.113.0'), 24)).toBe(false);
    expect(s.deleteRoute(6, ip('2001:db8:100::'), 64)).toBe(false);
    expect(s.deleteRoute(6, ip('2001:db8:100::'), 48)).toBe(true);
    expect(one(s, v6()).reason).toBe('no-route');
    // a connected network deleted: its hosts have no route, and its gateways are no longer on link
    s.addRouteSpec(spec('8.8.8.0/24', '198.51.100.254'));
    expect(s.deleteRoute(4, ip('198.51.100.0'), 24)).toBe(true);
    expect(one(s, v4({ dst: ip('198.51.100.77') })).reason).toBe('no-route');
    expect(refusal(() => s.addRouteSpec(spec('8.8.4.0/24', '198.51.100.254'))).message).toBe(
      'cli:7: gateway 198.51.100.254 is not on a connected network',
    );
    // routes through that gateway stay (as in Linux after a manual delete) and still forward
    expect(one(s, v4({ dst: ip('8.8.8.8') })).out[0]!.ifindex).toBe(2);
  });

  test('addAddress: the routes of the address, the primary address, and gateways behind it on link', () => {
    const s = mk();
    expect(refusal(() => s.addRouteSpec(spec('8.8.8.0/24', '10.9.0.254'))).message).toBe(
      'cli:7: gateway 10.9.0.254 is not on a connected network',
    );
    s.addAddress(4, addr('10.9.0.1/24'));
    expect(routes(s, 4).filter((r) => r.startsWith('10.9.'))).toEqual([
      '10.9.0.0/24 unicast if4',
      '10.9.0.1/32 local if4',
      '10.9.0.255/32 broadcast if4',
    ]);
    expect(s.tables.ifs[4]!.addr4).toBe(0x0a090001);
    expect(s.addresses(4).map((a) => formatPrefix(a.bytes, a.plen))).toEqual(['10.9.0.1/24']);
    expect(s.addRouteSpec(spec('8.8.8.0/24', '10.9.0.254')).ifindex).toBe(4);
    expect([one(s, v4({ dst: ip('10.9.0.1') })).reason, one(s, v4({ dst: ip('10.9.0.255') })).reason]).toEqual([
      'port-unreachable',
      'broadcast',
    ]);
    // a second address in the same network: only its own host route; the primary stays
    s.addAddress(4, addr('10.9.0.2/24'));
    expect(routes(s, 4).filter((r) => r.startsWith('10.9.'))).toEqual([
      '10.9.0.0/24 unicast if4',
      '10.9.0.1/32 local if4',
      '10.9.0.2/32 local if4',
      '10.9.0.255/32 broadcast if4',
    ]);
    expect(s.tables.ifs[4]!.addr4).toBe(0x0a090001);
    // host-length, /31 and link-local addresses bring fewer routes
    s.addAddress(2, addr('10.8.0.1/32'));
    s.addAddress(2, addr('10.7.0.0/31'));
    s.addAddress(2, addr('fe80::2/64'));
    expect(routes(s, 4).filter((r) => r.startsWith('10.8.') || r.startsWith('10.7.'))).toEqual([
      '10.7.0.0/31 unicast if2',
      '10.7.0.0/32 local if2',
      '10.8.0.1/32 local if2',
    ]);
    expect(routes(s, 6).filter((r) => r.startsWith('fe80'))).toEqual(['fe80::2/128 local if2']);
    expect(s.tables.ifs[2]!.ll6).toEqual(ip('fe80::2'));
    expect(s.addresses(2).map((a) => formatPrefix(a.bytes, a.plen))).toEqual([
      '198.51.100.1/24',
      '2001:db8:1::1/64',
      '10.8.0.1/32',
      '10.7.0.0/31',
      'fe80::2/64',
    ]);
  });

  test('addAddress: the link-local address of one interface may be given to another, as in a config', () => {
    const s = mk();
    s.addAddress(2, addr('fe80::2/64'));
    expect(() => s.addAddress(1, addr('fe80::2/64'))).not.toThrow();
    expect(s.tables.ifs[1]!.ll6).toEqual(ip('fe80::2'));
    // the host route stays the first's; when the first lets the address go it passes to the second
    expect(routes(s, 6).filter((r) => r.startsWith('fe80::2/'))).toEqual(['fe80::2/128 local if2']);
    const change = s.deleteAddress(2, ip('fe80::2'));
    expect(change.readd.map((r) => r.ifindex)).toEqual([1]);
    s.settleAddresses(change);
    expect(routes(s, 6).filter((r) => r.startsWith('fe80::2/'))).toEqual(['fe80::2/128 local if1']);
    // but a global address stays unique
    s.addAddress(2, addr('2001:db8:77::1/64'));
    expect(() => s.addAddress(1, addr('2001:db8:77::1/64'))).toThrow('already configured on');
  });

  test('addAddress refuses, changing nothing, what is not a new unicast address', () => {
    const s = mk();
    s.addRouteSpec(spec('10.9.9.9/32', null, null, 'blackhole'));
    const before = [routes(s, 4), routes(s, 6), s.addresses(1).length, s.addresses(4).length];
    const cases: [number, ReturnType<typeof addr>, string][] = [
      [9, addr('10.9.0.1/24'), 'no interface with index 9'],
      [4, addr('10.9.0.1/0'), '10.9.0.1/0: prefix length must be 1..32'],
      [4, addr('10.9.0.1/33'), '10.9.0.1/33: prefix length must be 1..32'],
      [4, addr('2001:db8:9::1/129'), '2001:db8:9::1/129: prefix length must be 1..128'],
      [4, { family: 4, bytes: ip('2001:db8::5'), plen: 24 }, '2001:db8::5/24: prefix length must be 1..32'],
      [4, addr('224.0.0.1/24'), '224.0.0.1 is not a unicast address'],
      [4, addr('255.255.255.255/24'), '255.255.255.255 is not a unicast address'],
      [4, addr('0.0.0.0/8'), '0.0.0.0 is not a unicast address'],
      [1, addr('ff02::1/64'), 'ff02::1 is not a unicast address'],
      [4, addr('192.0.2.1/24'), 'address 192.0.2.1 is already configured on wm0'],
      [1, addr('2001:db8:1::1/64'), 'address 2001:db8:1::1 is already configured on wm1'],
      [4, addr('10.9.9.9/24'), 'a route to 10.9.9.9/32 exists already (delete it first)'],
      [4, addr('2001:db8:9::1/64'), 'wm2 has mtu 1000, below 1280, the IPv6 minimum (RFC 8200)'],
    ];
    for (const [ifindex, a, msg] of cases) {
      const e = refusal(() => s.addAddress(ifindex, a));
      expect(e.message).toBe(msg);
      expect([e.file, e.line]).toEqual([undefined, undefined]);
    }
    expect([routes(s, 4), routes(s, 6), s.addresses(1).length, s.addresses(4).length]).toEqual(before);
  });

  test('createVlan / destroyInterface: frames in and out of the vlan, routes go with it, the index is reused', () => {
    const s = mk({ spareInterfaces: 2 });
    const idx = s.createVlan('vlan7', 'wm1', 7);
    expect(idx).toBe(5);
    const st = s.tables.ifs[5]!;
    expect([st.name, st.vlan, st.mtu, st.up, st.addr4, s.ifByName.get('vlan7'), s.addresses(5)]).toEqual([
      'vlan7',
      { parent: 2, id: 7 },
      1500,
      true,
      0,
      5,
      [],
    ]);
    expect(st.mac).toEqual(MAC.wm1);
    s.addAddress(5, addr('10.7.0.1/24'));
    s.tables.setNeighbor(ip('10.7.0.5'), 5, mac('02:00:00:00:dd:05'));
    s.addRouteSpec(spec('172.20.0.0/16', '10.7.0.5'));
    // towards the vlan: out of its parent, tagged
    const out = one(s, v4({ dst: ip('172.20.1.1') }));
    const o = out.out[0]!;
    expect([out.path, out.txif, o.ifindex, be16(o.data, 12), be16(o.data, 14) & 0xfff]).toEqual([
      'normal',
      5,
      2,
      0x8100,
      7,
    ]);
    expect(o.data.subarray(0, 12)).toEqual(Uint8Array.from([...mac('02:00:00:00:dd:05'), ...MAC.wm1]));
    // from the vlan: demultiplexed to it, forwarded untagged
    const tagged = buildFrame({
      dstMac: MAC.wm1,
      srcMac: mac('02:00:00:00:dd:05'),
      vlan: 7,
      src: ip('10.7.0.5'),
      dst: ip('192.0.2.10'),
    });
    const inn = one(s, tagged, 2);
    expect([inn.path, inn.rxif, inn.out[0]!.ifindex, be16(inn.out[0]!.data, 12)]).toEqual(['normal', 5, 1, 0x0800]);
    expect(s.interfaceCounters()['vlan7']).toEqual({
      ipkts: 1,
      ibytes: tagged.length,
      opkts: 1,
      obytes: o.data.length,
      idrops: 0,
    });

    expect(destroyInterface(s, 'vlan7')).toBe(4); // connected, local, broadcast and the route via 10.7.0.5
    expect(routes(s, 4).filter((r) => r.includes('if5') || r.startsWith('10.7.') || r.startsWith('172.20.'))).toEqual(
      [],
    );
    expect([s.ifByName.has('vlan7'), s.tables.ifs[5], s.addresses(5), s.interfaceCounters()['vlan7']]).toEqual([
      false,
      undefined,
      [],
      undefined,
    ]);
    expect(one(s, v4({ dst: ip('172.20.1.1') })).reason).toBe('no-route');
    expect(one(s, tagged, 2).reason).toBe('vlan-unknown');
    expect(refusal(() => s.addRouteSpec(spec('172.20.0.0/16', '10.7.0.5'))).message).toBe(
      'cli:7: gateway 10.7.0.5 is not on a connected network',
    );
    // the lowest free index is taken: the config's vlan50 (3) once it is gone, then 5 again
    expect(destroyInterface(s, 'vlan50')).toBe(3);
    expect(s.createVlan('vlan8', 'wm0', 8)).toBe(3);
    expect(s.createVlan('vlan7', 'wm1', 7)).toBe(5);
    expect(s.interfaceCounters()['vlan7']!.ipkts).toBe(0); // counters start again from zero
    expect(one(s, tagged, 2).rxif).toBe(5);
  });

  test('createVlan and destroyInterface refuse what they cannot do, changing nothing', () => {
    const s = mk({ spareInterfaces: 1 });
    const cases: [() => unknown, string][] = [
      [
        () => s.createVlan('9lives', 'wm0', 9),
        "'9lives' is not an interface name (a letter, then up to 14 letters, digits, '_', '.', '-')",
      ],
      [() => s.createVlan('wm1', 'wm0', 9), 'interface wm1 exists already'],
      [() => s.createVlan('vlan9', 'wm9', 9), "no interface 'wm9'"],
      [() => s.createVlan('vlan9', 'vlan50', 9), "vlan50 is a vlan: a vlan's parent must be a NIC"],
      [() => s.createVlan('vlan9', 'wm0', 0), 'vlan id must be 1..4094, not 0'],
      [() => s.createVlan('vlan9', 'wm0', 4095), 'vlan id must be 1..4094, not 4095'],
      [() => s.createVlan('vlan9', 'wm0', 50), 'vlan 50 on wm0 is vlan50 already'],
      [() => destroyInterface(s, 'wm0'), 'wm0 is a NIC: only vlan, gif and bridge interfaces can be destroyed'],
      [() => destroyInterface(s, 'vlan9'), "no interface 'vlan9'"],
    ];
    for (const [f, msg] of cases) expect(refusal(f).message).toBe(msg);
    expect([...s.ifByName.keys()]).toEqual(['wm0', 'wm1', 'vlan50', 'wm2']);
    expect(s.createVlan('vlan9', 'wm0', 50 + 1)).toBe(5);
    expect(refusal(() => s.createVlan('vlan10', 'wm0', 10)).message).toBe('no free interface slot (5 in this engine)');
    // without spare slots, a running stack has none at all
    expect(refusal(() => mk().createVlan('vlan9', 'wm0', 9)).message).toBe('no free interface slot (4 in this engine)');
  });

  test('counters: the global and per-interface counters move as the frames go', () => {
    const s = mk();
    const frames = [
      v4(),
      v4(),
      v4({ dst: ip('8.8.8.8') }),
      v4({ ttl: 1 }),
      v4({ dst: ip('192.0.2.1'), proto: 47 }),
      v6(),
    ];
    const rs = s.forward(
      frames.map((data) => ({ data, ifindex: 1 })),
      1000,
    );
    expect(rs.map((r) => r.path)).toEqual(['normal', 'fast', 'drop', 'drop', 'local', 'normal']);
    const sent = rs.flatMap((r) => r.out);
    expect(sent.map((o) => o.ifindex)).toEqual([2, 2, 1, 1, 2]);
    const c = s.counters();
    const bytes = (l: { length: number }[]) => l.reduce((n, x) => n + x.length, 0);
    expect({
      rx: c['rx-frames'],
      rxb: c['rx-bytes'],
      fast: c['fast'],
      normal: c['normal'],
      local: c['local'],
      drop: c['drop'],
      tx: c['tx-frames'],
      txb: c['tx-bytes'],
      icmp: c['icmp-errors-out'],
      nr: c['reason:no-route'],
      ttl: c['reason:ttl-exceeded'],
      loc: c['reason:local'],
      ins: c['ipflow-insert'],
      hit: c['ipflow-hit'],
    }).toEqual({
      rx: 6,
      rxb: bytes(frames),
      fast: 1,
      normal: 2,
      local: 1,
      drop: 2,
      tx: 5,
      txb: bytes(sent.map((o) => o.data)),
      icmp: 2,
      nr: 1,
      ttl: 1,
      loc: 1,
      ins: 2,
      hit: 1, // a flow each for IPv4 and IPv6
    });
    const ic = s.interfaceCounters();
    const len = (i: number) => sent[i]!.data.length;
    expect(ic['wm0']).toEqual({ ipkts: 6, ibytes: bytes(frames), opkts: 2, obytes: len(2) + len(3), idrops: 2 });
    expect(ic['wm1']).toEqual({ ipkts: 0, ibytes: 0, opkts: 3, obytes: len(0) + len(1) + len(4), idrops: 0 });
    expect(Object.keys(ic)).toEqual(['wm0', 'wm1', 'vlan50', 'wm2']);
    // a batch larger than the stack's batch is run in several
    const many = s.forward(
      Array.from({ length: 40 }, () => ({ data: v4(), ifindex: 1 })),
      1001,
    );
    expect(many.every((r) => r.path === 'fast')).toBe(true);
    expect(s.counters()['rx-frames']).toBe(46);
  });
});

describe('StackConfigError on a config the stack cannot build', () => {
  test("a route whose gateway is on no connected network, with the config's file and line", () => {
    const text = CONFIG.replace('{ dst: 100.64.0.0/10, type: prohibit }', '{ dst: 100.64.0.0/10, via: 172.31.0.1 }');
    const e = refusal(() => new Stack(config(text), { engine: 'ts' }));
    expect(e.message).toBe('test.yaml:18: gateway 172.31.0.1 is not on a connected network');
    expect([e.file, e.line, e.name]).toEqual(['test.yaml', 18, 'StackConfigError']);
  });

  test('unknown interfaces in routes and neighbors given as objects', () => {
    const c = config();
    const badRoute = [...c.routes, spec('8.8.8.0/24', null, 'wm9')];
    const r = refusal(() => new Stack({ ...c, routes: badRoute }, { engine: 'wasm' }));
    expect(r.message).toBe("cli:7: unknown interface 'wm9'");
    const n = refusal(
      () =>
        new Stack(
          {
            ...c,
            neighbors: [
              ...c.neighbors,
              { family: 4, address: ip('192.0.2.20'), mac: MAC.host0, dev: 'wm9', file: 'n.yaml', line: 3 },
            ],
          },
          { engine: 'ts' },
        ),
    );
    expect(n.message).toBe("n.yaml:3: neighbor: unknown interface 'wm9'");
    expect(refusal(() => new Stack({ ...c, routes: [...c.routes, c.routes[0]!] }, { engine: 'ts' })).message).toBe(
      'test.yaml:16: 203.0.113.0/24: route already exists',
    );
    expect(new StackConfigError(undefined, undefined, 'plain').message).toBe('plain');
  });
});

describe.each(['radix', 'compiled'] as const)('WASM and TS give the same bytes (%s FIB)', (fib) => {
  test('the same calls and frames give the same results, counters and memory', () => {
    const run = (engine: KernelImpl) => {
      const s = lockedStack(new Stack(config(), { engine, batch: 16, fib, spareInterfaces: 1 }));
      const frames = () =>
        [
          v4(),
          v4({ ttl: 1 }),
          v4({ dst: ip('8.8.8.8') }),
          v4({ dst: ip('198.18.0.9'), payload: 1200 }),
          v6(),
          v6({ payload: 1500 }),
          fromWm1('10.50.0.5', { ttl: 2 }),
          fromWm1('192.0.2.1'),
          v4({ dst: ip('100.64.1.1') }),
          v4({ dst: ip('10.7.0.5'), tos: 4 }),
          buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host50, vlan: 50, src: ip('10.50.0.5'), dst: ip('192.0.2.10') }),
        ].map((data, i) => ({ data, ifindex: i === 6 || i === 7 ? 2 : 1 }));
      const res: unknown[] = [s.forward(frames(), 5000)];
      s.addRouteSpec(spec('8.8.0.0/16', '198.51.100.254', null, 'unicast', 1280));
      s.deleteRoute(4, ip('203.0.113.0'), 24);
      const v = s.createVlan('vlan7', 'wm1', 7);
      s.addAddress(v, addr('10.7.0.1/24'));
      s.tables.setNeighbor(ip('10.7.0.5'), v, mac('02:00:00:00:dd:05'));
      res.push(s.forward(frames(), 6000), s.counters(), s.interfaceCounters(), routes(s, 4), routes(s, 6));
      destroyInterface(s, 'vlan7');
      res.push(s.forward(frames(), 7000), s.counters());
      return { s, res };
    };
    const w = run('wasm');
    const t = run('ts');
    expect(w.res).toEqual(t.res);
    const r0 = w.res[0] as FrameResult[];
    expect(r0.map((r) => r.reason ?? r.path)).toEqual([
      'normal',
      'ttl-exceeded',
      'no-route',
      'normal',
      'normal',
      'too-big',
      'normal',
      'port-unreachable',
      'reject-route',
      'no-route',
      'normal',
    ]);
    expect((w.res[1] as FrameResult[])[9]!.out[0]!.ifindex).toBe(2);
    const a = w.s.tables.u8.subarray(LAYOUT_BASE, w.s.L.bytes);
    const b = t.s.tables.u8.subarray(LAYOUT_BASE, t.s.L.bytes);
    expect(a.length).toBe(b.length);
    let firstDiff = -1;
    for (let i = 0; i < a.length && firstDiff < 0; i++) if (a[i] !== b[i]) firstDiff = LAYOUT_BASE + i;
    expect(firstDiff).toBe(-1);
  });
});
