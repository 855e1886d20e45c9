// The generator alone (issue 14): frames/s the generator's pass (gen-wire.ts: rxr_place with the
// template's RSS hash, the bookkeeping, the hw publish) puts into a 2048-slot RX ring that a drain
// empties after each pass (sw = hw, no CPU work), 64-byte templates over 1,024 flows, WASM and TS.
// An upper bound of what the generator thread can offer; the median of 7 samples of 0.3 s each.
//   node dist/bench/gen-alone.js
import os from 'node:os';
import {
  LAYOUT_BASE,
  QS_COUNT,
  QS_FLAGS,
  QS_FRAMES,
  QS_HASHES,
  QS_LEN,
  QS_SIZE,
  QS_STRIDE,
  QS_TMPL,
  QS_TOKENS,
  QSF_PACED,
  RXR_HW,
  RXR_SW,
} from '../assembly/layout.js';
import { buildBuffers, buffersBytes, type BufferPlan } from '../ts/machine/buffers.js';
import { makeWire } from '../ts/machine/gen-wire.js';
import { Arena } from '../ts/stack/arena.js';
import { type KernelImpl, makeKernels } from '../ts/stack/kernels.js';
import { createMemory } from '../ts/stack/wasm.js';
import { median, table } from './common.js';

const FLOWS = 1024;
const SIZE = 64;
const BATCH = 256;
const PLAN: BufferPlan = {
  nics: [{ ifindex: 1, queues: 1 }],
  ifSlots: 2,
  cpus: 1,
  batch: BATCH,
  rxSlots: 2048,
  cacheCap: BATCH,
};

function sample(engine: KernelImpl, ms: number): number {
  const bytes = LAYOUT_BASE + buffersBytes(PLAN) + FLOWS * (SIZE + 8) + QS_SIZE + 65536;
  const memory = createMemory(bytes);
  const k = makeKernels(engine, memory);
  const dv = new DataView(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const a = new Arena(LAYOUT_BASE, bytes);
  const tmpl = a.alloc(FLOWS * SIZE);
  for (let i = 0; i < FLOWS * SIZE; i++) dv.setUint8(tmpl + i, (i * 7) & 255);
  const hashes = a.alloc(FLOWS * 8, 8);
  for (let f = 0; f < FLOWS; f++) dv.setUint32(hashes + f * 8, Math.imul(f + 1, 0x9e3779b9) >>> 0, true);
  const qs = a.alloc(QS_SIZE);
  const b = buildBuffers(dv, a, PLAN);
  const rxr = b.rx.get(1)![0]!;
  const set = (o: number, v: number) => dv.setUint32(qs + o, v, true);
  set(QS_TMPL, tmpl);
  set(QS_COUNT, FLOWS);
  set(QS_LEN, SIZE);
  set(QS_STRIDE, SIZE);
  set(QS_HASHES, hashes);
  set(QS_FLAGS, QSF_PACED); // a trial at rate 0: a batch a pass, no more than the ring's room
  set(QS_TOKENS, 0xffffffff);
  const wire = makeWire(k, dv, BATCH, qs, 0, true);
  const end = performance.now() + ms;
  const t0 = performance.now();
  let made = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) {
      made += wire.receive(qs, rxr, true, 0);
      Atomics.store(i32, (rxr + RXR_SW) >> 2, Atomics.load(i32, (rxr + RXR_HW) >> 2)); // the drain
    }
  }
  const s = (performance.now() - t0) / 1000;
  if (dv.getUint32(qs + QS_FRAMES, true) !== made) throw new Error('frames made and counted differ');
  return made / s;
}

const rows: (string | number)[][] = [];
for (const engine of ['wasm', 'ts'] as const) {
  sample(engine, 100); // warm the JIT
  const xs = Array.from({ length: 7 }, () => sample(engine, 300));
  const sorted = [...xs].sort((x, y) => x - y);
  rows.push([
    engine,
    (median(xs) / 1e6).toFixed(2),
    `${(sorted[0]! / 1e6).toFixed(2)}-${(sorted[6]! / 1e6).toFixed(2)}`,
  ]);
}
console.log(
  `generator alone, ${SIZE}-byte frames, ${FLOWS} flows, 2048-slot ring; load ${os.loadavg()[0]!.toFixed(2)}`,
);
console.log(table(['engine', 'median Mfps', 'min-max'], rows));
