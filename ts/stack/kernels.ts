// The hot-path kernels behind one interface, implemented twice: by the WASM module and by the TS
// twin. Both run over the same linear-memory layout, so an engine is (memory, Kernels) and
// `--engine wasm|ts` only swaps this object. All pointers are byte offsets; all results are u32.
import * as twins from '../kernels/index.js';
import { Mem } from '../kernels/util/mem.js';
import { instantiateWasm, type WasmExports, type WasmFunctions } from './wasm.js';

export type KernelImpl = 'wasm' | 'ts';
export const KERNEL_IMPLS: readonly KernelImpl[] = ['wasm', 'ts'];

type F<_N extends number> = (...a: number[]) => number;
type Twins = typeof twins;

/** Functions of the module whose twin takes the Mem first: what tsKernels can bind to a memory. */
type MemKernelName = {
  [n in keyof WasmFunctions]: Parameters<Twins[n]> extends [Mem, ...number[]] ? n : never;
}[keyof WasmFunctions];
/** How a kernel's result comes back: a u32 (the WASM side hands it back as a signed i32), or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: void is the twins' own result type for kernels that return nothing
type ResultKind<R> = [R] extends [void] ? 'void' : 'u32';

/**
 * The kernels the stack runs, by name, with the kind of their result: the one list to edit when the
 * stack starts calling a kernel (after writing it in assembly/ and its twin in ts/kernels/, and for
 * a new file exporting it from both index.ts). Checked by the compiler: a name that is not a
 * function of both the module and the TS registry (ts/kernels/index.ts), a twin that does not take
 * the Mem first, or a wrong result kind fails the type check; the signatures come from the twins.
 */
export const KERNELS = {
  // radix (assembly/fib/radix.ts)
  rt_pool_init: 'void',
  rt_init: 'void',
  rt_set: 'u32',
  rt_del: 'u32',
  rt_get: 'u32',
  rt_lookup4: 'u32',
  rt_lookup6: 'u32',
  rt_match4: 'u32',
  rt_match6: 'u32',
  rt_walk: 'u32',
  rt_reclaim: 'u32',
  // compiled IPv4 FIB (assembly/fib/dir24.ts)
  fib4_init: 'void',
  fib4_lookup: 'u32',
  fib4_update: 'u32',
  fib4_build: 'u32',
  fib4_reclaim: 'u32',
  // compiled IPv6 FIB, reader side (assembly/fib/fib6.ts; the writer is ts/stack/fib6-writer.ts)
  fib6_lookup: 'u32',
  fib6_lookup_batch: 'void',
  // batched lookups (assembly/fib/batch.ts)
  fib4_lookup_batch: 'void',
  rt_lookup4_batch: 'void',
  rt_lookup6_batch: 'void',
  // ipflow (assembly/flow/ipflow.ts)
  ipflow_init: 'void',
  ipflow_flush: 'void',
  ipflow_lookup: 'u32',
  ipflow_insert: 'u32',
  ipflow_expire: 'u32',
  // neighbors (assembly/nbr/nbr.ts)
  nb_init: 'void',
  nb_find: 'u32',
  nb_find4_hinted: 'u32',
  // tunnels (assembly/forward/gif.ts)
  encap_lookup: 'u32',
  encap_ingress_reject: 'u32',
  nb_set: 'u32',
  nb_del: 'u32',
  nb_reclaim: 'u32',
  // neighbor event ring (assembly/nbr/nev.ts)
  nev_init: 'void',
  nev_unreach: 'void',
  nev_down_drain: 'u32',
  // checksums (assembly/wire/cksum.ts)
  in_cksum: 'u32',
  in_cksum_acc: 'u32',
  in_cksum_hdr20: 'u32',
  // RSS (assembly/rss/*.ts)
  toe_table_init: 'void',
  toe_hash: 'u32',
  rss_batch: 'void',
  // pipeline (assembly/forward/pipeline.ts)
  fwd_batch: 'u32',
  // pserialize reader side (assembly/sync/pserialize.ts)
  psz_read_enter: 'void',
  psz_read_exit: 'void',
  // traffic source (assembly/nic/gen.ts)
  gen_fill: 'u32',
  // cluster pool and per-CPU caches (assembly/nic/mbuf.ts)
  pool_refill: 'u32',
  pool_drain: 'void',
  pool_balance: 'u32',
  // NIC rings and the per-CPU pktq (assembly/nic/rxring.ts, txring.ts, assembly/net/pktq.ts)
  rxr_fill: 'u32',
  rxr_place: 'u32',
  rxr_intr: 'u32',
  rxr_poll: 'u32',
  rxr_intr_softint: 'u32',
  pktq_dequeue: 'u32',
  tx_post: 'u32',
  txr_reclaim: 'u32',
  // the RFC 2544 bench's per-flow receive accounting (assembly/probe/probe.ts)
  probe_stamp: 'void',
  probe_tx: 'u32',
} as const satisfies { readonly [n in MemKernelName]?: ResultKind<ReturnType<WasmFunctions[n]>> };

export type KernelName = keyof typeof KERNELS;
const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/**
 * The hot-path kernels behind one interface: the registered functions with the module's signatures
 * (those of the twins, less the Mem), whichever implementation is behind them.
 */
export interface Kernels extends Pick<WasmFunctions, KernelName> {
  readonly name: KernelImpl;
  readonly memory: WebAssembly.Memory;
}

export interface WasmKernels extends Kernels {
  readonly exports: WasmExports;
}
export interface TsKernels extends Kernels {
  readonly mem: Mem;
}

/**
 * f's result as a u32. A wrapper of f's own arity: a call through rest and spread arguments takes
 * the engine's generic JS-to-WASM path, which costs more than a route insert's tree walk.
 */
function u32Result(f: F<1>): F<1> {
  switch (f.length) {
    case 0:
      return () => f() >>> 0;
    case 1:
      return (a) => f(a) >>> 0;
    case 2:
      return (a, b) => f(a, b) >>> 0;
    case 3:
      return (a, b, c) => f(a, b, c) >>> 0;
    case 4:
      return (a, b, c, d) => f(a, b, c, d) >>> 0;
    case 5:
      return (a, b, c, d, e) => f(a, b, c, d, e) >>> 0;
    case 6:
      return (a, b, c, d, e, g) => f(a, b, c, d, e, g) >>> 0;
    case 7:
      return (a, b, c, d, e, g, h) => f(a, b, c, d, e, g, h) >>> 0;
    case 8:
      return (a, b, c, d, e, g, h, i) => f(a, b, c, d, e, g, h, i) >>> 0;
    default:
      return (...a: number[]) => f(...a) >>> 0;
  }
}

export function wasmKernels(memory: WebAssembly.Memory): WasmKernels {
  const x = instantiateWasm(memory);
  const k: Record<string, unknown> = { name: 'wasm', memory, exports: x };
  for (const n of KERNEL_NAMES) {
    const f = x[n] as F<1>;
    if (typeof f !== 'function') throw new Error(`mpstack.wasm lacks kernel ${n}: rebuild with npm run build:wasm`);
    k[n] = KERNELS[n] === 'u32' ? u32Result(f) : f;
  }
  return k as unknown as WasmKernels;
}

export function tsKernels(memory: WebAssembly.Memory): TsKernels {
  const m = new Mem(memory);
  const k: Record<string, unknown> = { name: 'ts', memory, mem: m };
  for (const n of KERNEL_NAMES) {
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: once per kernel when a stack is built, never per frame
    const f = twins[n] as (m: Mem, ...a: number[]) => number;
    k[n] = (...a: number[]) => f(m, ...a) >>> 0;
  }
  return k as unknown as TsKernels;
}

export function makeKernels(name: KernelImpl, memory: WebAssembly.Memory): Kernels {
  if (name === 'wasm') return wasmKernels(memory);
  if (name === 'ts') return tsKernels(memory);
  throw new Error(`unknown engine '${String(name)}' (expected wasm or ts)`);
}
