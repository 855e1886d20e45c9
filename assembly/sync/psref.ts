// psref, reader side: passive references after NetBSD psref(9).
// Layout and protocol: assembly/layout/sync.ts (PRC_*, PSRT_*). TS twin: ts/kernels/sync/psref.ts; the
// writer side (psref_class_init, psref_target_init, psref_target_destroy): ts/sync/psref.ts.
//
// What it guarantees: while a CPU holds a reference to a target, psref_target_destroy on that
// target does not return, so the object embedding the target stays allocated. Unlike a pserialize
// read section, a reference may be held across blocking work (Atomics.wait, an await, a long
// batch). Acquire and release touch only the calling CPU's own counter row: no shared cache line
// is written, so references are cheap and scale with CPUs.
//
// When to use something else: for a short, non-blocking look at an object a read section alone
// is cheaper (no per-object work at all). A reference is not a lock: it keeps the object alive,
// not unchanged. A count per (CPU, target) cannot tell two holders on one CPU apart, so unlike
// NetBSD there is no per-reference record: a release on the wrong CPU goes undetected unless that
// CPU held none (then it is counted in PRC_ERRORS and refused).
//
// Caller contract: the target was reached inside a pserialize read section (or is otherwise kept
// alive, e.g. by another reference) and `cpu` is the calling thread's CPU; release on the same CPU
// that acquired. A holder must not wait for a destroy of a target it holds (it would wait forever).

import {
  PRC_STRIDE,
  PRC_COUNTS,
  PRC_ERRORS,
  PSREF_WAITER,
  PSREF_COUNT,
  PSRT_CLASS,
  PSRT_INDEX,
  PSRT_STATE,
  PSRT_LIVE,
} from '../layout/sync';

@inline function counter(cls: usize, target: usize, cpu: u32): usize {
  return (
    <usize>load<u32>(cls + PRC_COUNTS) +
    <usize>cpu * load<u32>(cls + PRC_STRIDE) +
    ((<usize>load<u32>(target + PSRT_INDEX)) << 2)
  );
}

/**
 * Takes a reference to `target` on `cpu`. Returns 1, or 0 (and takes nothing) when the target is
 * not live: never initialised, being destroyed or destroyed — a broken caller contract.
 * All plain loads and stores: the count word is this CPU's alone while no destroy can run (the
 * contract), and the read section the acquire sits in ends with a sequentially consistent
 * exchange that publishes the increment before any perform — hence any destroy — can pass.
 */
export function psref_acquire(target: usize, cpu: u32): u32 {
  if (load<u32>(target + PSRT_STATE) != PSRT_LIVE) return 0; // a debug net, not a synchronization
  const p = counter(<usize>load<u32>(target + PSRT_CLASS), target, cpu);
  store<u32>(p, load<u32>(p) + 1);
  return 1;
}

/**
 * Drops a reference to `target` on `cpu`. Returns 1, or 0 when `cpu` held none: then nothing
 * changes but the class's PRC_ERRORS count (the debug check; TS can throw on it).
 * The decrement is an atomic subtract: it orders the holder's use of the object before it, and its
 * old value tells whether a destroy sleeps on the word. The target is not read after it (destroy
 * may have returned and the object been freed by then); the count word lives in the class.
 */
export function psref_release(target: usize, cpu: u32): u32 {
  const cls = <usize>load<u32>(target + PSRT_CLASS);
  const p = counter(cls, target, cpu);
  if ((load<u32>(p) & PSREF_COUNT) == 0) {
    atomic.add<u32>(cls + PRC_ERRORS, 1);
    return 0;
  }
  const old = atomic.sub<u32>(p, 1);
  if (old == (PSREF_WAITER | 1)) atomic.notify(p, -1);
  return 1;
}

/** References `cpu` holds on `target` (for asserting a reference is held). */
export function psref_held(target: usize, cpu: u32): u32 {
  return atomic.load<u32>(counter(<usize>load<u32>(target + PSRT_CLASS), target, cpu)) & PSREF_COUNT;
}

/** Calibration for bench/sync.ts: `n` acquire+release pairs on `cpu`. Returns the pairs that took. */
export function psref_bench_pairs(target: usize, cpu: u32, n: u32): u32 {
  let ok: u32 = 0;
  for (let i: u32 = 0; i < n; i++) ok += psref_acquire(target, cpu) & psref_release(target, cpu);
  return ok;
}
