// The hot-path kernels behind one interface, implemented twice: by the WASM module and by the TS
// twin. Both run over the same linear-memory layout, so an engine is (memory, Kernels) and
// `--engine wasm|ts` only swaps this object. All pointers are byte offsets; all results are u32.
import * as radix from '../kernels/fib/radix.js';
import * as dir24 from '../kernels/fib/dir24.js';
import * as fib6 from '../kernels/fib/fib6.js';
import * as lpmBatch from '../kernels/fib/batch.js';
import * as ipflow from '../kernels/flow/ipflow.js';
import * as nbr from '../kernels/nbr/nbr.js';
import * as cksum from '../kernels/wire/cksum.js';
import * as toeplitz from '../kernels/rss/toeplitz.js';
import * as rss from '../kernels/rss/rss.js';
import * as pipeline from '../kernels/forward/pipeline.js';
import * as gen from '../kernels/nic/gen.js';
import * as mbuf from '../kernels/nic/mbuf.js';
import * as rxring from '../kernels/nic/rxring.js';
import * as txring from '../kernels/nic/txring.js';
import * as pktq from '../kernels/net/pktq.js';
import * as psz from '../sync/pserialize.js';
import { Mem } from '../kernels/util/mem.js';
import { instantiateWasm, type WasmExports } from './wasm.js';

export type KernelImpl = 'wasm' | 'ts';
export const KERNEL_IMPLS: readonly KernelImpl[] = ['wasm', 'ts'];

type F<_N extends number> = (...a: number[]) => number;

export interface Kernels {
  readonly name: KernelImpl;
  readonly memory: WebAssembly.Memory;
  // radix (assembly/fib/radix.ts)
  rt_pool_init(pool: number, base: number, cap: number, limbo: number): void;
  rt_init(head: number, pool: number, bits: number): void;
  rt_set(head: number, keyPtr: number, plen: number, nh: number, replace: number): number;
  rt_del(head: number, keyPtr: number, plen: number): number;
  rt_get(head: number, keyPtr: number, plen: number): number;
  rt_lookup4(head: number, addr: number): number;
  rt_lookup6(head: number, addrPtr: number): number;
  rt_match4(head: number, addr: number): number;
  rt_match6(head: number, addrPtr: number): number;
  rt_walk(head: number, out: number, max: number): number;
  rt_reclaim(pool: number): number;
  // compiled IPv4 FIB (assembly/fib/dir24.ts)
  fib4_init(f: number, tbl24: number, tbl8: number, groups: number, freeStack: number, limbo: number, rt: number): void;
  fib4_lookup(f: number, addr: number): number;
  fib4_update(f: number, keyPtr: number, plen: number): number;
  fib4_build(f: number): number;
  fib4_reclaim(f: number): number;
  // compiled IPv6 FIB, reader side (assembly/fib/fib6.ts; the writer is ts/stack/fib6-writer.ts)
  fib6_lookup(f: number, addrPtr: number): number;
  fib6_lookup_batch(f: number, addrs: number, out: number, n: number): void;
  // batched lookups (assembly/fib/batch.ts)
  fib4_lookup_batch(f: number, addrs: number, out: number, n: number): void;
  rt_lookup4_batch(head: number, addrs: number, out: number, n: number): void;
  rt_lookup6_batch(head: number, addrs: number, out: number, n: number): void;
  // ipflow (assembly/flow/ipflow.ts)
  ipflow_init(ft: number, hashsize: number, max: number, buckets: number, entries: number, idleMs: number): void;
  ipflow_flush(ft: number): void;
  ipflow_lookup(ft: number, src: number, dst: number, tos: number, now: number, cnt: number): number;
  ipflow_insert(ft: number, src: number, dst: number, tos: number, nh: number, txif: number, mtu: number, dmac: number, now: number, cnt: number): number;
  ipflow_expire(ft: number, now: number, cnt: number): number;
  // neighbors (assembly/nbr/nbr.ts)
  nb_init(t: number, cap: number): void;
  nb_find(t: number, a0: number, a1: number, a2: number, a3: number, ifindex: number, v6: number): number;
  nb_set(t: number, a0: number, a1: number, a2: number, a3: number, ifindex: number, v6: number, macPtr: number): number;
  nb_del(t: number, a0: number, a1: number, a2: number, a3: number, ifindex: number, v6: number): number;
  // checksums (assembly/wire/cksum.ts)
  in_cksum(p: number, len: number): number;
  in_cksum_acc(p: number, len: number, acc: number): number;
  in_cksum_hdr20(p: number): number;
  // RSS (assembly/rss/*.ts)
  toe_table_init(keyPtr: number, tablePtr: number): void;
  toe_hash(tablePtr: number, inPtr: number, len: number): number;
  rss_batch(ctx: number, n: number): void;
  // pipeline (assembly/forward/pipeline.ts)
  fwd_batch(ctx: number, n: number, now: number): number;
  // pserialize reader side (assembly/sync/pserialize.ts)
  psz_read_enter(psz: number, cpu: number): void;
  psz_read_exit(psz: number, cpu: number): void;
  // traffic source (assembly/nic/gen.ts)
  gen_fill(ctx: number, n: number, tmpl: number, stride: number, count: number, len: number, seq: number, ifindex: number): number;
  // cluster pool and per-CPU caches (assembly/nic/mbuf.ts)
  pool_refill(fs: number, pool: number, want: number): number;
  pool_drain(fs: number, pool: number, k: number): void;
  pool_balance(fs: number, pool: number, low: number): number;
  // NIC rings and the per-CPU pktq (assembly/nic/rxring.ts, txring.ts, assembly/net/pktq.ts)
  rxr_fill(r: number, n: number, tmpl: number, stride: number, count: number, len: number, seq: number): number;
  rxr_intr(r: number, pq: number, fs: number, pool: number, max: number): number;
  rxr_poll(ctx: number, r: number, pool: number, max: number): number;
  pktq_dequeue(ctx: number, pq: number, max: number): number;
  tx_post(ctx: number, n: number, txmap: number, cpu: number, pool: number): number;
  txr_reclaim(r: number, fs: number, pool: number, cpu: number): number;
}

/** Kernels whose result is a u32 (the WASM side hands them back as signed i32). */
const U32_RESULTS = [
  'rt_set', 'rt_del', 'rt_get', 'rt_lookup4', 'rt_lookup6', 'rt_match4', 'rt_match6', 'rt_walk', 'rt_reclaim',
  'fib4_lookup', 'fib4_update', 'fib4_build', 'fib4_reclaim', 'fib6_lookup',
  'ipflow_lookup', 'ipflow_insert', 'ipflow_expire', 'nb_find', 'nb_set', 'nb_del',
  'in_cksum', 'in_cksum_acc', 'in_cksum_hdr20', 'toe_hash', 'fwd_batch', 'gen_fill',
  'pool_refill', 'pool_balance', 'rxr_fill', 'rxr_intr', 'rxr_poll', 'pktq_dequeue', 'tx_post', 'txr_reclaim',
] as const;
const VOIDS = ['psz_read_enter', 'psz_read_exit', 'rt_pool_init', 'rt_init', 'fib4_init', 'fib4_lookup_batch', 'fib6_lookup_batch', 'rt_lookup4_batch', 'rt_lookup6_batch', 'ipflow_init', 'ipflow_flush', 'nb_init', 'toe_table_init', 'rss_batch', 'pool_drain'] as const;
const TS_MODULES: Record<string, unknown>[] = [radix, dir24, fib6, lpmBatch, ipflow, nbr, cksum, toeplitz, rss, pipeline, gen, mbuf, rxring, txring, pktq, psz];

export interface WasmKernels extends Kernels { readonly exports: WasmExports }
export interface TsKernels extends Kernels { readonly mem: Mem }

/**
 * f's result as a u32. A wrapper of f's own arity: a call through rest and spread arguments takes
 * the engine's generic JS-to-WASM path, which costs more than a route insert's tree walk.
 */
function u32Result(f: F<1>): F<1> {
  switch (f.length) {
    case 0: return () => f() >>> 0;
    case 1: return (a) => f(a) >>> 0;
    case 2: return (a, b) => f(a, b) >>> 0;
    case 3: return (a, b, c) => f(a, b, c) >>> 0;
    case 4: return (a, b, c, d) => f(a, b, c, d) >>> 0;
    case 5: return (a, b, c, d, e) => f(a, b, c, d, e) >>> 0;
    case 6: return (a, b, c, d, e, g) => f(a, b, c, d, e, g) >>> 0;
    default: return (...a: number[]) => f(...a) >>> 0;
  }
}

export function wasmKernels(memory: WebAssembly.Memory): WasmKernels {
  const x = instantiateWasm(memory);
  const k: Record<string, unknown> = { name: 'wasm', memory, exports: x };
  for (const n of U32_RESULTS) {
    const f = x[n] as F<1>;
    if (typeof f !== 'function') throw new Error(`mpstack.wasm lacks kernel ${n}: rebuild with npm run build:wasm`);
    k[n] = u32Result(f);
  }
  for (const n of VOIDS) k[n] = x[n];
  return k as unknown as WasmKernels;
}

export function tsKernels(memory: WebAssembly.Memory): TsKernels {
  const m = new Mem(memory);
  const k: Record<string, unknown> = { name: 'ts', memory, mem: m };
  for (const n of [...U32_RESULTS, ...VOIDS]) {
    const mod = TS_MODULES.find((o) => typeof o[n] === 'function');
    if (!mod) throw new Error(`TS twin lacks kernel ${n}`);
    const f = mod[n] as (m: Mem, ...a: number[]) => number;
    k[n] = (...a: number[]) => f(m, ...a) >>> 0;
  }
  return k as unknown as TsKernels;
}

export function makeKernels(name: KernelImpl, memory: WebAssembly.Memory): Kernels {
  if (name === 'wasm') return wasmKernels(memory);
  if (name === 'ts') return tsKernels(memory);
  throw new Error(`unknown engine '${String(name)}' (expected wasm or ts)`);
}
