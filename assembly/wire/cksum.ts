// Internet checksum (RFC 1071) with incremental update (RFC 1624) and the IPv4/IPv6 pseudo-headers
// (RFC 768, RFC 9293 3.1, RFC 8200 8.1). The TS twin is ts/kernels/wire/cksum.ts.
//
// Vocabulary
// - "sum": the ones'-complement sum of big-endian 16-bit words, FOLDED to 16 bits and NOT complemented.
//   Folding with end-around carry never turns a non-zero total into 0, so the folded sum is unique:
//   0 exactly when every word is 0, otherwise the one value in 1..0xffff congruent to the total modulo
//   0xffff. That uniqueness is what lets this fast version and the simple TS twin agree bit for bit.
// - "checksum": ~sum & 0xffff, the value stored in a header field.
// - A chain: in_cksum_acc(b, lb, in_cksum_acc(a, la, 0)) sums a then b, provided la is even
//   (an odd la would shift every byte of b by one position). Pseudo-header sums chain the same way.
//
// Why this is fast (and why it looks wrong but is right)
// - RFC 1071 2(B): the sum is byte-order independent. WebAssembly loads are little-endian, so we add
//   little-endian words ("LE domain") and convert the folded result once at the end. Swapping the
//   two bytes of a 16-bit value is multiplying it by 2^8 modulo 0xffff, and 0xffff divides 2^32 - 1,
//   so a single 32-bit rotate by 8 does the conversion in both directions (2^8 * 2^8 = 2^16 = 1).
// - An odd trailing byte is the high byte of a big-endian word, i.e. the low byte of an LE word:
//   it is added as is. It always sits at an even offset from p, so alignment never matters; loads
//   are unaligned when p is, which WebAssembly allows.
// - Long buffers go through SIMD: i32x4.extadd_pairwise_i16x8_u adds eight LE words into four u32
//   lanes per 16 bytes; lanes are widened into the u64 total often enough never to overflow.
// - fold: x + rotr(x, half) puts hi + lo + (carry out of lo + hi) in the upper half: the
//   end-around-carry sum in three instructions.
//
// No allocation; every function is safe to call from any number of threads on shared memory
// (they only read the bytes they are given). Callers guarantee [p, p+len) lies inside memory.

// 32-byte SIMD blocks summed into u32 lanes before widening: each block adds at most 0x1fffe to a
// lane, 16384 * 0x1fffe < 2^31.
const CK_BLOCKS_PER_WIDEN: usize = 16384;

/** End-around-carry fold of a u64 to a u32 congruent modulo 2^32 - 1 (and so modulo 0xffff); 0 only for 0. */
@inline function ck_fold64(s: u64): u32 {
  return <u32>((s + rotr<u64>(s, 32)) >> 32);
}

/** End-around-carry fold of a u32 to 16 bits; 0 only for 0. */
@inline function ck_fold32(x: u32): u32 {
  return (x + rotr<u32>(x, 16)) >> 16;
}

/** LE-domain u64 total -> big-endian folded 16-bit sum (the byte swap is the rotate by 8). */
@inline function ck_finish(s: u64): u32 {
  return ck_fold32(rotl<u32>(ck_fold64(s), 8));
}

/** Adds the little-endian 16-bit words of [p, p+len) to the LE-domain total s. */
@inline function ck_sum_le(p: usize, len: u32, s: u64): u64 {
  let n = <usize>len;
  while (n >= 32) {
    let blocks = n >> 5;
    if (blocks > CK_BLOCKS_PER_WIDEN) blocks = CK_BLOCKS_PER_WIDEN;
    n -= blocks << 5;
    let va = i32x4.splat(0);
    let vb = i32x4.splat(0);
    do {
      va = i32x4.add(va, i32x4.extadd_pairwise_i16x8_u(v128.load(p)));
      vb = i32x4.add(vb, i32x4.extadd_pairwise_i16x8_u(v128.load(p, 16)));
      p += 32;
    } while (--blocks);
    const w = i64x2.add(
      i64x2.add(i64x2.extend_low_i32x4_u(va), i64x2.extend_high_i32x4_u(va)),
      i64x2.add(i64x2.extend_low_i32x4_u(vb), i64x2.extend_high_i32x4_u(vb)),
    );
    s += <u64>i64x2.extract_lane(w, 0) + <u64>i64x2.extract_lane(w, 1);
  }
  while (n >= 8) {
    const x = load<u64>(p);
    s += (x & 0xffffffff) + (x >> 32);
    p += 8;
    n -= 8;
  }
  if (n & 4) {
    s += <u64>load<u32>(p);
    p += 4;
  }
  if (n & 2) {
    s += <u64>load<u16>(p);
    p += 2;
  }
  if (n & 1) {
    s += <u64>load<u8>(p);
  }
  return s;
}

/**
 * Folded ones'-complement sum of the big-endian 16-bit words of [p, p+len), continuing acc.
 * acc: a previous folded sum (0 to start); any u32 is accepted and taken modulo 0xffff.
 * Returns the folded, NOT complemented, sum (0..0xffff; 0 only when acc and every word are 0).
 * p may have any alignment; len any length (an odd last byte is the high byte of a word).
 */
export function in_cksum_acc(p: usize, len: u32, acc: u32): u32 {
  return ck_finish(ck_sum_le(p, len, <u64>rotl<u32>(acc, 8)));
}

/** Internet checksum of [p, p+len): ~sum & 0xffff. A buffer holding its own correct checksum gives 0. */
export function in_cksum(p: usize, len: u32): u32 {
  return ~ck_finish(ck_sum_le(p, len, 0)) & 0xffff;
}

/**
 * in_cksum(p, 20), for the option-less IPv4 header: five loads, four adds, two folds.
 * Verify a received header with `in_cksum_hdr20(ip) == 0`; fill one by zeroing the field and storing
 * the result with st16be at offset 10.
 */
export function in_cksum_hdr20(p: usize): u32 {
  const s =
    <u64>load<u32>(p) + <u64>load<u32>(p, 4) + <u64>load<u32>(p, 8) + <u64>load<u32>(p, 12) + <u64>load<u32>(p, 16);
  return ~ck_finish(s) & 0xffff;
}

/**
 * RFC 1624 eqn. 3: the checksum after one 16-bit field changes from oldv to newv,
 * HC' = ~(~HC + ~m + m'). ck, oldv, newv are taken modulo 2^16 (big-endian field values).
 * Unlike eqn. 2 (RFC 1141) it never yields 0xffff where recomputation gives 0x0000 (the RFC's
 * 0xdd2f / 0x5555 -> 0x3285 example). It agrees with recomputation whenever the new data is not all
 * zero (always true of an IP header: its version field is not zero). An unchanged field with ck = 0
 * stays 0 (our folded adds never produce the all-zero "+0" from non-zero terms).
 */
export function in_cksum_update16(ck: u32, oldv: u32, newv: u32): u32 {
  return ~ck_fold32((~ck & 0xffff) + (~oldv & 0xffff) + (newv & 0xffff)) & 0xffff;
}

/**
 * RFC 1624 eqn. 3 for a 32-bit field (an IPv4 address: NAT, or both words of any aligned pair):
 * old32/new32 are the field's big-endian value read as a u32 (ld32be). Same corner cases as
 * in_cksum_update16.
 */
export function in_cksum_update32(ck: u32, old32: u32, new32: u32): u32 {
  const s = <u64>(~ck & 0xffff) + <u64>~old32 + <u64>new32;
  return ~ck_fold32(ck_fold64(s)) & 0xffff;
}

/**
 * Folded sum of the IPv4 pseudo-header (RFC 768 / RFC 9293 3.1): src, dst as host-order u32 values
 * of the wire addresses (ld32be), proto the protocol number, len the upper-layer length.
 * Chain it: `~in_cksum_acc(l4, len, in_pseudo4(src, dst, IPPROTO_UDP, len)) & 0xffff`
 * (for UDP, a result of 0 is sent as 0xffff: the caller's job).
 */
export function in_pseudo4(src: u32, dst: u32, proto: u32, len: u32): u32 {
  return ck_fold32(ck_fold64(<u64>src + <u64>dst + <u64>proto + <u64>len));
}

/**
 * Folded sum of the IPv6 pseudo-header (RFC 8200 8.1), for UDP, TCP and ICMPv6 (RFC 4443 2.3):
 * srcPtr, dstPtr point at 16-byte addresses in wire order (any alignment); nxt is the upper-layer
 * protocol, len the 32-bit upper-layer packet length. Chains like in_pseudo4.
 */
export function in_pseudo6(srcPtr: usize, dstPtr: usize, nxt: u32, len: u32): u32 {
  let s = <u64>load<u32>(srcPtr) + <u64>load<u32>(srcPtr, 4) + <u64>load<u32>(srcPtr, 8) + <u64>load<u32>(srcPtr, 12);
  s += <u64>load<u32>(dstPtr) + <u64>load<u32>(dstPtr, 4) + <u64>load<u32>(dstPtr, 8) + <u64>load<u32>(dstPtr, 12);
  // nxt and len are host values (big-endian domain): rotate them into the LE domain.
  s += <u64>rotl<u32>(nxt, 8) + <u64>rotl<u32>(len, 8);
  return ck_finish(s);
}
