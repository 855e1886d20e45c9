// Loads build/mpstack.wasm with @assemblyscript/loader over an imported, shared WebAssembly.Memory.
// One compiled module, one instance per worker CPU, all over the same memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as loader from '@assemblyscript/loader';
import { LAYOUT_BASE } from '../../assembly/layout.js';

export const WASM_PAGE = 65536;
export const MAX_PAGES = 32768; // must match asconfig.json maximumMemory

let compiled: WebAssembly.Module | undefined;

/** Path of the release module: <package>/build/mpstack.wasm from both ts/ (tests) and dist/ts/ (built). */
export function wasmPath(): string {
  for (const rel of ['../../build/mpstack.wasm', '../../../build/mpstack.wasm']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    try { readFileSync(p, { flag: 'r' }).length; return p; } catch { /* try the next */ }
  }
  throw new Error('build/mpstack.wasm not found: run `npm run build:wasm`');
}

export function compileWasm(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(wasmPath()));
  return compiled;
}

/** A shared memory big enough for `bytes` (rounded up to whole pages). */
export function createMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.max(2, Math.ceil(bytes / WASM_PAGE));
  if (pages > MAX_PAGES) throw new Error(`layout needs ${bytes} bytes, more than the ${MAX_PAGES * WASM_PAGE}-byte maximum`);
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
}

export type WasmExports = Record<string, any> & { memory: WebAssembly.Memory };

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
  const { exports } = loader.instantiateSync(compileWasm(), imports) as unknown as { exports: WasmExports };
  const hb = exports.heap_base() >>> 0;
  if (hb > LAYOUT_BASE) throw new Error(`AssemblyScript static data (${hb} bytes) overlaps LAYOUT_BASE ${LAYOUT_BASE}`);
  return exports;
}
