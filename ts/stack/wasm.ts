// Loads build/mpstack.wasm over an imported, shared WebAssembly.Memory. One compiled module, one
// instance per worker CPU, all over the same memory.
//
// Portable: this file imports nothing, neither Node modules nor packages, so the same code runs in
// Node, Deno, browsers and Web Workers (which have no import maps, so no bare specifiers either).
// The exports are the instance's own functions: every kernel takes all its arguments, so nothing
// of @assemblyscript/loader's glue is needed (its wrappers only set the argument count for optional
// parameters, which the module would announce by exporting __setArgumentsLength). Where the module
// comes from:
//   - anywhere: useWasmModule(module) or `await loadWasm(bytes | URL | Response)` before the first
//     instance (a browser fetches the .wasm; Deno reads it with Deno.readFile; a Web Worker is
//     posted the compiled module);
//   - Node, when nothing was given: the first instance reads <package>/build/mpstack.wasm
//     synchronously through process.getBuiltinModule('node:fs') (Node >= 20.16), so Node callers
//     (the CLI, worker threads, tests) need no set-up call, as before the split.
// Each thread (worker) has its own module slot: give every Web Worker the module too.
import { LAYOUT_BASE } from '../../assembly/layout.js';
import type * as twins from '../kernels/index.js';
import type { Mem } from '../kernels/util/mem.js';
import { adviseHugePages, type HugePagesSetting } from './huge-pages.js';

export const WASM_PAGE = 65536;
export const MAX_PAGES = 32768; // must match asconfig.json maximumMemory

let compiled: WebAssembly.Module | undefined;

/** The release module's candidate URLs: <package>/build/mpstack.wasm from ts/stack/ (tests) and dist/ts/stack/ (built). */
function wasmUrls(): URL[] {
  return ['../../build/mpstack.wasm', '../../../build/mpstack.wasm'].map((rel) => new URL(rel, import.meta.url));
}

type NodeFs = { readFileSync(p: URL): Uint8Array; existsSync(p: URL): boolean };

/** Node's fs, without a static import (undefined outside Node, and in Node < 20.16). */
function nodeFs(): NodeFs | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof proc?.getBuiltinModule === 'function'
    ? (proc.getBuiltinModule('node:fs') as NodeFs | undefined)
    : undefined;
}

/** The release module on disk (Node only). */
function wasmFile(fs: NodeFs): URL {
  const url = wasmUrls().find((u) => u.protocol === 'file:' && fs.existsSync(u));
  if (!url) throw new Error('build/mpstack.wasm not found: run `npm run build:wasm`');
  return url;
}

/** Path of the release module (Node only): <package>/build/mpstack.wasm. */
export function wasmPath(): string {
  const fs = nodeFs();
  if (!fs) throw new Error('wasmPath: no file system here (Node >= 20.16 only)');
  return decodeURIComponent(wasmFile(fs).pathname);
}

/** Makes `m` (a compile of build/mpstack.wasm) the module every later instance on this thread uses. */
export function useWasmModule(m: WebAssembly.Module): void {
  if (!(m instanceof WebAssembly.Module)) throw new TypeError('useWasmModule: not a WebAssembly.Module');
  compiled = m;
}

/** The module set by useWasmModule / loadWasm, if any (e.g. to post it to a Web Worker). */
export function loadedWasmModule(): WebAssembly.Module | undefined {
  return compiled;
}

/**
 * Compiles the core from its bytes, a Response, or a URL (fetched; a file: URL is read from disk in
 * Node, fetched in Deno) and makes it this thread's module. A string is a URL, relative to the
 * page where there is one. Returns the module.
 */
export async function loadWasm(source: BufferSource | Response | URL | string): Promise<WebAssembly.Module> {
  let m: WebAssembly.Module;
  const fs = nodeFs();
  const url =
    typeof source === 'string'
      ? new URL(source, (globalThis as { location?: { href: string } }).location?.href)
      : source instanceof URL
        ? source
        : null;
  if (url && url.protocol === 'file:' && fs) {
    m = await WebAssembly.compile(fs.readFileSync(url) as BufferSource); // Node's fetch has no file: URLs
  } else if (url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`loadWasm: ${url.href}: HTTP ${res.status}`);
    m = await WebAssembly.compile(await res.arrayBuffer());
  } else if (typeof Response !== 'undefined' && source instanceof Response) {
    m = await WebAssembly.compile(await source.arrayBuffer());
  } else {
    m = await WebAssembly.compile(source as BufferSource);
  }
  useWasmModule(m);
  return m;
}

/** This thread's module: the one given, else (Node) build/mpstack.wasm read from disk once. */
export function compileWasm(): WebAssembly.Module {
  if (compiled) return compiled;
  const fs = nodeFs();
  if (!fs)
    throw new Error('no WebAssembly module for mpstack: call loadWasm(bytes | url) or useWasmModule(module) first');
  compiled = new WebAssembly.Module(fs.readFileSync(wasmFile(fs)) as BufferSource);
  return compiled;
}

/**
 * A shared memory big enough for `bytes` (rounded up to whole pages), advised for transparent huge
 * pages per `hugePages` (huge-pages.ts) before anything writes it.
 */
export function createMemory(bytes: number, hugePages: HugePagesSetting = 'auto'): WebAssembly.Memory {
  const pages = Math.max(2, Math.ceil(bytes / WASM_PAGE));
  if (pages > MAX_PAGES)
    throw new Error(`layout needs ${bytes} bytes, more than the ${MAX_PAGES * WASM_PAGE}-byte maximum`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  adviseHugePages(memory, hugePages);
  return memory;
}

type Twins = typeof twins;
/**
 * A TS twin's signature as the module exports it: the twin's parameters less its leading Mem (a twin
 * that touches linear memory takes the Mem first; one that does not, e.g. a hash, has the same ones).
 */
export type WasmSignature<F> = F extends (...a: infer P) => infer R
  ? P extends [Mem, ...infer A]
    ? (...a: A) => R
    : F
  : never;
/**
 * The module's functions, typed from their twins: ts/kernels/index.ts mirrors assembly/index.ts, and
 * test/twins.test.ts checks this type against the declarations asc emits (build/mpstack.d.ts).
 */
export type WasmFunctions = {
  readonly [n in keyof Twins as Twins[n] extends (...a: never[]) => unknown ? n : never]: WasmSignature<Twins[n]>;
};
/** The instance's exports: every function of WasmFunctions, called directly, and the shared memory. */
// biome-ignore lint/suspicious/noExplicitAny: exports beyond the kernels (asc's own) carry no TS types
export type WasmExports = WasmFunctions & Record<string, any> & { memory: WebAssembly.Memory };

/** Instantiates the module over `memory` and checks AS's static data stays below LAYOUT_BASE. */
export function instantiateWasm(memory: WebAssembly.Memory): WasmExports {
  const imports = {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`mpstack.wasm aborted at ${line}:${col}`);
      },
    },
  };
  const raw = new WebAssembly.Instance(compileWasm(), imports).exports;
  const exports = { ...raw, memory } as unknown as WasmExports;
  const setArgc = raw['__setArgumentsLength'] as ((n: number) => void) | undefined;
  if (typeof setArgc === 'function') {
    // a kernel with optional parameters: tell the module how many arguments each call passes
    for (const [name, f] of Object.entries(raw)) {
      if (typeof f === 'function' && f !== setArgc)
        exports[name] = (...a: number[]) => {
          setArgc(a.length);
          return (f as (...x: number[]) => unknown)(...a);
        };
    }
  }
  const hb = exports.heap_base() >>> 0;
  if (hb > LAYOUT_BASE) throw new Error(`AssemblyScript static data (${hb} bytes) overlaps LAYOUT_BASE ${LAYOUT_BASE}`);
  return exports;
}
