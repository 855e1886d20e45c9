// TS twin of assembly/fib/route.ts.
import { CTX_FIB4, CTX_FIB6, CTX_RT4, CTX_RT6 } from '../../../assembly/layout.js';
import { type Mem, ld32 } from '../util/mem.js';
import { fib4_lookup } from './dir24.js';
import { fib6_lookup } from './fib6.js';
import { rt_lookup4, rt_lookup6 } from './radix.js';

export function route4(m: Mem, ctx: number, a: number): number {
  const f = ld32(m, ctx + CTX_FIB4);
  return f !== 0 ? fib4_lookup(m, f, a) : rt_lookup4(m, ld32(m, ctx + CTX_RT4), a);
}

/** addrPtr: 16-byte wire-order address. */
export function route6(m: Mem, ctx: number, addrPtr: number): number {
  const f = ld32(m, ctx + CTX_FIB6);
  return f !== 0 ? fib6_lookup(m, f, addrPtr) : rt_lookup6(m, ld32(m, ctx + CTX_RT6), addrPtr);
}
