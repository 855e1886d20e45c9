// psref: passive references after NetBSD psref(9). The reader side (acquire, release, held) is a
// kernel, assembly/sync/psref.ts, with its TS twin ts/kernels/sync/psref.ts (re-exported here); this
// file is the writer side, TS only: class and target setup and destroy run on the control plane's
// thread, never in the data path, and destroy sleeps in Atomics.wait or Atomics.waitAsync.
// Layout and protocol: assembly/layout/sync.ts (PRC_*, PSRT_*).
//
// What it guarantees: psref_target_destroy returns only when no CPU holds a reference to the
// target; after it the object that embeds the target may be freed. A reference, unlike a pserialize
// read section, may be held across blocking work (an await, Atomics.wait, a long batch), and other
// CPUs' performs do not wait for it. Acquire and release write only the calling CPU's own counter
// row of the class, never a line another CPU writes: acquire is plain loads and stores, release one
// uncontended atomic subtract. References scale with CPUs.
//
// The usual pattern (NetBSD's bridge, the talk's psref slide):
//   reader:  enter read section; find obj; psref_acquire(obj.target, cpu); exit read section;
//            ...blocking work on obj...; psref_release(obj.target, cpu)
//   writer:  under its lock, unlink obj (one atomic store); pserialize perform; unlock;
//            psref_target_destroy(obj.target); free obj
// The perform is what lets destroy assume that no new acquire can start.
//
// When to use something else: a short non-blocking look needs only the read section. A reference
// keeps the object allocated, not unchanged: use a lock or copy-on-write for mutable state.
// Targets cost PSRT_SIZE bytes each plus 4 bytes per CPU in the class; a class has a fixed capacity.
//
// Debug checks: a release on a CPU that holds no reference to the target is refused (returns 0)
// and counted in the class's PRC_ERRORS; psref_release_checked throws instead. An acquire of a
// target that is not live (never initialised, being or been destroyed) is refused (returns 0).
// These are nets, not guarantees: an acquire racing with destroy breaks the contract and may keep
// the destroy waiting (its plain increment can drop the destroy's PSREF_WAITER flag).
import {
  PRC_NCPU,
  PRC_CAP,
  PRC_STRIDE,
  PRC_COUNTS,
  PRC_FREE,
  PRC_NFREE,
  PRC_NEXT,
  PRC_ERRORS,
  PRC_SIZE,
  PSREF_WAITER,
  PSREF_COUNT,
  PSRT_SIZE,
  PSRT_CLASS,
  PSRT_INDEX,
  PSRT_STATE,
  PSRT_DEAD,
  PSRT_LIVE,
  PSRT_DRAINING,
  PSZ_MAXCPU,
} from '../../assembly/layout/sync.js';
import type { Mem } from '../kernels/util/mem.js';
import { psref_acquire, psref_held, psref_release } from '../kernels/sync/psref.js';
import { canBlock } from './pserialize.js';

export { psref_acquire, psref_held, psref_release };

export class PsrefError extends Error {
  override readonly name: string = 'PsrefError';
}

/** destroy gave up waiting (options.timeoutMs): some CPU still holds a reference. */
export class PsrefTimeout extends PsrefError {
  override readonly name = 'PsrefTimeout';
  constructor(
    readonly target: number,
    readonly cpu: number,
    readonly waitedMs: number,
  ) {
    super(`psref_target_destroy(${target}): CPU ${cpu} still holds a reference after ${Math.round(waitedMs)} ms`);
  }
}

export interface DestroyOptions {
  /** checks of a holding CPU's counter before sleeping (default 200) */
  spin?: number;
  /** give up after this long with a PsrefTimeout; the target stays draining (default: no limit) */
  timeoutMs?: number;
}

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/** Bytes of a psref class for `ncpu` CPUs and `cap` targets (64-byte aligned). */
export function psrefClassSize(ncpu: number, cap: number): number {
  return PRC_SIZE + ncpu * align64(cap * 4) + align64(cap * 4);
}

// ---- setup (writer) -----------------------------------------------------------------------------

/** Lays out an empty class at `cls` (psrefClassSize(ncpu, cap) bytes, 64-byte aligned, unused). */
export function psref_class_init(m: Mem, cls: number, ncpu: number, cap: number): void {
  if (cls % 64 !== 0) throw new PsrefError(`psref class at ${cls}: not 64-byte aligned`);
  if (!(ncpu >= 1 && ncpu <= PSZ_MAXCPU)) throw new PsrefError(`psref class: ${ncpu} CPUs (1..${PSZ_MAXCPU})`);
  if (!(cap >= 1 && cap < 2 ** 28)) throw new PsrefError(`psref class: capacity ${cap}`);
  m.u8.fill(0, cls, cls + psrefClassSize(ncpu, cap));
  const stride = align64(cap * 4);
  const u32 = m.u32,
    h = cls >>> 2;
  u32[h + (PRC_NCPU >>> 2)] = ncpu;
  u32[h + (PRC_CAP >>> 2)] = cap;
  u32[h + (PRC_STRIDE >>> 2)] = stride;
  u32[h + (PRC_COUNTS >>> 2)] = cls + PRC_SIZE;
  u32[h + (PRC_FREE >>> 2)] = cls + PRC_SIZE + ncpu * stride;
}

/**
 * Makes `target` (PSRT_SIZE bytes, 4-byte aligned, inside the object it protects) a live target of
 * class `cls`. Caller: holds the class's writer lock; the object is not yet published.
 * Throws PsrefError when the class is full or the target is live already.
 */
export function psref_target_init(m: Mem, target: number, cls: number): void {
  const u32 = m.u32,
    h = cls >>> 2;
  if (target % 4 !== 0) throw new PsrefError(`psref target at ${target}: not 4-byte aligned`);
  const st = Atomics.load(u32, (target + PSRT_STATE) >>> 2);
  if (st === PSRT_LIVE || st === PSRT_DRAINING)
    throw new PsrefError(`psref target at ${target} is already initialised`);
  let idx: number;
  const nfree = u32[h + (PRC_NFREE >>> 2)]!;
  if (nfree > 0) {
    idx = u32[(u32[h + (PRC_FREE >>> 2)]! >>> 2) + nfree - 1]!;
    u32[h + (PRC_NFREE >>> 2)] = nfree - 1;
  } else {
    idx = u32[h + (PRC_NEXT >>> 2)]!;
    if (idx >= u32[h + (PRC_CAP >>> 2)]!) throw new PsrefError(`psref class at ${cls} is full (${idx} targets)`);
    u32[h + (PRC_NEXT >>> 2)] = idx + 1;
  }
  const counts = u32[h + (PRC_COUNTS >>> 2)]!,
    stride = u32[h + (PRC_STRIDE >>> 2)]!;
  for (let c = 0; c < u32[h + (PRC_NCPU >>> 2)]!; c++) {
    if (u32[(counts + c * stride) / 4 + idx] !== 0)
      throw new PsrefError(`psref class at ${cls}: index ${idx} still referenced by CPU ${c}`);
  }
  m.u8.fill(0, target, target + PSRT_SIZE);
  u32[(target + PSRT_CLASS) >>> 2] = cls;
  u32[(target + PSRT_INDEX) >>> 2] = idx;
  Atomics.store(u32, (target + PSRT_STATE) >>> 2, PSRT_LIVE); // publishes class and index to acquirers
}

// ---- debug checks (the reader itself is the kernel ts/kernels/sync/psref.ts) ------------------

/** Word index of `cpu`'s counter for `target` in class `cls` (as the reader kernel's counterWord). */
function counterWord(u32: Uint32Array, cls: number, target: number, cpu: number): number {
  const h = cls >>> 2;
  return (
    ((u32[h + (PRC_COUNTS >>> 2)]! + cpu * u32[h + (PRC_STRIDE >>> 2)]!) >>> 2) + u32[(target + PSRT_INDEX) >>> 2]!
  );
}

/** psref_release that throws PsrefError when `cpu` holds no reference to `target` (debug builds, tests). */
export function psref_release_checked(m: Mem, target: number, cpu: number): void {
  if (psref_release(m, target, cpu) === 0)
    throw new PsrefError(`psref_release(${target}) on CPU ${cpu}: no reference held`);
}

/** Misuse the class has caught so far (releases of references not held): 0 in a correct program. */
export function psref_errors(m: Mem, cls: number): number {
  return Atomics.load(m.u32, (cls + PRC_ERRORS) >>> 2);
}

// ---- writer -------------------------------------------------------------------------------------

/** Marks the target draining; returns its class. Accepts a draining target (a timed-out destroy). */
function startDestroy(m: Mem, target: number): number {
  const u32 = m.u32;
  const sw = (target + PSRT_STATE) >>> 2;
  const st = Atomics.load(u32, sw);
  if (st !== PSRT_LIVE && st !== PSRT_DRAINING)
    throw new PsrefError(`psref_target_destroy(${target}): not a live target`);
  Atomics.store(u32, sw, PSRT_DRAINING);
  return u32[(target + PSRT_CLASS) >>> 2]!;
}

/** Zeroes the target's column (stale PSREF_WAITER flags), marks it dead, frees its index (writer lock held). */
function finishDestroy(m: Mem, target: number, cls: number): void {
  const u32 = m.u32,
    h = cls >>> 2;
  for (let c = 0; c < u32[h + (PRC_NCPU >>> 2)]!; c++) Atomics.store(u32, counterWord(u32, cls, target, c), 0);
  const nfree = u32[h + (PRC_NFREE >>> 2)]!;
  u32[(u32[h + (PRC_FREE >>> 2)]! >>> 2) + nfree] = u32[(target + PSRT_INDEX) >>> 2]!;
  u32[h + (PRC_NFREE >>> 2)] = nfree + 1;
  Atomics.store(u32, (target + PSRT_STATE) >>> 2, PSRT_DEAD);
}

/**
 * One step of waiting for count word `w` to drain: null once no reference is left, else the value to
 * sleep on (the word with PSREF_WAITER set, as an int32) — set here with compareExchange, so the
 * release that takes the count to 0 sees it and notifies.
 */
function flag(u32: Uint32Array, w: number): number | null {
  for (;;) {
    const cur = Atomics.load(u32, w);
    if ((cur & PSREF_COUNT) === 0) return null;
    if (cur & PSREF_WAITER) return cur | 0;
    const want = (cur | PSREF_WAITER) >>> 0;
    if (Atomics.compareExchange(u32, w, cur, want) === cur) return want | 0;
  }
}

/**
 * Waits until no CPU holds a reference to `target`, then retires it; the object may be freed on
 * return. Caller guarantees (NetBSD's contract): no new acquire can start — the object was
 * unpublished and a pserialize perform has returned since; the caller holds none itself; the
 * class's writer lock is held (for the index's return to the free stack). Blocks the thread
 * (Atomics.wait; spins where that is forbidden). Throws PsrefTimeout after options.timeoutMs, with
 * the target left draining (destroy it again to finish).
 */
export function psref_target_destroy(m: Mem, target: number, options: DestroyOptions = {}): void {
  const cls = startDestroy(m, target);
  const u32 = m.u32;
  const ncpu = u32[(cls + PRC_NCPU) >>> 2]!;
  const spin = options.spin ?? 200;
  const t0 = performance.now();
  const deadline = t0 + (options.timeoutMs ?? Infinity);
  let i32: Int32Array | undefined;
  let block: boolean | undefined;
  for (let c = 0; c < ncpu; c++) {
    const w = counterWord(u32, cls, target, c);
    for (let k = 0; k < spin && (Atomics.load(u32, w) & PSREF_COUNT) !== 0; k++) {
      /* spin */
    }
    for (;;) {
      const sleepOn = flag(u32, w);
      if (sleepOn === null) break;
      const left = deadline - performance.now();
      if (left <= 0) throw new PsrefTimeout(target, c, performance.now() - t0);
      i32 ??= new Int32Array(u32.buffer, 0, u32.length);
      block ??= canBlock();
      if (block) Atomics.wait(i32, w, sleepOn, left);
    }
  }
  finishDestroy(m, target, cls);
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (
  Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult }
).waitAsync;

/**
 * psref_target_destroy without blocking the thread (Atomics.waitAsync, else a 1 ms poll). The target
 * is draining from the call on; the writer lock must be held until the promise settles.
 */
export async function psref_target_destroy_async(m: Mem, target: number, options: DestroyOptions = {}): Promise<void> {
  const cls = startDestroy(m, target);
  const u32 = m.u32;
  const ncpu = u32[(cls + PRC_NCPU) >>> 2]!;
  const t0 = performance.now();
  const deadline = t0 + (options.timeoutMs ?? Infinity);
  const i32 = new Int32Array(u32.buffer, 0, u32.length);
  for (let c = 0; c < ncpu; c++) {
    const w = counterWord(u32, cls, target, c);
    for (;;) {
      const sleepOn = flag(u32, w);
      if (sleepOn === null) break;
      const left = deadline - performance.now();
      if (left <= 0) throw new PsrefTimeout(target, c, performance.now() - t0);
      if (waitAsync) {
        const r = waitAsync(i32, w, sleepOn, left);
        if (r.async) await r.value;
      } else {
        await new Promise<void>((resolve) => setTimeout(resolve, Math.min(1, left)));
      }
    }
  }
  finishDestroy(m, target, cls);
}
