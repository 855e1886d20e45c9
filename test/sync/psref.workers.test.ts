// psref with real threads, in the talk's pattern: a worker CPU finds the object inside a read
// section, acquires a reference, leaves the section and parks (may sleep) holding it. pserialize
// perform must NOT wait for it (the section is over); psref_target_destroy MUST, until the release.
// Needs `npm run build` (the agents import dist/ and build/mpstack.wasm).
import { afterEach, describe, expect, test } from '@jest/globals';
import { LAYOUT_BASE, PSRT_DRAINING, PSRT_STATE } from '../../assembly/layout.js';
import { createMemory } from '../../ts/stack/wasm.js';
import { Pserialize } from '../../ts/sync/pserialize.js';
import {
  psref_class_init,
  psref_errors,
  psref_held,
  psref_target_destroy,
  psref_target_destroy_async,
  psref_target_init,
} from '../../ts/sync/psref.js';
import {
  ENTERED,
  EXITING,
  T_EXITING,
  makeClock,
  spawn,
  stateAfter,
  terminateAll,
  tick,
  waitState,
  within,
} from './harness.js';

const PSZ = LAYOUT_BASE;
const CLS = LAYOUT_BASE + 8192;
const TARGET = LAYOUT_BASE + 16384 + 16; // inside some object
const NCPU = 4;
const PARK_MS = 300;

function setup() {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const psz = Pserialize.init(memory, PSZ, NCPU);
  psref_class_init(psz.m, CLS, NCPU, 64);
  psref_target_init(psz.m, TARGET, CLS);
  return { memory, psz, m: psz.m, clock: makeClock() };
}

afterEach(terminateAll);

describe.each(['ts', 'wasm'] as const)('psref across threads, holder on %s', (engine) => {
  test('destroy on the main thread waits for a reference another worker holds', async () => {
    const t = setup();
    const h = spawn(t.memory, t.clock, {
      task: 'hold',
      engine,
      cpu: 2,
      psz: PSZ,
      target: TARGET,
      releaseAfterMs: PARK_MS,
    });
    await waitState(h, ENTERED);
    expect(psref_held(t.m, TARGET, 2)).toBe(1);
    t.psz.perform({ timeoutMs: 2000 }); // unpublished + grace period: the holder left its section, so this returns
    expect(h.state()).toBe(ENTERED);
    const t0 = performance.now();
    psref_target_destroy(t.m, TARGET, { timeoutMs: 10000 }); // blocks until the worker's release wakes it
    const waited = performance.now() - t0;
    const returnedAt = tick(t.clock);
    expect(h.state()).toBeGreaterThanOrEqual(EXITING);
    expect(h.ctl[T_EXITING]).toBeGreaterThan(0);
    expect(h.ctl[T_EXITING]).toBeLessThan(returnedAt);
    expect(waited).toBeGreaterThan(PARK_MS / 3);
    expect(waited).toBeLessThan(PARK_MS + 2700); // woken by the release, not by the 10 s timeout
    await h.done;
    expect(psref_errors(t.m, CLS)).toBe(0);
  });

  test('destroy_async stays pending while the worker holds and resolves at its release', async () => {
    const t = setup();
    const h = spawn(t.memory, t.clock, { task: 'hold', engine, cpu: 3, psz: PSZ, target: TARGET });
    await waitState(h, ENTERED);
    const d = psref_target_destroy_async(t.m, TARGET, { timeoutMs: 10000 });
    expect(Atomics.load(t.m.u32, (TARGET + PSRT_STATE) >>> 2)).toBe(PSRT_DRAINING);
    expect(await stateAfter(d, 150)).toBe('pending');
    h.open();
    await within(d, 5000, 'destroy after the release');
    await h.done;
  });
});

test('references on several CPUs: destroy waits for all of them', async () => {
  const t = setup();
  const hs = [1, 2, 3].map((cpu) =>
    spawn(t.memory, t.clock, { task: 'hold', engine: cpu === 1 ? 'wasm' : 'ts', cpu, psz: PSZ, target: TARGET }),
  );
  for (const h of hs) await waitState(h, ENTERED);
  const d = psref_target_destroy_async(t.m, TARGET, { timeoutMs: 10000 });
  for (const h of [hs[0]!, hs[2]!]) {
    h.open();
    await h.done;
    expect(await stateAfter(d, 50)).toBe('pending');
  }
  hs[1]!.open();
  await within(d, 5000, 'destroy after the last release');
});
