// The if_snd fallback for NICs without TX multi-queue (NIC_MODELS[...].multiqueue false): every
// frame a CPU transmits on such an interface is enqueued under the interface's one lock (and the
// sink drains it at once). Multi-queue interfaces skip this: each CPU hands frames straight to its
// own TX queue. Layout: IS_* in assembly/layout.ts.
import { IS_SIZE, IS_LOCK, IS_CONTENDED, IS_FRAMES, IS_BYTES, TX_SIZE, TX_LEN, TX_IF } from '../../assembly/layout.js';

/** A CPU's transmits of one batch: the single-queue ones go through their interface's if_snd lock. */
export function ifSndEnqueue(i32: Int32Array, dv: DataView, base: number, single: readonly boolean[], tx: number, ntx: number, cpu: number): void {
  for (let e = 0; e < ntx; e++) {
    const t = tx + e * TX_SIZE;
    const ifx = dv.getUint16(t + TX_IF, true);
    if (!single[ifx]) continue;
    const q = base + ifx * IS_SIZE;
    const lock = (q + IS_LOCK) >> 2;
    while (Atomics.compareExchange(i32, lock, 0, cpu + 1) !== 0) Atomics.add(i32, (q + IS_CONTENDED) >> 2, 1);
    dv.setBigUint64(q + IS_FRAMES, dv.getBigUint64(q + IS_FRAMES, true) + 1n, true);
    dv.setBigUint64(q + IS_BYTES, dv.getBigUint64(q + IS_BYTES, true) + BigInt(dv.getUint16(t + TX_LEN, true)), true);
    Atomics.store(i32, lock, 0);
  }
}

export function ifSndStats(dv: DataView, base: number, ifindex: number): { frames: number; bytes: number; contended: number } {
  const q = base + ifindex * IS_SIZE;
  return { frames: Number(dv.getBigUint64(q + IS_FRAMES, true)), bytes: Number(dv.getBigUint64(q + IS_BYTES, true)), contended: dv.getUint32(q + IS_CONTENDED, true) };
}
