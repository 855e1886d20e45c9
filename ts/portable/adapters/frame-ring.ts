// A ring of length-prefixed Ethernet frames in a SharedArrayBuffer, single producer and single
// consumer, for moving frames between threads (a worker running an emulator, a packet generator,
// another stack) without a message per frame. Two rings make a link: one into the router's port,
// one out of it (attachFrameRings).
//
// Layout (all little-endian u32; the SharedArrayBuffer is the whole ring):
//
//   0   FR_HEAD     bytes written, mod 2^32      producer stores (release), consumer loads (acquire)
//   4   FR_TAIL     bytes read, mod 2^32         consumer stores (release), producer loads (acquire)
//   8   FR_DROPS    frames the producer could not place (no room): producer only
//   12  FR_CAP      data bytes (a power of two, a multiple of 4): written once at create
//   16  data[FR_CAP]
//
// A record is a u32 frame length then the frame's bytes, padded to a multiple of 4; it may wrap
// around the end of data. The producer writes a whole record, then publishes it by storing head;
// the consumer copies the record out, then frees it by storing tail. head - tail is the bytes in
// use, so the producer never overwrites what the consumer has not read. Either side may sleep on the
// other's word with Atomics.wait/waitAsync; each store is followed by a notify on its word.
//
// Safe for exactly one producer thread and one consumer thread (any two: a worker and the main
// thread, two workers). Frames are at most 65535 bytes.

import type { FramePort } from './frame-port.js';

const FR_HEAD = 0;
const FR_TAIL = 1;
const FR_DROPS = 2;
const FR_CAP = 3;
const FR_DATA = 16;

export class FrameRing {
  private readonly i32: Int32Array;
  private readonly data: Uint8Array;
  private readonly dv: DataView;
  private readonly cap: number;

  /** A new, empty ring with `capacity` data bytes (rounded up to a power of two, at least 4096). */
  static create(capacity = 1 << 20): FrameRing {
    let cap = 4096;
    while (cap < capacity) cap *= 2;
    const sab = new SharedArrayBuffer(FR_DATA + cap);
    new Int32Array(sab)[FR_CAP] = cap;
    return new FrameRing(sab);
  }

  /** The ring over `buffer` (a ring's `buffer`, posted to another thread). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer, 0, 4);
    this.cap = this.i32[FR_CAP]!;
    if (this.cap < 4 || (this.cap & (this.cap - 1)) !== 0 || buffer.byteLength !== FR_DATA + this.cap)
      throw new Error('FrameRing: not a frame ring (its capacity word is wrong)');
    this.data = new Uint8Array(buffer, FR_DATA, this.cap);
    this.dv = new DataView(buffer, FR_DATA, this.cap);
  }

  /** Producer: whether a frame of `len` bytes fits now (a producer that must not drop waits until it does). */
  fits(len: number): boolean {
    const used = (Atomics.load(this.i32, FR_HEAD) - Atomics.load(this.i32, FR_TAIL)) >>> 0;
    return len <= 0xffff && this.cap - used >= 4 + ((len + 3) & ~3);
  }

  /** The consumer's position: read it before fits() says no, then wait on it (waitPop). */
  get read(): number {
    return Atomics.load(this.i32, FR_TAIL);
  }

  /** Producer, on a thread that may block: sleeps until a pop after `read` was read, or `ms`. */
  waitPop(read: number, ms: number): void {
    Atomics.wait(this.i32, FR_TAIL, read, ms);
  }

  /** Producer: copies `frame` into the ring; false (and a counted drop) when there is no room. */
  push(frame: Uint8Array): boolean {
    const need = 4 + ((frame.length + 3) & ~3);
    const head = Atomics.load(this.i32, FR_HEAD) >>> 0;
    const tail = Atomics.load(this.i32, FR_TAIL) >>> 0;
    if (frame.length > 0xffff || this.cap - ((head - tail) >>> 0) < need) {
      Atomics.add(this.i32, FR_DROPS, 1);
      return false;
    }
    const at = head & (this.cap - 1); // a multiple of 4: the length word never wraps
    this.dv.setUint32(at, frame.length, true);
    const from = (at + 4) & (this.cap - 1);
    const first = Math.min(frame.length, this.cap - from);
    this.data.set(frame.subarray(0, first), from);
    if (first < frame.length) this.data.set(frame.subarray(first), 0);
    Atomics.store(this.i32, FR_HEAD, (head + need) | 0); // release: the record is written
    Atomics.notify(this.i32, FR_HEAD);
    return true;
  }

  /** Consumer: the oldest frame (a copy), or null when the ring is empty. */
  pop(): Uint8Array | null {
    const tail = Atomics.load(this.i32, FR_TAIL) >>> 0;
    const head = Atomics.load(this.i32, FR_HEAD) >>> 0; // acquire: the records up to head are written
    if (head === tail) return null;
    const at = tail & (this.cap - 1);
    const len = this.dv.getUint32(at, true);
    const from = (at + 4) & (this.cap - 1);
    const frame = new Uint8Array(len);
    const first = Math.min(len, this.cap - from);
    frame.set(this.data.subarray(from, from + first));
    if (first < len) frame.set(this.data.subarray(0, len - first), first);
    Atomics.store(this.i32, FR_TAIL, (tail + 4 + ((len + 3) & ~3)) | 0); // release: the space is free
    Atomics.notify(this.i32, FR_TAIL);
    return frame;
  }

  /** Frames the producer dropped for want of room. */
  get drops(): number {
    return Atomics.load(this.i32, FR_DROPS) >>> 0;
  }

  /** The producer's position: read it before pop() finds nothing, then wait on it (waitPush). */
  get written(): number {
    return Atomics.load(this.i32, FR_HEAD);
  }

  /** Consumer, on a thread that may block (a worker): sleeps until a push after `written` was read, or `ms`. */
  waitPush(written: number, ms: number): void {
    Atomics.wait(this.i32, FR_HEAD, written, ms);
  }

  /** Consumer, on any thread: resolves once a push after `written` was read, or after `ms`. */
  waitPushAsync(written: number, ms: number): Promise<unknown> {
    const waitAsync = (
      Atomics as unknown as {
        waitAsync?(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
      }
    ).waitAsync;
    // a timer beside it: Node 20 may not see waitAsync's own timeout (see LinkPort.waitTx)
    let t: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<string>((r) => {
      t = setTimeout(r, ms, 'timed-out');
    });
    if (!waitAsync) return timer;
    const w = waitAsync(this.i32, FR_HEAD, written, ms);
    if (!w.async) {
      clearTimeout(t);
      return Promise.resolve(w.value);
    }
    return Promise.race([w.value as Promise<string>, timer]).finally(() => clearTimeout(t));
  }
}

export interface FrameRingAttachment {
  close(): Promise<void>;
}

/**
 * Joins `port` to two rings: frames pushed into `rx` (by another thread) are received on the port,
 * what the router sends on the port is pushed into `tx` (a full `tx` drops the frame, counted in
 * tx.drops). This thread is `rx`'s consumer and `tx`'s producer. close() stops reading `rx`.
 */
export function attachFrameRings(port: FramePort, rings: { rx: FrameRing; tx: FrameRing }): FrameRingAttachment {
  let open = true;
  const off = port.onFrame((frame) => {
    rings.tx.push(frame);
  });
  const reader = (async () => {
    while (open) {
      const seen = rings.rx.written;
      let n = 0;
      for (let f = rings.rx.pop(); f; f = open && n < 256 ? rings.rx.pop() : null) {
        port.send(f);
        n++;
      }
      if (n === 0) await rings.rx.waitPushAsync(seen, 50);
      else await new Promise((r) => setTimeout(r, 0)); // a burst at a time: timers and I/O run between
    }
  })();
  return {
    close: async () => {
      open = false;
      off();
      await reader;
    },
  };
}
