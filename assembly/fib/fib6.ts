// Compiled IPv6 FIB, reader side: a leaf-pushed, path-compressed trie of chunks in one hash table.
// Layout and protocols: assembly/layout/fib6.ts (F6_*). The writer is the control plane's
// (ts/stack/fib6-writer.ts). TS twin: ts/kernels/fib/fib6.ts.
//
// Why this shape: an IPv6 table is mostly /48 and /32 routes spread over a 64-bit space, too sparse
// for a direct array past the first 16 bits and too wide for fixed-stride expansion (a /36 would
// become 4,096 /48 entries). Hashing each chunk at its exact length keeps one entry per chunk, and
// the tbl16 word plus one probe per nesting level answers a /48 under a /32 in three reads.
import {
  F6_TBL16,
  F6_HASH,
  F6_SLOTS,
  F6_RT,
  F6E_TAG,
  F6E_VAL,
  F6E_K0,
  F6E_K1,
  F6_RADIX,
  F6_NH_MASK,
} from '../layout/fib6';
import { ld32, ld32be } from '../util/mem';
import { rt_lookup6 } from './radix';

/** Slot index hash of a chunk (k0, k1: its top 64 bits, masked; len 17..64). Same in the TS twin. */
@inline export function fib6_hash(k0: u32, k1: u32, len: u32): u32 {
  let h = (k0 ^ (k1 * 0x9e3779b1) ^ (len * 0x85ebca77)) * 0xc2b2ae3d;
  h ^= h >>> 15;
  h *= 0x27d4eb2f;
  return h ^ (h >>> 13);
}

/**
 * The slot a probe for hash h starts at, in a table of any size: the high half of h * slots
 * (Lemire's multiply-shift range reduction), so the table need not be a power of two and can be
 * sized to its routes. Same in the TS twin.
 */
@inline export function fib6_slot(h: u32, slots: u32): u32 {
  return <u32>((<u64>h * <u64>slots) >> 32);
}

/** Longest-prefix match for the 16-byte wire-order address at addrPtr: the nexthop id, 0 = none. Lock-free. */
export function fib6_lookup(f: usize, addrPtr: usize): u32 {
  const a0 = ld32be(addrPtr);
  const a1 = ld32be(addrPtr + 4);
  let v = atomic.load<u32>(<usize>ld32(f + F6_TBL16) + ((<usize>(a0 >>> 16)) << 2));
  let next = v >>> 24;
  if (next == 0) return v;
  const tab = <usize>ld32(f + F6_HASH);
  const slots = ld32(f + F6_SLOTS);
  while (next != 0) {
    if (next == F6_RADIX) return rt_lookup6(<usize>ld32(f + F6_RT), addrPtr);
    const k0 = next >= 32 ? a0 : a0 & ((<u32>0xffffffff) << (32 - next));
    const k1 = next <= 32 ? 0 : next >= 64 ? a1 : a1 & ((<u32>0xffffffff) << (64 - next));
    let i = fib6_slot(fib6_hash(k0, k1, next), slots);
    let hit = false;
    while (true) {
      const p = tab + ((<usize>i) << 4);
      const t = atomic.load<u32>(p + F6E_TAG);
      if (t == 0) break;
      if (t == next && load<u32>(p + F6E_K0) == k0 && load<u32>(p + F6E_K1) == k1) {
        v = atomic.load<u32>(p + F6E_VAL);
        hit = true;
        break;
      }
      i = i + 1 == slots ? 0 : i + 1;
    }
    if (!hit) break;
    next = v >>> 24;
  }
  return v & F6_NH_MASK;
}

/** Batched: addrs are 16-byte wire-order addresses, results u32. */
export function fib6_lookup_batch(f: usize, addrs: usize, out: usize, n: u32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<u32>(out + (i << 2), fib6_lookup(f, addrs + (i << 4)));
}
