// The pcap driver's transmit side: each CPU copies the frames it transmits on a recording
// interface into its own capture ring (single producer), and the control plane drains the rings
// into a pcap writer (single consumer). A full ring drops the frame and counts it (CR_OVERRUNS):
// recording never slows forwarding down and never loses a frame silently. Layout: CR_* in
// assembly/layout/capture.ts.
import {
  CR_SIZE,
  CR_HEAD,
  CR_TAIL,
  CR_SLOTS,
  CR_SLOT_BYTES,
  CR_OVERRUNS,
  CR_IF,
  CRS_LEN,
  CRS_SEC,
  CRS_NSEC,
  CRS_DATA,
  MAX_FRAME,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
} from '../../assembly/layout.js';
import type { PcapWriter } from '../io/pcap.js';

export const CR_SLOT = Math.ceil((CRS_DATA + MAX_FRAME) / 64) * 64;

export function ringBytes(slots: number): number {
  return CR_SIZE + slots * CR_SLOT;
}

export function ringInit(dv: DataView, at: number, slots: number, ifindex: number): void {
  for (let o = 0; o < CR_SIZE; o += 4) dv.setUint32(at + o, 0, true);
  dv.setUint32(at + CR_SLOTS, slots, true);
  dv.setUint32(at + CR_SLOT_BYTES, CR_SLOT, true);
  dv.setUint32(at + CR_IF, ifindex, true);
}

/** Producer (a worker CPU, after fwd_batch): records the batch's tx entries that go out on a ring's interface. */
export function ringRecord(
  i32: Int32Array,
  dv: DataView,
  u8: Uint8Array,
  rings: readonly number[],
  tx: number,
  ntx: number,
  nowMs: number,
): void {
  const sec = Math.floor(nowMs / 1000);
  const nsec = Math.floor((nowMs - sec * 1000) * 1e6);
  for (let e = 0; e < ntx; e++) {
    const t = tx + e * TX_SIZE;
    const ifx = dv.getUint16(t + TX_IF, true);
    for (const r of rings) {
      if (dv.getUint32(r + CR_IF, true) !== ifx) continue;
      const head = Atomics.load(i32, (r + CR_HEAD) >> 2);
      const slots = dv.getUint32(r + CR_SLOTS, true);
      if (head - Atomics.load(i32, (r + CR_TAIL) >> 2) >= slots) {
        dv.setUint32(r + CR_OVERRUNS, dv.getUint32(r + CR_OVERRUNS, true) + 1, true);
        break;
      }
      const s = r + CR_SIZE + (head % slots) * CR_SLOT;
      const len = dv.getUint16(t + TX_LEN, true);
      const buf = dv.getUint32(t + TX_BUF, true);
      dv.setUint32(s + CRS_LEN, len, true);
      dv.setUint32(s + CRS_SEC, sec, true);
      dv.setUint32(s + CRS_NSEC, nsec, true);
      u8.copyWithin(s + CRS_DATA, buf, buf + len);
      Atomics.store(i32, (r + CR_HEAD) >> 2, head + 1);
      break;
    }
  }
}

/** Consumer (the control plane): moves everything published so far into the writer. Returns frames moved. */
export function ringDrain(i32: Int32Array, dv: DataView, u8: Uint8Array, r: number, w: PcapWriter): number {
  const head = Atomics.load(i32, (r + CR_HEAD) >> 2);
  let tail = Atomics.load(i32, (r + CR_TAIL) >> 2);
  const slots = dv.getUint32(r + CR_SLOTS, true);
  const n = head - tail;
  for (; tail !== head; tail++) {
    const s = r + CR_SIZE + (tail % slots) * CR_SLOT;
    w.add(
      u8.slice(s + CRS_DATA, s + CRS_DATA + dv.getUint32(s + CRS_LEN, true)),
      dv.getUint32(s + CRS_SEC, true),
      dv.getUint32(s + CRS_NSEC, true),
    );
  }
  Atomics.store(i32, (r + CR_TAIL) >> 2, tail);
  return n;
}

export function ringOverruns(dv: DataView, r: number): number {
  return dv.getUint32(r + CR_OVERRUNS, true);
}
