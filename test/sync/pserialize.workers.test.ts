// pserialize with real threads: worker agents (test/sync/workers/agent.mjs) are the CPUs. A reader
// parked inside its read section — a descheduled CPU — must hold back perform until it leaves, on
// whichever thread perform runs (main thread blocking, main thread async, another worker); readers
// that enter after perform began must not. The reader runs through the TS twin and through WASM.
// Needs `npm run build` (the agents import dist/ and build/mpstack.wasm).
import { afterEach, describe, expect, test } from '@jest/globals';
import { LAYOUT_BASE, PSC_INSIDE, PSC_STATE, PSZ_SLOTS, PSZ_SLOT_SIZE } from '../../assembly/layout.js';
import { createMemory } from '../../ts/stack/wasm.js';
import { Pserialize } from '../../ts/sync/pserialize.js';
import {
  DONE,
  ENTERED,
  EXITING,
  T_DONE,
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
const NCPU = 4;
const PARK_MS = 300;

function setup() {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const psz = Pserialize.init(memory, PSZ, NCPU);
  const slot = (cpu: number) => Atomics.load(psz.m.u32, (PSZ + PSZ_SLOTS + cpu * PSZ_SLOT_SIZE + PSC_STATE) >>> 2);
  return { memory, psz, slot, clock: makeClock() };
}

afterEach(terminateAll);

describe.each(['ts', 'wasm'] as const)('pserialize across threads, reader on %s', (engine) => {
  test('a reader parked inside its read section holds back perform on the main thread until it leaves', async () => {
    const t = setup();
    const r = spawn(t.memory, t.clock, {
      task: 'section',
      engine,
      cpu: 1,
      psz: PSZ,
      releaseAfterMs: PARK_MS,
      depth: 2,
    });
    await waitState(r, ENTERED);
    const t0 = performance.now();
    t.psz.perform({ timeoutMs: 10000 }); // blocks this thread in Atomics.wait until the reader's exit wakes it
    const waited = performance.now() - t0;
    const returnedAt = tick(t.clock);
    expect(r.state()).toBeGreaterThanOrEqual(EXITING); // perform did not return before the reader left
    expect(r.ctl[T_EXITING]).toBeGreaterThan(0);
    expect(r.ctl[T_EXITING]).toBeLessThan(returnedAt);
    expect(waited).toBeGreaterThan(PARK_MS / 2);
    expect(waited).toBeLessThan(PARK_MS + 2700); // woken by the reader's exit, not by the 10 s timeout
    await r.done;
  });

  test('readers entering after perform began do not hold it back; the next perform waits for them', async () => {
    const t = setup();
    const old = spawn(t.memory, t.clock, { task: 'section', engine, cpu: 1, psz: PSZ });
    await waitState(old, ENTERED);
    const p1 = t.psz.performAsync({ timeoutMs: 10000 }); // reads every CPU's slot now
    expect(t.psz.epoch).toBe(1);
    const young = spawn(t.memory, t.clock, { task: 'section', engine, cpu: 2, psz: PSZ }); // enters later
    await waitState(young, ENTERED);
    expect(t.slot(2) & PSC_INSIDE).toBe(PSC_INSIDE);
    expect(await stateAfter(p1, 100)).toBe('pending'); // the old reader still holds p1 back
    old.open();
    await within(p1, 5000, 'perform with only a younger reader inside');
    expect(young.state()).toBe(ENTERED); // p1 finished while the young reader is still inside
    const p2 = t.psz.performAsync({ timeoutMs: 10000 });
    expect(await stateAfter(p2, 100)).toBe('pending'); // for p2 it is old
    young.open();
    await within(p2, 5000, 'second perform');
    await Promise.all([old.done, young.done]);
  });

  test('perform on a worker thread (blocking there) waits for a reader on another worker', async () => {
    const t = setup();
    const r = spawn(t.memory, t.clock, { task: 'section', engine, cpu: 3, psz: PSZ });
    await waitState(r, ENTERED);
    const w = spawn(t.memory, t.clock, { task: 'perform', cpu: 0, psz: PSZ });
    await waitState(w, ENTERED);
    expect(await stateAfter(w.done, 200)).toBe('pending');
    expect(w.state()).toBe(ENTERED);
    r.open();
    await within(w.done, 5000, 'worker perform');
    expect(w.state()).toBe(DONE);
    expect(r.ctl[T_EXITING]).toBeGreaterThan(0);
    expect(r.ctl[T_EXITING]).toBeLessThan(w.ctl[T_DONE]!);
    await r.done;
  });
});

test('several parked readers: perform returns only after the last of them leaves', async () => {
  const t = setup();
  const rs = [1, 2, 3].map((cpu) =>
    spawn(t.memory, t.clock, { task: 'section', engine: cpu === 2 ? 'wasm' : 'ts', cpu, psz: PSZ }),
  );
  for (const r of rs) await waitState(r, ENTERED);
  const p = t.psz.performAsync({ timeoutMs: 10000 });
  for (const r of [rs[2]!, rs[0]!]) {
    r.open();
    await waitState(r, DONE);
    expect(await stateAfter(p, 50)).toBe('pending');
  }
  rs[1]!.open();
  await within(p, 5000, 'perform after the last reader left');
  await Promise.all(rs.map((r) => r.done));
});
