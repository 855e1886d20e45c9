// Neighbor discovery input on both engines, through the Stack: literal NS and NA bytes (RFC 4861 4.3,
// 4.4), checksums computed apart from the stack.
import { describe, expect, test } from '@jest/globals';
import { Stack, type FrameResult } from '../../stack/stack.js';
import { topology } from '../../../test/fixtures/topology.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );
const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
// fe80::ff:fe00:aa10 (host0) -> ff02::1:ff00:1: who has 2001:db8::1? SLLAO 02:00:00:00:aa:10
const NS = hex(`3333ff000001 02000000aa10 86dd 60000000 0020 3a ff
  fe80000000000000000000fffe00aa10 ff0200000000000000000001ff000001
  87 00 f841 00000000 20010db8000000000000000000000001 0101 02000000aa10`);
// fe80::ff:fe00:1 (wm0's EUI-64 link-local) -> fe80::ff:fe00:aa10: R S O, target 2001:db8::1, TLLAO
const NA = hex(`02000000aa10 020000000001 86dd 60000000 0020 3a ff
  fe80000000000000000000fffe000001 fe80000000000000000000fffe00aa10
  88 00 c0d4 e0000000 20010db8000000000000000000000001 0201 020000000001`);
// unicast to our link-local, no SLLAO: who has fe80::ff:fe00:1?
const NS_LL = hex(`020000000001 02000000aa10 86dd 60000000 0018 3a ff
  fe80000000000000000000fffe00aa10 fe80000000000000000000fffe000001
  87 00 d617 00000000 fe80000000000000000000fffe000001`);
const NA_LL = hex(`02000000aa10 020000000001 86dd 60000000 0020 3a ff
  fe80000000000000000000fffe000001 fe80000000000000000000fffe00aa10
  88 00 f10c e0000000 fe80000000000000000000fffe000001 0201 020000000001`);
// duplicate address detection from ::, and its answer to all-nodes with S clear
const DAD = hex(`3333ff000001 02000000aa10 86dd 60000000 0018 3a ff
  00000000000000000000000000000000 ff0200000000000000000001ff000001
  87 00 4ced 00000000 20010db8000000000000000000000001`);
const NA_DAD = hex(`333300000001 020000000001 86dd 60000000 0020 3a ff
  fe80000000000000000000fffe000001 ff020000000000000000000000000001
  88 00 a962 a0000000 20010db8000000000000000000000001 0201 020000000001`);

// host0 tells us (unsolicited to our link-local, S and O set) that fe80::ff:fe00:aa10 is at its MAC
const NA_IN = hex(`020000000001 02000000aa10 86dd 60000000 0020 3a ff
  fe80000000000000000000fffe00aa10 fe80000000000000000000fffe000001
  88 00 1cee 60000000 fe80000000000000000000fffe00aa10 0201 02000000aa10`);
// the same to all-nodes: S set on a multicast NA is invalid (RFC 4861 7.1.2)
const NA_MC_S = hex(`333300000001 02000000aa10 86dd 60000000 0020 3a ff
  fe80000000000000000000fffe00aa10 ff020000000000000000000000000001
  88 00 1b6c 60000000 fe80000000000000000000fffe00aa10 0201 02000000aa10`);
// a router solicitation to all-routers with SLLAO
const RS = hex(`333300000002 02000000aa10 86dd 60000000 0010 3a ff
  fe80000000000000000000fffe00aa10 ff020000000000000000000000000002
  85 00 270d 00000000 0101 02000000aa10`);

describe.each(['wasm', 'ts'] as const)('nd6_input (%s)', (engine) => {
  const stack = () => new Stack(topology(), { engine, batch: 32 });
  const one = (s: Stack, f: Uint8Array, ifindex = 1): FrameResult => s.forward([{ data: f, ifindex }], 1000)[0]!;
  const with_ = (f: Uint8Array, at: number, bytes: number[]) => {
    const g = Uint8Array.from(f);
    g.set(bytes, at);
    return g;
  };

  test('an NS for our global address to its solicited-node group gets a solicited NA from our link-local', () => {
    const s = stack();
    const r = one(s, NS);
    expect([r.path, r.reason]).toEqual(['local', 'nd']);
    expect(r.out.map((o) => o.ifindex)).toEqual([1]);
    expect(h(r.out[0]!.data)).toBe(h(NA));
    const c = s.counters();
    expect([c['nd-solicits-in'], c['nd-adverts-out']]).toEqual([1, 1]);
  });

  test('an NS for our link-local address, unicast without SLLAO, is answered to the Ethernet source', () => {
    const s = stack();
    expect(h(one(s, NS_LL).out[0]!.data)).toBe(h(NA_LL));
  });

  test('duplicate address detection is answered to all-nodes, S clear', () => {
    const s = stack();
    expect(h(one(s, DAD).out[0]!.data)).toBe(h(NA_DAD));
  });

  test('an NS for an address that is not ours on this interface is taken, not answered', () => {
    const s = stack();
    const r = one(s, NS, 2); // 2001:db8::1 is wm0's, the NS came in on wm1
    expect([r.path, r.reason, r.out.length]).toEqual(['local', 'nd', 0]);
  });

  test('NAs are counted; RS, RA and redirects are validated and ignored', () => {
    const s = stack();
    const r = one(s, NA_IN, 1);
    expect([r.path, r.reason, r.out.length]).toEqual(['local', 'nd', 0]);
    expect(s.counters()['nd-adverts-in']).toBe(1);
    const rs = one(s, RS, 1);
    expect([rs.path, rs.reason, rs.out.length]).toEqual(['local', 'nd', 0]);
  });

  test('messages failing RFC 4861 7.1 are dropped with a reason and not answered', () => {
    const s = stack();
    const fixCk = (f: Uint8Array) => {
      // recompute the ICMPv6 checksum after an edit (pseudo-header + message)
      const g = Uint8Array.from(f);
      g[56] = 0;
      g[57] = 0;
      const plen = (g[18]! << 8) | g[19]!;
      let sum = plen + 58;
      for (let i = 22; i < 54; i += 2) sum += (g[i]! << 8) | g[i + 1]!;
      for (let i = 0; i < plen; i += 2) sum += (g[54 + i]! << 8) | (g[55 + i] ?? 0);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      g[56] = (~sum >>> 8) & 0xff;
      g[57] = ~sum & 0xff;
      return g;
    };
    expect(h(fixCk(NS))).toBe(h(NS)); // the helper agrees with the golden bytes
    const bad: [Uint8Array, string][] = [
      [with_(NS, 21, [64]), 'nd-hop-limit'],
      [with_(NS, 57, [0x42]), 'icmp6-checksum'],
      [fixCk(with_(NS, 55, [1])), 'nd-invalid'], // code 1
      [fixCk(with_(NS, 79, [0])), 'nd-invalid'], // option of length 0
      [fixCk(with_(NS, 79, [2])), 'nd-invalid'], // option past the message
      [fixCk(with_(NS, 62, [0xff, 0x02])), 'nd-invalid'], // multicast target
    ];
    // DAD to a group that is not the solicited-node one, and DAD with a source link-layer option
    bad.push([fixCk(with_(DAD, 38, [...hex('ff020000000000000000000000000001')])), 'nd-invalid']);
    const dadSll = hex(h(DAD) + '0101 02000000aa10');
    dadSll[19] = 0x20;
    bad.push([fixCk(dadSll), 'nd-invalid']);
    // an NA to a multicast group with S set
    bad.push([NA_MC_S, 'nd-invalid']);
    for (const [f, reason] of bad) {
      const r = one(s, f);
      expect([r.path, r.reason, r.out.length]).toEqual(['drop', reason, 0]);
    }
    expect(s.counters()['nd-solicits-in']).toBe(0);
  });
});
