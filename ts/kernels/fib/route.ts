// TS twin of assembly/fib/route.ts.
import { CTX_FIB4, CTX_RT4 } from '../../../assembly/layout.js';
import { type Mem, ld32 } from '../util/mem.js';
import { fib4_lookup } from './dir24.js';
import { rt_lookup4 } from './radix.js';

export function route4(m: Mem, ctx: number, a: number): number {
  const f = ld32(m, ctx + CTX_FIB4);
  return f !== 0 ? fib4_lookup(m, f, a) : rt_lookup4(m, ld32(m, ctx + CTX_RT4), a);
}
