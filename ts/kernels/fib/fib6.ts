// TS twin of assembly/fib/fib6.ts (compiled IPv6 FIB, reader side). Same layout, same answers.
import {
  F6_TBL16,
  F6_HASH,
  F6_SLOTS,
  F6_RT,
  F6_F24,
  F6E_TAG,
  F6E_VAL,
  F6E_K0,
  F6E_K1,
  F6_RADIX,
  F6_NH_MASK,
  F6_LEN_MASK,
  F6_ROUTE_SHIFT,
} from '../../../assembly/layout/fib6.js';
import { type Mem, ld32, ld32be, st32 } from '../util/mem.js';
import { rt_lookup6 } from './radix.js';

/** The high 32 bits of the 64-bit product of u32 a and b, from 16-bit halves (each partial sum < 2^32). */
function mulhi32(a: number, b: number): number {
  const ah = a >>> 16;
  const al = a & 0xffff;
  const bh = b >>> 16;
  const bl = b & 0xffff;
  const m1 = ah * bl + ((al * bl) >>> 16);
  const m2 = al * bh + (m1 & 0xffff);
  return ah * bh + (m1 >>> 16) + (m2 >>> 16);
}

/**
 * Slot index hash of a chunk (k0, k1: its top 64 bits, masked; len 17..64), as u32: the high word of
 * (k0:k1 ^ len) * 0x7f4a7c159e3779b9 mod 2^64, as the WASM kernel's one u64 multiply.
 */
export function fib6_hash(k0: number, k1: number, len: number): number {
  const x = (k1 ^ len) >>> 0;
  return (mulhi32(x, 0x9e3779b9) + Math.imul(x, 0x7f4a7c15) + Math.imul(k0, 0x9e3779b9)) >>> 0;
}

/** The slot a probe for hash h starts at: the high half of h * slots, exact in doubles (two 16-bit halves of h). */
export function fib6_slot(h: number, slots: number): number {
  return Math.floor(((h >>> 16) * slots + Math.floor(((h & 0xffff) * slots) / 65536)) / 65536);
}

/** The first len bits of address word a0 (len 17..64): chunk key word 0. */
function fib6_k0(a0: number, len: number): number {
  return len >= 32 ? a0 : (a0 & (0xffffffff << (32 - len))) >>> 0;
}

/** Chunk key word 1 of address word a1 for a chunk of len bits (17..64). */
function fib6_k1(a1: number, len: number): number {
  return len <= 32 ? 0 : len >= 64 ? a1 : (a1 & (0xffffffff << (64 - len))) >>> 0;
}

/**
 * One level down from entry v (next 17..64): the entry of the chunk holding a0:a1, or v's nexthop
 * id when absent; a route slot answers its route's id if a0:a1 is inside the route, else v's.
 */
function fib6_step(u32: Uint32Array, tabw: number, slots: number, a0: number, a1: number, v: number): number {
  const next = v >>> 24;
  const k0 = fib6_k0(a0, next);
  const k1 = fib6_k1(a1, next);
  let i = fib6_slot(fib6_hash(k0, k1, next), slots);
  for (;;) {
    const w = tabw + i * 4;
    const t = Atomics.load(u32, w + (F6E_TAG >>> 2));
    if (t === 0) return (v & F6_NH_MASK) >>> 0;
    if ((t & F6_LEN_MASK) === next) {
      const s0 = u32[w + (F6E_K0 >>> 2)]!;
      const s1 = u32[w + (F6E_K1 >>> 2)]!;
      if (fib6_k0(s0, next) === k0 && fib6_k1(s1, next) === k1) {
        const x = Atomics.load(u32, w + (F6E_VAL >>> 2));
        const r = t >>> F6_ROUTE_SHIFT;
        if (r === 0) return x;
        return (fib6_k0((a0 ^ s0) >>> 0, r) | fib6_k1((a1 ^ s1) >>> 0, r)) === 0 ? x : (v & F6_NH_MASK) >>> 0;
      }
    }
    i = i + 1 === slots ? 0 : i + 1;
  }
}

/** The /24 bitmap's bit for address word a0 (bmw: the bitmap's word index, 0 = none: 1). */
function fib6_bit24(u32: Uint32Array, bmw: number, a0: number): number {
  return bmw === 0 ? 1 : (Atomics.load(u32, bmw + (a0 >>> 13)) >>> ((a0 >>> 8) & 31)) & 1;
}

export function fib6_lookup(m: Mem, f: number, addrPtr: number): number {
  const u32 = m.u32;
  const a0 = ld32be(m, addrPtr);
  const a1 = ld32be(m, addrPtr + 4);
  let v = Atomics.load(u32, (ld32(m, f + F6_TBL16) >>> 2) + (a0 >>> 16));
  if (v >>> 24 === 0) return v;
  if (fib6_bit24(u32, ld32(m, f + F6_F24) >>> 2, a0) === 0) return (v & F6_NH_MASK) >>> 0;
  const tabw = ld32(m, f + F6_HASH) >>> 2;
  const slots = ld32(m, f + F6_SLOTS);
  while (v >>> 24 !== 0) {
    if (v >>> 24 === F6_RADIX) return rt_lookup6(m, ld32(m, f + F6_RT), addrPtr);
    v = fib6_step(u32, tabw, slots, a0, a1, v);
  }
  return v;
}

/** Batched, level by level over groups of 32 with bit masks, as the WASM kernel (same loads in the same order per lookup). */
export function fib6_lookup_batch(m: Mem, f: number, addrs: number, out: number, n: number): void {
  const u32 = m.u32;
  const tblw = ld32(m, f + F6_TBL16) >>> 2;
  const tabw = ld32(m, f + F6_HASH) >>> 2;
  const slots = ld32(m, f + F6_SLOTS);
  const bmw = ld32(m, f + F6_F24) >>> 2;
  const ctz = (x: number) => 31 - Math.clz32(x & -x);
  for (let g = 0; g < n; g += 32) {
    const cnt = Math.min(32, n - g);
    const o = out + g * 4;
    const a = addrs + g * 16;
    let level = 0;
    for (let j = 0; j < cnt; j++) {
      const a0 = ld32be(m, a + j * 16);
      let v = Atomics.load(u32, tblw + (a0 >>> 16));
      if (fib6_bit24(u32, bmw, a0) === 0) v = (v & F6_NH_MASK) >>> 0;
      st32(m, o + j * 4, v);
      if (v >>> 24 !== 0) level |= 1 << j;
    }
    let radix = 0;
    while (level !== 0) {
      let empty = 0;
      for (let mk = level; mk !== 0; mk &= mk - 1) {
        const j = ctz(mk);
        const next = ld32(m, o + j * 4) >>> 24;
        if (next === F6_RADIX) continue;
        const p = a + j * 16;
        const k0 = fib6_k0(ld32be(m, p), next);
        const k1 = fib6_k1(ld32be(m, p + 4), next);
        const w = tabw + fib6_slot(fib6_hash(k0, k1, next), slots) * 4;
        if (Atomics.load(u32, w + (F6E_TAG >>> 2)) === 0) empty |= 1 << j;
      }
      let deeper = 0;
      for (let mk = level; mk !== 0; mk &= mk - 1) {
        const j = ctz(mk);
        const q = o + j * 4;
        const v = ld32(m, q);
        if (v >>> 24 === F6_RADIX) {
          radix |= 1 << j;
          continue;
        }
        if ((empty >>> j) & 1) {
          st32(m, q, v & F6_NH_MASK);
          continue;
        }
        const p = a + j * 16;
        const w = fib6_step(u32, tabw, slots, ld32be(m, p), ld32be(m, p + 4), v);
        st32(m, q, w);
        if (w >>> 24 !== 0) deeper |= 1 << j;
      }
      level = deeper;
    }
    for (let mk = radix; mk !== 0; mk &= mk - 1) {
      const j = ctz(mk);
      st32(m, o + j * 4, rt_lookup6(m, ld32(m, f + F6_RT), a + j * 16));
    }
  }
}
