// Batched longest-prefix lookups: n addresses in, n nexthop ids out, in one call. For bulk users
// (`route lookup --addresses`, benchmarks) — a JS-to-WASM call costs about as much as a lookup.
// Independent lookups in one loop also let the CPU overlap their cache misses.
// TS twin: ts/kernels/fib/batch.ts.
import { fib4_lookup } from "./dir24";
import { rt_lookup4, rt_lookup6 } from "./radix";

/** IPv4, compiled FIB: addrs are host-order u32 (native), results u32. */
export function fib4_lookup_batch(f: usize, addrs: usize, out: usize, n: u32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<u32>(out + (i << 2), fib4_lookup(f, load<u32>(addrs + (i << 2))));
}

/** IPv4, radix tree: addrs are host-order u32 (native), results u32. */
export function rt_lookup4_batch(head: usize, addrs: usize, out: usize, n: u32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<u32>(out + (i << 2), rt_lookup4(head, load<u32>(addrs + (i << 2))));
}

/** IPv6, radix tree: addrs are 16-byte wire-order addresses, results u32. */
export function rt_lookup6_batch(head: usize, addrs: usize, out: usize, n: u32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<u32>(out + (i << 2), rt_lookup6(head, addrs + (i << 4)));
}
