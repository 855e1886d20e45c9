// The hot-path kernels behind one interface, implemented twice: by the WASM module and by the TS
// twin. Both run over the same linear-memory layout, so an engine is (memory, Kernels) and
// `--engine wasm|ts` only swaps this object. All pointers are byte offsets; all results are u32.
import * as radix from '../kernels/fib/radix.js';
import { Mem } from '../kernels/util/mem.js';
import { instantiateWasm } from './wasm.js';

export type EngineName = 'wasm' | 'ts';

export interface Kernels {
  readonly name: EngineName;
  readonly memory: WebAssembly.Memory;
  rt_pool_init(pool: number, base: number, cap: number, limbo: number): void;
  rt_init(head: number, pool: number, bits: number): void;
  rt_set(head: number, keyPtr: number, plen: number, nh: number): number;
  rt_del(head: number, keyPtr: number, plen: number): number;
  rt_get(head: number, keyPtr: number, plen: number): number;
  rt_lookup4(head: number, addr: number): number;
  rt_lookup6(head: number, addrPtr: number): number;
  rt_walk(head: number, out: number, max: number): number;
  rt_reclaim(pool: number): number;
}

/** Kernel names that return a u32 (the WASM side hands them back as signed i32). */
const U32_RESULTS = ['rt_set', 'rt_del', 'rt_get', 'rt_lookup4', 'rt_lookup6', 'rt_walk', 'rt_reclaim'] as const;
const VOIDS = ['rt_pool_init', 'rt_init'] as const;

export function wasmKernels(memory: WebAssembly.Memory): Kernels {
  const x = instantiateWasm(memory);
  const k: Record<string, unknown> = { name: 'wasm', memory, exports: x };
  for (const n of U32_RESULTS) {
    const f = x[n] as (...a: number[]) => number;
    k[n] = (...a: number[]) => f(...a) >>> 0;
  }
  for (const n of VOIDS) k[n] = x[n];
  return k as unknown as Kernels;
}

export function tsKernels(memory: WebAssembly.Memory): Kernels {
  const m = new Mem(memory);
  const k: Record<string, unknown> = { name: 'ts', memory, mem: m };
  const mods: Record<string, unknown>[] = [radix];
  for (const n of [...U32_RESULTS, ...VOIDS]) {
    const mod = mods.find((o) => typeof o[n] === 'function');
    if (!mod) throw new Error(`TS twin lacks kernel ${n}`);
    const f = mod[n] as (m: Mem, ...a: number[]) => number;
    k[n] = (...a: number[]) => f(m, ...a);
  }
  return k as unknown as Kernels;
}

export function makeKernels(name: EngineName, memory: WebAssembly.Memory): Kernels {
  return name === 'wasm' ? wasmKernels(memory) : tsKernels(memory);
}
