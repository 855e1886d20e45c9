// The neighbor cache's control plane through the single-CPU Stack, on both engines: learning rules
// (RFC 826, RFC 4861 7.2.3 / 7.2.5), hold queue bound, NUD timers (REACHABLE -> STALE -> DELAY ->
// PROBE -> gone), static entries, the list/set/delete API and the counters.
import { describe, expect, test } from '@jest/globals';
import { formatIP, formatMac } from '../addr/addr.js';
import { buildArp, buildFrame, buildNd } from '../packet/build.js';
import { MAC, ip, mac, topology } from '../../test/fixtures/topology.js';
import { lockedStack } from '../../test/fixtures/locked.js';
import { KERNEL_IMPLS } from './kernels.js';
import { type FrameResult, Stack } from './stack.js';
import type { NudParams } from './lltable.js';

const GW2 = mac('02:00:00:00:bb:02');
const BCAST = new Uint8Array(6).fill(0xff);

describe.each(KERNEL_IMPLS)('lltable (%s kernels)', (engine) => {
  const mk = (p: Partial<NudParams> = {}) =>
    lockedStack(new Stack({ ...topology({ neighbors: [] }), arp: p, nd: p }, { engine, batch: 16 }));
  const at = (s: Stack, t: number, data: Uint8Array, ifindex = 1): FrameResult => s.forward([{ data, ifindex }], t)[0]!;
  const entries = (s: Stack) =>
    s
      .neighborList()
      .map((e) => `${formatIP(e.address)} ${e.mac ? formatMac(e.mac) : '-'} ${s.ifName(e.ifindex)} ${e.state}`);
  const toGw = (dst = '203.0.113.7') =>
    buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip(dst), minFrame: 60 });
  const arpFrom = (op: number, sender: string, smac: Uint8Array, target: string, ifindex = 2) => ({
    ifindex,
    data: buildArp({
      dstMac: op === 1 ? BCAST : ifindex === 2 ? MAC.wm1 : MAC.wm0,
      srcMac: smac,
      op,
      senderMac: smac,
      senderIp: ip(sender),
      targetIp: ip(target),
    }),
  });
  const na = (target: string, tmac: Uint8Array | null, flags: number, ifindex = 2) =>
    buildNd({
      dstMac: ifindex === 2 ? MAC.wm1 : MAC.wm0,
      srcMac: tmac ?? MAC.gw1,
      src: ip(target),
      dst: ip(ifindex === 2 ? '2001:db8:1::1' : '2001:db8::1'),
      type: 136,
      flags,
      target: ip(target),
      options: tmac ? [[2, tmac]] : [],
    });

  test('an unsolicited ARP reply or NA for an unknown address creates nothing; a request for us creates STALE', () => {
    const s = mk();
    const r = arpFrom(2, '198.51.100.77', GW2, '198.51.100.1');
    at(s, 1000, r.data, 2);
    at(s, 1000, na('2001:db8:1::77', GW2, 0x60000000), 2);
    expect(entries(s)).toEqual([]);
    const q = arpFrom(1, '198.51.100.77', GW2, '198.51.100.1');
    expect(at(s, 1000, q.data, 2).out).toHaveLength(1); // the reply
    expect(entries(s)).toEqual(['198.51.100.77 02:00:00:00:bb:02 wm1 stale']);
    // a request not for us does not create an entry either
    at(s, 1000, arpFrom(1, '198.51.100.78', GW2, '198.51.100.99').data, 2);
    expect(entries(s)).toHaveLength(1);
  });

  test('the hold queue keeps the newest `hold` packets and counts the overflow; the reply releases them in order', () => {
    const s = mk({ holdQueue: 2 });
    const first = at(s, 1000, toGw('203.0.113.1'));
    expect(first.out.map((o) => o.data[12]! * 256 + o.data[13]!)).toEqual([0x0806]); // one request
    at(s, 1001, toGw('203.0.113.2'));
    at(s, 1002, toGw('203.0.113.3'));
    expect(s.neighborList()[0]).toMatchObject({ state: 'incomplete', held: 2 });
    const rep = at(s, 1100, arpFrom(2, '198.51.100.254', MAC.gw1, '198.51.100.1').data, 2);
    expect(rep.out.map((o) => [o.ifindex, formatMac(o.data.subarray(0, 6)), o.data[33]])).toEqual([
      [2, '02:00:00:00:bb:fe', 2],
      [2, '02:00:00:00:bb:fe', 3],
    ]);
    const c = s.counters();
    expect([c['nbr-held'], c['nbr-hold-overflow'], c['nbr-released'], c['arp-requests-out']]).toEqual([3, 1, 2, 1]);
    expect(entries(s)).toEqual(['198.51.100.254 02:00:00:00:bb:fe wm1 reachable']);
  });

  test('NA flags: O=0 with another MAC only makes a REACHABLE entry STALE; O=1 updates it', () => {
    const s = mk();
    const v6 = buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip('2001:db8::10'),
      dst: ip('2001:db8:100::1'),
      minFrame: 60,
    });
    const miss = at(s, 1000, v6);
    expect(miss.reason).toBe('held');
    expect(miss.out[0]!.data.subarray(0, 6)).toEqual(Uint8Array.from([0x33, 0x33, 0xff, 0, 0, 0xfe]));
    const sol = at(s, 1100, na('2001:db8:1::fe', MAC.gw1, 0xe0000000), 2);
    expect(sol.out).toHaveLength(1); // the held packet
    expect(entries(s)).toEqual(['2001:db8:1::fe 02:00:00:00:bb:fe wm1 reachable']);
    at(s, 1200, na('2001:db8:1::fe', GW2, 0x40000000), 2); // S, no O, another MAC
    expect(entries(s)).toEqual(['2001:db8:1::fe 02:00:00:00:bb:fe wm1 stale']);
    at(s, 1300, na('2001:db8:1::fe', GW2, 0x20000000), 2); // O, unsolicited: updated, STALE
    expect(entries(s)).toEqual(['2001:db8:1::fe 02:00:00:00:bb:02 wm1 stale']);
    expect(s.neighborList()[0]!.router).toBe(false);
  });

  test('NUD: REACHABLE expires to STALE; a use moves it to DELAY, then unicast probes, then it goes', () => {
    const s = mk({ reachableMs: 10_000, delayMs: 2_000, retransMs: 500, ucastSolicit: 2 });
    at(s, 1000, toGw());
    at(s, 1100, arpFrom(2, '198.51.100.254', MAC.gw1, '198.51.100.1').data, 2);
    expect(s.neighborList()[0]!.expiresMs).toBeGreaterThanOrEqual(4_900); // 10 s x 0.5..1.5, minus 100 ms
    at(s, 20_000, arpFrom(1, '192.0.2.10', MAC.host0, '192.0.2.1', 1).data, 1); // time passes, no use
    expect(entries(s)).toContain('198.51.100.254 02:00:00:00:bb:fe wm1 stale');
    expect(at(s, 20_100, toGw()).path).toBe('normal'); // a STALE entry is used as it is
    at(s, 21_000, toGw('203.0.113.99')); // the next scan (once a second) finds it used
    expect(entries(s)).toContain('198.51.100.254 02:00:00:00:bb:fe wm1 delay');
    const probe = at(s, 23_000, toGw()); // DELAY over (2 s): the first unicast probe
    const p = probe.out.find((o) => o.data[12] === 0x08 && o.data[13] === 0x06)!;
    expect(formatMac(p.data.subarray(0, 6))).toBe('02:00:00:00:bb:fe');
    expect(entries(s)).toContain('198.51.100.254 02:00:00:00:bb:fe wm1 probe');
    at(s, 23_500, toGw()); // second probe
    at(s, 24_000, toGw()); // no answer: deleted, and this packet misses again
    expect(s.counters()['nbr-probe-failures']).toBe(1);
    expect(entries(s)).toContain('198.51.100.254 - wm1 incomplete');
  });

  test('a probed entry is confirmed by the unicast ARP reply with the MAC it already has (no broadcast, no loss)', () => {
    // the reply carries the same MAC as the entry the data path already holds: it must still reach
    // the cache, or every PROBE ends in a give-up under steady traffic (found by bench/links.ts)
    const s = mk({ reachableMs: 10_000, delayMs: 2_000, retransMs: 500, ucastSolicit: 2 });
    at(s, 1000, toGw());
    at(s, 1100, arpFrom(2, '198.51.100.254', MAC.gw1, '198.51.100.1').data, 2);
    at(s, 20_000, arpFrom(1, '192.0.2.10', MAC.host0, '192.0.2.1', 1).data, 1);
    at(s, 20_100, toGw());
    at(s, 21_000, toGw('203.0.113.99'));
    at(s, 23_000, toGw()); // the first unicast probe
    expect(entries(s)).toContain('198.51.100.254 02:00:00:00:bb:fe wm1 probe');
    at(s, 23_050, arpFrom(2, '198.51.100.254', MAC.gw1, '198.51.100.1').data, 2); // answered
    expect(entries(s)).toContain('198.51.100.254 02:00:00:00:bb:fe wm1 reachable');
    const later = at(s, 24_000, toGw());
    expect(['fast', 'normal']).toContain(later.path);
    expect(later.out.filter((o) => o.data[12] === 0x08 && o.data[13] === 0x06)).toEqual([]);
    const c = s.counters();
    expect([c['nbr-probe-failures'], c['nbr-hold-overflow']]).toEqual([0, 0]);
  });

  test('static entries: set, learned from by nobody, never expire, deleted', () => {
    const s = mk({ reachableMs: 1_000 });
    s.neighborSet(ip('198.51.100.254'), 2, MAC.gw1);
    expect(at(s, 1000, toGw()).path).toBe('normal');
    at(s, 1000, arpFrom(1, '198.51.100.254', GW2, '198.51.100.1').data, 2);
    at(s, 100_000, toGw());
    expect(entries(s)).toEqual(['198.51.100.254 02:00:00:00:bb:fe wm1 static']);
    expect(s.neighborDelete(ip('198.51.100.254'), 2)).toBe(true);
    expect(s.neighborDelete(ip('198.51.100.254'), 2)).toBe(false);
    expect(at(s, 100_001, toGw()).reason).toBe('held');
  });

  test('on a vlan: the request and the released packet are tagged, and leave by the parent', () => {
    const s = mk();
    const toVlan = buildFrame({
      dstMac: MAC.wm1,
      srcMac: MAC.gw1,
      src: ip('203.0.113.5'),
      dst: ip('10.100.0.9'),
      minFrame: 60,
    });
    const miss = at(s, 1000, toVlan, 2);
    expect(miss.reason).toBe('held');
    const req = miss.out[0]!;
    expect([req.ifindex, req.data[12], req.data[13], req.data[15], req.data[16], req.data[17]]).toEqual([
      1, 0x81, 0, 100, 8, 6,
    ]);
    expect(Array.from(req.data.subarray(18 + 14, 18 + 18))).toEqual([10, 100, 0, 1]); // from our vlan address
    const rep = buildArp({
      dstMac: MAC.wm0,
      srcMac: MAC.host100,
      vlan: 100,
      op: 2,
      senderMac: MAC.host100,
      senderIp: ip('10.100.0.9'),
      targetIp: ip('10.100.0.1'),
    });
    const out = at(s, 1001, rep, 1).out;
    expect(out.map((o) => [o.ifindex, formatMac(o.data.subarray(0, 6)), o.data[15], o.data[18 + 8]])).toEqual([
      [1, '02:00:00:00:cc:05', 100, 63],
    ]);
    expect(entries(s)).toEqual(['10.100.0.9 02:00:00:00:cc:05 vlan100 reachable']);
  });

  test('an address added is announced by the next step: gratuitous ARP, unsolicited NA (O, R, not S)', () => {
    const s = mk();
    s.addAddress(2, { family: 4, bytes: ip('198.51.100.9'), plen: 24 });
    s.addAddress(2, { family: 6, bytes: ip('2001:db8:1::9'), plen: 64 });
    s.announceInterface(3); // vlan100: its address and its link-local
    // any frame will do (this one answers nothing itself): the announcements join its output
    const out = at(s, 1000, arpFrom(1, '192.0.2.10', MAC.host0, '192.0.2.99', 1).data, 1).out;
    const arp = out.filter((o) => o.data[12] === 0x08);
    expect(arp.map((o) => [o.ifindex, o.data.subarray(28, 32).join('.'), o.data.subarray(38, 42).join('.')])).toEqual([
      [2, '198.51.100.9', '198.51.100.9'],
    ]);
    // the vlan's: tagged, out the parent
    const tagged = out.filter((o) => o.data[12] === 0x81);
    expect(tagged.map((o) => [o.ifindex, o.data[15], (o.data[16]! << 8) | o.data[17]!])).toEqual([
      [1, 100, 0x0806],
      [1, 100, 0x86dd],
    ]);
    const na = out.filter((o) => o.data[12] === 0x86)[0]!;
    expect([na.ifindex, formatMac(na.data.subarray(0, 6)), na.data[21], na.data[54], na.data[58]]).toEqual([
      2,
      '33:33:00:00:00:01',
      255,
      136,
      0xa0,
    ]);
    expect(formatIP(na.data.subarray(62, 78))).toBe('2001:db8:1::9');
  });

  test('an NA for one of our own addresses is a conflict, and learns nothing', () => {
    const s = mk();
    at(s, 1000, na('2001:db8:1::1', GW2, 0x20000000), 2);
    expect([s.counters()['nd-conflicts'], entries(s)]).toEqual([1, []]);
  });
});
