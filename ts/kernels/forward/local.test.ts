// Local delivery (assembly/forward/local.ts and its twin): echo replies, port unreachable, RSTs and
// the drops, on both engines through the Stack, with literal bytes for the golden exchanges.
import { describe, expect, test } from '@jest/globals';
import { Stack, type FrameResult, type StackConfig } from '../../stack/stack.js';
import { buildFrame, type FrameSpec } from '../../packet/build.js';
import { Mem } from '../util/mem.js';
import { in_cksum, in_cksum_acc, in_pseudo4, in_pseudo6 } from '../wire/cksum.js';
import { MAC, ip, topology } from '../../../test/fixtures/topology.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const mem = (b: Uint8Array) => new Mem({ buffer: b.buffer });

/** Whether the IPv4 header and the upper-layer checksum (ICMP, or TCP/UDP with the pseudo-header) at l3 hold. */
function v4ok(b: Uint8Array, l3: number): boolean {
  const m = mem(b);
  const hl = (b[l3]! & 15) * 4;
  const len = be16(b, l3 + 2);
  const proto = b[l3 + 9]!;
  if (in_cksum(m, l3, hl) !== 0) return false;
  const pseudo = proto === 1 ? 0 : in_pseudo4(be32(b, l3 + 12), be32(b, l3 + 16), proto, len - hl);
  return in_cksum_acc(m, l3 + hl, len - hl, pseudo) === 0xffff;
}
/** Whether the upper-layer checksum (ICMPv6, TCP, UDP; no extension header) of the IPv6 datagram at l3 holds. */
function v6ok(b: Uint8Array, l3: number): boolean {
  const m = mem(b);
  const plen = be16(b, l3 + 4);
  return in_cksum_acc(m, l3 + 40, plen, in_pseudo6(m, l3 + 8, l3 + 24, b[l3 + 6]!, plen)) === 0xffff;
}
/** Recomputes the upper-layer checksum of a frame built by buildFrame after a test changed it (no VLAN, no options). */
function refix(f: Uint8Array): Uint8Array {
  const m = mem(f);
  const v6 = be16(f, 12) === 0x86dd;
  const l4 = v6 ? 54 : 14 + (f[14]! & 15) * 4;
  const proto = v6 ? f[20]! : f[23]!;
  const len = v6 ? be16(f, 18) : be16(f, 16) - (l4 - 14);
  const ck = proto === 6 ? 16 : proto === 17 ? 6 : 2;
  f[l4 + ck] = 0;
  f[l4 + ck + 1] = 0;
  const pseudo = v6
    ? in_pseudo6(m, 22, 38, proto, len)
    : proto === 1
      ? 0
      : in_pseudo4(be32(f, 26), be32(f, 30), proto, len);
  const v = ~in_cksum_acc(m, l4, len, pseudo) & 0xffff;
  f[l4 + ck] = v >> 8;
  f[l4 + ck + 1] = v & 0xff;
  return f;
}

const to4 = (o: Partial<FrameSpec> = {}): Uint8Array =>
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip('192.0.2.1'), ...o });
const to6 = (o: Partial<FrameSpec> = {}): Uint8Array =>
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('2001:db8::10'), dst: ip('2001:db8::1'), ...o });
/** A TCP segment to us with these flags, sequence and acknowledgment numbers and data length. */
function tcp(v6: boolean, flags: number, seq: number, ack: number, payload = 0): Uint8Array {
  const f = (v6 ? to6 : to4)({ proto: 'tcp', sport: 40000, dport: 22, payload });
  const l4 = v6 ? 54 : 34;
  new DataView(f.buffer).setUint32(l4 + 4, seq);
  new DataView(f.buffer).setUint32(l4 + 8, ack);
  f[l4 + 13] = flags;
  return refix(f);
}

// An echo request, 192.0.2.10 -> 192.0.2.1, identifier 0x1234, sequence 1, 8 bytes of data, and the
// reply it must get: addresses and MACs swapped, type 0, TTL 64, a new IP id (the stack's first, 0),
// both checksums recomputed (an independent decoder, tshark in test/e2e, agrees with them).
const ECHO4 = hex(`
  020000000001 02000000aa10 0800
  4500 0024 abcd 0000 3f01 4c00 c000020a c0000201
  08 00 d5b6 1234 0001 0102030405060708`);
const ECHO4_REPLY = hex(`
  02000000aa10 020000000001 0800
  4500 0024 0000 0000 4001 f6cd c0000201 c000020a
  00 00 ddb6 1234 0001 0102030405060708
  00000000000000000000`); // padded to the 60-byte minimum

// An ICMPv6 echo request 2001:db8::10 -> 2001:db8::1 (identifier 0x4321, sequence 7, 4 bytes) and its
// reply: hop limit 64, addresses swapped, type 129, checksum over the pseudo-header.
const ECHO6 = hex(`
  020000000001 02000000aa10 86dd
  6000 0000 000c 3a 3f 20010db8000000000000000000000010 20010db8000000000000000000000001
  80 00 4370 4321 0007 deadbeef`);
const ECHO6_REPLY = hex(`
  02000000aa10 020000000001 86dd
  6000 0000 000c 3a 40 20010db8000000000000000000000001 20010db8000000000000000000000010
  81 00 4270 4321 0007 deadbeef`);

describe.each(['wasm', 'ts'] as const)('local delivery (%s)', (engine) => {
  const stack = (o: Partial<StackConfig> & { wm1Mtu?: number } = {}, ll = false) => {
    const cfg = topology(o);
    if (ll) {
      // link-local addresses on wm0 and wm1
      const add = (i: number, a: string) =>
        ((cfg.interfaces[i]!.addresses as { family: 4 | 6; bytes: Uint8Array; plen: number }[]) = [
          ...cfg.interfaces[i]!.addresses,
          { family: 6, bytes: ip(a), plen: 64 },
        ]);
      add(0, 'fe80::1');
      add(1, 'fe80::2');
    }
    return new Stack(cfg, { engine, batch: 32 });
  };
  const one = (s: Stack, f: Uint8Array, ifindex = 1, now = 1000): FrameResult =>
    s.forward([{ data: f, ifindex }], now)[0]!;
  const verdict = (r: FrameResult) => [r.path, r.reason, r.out.length];

  test('the golden vectors are what they say (request checksums valid)', () => {
    expect(v4ok(ECHO4, 14)).toBe(true);
    expect(v6ok(ECHO6, 14)).toBe(true);
    expect(v4ok(ECHO4_REPLY, 14) && v6ok(ECHO6_REPLY, 14)).toBe(true);
  });

  test('ICMP echo to our address: the reply, byte for byte, out the receiving interface', () => {
    const s = stack();
    const r = one(s, ECHO4.slice());
    expect(verdict(r)).toEqual(['local', 'echo-reply', 1]);
    expect(r.out[0]!.ifindex).toBe(1);
    expect(r.out[0]!.data).toEqual(ECHO4_REPLY);
    expect(s.counters()['reason:echo-reply']).toBe(1);
    // to the other interface's address too, with a payload past one cluster line, echoed whole
    const big = to4({ dst: ip('198.51.100.1'), proto: 'icmp', payload: 1400, tos: 0x2b });
    const b = one(s, big.slice());
    expect(verdict(b)).toEqual(['local', 'echo-reply', 1]);
    const o = b.out[0]!.data;
    expect(b.out[0]!.ifindex).toBe(1);
    expect([o.length, o[15], o[22], o[23], o[34], o[35]]).toEqual([big.length, 0x28, 64, 1, 0, 0]);
    expect(Array.from(o.subarray(26, 34))).toEqual([198, 51, 100, 1, 192, 0, 2, 10]);
    expect(o.subarray(38)).toEqual(big.subarray(38)); // identifier, sequence and data
    expect(v4ok(o, 14)).toBe(true);
  });

  test('ICMPv6 echo to a global and to a link-local address of ours; not to a link-local one of another link', () => {
    const s = stack({}, true);
    const r = one(s, ECHO6.slice());
    expect(verdict(r)).toEqual(['local', 'echo-reply', 1]);
    expect(r.out[0]!.data).toEqual(ECHO6_REPLY);
    const ll = to6({ src: ip('fe80::aa10'), dst: ip('fe80::1'), proto: 58, payload: 100 });
    const l = one(s, ll.slice());
    expect(verdict(l)).toEqual(['local', 'echo-reply', 1]);
    const o = l.out[0]!.data;
    expect([o[21], o[54], o.length]).toEqual([64, 129, ll.length]);
    expect(o.subarray(22, 38)).toEqual(ll.subarray(38, 54));
    expect(o.subarray(38, 54)).toEqual(ll.subarray(22, 38));
    expect(o.subarray(0, 6)).toEqual(MAC.host0);
    expect(o.subarray(58)).toEqual(ll.subarray(58));
    expect(v6ok(o, 14)).toBe(true);
    // wm1's link-local address asked for on wm0's link
    expect(verdict(one(s, to6({ src: ip('fe80::aa10'), dst: ip('fe80::2'), proto: 58 })))).toEqual([
      'drop',
      'scope',
      0,
    ]);
  });

  test('echo on a vlan keeps its tag; options are not echoed', () => {
    const s = stack();
    const f = buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host100,
      vlan: 100,
      src: ip('10.100.0.5'),
      dst: ip('10.100.0.1'),
      proto: 'icmp',
      payload: 30,
    });
    const r = one(s, f.slice());
    expect([...verdict(r), r.rxif, r.out[0]!.ifindex]).toEqual(['local', 'echo-reply', 1, 3, 1]);
    const o = r.out[0]!.data;
    expect([be16(o, 12), be16(o, 14) & 0xfff, be16(o, 16)]).toEqual([0x8100, 100, 0x0800]);
    expect(o.subarray(0, 6)).toEqual(MAC.host100);
    expect(o.subarray(6, 12)).toEqual(MAC.wm0);
    expect(v4ok(o, 18)).toBe(true);
    expect(o.subarray(18 + 24)).toEqual(f.subarray(18 + 24));
    // with a record-route option (7, length 7) and a NOP: a 20-byte header comes back
    const opt = to4({ proto: 'icmp', payload: 12, options: Uint8Array.from([1, 7, 7, 4, 0, 0, 0, 0]) });
    const ro = one(s, opt.slice()).out[0]!.data;
    expect([ro[14], be16(ro, 16)]).toEqual([0x45, 20 + 8 + 12]);
    expect(v4ok(ro, 14)).toBe(true);
    expect(ro.subarray(38, 38 + 16)).toEqual(opt.subarray(46, 46 + 16));
  });

  test('echo to a broadcast or multicast address, or in a link-layer broadcast, is counted and not answered', () => {
    const s = stack();
    const bc = new Uint8Array(6).fill(0xff);
    const echo = (o: Partial<FrameSpec>) => verdict(one(s, to4({ proto: 'icmp', ...o })));
    expect(echo({ dst: ip('192.0.2.255'), dstMac: bc })).toEqual(['local', 'echo-broadcast', 0]);
    expect(echo({ dst: ip('255.255.255.255'), dstMac: bc })).toEqual(['local', 'echo-broadcast', 0]);
    expect(echo({ dst: ip('224.0.0.1'), dstMac: Uint8Array.from([1, 0, 0x5e, 0, 0, 1]) })).toEqual([
      'local',
      'echo-broadcast',
      0,
    ]);
    expect(echo({ dstMac: bc })).toEqual(['local', 'echo-broadcast', 0]); // our unicast address, L2 broadcast
    const mc6 = to6({ dst: ip('ff02::1'), dstMac: Uint8Array.from([0x33, 0x33, 0, 0, 0, 1]), proto: 58 });
    expect(verdict(one(s, mc6))).toEqual(['local', 'echo-broadcast', 0]);
    // the rest keeps its old reasons
    expect(verdict(one(s, to4({ dst: ip('192.0.2.255'), dstMac: bc })))).toEqual(['local', 'broadcast', 0]);
    expect(verdict(one(s, to6({ dst: ip('ff02::1') })))).toEqual(['local', 'multicast', 0]);
    expect(s.counters()['reason:echo-broadcast']).toBe(5);
  });

  test('UDP to us: port unreachable (ICMP 3/3, ICMPv6 1/4) quoting the datagram; none for a link-layer broadcast', () => {
    const s = stack();
    const u4 = to4({ sport: 33434, dport: 33435, payload: 12 });
    const r = one(s, u4.slice());
    expect(verdict(r)).toEqual(['local', 'port-unreachable', 1]);
    const e = r.out[0]!.data;
    expect([r.out[0]!.ifindex, e[23], e[34], e[35]]).toEqual([1, 1, 3, 3]);
    expect(e.subarray(0, 6)).toEqual(MAC.host0);
    expect(Array.from(e.subarray(26, 34))).toEqual([192, 0, 2, 1, 192, 0, 2, 10]);
    expect(e.subarray(42, 42 + u4.length - 14)).toEqual(u4.subarray(14));
    expect(v4ok(e, 14)).toBe(true);
    const u6 = to6({ sport: 33434, dport: 33435 });
    const r6 = one(s, u6.slice());
    expect(verdict(r6)).toEqual(['local', 'port-unreachable', 1]);
    const e6 = r6.out[0]!.data;
    expect([e6[20], e6[54], e6[55]]).toEqual([58, 1, 4]);
    expect(e6.subarray(62, 62 + u6.length - 14)).toEqual(u6.subarray(14));
    expect(v6ok(e6, 14)).toBe(true);
    expect(verdict(one(s, to4({ dstMac: new Uint8Array(6).fill(0xff) })))).toEqual(['local', 'port-unreachable', 0]);
    // UDP without a checksum is fine over IPv4
    const nock = to4();
    nock[40] = 0;
    nock[41] = 0;
    expect(verdict(one(s, nock))).toEqual(['local', 'port-unreachable', 1]);
    expect(s.counters()['icmp-errors-out']).toBe(3);
  });

  test('TCP to us: a RST with RFC 9293 sequence numbers; a RST gets nothing', () => {
    const s = stack();
    const rst = (f: Uint8Array, v6: boolean) => {
      const r = one(s, f);
      expect(verdict(r)).toEqual(['local', 'tcp-reset', 1]);
      const o = r.out[0]!.data;
      const l3 = 14;
      const th = v6 ? 54 : 34;
      expect(v6 ? v6ok(o, l3) : v4ok(o, l3)).toBe(true);
      expect(o.subarray(0, 6)).toEqual(MAC.host0);
      expect(v6 ? [o[20], o[21], be16(o, 18)] : [o[23], o[22], be16(o, 16)]).toEqual([6, 64, v6 ? 20 : 40]);
      return [be16(o, th), be16(o, th + 2), be32(o, th + 4), be32(o, th + 8), o[th + 12], o[th + 13], be16(o, th + 14)];
    };
    for (const v6 of [false, true]) {
      // SYN, no ACK: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>
      expect(rst(tcp(v6, 0x02, 0xfffffff0, 0), v6)).toEqual([22, 40000, 0, 0xfffffff1, 0x50, 0x14, 0]);
      // an ACK: <SEQ=SEG.ACK><CTL=RST>
      expect(rst(tcp(v6, 0x10, 1000, 0x11223344), v6)).toEqual([22, 40000, 0x11223344, 0, 0x50, 0x04, 0]);
      // FIN with 10 bytes of data, no ACK: ACK = SEQ + 10 + 1 (wraps)
      expect(rst(tcp(v6, 0x01, 0xfffffffa, 0, 10), v6)).toEqual([22, 40000, 0, 5, 0x50, 0x14, 0]);
      // RST and RST+ACK: never answered
      expect(verdict(one(s, tcp(v6, 0x04, 5, 0)))).toEqual(['local', 'local', 0]);
      expect(verdict(one(s, tcp(v6, 0x14, 5, 9)))).toEqual(['local', 'local', 0]);
    }
    expect(s.counters()['reason:tcp-reset']).toBe(6);
  });

  test('echo replies are rate limited per family by their own bucket', () => {
    const s = stack({ icmp: { ratelimit: 100, burst: 1, echo_ratelimit: 100, echo_burst: 2 } });
    const burst = (f: () => Uint8Array, now: number) =>
      s.forward(
        Array.from({ length: 4 }, () => ({ data: f(), ifindex: 1 })),
        now,
      );
    const e4 = () => to4({ proto: 'icmp' });
    const e6 = () => to6({ proto: 58 });
    expect(burst(e4, 5000).map((r) => r.reason)).toEqual([
      'echo-reply',
      'echo-reply',
      'echo-rate-limited',
      'echo-rate-limited',
    ]);
    // the IPv6 bucket is another one, and so is the errors' (UDP still gets its port unreachable)
    expect(burst(e6, 5000).map((r) => r.out.length)).toEqual([1, 1, 0, 0]);
    expect(one(s, to4(), 1, 5000).out.length).toBe(1);
    // 10 ms later one more token (100/s) has accrued, and only one
    expect(burst(e4, 5010).map((r) => r.out.length)).toEqual([1, 0, 0, 0]);
    expect(s.counters()['reason:echo-rate-limited']).toBe(7);
  });

  test('malformed datagrams for us are dropped with their reason and never answered (bad options: a parameter problem)', () => {
    const s = stack();
    const cut = to4({ proto: 'icmp', payload: 0 });
    cut[17] = 24; // total length: 4 bytes of ICMP
    cut[24] = 0;
    cut[25] = 0;
    const ck = in_cksum(mem(cut), 14, 20);
    cut[24] = ck >> 8;
    cut[25] = ck & 0xff;
    expect(verdict(one(s, cut))).toEqual(['drop', 'too-short', 0]);
    const bad = to4({ proto: 'icmp' });
    bad[40] ^= 1; // a data byte
    expect(verdict(one(s, bad))).toEqual(['drop', 'l4-checksum', 0]);
    const bad6 = to6({ proto: 58 });
    bad6[60] ^= 1;
    expect(verdict(one(s, bad6))).toEqual(['drop', 'l4-checksum', 0]);
    const badu = to4();
    badu[43] ^= 1;
    expect(verdict(one(s, badu))).toEqual(['drop', 'l4-checksum', 0]);
    const zero6 = to6();
    zero6[60] = 0;
    zero6[61] = 0;
    expect(verdict(one(s, zero6))).toEqual(['drop', 'l4-checksum', 0]); // mandatory over IPv6
    const badt = tcp(false, 0x02, 1, 0);
    badt[50] ^= 1;
    expect(verdict(one(s, badt))).toEqual(['drop', 'l4-checksum', 0]);
    // an option whose length runs past the header; a length of 0 or 1: dropped on input, ours or not,
    // with a parameter problem pointing at the length byte (assembly/forward/ip4opts.ts)
    const pp = (o: Uint8Array) => {
      const r = one(s, to4({ proto: 'icmp', options: o }));
      const e = r.out[0]?.data;
      return [...verdict(r), e?.[34], e?.[38]];
    };
    expect(pp(Uint8Array.from([1, 7, 8, 4]))).toEqual(['drop', 'ip-options', 1, 12, 22]);
    expect(pp(Uint8Array.from([0x44, 1, 0, 0]))).toEqual(['drop', 'ip-options', 1, 12, 21]);
    // a fragment (no reassembly here), another protocol, an ICMP type we do not serve, NDP
    expect(verdict(one(s, to4({ proto: 'icmp', mf: true })))).toEqual(['local', 'local-fragment', 0]);
    expect(verdict(one(s, to4({ proto: 47 })))).toEqual(['local', 'local', 0]);
    const ts = to4({ proto: 'icmp' });
    ts[34] = 13; // timestamp request
    expect(verdict(one(s, refix(ts)))).toEqual(['local', 'local', 0]);
    const ns = to6({ proto: 58 });
    ns[54] = 135; // neighbor solicitation: the neighbor code's (assembly/nbr/nd6.ts), which drops one
    expect(verdict(one(s, ns))).toEqual(['drop', 'nd-hop-limit', 0]); // not sent with hop limit 255
    const c = s.counters();
    expect(c['icmp-errors-out'] ?? 0).toBe(2); // the two parameter problems
    expect(c['tx-frames'] ?? 0).toBe(2);
  });
});
