// TS twin of assembly/fib/fib6.ts (compiled IPv6 FIB, reader side). Same layout, same answers.
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
} from '../../../assembly/layout/fib6.js';
import { type Mem, ld32, ld32be } from '../util/mem.js';
import { rt_lookup6 } from './radix.js';

/** Slot index hash of a chunk (k0, k1: its top 64 bits, masked; len 17..64), as u32. */
export function fib6_hash(k0: number, k1: number, len: number): number {
  let h = Math.imul(k0 ^ Math.imul(k1, 0x9e3779b1) ^ Math.imul(len, 0x85ebca77), 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 13)) >>> 0;
}

/** The slot a probe for hash h starts at: the high half of h * slots, exact in doubles (two 16-bit halves of h). */
export function fib6_slot(h: number, slots: number): number {
  return Math.floor(((h >>> 16) * slots + Math.floor(((h & 0xffff) * slots) / 65536)) / 65536);
}

export function fib6_lookup(m: Mem, f: number, addrPtr: number): number {
  const u32 = m.u32;
  const a0 = ld32be(m, addrPtr);
  const a1 = ld32be(m, addrPtr + 4);
  let v = Atomics.load(u32, (ld32(m, f + F6_TBL16) >>> 2) + (a0 >>> 16));
  let next = v >>> 24;
  if (next === 0) return v;
  const tab = ld32(m, f + F6_HASH);
  const slots = ld32(m, f + F6_SLOTS);
  while (next !== 0) {
    if (next === F6_RADIX) return rt_lookup6(m, ld32(m, f + F6_RT), addrPtr);
    const k0 = next >= 32 ? a0 : (a0 & (0xffffffff << (32 - next))) >>> 0;
    const k1 = next <= 32 ? 0 : next >= 64 ? a1 : (a1 & (0xffffffff << (64 - next))) >>> 0;
    let i = fib6_slot(fib6_hash(k0, k1, next), slots);
    let hit = false;
    for (;;) {
      const w = (tab >>> 2) + i * 4;
      const t = Atomics.load(u32, w + (F6E_TAG >>> 2));
      if (t === 0) break;
      if (t === next && u32[w + (F6E_K0 >>> 2)] === k0 && u32[w + (F6E_K1 >>> 2)] === k1) {
        v = Atomics.load(u32, w + (F6E_VAL >>> 2));
        hit = true;
        break;
      }
      i = i + 1 === slots ? 0 : i + 1;
    }
    if (!hit) break;
    next = v >>> 24;
  }
  return (v & F6_NH_MASK) >>> 0;
}

export function fib6_lookup_batch(m: Mem, f: number, addrs: number, out: number, n: number): void {
  for (let i = 0; i < n; i++) m.dv.setUint32(out + i * 4, fib6_lookup(m, f, addrs + i * 16), true);
}
