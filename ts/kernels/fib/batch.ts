// TS twin of assembly/fib/batch.ts.
import { type Mem, ld32, st32 } from '../util/mem.js';
import { fib4_lookup } from './dir24.js';
import { rt_lookup4, rt_lookup6 } from './radix.js';

export function fib4_lookup_batch(m: Mem, f: number, addrs: number, out: number, n: number): void {
  for (let i = 0; i < n; i++) st32(m, out + i * 4, fib4_lookup(m, f, ld32(m, addrs + i * 4)));
}

export function rt_lookup4_batch(m: Mem, head: number, addrs: number, out: number, n: number): void {
  for (let i = 0; i < n; i++) st32(m, out + i * 4, rt_lookup4(m, head, ld32(m, addrs + i * 4)));
}

export function rt_lookup6_batch(m: Mem, head: number, addrs: number, out: number, n: number): void {
  for (let i = 0; i < n; i++) st32(m, out + i * 4, rt_lookup6(m, head, addrs + i * 16));
}
