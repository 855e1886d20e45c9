// The data path's IPv4 route lookup: the compiled FIB when the context has one, else the radix tree.
// TS twin: ts/kernels/fib/route.ts.
import { CTX_FIB4, CTX_RT4 } from "../layout";
import { ld32 } from "../util/mem";
import { fib4_lookup } from "./dir24";
import { rt_lookup4 } from "./radix";

@inline export function route4(ctx: usize, a: u32): u32 {
  const f = <usize>ld32(ctx + CTX_FIB4);
  return f != 0 ? fib4_lookup(f, a) : rt_lookup4(<usize>ld32(ctx + CTX_RT4), a);
}
