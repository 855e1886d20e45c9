// Taps over a plain shared buffer: what an armed ring takes (its interface, its directions, every
// armed tap that wants a frame), what a disarmed one does not, a full ring counting overruns instead
// of blocking, and the counters wrapping at 2^32.
import { describe, expect, test } from '@jest/globals';
import {
  CR_HEAD,
  CR_TAIL,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
} from '../../assembly/layout.js';
import {
  CRD_IN,
  CRD_OUT,
  type TapFrame,
  ringBytes,
  ringDrain,
  ringOverruns,
  tapArm,
  tapRecordRx,
  tapRecordTx,
} from './capture-ring.js';

const SLOTS = 4;
const PD = 64; // descriptors
const TX = 256; // tx list
const FRAMES = 1024; // frame bytes
const RINGS = 8192;

/** A memory with 3 received frames (on ifindex 1, 2, 1) and 2 transmitted (on 2, 1), and two rings. */
function setup() {
  const buf = new SharedArrayBuffer(RINGS + 2 * ringBytes(SLOTS));
  const i32 = new Int32Array(buf);
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  const frame = (at: number, tag: number, len: number) => {
    for (let i = 0; i < len; i++) u8[at + i] = tag;
  };
  [1, 2, 1].forEach((ifx, i) => {
    const pd = PD + i * PD_SIZE;
    const at = FRAMES + i * 100;
    frame(at, 0x10 + i, 60 + i);
    dv.setUint32(pd + PD_BUF, at, true);
    dv.setUint16(pd + PD_LEN, 60 + i, true);
    dv.setUint16(pd + PD_RXIF, ifx, true);
  });
  [2, 1].forEach((ifx, e) => {
    const t = TX + e * TX_SIZE;
    const at = FRAMES + 500 + e * 100;
    frame(at, 0x20 + e, 70 + e);
    dv.setUint32(t + TX_BUF, at, true);
    dv.setUint16(t + TX_LEN, 70 + e, true);
    dv.setUint16(t + TX_IF, ifx, true);
  });
  const rings = [RINGS, RINGS + ringBytes(SLOTS)];
  const read = (r: number, max?: number) => {
    const out: TapFrame[] = [];
    ringDrain(i32, dv, u8, r, (f) => out.push(f), max);
    return out.map((f) => ({ len: f.data.length, tag: f.data[0], dir: f.dir, sec: f.sec, nsec: f.nsec }));
  };
  const batch = (armed: number, nowMs = 1_700_000_000_123.5) => {
    tapRecordRx(i32, dv, u8, rings, armed, PD, 3, nowMs);
    tapRecordTx(i32, dv, u8, rings, armed, TX, 2, nowMs);
  };
  return { i32, dv, rings, read, batch };
}

describe('taps', () => {
  test('an armed tap takes its interface in the directions it asked for, with the time and direction', () => {
    const m = setup();
    tapArm(m.dv, m.rings[0]!, SLOTS, 1, CRD_IN | CRD_OUT);
    tapArm(m.dv, m.rings[1]!, SLOTS, 2, CRD_OUT);
    m.batch(0b11);
    const t = { sec: 1_700_000_000, nsec: 123_500_000 };
    expect(m.read(m.rings[0]!)).toEqual([
      { len: 60, tag: 0x10, dir: CRD_IN, ...t },
      { len: 62, tag: 0x12, dir: CRD_IN, ...t },
      { len: 71, tag: 0x21, dir: CRD_OUT, ...t },
    ]);
    expect(m.read(m.rings[1]!)).toEqual([{ len: 70, tag: 0x20, dir: CRD_OUT, ...t }]);
    expect(m.read(m.rings[0]!)).toEqual([]); // drained: the slots are free again
  });

  test('two taps on one interface both take its frames; a disarmed tap (bit clear) takes none', () => {
    const m = setup();
    tapArm(m.dv, m.rings[0]!, SLOTS, 1, CRD_IN);
    tapArm(m.dv, m.rings[1]!, SLOTS, 1, CRD_IN);
    m.batch(0b11);
    expect(m.read(m.rings[0]!).map((f) => f.tag)).toEqual([0x10, 0x12]);
    expect(m.read(m.rings[1]!).map((f) => f.tag)).toEqual([0x10, 0x12]);
    m.batch(0b01); // tap 1 disarmed
    expect(m.read(m.rings[0]!)).toHaveLength(2);
    expect(m.read(m.rings[1]!)).toHaveLength(0);
    m.batch(0); // nobody listens: nothing written anywhere
    expect(m.read(m.rings[0]!)).toHaveLength(0);
    expect(m.dv.getUint32(m.rings[1]! + CR_HEAD, true)).toBe(2);
  });

  test('a full ring drops and counts; re-arming empties it and zeroes the count', () => {
    const m = setup();
    const r = m.rings[0]!;
    tapArm(m.dv, r, SLOTS, 1, CRD_IN | CRD_OUT); // 3 frames a batch on ifindex 1
    m.batch(1);
    m.batch(1); // 6 offered, 4 slots
    expect(ringOverruns(m.dv, r)).toBe(2);
    expect(m.read(r, 3).map((f) => f.tag)).toEqual([0x10, 0x12, 0x21]); // oldest first, up to max
    expect(m.read(r).map((f) => f.tag)).toEqual([0x10]);
    tapArm(m.dv, r, SLOTS, 1, CRD_IN);
    expect(ringOverruns(m.dv, r)).toBe(0);
    expect(m.read(r)).toEqual([]);
  });

  test('head and tail wrap at 2^32 without losing a slot', () => {
    const m = setup();
    const r = m.rings[0]!;
    tapArm(m.dv, r, SLOTS, 1, CRD_IN);
    // as if 2^32 - 1 frames had gone through already
    Atomics.store(m.i32, (r + CR_HEAD) >> 2, -1);
    Atomics.store(m.i32, (r + CR_TAIL) >> 2, -1);
    m.batch(1); // 2 frames: head goes -1 -> 0 -> 1
    expect(m.dv.getUint32(r + CR_HEAD, true)).toBe(1);
    expect(m.read(r).map((f) => f.tag)).toEqual([0x10, 0x12]);
    expect(ringOverruns(m.dv, r)).toBe(0);
  });
});
