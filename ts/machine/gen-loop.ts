// The generator thread (MpOptions.generator 'thread'): the trial sources' NIC on a core of its own,
// as ipgen runs on another machine. For each generated queue it is the RX ring's single producer by
// link-port.ts's protocol (slots written, hw published with a release store, the CPUs' doorbell rung;
// the owner CPU takes the slots and publishes sw), pacing the trial on its own microsecond clock with
// the same wire as the inline generator (gen-wire.ts: rxr_fill with the template's RSS hash, the
// probe's stamps, interrupt moderation, frames that find the ring full counted as missed).
//
// Handoff with MpMachine.offer, which rewrites a source between trials: the thread sets QS_GENBUSY,
// then reads VT_FLAGS; a disabled vector it leaves alone. offer sets VTF_DISABLED, then waits for
// QS_GENBUSY 0 (sequentially consistent atomics on both sides: one of them sees the other).
//
// Its own pauses: ipgen runs on a machine of its own; this thread shares the OS with the router, and
// when the OS takes its core its wire sends nothing. A pause of STALL_US or more between its passes
// moves the running trials' schedules on by the pause (QS_LAST; counted in QS_GENSTALLS/_US), so the
// frames that would have fallen due meanwhile come after it at the trial's rate, not as one burst
// the router is charged with. Pauses inside a pass are not seen (a pass is a few µs of copying).
// MpOptions.genStallShift false (rfc2544 --charge-generator-pauses) counts them without moving.
//
// Runtime-neutral: only the shared memory and Atomics.wait (a Node worker thread: gen-thread-node.ts).
import {
  MP_DOORBELL,
  MP_STOP,
  QS_SIZE,
  QS_RXR,
  QS_FRAMES,
  QS_LIMIT,
  QS_TOKENS,
  QS_GENBUSY,
  QS_GENSTALLS,
  QS_GENSTALL_US,
  QS_LAST,
  QS_RATE,
  QS_FLAGS,
  QSF_PACED,
  VT_SIZE,
  VT_FLAGS,
  VT_MODE,
  VTF_DISABLED,
  VTM_POLL,
} from '../../assembly/layout.js';
import { type KernelImpl, makeKernels } from '../stack/kernels.js';
import { makeWire } from './gen-wire.js';

export interface GenWorkerData {
  memory: WebAssembly.Memory;
  engine: KernelImpl;
  /** the control block (MP_*), vector table, queue states */
  mp: number;
  vt: number;
  qs: number;
  /** the vectors whose queues it generates (QSF_GENTHREAD) */
  vectors: number[];
  /** frames per pass at most (the CPUs' batch: a NIC's DMA burst) */
  batch: number;
  /** the per-flow accounting (PRB_*), 0: none */
  probe: number;
  /** move trials' schedules on by this thread's own pauses (the default); counted either way */
  stallShift?: boolean;
}

/** A gap between two passes this long is the thread's own pause, not its work (µs). */
export const STALL_US = 20;

/**
 * A pause of `us` µs of the generator thread, for queue state `qs`: a trial under way at a rate has
 * the pause counted and (`move`) its start (QS_LAST) moved on by it; one not begun (no start yet),
 * unpaced or at rate 0 is left alone. Returns whether it counted. Called by the queue's producer only.
 */
export function movePausedSchedule(dv: DataView, qs: number, us: number, move = true): boolean {
  const u32 = (o: number) => dv.getUint32(qs + o, true);
  const late = Math.floor(us);
  if (late <= 0 || (u32(QS_FLAGS) & QSF_PACED) === 0 || u32(QS_RATE) === 0 || u32(QS_LAST) === 0) return false;
  if (move) dv.setUint32(qs + QS_LAST, (u32(QS_LAST) + late) >>> 0 || 1, true);
  dv.setUint32(qs + QS_GENSTALLS, (u32(QS_GENSTALLS) + 1) >>> 0, true);
  dv.setUint32(qs + QS_GENSTALL_US, (u32(QS_GENSTALL_US) + late) >>> 0, true);
  return true;
}

/** Runs until MP_STOP; then calls `done`. */
export function genRun(d: GenWorkerData, done: () => void): void {
  const k = makeKernels(d.engine, d.memory);
  const dv = new DataView(d.memory.buffer);
  const i32 = new Int32Array(d.memory.buffer);
  const wire = makeWire(k, dv, d.batch, d.qs, d.probe, true);
  const u32 = (p: number) => dv.getUint32(p, true);
  const bell = (d.mp + MP_DOORBELL) >> 2;
  const queues = d.vectors.map((v) => ({
    qs: d.qs + v * QS_SIZE,
    vt: d.vt + v * VT_SIZE,
    busy: (d.qs + v * QS_SIZE + QS_GENBUSY) >> 2,
  }));
  const shift = d.stallShift !== false;
  // per queue: pause (µs) seen since its last pass, applied under its QS_GENBUSY
  const pending = queues.map(() => 0);
  // the clock when this thread last finished something (0: it slept, nothing to compare with)
  let mark = 0;
  const pauseCheck = () => {
    if (mark === 0) return;
    const us = (performance.now() - mark) * 1000;
    if (us >= STALL_US) for (let j = 0; j < pending.length; j++) pending[j]! += us;
  };
  while (Atomics.load(i32, (d.mp + MP_STOP) >> 2) === 0) {
    const seen = Atomics.load(i32, bell);
    let made = 0;
    let running = false;
    for (const [j, q] of queues.entries()) {
      pauseCheck(); // the time since the last pass ended (or the loop went round): not this thread's work
      const nowMs = performance.timeOrigin + performance.now();
      Atomics.store(i32, q.busy, 1);
      if ((Atomics.load(i32, (q.vt + VT_FLAGS) >> 2) & VTF_DISABLED) === 0) {
        const sent = (u32(q.qs + QS_FRAMES) - u32(q.qs + QS_LIMIT)) >>> 0;
        if (sent < u32(q.qs + QS_TOKENS)) {
          running = true;
          if (pending[j]! > 0) movePausedSchedule(dv, q.qs, pending[j]!, shift);
          made += wire.receive(q.qs, u32(q.qs + QS_RXR), u32(q.vt + VT_MODE) === VTM_POLL, nowMs);
        }
      }
      pending[j] = 0;
      Atomics.store(i32, q.busy, 0);
      mark = performance.now();
    }
    if (made > 0) {
      // the interrupt: the CPUs wake as for a link's frames
      Atomics.add(i32, bell, 1);
      Atomics.notify(i32, bell);
    }
    // no trial under way: sleep until offer() (or anyone) rings; during one, spin on the clock as a NIC's line runs
    if (!running) {
      Atomics.wait(i32, bell, seen, 5);
      mark = 0;
    } else mark = performance.now();
  }
  done();
}
