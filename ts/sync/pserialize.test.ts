// pserialize on one thread: the reader's slot protocol on both engines (WASM and the TS twin leave
// the same words), and perform's decisions — whom it waits for, whom it does not — with "other
// CPUs" simulated by sections this thread opens on their slots. Real threads: test/sync/.
import { describe, expect, test } from '@jest/globals';
import {
  LAYOUT_BASE,
  PSZ_EPOCH,
  PSZ_SLOTS,
  PSZ_SLOT_SIZE,
  PSZ_SIZE,
  PSZ_MAXCPU,
  PSC_STATE,
  PSC_INSIDE,
  PSC_WAITER,
} from '../../assembly/layout.js';
import { Mem } from '../kernels/util/mem.js';
import { createMemory, instantiateWasm } from '../stack/wasm.js';
import {
  Pserialize,
  PserializeError,
  PserializeTimeout,
  canBlock,
  psz_init,
  psz_perform,
  psz_read_depth,
  psz_read_enter,
  psz_read_errors,
  psz_read_exit,
  pszSize,
} from './pserialize.js';

const PSZ = LAYOUT_BASE;
const NCPU = 4;

interface Reader {
  enter(cpu: number): void;
  exit(cpu: number): void;
  depth(cpu: number): number;
}

function setup() {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const m = new Mem(memory);
  const psz = Pserialize.init(m, PSZ, NCPU);
  const x = instantiateWasm(memory);
  const readers: Record<'ts' | 'wasm', Reader> = {
    ts: {
      enter: (c) => psz_read_enter(m, PSZ, c),
      exit: (c) => psz_read_exit(m, PSZ, c),
      depth: (c) => psz_read_depth(m, PSZ, c),
    },
    wasm: {
      enter: (c) => x.psz_read_enter(PSZ, c),
      exit: (c) => x.psz_read_exit(PSZ, c),
      depth: (c) => x.psz_read_depth(PSZ, c) >>> 0,
    },
  };
  const word = (off: number) => Atomics.load(m.u32, (PSZ + off) >>> 2);
  const state = (c: number) => word(PSZ_SLOTS + c * PSZ_SLOT_SIZE + PSC_STATE);
  return { memory, m, x, readers, word, state, psz };
}

/** A promise's state a moment from now, without waiting for it to settle. */
async function peek(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  return Promise.race([
    p.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((r) => setTimeout(() => r('pending'), 20)),
  ]);
}

const QUICK = { timeoutMs: 30 };

describe('pserialize layout', () => {
  test('one cache line per CPU after a header line', () => {
    expect(PSZ_SIZE).toBe(PSZ_SLOTS + PSZ_MAXCPU * PSZ_SLOT_SIZE);
    expect(pszSize(PSZ_MAXCPU)).toBe(PSZ_SIZE);
    expect(PSZ_SLOT_SIZE % 64).toBe(0);
    expect(PSZ_SLOTS % 64).toBe(0);
  });

  test('init: no perform yet, every CPU outside; bad domains are refused', () => {
    const t = setup();
    expect(t.word(PSZ_EPOCH)).toBe(0);
    expect(t.psz.ncpu).toBe(NCPU);
    for (let c = 0; c < NCPU; c++) expect([t.state(c), t.readers.ts.depth(c)]).toEqual([0, 0]);
    expect(() => psz_init(t.m, PSZ + 4, 2)).toThrow(PserializeError);
    expect(() => psz_init(t.m, PSZ, 0)).toThrow(PserializeError);
    expect(() => psz_init(t.m, PSZ, PSZ_MAXCPU + 1)).toThrow(PserializeError);
    expect(() => psz_perform(t.m, PSZ + 8192)).toThrow(/no pserialize domain/);
  });

  test('Node lets every thread block in Atomics.wait, the main thread included', () => {
    expect(canBlock()).toBe(true);
  });
});

describe.each(['ts', 'wasm'] as const)('pserialize reader (%s)', (engine) => {
  test('the outermost enter sets INSIDE; nested sections only count; the last exit moves to the next seq', () => {
    const t = setup();
    const r = t.readers[engine];
    r.enter(2);
    expect([t.state(2), r.depth(2)]).toEqual([PSC_INSIDE, 1]);
    r.enter(2);
    expect([t.state(2), r.depth(2)]).toEqual([PSC_INSIDE, 2]);
    r.exit(2);
    expect([t.state(2), r.depth(2)]).toEqual([PSC_INSIDE, 1]);
    r.exit(2);
    expect([t.state(2), r.depth(2)]).toEqual([4, 0]); // seq 1, outside
    r.enter(2);
    expect(t.state(2)).toBe(4 | PSC_INSIDE);
    r.exit(2);
    expect(t.state(2)).toBe(8);
    for (const c of [0, 1, 3]) expect(t.state(c)).toBe(0); // other CPUs' slots untouched
  });

  test('an exit with no section open changes nothing but the error count', () => {
    const t = setup();
    const r = t.readers[engine];
    r.exit(1);
    expect([t.state(1), r.depth(1), psz_read_errors(t.m, PSZ, 1)]).toEqual([0, 0, 1]);
    r.enter(1);
    r.exit(1);
    r.exit(1);
    expect([t.state(1), r.depth(1), psz_read_errors(t.m, PSZ, 1)]).toEqual([4, 0, 2]);
  });

  test('perform waits for a section that began before it, however deeply nested', () => {
    const t = setup();
    const r = t.readers[engine];
    r.enter(1);
    r.enter(1);
    expect(() => t.psz.perform(QUICK)).toThrow(PserializeTimeout);
    expect(t.state(1)).toBe(PSC_INSIDE | PSC_WAITER); // the perform flagged the slot before sleeping on it
    r.exit(1);
    expect(() => t.psz.perform(QUICK)).toThrow(/CPU 1 still in a read section/);
    r.exit(1);
    expect(t.state(1)).toBe(4); // the exit cleared the flag
    t.psz.perform(QUICK);
  });

  test('perform with every CPU outside returns at once; the epoch counts performs', () => {
    const t = setup();
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) t.psz.perform();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(t.word(PSZ_EPOCH)).toBe(1000);
  });

  test('a section entered after perform began does not hold it back; the next perform waits for it', async () => {
    const t = setup();
    const r = t.readers[engine];
    r.enter(1); // old reader
    const p1 = t.psz.performAsync({ timeoutMs: 5000 });
    r.enter(3); // new reader: entered after perform read the slots
    expect(await peek(p1)).toBe('pending');
    let t0 = performance.now();
    r.exit(1); // wakes p1: it flagged CPU 1's slot and sleeps on it (waitAsync)
    await p1;
    expect(performance.now() - t0).toBeLessThan(1000); // woken, not timed out (5 s)
    expect(r.depth(3)).toBe(1);
    const p2 = t.psz.performAsync({ timeoutMs: 5000 });
    expect(await peek(p2)).toBe('pending');
    t0 = performance.now();
    r.exit(3);
    await p2;
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('a CPU that leaves and re-enters does not hold back a perform that began before', async () => {
    const t = setup();
    const r = t.readers[engine];
    r.enter(2);
    const p = t.psz.performAsync({ timeoutMs: 5000 });
    r.exit(2);
    r.enter(2); // a new section (next seq): not the one p waits for
    expect(await peek(p)).toBe('resolved');
    expect(() => t.psz.perform(QUICK)).toThrow(PserializeTimeout); // but the next perform waits for it
    r.exit(2);
  });

  test('the section sequence wraps around', () => {
    const t = setup();
    const r = t.readers[engine];
    Atomics.store(t.m.u32, (PSZ + PSZ_SLOTS + PSC_STATE) >>> 2, 0xfffffffc); // CPU 0 at the last seq
    r.enter(0);
    expect(t.state(0)).toBe(0xfffffffd);
    expect(() => t.psz.perform(QUICK)).toThrow(PserializeTimeout);
    r.exit(0);
    expect(t.state(0)).toBe(0);
    r.enter(0);
    expect(() => t.psz.perform(QUICK)).toThrow(PserializeTimeout);
    r.exit(0);
    t.psz.perform(QUICK);
  });

  test('performAsync rejects with PserializeTimeout', async () => {
    const t = setup();
    const r = t.readers[engine];
    r.enter(2);
    await expect(t.psz.performAsync({ timeoutMs: 20 })).rejects.toThrow(PserializeTimeout);
    r.exit(2);
    await t.psz.performAsync({ timeoutMs: 1000 });
  });
});

test('the two engines leave the same slot words for the same enter/exit sequence', () => {
  const a = setup(),
    b = setup();
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 2000; i++) {
    const c = rnd(NCPU);
    const enter = rnd(3) !== 0 || a.readers.ts.depth(c) === 0;
    if (enter) {
      a.readers.ts.enter(c);
      b.readers.wasm.enter(c);
    } else {
      a.readers.ts.exit(c);
      b.readers.wasm.exit(c);
    }
    if (rnd(50) === 0) {
      a.psz.performAsync().catch(() => {});
      b.psz.performAsync().catch(() => {});
    }
  }
  const slots = (t: ReturnType<typeof setup>) =>
    Array.from(t.m.u32.subarray((PSZ + PSZ_SLOTS) >>> 2, (PSZ + pszSize(NCPU)) >>> 2));
  expect(slots(b)).toEqual(slots(a));
  for (let c = 0; c < NCPU; c++)
    while (a.readers.ts.depth(c) > 0) {
      a.readers.ts.exit(c);
      b.readers.wasm.exit(c);
    } // settle the performs
});

test('TS and WASM on one thread share the CPU slot: sections nest across engines', () => {
  const t = setup();
  t.readers.wasm.enter(1);
  t.readers.ts.enter(1);
  t.readers.wasm.exit(1);
  expect(() => t.psz.perform(QUICK)).toThrow(PserializeTimeout);
  t.readers.ts.exit(1);
  t.psz.perform(QUICK);
});
