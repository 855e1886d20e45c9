// TS twin of assembly/wire/cksum.ts: Internet checksum (RFC 1071), incremental update (RFC 1624) and
// the IPv4/IPv6 pseudo-headers, over the same linear memory. Same names, same results; `m` first.
//
// This side is the plain definition: add big-endian 16-bit words as JS numbers (exact below 2^53,
// i.e. for any buffer shorter than 2^37 bytes), then fold with end-around carry. The folded sum is
// unique (0 only for all-zero words, otherwise the one value in 1..0xffff congruent modulo 0xffff),
// so the AS version's little-endian SIMD accumulation must land on exactly the same number; the
// differential tests in cksum.test.ts hold it to that.
import type { Mem } from '../util/mem.js';

/** End-around-carry fold of a non-negative integer (< 2^53) to 16 bits; 0 only for 0. */
function ck_fold(s: number): number {
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/** Sum of the big-endian 16-bit words of [p, p+len) added to s, not folded. */
function ck_sum(m: Mem, p: number, len: number, s: number): number {
  const u8 = m.u8;
  const end = p + len - 1; // last index that starts a whole word is end - 1
  let i = p;
  for (; i < end; i += 2) s += (u8[i]! << 8) | u8[i + 1]!;
  if (len & 1) s += u8[p + len - 1]! << 8;
  return s;
}

/** Folded ones'-complement sum of [p, p+len) continuing acc (any u32, taken modulo 0xffff). Not complemented. */
export function in_cksum_acc(m: Mem, p: number, len: number, acc: number): number {
  return ck_fold(ck_sum(m, p, len, acc >>> 0));
}

/** Internet checksum of [p, p+len): ~sum & 0xffff. */
export function in_cksum(m: Mem, p: number, len: number): number {
  return ~ck_fold(ck_sum(m, p, len, 0)) & 0xffff;
}

/** in_cksum(m, p, 20): the option-less IPv4 header. */
export function in_cksum_hdr20(m: Mem, p: number): number {
  return ~ck_fold(ck_sum(m, p, 20, 0)) & 0xffff;
}

/** RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for one 16-bit field; arguments taken modulo 2^16. */
export function in_cksum_update16(ck: number, oldv: number, newv: number): number {
  return ~ck_fold((~ck & 0xffff) + (~oldv & 0xffff) + (newv & 0xffff)) & 0xffff;
}

/** RFC 1624 eqn. 3 for a 32-bit field; old32/new32 are its big-endian value as a u32 (ld32be). */
export function in_cksum_update32(ck: number, old32: number, new32: number): number {
  return ~ck_fold((~ck & 0xffff) + (~old32 >>> 0) + (new32 >>> 0)) & 0xffff;
}

/** Folded sum of the IPv4 pseudo-header: src/dst host-order u32 of the wire addresses, proto, len. */
export function in_pseudo4(src: number, dst: number, proto: number, len: number): number {
  return ck_fold((src >>> 0) + (dst >>> 0) + (proto >>> 0) + (len >>> 0));
}

/** Folded sum of the IPv6 pseudo-header: 16-byte wire-order addresses at srcPtr/dstPtr, nxt, 32-bit len. */
export function in_pseudo6(m: Mem, srcPtr: number, dstPtr: number, nxt: number, len: number): number {
  return ck_fold(ck_sum(m, srcPtr, 16, ck_sum(m, dstPtr, 16, (nxt >>> 0) + (len >>> 0))));
}
