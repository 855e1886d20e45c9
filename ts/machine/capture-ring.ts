// Taps: the engine's bpf(4). A tap records the frames that pass one interface, received, transmitted
// or both, as they pass: each CPU copies them into its own capture ring for the tap (single
// producer), and the control plane's thread drains the rings (single consumer) into a pcap writer
// (the pcap driver's `out:` recording) or out to a capture client (`mpstack capture`). A full ring
// drops the frame and counts it (CR_OVERRUNS): a slow reader loses frames to its capture, it never
// slows forwarding down, and it never loses one silently.
//
// Where frames are taken (cpu-loop.ts): received ones from the batch's descriptors before fwd_batch
// (the frame as the wire brought it, on the wire interface: PD_RXIF before VLAN demux), transmitted
// ones from the tx list after it (TX_IF is the wire interface too: a vlan's frames carry their tag).
// Both inside the batch's pserialize read section, which is what lets a tap be disarmed safely.
//
// Arming protocol (MP_TAPS in assembly/layout/machine.ts, one bit per tap):
//   arm      the control plane initialises the tap's rings (tapArm), then sets its bit (Atomics.or):
//            a CPU that sees the bit sees the initialised headers
//   record   a CPU loads MP_TAPS once per batch; zero (nobody listens) costs nothing more
//   disarm   the control plane clears the bit (Atomics.and) and waits a grace period: every batch
//            that could have seen it set has ended, so the rings are the reader's alone again
// Layout: CR_*, CRS_* in assembly/layout/capture.ts.
import {
  CR_SIZE,
  CR_HEAD,
  CR_TAIL,
  CR_SLOTS,
  CR_SLOT_BYTES,
  CR_OVERRUNS,
  CR_IF,
  CR_DIR,
  CRD_IN,
  CRD_OUT,
  CRS_LEN,
  CRS_SEC,
  CRS_NSEC,
  CRS_DIR,
  CRS_DATA,
  MAX_FRAME,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
} from '../../assembly/layout.js';

export { CRD_IN, CRD_OUT } from '../../assembly/layout.js';

export const CR_SLOT = Math.ceil((CRS_DATA + MAX_FRAME) / 64) * 64;

export function ringBytes(slots: number): number {
  return CR_SIZE + slots * CR_SLOT;
}

/**
 * Initialises one ring of a tap: empty, no overruns, recording `dirs` (CRD_* mask) on `ifindex`.
 * `slots` is a power of two (the counters wrap at 2^32 and index slots modulo `slots`).
 * The caller guarantees no CPU writes the ring: its tap's MP_TAPS bit is clear and a grace period
 * has passed since it was cleared (or the CPUs have not started).
 */
export function tapArm(dv: DataView, at: number, slots: number, ifindex: number, dirs: number): void {
  for (let o = 0; o < CR_SIZE; o += 4) dv.setUint32(at + o, 0, true);
  dv.setUint32(at + CR_SLOTS, slots, true);
  dv.setUint32(at + CR_SLOT_BYTES, CR_SLOT, true);
  dv.setUint32(at + CR_IF, ifindex, true);
  dv.setUint32(at + CR_DIR, dirs, true);
}

/** Producer side of one frame: into ring r, or counted as an overrun when r is full. */
function tapPut(
  i32: Int32Array,
  dv: DataView,
  u8: Uint8Array,
  r: number,
  buf: number,
  len: number,
  dir: number,
  sec: number,
  nsec: number,
): void {
  const head = Atomics.load(i32, (r + CR_HEAD) >> 2);
  const slots = dv.getUint32(r + CR_SLOTS, true);
  if ((head - Atomics.load(i32, (r + CR_TAIL) >> 2)) >>> 0 >= slots) {
    dv.setUint32(r + CR_OVERRUNS, dv.getUint32(r + CR_OVERRUNS, true) + 1, true);
    return;
  }
  const s = r + CR_SIZE + ((head >>> 0) % slots) * CR_SLOT;
  dv.setUint32(s + CRS_LEN, len, true);
  dv.setUint32(s + CRS_SEC, sec, true);
  dv.setUint32(s + CRS_NSEC, nsec, true);
  dv.setUint32(s + CRS_DIR, dir, true);
  u8.copyWithin(s + CRS_DATA, buf, buf + len);
  Atomics.store(i32, (r + CR_HEAD) >> 2, (head + 1) | 0); // release: the slot is written
}

/**
 * Producer (a worker CPU, inside its batch's read section, before fwd_batch): records the batch's
 * received frames, descriptors [0, n) at `pd0`, in every armed tap (`armed`: MP_TAPS as loaded;
 * `rings[bit]`: this CPU's ring of the tap with that bit) that takes inbound frames of their interface.
 */
export function tapRecordRx(
  i32: Int32Array,
  dv: DataView,
  u8: Uint8Array,
  rings: readonly number[],
  armed: number,
  pd0: number,
  n: number,
  nowMs: number,
): void {
  tapRecord(i32, dv, u8, rings, armed, nowMs, CRD_IN, pd0, n, PD_SIZE, PD_RXIF, PD_BUF, PD_LEN);
}

/**
 * Producer (a worker CPU, inside its batch's read section, after fwd_batch or nev_down_drain):
 * records the tx list's `ntx` entries at `tx` in every armed tap that takes outbound frames of
 * their interface. Arguments as tapRecordRx's.
 */
export function tapRecordTx(
  i32: Int32Array,
  dv: DataView,
  u8: Uint8Array,
  rings: readonly number[],
  armed: number,
  tx: number,
  ntx: number,
  nowMs: number,
): void {
  tapRecord(i32, dv, u8, rings, armed, nowMs, CRD_OUT, tx, ntx, TX_SIZE, TX_IF, TX_BUF, TX_LEN);
}

/**
 * Both directions' walk: `n` records of `stride` bytes from `base`, each naming its interface (u16 at
 * `atIf`), frame address (u32 at `atBuf`) and length (u16 at `atLen`), into every armed tap of that
 * interface that takes direction `dir`.
 */
function tapRecord(
  i32: Int32Array,
  dv: DataView,
  u8: Uint8Array,
  rings: readonly number[],
  armed: number,
  nowMs: number,
  dir: number,
  base: number,
  n: number,
  stride: number,
  atIf: number,
  atBuf: number,
  atLen: number,
): void {
  const sec = Math.floor(nowMs / 1000);
  const nsec = Math.floor((nowMs - sec * 1000) * 1e6);
  for (let b = 0; b < rings.length; b++) {
    if ((armed & (1 << b)) === 0) continue;
    const r = rings[b]!;
    if ((dv.getUint32(r + CR_DIR, true) & dir) === 0) continue;
    const ifx = dv.getUint32(r + CR_IF, true);
    for (let i = 0; i < n; i++) {
      const e = base + i * stride;
      if (dv.getUint16(e + atIf, true) !== ifx) continue;
      tapPut(i32, dv, u8, r, dv.getUint32(e + atBuf, true), dv.getUint16(e + atLen, true), dir, sec, nsec);
    }
  }
}

/** A frame as a tap recorded it: a copy of its bytes, when, and which way it went (CRD_IN or CRD_OUT). */
export interface TapFrame {
  data: Uint8Array;
  sec: number;
  nsec: number;
  dir: number;
}

/**
 * Consumer (the control plane's thread): hands up to `max` frames published in ring r to `take`,
 * oldest first, and frees their slots. Returns how many it handed.
 */
export function ringDrain(
  i32: Int32Array,
  dv: DataView,
  u8: Uint8Array,
  r: number,
  take: (f: TapFrame) => void,
  max = Number.POSITIVE_INFINITY,
): number {
  const head = Atomics.load(i32, (r + CR_HEAD) >> 2); // acquire: the slots below it are written
  let tail = Atomics.load(i32, (r + CR_TAIL) >> 2);
  const slots = dv.getUint32(r + CR_SLOTS, true);
  let n = 0;
  // head and tail count frames modulo 2^32 (int32 words): compared and stepped as such
  for (; tail !== head && n < max; tail = (tail + 1) | 0, n++) {
    const s = r + CR_SIZE + ((tail >>> 0) % slots) * CR_SLOT;
    take({
      data: u8.slice(s + CRS_DATA, s + CRS_DATA + dv.getUint32(s + CRS_LEN, true)),
      sec: dv.getUint32(s + CRS_SEC, true),
      nsec: dv.getUint32(s + CRS_NSEC, true),
      dir: dv.getUint32(s + CRS_DIR, true),
    });
  }
  Atomics.store(i32, (r + CR_TAIL) >> 2, tail); // release: the slots are the producer's again
  return n;
}

export function ringOverruns(dv: DataView, r: number): number {
  return dv.getUint32(r + CR_OVERRUNS, true);
}
