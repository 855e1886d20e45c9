// TS twin of assembly/fib/route.ts.
import {
  CTX_FIB4,
  CTX_FIB6,
  CTX_LAF,
  CTX_RT4,
  CTX_RT6,
  CTX_WARM,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  F4_TBL24,
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld16be, ld32, ld32be, st32 } from '../util/mem.js';
import { fib4_lookup } from './dir24.js';
import { fib6_lookup } from './fib6.js';
import { rt_lookup4, rt_lookup6 } from './radix.js';

export function route4(m: Mem, ctx: number, a: number): number {
  const f = ld32(m, ctx + CTX_FIB4);
  return f !== 0 ? fib4_lookup(m, f, a) : rt_lookup4(m, ld32(m, ctx + CTX_RT4), a);
}

/** Twin of route4_warm: the same loads, the same CTX_WARM. */
export function route4_warm(m: Mem, ctx: number, pd0: number, n: number): void {
  const f = ld32(m, ctx + CTX_FIB4);
  if (f === 0) return;
  const tbl = ld32(m, f + F4_TBL24);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    acc ^= route4_warm_word(m, tbl, ld32(m, pd + PD_BUF), ld16(m, pd + PD_LEN));
  }
  st32(m, ctx + CTX_WARM, acc);
}

/** route4_warm's load for one frame (p, len bytes): its IPv4 destination's tbl24 word, or 0 (not IPv4). */
export function route4_warm_word(m: Mem, tbl: number, p: number, len: number): number {
  let l3 = 14;
  let et = len >= 14 ? ld16be(m, p + 12) : 0;
  if (et === 0x8100 && len >= 18) {
    et = ld16be(m, p + 16);
    l3 = 18;
  }
  if (et !== 0x0800 || len < l3 + 20) return 0;
  return ld16(m, tbl + (ld32be(m, p + l3 + 16) >>> 8) * 2);
}

/** addrPtr: 16-byte wire-order address. */
export function route6(m: Mem, ctx: number, addrPtr: number): number {
  const f = ld32(m, ctx + CTX_FIB6);
  return f !== 0 ? fib6_lookup(m, f, addrPtr) : rt_lookup6(m, ld32(m, ctx + CTX_RT6), addrPtr);
}

// The local-address filter: see the AS twin. Tables (ts/stack/tables.ts) sets its bits with these.

export function laf_hash(x: number): number {
  return ((x ^ (x >>> 16)) & 0xffff) >>> 0;
}

export function laf_fold6(w0: number, w1: number, w2: number, w3: number): number {
  return (w0 ^ w1 ^ w2 ^ w3) >>> 0;
}

export function laf_maybe(m: Mem, ctx: number, h: number): boolean {
  const laf = ld32(m, ctx + CTX_LAF);
  return laf === 0 || ((ld8(m, laf + (h >>> 3)) >>> (h & 7)) & 1) !== 0;
}
