// Stress: pslist + pserialize under real concurrency. Four worker CPUs (two on the TS twin, two on
// the WASM module) walk a list inside read sections as fast as they can and check every element
// they reach: magic, self pointer, a check word over (self, generation), and no POISON anywhere in
// it. Meanwhile this thread (the writer, CPU 0) removes elements, performs, poisons them (the
// "free"), leaves them poisoned in a FIFO for a while and reuses them. Any reader reaching poison
// or a half-made element fails the test. With perform made to return at once, readers see poison
// within milliseconds; with it working, never.
// Needs `npm run build` (the agents import dist/ and build/mpstack.wasm).
import { afterEach, expect, test } from '@jest/globals';
import { LAYOUT_BASE, POISON } from '../../assembly/layout.js';
import { createMemory } from '../../ts/stack/wasm.js';
import { Pserialize } from '../../ts/sync/pserialize.js';
import {
  pslist_entry_destroy,
  pslist_entry_init,
  pslist_init,
  pslist_writer_insert_after,
  pslist_writer_insert_head,
  pslist_writer_remove,
} from '../../ts/sync/pslist.js';
import {
  ENTERED,
  R_BAD,
  R_BAD_ELEM,
  R_BAD_WORD,
  R_ELEMS,
  R_WALKS,
  makeClock,
  spawn,
  terminateAll,
  waitState,
  within,
} from './harness.js';

const PSZ = LAYOUT_BASE;
const HEAD = LAYOUT_BASE + 8192;
const POOL = LAYOUT_BASE + 16384;
const ESIZE = 64; // words: 0 magic, 1 self, 2 generation, 3 check, 4-5 the pslist entry, rest 0
const OFF = 16;
const NELEM = 64;
const ON_LIST = 24;
const MAGIC = 0x600df00d;
const DURATION_MS = 2000;
const READERS = [
  { cpu: 1, engine: 'ts' as const },
  { cpu: 2, engine: 'wasm' as const },
  { cpu: 3, engine: 'ts' as const },
  { cpu: 4, engine: 'wasm' as const },
];

afterEach(terminateAll);

test('readers never reach a freed element while the writer removes, performs, poisons and reuses', async () => {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const psz = Pserialize.init(memory, PSZ, 1 + READERS.length);
  const m = psz.m;
  const u32 = m.u32;
  pslist_init(m, HEAD);

  let seed = 2016;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let gen = 0;
  /** Writes a live element's payload and a fresh entry: everything before the publishing store. */
  const make = (e: number) => {
    u32.fill(0, e >>> 2, (e + ESIZE) >>> 2);
    let check: number;
    do {
      gen++;
      check = (Math.imul(e, 0x9e3779b1) ^ gen) >>> 0;
    } while (check === POISON);
    u32[e >>> 2] = MAGIC;
    u32[(e >>> 2) + 1] = e;
    u32[(e >>> 2) + 2] = gen;
    u32[(e >>> 2) + 3] = check;
    pslist_entry_init(m, e, OFF);
  };
  const onList: number[] = [];
  const free: number[] = []; // FIFO: a freed element stays poisoned while ~NELEM - ON_LIST others wait
  for (let i = 0; i < NELEM; i++) free.push(POOL + i * ESIZE);
  const insert = () => {
    const e = free.shift()!;
    make(e);
    if (onList.length === 0 || rnd(2) === 0) pslist_writer_insert_head(m, HEAD, e, OFF);
    else pslist_writer_insert_after(m, onList[rnd(onList.length)]!, e, OFF);
    onList.push(e);
  };
  while (onList.length < ON_LIST) insert();

  const clock = makeClock();
  const readers = READERS.map(({ cpu, engine }) =>
    spawn(memory, clock, { task: 'walk', cpu, engine, psz: PSZ, head: HEAD, off: OFF, magic: MAGIC, elemSize: ESIZE }),
  );
  for (const r of readers) await waitState(r, ENTERED);

  let performs = 0,
    removed = 0;
  const t0 = performance.now();
  // run for DURATION_MS, and on a loaded machine longer (up to 4x) until enough grace periods passed
  const enough = () => performs > 100 && removed > 200;
  while (
    (performance.now() - t0 < DURATION_MS || (!enough() && performance.now() - t0 < 4 * DURATION_MS)) &&
    readers.every((r) => Atomics.load(r.ctl, R_BAD) === 0)
  ) {
    const batch: number[] = [];
    for (let k = 1 + rnd(3); k > 0 && onList.length > 4; k--) {
      const e = onList.splice(rnd(onList.length), 1)[0]!;
      pslist_writer_remove(m, e, OFF);
      batch.push(e);
    }
    psz.perform({ timeoutMs: 5000 });
    performs++;
    for (const e of batch) {
      pslist_entry_destroy(m, e, OFF);
      u32.fill(POISON, e >>> 2, (e + ESIZE) >>> 2); // "freed": a reader still on it would see this
      free.push(e);
      removed++;
    }
    while (onList.length < ON_LIST) insert();
  }
  for (const r of readers) r.stop();
  await within(Promise.all(readers.map((r) => r.done)), 5000, 'readers stopping');

  const report = readers.map((r, i) => ({
    cpu: READERS[i]!.cpu,
    engine: READERS[i]!.engine,
    walks: r.ctl[R_WALKS]!,
    elems: r.ctl[R_ELEMS]!,
    bad: r.ctl[R_BAD]!,
    badElem: r.ctl[R_BAD_ELEM]!,
    badWord: (r.ctl[R_BAD_WORD]! >>> 0).toString(16),
  }));
  expect(report.filter((r) => r.bad > 0)).toEqual([]);
  for (const r of report) expect(r.walks).toBeGreaterThan(100); // every reader really ran alongside
  expect(performs).toBeGreaterThan(100);
  expect(removed).toBeGreaterThan(200);
});
