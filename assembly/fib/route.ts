// The data path's route lookups: the compiled FIB when the context has one, else the radix tree.
// TS twin: ts/kernels/fib/route.ts.
import { CTX_FIB4, CTX_FIB6, CTX_RT4, CTX_RT6 } from "../layout";
import { ld32 } from "../util/mem";
import { fib4_lookup } from "./dir24";
import { fib6_lookup } from "./fib6";
import { rt_lookup4, rt_lookup6 } from "./radix";

@inline export function route4(ctx: usize, a: u32): u32 {
  const f = <usize>ld32(ctx + CTX_FIB4);
  return f != 0 ? fib4_lookup(f, a) : rt_lookup4(<usize>ld32(ctx + CTX_RT4), a);
}

/** addrPtr: 16-byte wire-order address. */
@inline export function route6(ctx: usize, addrPtr: usize): u32 {
  const f = <usize>ld32(ctx + CTX_FIB6);
  return f != 0 ? fib6_lookup(f, addrPtr) : rt_lookup6(<usize>ld32(ctx + CTX_RT6), addrPtr);
}
