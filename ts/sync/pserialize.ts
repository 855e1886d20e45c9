// pserialize: passive serialization after NetBSD pserialize(9). The reader side (read sections) is a
// kernel, assembly/sync/pserialize.ts, with its TS twin ts/kernels/sync/pserialize.ts (re-exported
// here); this file is the writer side, TS only: psz_init and perform run on the control plane's
// thread, never in the data path, and perform sleeps in Atomics.wait or Atomics.waitAsync, which
// only the JS side can reach.
// Layout and protocol: assembly/layout/sync.ts (PSZ_*, PSC_*).
//
// What it guarantees: psz_perform returns only after every CPU that was inside a read section when
// perform began (when it read that CPU's slot, at its start) has left that section. So a writer that
// unpublishes an object with one atomic store, then performs, may free or reuse the object: no
// reader can still hold a pointer to it. Sections that begin after perform began do not hold it
// back (they cannot see the unpublished object); a CPU leaving and re-entering does not either.
// Concurrent performs are safe; each waits for the sections open at its own start.
//
// Cost: a read section is two sequentially consistent writes to the CPU's own state word (enter sets
// INSIDE, exit exchanges it for the next sequence number) plus the plain depth count; a reader
// reads and writes no other cache line. Measured: ~18 ns in TS, ~5 ns inside WASM (bench/sync.ts).
// perform is O(CPUs) loads when no section is open; otherwise it spins briefly on the busy CPU's
// slot, then flags it (PSC_WAITER) and sleeps on it until that CPU's exit notifies.
//
// Blocking: psz_perform uses Atomics.wait, which Node allows on every thread, main thread included;
// browsers forbid it on their main thread, and there psz_perform falls back to spinning (correct but
// it burns the thread: call psz_perform_async instead). psz_perform_async never blocks its thread:
// it sleeps with Atomics.waitAsync, or where that is missing polls on a 1 ms timer.
//
// When to use something else: a read section must not block (no Atomics.wait, no await inside);
// to keep an object across blocking work take a psref (ts/sync/psref.ts). perform is slow
// (a fraction of a microsecond at best, a reader's whole section at worst): batch retirements and
// perform once per batch (ts/stack/tables.ts's limbo). Never perform inside a read section of the
// same CPU: it would wait for itself forever (a timeoutMs turns that into an exception).
import {
  PSZ_EPOCH,
  PSZ_NCPU,
  PSZ_SLOTS,
  PSZ_SLOT_SIZE,
  PSZ_MAXCPU,
  PSC_STATE,
  PSC_ERRORS,
  PSC_INSIDE,
  PSC_WAITER,
} from '../../assembly/layout.js';
import { Mem } from '../kernels/util/mem.js';
import { psz_read_depth, psz_read_enter, psz_read_exit } from '../kernels/sync/pserialize.js';

export { psz_read_depth, psz_read_enter, psz_read_exit };

/** Bytes of a pserialize domain for `ncpu` CPUs (64-byte aligned). */
export function pszSize(ncpu: number): number {
  return PSZ_SLOTS + ncpu * PSZ_SLOT_SIZE;
}

export class PserializeError extends Error {
  override readonly name: string = 'PserializeError';
}

/** perform gave up waiting (options.timeoutMs): a reader is stuck in a read section. */
export class PserializeTimeout extends PserializeError {
  override readonly name = 'PserializeTimeout';
  constructor(
    readonly cpu: number,
    readonly waitedMs: number,
  ) {
    super(`pserialize perform: CPU ${cpu} still in a read section after ${Math.round(waitedMs)} ms`);
  }
}

export interface PerformOptions {
  /** checks of a busy CPU's slot before sleeping (default 200: about a microsecond) */
  spin?: number;
  /** give up after this long with a PserializeTimeout (default: wait as long as it takes) */
  timeoutMs?: number;
}

// ---- setup (writer) -----------------------------------------------------------------------------

/**
 * Sets up a domain of `ncpu` CPUs at `psz` (pszSize(ncpu) bytes, 64-byte aligned, not in use).
 * Every CPU starts outside any read section.
 */
export function psz_init(m: Mem, psz: number, ncpu: number): void {
  if (psz % 64 !== 0) throw new PserializeError(`pserialize domain at ${psz}: not 64-byte aligned`);
  if (!(ncpu >= 1 && ncpu <= PSZ_MAXCPU)) throw new PserializeError(`pserialize: ${ncpu} CPUs (1..${PSZ_MAXCPU})`);
  m.u8.fill(0, psz, psz + pszSize(ncpu));
  Atomics.store(m.u32, (psz + PSZ_NCPU) >>> 2, ncpu);
}

// ---- debug count (the reader itself is the kernel ts/kernels/sync/pserialize.ts) ---------------

/** Word index of `cpu`'s state word. */
const slotWord = (psz: number, cpu: number): number => (psz + PSZ_SLOTS + cpu * PSZ_SLOT_SIZE + PSC_STATE) >>> 2;

/** Unbalanced exits `cpu` made (exits with no section open): 0 in a correct program. A debug count for the control side. */
export function psz_read_errors(m: Mem, psz: number, cpu: number): number {
  return m.u32[slotWord(psz, cpu) + ((PSC_ERRORS - PSC_STATE) >>> 2)]!;
}

// ---- writer -------------------------------------------------------------------------------------

let blockable: boolean | undefined;

/**
 * Whether this thread may block in Atomics.wait: true in Node (main thread and workers) and in
 * browser workers; false on a browser's main thread.
 */
export function canBlock(): boolean {
  if (blockable === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // "not-equal" at once when allowed
      blockable = true;
    } catch {
      blockable = false;
    }
  }
  return blockable;
}

function ncpuOf(m: Mem, psz: number): number {
  const n = Atomics.load(m.u32, (psz + PSZ_NCPU) >>> 2);
  if (!(n >= 1 && n <= PSZ_MAXCPU)) throw new PserializeError(`no pserialize domain at ${psz} (psz_init it first)`);
  return n;
}

/**
 * The start of a perform: counts it in the epoch, then reads every CPU's state once. Returns
 * (cpu, state) pairs of the CPUs inside a section at that moment: the sections to wait out.
 */
function begin(m: Mem, psz: number): number[] {
  const ncpu = ncpuOf(m, psz);
  const u32 = m.u32;
  Atomics.add(u32, (psz + PSZ_EPOCH) >>> 2, 1);
  const busy: number[] = [];
  for (let c = 0; c < ncpu; c++) {
    const v = Atomics.load(u32, slotWord(psz, c));
    if (v & PSC_INSIDE) busy.push(c, v & ~PSC_WAITER);
  }
  return busy;
}

/** Whether the section `key` (a state word without PSC_WAITER) is still open in word `w`. */
const open = (u32: Uint32Array, w: number, key: number): boolean => (Atomics.load(u32, w) & ~PSC_WAITER) === key;

/**
 * One step of waiting for section `key` at word `w`: returns the value to sleep on (the state with
 * PSC_WAITER set, as an int32), or null once the section is over.
 */
function flag(u32: Uint32Array, w: number, key: number): number | null {
  for (;;) {
    const cur = Atomics.load(u32, w);
    if ((cur & ~PSC_WAITER) !== key) return null;
    if (cur & PSC_WAITER) return cur | 0;
    const want = (cur | PSC_WAITER) >>> 0;
    if (Atomics.compareExchange(u32, w, cur, want) === cur) return want | 0;
    // the word moved under us (the section ended, or another perform flagged it): look again
  }
}

/**
 * Waits until every CPU that was inside a read section when this call began has left it.
 * Blocks the calling thread (Atomics.wait; spinning where that is forbidden, see the file comment).
 * Caller: not inside a read section itself; throws PserializeTimeout after options.timeoutMs.
 */
export function psz_perform(m: Mem, psz: number, options: PerformOptions = {}): void {
  const busy = begin(m, psz);
  if (busy.length === 0) return;
  const u32 = m.u32;
  const spin = options.spin ?? 200;
  const t0 = performance.now();
  const deadline = t0 + (options.timeoutMs ?? Infinity);
  let i32: Int32Array | undefined;
  let block: boolean | undefined;
  for (let k = 0; k < busy.length; k += 2) {
    const c = busy[k]!,
      key = busy[k + 1]!,
      w = slotWord(psz, c);
    for (let i = 0; i < spin && open(u32, w, key); i++) {
      /* spin: most sections are short */
    }
    for (;;) {
      const sleepOn = flag(u32, w, key);
      if (sleepOn === null) break;
      const left = deadline - performance.now();
      if (left <= 0) throw new PserializeTimeout(c, performance.now() - t0);
      i32 ??= new Int32Array(u32.buffer, 0, u32.length);
      block ??= canBlock();
      if (block) Atomics.wait(i32, w, sleepOn, left);
      // else: a browser main thread, which may not block: spin (use psz_perform_async there)
    }
  }
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (
  Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult }
).waitAsync;

/**
 * psz_perform without blocking the thread: the CPUs' slots are read now (so sections beginning from
 * here on do not hold it back), and the promise resolves once the sections open at this moment have
 * ended. Sleeps with Atomics.waitAsync where the runtime has it, else polls every millisecond.
 * Rejects with PserializeTimeout after options.timeoutMs.
 */
export function psz_perform_async(m: Mem, psz: number, options: PerformOptions = {}): Promise<void> {
  let busy: number[];
  try {
    busy = begin(m, psz);
  } catch (e) {
    return Promise.reject(e);
  }
  if (busy.length === 0) return Promise.resolve();
  return waitOut(m, psz, busy, options.timeoutMs ?? Infinity);
}

async function waitOut(m: Mem, psz: number, busy: number[], timeoutMs: number): Promise<void> {
  const u32 = m.u32;
  const i32 = new Int32Array(u32.buffer, 0, u32.length);
  const t0 = performance.now();
  const deadline = t0 + timeoutMs;
  for (let k = 0; k < busy.length; k += 2) {
    const c = busy[k]!,
      key = busy[k + 1]!,
      w = slotWord(psz, c);
    for (;;) {
      const sleepOn = flag(u32, w, key);
      if (sleepOn === null) break;
      const left = deadline - performance.now();
      if (left <= 0) throw new PserializeTimeout(c, performance.now() - t0);
      if (waitAsync) {
        const r = waitAsync(i32, w, sleepOn, left);
        if (r.async) await r.value;
      } else {
        await new Promise<void>((resolve) => setTimeout(resolve, Math.min(1, left)));
      }
    }
  }
}

// ---- an object over one domain ------------------------------------------------------------------

/**
 * One pserialize domain in a memory: the reader and writer calls bound to it, for the control plane
 * (e.g. `new Tables(k, L, () => psz.perform())`). Safe to use from any thread that has the memory;
 * each thread makes its own Pserialize over the same `psz`.
 */
export class Pserialize {
  readonly m: Mem;
  constructor(
    memory: { buffer: ArrayBufferLike } | Mem,
    readonly psz: number,
  ) {
    this.m = memory instanceof Mem ? memory : new Mem(memory);
  }

  /** Lays out a fresh domain for `ncpu` CPUs at `psz` and returns it. */
  static init(memory: { buffer: ArrayBufferLike } | Mem, psz: number, ncpu: number): Pserialize {
    const p = new Pserialize(memory, psz);
    psz_init(p.m, psz, ncpu);
    return p;
  }

  get ncpu(): number {
    return ncpuOf(this.m, this.psz);
  }
  /** Performs begun on this domain (a generation number; readers never read it). */
  get epoch(): number {
    return Atomics.load(this.m.u32, (this.psz + PSZ_EPOCH) >>> 2);
  }
  readEnter(cpu: number): void {
    psz_read_enter(this.m, this.psz, cpu);
  }
  readExit(cpu: number): void {
    psz_read_exit(this.m, this.psz, cpu);
  }
  depth(cpu: number): number {
    return psz_read_depth(this.m, this.psz, cpu);
  }
  perform(options?: PerformOptions): void {
    psz_perform(this.m, this.psz, options);
  }
  performAsync(options?: PerformOptions): Promise<void> {
    return psz_perform_async(this.m, this.psz, options);
  }
}
