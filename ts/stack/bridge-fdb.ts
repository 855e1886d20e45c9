// bridge(4)'s forwarding database, control-plane side: list, static entries, delete by port, flush,
// sweep the expired. The data path learns and looks up (assembly/forward/bridge.ts); both follow the
// FDB protocol drawn in assembly/layout/bridge.ts: an entry is written only by whoever won the CAS
// that set its FDBF_BUSY bit, so these writers need no lock against the CPUs, only the writer lock
// (Tables, which calls them) against each other. A CAS lost to a CPU is retried: a CPU holds BUSY
// for a few stores, never across anything that blocks.
import {
  BR_FDB,
  BR_MASK,
  BR_COUNT,
  BR_TIMEOUT,
  FDB_SIZE,
  FDB_SEQ,
  FDB_MAC,
  FDB_SEEN,
  FDB_PROBE,
  FDBF_BUSY,
  FDBF_VALID,
  FDBF_STATIC,
} from '../../assembly/layout.js';
import { br_hash, fdb_next_seq } from '../kernels/forward/bridge.js';

/** One FDB entry as brconfig shows it. */
export interface FdbEntry {
  mac: Uint8Array;
  /** the member's ifindex */
  port: number;
  static: boolean;
  /** ms since last seen (0 for static entries) */
  age: number;
  /** expired (a reader takes it as absent; the next sweep deletes it) */
  expired: boolean;
}

export class FdbFullError extends Error {}

/** The FDB writer over softc `sc` in memory `mem`. */
export class BridgeFdb {
  private readonly u32: Uint32Array;
  private readonly dv: DataView;
  constructor(
    mem: { buffer: ArrayBufferLike },
    readonly sc: number,
  ) {
    this.u32 = new Uint32Array(mem.buffer);
    this.dv = new DataView(mem.buffer);
  }

  private load(p: number): number {
    return Atomics.load(this.u32, p >>> 2);
  }
  private store(p: number, v: number): void {
    Atomics.store(this.u32, p >>> 2, v >>> 0);
  }
  private get slots(): number {
    return this.dv.getUint32(this.sc + BR_MASK, true) + 1;
  }
  private entry(i: number): number {
    return this.dv.getUint32(this.sc + BR_FDB, true) + i * FDB_SIZE;
  }
  private timeout(): number {
    return this.load(this.sc + BR_TIMEOUT);
  }
  private expiredAt(seen: number, now: number): boolean {
    const t = this.timeout();
    return t !== 0 && ((now - seen) | 0) > (t | 0);
  }

  /**
   * Claims entry `e` (BUSY set over the stable value it holds), spinning while a CPU is inside it.
   * Returns the stable sequence word it claimed from.
   */
  private claim(e: number): number {
    for (;;) {
      const s = this.load(e + FDB_SEQ);
      if (s & FDBF_BUSY) continue;
      if (Atomics.compareExchange(this.u32, (e + FDB_SEQ) >>> 2, s, (s | FDBF_BUSY) >>> 0) === s) return s;
    }
  }

  /** Every entry in use, at time `now` (ms, the data path's clock). */
  list(now: number): FdbEntry[] {
    const out: FdbEntry[] = [];
    for (let i = 0; i < this.slots; i++) {
      const e = this.entry(i);
      let s: number;
      let w1: number;
      let w2: number;
      let seen: number;
      do {
        s = this.load(e + FDB_SEQ);
        w1 = this.load(e + FDB_MAC);
        w2 = this.load(e + FDB_MAC + 4);
        seen = this.load(e + FDB_SEEN);
      } while (s & FDBF_BUSY || this.load(e + FDB_SEQ) !== s);
      if ((s & FDBF_VALID) === 0) continue;
      const mac = new Uint8Array(6);
      const mdv = new DataView(mac.buffer);
      mdv.setUint32(0, w1, true);
      mdv.setUint16(4, w2 & 0xffff, true);
      const st = (s & FDBF_STATIC) !== 0;
      out.push({
        mac,
        port: w2 >>> 16,
        static: st,
        age: st ? 0 : Math.max(0, (now - seen) | 0),
        expired: !st && this.expiredAt(seen, now),
      });
    }
    return out;
  }

  /**
   * Sets a static entry: `mac` is behind member `port`, never expires, never moves by learning. An
   * entry for the MAC (learned or static) is replaced. Throws FdbFullError when the probe window has
   * no room or the table is at `maxaddr` entries.
   */
  setStatic(mac: Uint8Array, port: number, maxaddr: number): void {
    const mdv = new DataView(mac.buffer, mac.byteOffset, 6);
    const a = mdv.getUint32(0, true);
    const b = mdv.getUint16(4, true);
    const h = br_hash(a, b);
    const mask = this.slots - 1;
    let free = -1;
    for (let i = 0; i < FDB_PROBE; i++) {
      const e = this.entry((h + i) & mask);
      const s = this.load(e + FDB_SEQ);
      if (s === 0) {
        if (free < 0) free = e;
        break;
      }
      if ((s & FDBF_VALID) !== 0 && this.load(e + FDB_MAC) === a && (this.load(e + FDB_MAC + 4) & 0xffff) === b) {
        const old = this.claim(e);
        if ((old & FDBF_VALID) !== 0 && this.load(e + FDB_MAC) === a) {
          this.store(e + FDB_MAC + 4, b | (port << 16));
          this.store(e + FDB_SEQ, fdb_next_seq(old, FDBF_VALID | FDBF_STATIC));
          return;
        }
        this.store(e + FDB_SEQ, old); // taken over by another MAC meanwhile: put it back as it was
        continue;
      }
      if (free < 0 && (s & FDBF_VALID) === 0) free = e;
    }
    if (free < 0) throw new FdbFullError('no room for it in the forwarding database (its hash slots are taken)');
    const n = Atomics.add(this.u32, (this.sc + BR_COUNT) >>> 2, 1);
    if (n >= maxaddr) {
      Atomics.sub(this.u32, (this.sc + BR_COUNT) >>> 2, 1);
      throw new FdbFullError(`the forwarding database is full (maxaddr ${maxaddr})`);
    }
    const old = this.claim(free);
    if (old & FDBF_VALID) {
      // a CPU learned into it meanwhile: that entry stays, ours goes elsewhere next time
      this.store(free + FDB_SEQ, old);
      Atomics.sub(this.u32, (this.sc + BR_COUNT) >>> 2, 1);
      this.setStatic(mac, port, maxaddr);
      return;
    }
    this.store(free + FDB_MAC, a);
    this.store(free + FDB_MAC + 4, b | (port << 16));
    this.store(free + FDB_SEEN, 0);
    this.store(free + FDB_SEQ, fdb_next_seq(old, FDBF_VALID | FDBF_STATIC));
  }

  /**
   * Deletes every entry `which` selects (given its port, static bit and whether it has expired at
   * `now`), leaving tombstones. Returns how many it deleted.
   */
  delete(now: number, which: (port: number, isStatic: boolean, expired: boolean) => boolean): number {
    let n = 0;
    for (let i = 0; i < this.slots; i++) {
      const e = this.entry(i);
      const s0 = this.load(e + FDB_SEQ);
      if ((s0 & FDBF_VALID) === 0) continue;
      const s = this.claim(e);
      const port = this.load(e + FDB_MAC + 4) >>> 16;
      const st = (s & FDBF_STATIC) !== 0;
      if ((s & FDBF_VALID) === 0 || !which(port, st, !st && this.expiredAt(this.load(e + FDB_SEEN), now))) {
        this.store(e + FDB_SEQ, s);
        continue;
      }
      this.store(e + FDB_SEQ, fdb_next_seq(s, 0));
      Atomics.sub(this.u32, (this.sc + BR_COUNT) >>> 2, 1);
      n++;
    }
    return n;
  }

  /** Entries in use (BR_COUNT). */
  count(): number {
    return this.load(this.sc + BR_COUNT);
  }
}
