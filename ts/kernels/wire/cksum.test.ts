// Internet checksum: golden vectors from RFCs and captured packets, then differential properties
// (WASM against the TS twin) over random buffers, alignments, lengths and incremental updates.
// Every golden test runs on both engines over the same shared memory.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { LAYOUT_BASE } from '../../../assembly/layout.js';
import { createMemory, instantiateWasm } from '../../stack/wasm.js';
import { Mem, ld16be, st16be } from '../util/mem.js';
import * as ck from './cksum.js';

const memory = createMemory(LAYOUT_BASE + (1 << 20));
const w = instantiateWasm(memory);
const m = new Mem(memory);

// Scratch regions inside [LAYOUT_BASE, LAYOUT_BASE + 1 MiB)
const BUF = LAYOUT_BASE; // packets and random buffers (< 4 KiB with offsets)
const SRC6 = LAYOUT_BASE + 8192; // pseudo-header addresses (+ up to 15 bytes of misalignment)
const DST6 = LAYOUT_BASE + 8192 + 64;
const PSEUDO = LAYOUT_BASE + 8192 + 128; // materialised pseudo-headers
const BIG = LAYOUT_BASE + 16384; // long buffers (up to 1 MiB - 16 KiB)
const BIG_MAX = (1 << 20) - 16384;

interface Cksum {
  acc(p: number, len: number, acc: number): number;
  cksum(p: number, len: number): number;
  hdr20(p: number): number;
  update16(c: number, oldv: number, newv: number): number;
  update32(c: number, old32: number, new32: number): number;
  pseudo4(src: number, dst: number, proto: number, len: number): number;
  pseudo6(srcPtr: number, dstPtr: number, nxt: number, len: number): number;
}

// u32 results come back from WASM as signed i32
const wasm: Cksum = {
  acc: (p, len, acc) => w.in_cksum_acc(p, len, acc) >>> 0,
  cksum: (p, len) => w.in_cksum(p, len) >>> 0,
  hdr20: (p) => w.in_cksum_hdr20(p) >>> 0,
  update16: (c, o, n) => w.in_cksum_update16(c, o, n) >>> 0,
  update32: (c, o, n) => w.in_cksum_update32(c, o, n) >>> 0,
  pseudo4: (s, d, p, l) => w.in_pseudo4(s, d, p, l) >>> 0,
  pseudo6: (s, d, n, l) => w.in_pseudo6(s, d, n, l) >>> 0,
};
const ts: Cksum = {
  acc: (p, len, acc) => ck.in_cksum_acc(m, p, len, acc),
  cksum: (p, len) => ck.in_cksum(m, p, len),
  hdr20: (p) => ck.in_cksum_hdr20(m, p),
  update16: ck.in_cksum_update16,
  update32: ck.in_cksum_update32,
  pseudo4: ck.in_pseudo4,
  pseudo6: (s, d, n, l) => ck.in_pseudo6(m, s, d, n, l),
};
const engines: [string, Cksum][] = [
  ['wasm', wasm],
  ['ts', ts],
];

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex'));
}
function put(p: number, bytes: ArrayLike<number>): void {
  m.u8.set(bytes, p);
}
const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

// ---------------------------------------------------------------------------------------------
// Golden vectors

// RFC 1071 section 3, "Numerical Examples": bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
const RFC1071 = hex('00 01 f2 03 f4 f5 f6 f7');

// Wikipedia "IPv4 header checksum" worked example (and a common textbook one): checksum 0x442e.
const IP4_WIKI = hex('4500 0030 4422 4000 8006 442e 8c7c 19ac ae24 1e2b');

// AOSP platform/hardware/google/apf, apf_checksum_test.cc (CalcIPv4UDPChecksum): an mDNS response
// 192.168.1.3 -> 224.0.0.251, IPv4 header checksum 0x9535, UDP checksum 0xa73d (43-byte UDP: an odd
// trailing byte). Bytes below have both checksums filled in; they verify to 0.
const APF_IP4 = hex('4504 003f 43cd 4000 ff11 9535 c0a8 0103 e000 00fb');
const APF_UDP4 = hex(`14e9 14e9 002b a73d 0000 8400 0000 0001 0000 0000 0162 056c 6f63 616c 0000
  0180 0100 0000 7800 04c0 a801 09`);
// Same file (CalcIPv6UDPChecksum): the mDNS response over IPv6, UDP checksum 0x1cbd.
const APF_IP6 = hex(`6189 f46b 002b 11ff 240d 001a 03a6 c400 b75a b485 2810 ad6b
  ff02 0000 0000 0000 0000 0000 0000 00fb`);
const APF_UDP6 = hex(`14e9 14e9 002b 1cbd 0000 8400 0000 0001 0000 0000 0162 056c 6f63 616c 0000
  0180 0100 0000 7800 04c0 a801 09`);
// Same file (CalcICMPv6Checksum): a neighbor advertisement, ICMPv6 checksum 0x8a09.
const APF_IP6_NA = hex(`6180 0000 0018 3aff fe80 0000 0000 0000 1812 112c dc04 3511
  fe80 0000 0000 0000 0000 0000 0000 0001`);
const APF_ICMP6 = hex('8800 8a09 4000 0000 240d 001a 03a6 c400 fd3d 12b7 90b6 e9d2');

// uhi22/pyPLC udpChecksum.py, "a valid ethernet frame, containing IPv6 and UDP": a V2G SDP request
// fe80::665:65ff:fe00:64c3 -> ff02::1, UDP checksum 0x895e (Ethernet header left out).
const PLC_IP6 = hex(`6000 0000 0012 110a fe80 0000 0000 0000 0665 65ff fe00 64c3
  ff02 0000 0000 0000 0000 0000 0000 0001`);
const PLC_UDP6 = hex('ccaf 3b0e 0012 895e 01fe 9000 0000 0002 1000');

describe.each(engines)('in_cksum golden vectors (%s)', (_name, e) => {
  test('RFC 1071 numerical example: sum 0xddf2, checksum 0x220d, at every alignment', () => {
    for (let off = 0; off < 8; off++) {
      put(BUF + off, RFC1071);
      expect(e.acc(BUF + off, 8, 0)).toBe(0xddf2);
      expect(e.cksum(BUF + off, 8)).toBe(0x220d);
    }
  });

  test('RFC 1071: odd trailing byte is the high byte of a word', () => {
    put(BUF, hex('00 01 f2 03 f4 f5 f6'));
    // 0x0001 + 0xf203 + 0xf4f5 + 0xf600 = 0x2dcf9 -> 0xdcfb
    expect(e.acc(BUF, 7, 0)).toBe(0xdcfb);
    put(BUF + 1, hex('ab'));
    expect(e.acc(BUF + 1, 1, 0)).toBe(0xab00);
    expect(e.acc(BUF, 0, 0)).toBe(0);
    expect(e.cksum(BUF, 0)).toBe(0xffff);
    expect(e.acc(BUF, 0, 0x1234)).toBe(0x1234);
  });

  test('RFC 1624 section 4 example: eqn. 3 gives 0x0000 where eqn. 2 gave 0xffff', () => {
    // data 0xcd7a 0x5555: sum 0x22d0, checksum 0xdd2f; 0x5555 -> 0x3285: sum 0xffff, checksum 0x0000
    put(BUF, hex('cd7a 5555'));
    expect(e.cksum(BUF, 4)).toBe(0xdd2f);
    put(BUF, hex('cd7a 3285'));
    expect(e.cksum(BUF, 4)).toBe(0x0000);
    expect(e.update16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
    // the same change seen as a 32-bit field update
    expect(e.update32(0xdd2f, 0xcd7a5555, 0xcd7a3285)).toBe(0x0000);
    // RFC 1624 erratum 4782's case: an unchanged field leaves checksum 0x0000 alone
    expect(e.update16(0x0000, 0x5555, 0x5555)).toBe(0x0000);
  });

  test('IPv4 header with known checksum 0x442e: verifies to 0, recomputes, TTL decrement updates', () => {
    for (const off of [0, 1, 2, 3]) {
      const p = BUF + 64 + off;
      put(p, IP4_WIKI);
      expect(e.hdr20(p)).toBe(0);
      expect(e.cksum(p, 20)).toBe(0);
      st16be(m, p + 10, 0);
      expect(e.hdr20(p)).toBe(0x442e);
      expect(e.cksum(p, 20)).toBe(0x442e);
      // TTL 0x80 -> 0x7f: the TTL/protocol word changes 0x8006 -> 0x7f06
      const c = e.update16(0x442e, 0x8006, 0x7f06);
      put(p, IP4_WIKI);
      m.u8[p + 8] = 0x7f;
      st16be(m, p + 10, 0);
      expect(c).toBe(e.hdr20(p));
      st16be(m, p + 10, c);
      expect(e.hdr20(p)).toBe(0);
    }
  });

  test('UDP/IPv4 (AOSP APF mDNS): header 0x9535, UDP 0xa73d over an odd length', () => {
    put(BUF, APF_IP4);
    put(BUF + 20, APF_UDP4);
    expect(e.hdr20(BUF)).toBe(0);
    const ph = e.pseudo4(be32(APF_IP4, 12), be32(APF_IP4, 16), 17, APF_UDP4.length);
    expect(e.acc(BUF + 20, APF_UDP4.length, ph)).toBe(0xffff);
    st16be(m, BUF + 10, 0);
    st16be(m, BUF + 26, 0);
    expect(e.hdr20(BUF)).toBe(0x9535);
    expect(~e.acc(BUF + 20, APF_UDP4.length, ph) & 0xffff).toBe(0xa73d);
  });

  test('UDP/IPv6 with known checksums (AOSP APF 0x1cbd, pyPLC 0x895e)', () => {
    for (const [ip6, udp, want] of [
      [APF_IP6, APF_UDP6, 0x1cbd],
      [PLC_IP6, PLC_UDP6, 0x895e],
    ] as const) {
      for (const off of [0, 1]) {
        const p = BUF + 128 + off;
        put(p, ip6);
        put(p + 40, udp);
        const plen = ld16be(m, p + 4);
        expect(plen).toBe(udp.length);
        const ph = e.pseudo6(p + 8, p + 24, 17, plen);
        expect(~e.acc(p + 40, plen, ph) & 0xffff).toBe(0);
        st16be(m, p + 46, 0);
        expect(~e.acc(p + 40, plen, ph) & 0xffff).toBe(want);
      }
    }
  });

  test('ICMPv6 with known checksum (AOSP APF neighbor advertisement 0x8a09)', () => {
    put(BUF, APF_IP6_NA);
    put(BUF + 40, APF_ICMP6);
    const ph = e.pseudo6(BUF + 8, BUF + 24, 58, APF_ICMP6.length);
    expect(~e.acc(BUF + 40, APF_ICMP6.length, ph) & 0xffff).toBe(0);
    st16be(m, BUF + 42, 0);
    expect(~e.acc(BUF + 40, APF_ICMP6.length, ph) & 0xffff).toBe(0x8a09);
  });

  test('long buffers across the SIMD widening interval (all 0xff words: worst-case lane growth)', () => {
    m.u8.fill(0xff, BIG, BIG + BIG_MAX);
    for (const len of [BIG_MAX, BIG_MAX - 1, 16384 * 32 + 31, 16384 * 32 + 32, 65535, 65536]) {
      // 0xffff words are ones'-complement zero; an odd length adds a last word 0xff00
      expect(e.acc(BIG, len, 0)).toBe(len & 1 ? 0xff00 : 0xffff);
      expect(e.cksum(BIG, len)).toBe(len & 1 ? 0x00ff : 0);
    }
    m.u8.fill(0, BIG, BIG + BIG_MAX);
    expect(e.acc(BIG + 3, BIG_MAX - 3, 0)).toBe(0);
    expect(e.cksum(BIG + 3, BIG_MAX - 3)).toBe(0xffff);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential properties: WASM == TS

const buffer = fc.uint8Array({ minLength: 0, maxLength: 2000 });
const offset = fc.integer({ min: 0, max: 15 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('in_cksum: WASM and TS agree', () => {
  test('in_cksum_acc / in_cksum over random buffers, alignments, lengths 0..2000 and accumulators', () => {
    fc.assert(
      fc.property(buffer, offset, u16, (b, off, acc) => {
        const p = BUF + off;
        put(p, b);
        const a = wasm.acc(p, b.length, acc);
        expect(a).toBe(ts.acc(p, b.length, acc));
        expect(wasm.cksum(p, b.length)).toBe(ts.cksum(p, b.length));
        expect(wasm.cksum(p, b.length)).toBe(~wasm.acc(p, b.length, 0) & 0xffff);
        // the folded sum is unique: 0 only when every word and acc are 0
        expect(a === 0).toBe(acc === 0 && b.every((x) => x === 0));
      }),
      { numRuns: 500 },
    );
  });

  test('sparse buffers (mostly zero, a few 0xff) hit the fold corner cases', () => {
    const sparse = fc.array(fc.constantFrom(0, 0, 0, 0xff, 0xff, 1), { maxLength: 300 });
    fc.assert(
      fc.property(sparse, offset, fc.constantFrom(0, 1, 0xfffe, 0xffff), (b, off, acc) => {
        const p = BUF + off;
        put(p, b);
        expect(wasm.acc(p, b.length, acc)).toBe(ts.acc(p, b.length, acc));
      }),
      { numRuns: 300 },
    );
  });

  test('chaining: the sum of an even-length prefix continues into the rest', () => {
    fc.assert(
      fc.property(buffer, offset, fc.nat(), (b, off, cut) => {
        const p = BUF + off;
        put(p, b);
        const k = b.length === 0 ? 0 : (cut % (b.length + 1)) & ~1;
        for (const e of [wasm, ts]) {
          expect(e.acc(p + k, b.length - k, e.acc(p, k, 0))).toBe(e.acc(p, b.length, 0));
        }
      }),
    );
  });

  test('in_cksum_hdr20 equals in_cksum(p, 20) at any alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), offset, (b, off) => {
        const p = BUF + off;
        put(p, b);
        const want = ts.cksum(p, 20);
        expect(wasm.hdr20(p)).toBe(want);
        expect(ts.hdr20(p)).toBe(want);
        expect(wasm.cksum(p, 20)).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  test('a buffer holding its own correct checksum verifies to 0', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 2000 }), offset, fc.nat(), (b, off, at) => {
        const p = BUF + off;
        put(p, b);
        const f = (at % (b.length >> 1)) * 2; // an even offset: a 16-bit field of the packet
        for (const e of [wasm, ts]) {
          st16be(m, p + f, 0);
          st16be(m, p + f, e.cksum(p, b.length));
          expect(e.cksum(p, b.length)).toBe(0);
          expect(wasm.cksum(p, b.length)).toBe(0);
          expect(ts.cksum(p, b.length)).toBe(0);
        }
      }),
    );
  });

  test('update16 / update32 / pseudo4 agree on arbitrary inputs', () => {
    fc.assert(
      fc.property(u16, u16, u16, u32, u32, (c, o, n, a, b) => {
        expect(wasm.update16(c, o, n)).toBe(ts.update16(c, o, n));
        expect(wasm.update32(c, a, b)).toBe(ts.update32(c, a, b));
        expect(wasm.pseudo4(a, b, o, n)).toBe(ts.pseudo4(a, b, o, n));
      }),
      { numRuns: 1000 },
    );
    for (const c of [0, 1, 0xfffe, 0xffff]) {
      for (const v of [0, 1, 0xfffe, 0xffff]) {
        for (const x of [0, 1, 0xfffe, 0xffff]) {
          expect(wasm.update16(c, v, x)).toBe(ts.update16(c, v, x));
          expect(wasm.update32(c, v * 0x10001, x * 0x10001)).toBe(ts.update32(c, v * 0x10001, x * 0x10001));
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Incremental update = recomputation, on random IPv4 headers (version/IHL word fixed at 0x45xx,
// so the data is never all zero: the one case where RFC 1624 eqn. 3 and recomputation differ).

const header = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((h) => {
  h[0] = 0x45;
  return h;
});

describe.each(engines)('incremental update equals recomputation (%s)', (_name, e) => {
  test('random 16-bit field changes', () => {
    fc.assert(
      fc.property(header, fc.constantFrom(2, 4, 6, 8, 12, 14, 16, 18), u16, offset, (h, f, v, off) => {
        const p = BUF + off;
        put(p, h);
        st16be(m, p + 10, 0);
        const c0 = e.hdr20(p);
        st16be(m, p + 10, c0);
        const old = ld16be(m, p + f);
        st16be(m, p + f, v);
        const c1 = e.update16(c0, old, v);
        st16be(m, p + 10, 0);
        expect(c1).toBe(e.hdr20(p));
        st16be(m, p + 10, c1);
        expect(e.hdr20(p)).toBe(0);
        expect(e.cksum(p, 20)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test('random 32-bit field changes (addresses, as NAT does)', () => {
    fc.assert(
      fc.property(header, fc.constantFrom(2, 4, 12, 14, 16), u32, offset, (h, f, v, off) => {
        const p = BUF + off;
        put(p, h);
        st16be(m, p + 10, 0);
        const c0 = e.hdr20(p);
        st16be(m, p + 10, c0);
        const old = m.dv.getUint32(p + f, false);
        m.dv.setUint32(p + f, v, false);
        const c1 = e.update32(c0, old, v);
        st16be(m, p + 10, 0);
        expect(c1).toBe(e.hdr20(p));
        st16be(m, p + 10, c1);
        expect(e.hdr20(p)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Pseudo-headers equal the sum of the materialised pseudo-header bytes

describe.each(engines)('pseudo-headers (%s)', (_name, e) => {
  test('in_pseudo4 = sum of src | dst | 0 proto | len', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 255 }), u16, (s, d, proto, len) => {
        m.dv.setUint32(PSEUDO, s, false);
        m.dv.setUint32(PSEUDO + 4, d, false);
        st16be(m, PSEUDO + 8, proto);
        st16be(m, PSEUDO + 10, len);
        expect(e.pseudo4(s, d, proto, len)).toBe(ts.acc(PSEUDO, 12, 0));
      }),
    );
  });

  test('in_pseudo6 = sum of src | dst | len32 | 0 0 0 nxt, addresses at any alignment', () => {
    const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(addr, addr, offset, offset, fc.integer({ min: 0, max: 255 }), u32, (a, b, oa, ob, nxt, len) => {
        put(SRC6 + oa, a);
        put(DST6 + ob, b);
        put(PSEUDO, a);
        put(PSEUDO + 16, b);
        m.dv.setUint32(PSEUDO + 32, len, false);
        m.dv.setUint32(PSEUDO + 36, nxt, false);
        expect(e.pseudo6(SRC6 + oa, DST6 + ob, nxt, len)).toBe(ts.acc(PSEUDO, 40, 0));
      }),
    );
  });
});
