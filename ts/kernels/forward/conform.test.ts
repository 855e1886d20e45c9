// Router requirements on both engines through the Stack (CONFORMANCE.md names these tests): IPv4
// options (assembly/forward/ip4opts.ts), source routes refused, martian sources, ICMPv6 beyond scope,
// ICMP host redirects (assembly/forward/redirect.ts). Golden vectors are literal bytes; every header
// the router wrote has its checksum checked independently.
import { describe, expect, test } from '@jest/globals';
import { Stack, type FrameResult, type StackConfig } from '../../stack/stack.js';
import { buildFrame, type FrameSpec } from '../../packet/build.js';
import type { RouteSpec } from '../../config/routes-file.js';
import { Mem } from '../util/mem.js';
import { in_cksum, in_cksum_acc, in_pseudo6 } from '../wire/cksum.js';
import { MAC, ip, topology } from '../../../test/fixtures/topology.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => parseInt(h, 16)),
  );
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const mem = (b: Uint8Array) => new Mem({ buffer: b.buffer });
const ipHdrOk = (b: Uint8Array, l3 = 14) => in_cksum(mem(b), l3, (b[l3]! & 15) * 4) === 0;
const icmpOk = (b: Uint8Array, l3 = 14) => {
  const hl = (b[l3]! & 15) * 4;
  return in_cksum(mem(b), l3 + hl, be16(b, l3 + 2) - hl) === 0;
};
const icmp6Ok = (b: Uint8Array, l3 = 14) => {
  const plen = be16(b, l3 + 4);
  return in_cksum_acc(mem(b), l3 + 40, plen, in_pseudo6(mem(b), l3 + 8, l3 + 24, 58, plen)) === 0xffff;
};

const route = (dst: string, plen: number, via: string): RouteSpec => ({
  family: 4,
  dst: ip(dst),
  plen,
  via: ip(via),
  dev: null,
  type: 'unicast',
  mtu: 0,
  metric: 0,
  proto: null,
  file: 'test',
  line: 1,
});

// A UDP datagram 192.0.2.10 -> 203.0.113.5 (through the gateway 198.51.100.254 on wm1), TTL 64, id
// 0x1234, with a NOP and a Record Route option of two slots (length 11, pointer 4), 4 bytes of data.
const RR_IN = hex(`
  020000000001 02000000aa10 0800
  4800 002c 1234 0000 4011 0000 c000020a cb007105
  01 07 0b 04 00000000 00000000
  0400 0035 000c 0000 01020304`);
// Forwarded: to the gateway's MAC from wm1's, TTL 63, 198.51.100.1 (wm1) in the first slot, pointer 8.
const RR_OUT = hex(`
  02000000bbfe 020000000002 0800
  4800 002c 1234 0000 3f11 0000 c000020a cb007105
  01 07 0b 08 c6336401 00000000
  0400 0035 000c 0000 01020304`);
/** Fills the IPv4 header checksum of a literal frame (no VLAN). */
function fixIp(f: Uint8Array): Uint8Array {
  f[24] = 0;
  f[25] = 0;
  const c = in_cksum(mem(f), 14, (f[14]! & 15) * 4);
  f[24] = c >> 8;
  f[25] = c & 0xff;
  return f;
}
fixIp(RR_IN);
fixIp(RR_OUT);

describe.each(['wasm', 'ts'] as const)('router requirements (%s)', (engine) => {
  const stack = (o: Partial<StackConfig> = {}, edit?: (c: StackConfig) => void) => {
    const cfg = topology(o);
    edit?.(cfg);
    return new Stack(cfg, { engine, batch: 32 });
  };
  const one = (s: Stack, f: Uint8Array, ifindex = 1, now = 1000): FrameResult =>
    s.forward([{ data: f, ifindex }], now)[0]!;
  const verdict = (r: FrameResult) => [r.path, r.reason, r.out.length];
  const v4 = (o: Partial<FrameSpec> = {}) =>
    buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip('192.0.2.10'),
      dst: ip('203.0.113.5'),
      proto: 'udp',
      ...o,
    });
  /** Forwards a datagram with these options; returns the verdict and the forwarded IP header's options. */
  const opts = (s: Stack, o: number[], now = 1000) => {
    const f = v4({ options: Uint8Array.from(o) });
    const r = one(s, f, 1, now);
    const out = r.out[0]?.data;
    return { r, out, o: out ? [...out.subarray(34, 14 + (out[14]! & 15) * 4)] : [] };
  };

  test('Record Route: the outgoing address recorded, pointer advanced (golden vector); a full one left alone', () => {
    const s = stack();
    expect(ipHdrOk(RR_IN) && ipHdrOk(RR_OUT)).toBe(true);
    const r = one(s, RR_IN.slice());
    expect(verdict(r)).toEqual(['normal', null, 1]);
    expect(toHex(r.out[0]!.data.subarray(0, RR_OUT.length))).toBe(toHex(RR_OUT));
    // second slot, then full (pointer 12 > length 11): forwarded, the option untouched
    const two = opts(s, [1, 7, 11, 8, 0xc0, 0, 2, 0xfe, 0, 0, 0, 0]);
    expect(two.o).toEqual([1, 7, 11, 12, 0xc0, 0, 2, 0xfe, 0xc6, 0x33, 0x64, 1]);
    const full = opts(s, [1, 7, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(full.o).toEqual([1, 7, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ipHdrOk(two.out!) && ipHdrOk(full.out!)).toBe(true);
    // never on the fast path: a second identical datagram is normal again
    expect(one(s, RR_IN.slice()).path).toBe('normal');
  });

  test('Timestamp: flags 0, 1 and 3, the overflow counter, RFC 791 non-standard time (high bit)', () => {
    const s = stack();
    // now = 1000 ms: 0x800003e8
    const t0 = opts(s, [68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(t0.o).toEqual([68, 12, 9, 0, 0x80, 0, 3, 0xe8, 0, 0, 0, 0]);
    const t1 = opts(s, [68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(t1.o).toEqual([68, 12, 13, 1, 0xc6, 0x33, 0x64, 1, 0x80, 0, 3, 0xe8]);
    // prespecified: our 198.51.100.1 gets the time; 203.0.113.99 is not ours, left alone
    const t3 = opts(s, [68, 20, 5, 3, 0xc6, 0x33, 0x64, 1, 0, 0, 0, 0, 0xcb, 0, 0x71, 0x63, 0, 0, 0, 0]);
    expect(t3.o).toEqual([68, 20, 13, 3, 0xc6, 0x33, 0x64, 1, 0x80, 0, 3, 0xe8, 0xcb, 0, 0x71, 0x63, 0, 0, 0, 0]);
    const t3b = opts(s, [68, 20, 13, 3, 0xc6, 0x33, 0x64, 1, 1, 1, 1, 1, 0xcb, 0, 0x71, 0x63, 0, 0, 0, 0]);
    expect(t3b.o).toEqual([68, 20, 13, 3, 0xc6, 0x33, 0x64, 1, 1, 1, 1, 1, 0xcb, 0, 0x71, 0x63, 0, 0, 0, 0]);
    // full (pointer 9 > length 8): overflow 2 -> 3
    const full = opts(s, [68, 8, 9, 0x20, 1, 2, 3, 4]);
    expect(full.o).toEqual([68, 8, 9, 0x30, 1, 2, 3, 4]);
    for (const x of [t0, t1, t3, t3b, full]) expect([x.r.path, ipHdrOk(x.out!)]).toEqual(['normal', true]);
  });

  test('Router Alert and unknown options pass untouched', () => {
    const s = stack();
    const ra = opts(s, [148, 4, 0, 0]);
    expect([ra.r.path, ra.o]).toEqual(['normal', [148, 4, 0, 0]]);
    const unk = opts(s, [25, 6, 0xab, 0xcd, 0xef, 0x01, 0, 0]); // unknown type, then end of list
    expect([unk.r.path, unk.o]).toEqual(['normal', [25, 6, 0xab, 0xcd, 0xef, 0x01, 0, 0]]);
  });

  test('malformed options: dropped, ICMP parameter problem code 0 pointing at the bad octet', () => {
    const s = stack();
    const pp = (o: number[]) => {
      const x = opts(s, o);
      const e = x.out;
      return [...verdict(x.r), e?.[34], e?.[35], e?.[38], e && icmpOk(e), e && ipHdrOk(e)];
    };
    expect(pp([7, 11, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual(['drop', 'ip-options', 1, 12, 0, 22, true, true]); // RR pointer < 4
    expect(pp([7, 10, 8, 0, 0, 0, 0, 0, 0, 0, 1, 1])).toEqual(['drop', 'ip-options', 1, 12, 0, 22, true, true]); // partial slot
    expect(pp([1, 7, 16, 4, 0, 0, 0, 0])).toEqual(['drop', 'ip-options', 1, 12, 0, 22, true, true]); // past the header
    expect(pp([68, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual(['drop', 'ip-options', 1, 12, 0, 23, true, true]); // flags 2
    expect(pp([68, 8, 9, 0xf0, 0, 0, 0, 0])).toEqual(['drop', 'ip-options', 1, 12, 0, 23, true, true]); // overflow wraps
    expect(pp([68, 12, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual(['drop', 'ip-options', 1, 12, 0, 22, true, true]); // TS pointer < 5
    expect(pp([148, 2, 0, 0])).toEqual(['drop', 'ip-options', 1, 12, 0, 21, true, true]); // Router Alert length
    // the quoted datagram is the original, from wm0's address to the sender
    const e = opts(s, [7, 11, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]).out!;
    expect([toHex(e.subarray(26, 34)), e[42]]).toEqual(['c0000201c000020a', 0x48]);
  });

  test('loose and strict source routes refused: unreachable code 5, counted source-route', () => {
    const s = stack();
    for (const t of [131, 137]) {
      const x = opts(s, [1, t, 7, 4, 0xc6, 0x33, 0x64, 0x63]);
      const e = x.out!;
      expect([...verdict(x.r), e[34], e[35], icmpOk(e), ipHdrOk(e)]).toEqual([
        'drop',
        'source-route',
        1,
        3,
        5,
        true,
        true,
      ]);
    }
    // addressed to us as its next hop (the usual case): refused all the same, not answered as ours
    const f = v4({ dst: ip('192.0.2.1'), options: Uint8Array.from([1, 131, 7, 4, 0xcb, 0, 0x71, 5]) });
    expect(verdict(one(s, f))).toEqual(['drop', 'source-route', 1]);
    expect(s.counters()['reason:source-route']).toBe(3);
  });

  test('martian sources: ours from outside, subnet broadcast, 0/8, 127/8, 224/4, 240/4, limited broadcast; IPv6 ours, ::, ::1, multicast', () => {
    const s = stack();
    const src4 = (a: string) => verdict(one(s, v4({ src: ip(a) })));
    expect(src4('192.0.2.1')).toEqual(['drop', 'martian-source-ours', 0]);
    expect(src4('198.51.100.1')).toEqual(['drop', 'martian-source-ours', 0]);
    expect(src4('198.51.100.255')).toEqual(['drop', 'martian-source', 0]);
    for (const a of ['0.1.2.3', '127.0.0.1', '224.0.0.5', '239.1.1.1', '240.0.0.1', '255.255.255.255'])
      expect(src4(a)).toEqual(['drop', 'martian-source', 0]);
    // also when addressed to us
    expect(verdict(one(s, v4({ src: ip('198.51.100.1'), dst: ip('192.0.2.1'), proto: 'icmp' })))).toEqual([
      'drop',
      'martian-source-ours',
      0,
    ]);
    const src6 = (a: string) =>
      verdict(
        one(
          s,
          buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip(a), dst: ip('2001:db8:100::5'), proto: 'udp' }),
        ),
      );
    expect(src6('2001:db8:1::1')).toEqual(['drop', 'martian-source-ours', 0]);
    for (const a of ['::', '::1', 'ff02::1', '::ffff:192.0.2.10'])
      expect(src6(a)).toEqual(['drop', 'martian-source', 0]);
    expect(s.counters()['icmp-errors-out'] ?? 0).toBe(0);
  });

  test('a link-local source bound off its link: ICMPv6 destination unreachable code 2 from our link-local address, rate-limited', () => {
    const s = stack({ icmp: { ratelimit: 1, burst: 1 } }, (c) => {
      (c.interfaces[0]!.addresses as { family: 4 | 6; bytes: Uint8Array; plen: number }[]).push({
        family: 6,
        bytes: ip('fe80::1'),
        plen: 64,
      });
      (c.neighbors as StackConfig['neighbors'][number][]).push({
        family: 6,
        address: ip('fe80::10'),
        mac: MAC.host0,
        dev: 'wm0',
      });
    });
    const f = () =>
      buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('fe80::10'), dst: ip('2001:db8:100::5'), proto: 'udp' });
    const r = one(s, f());
    expect(verdict(r)).toEqual(['drop', 'scope', 1]);
    const e = r.out[0]!.data;
    expect([r.out[0]!.ifindex, e[54], e[55], icmp6Ok(e)]).toEqual([1, 1, 2, true]);
    expect(toHex(e.subarray(22, 54))).toBe('fe800000000000000000000000000001fe800000000000000000000000000010');
    expect(toHex(e.subarray(0, 6))).toBe('02000000aa10');
    // the bucket (1 per second, depth 1) is empty: the next one is counted, not sent
    expect(verdict(one(s, f()))).toEqual(['drop', 'scope', 0]);
    expect(s.counters()['icmp-rate-limited']).toBe(1);
  });

  describe('ICMP host redirects', () => {
    // 203.0.114.0/24 via 192.0.2.254, a router on wm0's subnet beside us
    const rstack = (sendRedirects?: boolean, ratelimit = 0) =>
      stack(
        {
          icmp: { ratelimit, burst: 1 },
          routes: [route('203.0.114.0', 24, '192.0.2.254'), route('203.0.113.0', 24, '198.51.100.254')],
        },
        (c) => {
          (c.neighbors as StackConfig['neighbors'][number][]).push({
            family: 4,
            address: ip('192.0.2.254'),
            mac: MAC.gw1,
            dev: 'wm0',
          });
          if (sendRedirects !== undefined)
            (c.interfaces[0] as { sendRedirects?: boolean }).sendRedirects = sendRedirects;
        },
      );
    const back = () => v4({ dst: ip('203.0.114.5') });

    test('back out the interface it came in on, to a host on that subnet: redirect type 5 code 1 naming the better gateway, and forwarded', () => {
      const s = rstack();
      const f = back();
      const r = one(s, f.slice());
      expect(verdict(r)).toEqual(['normal', null, 2]);
      const [red, fwd] = r.out;
      expect([red!.ifindex, fwd!.ifindex]).toEqual([1, 1]);
      const e = red!.data;
      // ICMP type 5 code 1, gateway 192.0.2.254, from wm0's address to the sender, to its MAC
      expect([e[34], e[35], toHex(e.subarray(38, 42)), toHex(e.subarray(26, 34))]).toEqual([
        5,
        1,
        'c00002fe',
        'c0000201c000020a',
      ]);
      expect(toHex(e.subarray(0, 6))).toBe('02000000aa10');
      expect(icmpOk(e) && ipHdrOk(e)).toBe(true);
      expect(toHex(e.subarray(42, 42 + 20))).toBe(toHex(f.subarray(14, 34))); // quoted as received
      expect(toHex(fwd!.data.subarray(0, 6))).toBe('02000000bbfe');
      expect(s.counters()['icmp-redirects-out']).toBe(1);
      // not cached in ipflow: the next datagram of the flow is judged (and redirected) again
      const r2 = one(s, back());
      expect([r2.path, r2.out.length]).toEqual(['normal', 2]);
    });

    test('rate-limited by the error limiter (still forwarded); off with send_redirects: false', () => {
      const s = rstack(undefined, 1);
      expect(one(s, back()).out.length).toBe(2);
      expect(verdict(one(s, back()))).toEqual(['normal', null, 1]);
      expect(s.counters()['icmp-rate-limited']).toBe(1);
      const off = rstack(false);
      expect(verdict(one(off, back()))).toEqual(['normal', null, 1]);
      expect(off.counters()['icmp-redirects-out'] ?? 0).toBe(0);
    });

    test('none when the source is not on the subnet, or the datagram leaves by another interface', () => {
      const s = rstack();
      // source 203.0.113.9 is reached through wm1: not on wm0's subnet
      expect(verdict(one(s, v4({ src: ip('203.0.113.9'), dst: ip('203.0.114.5') })))).toEqual(['normal', null, 1]);
      expect(verdict(one(s, v4()))).toEqual(['normal', null, 1]); // to wm1
      expect(s.counters()['icmp-redirects-out'] ?? 0).toBe(0);
    });
  });
  describe('source routes processed (ip.forward_source_route: true)', () => {
    const srstack = () =>
      stack({ routes: [route('203.0.113.0', 24, '198.51.100.254'), route('203.0.114.0', 24, '192.0.2.254')] }, (c) => {
        c.ip = { forwardSourceRoute: true };
        (c.neighbors as StackConfig['neighbors'][number][]).push({
          family: 4,
          address: ip('192.0.2.254'),
          mac: MAC.gw1,
          dev: 'wm0',
        });
      });
    /** A datagram to `dst` with a source route option of type t, pointer p, these addresses. */
    const sr = (s: Stack, dst: string, t: number, p: number, hops: string[]) => {
      const o = [1, t, 3 + 4 * hops.length, p, ...hops.flatMap((h) => [...ip(h)])];
      while (o.length % 4) o.push(0);
      const r = one(s, v4({ dst: ip(dst), options: Uint8Array.from(o) }));
      const out = r.out[0]?.data;
      return { r, out, o: out ? [...out.subarray(34, 14 + (out[14]! & 15) * 4)] : [] };
    };

    test('LSRR to us: the next address becomes the destination, our outgoing address recorded, pointer + 4', () => {
      const s = srstack();
      const x = sr(s, '192.0.2.1', 131, 4, ['203.0.113.5', '203.0.113.77']);
      expect(verdict(x.r)).toEqual(['normal', null, 1]);
      const e = x.out!;
      expect([x.r.out[0]!.ifindex, toHex(e.subarray(0, 6)), toHex(e.subarray(30, 34)), e[22]]).toEqual([
        2,
        '02000000bbfe',
        'cb007105',
        63,
      ]);
      expect(x.o).toEqual([1, 131, 11, 8, 198, 51, 100, 1, 203, 0, 113, 77]);
      expect(ipHdrOk(e)).toBe(true);
      // not yet at its next hop (the destination is not ours): forwarded as it is
      const y = sr(s, '203.0.113.5', 131, 4, ['203.0.113.77']);
      expect([...verdict(y.r), y.o]).toEqual(['normal', null, 1, [1, 131, 7, 4, 203, 0, 113, 77]]);
      // the route ends here: delivered to us (a UDP probe, answered with port unreachable)
      expect(sr(s, '192.0.2.1', 131, 8, ['203.0.113.5']).r.path).toBe('local');
      // our own addresses in the route are passed over
      const z = sr(s, '192.0.2.1', 131, 4, ['198.51.100.1', '203.0.113.5']);
      expect([z.r.path, toHex(z.out!.subarray(30, 34)), z.o.slice(0, 4)]).toEqual([
        'normal',
        'cb007105',
        [1, 131, 11, 12],
      ]);
    });

    test('SSRR: the next hop must be on-link, and the destination ours; else source route failed', () => {
      const s = srstack();
      const ok = sr(s, '192.0.2.1', 137, 4, ['198.51.100.254']);
      expect([...verdict(ok.r), toHex(ok.out!.subarray(30, 34)), ok.o]).toEqual([
        'normal',
        null,
        1,
        'c63364fe',
        [1, 137, 7, 8, 198, 51, 100, 1],
      ]);
      const fail = (dst: string, t: number, hops: string[]) => {
        const x = sr(s, dst, t, 4, hops);
        const e = x.out!;
        return [...verdict(x.r), e?.[34], e?.[35], e && icmpOk(e)];
      };
      expect(fail('192.0.2.1', 137, ['203.0.113.5'])).toEqual(['drop', 'source-route', 1, 3, 5, true]); // via a gateway
      expect(fail('203.0.113.5', 137, ['203.0.113.77'])).toEqual(['drop', 'source-route', 1, 3, 5, true]); // not ours
      expect(fail('192.0.2.1', 131, ['127.0.0.1'])).toEqual(['drop', 'source-route', 1, 3, 5, true]); // martian
      expect(fail('192.0.2.1', 131, ['100.64.0.9'])).toEqual(['drop', 'source-route', 1, 3, 5, true]); // prohibit route
    });

    test('never redirected: a source-routed datagram back out its own interface gets none', () => {
      const s = srstack();
      const x = sr(s, '192.0.2.1', 131, 4, ['203.0.114.5']);
      expect([...verdict(x.r), x.r.out[0]!.ifindex]).toEqual(['normal', null, 1, 1]);
      expect(s.counters()['icmp-redirects-out'] ?? 0).toBe(0);
    });
  });

  describe('directed broadcasts (directed_broadcast per interface)', () => {
    const BCAST = 'ffffffffffff';
    const dbstack = (on: boolean) =>
      stack({}, (c) => {
        if (on) (c.interfaces[1] as { directedBroadcast?: boolean }).directedBroadcast = true;
      });
    test('off by default: delivered to us as a broadcast, not forwarded', () => {
      const s = dbstack(false);
      expect(verdict(one(s, v4({ dst: ip('198.51.100.255') })))).toEqual(['local', 'broadcast', 0]);
    });
    test('on for wm1: forwarded out wm1 as a link-layer broadcast; not from wm1 itself; TTL 1 silently dropped', () => {
      const s = dbstack(true);
      const r = one(s, v4({ dst: ip('198.51.100.255') }));
      expect(verdict(r)).toEqual(['normal', null, 1]);
      const e = r.out[0]!.data;
      expect([r.out[0]!.ifindex, toHex(e.subarray(0, 12)), e[22], ipHdrOk(e)]).toEqual([
        2,
        `${BCAST}020000000002`,
        63,
        true,
      ]);
      // never cached: the next one is judged on the normal path again
      expect(one(s, v4({ dst: ip('198.51.100.255') })).path).toBe('normal');
      const fromWm1 = buildFrame({
        dstMac: MAC.wm1,
        srcMac: MAC.gw1,
        src: ip('198.51.100.7'),
        dst: ip('198.51.100.255'),
        proto: 'udp',
      });
      expect(verdict(one(s, fromWm1, 2))).toEqual(['local', 'broadcast', 0]);
      expect(verdict(one(s, v4({ dst: ip('198.51.100.255'), ttl: 1 })))).toEqual(['drop', 'ttl-exceeded', 0]);
      // wm0's own subnet broadcast stays local (its switch is off)
      expect(verdict(one(s, v4({ dst: ip('192.0.2.255') })))).toEqual(['local', 'broadcast', 0]);
    });
  });

  describe('reverse-path filter (rp_filter per interface)', () => {
    const rpstack = (mode: 0 | 1 | 2) =>
      stack({}, (c) => {
        (c.interfaces[0] as { rpFilter?: 0 | 1 | 2 }).rpFilter = mode;
      });
    test('strict: the route back must leave by the receiving interface; loose: any usable route; off by default', () => {
      const strict = rpstack(1);
      expect(verdict(one(strict, v4()))).toEqual(['normal', null, 1]);
      expect(verdict(one(strict, v4({ src: ip('203.0.113.9') })))).toEqual(['drop', 'rp-filter', 0]);
      expect(verdict(one(strict, v4({ src: ip('8.8.8.8') })))).toEqual(['drop', 'rp-filter', 0]);
      expect(strict.counters()['reason:rp-filter']).toBe(2);
      const loose = rpstack(2);
      expect(verdict(one(loose, v4({ src: ip('203.0.113.9') })))).toEqual(['normal', null, 1]);
      expect(verdict(one(loose, v4({ src: ip('8.8.8.8') })))).toEqual(['drop', 'rp-filter', 0]);
      expect(verdict(one(loose, v4({ src: ip('198.18.0.1') })))).toEqual(['drop', 'rp-filter', 0]); // blackhole back
      const off = rpstack(0);
      expect(verdict(one(off, v4({ src: ip('8.8.8.8') })))).toEqual(['normal', null, 1]);
      // wm1 has no filter: a source routed via wm0 arriving there passes
      const s = rpstack(1);
      const f = buildFrame({
        dstMac: MAC.wm1,
        srcMac: MAC.gw1,
        src: ip('8.8.8.8'),
        dst: ip('192.0.2.10'),
        proto: 'udp',
      });
      expect(verdict(one(s, f, 2))).toEqual(['normal', null, 1]);
    });
    test('the fast path keeps only flows the filter passed', () => {
      const s = rpstack(1);
      expect(one(s, v4()).path).toBe('normal');
      expect(one(s, v4()).path).toBe('fast');
      expect(one(s, v4({ src: ip('203.0.113.9') })).path).toBe('drop');
      expect(one(s, v4({ src: ip('203.0.113.9') })).path).toBe('drop');
    });
  });

  describe('IPv6 redirects (RFC 4861 8.2)', () => {
    const route6 = (dst: string, plen: number, via: string, dev: string | null): RouteSpec => ({
      ...route('0.0.0.0', 0, '0.0.0.0'),
      family: 6,
      dst: ip(dst),
      plen,
      via: ip(via),
      dev,
    });
    // 2001:db8:200::/48 via fe80::fe (a router on wm0's link, known by its link-local address);
    // 2001:db8:300::/48 via 2001:db8::fe (known only by a global address: no redirect)
    const r6stack = (sendRedirects?: boolean, ratelimit = 0) =>
      stack(
        {
          icmp: { ratelimit, burst: 1 },
          routes: [
            route('203.0.113.0', 24, '198.51.100.254'),
            route6('2001:db8:100::', 48, '2001:db8:1::fe', null),
            route6('2001:db8:200::', 48, 'fe80::fe', 'wm0'),
            route6('2001:db8:300::', 48, '2001:db8::fe', null),
          ],
        },
        (c) => {
          (c.interfaces[0]!.addresses as { family: 4 | 6; bytes: Uint8Array; plen: number }[]).push({
            family: 6,
            bytes: ip('fe80::1'),
            plen: 64,
          });
          const nb = c.neighbors as StackConfig['neighbors'][number][];
          nb.push({ family: 6, address: ip('fe80::fe'), mac: MAC.gw1, dev: 'wm0' });
          nb.push({ family: 6, address: ip('2001:db8::fe'), mac: MAC.gw1, dev: 'wm0' });
          nb.push({ family: 6, address: ip('2001:db8::20'), mac: MAC.host100, dev: 'wm0' });
          if (sendRedirects !== undefined)
            (c.interfaces[0] as { sendRedirects?: boolean }).sendRedirects = sendRedirects;
        },
      );
    const v6 = (dst: string, payload = 32) =>
      buildFrame({
        dstMac: MAC.wm0,
        srcMac: MAC.host0,
        src: ip('2001:db8::10'),
        dst: ip(dst),
        proto: 'udp',
        payload,
      });
    /** The redirect's fields: [eth dst, ip src, ip dst, hlim, type, code, target, destination, option heads, checksum ok]. */
    const fields = (e: Uint8Array) => [
      toHex(e.subarray(0, 6)),
      toHex(e.subarray(22, 38)),
      toHex(e.subarray(38, 54)),
      e[21],
      e[54],
      e[55],
      toHex(e.subarray(62, 78)),
      toHex(e.subarray(78, 94)),
      toHex(e.subarray(94, 102)),
      [e[102], e[103]],
      icmp6Ok(e),
    ];

    test('back out the receiving interface toward a link-local gateway: Redirect naming it, and forwarded', () => {
      const s = r6stack();
      const f = v6('2001:db8:200::5');
      const r = one(s, f.slice());
      expect(verdict(r)).toEqual(['normal', null, 2]);
      const [red, fwd] = r.out;
      expect([red!.ifindex, fwd!.ifindex, toHex(fwd!.data.subarray(0, 6))]).toEqual([1, 1, '02000000bbfe']);
      const e = red!.data;
      expect(fields(e)).toEqual([
        '02000000aa10',
        'fe800000000000000000000000000001', // wm0's link-local address
        '20010db8000000000000000000000010',
        255,
        137,
        0,
        'fe8000000000000000000000000000fe',
        '20010db8020000000000000000000005',
        '020102000000bbfe', // target link-layer address: the gateway's MAC
        [4, (f.length - 14 + 8 + 7) >> 3],
        true,
      ]);
      // the redirected header: the packet as received (hop limit not yet decremented), zero-padded
      expect(toHex(e.subarray(110, 110 + f.length - 14))).toBe(toHex(f.subarray(14)));
      expect(s.counters()['icmp-redirects-out']).toBe(1);
      // not cached in ipflow: redirected again
      expect(one(s, v6('2001:db8:200::5')).out.length).toBe(2);
    });

    test('an on-link destination: the target is the destination itself; a big packet quoted within 1280 bytes', () => {
      const s = r6stack();
      const r = one(s, v6('2001:db8::20', 1400));
      expect(verdict(r)).toEqual(['normal', null, 2]);
      const e = r.out[0]!.data;
      expect(e.length).toBe(14 + 1280);
      expect(fields(e).slice(4, 11)).toEqual([
        137,
        0,
        '20010db8000000000000000000000020',
        '20010db8000000000000000000000020',
        '020102000000cc05',
        [4, (1184 + 8) >> 3],
        true,
      ]);
    });

    test('none toward a gateway known by a global address, to another interface, with send_redirects off; rate-limited', () => {
      const s = r6stack();
      expect(verdict(one(s, v6('2001:db8:300::5')))).toEqual(['normal', null, 1]);
      expect(verdict(one(s, v6('2001:db8:100::5')))).toEqual(['normal', null, 1]);
      expect(s.counters()['icmp-redirects-out'] ?? 0).toBe(0);
      expect(verdict(one(r6stack(false), v6('2001:db8:200::5')))).toEqual(['normal', null, 1]);
      const lim = r6stack(undefined, 1);
      expect(one(lim, v6('2001:db8:200::5')).out.length).toBe(2);
      expect(verdict(one(lim, v6('2001:db8:200::5')))).toEqual(['normal', null, 1]);
      expect(lim.counters()['icmp-rate-limited']).toBe(1);
    });
  });
});
