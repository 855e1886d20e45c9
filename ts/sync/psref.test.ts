// psref on one thread: counters land in the acquiring CPU's row only, both engines agree, misuse is
// caught, destroy waits for every CPU's count (other CPUs simulated by this thread holding
// references on their rows). With real threads: test/sync/psref.workers.test.ts.
import { describe, expect, test } from '@jest/globals';
import {
  LAYOUT_BASE,
  POISON,
  PRC_COUNTS,
  PRC_ERRORS,
  PRC_SIZE,
  PRC_STRIDE,
  PSREF_WAITER,
  PSRT_DRAINING,
  PSRT_INDEX,
  PSRT_LIVE,
  PSRT_SIZE,
  PSRT_STATE,
} from '../../assembly/layout.js';
import { Mem } from '../kernels/util/mem.js';
import { createMemory, instantiateWasm } from '../stack/wasm.js';
import {
  PsrefError,
  PsrefTimeout,
  psref_acquire,
  psref_class_init,
  psref_errors,
  psref_held,
  psref_release,
  psref_release_checked,
  psref_target_destroy,
  psref_target_destroy_async,
  psref_target_init,
  psrefClassSize,
} from './psref.js';

const NCPU = 4;
const CAP = 20;
const CLS = LAYOUT_BASE;
const OBJS = LAYOUT_BASE + 32768; // objects embedding a target, 64 bytes apart
const obj = (i: number) => OBJS + i * 64 + 16; // the target sits 16 bytes into its object

interface Ops {
  acquire(t: number, cpu: number): number;
  release(t: number, cpu: number): number;
  held(t: number, cpu: number): number;
}

function setup() {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const m = new Mem(memory);
  psref_class_init(m, CLS, NCPU, CAP);
  const x = instantiateWasm(memory);
  const ops: Record<'ts' | 'wasm', Ops> = {
    ts: {
      acquire: (t, c) => psref_acquire(m, t, c),
      release: (t, c) => psref_release(m, t, c),
      held: (t, c) => psref_held(m, t, c),
    },
    wasm: {
      acquire: (t, c) => x.psref_acquire(t, c) >>> 0,
      release: (t, c) => x.psref_release(t, c) >>> 0,
      held: (t, c) => x.psref_held(t, c) >>> 0,
    },
  };
  const w = (p: number) => Atomics.load(m.u32, p >>> 2);
  /** CPU `cpu`'s count word for target `t`, raw (PSREF_WAITER included) */
  const count = (t: number, cpu: number) => w(w(CLS + PRC_COUNTS) + cpu * w(CLS + PRC_STRIDE) + w(t + PSRT_INDEX) * 4);
  return { memory, m, x, ops, w, count };
}

const QUICK = { timeoutMs: 30 };

describe('psref class layout', () => {
  test('each CPU has its own row of cache lines; targets take a column', () => {
    const t = setup();
    const stride = t.w(CLS + PRC_STRIDE);
    expect(stride % 64).toBe(0);
    expect(stride).toBeGreaterThanOrEqual(CAP * 4);
    expect(psrefClassSize(NCPU, CAP)).toBe(PRC_SIZE + NCPU * stride + 128);
    expect(t.w(CLS + PRC_COUNTS) % 64).toBe(0);
    psref_target_init(t.m, obj(0), CLS);
    psref_target_init(t.m, obj(1), CLS);
    expect([t.w(obj(0) + PSRT_INDEX), t.w(obj(1) + PSRT_INDEX), t.w(obj(0) + PSRT_STATE)]).toEqual([0, 1, PSRT_LIVE]);
    t.ops.ts.acquire(obj(1), 2);
    const counts = t.w(CLS + PRC_COUNTS);
    expect(t.w(counts + 2 * stride + 4)).toBe(1);
    let total = 0;
    for (let p = counts; p < counts + NCPU * stride; p += 4) total += t.w(p);
    expect(total).toBe(1); // nothing else was written
  });

  test('a full class refuses targets; destroyed targets give their index back', () => {
    const t = setup();
    for (let i = 0; i < CAP; i++) psref_target_init(t.m, obj(i), CLS);
    expect(() => psref_target_init(t.m, obj(CAP), CLS)).toThrow(/full/);
    expect(() => psref_target_init(t.m, obj(3), CLS)).toThrow(/already initialised/);
    psref_target_destroy(t.m, obj(7));
    psref_target_init(t.m, obj(CAP), CLS);
    expect(t.w(obj(CAP) + PSRT_INDEX)).toBe(7);
    expect(() => psref_target_destroy(t.m, obj(7))).toThrow(/not a live target/);
  });
});

describe.each(['ts', 'wasm'] as const)('psref reader (%s)', (engine) => {
  test('acquire and release count per CPU', () => {
    const t = setup();
    const o = t.ops[engine];
    psref_target_init(t.m, obj(0), CLS);
    expect([o.acquire(obj(0), 1), o.acquire(obj(0), 1), o.acquire(obj(0), 3)]).toEqual([1, 1, 1]);
    expect([o.held(obj(0), 0), o.held(obj(0), 1), o.held(obj(0), 3)]).toEqual([0, 2, 1]);
    expect([o.release(obj(0), 1), o.release(obj(0), 3)]).toEqual([1, 1]);
    expect([o.held(obj(0), 1), o.held(obj(0), 3)]).toEqual([1, 0]);
    expect(o.release(obj(0), 1)).toBe(1);
    psref_target_destroy(t.m, obj(0), QUICK);
    expect(psref_errors(t.m, CLS)).toBe(0);
  });

  test('releasing a reference not held is caught: refused and counted', () => {
    const t = setup();
    const o = t.ops[engine];
    psref_target_init(t.m, obj(0), CLS);
    expect(o.release(obj(0), 2)).toBe(0);
    expect([o.held(obj(0), 2), t.w(CLS + PRC_ERRORS)]).toEqual([0, 1]);
    o.acquire(obj(0), 1);
    expect(o.release(obj(0), 2)).toBe(0); // held on CPU 1, released on CPU 2: caught
    expect([o.held(obj(0), 1), psref_errors(t.m, CLS)]).toEqual([1, 2]);
    expect(() => psref_release_checked(t.m, obj(0), 2)).toThrow(PsrefError);
    psref_release_checked(t.m, obj(0), 1);
  });

  test('acquire refuses targets that are not live', () => {
    const t = setup();
    const o = t.ops[engine];
    expect(o.acquire(obj(0), 0)).toBe(0); // never initialised
    psref_target_init(t.m, obj(0), CLS);
    psref_target_destroy(t.m, obj(0));
    expect(o.acquire(obj(0), 0)).toBe(0); // destroyed
    t.m.u32.fill(POISON, obj(1) >>> 2, (obj(1) + PSRT_SIZE) >>> 2);
    expect(o.acquire(obj(1), 0)).toBe(0); // freed and poisoned
  });

  test('destroy waits for every CPU: a held reference holds it back, a draining target cannot be acquired', () => {
    const t = setup();
    const o = t.ops[engine];
    psref_target_init(t.m, obj(0), CLS);
    o.acquire(obj(0), 3);
    o.acquire(obj(0), 1);
    expect(() => psref_target_destroy(t.m, obj(0), QUICK)).toThrow(PsrefTimeout);
    expect(t.w(obj(0) + PSRT_STATE)).toBe(PSRT_DRAINING);
    expect(t.count(obj(0), 1)).toBe((PSREF_WAITER | 1) >>> 0); // flagged by the destroy that slept on it
    expect(o.acquire(obj(0), 2)).toBe(0);
    o.release(obj(0), 1);
    expect(() => psref_target_destroy(t.m, obj(0), QUICK)).toThrow(/CPU 3 still holds/);
    o.release(obj(0), 3);
    psref_target_destroy(t.m, obj(0), QUICK); // a timed-out destroy can be finished
  });

  test('destroy_async resolves when the last reference goes, woken by the release', async () => {
    const t = setup();
    const o = t.ops[engine];
    psref_target_init(t.m, obj(0), CLS);
    o.acquire(obj(0), 2);
    const d = psref_target_destroy_async(t.m, obj(0), { timeoutMs: 5000 });
    const early = await Promise.race([d.then(() => 'done'), new Promise((r) => setTimeout(() => r('pending'), 30))]);
    expect(early).toBe('pending');
    expect(t.count(obj(0), 2)).toBe((PSREF_WAITER | 1) >>> 0);
    const t0 = performance.now();
    o.release(obj(0), 2);
    await d;
    expect(performance.now() - t0).toBeLessThan(1000); // woken by the release, not timed out (5 s)
    expect(t.count(obj(0), 2)).toBe(0); // the column is clean for the index's next target
  });
});

test('the two engines leave the same counters', () => {
  const a = setup(),
    b = setup();
  for (const t of [a, b]) for (let i = 0; i < 5; i++) psref_target_init(t.m, obj(i), CLS);
  let seed = 99;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 3000; i++) {
    const tg = obj(rnd(5)),
      c = rnd(NCPU);
    if (rnd(2)) expect(b.ops.wasm.acquire(tg, c)).toBe(a.ops.ts.acquire(tg, c));
    else expect(b.ops.wasm.release(tg, c)).toBe(a.ops.ts.release(tg, c));
  }
  const bytes = (t: ReturnType<typeof setup>) => Array.from(t.m.u8.subarray(CLS, CLS + psrefClassSize(NCPU, CAP)));
  expect(bytes(b)).toEqual(bytes(a));
  expect(psref_errors(a.m, CLS)).toBeGreaterThan(0);
});
