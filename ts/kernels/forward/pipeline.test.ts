// The forwarding pipeline's behaviour, checked on both engines through the Stack.
import { describe, expect, test } from '@jest/globals';
import { Stack, type FrameResult } from '../../stack/stack.js';
import { buildFrame, type FrameSpec } from '../../packet/build.js';
import { Mem } from '../util/mem.js';
import { in_cksum, in_cksum_acc, in_pseudo6 } from '../wire/cksum.js';
import { MAC, ip, topology } from '../../../test/fixtures/topology.js';

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

const cksumOk = (b: Uint8Array, off: number, len: number) =>
  in_cksum(new Mem({ buffer: b.buffer }), b.byteOffset + off, len) === 0;
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );

// 2001:db8::10 -> 2001:db8:100::7, UDP 1000 -> 2000 with 4 bytes of data, behind a 16-byte hop-by-hop
// header holding Router Alert (MLD), Pad1, an empty PadN and a 5-byte PadN (RFC 8200 4.2, RFC 2711)
const HBH_GOOD = hex(`
  020000000001 02000000aa10 86dd
  6000 0000 001c 00 40 20010db8000000000000000000000010 20010db8010000000000000000000007
  11 01 0502 0000 00 0100 0105 0000000000
  03e8 07d0 000c 8373 030a1118`);
/** An IPv6 UDP frame with these hop-by-hop options (padded with Pad1 to a multiple of 8). */
const h6 = (opts: number[], o: Partial<FrameSpec> = {}): Uint8Array => v6({ hbh: Uint8Array.from(opts), ...o });
/** The ICMPv6 error sent about a frame, if any: [type, code, pointer]. */
const icmp6 = (r: FrameResult): number[] | null => {
  const e = r.out.find((o) => o.data[14 + 6] === 58)?.data;
  return e ? [e[54]!, e[55]!, be32(e, 58)] : null;
};

describe.each([
  ['wasm', 'radix'],
  ['ts', 'radix'],
  ['wasm', 'compiled'],
  ['ts', 'compiled'],
] as const)('pipeline (%s, %s FIB)', (engine, fib) => {
  const stack = (o = {}) => new Stack(topology({ ...o, fib }), { engine, batch: 32 });
  const one = (s: Stack, f: Uint8Array, ifindex = 1, now = 1000): FrameResult =>
    s.forward([{ data: f, ifindex }], now)[0]!;

  test('IPv4: first packet takes the normal path, the next ones the fast path, rewritten alike', () => {
    const s = stack();
    const a = one(s, v4());
    const b = one(s, v4());
    expect([a.path, b.path]).toEqual(['normal', 'fast']);
    for (const r of [a, b]) {
      expect(r.out).toHaveLength(1);
      const o = r.out[0]!;
      expect(o.ifindex).toBe(2);
      expect(o.data.subarray(0, 6)).toEqual(MAC.gw1);
      expect(o.data.subarray(6, 12)).toEqual(MAC.wm1);
      expect(o.data[14 + 8]).toBe(63);
      expect(cksumOk(o.data, 14, 20)).toBe(true);
      expect(o.data.length).toBe(60);
    }
    expect(a.out[0]!.data).toEqual(b.out[0]!.data);
    const c = s.counters();
    expect(c['ipflow-hit']).toBe(1);
    expect(c['ipflow-insert']).toBe(1);
  });

  test('route changes invalidate the flow cache (generation)', () => {
    const s = stack();
    one(s, v4());
    expect(one(s, v4()).path).toBe('fast');
    s.tables.wlock.runSync('test', () => s.tables.deleteRoute(4, ip('203.0.113.0'), 24));
    const r = one(s, v4());
    expect([r.path, r.reason]).toEqual(['drop', 'no-route']);
    expect(s.counters()['ipflow-flush']).toBe(1);
  });

  test('TTL 1: dropped with an ICMP time exceeded back to the source', () => {
    const s = stack();
    const orig = v4({ ttl: 1 });
    const r = one(s, orig);
    expect([r.path, r.reason]).toEqual(['drop', 'ttl-exceeded']);
    expect(r.out).toHaveLength(1);
    const e = r.out[0]!.data;
    expect(r.out[0]!.ifindex).toBe(1);
    expect(e.subarray(0, 6)).toEqual(MAC.host0);
    expect(e.subarray(6, 12)).toEqual(MAC.wm0);
    expect(Array.from(e.subarray(14 + 12, 14 + 20))).toEqual([192, 0, 2, 1, 192, 0, 2, 10]);
    expect(e[14 + 9]).toBe(1);
    expect([e[34], e[35]]).toEqual([11, 0]);
    expect(cksumOk(e, 14, 20)).toBe(true);
    const iplen = be16(e, 16);
    expect(cksumOk(e, 34, iplen - 20)).toBe(true);
    // the whole original datagram is quoted (it is short)
    expect(e.subarray(42, 42 + orig.length - 14)).toEqual(orig.subarray(14));
  });

  test('no route, unreachable, prohibit and blackhole routes', () => {
    const s = stack();
    const code = (r: FrameResult) => (r.out[0] ? [r.out[0].data[34], r.out[0].data[35]] : null);
    const nr = one(s, v4({ dst: ip('8.8.8.8') }));
    expect([nr.reason, code(nr)]).toEqual(['no-route', [3, 0]]);
    const un = one(s, v4({ dst: ip('192.0.2.200') }));
    expect([un.reason, code(un)]).toEqual(['reject-route', [3, 1]]);
    const pr = one(s, v4({ dst: ip('100.64.1.1') }));
    expect([pr.reason, code(pr)]).toEqual(['reject-route', [3, 13]]);
    const bh = one(s, v4({ dst: ip('198.18.0.1') }));
    expect([bh.reason, code(bh)]).toEqual(['reject-route', null]);
  });

  test('header checks and martians are counted drops', () => {
    const s = stack();
    const bad = v4();
    bad[14 + 10]! ^= 0xff;
    expect(one(s, bad).reason).toBe('ip-checksum');
    expect(one(s, v4().subarray(0, 30)).reason).toBe('too-short');
    const ver = v4();
    ver[14] = 0x55;
    expect(one(s, ver).reason).toBe('ip-version');
    const hl = v4();
    hl[14] = 0x44;
    expect(one(s, hl).reason).toBe('ip-header-length');
    const len = v4();
    len[16] = 0x7f;
    expect(one(s, len).reason).toBe('ip-length');
    expect(one(s, v4({ src: ip('127.0.0.1') })).reason).toBe('martian-source');
    expect(one(s, v4({ src: ip('224.0.0.1') })).reason).toBe('martian-source');
    expect(one(s, v4({ dst: ip('0.1.2.3') })).reason).toBe('martian-destination');
    expect(one(s, v4({ dstMac: MAC.gw1 })).reason).toBe('l2-other-host');
    expect(one(s, new Uint8Array(10)).reason).toBe('too-short');
    expect(one(s, new Uint8Array(3000)).reason).toBe('too-long');
    expect(one(s, v4(), 9).reason).toBe('if-down');
    const c = s.counters();
    expect(c['drop']).toBe(12);
    expect(c['rx-frames']).toBe(12);
  });

  test('local delivery: our address, directed and limited broadcast, multicast; ARP is validated', () => {
    const s = stack();
    // UDP to us: port unreachable (assembly/forward/local.ts and its tests)
    expect([one(s, v4({ dst: ip('192.0.2.1') })).path, one(s, v4({ dst: ip('198.51.100.1') })).reason]).toEqual([
      'local',
      'port-unreachable',
    ]);
    expect(one(s, v4({ dst: ip('192.0.2.255') })).reason).toBe('broadcast');
    expect(one(s, v4({ dst: ip('255.255.255.255'), dstMac: new Uint8Array(6).fill(0xff) })).reason).toBe('broadcast');
    expect(one(s, v4({ dst: ip('224.0.0.5') })).reason).toBe('multicast');
    const arp = new Uint8Array(60);
    arp.fill(0xff, 0, 6);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(one(s, arp).reason).toBe('arp-invalid'); // all-zero ARP: validated (nbr/arp.ts), then dropped
    // link-layer broadcast carrying a unicast destination is not forwarded (RFC 1812 5.3.4)
    expect(one(s, v4({ dstMac: new Uint8Array(6).fill(0xff) })).reason).toBe('cant-forward');
  });

  test('DF set and too big: fragmentation needed with the next-hop MTU', () => {
    const s = stack({ wm1Mtu: 1000 });
    const r = one(s, v4({ df: true, payload: 1200 }));
    expect([r.path, r.reason]).toEqual(['drop', 'need-fragmentation']);
    const e = r.out[0]!.data;
    expect([e[34], e[35], be16(e, 40)]).toEqual([3, 4, 1000]);
    expect(be16(e, 16)).toBe(576); // quote limited to 576 bytes (RFC 1812 4.3.2.3)
  });

  test('DF clear and too big: fragments that reassemble to the original', () => {
    const s = stack({ wm1Mtu: 600 });
    const opts = Uint8Array.from([0x82, 4, 0xaa, 0xbb, 0x07, 3, 4, 0]); // copied option, then record-route (not copied)
    const orig = v4({ payload: 1400, options: opts, id: 77 });
    const r = one(s, orig);
    expect(r.path).toBe('normal');
    expect(r.out.length).toBe(3);
    const hlenOrig = (orig[14]! & 15) * 4;
    const data = orig.subarray(14 + hlenOrig, 14 + be16(orig, 16));
    const got = new Uint8Array(data.length);
    let sawLast = false;
    for (const [i, o] of r.out.entries()) {
      const f = o.data;
      const hl = (f[14]! & 15) * 4;
      expect(hl).toBe(i === 0 ? 28 : 24);
      if (i > 0) expect(Array.from(f.subarray(34, 38))).toEqual([0x82, 4, 0xaa, 0xbb]);
      expect(be16(f, 16)).toBeLessThanOrEqual(600);
      expect(be16(f, 18)).toBe(77);
      expect(f[22]).toBe(63);
      expect(cksumOk(f, 14, hl)).toBe(true);
      const off = (be16(f, 20) & 0x1fff) * 8;
      const mf = (be16(f, 20) & 0x2000) !== 0;
      const chunk = f.subarray(14 + hl, 14 + be16(f, 16));
      got.set(chunk, off);
      if (!mf) {
        sawLast = true;
        expect(off + chunk.length).toBe(data.length);
      }
    }
    expect(sawLast).toBe(true);
    expect(got).toEqual(data);
    expect(s.counters()['fragments-out']).toBe(3);
  });

  test('IPv6: forward (normal then fast), hop limit, packet too big, link-local scope', () => {
    const s = stack({ wm1Mtu: 1280 });
    const a = one(s, v6());
    const b = one(s, v6());
    expect([a.path, b.path]).toEqual(['normal', 'fast']);
    expect(a.out[0]!.data[14 + 7]).toBe(63);
    expect(a.out[0]!.data.subarray(0, 6)).toEqual(MAC.gw1);
    const t = one(s, v6({ ttl: 1 }));
    expect(t.reason).toBe('ttl-exceeded');
    const e = t.out[0]!.data;
    expect([e[54], e[55]]).toEqual([3, 0]);
    const m = new Mem({ buffer: e.buffer });
    const plen = be16(e, 18);
    expect(~in_cksum_acc(m, 54, plen, in_pseudo6(m, 22, 38, 58, plen)) & 0xffff).toBe(0);
    const big = one(s, v6({ payload: 1400 }));
    expect(big.reason).toBe('too-big');
    const pe = big.out[0]!.data;
    expect([pe[54], pe[55], (pe[58]! << 24) | (pe[59]! << 16) | (pe[60]! << 8) | pe[61]!]).toEqual([2, 0, 1280]);
    expect(one(s, v6({ src: ip('fe80::1') })).reason).toBe('scope');
    expect(one(s, v6({ dst: ip('ff02::1') })).reason).toBe('multicast');
    expect(one(s, v6({ dst: ip('2001:db8::1') })).reason).toBe('port-unreachable');
    expect(one(s, v6({ dst: ip('2001:db9::1') })).reason).toBe('no-route');
  });

  test('IPv6 hop-by-hop: a good header (Router Alert, Pad1, PadN) is forwarded untouched but the hop limit', () => {
    expect(h6([5, 2, 0, 0, 0, 1, 0, 1, 5, 0, 0, 0, 0, 0], { payload: 4 })).toEqual(HBH_GOOD); // the builder agrees
    const s = stack();
    const a = one(s, HBH_GOOD.slice());
    const b = one(s, HBH_GOOD.slice());
    expect([a.path, b.path]).toEqual(['normal', 'normal']); // never ip6flow: the header is examined each time
    for (const r of [a, b]) {
      expect(r.out).toHaveLength(1);
      const o = r.out[0]!.data;
      expect([r.out[0]!.ifindex, o[14 + 7]]).toEqual([2, 63]);
      expect(o.subarray(0, 6)).toEqual(MAC.gw1);
      expect(o.subarray(14 + 8)).toEqual(HBH_GOOD.subarray(14 + 8));
    }
    // options of unknown type whose high bits are 00 are skipped; so is a Router Alert to us
    expect(one(s, h6([0x1e, 2, 0xaa, 0xbb])).path).toBe('normal');
    expect(one(s, h6([5, 2, 0, 0], { dst: ip('2001:db8::1') })).reason).toBe('port-unreachable'); // UDP to us
    expect(one(s, h6([5, 2, 0, 0], { dst: ip('ff02::16') })).reason).toBe('multicast');
    expect(s.counters()['icmp-errors-out'] ?? 0).toBe(1); // that port unreachable, no parameter problem
  });

  test('IPv6 hop-by-hop: a header past the payload is dropped with parameter problem code 0', () => {
    const s = stack();
    const check = (f: Uint8Array, ptr: number) => {
      const r = one(s, f.slice());
      expect([r.path, r.reason, icmp6(r)]).toEqual(['drop', 'ip6-hbh-malformed', [4, 0, ptr]]);
      const e = r.out[0]!.data;
      expect(r.out[0]!.ifindex).toBe(1);
      expect(e.subarray(0, 6)).toEqual(MAC.host0);
      const m = new Mem({ buffer: e.buffer });
      const plen = be16(e, 18);
      expect(~in_cksum_acc(m, 54, plen, in_pseudo6(m, 22, 38, 58, plen)) & 0xffff).toBe(0);
      const total = 40 + be16(f, 18);
      expect(e.subarray(62)).toEqual(f.subarray(14, 14 + total)); // the invoking packet, quoted
    };
    // Hdr Ext Len 4 says 40 bytes; the payload holds 8 + 8 + 18: the length field is at fault
    const long = h6([1, 4, 0, 0, 0, 0]);
    long[14 + 41] = 4;
    check(long, 41);
    // a payload too short for any hop-by-hop header (8 bytes): the Payload Length is at fault
    const short = h6([1, 4, 0, 0, 0, 0]);
    short[14 + 4] = 0;
    short[14 + 5] = 6;
    check(short, 4);
    // Payload Length 0 announces a jumbogram (RFC 2675), which a 1500-byte link cannot carry
    const jumbo = h6([0xc2, 4, 0, 1, 0, 0]);
    jumbo[14 + 4] = 0;
    jumbo[14 + 5] = 0;
    check(jumbo, 4);
    // a header that ends with the frame: Payload Length beyond the frame is the IPv6 length check's
    const cut = h6([1, 4, 0, 0, 0, 0], { payload: 0 }).subarray(0, 14 + 40 + 8);
    expect(one(s, cut).reason).toBe('ip-length');
    expect(s.counters()['reason:ip6-hbh-malformed']).toBe(3);
  });

  test('IPv6 hop-by-hop: an option past the header, a bad Router Alert, a Jumbo Payload are malformed', () => {
    const s = stack();
    const bad = (opts: number[]) => {
      const r = one(s, h6(opts));
      return [r.reason, icmp6(r)];
    };
    expect(bad([1, 7, 0, 0, 0, 0])).toEqual(['ip6-hbh-malformed', [4, 0, 43]]); // PadN of 9 in 6 bytes left
    expect(bad([0, 0, 0x1e, 4, 0, 0])).toEqual(['ip6-hbh-malformed', [4, 0, 45]]); // a later option, 6 in 4 left
    expect(bad([1, 2, 0, 0, 0, 5])).toEqual(['ip6-hbh-malformed', [4, 0, 47]]); // type in the last byte, no length
    expect(bad([5, 3, 0, 0, 0, 0])).toEqual(['ip6-hbh-malformed', [4, 0, 43]]); // Router Alert is 2 bytes of data
    expect(bad([1, 0, 0xc2, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual(['ip6-hbh-malformed', [4, 0, 44]]); // Jumbo
    expect(s.counters()['reason:ip6-hbh-malformed']).toBe(5);
  });

  test('IPv6 hop-by-hop: unknown options act on their two high bits (RFC 8200 4.2)', () => {
    const s = stack();
    const act = (type: number, o: Partial<FrameSpec> = {}, ifindex = 1) => {
      const r = one(s, h6([1, 0, type, 2, 0, 0], o), ifindex);
      return [r.path, r.reason, icmp6(r)];
    };
    expect(act(0x1e)).toEqual(['normal', null, null]); // 00 skip
    expect(act(0x5e)).toEqual(['drop', 'ip6-hbh-unknown-option', null]); // 01 discard
    expect(act(0x9e)).toEqual(['drop', 'ip6-hbh-unknown-option', [4, 2, 44]]); // 10 discard, tell
    expect(act(0xde)).toEqual(['drop', 'ip6-hbh-unknown-option', [4, 2, 44]]); // 11 discard, tell unless multicast
    const mc = { dst: ip('ff0e::101'), dstMac: Uint8Array.from([0x33, 0x33, 0, 0, 1, 1]) };
    expect(act(0x1e, mc)).toEqual(['local', 'multicast', null]);
    expect(act(0x9e, mc)).toEqual(['drop', 'ip6-hbh-unknown-option', [4, 2, 44]]);
    expect(act(0xde, mc)).toEqual(['drop', 'ip6-hbh-unknown-option', null]);
    expect(act(0x5e, mc)).toEqual(['drop', 'ip6-hbh-unknown-option', null]);
    // from the unspecified address (as MLD may be) no one can be told
    expect(act(0x9e, { ...mc, src: ip('::') })).toEqual(['drop', 'ip6-hbh-unknown-option', null]);
    // a unicast destination in a link-layer multicast frame: the 10 class still tells, 11 does not
    const l2 = { dstMac: Uint8Array.from([0x33, 0x33, 0, 0, 0, 1]) };
    expect(act(0x9e, l2)).toEqual(['drop', 'ip6-hbh-unknown-option', [4, 2, 44]]);
    expect(act(0xde, l2)).toEqual(['drop', 'ip6-hbh-unknown-option', null]);
    // malformed headers about multicast get no error either
    const m = h6([1, 7, 0, 0, 0, 0], mc);
    expect([one(s, m).reason, icmp6(one(s, m))]).toEqual(['ip6-hbh-malformed', null]);
    const c = s.counters();
    expect([c['reason:ip6-hbh-unknown-option'], c['icmp-errors-out']]).toEqual([9, 4]);
  });

  test('IPv6 hop-by-hop: errors are rate limited, and never sent about an ICMPv6 error behind the header', () => {
    const s = stack({ icmp: { ratelimit: 100, burst: 2 } });
    const rs = s.forward(
      Array.from({ length: 4 }, () => ({ data: h6([0x9e, 2, 0, 0]), ifindex: 1 })),
      5000,
    );
    expect(rs.map((r) => [r.reason, r.out.length])).toEqual(
      Array.from({ length: 4 }, (_, i) => ['ip6-hbh-unknown-option', i < 2 ? 1 : 0]),
    );
    expect(s.counters()['icmp-rate-limited']).toBe(2);
    // an ICMPv6 destination unreachable (type 1) behind a good header, then behind an unknown 10-class option
    const err = (opts: number[], ttl = 64) => {
      const f = h6(opts, { proto: 58, ttl });
      f[14 + 48] = 1;
      return f;
    };
    expect(one(s, err([5, 2, 0, 0], 1), 1, 9000).reason).toBe('ttl-exceeded');
    expect(one(s, err([0x9e, 2, 0, 0]), 1, 9000).reason).toBe('ip6-hbh-unknown-option');
    const c = s.counters();
    expect([c['icmp-suppressed'], c['icmp-errors-out']]).toEqual([2, 2]);
  });

  test('VLAN: tagged frames are demultiplexed, and tags are pushed on output', () => {
    const s = stack();
    const up = one(
      s,
      buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host100, vlan: 100, src: ip('10.100.0.5'), dst: ip('203.0.113.9') }),
    );
    expect([up.path, up.rxif, up.out[0]!.ifindex]).toEqual(['normal', 3, 2]);
    expect(be16(up.out[0]!.data, 12)).toBe(0x0800);
    const down = one(
      s,
      buildFrame({ dstMac: MAC.wm1, srcMac: MAC.gw1, src: ip('203.0.113.9'), dst: ip('10.100.0.5') }),
      2,
    );
    expect(down.path).toBe('normal');
    const d = down.out[0]!;
    expect([d.ifindex, down.txif]).toEqual([1, 3]);
    expect([be16(d.data, 12), be16(d.data, 14) & 0xfff, be16(d.data, 16)]).toEqual([0x8100, 100, 0x0800]);
    expect(d.data.subarray(0, 6)).toEqual(MAC.host100);
    expect(
      one(
        s,
        buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host100, vlan: 200, src: ip('10.100.0.5'), dst: ip('203.0.113.9') }),
      ).reason,
    ).toBe('vlan-unknown');
  });

  test('ICMP errors are rate limited per token bucket and never sent about ICMP errors', () => {
    const s = stack({ icmp: { ratelimit: 100, burst: 2 } });
    const T = 0x90000000; // a clock past 2^31 ms (pcap timestamps are): must still refill
    const rs = s.forward(
      Array.from({ length: 5 }, () => ({ data: v4({ ttl: 1 }), ifindex: 1 })),
      T,
    );
    expect(rs.map((r) => r.out.length)).toEqual([1, 1, 0, 0, 0]);
    expect(s.counters()['icmp-rate-limited']).toBe(3);
    // 10 ms later one more token (100/s) has accrued, and only one
    expect(
      s
        .forward(
          [1, 2].map(() => ({ data: v4({ ttl: 1 }), ifindex: 1 })),
          T + 10,
        )
        .map((r) => r.out.length),
    ).toEqual([1, 0]);
    const err = v4({ ttl: 1, proto: 'icmp' });
    err[34] = 11; // an ICMP time-exceeded message itself
    err.set([0, 0], 36);
    const ck = in_cksum(new Mem({ buffer: err.buffer }), 34, be16(err, 16) - 20);
    err[36] = ck >> 8;
    err[37] = ck & 0xff;
    expect(one(s, err, 1, T + 9000).out.length).toBe(0);
    expect(s.counters()['icmp-suppressed']).toBe(1);
  });

  test('RSS: 4-tuple hash spreads flows over the queues; counters add up', () => {
    const s = stack();
    const frames = Array.from({ length: 64 }, (_, i) => ({ data: v4({ sport: 1000 + i }), ifindex: 1 }));
    const rs = s.forward(frames, 1);
    const queues = new Set(rs.map((r) => r.queue));
    expect(queues.size).toBe(4);
    expect(rs.every((r) => r.htype === 'udp4' && r.rss !== 0)).toBe(true);
    const c = s.counters();
    expect(c['fast']! + c['normal']! + c['local']! + c['drop']!).toBe(c['rx-frames']);
  });

  test("per-interface counters: received on the (vlan) interface, sent on the route's, drops on the receiver", () => {
    const s = stack();
    s.forward(
      [
        { data: v4(), ifindex: 1 },
        { data: v4({ ttl: 1 }), ifindex: 1 },
        {
          data: buildFrame({
            dstMac: MAC.wm0,
            srcMac: MAC.host100,
            vlan: 100,
            src: ip('10.100.0.5'),
            dst: ip('203.0.113.9'),
          }),
          ifindex: 1,
        },
      ],
      1,
    );
    const ic = s.interfaceCounters();
    expect([ic['wm0']!.ipkts, ic['wm0']!.idrops, ic['vlan100']!.ipkts, ic['wm1']!.opkts, ic['wm0']!.opkts]).toEqual([
      2, 1, 1, 2, 1,
    ]);
    expect(ic['wm1']!.obytes).toBe(120);
  });
});
