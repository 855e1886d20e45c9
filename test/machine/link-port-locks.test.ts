// LinkPort's locks for rings with more than one driver-side thread (a TAP queue: its I/O threads and
// the CPU that writes short bursts itself, ts/host/tap-direct-tx.ts): the TX sender lock with its
// descriptor and its re-check, the RX producer lock, over a hand-built memory.
import { describe, expect, test } from '@jest/globals';
import {
  BUF_HEADROOM,
  RXD_BUF,
  RXD_SIZE,
  RXR_HW,
  RXR_NSLOT,
  RXR_PRODUCER,
  RXR_SIZE,
  TXD_BUF,
  TXD_LEN,
  TXD_SIZE,
  TXR_FD,
  TXR_HEAD,
  TXR_NSLOT,
  TXR_SENDER,
  TXR_SENT,
  TXR_SIZE,
} from '../../assembly/layout.js';
import { LinkPort, type LinkPortSpec } from '../../ts/machine/link-port.js';

const MP = 0;
const QS = 256;
const TX = 1024;
const RX = 2048;
const CLUSTERS = 8192;
const NSLOT = 8;

function memory(): { mem: WebAssembly.Memory; dv: DataView; spec: LinkPortSpec } {
  const mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const dv = new DataView(mem.buffer);
  dv.setUint32(TX + TXR_NSLOT, NSLOT, true);
  dv.setUint32(RX + RXR_NSLOT, NSLOT, true);
  for (let i = 0; i < NSLOT; i++) {
    dv.setUint32(TX + TXR_SIZE + i * TXD_SIZE + TXD_BUF, CLUSTERS + i * 128, true);
    dv.setUint16(TX + TXR_SIZE + i * TXD_SIZE + TXD_LEN, 60 + i, true);
    dv.setUint32(RX + RXR_SIZE + i * RXD_SIZE + RXD_BUF, CLUSTERS + 4096 + i * 256, true);
  }
  return { mem, dv, spec: { name: 'wm0', ifindex: 1, mp: MP, rx: [{ ring: RX, qs: QS }], tx: [TX] } };
}

type Sent = [fd: number, at: number, len: number];

describe('TX sender lock (TXR_SENDER) and descriptor (TXR_FD)', () => {
  test('sends [sent, head) to the ring descriptor, publishes sent, lets the lock go', () => {
    const { mem, dv, spec } = memory();
    const port = new LinkPort(mem, spec);
    port.txSetDescriptor(5);
    expect(dv.getInt32(TX + TXR_FD, true)).toBe(6);
    dv.setUint32(TX + TXR_HEAD, 3, true);
    expect(port.txBacklog()).toBe(3);
    const sent: Sent[] = [];
    expect(port.txSendExclusive((fd, _u8, at, len) => sent.push([fd, at, len]))).toBe(3);
    expect(sent).toEqual([0, 1, 2].map((i) => [5, CLUSTERS + i * 128, 60 + i]));
    expect(dv.getUint32(TX + TXR_SENT, true)).toBe(3);
    expect(dv.getUint32(TX + TXR_SENDER, true)).toBe(0);
    expect(port.txBacklog()).toBe(0);
  });

  test('another sender holding the lock: -1, nothing sent', () => {
    const { mem, dv, spec } = memory();
    const port = new LinkPort(mem, spec);
    port.txSetDescriptor(5);
    dv.setUint32(TX + TXR_HEAD, 2, true);
    dv.setUint32(TX + TXR_SENDER, 1, true);
    const sent: Sent[] = [];
    expect(port.txSendExclusive((fd, _u8, at, len) => sent.push([fd, at, len]))).toBe(-1);
    expect(port.txWithDescriptor(() => sent.push([0, 0, 0]))).toBe(false);
    expect(sent).toEqual([]);
    expect(dv.getUint32(TX + TXR_SENT, true)).toBe(0);
  });

  test('frames posted while the lock was held are sent before the holder returns', () => {
    const { mem, dv, spec } = memory();
    const port = new LinkPort(mem, spec);
    port.txSetDescriptor(7);
    dv.setUint32(TX + TXR_HEAD, 1, true);
    const sent: Sent[] = [];
    const n = port.txSendExclusive((fd, _u8, at, len) => {
      // a CPU posts two more meanwhile and, finding the lock taken, leaves them to the holder
      if (sent.length === 0) dv.setUint32(TX + TXR_HEAD, 3, true);
      sent.push([fd, at, len]);
    });
    expect(n).toBe(3);
    expect(sent.map((s) => s[2])).toEqual([60, 61, 62]);
    expect(dv.getUint32(TX + TXR_SENT, true)).toBe(3);
  });

  test('no descriptor (detached): the frames are handed over with fd -1, for the sender to count', () => {
    const { mem, dv, spec } = memory();
    const port = new LinkPort(mem, spec);
    dv.setUint32(TX + TXR_HEAD, 2, true);
    const fds: number[] = [];
    expect(port.txSendExclusive((fd) => fds.push(fd))).toBe(2);
    expect(fds).toEqual([-1, -1]);
    expect(port.txDescriptor()).toBe(-1);
    expect(port.txWithDescriptor(() => fds.push(0))).toBe(false);
    port.txSetDescriptor(9);
    expect(port.txWithDescriptor((fd) => fds.push(fd))).toBe(true);
    expect(fds).toEqual([-1, -1, 9]);
    expect(dv.getUint32(TX + TXR_SENDER, true)).toBe(0);
  });
});

describe('RX producer lock (RXR_PRODUCER)', () => {
  test('two producers take turns; each continues from the published hw', () => {
    const { mem, dv, spec } = memory();
    const a = new LinkPort(mem, spec);
    const b = new LinkPort(mem, spec);
    expect(a.rxLock(0)).toBe(true);
    expect(b.rxLock(0)).toBe(false); // held by a
    expect(a.rxSlot(0)).toBe(CLUSTERS + 4096 + BUF_HEADROOM);
    a.rxDone(0, 60);
    a.rxDone(0, 61);
    a.rxUnlock(0);
    expect(dv.getUint32(RX + RXR_HW, true)).toBe(2);
    expect(dv.getUint32(RX + RXR_PRODUCER, true)).toBe(0);
    expect(b.rxLock(0)).toBe(true);
    expect(b.rxSlot(0)).toBe(CLUSTERS + 4096 + 2 * 256 + BUF_HEADROOM); // slot 2, not b's stale 0
    b.rxDone(0, 62);
    b.rxUnlock(0);
    expect(dv.getUint32(RX + RXR_HW, true)).toBe(3);
    expect(a.rxLock(0, true)).toBe(true);
    expect(a.rxSlot(0)).toBe(CLUSTERS + 4096 + 3 * 256 + BUF_HEADROOM);
    a.rxUnlock(0);
  });
});
