// TS twin of assembly/sync/psref.ts: psref's reader side (acquire, release, held), after NetBSD
// psref(9). Same layout, same protocol: assembly/layout.ts (PRC_*, PSRT_*). The contract and the
// guarantees are the AS file's; the writer side (class and target setup, destroy) and the debug
// helpers are ts/sync/psref.ts, which also re-exports these functions.
import {
  PRC_COUNTS,
  PRC_STRIDE,
  PRC_ERRORS,
  PSREF_WAITER,
  PSREF_COUNT,
  PSRT_CLASS,
  PSRT_INDEX,
  PSRT_STATE,
  PSRT_LIVE,
} from '../../../assembly/layout.js';
import type { Mem } from '../util/mem.js';

// Module-local copies of the constants acquire and release use: V8 folds these, not imported bindings.
const COUNTS_W = PRC_COUNTS >>> 2,
  STRIDE_W = PRC_STRIDE >>> 2,
  T_CLASS_W = PSRT_CLASS >>> 2,
  T_INDEX_W = PSRT_INDEX >>> 2;
const T_STATE_W = PSRT_STATE >>> 2,
  LIVE = PSRT_LIVE,
  COUNT = PSREF_COUNT,
  WAITER_1 = (PSREF_WAITER | 1) >>> 0,
  ERRORS = PRC_ERRORS;

/** Word index of `cpu`'s counter for `target` in class `cls` (the AS twin's `counter`, in words). */
function counterWord(u32: Uint32Array, cls: number, target: number, cpu: number): number {
  const h = cls >>> 2;
  return ((u32[h + COUNTS_W]! + cpu * u32[h + STRIDE_W]!) >>> 2) + u32[(target >>> 2) + T_INDEX_W]!;
}

/** Takes a reference to `target` on `cpu`: 1, or 0 (nothing taken) if the target is not live. */
export function psref_acquire(m: Mem, target: number, cpu: number): number {
  const u32 = m.u32;
  const t = target >>> 2;
  if (u32[t + T_STATE_W] !== LIVE) return 0; // a debug net (see the AS twin)
  const w = counterWord(u32, u32[t + T_CLASS_W]!, target, cpu);
  u32[w] = u32[w]! + 1;
  return 1;
}

/** Drops a reference to `target` on `cpu`: 1, or 0 when `cpu` held none (counted in PRC_ERRORS). */
export function psref_release(m: Mem, target: number, cpu: number): number {
  const u32 = m.u32;
  const cls = u32[(target >>> 2) + T_CLASS_W]!;
  const w = counterWord(u32, cls, target, cpu);
  if ((u32[w]! & COUNT) === 0) {
    Atomics.add(u32, (cls + ERRORS) >>> 2, 1);
    return 0;
  }
  if (Atomics.sub(u32, w, 1) === WAITER_1) Atomics.notify(new Int32Array(u32.buffer, w << 2, 1), 0); // a destroy sleeps here
  return 1;
}

/** References `cpu` holds on `target`. */
export function psref_held(m: Mem, target: number, cpu: number): number {
  const u32 = m.u32;
  return Atomics.load(u32, counterWord(u32, u32[(target + PSRT_CLASS) >>> 2]!, target, cpu)) & PSREF_COUNT;
}

/** `n` acquire+release pairs on `cpu` (the AS twin's calibration loop for bench/sync.ts). Returns the pairs that took. */
export function psref_bench_pairs(m: Mem, target: number, cpu: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) ok += psref_acquire(m, target, cpu) & psref_release(m, target, cpu);
  return ok;
}
