// The NIC side of a real link (tap, udp, stream, websocket): what its driver does to the engine's rings,
// from whatever thread the driver runs on (an I/O worker for TAP, the main thread for sockets).
//
// Protocol (the layouts: RXR_*, TXR_* in assembly/layout/buffers.ts):
//   RX   single producer (this port, one per RX queue) against the queue's owner CPU as single
//        consumer. The producer writes a frame into slot hw's cluster (the cluster is the slot's
//        until the owner takes it), its length and done bit, and publishes hw with a release store,
//        a batch at a time (rxPublish), then rings the CPUs' doorbell. The owner reads hw with an
//        acquire load, takes the slots, refills them and publishes sw (release): only then may the
//        producer write those slots again. A frame that finds no room is the producer's to count
//        (RXR_MISSED, the MAC's missed-packet counter); frames and bytes that arrived on the wire go to
//        the queue's QS_FRAMES/QS_BYTES, which for a link's queue only its producer writes.
//   TX   single consumer (this port) of frames the CPUs posted: [sent, head) of each TX ring. The
//        head is read under the ring's lock (posters write slots and head under it); the frames
//        are sent from their clusters where they are, then sent is published (release). Reclaim
//        (the vector's CPU, or a poster finding the ring full) frees only [tail, sent), so a
//        cluster is never reused while the port still reads it. CPUs that post ring MP_TXBELL
//        and notify the head word of each link ring whose head they moved (a driver waits on either).
import {
  BUF_HEADROOM,
  MAX_FRAME,
  MP_DOORBELL,
  MP_TXBELL,
  QS_BYTES,
  QS_FRAMES,
  RXD_BUF,
  RXD_DONE,
  RXD_LEN,
  RXD_SIZE,
  RXR_HW,
  RXR_MISSED,
  RXR_NSLOT,
  RXR_PAUSES,
  RXR_POLLER,
  RXR_PRODUCER,
  RXR_SIZE,
  RXR_SW,
  TXD_BUF,
  TXD_LEN,
  TXD_SIZE,
  TXR_CONTENDED,
  TXR_FD,
  TXR_SENDER,
  TXR_HEAD,
  TXR_LOCK,
  TXR_NSLOT,
  TXR_SENT,
  TXR_SIZE,
} from '../../assembly/layout.js';

/** Where one link's rings are: plain numbers, so it crosses to a driver's thread as is. */
export interface LinkPortSpec {
  /** the interface's name and index */
  name: string;
  ifindex: number;
  /** the engine's control block (its doorbells) */
  mp: number;
  /** per RX queue: its RX ring and its queue state (QS_*) */
  rx: { ring: number; qs: number }[];
  /** the interface's TX rings */
  tx: number[];
}

/** The lock value a port takes a TX ring's lock with: never a CPU's (cpu + 1 <= 64). */
const PORT_LOCK_ID = 0x7fff0000;

export class LinkPort {
  readonly u8: Uint8Array;
  private readonly dv: DataView;
  private readonly i32v: Int32Array;
  /** per RX queue: hw as this producer has written it (published by rxPublish) */
  private readonly hw: number[];
  private readonly published: number[];
  /** frames a driver read but could not place, per RX queue, not yet added to RXR_MISSED */
  private readonly bytesIn: number[];
  private readonly framesIn: number[];

  constructor(
    memory: WebAssembly.Memory,
    readonly spec: LinkPortSpec,
  ) {
    this.u8 = new Uint8Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
    this.i32v = new Int32Array(memory.buffer);
    this.hw = spec.rx.map((q) => this.dv.getUint32(q.ring + RXR_HW, true));
    this.published = [...this.hw];
    this.bytesIn = spec.rx.map(() => 0);
    this.framesIn = spec.rx.map(() => 0);
  }

  private u32(at: number): number {
    return this.dv.getUint32(at, true);
  }

  // ---- RX: the wire into the ring ---------------------------------------------------------------

  /**
   * Where the next frame of RX queue q goes (up to MAX_FRAME bytes from the returned offset into
   * `u8`), or -1 when the ring has no free slot. Call rxDone once the frame is there.
   */
  rxSlot(q = 0): number {
    const r = this.spec.rx[q]!.ring;
    const size = this.u32(r + RXR_NSLOT);
    const sw = Atomics.load(this.i32v, (r + RXR_SW) >> 2) >>> 0; // acquire: the owner refilled up to sw
    const hw = this.hw[q]!;
    if ((hw - sw) >>> 0 >= size) return -1;
    const s = r + RXR_SIZE + (hw & (size - 1)) * RXD_SIZE;
    return this.u32(s + RXD_BUF) + BUF_HEADROOM;
  }

  /** The frame rxSlot(q) placed is `len` bytes: the slot is done (visible to the CPU at rxPublish). */
  rxDone(q: number, len: number): void {
    const r = this.spec.rx[q]!.ring;
    const size = this.u32(r + RXR_NSLOT);
    const hw = this.hw[q]!;
    const s = r + RXR_SIZE + (hw & (size - 1)) * RXD_SIZE;
    this.dv.setUint16(s + RXD_LEN, len, true);
    this.dv.setUint16(s + RXD_DONE, 1, true);
    this.hw[q] = (hw + 1) >>> 0;
    this.framesIn[q]!++;
    this.bytesIn[q]! += len + 4; // + FCS: bytes on the wire, as the generated queues count them
  }

  /** A frame that arrived with no room in queue q's ring (or too long for a cluster): lost there, counted. */
  rxMissed(q = 0, len = 60): void {
    const r = this.spec.rx[q]!.ring;
    this.dv.setUint32(r + RXR_MISSED, (this.u32(r + RXR_MISSED) + 1) >>> 0, true);
    this.framesIn[q]!++;
    this.bytesIn[q]! += len + 4;
  }

  /** Copies one frame into queue q (a socket's message): false when it was missed (counted). */
  rxFrame(frame: Uint8Array, q = 0): boolean {
    if (frame.length > MAX_FRAME || frame.length < 14) {
      this.rxMissed(q, frame.length);
      return false;
    }
    const at = this.rxSlot(q);
    if (at < 0) {
      this.rxMissed(q, frame.length);
      return false;
    }
    this.u8.set(frame, at);
    this.rxDone(q, frame.length);
    return true;
  }

  /**
   * Takes RX queue q's producer lock (RXR_PRODUCER), for a ring with more than one producer (a TAP
   * queue: its thread, and a CPU reading the device right after writing to it): false when another
   * producer holds it (`wait`: wait for it instead). Holding it, this port continues from the ring's
   * published hw; rxUnlock publishes what it placed and lets go.
   */
  rxLock(q = 0, wait = false): boolean {
    const li = (this.spec.rx[q]!.ring + RXR_PRODUCER) >> 2;
    while (Atomics.compareExchange(this.i32v, li, 0, 1) !== 0) {
      if (!wait) return false;
      Atomics.wait(this.i32v, li, 1, 0.05);
    }
    const hw = Atomics.load(this.i32v, (this.spec.rx[q]!.ring + RXR_HW) >> 2) >>> 0;
    this.hw[q] = hw;
    this.published[q] = hw;
    return true;
  }

  /** Publishes what this port placed in RX queue q (rxPublish) and lets its producer lock go. */
  rxUnlock(q = 0): void {
    this.rxPublish();
    Atomics.store(this.i32v, (this.spec.rx[q]!.ring + RXR_PRODUCER) >> 2, 0);
  }

  /** Publishes the frames placed since the last call (release) and wakes the CPUs. */
  rxPublish(): void {
    let any = false;
    for (let q = 0; q < this.hw.length; q++) {
      const { ring, qs } = this.spec.rx[q]!;
      if (this.framesIn[q] !== 0) {
        this.dv.setBigUint64(
          qs + QS_FRAMES,
          this.dv.getBigUint64(qs + QS_FRAMES, true) + BigInt(this.framesIn[q]!),
          true,
        );
        this.dv.setBigUint64(qs + QS_BYTES, this.dv.getBigUint64(qs + QS_BYTES, true) + BigInt(this.bytesIn[q]!), true);
        this.framesIn[q] = 0;
        this.bytesIn[q] = 0;
      }
      if (this.hw[q] === this.published[q]) continue;
      Atomics.store(this.i32v, (ring + RXR_HW) >> 2, this.hw[q]! | 0);
      this.published[q] = this.hw[q]!;
      any = true;
    }
    if (any) {
      Atomics.add(this.i32v, (this.spec.mp + MP_DOORBELL) >> 2, 1);
      Atomics.notify(this.i32v, (this.spec.mp + MP_DOORBELL) >> 2);
    }
  }

  // ---- TX: the rings onto the wire --------------------------------------------------------------

  /** The TX doorbell's value: read it before txDrain, wait on it (waitTx) when txDrain found nothing. */
  txBell(): number {
    return Atomics.load(this.i32v, (this.spec.mp + MP_TXBELL) >> 2);
  }

  /** The engine memory as an Int32Array, and the TX doorbell's index in it (for a blocking Atomics.wait). */
  get i32(): Int32Array {
    return this.i32v;
  }
  get txBellIndex(): number {
    return (this.spec.mp + MP_TXBELL) >> 2;
  }
  /**
   * The index in `i32` of TX ring `r`'s head: a CPU whose post moves it notifies that word, so a
   * thread serving one ring waits there and wakes for its own frames only (not for every link's).
   */
  txHeadIndex(r = 0): number {
    return (this.spec.tx[r]! + TXR_HEAD) >> 2;
  }

  /** The CPU busy-polling RX queue q's device now (cpu + 1, RXR_POLLER), 0 for none. */
  rxPoller(q = 0): number {
    return Atomics.load(this.i32v, (this.spec.rx[q]!.ring + RXR_POLLER) >> 2);
  }

  /** The driver stopped watching RX queue q's device for a poller: counted in RXR_PAUSES. */
  rxPaused(q = 0): void {
    Atomics.add(this.i32v, (this.spec.rx[q]!.ring + RXR_PAUSES) >> 2, 1);
  }

  /** Resolves once RX queue q's poller word no longer holds `seen` (at once if it does not now), or after `ms`. */
  rxPollerWait(seen: number, ms: number, q = 0): Promise<unknown> {
    return this.waitWord((this.spec.rx[q]!.ring + RXR_POLLER) >> 2, seen, ms);
  }

  /**
   * Resolves once a CPU rings the TX doorbell after `seen` was read, or after `ms` (Atomics.waitAsync:
   * the driver's event loop goes on meanwhile).
   */
  waitTx(seen: number, ms: number): Promise<unknown> {
    return this.waitWord((this.spec.mp + MP_TXBELL) >> 2, seen, ms);
  }

  /** Resolves once word `at` no longer holds `seen` (after a notify), or after `ms`. */
  private waitWord(at: number, seen: number, ms: number): Promise<unknown> {
    const w = (
      Atomics as unknown as {
        waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
      }
    ).waitAsync(this.i32v, at, seen, ms);
    if (!w.async) return Promise.resolve(w.value);
    // a timer of our own beside it: a thread whose event loop holds nothing else (no socket, no
    // descriptor watched) would otherwise end its loop and never see waitAsync's timeout (Node 20)
    let t: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<string>((r) => {
      t = setTimeout(r, ms + 1, 'timed-out');
    });
    return Promise.race([w.value as Promise<string>, timer]).finally(() => clearTimeout(t));
  }

  /**
   * Hands every posted, unsent frame to `send(u8, offset, length)`, oldest first per ring, up to
   * `max` frames in all; then those frames are the CPUs' to reclaim. What `send` does with a frame
   * it cannot send (a full socket) is its own to count. Returns the frames handed over.
   */
  txDrain(send: (u8: Uint8Array, at: number, len: number) => void, max = 1 << 30): number {
    let n = 0;
    for (const r of this.spec.tx) {
      if (n >= max) break;
      n += this.drainRing(r, send, max - n);
    }
    return n;
  }

  /** Sends ring r's [sent, head), up to `max` frames, then publishes sent. */
  private drainRing(r: number, send: (u8: Uint8Array, at: number, len: number) => void, max: number): number {
    const li = (r + TXR_LOCK) >> 2;
    while (Atomics.compareExchange(this.i32v, li, 0, PORT_LOCK_ID) !== 0)
      Atomics.add(this.i32v, (r + TXR_CONTENDED) >> 2, 1);
    const head = this.u32(r + TXR_HEAD);
    Atomics.store(this.i32v, li, 0);
    let sent = this.u32(r + TXR_SENT);
    if (sent === head) return 0;
    const mask = this.u32(r + TXR_NSLOT) - 1;
    let n = 0;
    for (; sent !== head && n < max; sent = (sent + 1) >>> 0, n++) {
      const s = r + TXR_SIZE + (sent & mask) * TXD_SIZE;
      send(this.u8, this.u32(s + TXD_BUF), this.dv.getUint16(s + TXD_LEN, true));
    }
    Atomics.store(this.i32v, (r + TXR_SENT) >> 2, sent | 0); // release: the CPUs may free them now
    return n;
  }

  // ---- TX with more than one sender (a TAP queue: its thread, and the CPU that posted) -----------

  /** Ring q's descriptor (TXR_FD), -1 while it has none. */
  txDescriptor(q = 0): number {
    return Atomics.load(this.i32v, (this.spec.tx[q]! + TXR_FD) >> 2) - 1;
  }

  /** Frames posted on TX ring q and not sent yet (a hint: posters may be adding more). */
  txBacklog(q = 0): number {
    const r = this.spec.tx[q]!;
    return (Atomics.load(this.i32v, (r + TXR_HEAD) >> 2) - Atomics.load(this.i32v, (r + TXR_SENT) >> 2)) >>> 0;
  }

  /**
   * Sends ring q's posted frames to its descriptor (TXR_FD) under its sender lock (TXR_SENDER):
   * `send(fd, u8, at, len)`, fd -1 while the link has none (detached: the frames are the sender's to
   * count as lost). Returns the frames handed over; -1 when another sender holds the lock. A sender
   * looks at the head again after letting the lock go, so a frame posted while it held it (whose
   * poster found the lock taken) is never left behind.
   */
  txSendExclusive(send: (fd: number, u8: Uint8Array, at: number, len: number) => void, q = 0): number {
    const r = this.spec.tx[q]!;
    const li = (r + TXR_SENDER) >> 2;
    let n = 0;
    do {
      if (Atomics.compareExchange(this.i32v, li, 0, 1) !== 0) return n > 0 ? n : -1;
      const fd = Atomics.load(this.i32v, (r + TXR_FD) >> 2) - 1;
      n += this.drainRing(r, (u8, at, len) => send(fd, u8, at, len), 1 << 30);
      Atomics.store(this.i32v, li, 0);
    } while (this.txBacklog(q) !== 0);
    return n;
  }

  /**
   * Runs `fn(fd)` with ring q's descriptor, holding its sender lock so that the descriptor stays open
   * meanwhile; false (fn not run) when another sender holds the lock or there is no descriptor. Frames
   * posted meanwhile by a poster that found the lock taken are handed to the ring's thread (its head
   * word notified), as a sender's re-check would have sent them.
   */
  txWithDescriptor(fn: (fd: number) => void, q = 0): boolean {
    const r = this.spec.tx[q]!;
    const li = (r + TXR_SENDER) >> 2;
    if (Atomics.compareExchange(this.i32v, li, 0, 1) !== 0) return false;
    const fd = Atomics.load(this.i32v, (r + TXR_FD) >> 2) - 1;
    try {
      if (fd >= 0) fn(fd);
    } finally {
      Atomics.store(this.i32v, li, 0);
      if (this.txBacklog(q) !== 0) Atomics.notify(this.i32v, (r + TXR_HEAD) >> 2);
    }
    return fd >= 0;
  }

  /**
   * Sets ring q's descriptor (-1: none), under its sender lock, so that once this returns no sender
   * still writes to the old one: the caller may close it then.
   */
  txSetDescriptor(fd: number, q = 0): void {
    const r = this.spec.tx[q];
    if (r === undefined) return;
    const li = (r + TXR_SENDER) >> 2;
    while (Atomics.compareExchange(this.i32v, li, 0, 1) !== 0) Atomics.wait(this.i32v, li, 1, 1);
    Atomics.store(this.i32v, (r + TXR_FD) >> 2, fd + 1);
    Atomics.store(this.i32v, li, 0);
  }
}
