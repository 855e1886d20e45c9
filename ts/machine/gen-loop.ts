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
  while (Atomics.load(i32, (d.mp + MP_STOP) >> 2) === 0) {
    const seen = Atomics.load(i32, bell);
    let made = 0;
    let running = false;
    const nowMs = performance.timeOrigin + performance.now();
    for (const q of queues) {
      Atomics.store(i32, q.busy, 1);
      if ((Atomics.load(i32, (q.vt + VT_FLAGS) >> 2) & VTF_DISABLED) === 0) {
        const sent = (u32(q.qs + QS_FRAMES) - u32(q.qs + QS_LIMIT)) >>> 0;
        if (sent < u32(q.qs + QS_TOKENS)) {
          running = true;
          made += wire.receive(q.qs, u32(q.qs + QS_RXR), u32(q.vt + VT_MODE) === VTM_POLL, nowMs);
        }
      }
      Atomics.store(i32, q.busy, 0);
    }
    if (made > 0) {
      // the interrupt: the CPUs wake as for a link's frames
      Atomics.add(i32, bell, 1);
      Atomics.notify(i32, bell);
    }
    // no trial under way: sleep until offer() (or anyone) rings; during one, spin on the clock as a NIC's line runs
    if (!running) Atomics.wait(i32, bell, seen, 5);
  }
  done();
}
