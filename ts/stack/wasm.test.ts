import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createMemory, instantiateWasm, loadedWasmModule, loadWasm, useWasmModule, wasmPath } from './wasm.js';
import { LAYOUT_BASE } from '../../assembly/layout.js';

describe('wasm loader', () => {
  test('instantiates over a shared memory with static data below LAYOUT_BASE', () => {
    const memory = createMemory(LAYOUT_BASE * 4);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const w = instantiateWasm(memory);
    expect(w.layout_base() >>> 0).toBe(LAYOUT_BASE);
    expect(w.heap_base() >>> 0).toBeLessThanOrEqual(LAYOUT_BASE);
  });
  test('two instances share one memory', () => {
    const memory = createMemory(LAYOUT_BASE * 4);
    const a = instantiateWasm(memory);
    const b = instantiateWasm(memory);
    expect(a.memory.buffer).toBe(b.memory.buffer);
  });
});

describe('loading the module outside Node (loadWasm, useWasmModule)', () => {
  test('from bytes, from a file: URL, and a module handed over, each instantiates', async () => {
    const bytes = readFileSync(wasmPath());
    const a = await loadWasm(bytes);
    expect(loadedWasmModule()).toBe(a);
    const b = await loadWasm(pathToFileURL(wasmPath()));
    expect(loadedWasmModule()).toBe(b);
    useWasmModule(a);
    expect(loadedWasmModule()).toBe(a);
    const memory = createMemory(LAYOUT_BASE * 4);
    expect(instantiateWasm(memory).layout_base() >>> 0).toBe(LAYOUT_BASE);
  });
  test('refuses what is not a module', () => {
    expect(() => useWasmModule({} as WebAssembly.Module)).toThrow(/not a WebAssembly.Module/);
  });
});
