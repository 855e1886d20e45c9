// Batched longest-prefix lookups: n addresses in, n nexthop ids out, in one call. For bulk users
// (`route lookup --addresses`, benchmarks) — a JS-to-WASM call costs about as much as a lookup.
// Independent lookups in one loop also let the CPU overlap their cache misses.
// TS twin: ts/kernels/fib/batch.ts.
import { RH_ROOT, RN_PLEN, RN_KEY, RN_NH, RN_CHILD0 } from '../layout';
import { ld32, ald32 } from '../util/mem';
import { fib4_lookup } from './dir24';
import { rt_lookup4, rt_lookup6 } from './radix';

/** IPv4, compiled FIB: addrs are host-order u32 (native), results u32. */
export function fib4_lookup_batch(f: usize, addrs: usize, out: usize, n: u32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<u32>(out + (i << 2), fib4_lookup(f, load<u32>(addrs + (i << 2))));
}

/**
 * One step of a radix walk for address a at node n: the next node (low 32 bits, 0 = done) and the
 * route seen at n (high 32 bits, 0 = none). Same logic as rt_lookup4's loop body.
 */
@inline function step4(n: usize, a: u32): u64 {
  const np = ld32(n + RN_PLEN);
  const mask: u32 = np == 0 ? 0 : (<u32>0xffffffff) << (32 - np);
  if (((a ^ ld32(n + RN_KEY)) & mask) != 0) return 0;
  const nh = ald32(n + RN_NH);
  const next = np >= 32 ? 0 : ald32(n + RN_CHILD0 + ((<usize>((a >>> (31 - np)) & 1)) << 2));
  return ((<u64>nh) << 32) | <u64>next;
}

/**
 * IPv4, radix tree: addrs are host-order u32 (native), results u32. Eight walks advance in lockstep
 * so their cache misses overlap — a big tree's lookup is a chain of dependent misses, and one chain
 * at a time leaves the memory system idle.
 */
export function rt_lookup4_batch(head: usize, addrs: usize, out: usize, n: u32): void {
  const root = <usize>ald32(head + RH_ROOT);
  let i: usize = 0;
  for (; i + 8 <= <usize>n; i += 8) {
    const p = addrs + (i << 2);
    const a0 = load<u32>(p, 0);
    let n0 = root;
    let b0: u32 = 0;
    const a1 = load<u32>(p, 4);
    let n1 = root;
    let b1: u32 = 0;
    const a2 = load<u32>(p, 8);
    let n2 = root;
    let b2: u32 = 0;
    const a3 = load<u32>(p, 12);
    let n3 = root;
    let b3: u32 = 0;
    const a4 = load<u32>(p, 16);
    let n4 = root;
    let b4: u32 = 0;
    const a5 = load<u32>(p, 20);
    let n5 = root;
    let b5: u32 = 0;
    const a6 = load<u32>(p, 24);
    let n6 = root;
    let b6: u32 = 0;
    const a7 = load<u32>(p, 28);
    let n7 = root;
    let b7: u32 = 0;
    while ((n0 | n1 | n2 | n3 | n4 | n5 | n6 | n7) != 0) {
      if (n0 != 0) {
        const r = step4(n0, a0);
        n0 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b0 = h;
      }
      if (n1 != 0) {
        const r = step4(n1, a1);
        n1 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b1 = h;
      }
      if (n2 != 0) {
        const r = step4(n2, a2);
        n2 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b2 = h;
      }
      if (n3 != 0) {
        const r = step4(n3, a3);
        n3 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b3 = h;
      }
      if (n4 != 0) {
        const r = step4(n4, a4);
        n4 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b4 = h;
      }
      if (n5 != 0) {
        const r = step4(n5, a5);
        n5 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b5 = h;
      }
      if (n6 != 0) {
        const r = step4(n6, a6);
        n6 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b6 = h;
      }
      if (n7 != 0) {
        const r = step4(n7, a7);
        n7 = <usize>(<u32>r);
        const h = <u32>(r >> 32);
        if (h != 0) b7 = h;
      }
    }
    const q = out + (i << 2);
    store<u32>(q, b0, 0);
    store<u32>(q, b1, 4);
    store<u32>(q, b2, 8);
    store<u32>(q, b3, 12);
    store<u32>(q, b4, 16);
    store<u32>(q, b5, 20);
    store<u32>(q, b6, 24);
    store<u32>(q, b7, 28);
  }
  for (; i < <usize>n; i++) store<u32>(out + (i << 2), rt_lookup4(head, load<u32>(addrs + (i << 2))));
}

/** IPv6, radix tree: addrs are 16-byte wire-order addresses, results u32. */
export function rt_lookup6_batch(head: usize, addrs: usize, out: usize, n: u32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<u32>(out + (i << 2), rt_lookup6(head, addrs + (i << 4)));
}
