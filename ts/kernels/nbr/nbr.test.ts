// nb_find4_hinted (the nexthop's neighbor hint) on both kernel implementations: a hint is used only
// while it is the live entry for the key, and any other outcome is corrected by a probe and stored.
import { describe, expect, test } from '@jest/globals';
import { NBH_SIZE, NB_SIZE, NB_STATE, NBS_V6, NBS_VALID } from '../../../assembly/layout.js';
import { KERNEL_IMPLS, makeKernels } from '../../stack/kernels.js';
import { createMemory } from '../../stack/wasm.js';

const MIB = 1 << 20;
const T = 3 * MIB; // a table of 8 slots, far above the module's own data
const HINT = T - 64;
const MAC = T - 32;
const GW = 0xc0a80001;

describe.each(KERNEL_IMPLS)('nb_find4_hinted (%s)', (impl) => {
  const mk = () => {
    const memory = createMemory(4 * MIB);
    const k = makeKernels(impl, memory);
    const dv = new DataView(memory.buffer);
    new Uint8Array(memory.buffer).set([2, 0, 0, 0, 0, 1], MAC);
    k.nb_init(T, 8);
    return { k, hint: () => dv.getUint32(HINT, true), setHint: (v: number) => dv.setUint32(HINT, v, true) };
  };
  const slot = (i: number) => T + NBH_SIZE + i * NB_SIZE;

  test('an empty hint probes and stores the entry found; the next call returns it', () => {
    const { k, hint } = mk();
    k.nb_set(T, GW, 0, 0, 0, 2, 0, MAC);
    const e = k.nb_find(T, GW, 0, 0, 0, 2, 0);
    expect(e).not.toBe(0);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(e);
    expect(hint()).toBe(e);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(e);
  });

  test('a deleted entry (limbo) is not used: the lookup misses and the hint becomes 0', () => {
    const { k, hint } = mk();
    k.nb_set(T, GW, 0, 0, 0, 2, 0, MAC);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).not.toBe(0);
    k.nb_del(T, GW, 0, 0, 0, 2, 0);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(0);
    expect(hint()).toBe(0);
  });

  test('a slot reused for another key after reclaim fails the key check; the new entry is found', () => {
    const { k, hint } = mk();
    k.nb_set(T, GW, 0, 0, 0, 2, 0, MAC);
    const old = k.nb_find4_hinted(T, HINT, GW, 2);
    k.nb_del(T, GW, 0, 0, 0, 2, 0);
    k.nb_reclaim(T);
    // other keys until one takes the old slot
    const state = () => new DataView(k.memory.buffer).getUint32(old + NB_STATE, true);
    for (let a = 1; a <= 6 && state() !== NBS_VALID; a++) k.nb_set(T, 0x0a000000 + a, 0, 0, 0, 2, 0, MAC);
    expect(state()).toBe(NBS_VALID);
    expect(hint()).toBe(old);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(0);
    k.nb_set(T, GW, 0, 0, 0, 3, 0, MAC); // same address on another interface
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(0);
    const e3 = k.nb_find4_hinted(T, HINT, GW, 3);
    expect(e3).toBe(k.nb_find(T, GW, 0, 0, 0, 3, 0));
    expect(hint()).toBe(e3);
  });

  test('a hint at an IPv6 entry or a wrong slot is never used', () => {
    const { k, setHint } = mk();
    k.nb_set(T, GW, 0, 0, 0, 2, NBS_V6, MAC);
    const v6 = k.nb_find(T, GW, 0, 0, 0, 2, NBS_V6);
    setHint(v6);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(0);
    k.nb_set(T, GW, 0, 0, 0, 2, 0, MAC);
    const v4 = k.nb_find(T, GW, 0, 0, 0, 2, 0);
    setHint(v6);
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(v4);
    setHint(slot(7) === v4 ? slot(6) : slot(7));
    expect(k.nb_find4_hinted(T, HINT, GW, 2)).toBe(v4);
  });
});
