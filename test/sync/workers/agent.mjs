// A worker thread playing one CPU for the test/sync tests. Plain ESM over the built code (dist/ and
// build/mpstack.wasm: run `npm run build` first). The reader side runs either through the TS twin
// (engine 'ts') or through the WASM module instantiated over the same shared memory ('wasm').
//
// workerData: { memory, ctl: SharedArrayBuffer (Int32Array of CTL_WORDS), clock: SharedArrayBuffer
// (Int32Array[1], a tick counter shared by every agent and the test), engine, cpu, task, ...task args }
//
// ctl words: STATE (ENTERED once inside / holding, EXITING just before leaving, DONE after), GATE
// (the test stores 1 and notifies to let a parked agent go), T_EXITING / T_DONE (clock ticks at which
// those happened: comparable across threads), and task results.
import { parentPort, workerData } from 'node:worker_threads';
import { Mem } from '../../../dist/ts/kernels/util/mem.js';
import { instantiateWasm } from '../../../dist/ts/stack/wasm.js';
import { psz_read_enter, psz_read_exit, psz_perform } from '../../../dist/ts/sync/pserialize.js';
import { psref_acquire, psref_release } from '../../../dist/ts/sync/psref.js';
import { pslist_reader_first, pslist_reader_next } from '../../../dist/ts/sync/pslist.js';
import { POISON } from '../../../dist/assembly/layout.js';

export const STATE = 0,
  GATE = 1,
  T_EXITING = 2,
  T_DONE = 3,
  R_WALKS = 4,
  R_ELEMS = 5,
  R_BAD = 6,
  R_BAD_ELEM = 7,
  R_BAD_WORD = 8,
  STOP = 9;
export const ENTERED = 1,
  EXITING = 2,
  DONE = 3;

const { memory, engine, cpu, task } = workerData;
const ctl = new Int32Array(workerData.ctl);
const clock = new Int32Array(workerData.clock);
const m = new Mem(memory);
const x = engine === 'wasm' ? instantiateWasm(memory) : null;
const tick = () => Atomics.add(clock, 0, 1) + 1;

const enter = x ? (psz) => x.psz_read_enter(psz, cpu) : (psz) => psz_read_enter(m, psz, cpu);
const exit = x ? (psz) => x.psz_read_exit(psz, cpu) : (psz) => psz_read_exit(m, psz, cpu);
const acquire = x ? (t) => x.psref_acquire(t, cpu) >>> 0 : (t) => psref_acquire(m, t, cpu);
const release = x ? (t) => x.psref_release(t, cpu) >>> 0 : (t) => psref_release(m, t, cpu);
const first = x ? (h) => x.pslist_reader_first(h) >>> 0 : (h) => pslist_reader_first(m, h);
const next = x ? (e, off) => x.pslist_reader_next(e, off) >>> 0 : (e, off) => pslist_reader_next(m, e, off);

function announce(state) {
  if (state === EXITING) ctl[T_EXITING] = tick();
  if (state === DONE) ctl[T_DONE] = tick();
  Atomics.store(ctl, STATE, state);
  Atomics.notify(ctl, STATE);
}

/** Parks this thread (the "descheduled" CPU): until the gate opens, or for releaseAfterMs. */
function park() {
  if (workerData.releaseAfterMs !== undefined) {
    Atomics.wait(ctl, GATE, 0, workerData.releaseAfterMs); // a private word nobody notifies: a timed sleep
    return;
  }
  while (Atomics.load(ctl, GATE) === 0) Atomics.wait(ctl, GATE, 0);
}

const tasks = {
  /** Enters a read section (nested `depth` times), parks inside it, leaves. */
  section() {
    const depth = workerData.depth ?? 1;
    for (let i = 0; i < depth; i++) enter(workerData.psz);
    announce(ENTERED);
    park();
    announce(EXITING);
    for (let i = 0; i < depth; i++) exit(workerData.psz);
  },

  /** The talk's psref pattern: acquire inside a read section, leave it, park holding the reference, release. */
  hold() {
    enter(workerData.psz);
    const ok = acquire(workerData.target);
    exit(workerData.psz);
    if (ok !== 1) throw new Error(`psref_acquire refused on CPU ${cpu}`);
    announce(ENTERED);
    park();
    announce(EXITING);
    if (release(workerData.target) !== 1) throw new Error(`psref_release refused on CPU ${cpu}`);
  },

  /** A writer on a worker thread: one synchronous perform (Atomics.wait off the main thread). */
  perform() {
    announce(ENTERED);
    psz_perform(m, workerData.psz, { timeoutMs: 20000 });
  },

  /**
   * Walks the list inside read sections until STOP, checking every element it reaches: its payload
   * must be a live element's (magic, self pointer, check word) and nothing may be POISON.
   */
  walk() {
    const { psz, head, off, magic, elemSize } = workerData;
    const u32 = m.u32;
    const ok = (e) => {
      if (e === POISON || e % 4 !== 0 || e + elemSize > u32.byteLength) return POISON;
      const w = e >>> 2;
      for (let i = 0; i < elemSize / 4; i++) if (u32[w + i] === POISON) return POISON;
      const gen = u32[w + 2];
      if (u32[w] !== magic || u32[w + 1] !== e || u32[w + 3] !== (Math.imul(e, 0x9e3779b1) ^ gen) >>> 0) return u32[w];
      return 0;
    };
    let walks = 0,
      elems = 0;
    announce(ENTERED);
    while (Atomics.load(ctl, STOP) === 0) {
      enter(psz);
      let e = first(head);
      while (e !== 0) {
        let bad = ok(e);
        const n = bad ? 0 : next(e, off);
        if (!bad) bad = ok(e); // again after loading next: the element must not be freed under us
        if (bad) {
          if (Atomics.add(ctl, R_BAD, 1) === 0) {
            ctl[R_BAD_ELEM] = e;
            ctl[R_BAD_WORD] = bad;
          }
          break;
        }
        elems++;
        e = n;
      }
      exit(psz);
      walks++;
    }
    ctl[R_WALKS] = walks;
    ctl[R_ELEMS] = elems;
  },
};

try {
  tasks[task]();
  announce(DONE);
  parentPort.postMessage({ ok: true });
} catch (e) {
  parentPort.postMessage({ ok: false, error: String(e?.stack ? e.stack : e) });
}
