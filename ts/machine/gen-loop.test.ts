// The generator thread's own pauses (gen-loop.ts movePausedSchedule) against its wire (gen-wire.ts):
// a trial at 1 Mfps whose generator is away for 5 ms. Charged, the 5,000 frames due meanwhile arrive
// at once and what the 2,048-slot ring cannot hold is missed; moved on, the schedule resumes where it
// stopped and nothing is missed. Both engines' rxr_place.
import { describe, expect, test } from '@jest/globals';
import {
  LAYOUT_BASE,
  QS_COUNT,
  QS_FLAGS,
  QS_GENSTALL_US,
  QS_GENSTALLS,
  QS_HASHES,
  QS_LAST,
  QS_LEN,
  QS_RATE,
  QS_SIZE,
  QS_STRIDE,
  QS_TMPL,
  QS_TOKENS,
  QSF_PACED,
  RXR_HW,
  RXR_MISSED,
  RXR_SW,
} from '../../assembly/layout.js';
import { Arena } from '../stack/arena.js';
import { type KernelImpl, makeKernels } from '../stack/kernels.js';
import { createMemory } from '../stack/wasm.js';
import { type BufferPlan, buffersBytes, buildBuffers } from './buffers.js';
import { movePausedSchedule } from './gen-loop.js';
import { makeWire } from './gen-wire.js';

const PLAN: BufferPlan = {
  nics: [{ ifindex: 1, queues: 1 }],
  ifSlots: 2,
  cpus: 1,
  batch: 256,
  rxSlots: 2048,
  cacheCap: 256,
};

function trialQueue(engine: KernelImpl, rate: number) {
  const bytes = LAYOUT_BASE + buffersBytes(PLAN) + 4 * 64 + 64 + QS_SIZE + 65536;
  const memory = createMemory(bytes);
  const k = makeKernels(engine, memory);
  const dv = new DataView(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const a = new Arena(LAYOUT_BASE, bytes);
  const tmpl = a.alloc(4 * 64);
  const hashes = a.alloc(4 * 8, 8);
  const qs = a.alloc(QS_SIZE);
  const rxr = buildBuffers(dv, a, PLAN).rx.get(1)![0]!;
  const set = (o: number, v: number) => dv.setUint32(qs + o, v, true);
  set(QS_TMPL, tmpl);
  set(QS_COUNT, 4);
  set(QS_LEN, 64);
  set(QS_STRIDE, 64);
  set(QS_HASHES, hashes);
  set(QS_FLAGS, QSF_PACED);
  set(QS_TOKENS, 1_000_000); // the trial's frames (from QS_LIMIT 0)
  set(QS_RATE, rate);
  const wire = makeWire(k, dv, 4096, qs, 0, true);
  return {
    dv,
    qs,
    /** the wire's pass at `ms` on its clock (poll mode: no moderation), then the CPU takes the ring */
    pass(ms: number): number {
      const n = wire.receive(qs, rxr, true, ms);
      Atomics.store(i32, (rxr + RXR_SW) >> 2, Atomics.load(i32, (rxr + RXR_HW) >> 2));
      return n;
    },
    missed: () => dv.getUint32(rxr + RXR_MISSED, true),
  };
}

describe('generator pauses', () => {
  test.each(['wasm', 'ts'] as const)('%s: charged they burst into the ring, moved on they do not', (engine) => {
    for (const moveOn of [false, true]) {
      const q = trialQueue(engine, 1_000_000);
      expect(q.pass(1000)).toBe(0); // the trial's start
      expect(q.pass(1000.1)).toBe(100); // 0.1 ms at 1 Mfps
      // the thread is away 5 ms
      expect(movePausedSchedule(q.dv, q.qs, 5000, moveOn)).toBe(true); // counted either way
      const after = q.pass(1005.1);
      if (moveOn) {
        expect(after).toBe(0); // nothing more fell due on the moved schedule
        expect(q.pass(1005.2)).toBe(100);
        expect(q.missed()).toBe(0);
        expect(q.dv.getUint32(q.qs + QS_GENSTALLS, true)).toBe(1);
        expect(q.dv.getUint32(q.qs + QS_GENSTALL_US, true)).toBe(5000);
      } else {
        expect(after).toBe(5000); // made, of which the ring held 2,048
        expect(q.missed()).toBe(5000 - 2048);
        expect(q.dv.getUint32(q.qs + QS_GENSTALLS, true)).toBe(1);
      }
    }
  });

  test('left alone: a trial not begun, one at rate 0, an unpaced source', () => {
    const q = trialQueue('wasm', 1_000_000);
    expect(movePausedSchedule(q.dv, q.qs, 5000)).toBe(false); // no start yet
    expect(q.dv.getUint32(q.qs + QS_LAST, true)).toBe(0);
    const r0 = trialQueue('wasm', 0);
    r0.pass(1000);
    expect(movePausedSchedule(r0.dv, r0.qs, 5000)).toBe(false);
    const u = trialQueue('wasm', 1_000_000);
    u.pass(1000);
    u.dv.setUint32(u.qs + QS_FLAGS, 0, true);
    expect(movePausedSchedule(u.dv, u.qs, 5000)).toBe(false);
    expect(movePausedSchedule(u.dv, u.qs, 0)).toBe(false);
  });
});
