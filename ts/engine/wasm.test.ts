import { describe, expect, test } from '@jest/globals';
import { createMemory, instantiateWasm } from './wasm.js';
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
