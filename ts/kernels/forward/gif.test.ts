// gif(4) and the encap table (assembly/forward/gif.ts, its twin gif.ts), on both engines through the
// Stack: encapsulation and decapsulation of every pair of families (protocols 4 and 41), the most
// specific encap match, ingress filtering, the nesting limit, the tunnel MTU and its path MTU learned
// from the outer path, and malformed tunnel input.
import { describe, expect, test } from '@jest/globals';
import { Stack, type FrameResult, type StackConfig } from '../../stack/stack.js';
import { buildFrame, type FrameSpec } from '../../packet/build.js';
import { MAC, ip, topology } from '../../../test/fixtures/topology.js';
import { parsePrefix } from '../../addr/addr.js';
import { ControlPlane, localDataplane } from '../../control/control-plane.js';
import { formatIfconfig } from '../../cli/ctl/ifconfig.js';

const addrs = (...list: string[]) =>
  list.map((s) => {
    const p = parsePrefix(s)!;
    return { family: p.family, bytes: p.bytes, plen: p.plen };
  });
const RSS = { key: new Uint8Array(40), queues: 1, udp: false };
const ZERO_MAC = new Uint8Array(6);

/** topology() with gif0 (IPv4 outer) and gif1 (IPv6 outer), and what `over` changes. */
function gifTopology(fib: 'radix' | 'compiled', over: { gif0?: [string, string]; gif1?: [string, string] } = {}) {
  const base = topology({ fib });
  const [s0, d0] = over.gif0 ?? ['198.51.100.1', '203.0.113.99'];
  const [s1, d1] = over.gif1 ?? ['2001:db8:1::1', '2001:db8:100::99'];
  const cfg: StackConfig = {
    ...base,
    interfaces: [
      ...base.interfaces,
      {
        name: 'gif0',
        index: 4,
        mac: ZERO_MAC,
        mtu: 1280,
        up: true,
        addresses: addrs('10.20.0.1/30', '2001:db8:20::1/64'),
        rss: RSS,
        gif: { src: ip(s0), dst: ip(d0) },
      },
      {
        name: 'gif1',
        index: 5,
        mac: ZERO_MAC,
        mtu: 1280,
        up: true,
        addresses: addrs('10.21.0.1/30', '2001:db8:21::1/64'),
        rss: RSS,
        gif: { src: ip(s1), dst: ip(d1) },
      },
    ],
  };
  return cfg;
}

const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
function sum16(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const cksumOk = (b: Uint8Array, off: number, len: number) => sum16(b, off, len) === 0xffff;

/** An outer IPv4 or IPv6 packet (from the remote end, to wm1's MAC) around the inner L3 packet. */
function outer(src: string, dst: string, inner: Uint8Array, proto = inner[0]! >> 4 === 6 ? 41 : 4): Uint8Array {
  const s = ip(src);
  const d = ip(dst);
  const v6 = s.length === 16;
  const h = v6 ? 40 : 20;
  const f = new Uint8Array(14 + h + inner.length);
  f.set(MAC.wm1, 0);
  f.set(MAC.gw1, 6);
  f[12] = v6 ? 0x86 : 0x08;
  f[13] = v6 ? 0xdd : 0x00;
  const o = 14;
  if (v6) {
    f[o] = 0x60;
    f[o + 4] = inner.length >> 8;
    f[o + 5] = inner.length & 0xff;
    f[o + 6] = proto;
    f[o + 7] = 64;
    f.set(s, o + 8);
    f.set(d, o + 24);
  } else {
    f[o] = 0x45;
    f[o + 2] = (20 + inner.length) >> 8;
    f[o + 3] = (20 + inner.length) & 0xff;
    f[o + 8] = 64;
    f[o + 9] = proto;
    f.set(s, o + 12);
    f.set(d, o + 16);
    const c = ~sum16(f, o, 20) & 0xffff;
    f[o + 10] = c >> 8;
    f[o + 11] = c & 0xff;
  }
  f.set(inner, o + h);
  return f;
}

const inner4 = (o: Partial<FrameSpec> = {}) =>
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip('10.20.0.2'), ...o });
const inner6 = (o: Partial<FrameSpec> = {}) =>
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('2001:db8::10'), dst: ip('2001:db8:20::2'), ...o });

describe.each([
  ['wasm', 'radix'],
  ['ts', 'radix'],
  ['wasm', 'compiled'],
  ['ts', 'compiled'],
] as const)('gif (%s, %s FIB)', (engine, fib) => {
  const stack = (over = {}) => new Stack(gifTopology(fib, over), { engine, batch: 32 });
  const one = (s: Stack, f: Uint8Array, ifindex = 1, now = 1000): FrameResult =>
    s.forward([{ data: f, ifindex }], now)[0]!;

  test('IPv4 in IPv4: the outer header (RFC 2003 3.1) and the inner packet, TTL - 1', () => {
    const s = stack();
    const f = inner4({ df: true, tos: 0x28 });
    const r = one(s, f);
    expect([r.path, r.reason]).toEqual(['normal', null]);
    expect(r.out).toHaveLength(1);
    const o = r.out[0]!;
    expect(o.ifindex).toBe(2);
    const d = o.data;
    expect(d.subarray(0, 6)).toEqual(MAC.gw1);
    expect(be16(d, 12)).toBe(0x0800);
    expect(d[14]).toBe(0x45);
    expect(d[15]).toBe(0x28); // TOS copied
    expect(be16(d, 16)).toBe(20 + f.length - 14);
    expect(be16(d, 20) & 0x4000).toBe(0x4000); // DF copied
    expect([d[22], d[23]]).toEqual([30, 4]); // GIF_TTL, IPIP
    expect(Array.from(d.subarray(26, 34))).toEqual([198, 51, 100, 1, 203, 0, 113, 99]);
    expect(cksumOk(d, 14, 20)).toBe(true);
    const inner = d.subarray(34, 34 + f.length - 14);
    expect(inner[8]).toBe(63);
    expect(cksumOk(inner, 0, 20)).toBe(true);
    expect(inner.subarray(12)).toEqual(f.subarray(14 + 12));
    expect(s.counters()['gif-encapsulated']).toBe(1);
    expect(s.interfaceCounters()['gif0']!.opkts).toBe(1);
  });

  test('IPv6 in IPv4 (protocol 41): DF never set (RFC 4213 3.2.1)', () => {
    const s = stack();
    const f = inner6();
    const r = one(s, f);
    expect([r.path, r.reason]).toEqual(['normal', null]);
    const d = r.out[0]!.data;
    expect(d[23]).toBe(41);
    expect(be16(d, 20) & 0x4000).toBe(0);
    expect(d[34 + 7]).toBe(63); // inner hop limit
    expect(d.subarray(34 + 8, 34 + f.length - 14)).toEqual(f.subarray(14 + 8));
  });

  test('IPv4 in IPv6 and IPv6 in IPv6 (RFC 2473): next header 4 / 41, hop limit 30', () => {
    const s = stack();
    for (const [f, nh] of [
      [inner4({ dst: ip('10.21.0.2') }), 4],
      [inner6({ dst: ip('2001:db8:21::2') }), 41],
    ] as const) {
      const r = one(s, f);
      expect([r.path, r.reason]).toEqual(['normal', null]);
      const d = r.out[0]!.data;
      expect(be16(d, 12)).toBe(0x86dd);
      expect(be16(d, 18)).toBe(f.length - 14);
      expect([d[20], d[21]]).toEqual([nh, 30]);
      expect(d.subarray(22, 38)).toEqual(ip('2001:db8:1::1'));
      expect(d.subarray(38, 54)).toEqual(ip('2001:db8:100::99'));
    }
  });

  test('decapsulation: the inner packet enters as received on the gif, then takes the fast path', () => {
    const s = stack();
    for (const [src, dst, inner] of [
      ['203.0.113.99', '198.51.100.1', inner4({ src: ip('10.20.0.2'), dst: ip('192.0.2.10') })],
      ['203.0.113.99', '198.51.100.1', inner6({ src: ip('2001:db8:20::2'), dst: ip('2001:db8::10') })],
      ['2001:db8:100::99', '2001:db8:1::1', inner4({ src: ip('10.21.0.2'), dst: ip('192.0.2.10') })],
      ['2001:db8:100::99', '2001:db8:1::1', inner6({ src: ip('2001:db8:21::2'), dst: ip('2001:db8::10') })],
    ] as const) {
      const f = outer(src, dst, inner.subarray(14));
      const a = one(s, f, 2);
      const b = one(s, f, 2);
      expect([a.path, a.reason, b.path]).toEqual(['normal', null, 'fast']);
      expect(a.out[0]!.ifindex).toBe(1);
      const d = a.out[0]!.data;
      expect(d.subarray(0, 6)).toEqual(MAC.host0);
      expect(d.subarray(14, 14 + 8)).toEqual(
        inner.subarray(14, 22).map((v, i) => (i === 7 && inner[14]! >> 4 === 6 ? v - 1 : v)),
      );
      expect(a.out[0]!.data).toEqual(b.out[0]!.data);
    }
    expect(s.counters()['gif-decapsulated']).toBe(8);
    expect(s.interfaceCounters()['gif0']!.ipkts).toBe(4);
    expect(s.interfaceCounters()['gif1']!.ipkts).toBe(4);
  });

  test('ingress filtering (RFC 4213 3.6): an outer source that is not the remote end is dropped and counted', () => {
    const s = stack();
    const in4 = inner4({ src: ip('10.20.0.2'), dst: ip('192.0.2.10') }).subarray(14);
    const in6 = inner6({ src: ip('2001:db8:20::2'), dst: ip('2001:db8::10') }).subarray(14);
    // IPv6 in IPv4 (6in4) and ipip to gif0's local end, from another source: no decapsulation
    for (const f of [outer('203.0.113.98', '198.51.100.1', in6), outer('203.0.113.98', '198.51.100.1', in4)]) {
      const r = one(s, f, 2);
      expect([r.path, r.reason, r.out.length]).toEqual(['drop', 'gif-ingress', 0]);
    }
    // IPv6 outer (gif1's local end), spoofed source
    expect(one(s, outer('2001:db8:100::98', '2001:db8:1::1', in4), 2).reason).toBe('gif-ingress');
    expect(s.counters()['gif-decapsulated'] ?? 0).toBe(0);
    // protocol 41 to one of our addresses that ends no tunnel: the router's own (protocol unreachable)
    expect(one(s, outer('203.0.113.98', '192.0.2.1', in6), 2).reason).not.toBe('gif-ingress');
    // the configured remote end still gets through
    expect(one(s, outer('203.0.113.99', '198.51.100.1', in6), 2).path).not.toBe('drop');
    expect(s.counters()['gif-decapsulated']).toBe(1);
  });

  test('encap_lookup: the most specific (source, destination) match wins, a freed entry is skipped', () => {
    const s = stack();
    const t = s.tables;
    const k = t.k;
    const slots = t.wlock.runSync('test', () => [
      t.encapAttach(11, ip('0.0.0.0'), 0, ip('0.0.0.0'), 0),
      t.encapAttach(12, ip('203.0.113.0'), 24, ip('198.51.100.1'), 32),
      t.encapAttach(13, ip('203.0.113.99'), 32, ip('198.51.100.0'), 24),
      t.encapAttach(14, ip('2001:db8:100::'), 48, ip('2001:db8:1::1'), 128),
    ]);
    const at = s.L.scratch;
    const look = (src: string, dst: string, proto = 4) => {
      const a = ip(src);
      const b = ip(dst);
      t.u8.set(a, at);
      t.u8.set(b, at + 16);
      return k.encap_lookup(s.L.encap, a.length === 16 ? 1 : 0, at, at + 16, proto);
    };
    expect(look('203.0.113.99', '198.51.100.1')).toBe(4); // gif0: 32 + 32
    expect(look('203.0.113.5', '198.51.100.1')).toBe(12); // 24 + 32
    expect(look('203.0.113.99', '198.51.100.7')).toBe(13); // 32 + 24
    expect(look('8.8.8.8', '1.2.3.4')).toBe(11); // the wildcard
    expect(look('2001:db8:100::99', '2001:db8:1::1')).toBe(5); // gif1: 128 + 128
    expect(look('2001:db8:100::5', '2001:db8:1::1', 41)).toBe(14);
    expect(look('2001:db8:100::5', '2001:db8:1::1', 17)).toBe(0); // neither 4 nor 41
    t.wlock.runSync('test', () => t.encapDetach(slots[0]!));
    expect(look('8.8.8.8', '1.2.3.4')).toBe(0);
    // ingress filtering: some tunnel ends at the destination (by its destination prefix), for that protocol
    const ends = (dst: string, proto = 4) => {
      const b = ip(dst);
      t.u8.set(b, at + 16);
      return k.encap_ingress_reject(s.L.encap, b.length === 16 ? 1 : 0, at + 16, proto);
    };
    expect([ends('198.51.100.1'), ends('198.51.100.7'), ends('198.51.100.7', 41), ends('1.2.3.4')]).toEqual([
      1, 1, 1, 0,
    ]);
    expect([ends('2001:db8:1::1', 41), ends('2001:db8:1::2'), ends('198.51.100.1', 17)]).toEqual([1, 0, 0]);
  });

  test('nesting limit: an outer packet routed into a tunnel or back to us is dropped (gif-nesting)', () => {
    // gif0's remote end lies behind gif1: a tunnel inside a tunnel
    const s = stack({ gif0: ['198.51.100.1', '10.21.0.2'] });
    expect([one(s, inner4()).path, one(s, inner4()).reason]).toEqual(['drop', 'gif-nesting']);
    // a tunnel to ourselves
    const t = stack({ gif0: ['198.51.100.1', '192.0.2.1'] });
    expect(one(t, inner4()).reason).toBe('gif-nesting');
    // an inner packet for the tunnel's own outer address, itself a tunnel packet: decapsulated once only
    const u = stack();
    const inner = outer(
      '203.0.113.99',
      '198.51.100.1',
      inner4({ src: ip('10.20.0.2'), dst: ip('192.0.2.10') }).subarray(14),
    );
    const r = one(u, outer('203.0.113.99', '198.51.100.1', inner.subarray(14)), 2);
    expect([r.path, r.reason]).toEqual(['drop', 'gif-nesting']);
    expect(u.counters()['reason:gif-nesting']).toBe(1);
  });

  test('tunnel MTU: frag-needed / packet-too-big to the inner source; no DF: encapsulated whole', () => {
    const s = stack();
    const big4 = inner4({ df: true, payload: 1300 });
    const r = one(s, big4);
    expect([r.path, r.reason]).toEqual(['drop', 'need-fragmentation']);
    const e = r.out[0]!.data;
    expect(r.out[0]!.ifindex).toBe(1);
    expect([e[34], e[35], be16(e, 40)]).toEqual([3, 4, 1280]);
    const big6 = inner6({ payload: 1300 });
    const r6 = one(s, big6);
    expect([r6.path, r6.reason]).toEqual(['drop', 'too-big']);
    const e6 = r6.out[0]!.data;
    expect([e6[54], e6[55], be16(e6, 60)]).toEqual([2, 0, 1280]);
    // DF clear: encapsulated, and the outer datagram fits wm1's 1500 as it is
    const ok = one(s, inner4({ payload: 1300 }));
    expect([ok.path, ok.out.length]).toEqual(['normal', 1]);
  });

  test('outer MTU: an outer datagram without DF is fragmented, with DF the inner source hears of it', () => {
    const s = new Stack(
      {
        ...gifTopology(fib),
        interfaces: gifTopology(fib).interfaces.map((i) =>
          i.name === 'gif0' ? { ...i, mtu: 1500 } : i.name === 'wm1' ? { ...i, mtu: 1400 } : i,
        ),
      },
      { engine, batch: 32 },
    );
    const r = one(s, inner4({ payload: 1390 }));
    expect([r.path, r.out.length]).toEqual(['normal', 2]);
    const d = one(s, inner4({ payload: 1390, df: true }));
    expect([d.path, d.reason]).toEqual(['drop', 'need-fragmentation']);
    expect(be16(d.out[0]!.data, 40)).toBe(1380); // outer MTU less the outer header
  });

  test('malformed tunnel input: truncated inner headers are dropped as too short, never forwarded', () => {
    const s = stack();
    const full = inner4({ src: ip('10.20.0.2'), dst: ip('192.0.2.10') }).subarray(14);
    for (const n of [0, 1, 12, 19]) {
      const r = one(s, outer('203.0.113.99', '198.51.100.1', full.subarray(0, n)), 2);
      expect([r.path, r.reason]).toEqual(['drop', 'too-short']);
    }
    const full6 = inner6({ src: ip('2001:db8:20::2'), dst: ip('2001:db8::10') }).subarray(14);
    const r6 = one(s, outer('203.0.113.99', '198.51.100.1', full6.subarray(0, 39)), 2);
    expect([r6.path, r6.reason]).toEqual(['drop', 'too-short']);
    // an IPv6 packet labelled protocol 4 fails the inner version check
    const r4 = one(s, outer('203.0.113.99', '198.51.100.1', full6, 4), 2);
    expect([r4.path, r4.reason]).toEqual(['drop', 'ip-version']);
  });

  test('answers from the router go back into the tunnel: echo replies and ICMP errors, encapsulated as ours', () => {
    const s = stack();
    // ping gif0's own address through the tunnel: the reply is encapsulated toward the remote end
    const echo = inner4({ src: ip('10.20.0.2'), dst: ip('10.20.0.1'), proto: 'icmp' });
    const r = one(s, outer('203.0.113.99', '198.51.100.1', echo.subarray(14)), 2);
    expect([r.path, r.reason]).toEqual(['local', 'echo-reply']);
    expect(r.out).toHaveLength(1);
    const d = r.out[0]!.data;
    expect([r.out[0]!.ifindex, d[23], d[22]]).toEqual([2, 4, 30]);
    expect(Array.from(d.subarray(30, 34))).toEqual([203, 0, 113, 99]);
    expect(Array.from(d.subarray(34 + 12, 34 + 20))).toEqual([10, 20, 0, 1, 10, 20, 0, 2]);
    expect(d[34 + 20]).toBe(0); // echo reply
    expect(cksumOk(d, 14, 20)).toBe(true);
    // an inner packet whose TTL runs out here: time exceeded, from gif0's address, into the tunnel
    const old = one(
      s,
      outer(
        '203.0.113.99',
        '198.51.100.1',
        inner4({ src: ip('10.20.0.2'), dst: ip('192.0.2.10'), ttl: 1 }).subarray(14),
      ),
      2,
    );
    expect([old.path, old.reason]).toEqual(['drop', 'ttl-exceeded']);
    const e = old.out[0]!.data;
    expect([old.out[0]!.ifindex, e[23]]).toEqual([2, 4]);
    expect(Array.from(e.subarray(34 + 12, 34 + 20))).toEqual([10, 20, 0, 1, 10, 20, 0, 2]);
    expect([e[34 + 20], e[34 + 21]]).toEqual([11, 0]);
    // IPv6 through gif1: echo reply back inside IPv6
    const echo6 = inner6({ src: ip('2001:db8:21::2'), dst: ip('2001:db8:21::1'), proto: 58 });
    const r6 = one(s, outer('2001:db8:100::99', '2001:db8:1::1', echo6.subarray(14)), 2);
    expect([r6.path, r6.reason]).toEqual(['local', 'echo-reply']);
    expect(r6.out[0]!.data[20]).toBe(41);
  });

  /** An ICMP error from the gateway to wm1's address quoting a packet gif0 sent (its outer header to `to`). */
  const err = (type: number, code: number, mtu: number, inner: Uint8Array, to = '203.0.113.99', v6 = false) => {
    const quote = outer(
      v6 ? '2001:db8:1::1' : '198.51.100.1',
      v6 ? '2001:db8:100::99' : to,
      inner.subarray(14),
    ).subarray(14, 14 + (v6 ? 40 : 20) + (inner[14]! >> 4 === 6 ? 48 : 28));
    const icmp = new Uint8Array(8 + quote.length);
    icmp.set([type, code, 0, 0, 0, 0, mtu >> 8, mtu & 255]);
    icmp.set(quote, 8);
    if (v6) {
      // the ICMPv6 checksum over the pseudo-header (from the gateway to wm1's address)
      const ph = new Uint8Array(40 + icmp.length);
      ph.set(ip('2001:db8:1::fe'), 0);
      ph.set(ip('2001:db8:1::1'), 16);
      ph[34] = icmp.length >> 8;
      ph[35] = icmp.length & 255;
      ph[39] = 58;
      ph.set(icmp, 40);
      const c = ~sum16(ph, 0, ph.length) & 0xffff;
      icmp[2] = c >> 8;
      icmp[3] = c & 255;
      return outer('2001:db8:1::fe', '2001:db8:1::1', icmp, 58);
    }
    const c = ~sum16(icmp, 0, icmp.length) & 0xffff;
    icmp[2] = c >> 8;
    icmp[3] = c & 255;
    return outer('198.51.100.254', '198.51.100.1', icmp, 1);
  };

  test('ICMP errors about our outer packets are relayed to the inner source (RFC 2003 4)', () => {
    const s = stack();
    const sent = inner4({ dst: ip('10.20.0.2'), df: true, ttl: 63 });
    const r = one(s, err(3, 4, 1400, sent), 2);
    expect([r.path, r.reason]).toEqual(['local', 'gif-icmp-relayed']);
    expect(r.out).toHaveLength(1);
    const e = r.out[0]!.data;
    expect([r.out[0]!.ifindex, e[34], e[35], be16(e, 40)]).toEqual([1, 3, 4, 1380]); // the MTU less 20
    expect(Array.from(e.subarray(30, 34))).toEqual([192, 0, 2, 10]);
    expect(e.subarray(42, 42 + 28)).toEqual(sent.subarray(14, 14 + 28)); // the inner packet quoted
    // time exceeded on the far side: host unreachable to the inner source
    const t = one(s, err(11, 0, 0, sent), 2);
    expect([t.reason, t.out[0]!.data[34], t.out[0]!.data[35]]).toEqual(['gif-icmp-relayed', 3, 1]);
    // a packet no tunnel of ours sent: an ordinary ICMP message for us
    expect(one(s, err(3, 4, 1400, sent, '203.0.113.98'), 2).reason).toBe('local');
    // IPv6 outer (gif1), IPv6 inside: packet too big, relayed with the MTU less 40 (at least 1280)
    const sent6 = inner6({ dst: ip('2001:db8:21::2') });
    const r6 = one(s, err(2, 0, 1500, sent6, '', true), 2);
    expect([r6.path, r6.reason]).toEqual(['local', 'gif-icmp-relayed']);
    const e6 = r6.out[0]!.data;
    expect([r6.out[0]!.ifindex, e6[54], be16(e6, 60)]).toEqual([1, 2, 1460]);
  });

  test('path MTU learning: a too-big from the outer path lowers the tunnel MTU (IPv6 inside: not below 1280)', () => {
    const s = stack();
    const sent = inner4({ dst: ip('10.20.0.2'), df: true });
    // frag-needed for gif0's outer packets, outer path MTU 1000: the tunnel carries 980 inner bytes
    expect(one(s, err(3, 4, 1000, sent), 2, 5000).reason).toBe('gif-icmp-relayed');
    expect(s.gifPathMtu(4, 5000)).toBe(980);
    const big4 = one(s, inner4({ df: true, payload: 1000 }), 1, 6000);
    expect([big4.path, big4.reason]).toEqual(['drop', 'need-fragmentation']);
    expect(be16(big4.out[0]!.data, 40)).toBe(980); // the learned MTU, to the inner source
    expect(one(s, inner4({ df: true, payload: 900 }), 1, 6000).path).toBe('normal'); // 928 bytes fit
    // IPv6 inside: the learned 980 is below IPv6's minimum, so 1280 still goes (the outer IPv4 is
    // sent without DF and fragmented on the way), and past 1280 the too-big says 1280
    expect(one(s, inner6({ payload: 1200 }), 1, 6000).path).toBe('normal');
    const big6 = one(s, inner6({ payload: 1300 }), 1, 6000);
    expect([big6.reason, be16(big6.out[0]!.data, 60)]).toEqual(['too-big', 1280]);
    // only ever lowered while fresh: a larger report changes nothing, a smaller one lowers it
    one(s, err(3, 4, 1200, sent), 2, 7000);
    expect(s.gifPathMtu(4, 7000)).toBe(980);
    one(s, err(3, 4, 700, sent), 2, 7000);
    expect(s.gifPathMtu(4, 7000)).toBe(680);
    // `ifconfig gif0` shows it (at the stack's clock: the last batch's)
    const shown = new ControlPlane(localDataplane(s)).ifconfig('gif0')[0]!;
    expect(shown.tunnel?.pmtu).toBe(680);
    expect(formatIfconfig(shown)).toContain('\ttunnel inet 198.51.100.1 --> 203.0.113.99  ttl 30  pmtu 680\n');
    // a report from a router that gives no MTU (0) teaches nothing; gif1's IPv6 outer path likewise
    one(s, err(3, 4, 0, sent), 2, 7000);
    expect(s.gifPathMtu(4, 7000)).toBe(680);
    one(s, err(2, 0, 1300, inner6({ dst: ip('2001:db8:21::2') }), '', true), 2, 7000);
    expect(s.gifPathMtu(5, 7000)).toBe(1260);
    // about another destination: nothing learned
    const s2 = stack();
    one(s2, err(3, 4, 1000, sent, '203.0.113.98'), 2, 5000);
    expect(s2.gifPathMtu(4, 5000)).toBeNull();
    // stale after 10 minutes (NetBSD's ip_mtudisc_timeout): the gif's own MTU again
    expect(s.gifPathMtu(4, 7000 + 600_001)).toBeNull();
    expect(one(s, inner4({ df: true, payload: 1000 }), 1, 7000 + 600_001).path).toBe('normal');
    // a new tunnel forgets what the old outer path taught
    one(s, err(3, 4, 700, sent), 2, 700_000);
    expect(s.gifPathMtu(4, 700_000)).toBe(680);
    s.tables.wlock.runSync('test', () => {
      s.tables.deleteTunnel(4);
      s.tables.reclaim();
      s.tables.setTunnel(4, ip('198.51.100.1'), ip('203.0.113.99'));
    });
    expect(s.gifPathMtu(4, 700_000)).toBeNull();
  });

  test('deletetunnel: output drops as gif-no-tunnel, input is no longer matched; a new tunnel works', () => {
    const s = stack();
    s.tables.wlock.runSync('test', () => s.tables.deleteTunnel(4));
    expect(one(s, inner4()).reason).toBe('gif-no-tunnel');
    const f = outer(
      '203.0.113.99',
      '198.51.100.1',
      inner4({ src: ip('10.20.0.2'), dst: ip('192.0.2.10') }).subarray(14),
    );
    expect(one(s, f, 2).path).toBe('local');
    // no grace period yet: the old words may still be read
    expect(() =>
      s.tables.wlock.runSync('test', () => s.tables.setTunnel(4, ip('198.51.100.1'), ip('203.0.113.77'))),
    ).toThrow(/grace/);
    s.tables.wlock.runSync('test', () => {
      s.tables.reclaim();
      s.tables.setTunnel(4, ip('198.51.100.1'), ip('203.0.113.77'));
    });
    const r = one(s, inner4());
    expect(r.path).toBe('normal');
    expect(Array.from(r.out[0]!.data.subarray(30, 34))).toEqual([203, 0, 113, 77]);
  });
});
