// Compiled IPv6 FIB, reader side: a leaf-pushed, path-compressed trie of chunks in one hash table.
// Layout and protocols: assembly/layout/fib6.ts (F6_*). The writer is the control plane's
// (ts/stack/fib6-writer.ts). TS twin: ts/kernels/fib/fib6.ts.
//
// Why this shape: an IPv6 table is mostly /48 and /32 routes spread over a 64-bit space, too sparse
// for a direct array past the first 16 bits and too wide for fixed-stride expansion (a /36 would
// become 4,096 /48 entries). Hashing each chunk at its exact length keeps one entry per chunk, and
// the tbl16 word plus one probe per nesting level answers a /48 under a /32 in three reads; a chunk
// holding a single route stores it whole (a route slot), so a /48 alone in a /29 chunk takes two.
import {
  F6_TBL16,
  F6_HASH,
  F6_SLOTS,
  F6_RT,
  F6_F24,
  F6E_TAG,
  F6E_VAL,
  F6E_K0,
  F6_RADIX,
  F6_NH_MASK,
  F6_LEN_MASK,
  F6_ROUTE_SHIFT,
} from '../layout/fib6';
import { ld32 } from '../util/mem';
import { rt_lookup6 } from './radix';

/**
 * Slot index hash of a chunk (k: its top 64 bits, masked, word 0 high; len 17..64): the high half of
 * (k ^ len) * K mod 2^64, one multiply (its high bits depend on every key bit, and fib6_slot keeps
 * only high bits); K's low word is the golden ratio, so /32 keys spread as Fibonacci hashing does.
 * Same in the TS twin (three 32-bit products).
 */
@inline function fib6_hash64(k: u64, len: u32): u32 {
  return <u32>(((k ^ <u64>len) * (((<u64>0x7f4a7c15) << 32) | 0x9e3779b9)) >>> 32);
}

/** fib6_hash64 of the key words k0 (high) and k1: the twins' shared form (the writer's, in TS). */
@inline export function fib6_hash(k0: u32, k1: u32, len: u32): u32 {
  return fib6_hash64(((<u64>k0) << 32) | k1, len);
}

/**
 * The slot a probe for hash h starts at, in a table of any size: the high half of h * slots
 * (Lemire's multiply-shift range reduction), so the table need not be a power of two and can be
 * sized to its routes. Same in the TS twin.
 */
@inline export function fib6_slot(h: u32, slots: u32): u32 {
  return <u32>((<u64>h * <u64>slots) >> 32);
}

/**
 * The top 64 bits of the wire-order address at p as one host-order u64 (word 0 high): one 8-byte
 * load and one byte shuffle instead of two 32-bit byte swaps, since every level masks and hashes them.
 */
@inline function fib6_addr(p: usize): u64 {
  const x = v128.load64_zero(p);
  return i64x2.extract_lane(i8x16.shuffle(x, x, 7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15), 0);
}

/** The mask of the first len bits of a 64-bit key (len 1..64): the TS twin's fib6_k0/fib6_k1 as one u64, without branches. */
@inline function fib6_mask(len: u32): u64 {
  return (<u64>-1) << (<u64>(64 - len));
}

/** Slot index of the chunk of len bits (17..64) holding the 64 address bits a: fib6_hash of its key. */
@inline function fib6_first(a: u64, len: u32, slots: u32): u32 {
  const k = a & fib6_mask(len);
  return fib6_slot(fib6_hash64(k, len), slots);
}

/**
 * One level down: v is an entry with next in 17..64; returns the entry of the chunk of that length
 * holding address a (top 64 bits), or v's nexthop id (next 0) when that chunk is absent. A route
 * slot (layout/fib6.ts) answers its route's nexthop id if the address is inside the route, else
 * v's. Keys compare as one u64: the slot's words (k0 at the lower address) rotated to k0:k1.
 */
@inline function fib6_step(tab: usize, slots: u32, a: u64, v: u32): u32 {
  const next = v >>> 24;
  const mask = fib6_mask(next);
  let i = fib6_first(a, next, slots);
  while (true) {
    const p = tab + ((<usize>i) << 4);
    const t = atomic.load<u32>(p + F6E_TAG);
    if (t == 0) return v & F6_NH_MASK;
    if ((t & F6_LEN_MASK) == next) {
      const d = rotr<u64>(load<u64>(p + F6E_K0), 32) ^ a; // F6E_K1 == F6E_K0 + 4
      if ((d & mask) == 0) {
        const w = atomic.load<u32>(p + F6E_VAL);
        const r = t >>> F6_ROUTE_SHIFT;
        if (r == 0) return w;
        return (d & fib6_mask(r)) == 0 ? w : v & F6_NH_MASK;
      }
    }
    i = i + 1 == slots ? 0 : i + 1;
  }
}

/**
 * The /24 bitmap's bit for address word a0 (bm: the bitmap, 0 = none: 1): clear when no route
 * longer than /16 overlaps that /24, so the tbl16 word answers. Same in the TS twin.
 */
@inline function fib6_bit24(bm: usize, a0: u32): u32 {
  return bm == 0 ? 1 : (atomic.load<u32>(bm + ((<usize>(a0 >>> 13)) << 2)) >>> ((a0 >>> 8) & 31)) & 1;
}

/** Longest-prefix match for the 16-byte wire-order address at addrPtr: the nexthop id, 0 = none. Lock-free. */
export function fib6_lookup(f: usize, addrPtr: usize): u32 {
  const a = fib6_addr(addrPtr);
  const a0 = <u32>(a >>> 32);
  let v = atomic.load<u32>(<usize>ld32(f + F6_TBL16) + ((<usize>(a0 >>> 16)) << 2));
  if (v >>> 24 == 0) return v;
  if (fib6_bit24(<usize>ld32(f + F6_F24), a0) == 0) return v & F6_NH_MASK;
  const tab = <usize>ld32(f + F6_HASH);
  const slots = ld32(f + F6_SLOTS);
  while (v >>> 24 != 0) {
    if (v >>> 24 == F6_RADIX) return rt_lookup6(<usize>ld32(f + F6_RT), addrPtr);
    v = fib6_step(tab, slots, a, v);
  }
  return v;
}

/**
 * Batched: addrs are 16-byte wire-order addresses, results u32; the same answers as fib6_lookup.
 * A lookup is a chain of dependent misses (tbl16, then a random slot of a hash far larger than the
 * caches, one per level; on this VM mostly TLB misses), so the batch goes level by level over
 * groups of 32 lookups, each group's pending ones a bit mask (the tbl16 pass reads every lookup's
 * /24 bit too, settling most of a sparse table's space there): a first pass loads the tag of every
 * pending lookup's first slot, loads that nothing waits for but a bit (empty: the chunk is
 * absent), so the CPU overlaps their misses (WebAssembly has no prefetch); a second pass settles
 * the empty ones and runs the other probes over lines now in cache. out[i] holds lookup i's entry
 * meanwhile. Per lookup the loads are fib6_lookup's in its order, the first tag read once more
 * when the slot was not empty, so a racing writer leaves it the old answer or the new one.
 */
export function fib6_lookup_batch(f: usize, addrs: usize, out: usize, n: u32): void {
  const tbl = <usize>ld32(f + F6_TBL16);
  const tab = <usize>ld32(f + F6_HASH);
  const slots = ld32(f + F6_SLOTS);
  const bm = <usize>ld32(f + F6_F24);
  for (let g: u32 = 0; g < n; g += 32) {
    const cnt = min<u32>(32, n - g);
    const o = out + ((<usize>g) << 2);
    const a = addrs + ((<usize>g) << 4);
    let level: u32 = 0; // lookups with a chunk to probe next (or the radix tree)
    for (let j: u32 = 0; j < cnt; j++) {
      const a0 = <u32>(fib6_addr(a + ((<usize>j) << 4)) >>> 32);
      let v = atomic.load<u32>(tbl + ((<usize>(a0 >>> 16)) << 2));
      v = select<u32>(v & F6_NH_MASK, v, fib6_bit24(bm, a0) == 0); // no route past /16 in its /24: settled
      store<u32>(o + ((<usize>j) << 2), v);
      level |= (<u32>(v >>> 24 != 0)) << j;
    }
    let radix: u32 = 0;
    while (level != 0) {
      // first slots: one tag load per pending lookup and nothing that waits for it but a bit, so
      // the loads' misses overlap
      let empty: u32 = 0;
      for (let m = level; m != 0; m &= m - 1) {
        const j = ctz(m);
        const next = load<u32>(o + ((<usize>j) << 2)) >>> 24;
        if (next == F6_RADIX) continue;
        const sp = tab + ((<usize>fib6_first(fib6_addr(a + ((<usize>j) << 4)), next, slots)) << 4);
        empty |= (<u32>(atomic.load<u32>(sp + F6E_TAG) == 0)) << j;
      }
      let deeper: u32 = 0; // found a chunk with longer routes inside
      for (let m = level; m != 0; m &= m - 1) {
        const j = ctz(m);
        const q = o + ((<usize>j) << 2);
        const v = load<u32>(q);
        if (v >>> 24 == F6_RADIX) {
          radix |= (<u32>1) << j;
          continue;
        }
        if ((empty >>> j) & 1) {
          store<u32>(q, v & F6_NH_MASK); // the chunk is absent
          continue;
        }
        const w = fib6_step(tab, slots, fib6_addr(a + ((<usize>j) << 4)), v);
        store<u32>(q, w);
        deeper |= (<u32>(w >>> 24 != 0)) << j;
      }
      level = deeper;
    }
    for (let m = radix; m != 0; m &= m - 1) {
      const j = ctz(m);
      store<u32>(o + ((<usize>j) << 2), rt_lookup6(<usize>ld32(f + F6_RT), a + ((<usize>j) << 4)));
    }
  }
}
