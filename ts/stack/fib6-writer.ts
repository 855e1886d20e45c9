// Compiled IPv6 FIB, writer side: compiles the IPv6 radix tree (the RIB) into the chunk hash that
// assembly/fib/fib6.ts reads, and keeps it in step after every route change. Layout and reader
// protocol: assembly/layout/fib6.ts (F6_*). One writer at a time (the control plane's).
//
// TS only, with no twin in assembly/, while the IPv4 writer is a kernel (fib4_update, fib4_build in
// assembly/fib/dir24.ts): that writer's whole state (tbl24, the tbl8 groups, their free stack and
// limbo) sits in linear memory at sizes fixed by the plan, and a build paints up to 2^24 tbl24
// entries, work worth WASM. This one keeps per-slot bookkeeping no reader ever looks at (state,
// epochs, the /16 regions' slot lists, below) in JS typed arrays and lists that grow and shrink with
// each update (young, pending, out); the module is built with runtime "stub", which never frees an
// allocation, so they could not live in AssemblyScript as they are. Readers see only the words it
// writes into the chunk hash, read by the kernel assembly/fib/fib6.ts (twin ts/kernels/fib/fib6.ts).
//
// Every entry is a pure function of its chunk and the RIB, so an update finds the deepest chunk on
// the route's path whose `next` stays the same (the anchor), recomputes the entries of the anchor's
// child that holds the route (or of a whole /16 region) and diffs them against what is there:
//   1. new and changed entries are written deepest first, then the top one (or the tbl16 word),
//      so a reader that reaches a chunk finds its children already in place;
//   2. entries no longer wanted that the new structure still leads to become tombstones at once
//      (a reader then falls back to the parent's answer, which is the new answer there);
//   3. entries no longer wanted that only the old structure leads to stay as they are until the
//      next grace period (reclaim), for readers still on the old path.
// So a reader meets, for each address, the old answer or the new one. Tombstones are reused only
// after a further grace period, so a reader never sees a slot's key change under it. A chunk whose
// tag or key words change (a route slot that gains a second route, or the reverse) gets a new slot
// later in its probe sequence than the old one, which is then retired as in 2.
import {
  F6_TBL16,
  F6_HASH,
  F6_SLOTS,
  F6_RT,
  F6_F24,
  F6E_TAG,
  F6E_VAL,
  F6E_K0,
  F6E_K1,
  F6_TOMB,
  F6_RADIX,
  F6_LEN_MASK,
  F6_ROUTE_SHIFT,
  RH_ROOT,
  RN_KEY,
  RN_PLEN,
  RN_NH,
  RN_CHILD0,
  RN_CHILD1,
} from '../../assembly/layout.js';
import { fib6_hash, fib6_slot } from '../kernels/fib/fib6.js';

const EMPTY = 0;
const LIVE = 1;
const YOUNG = 2; // tombstone that a reader may still be looking at
const AGED = 3; // tombstone past a grace period: reusable
const PENDING = 4; // unwanted but still readable: only the old structure leads here; tombstoned at reclaim
const NONE = 1000; // "no route inside" as a prefix length
const MARK = 0;
const STALE = 1;
const LINK = 2;
const BACK = 3;
/** The hash is refused new entries beyond this fill (live + tombstones), so probes stay short and end. */
const MAX_FILL = 0.85;

export class Fib6FullError extends Error {}

const mask32 = (plen: number): number => (plen <= 0 ? 0 : plen >= 32 ? 0xffffffff : (0xffffffff << (32 - plen)) >>> 0);

export class Fib6Writer {
  private readonly u32: Uint32Array;
  private readonly tbl: number; // word index of tbl16
  private readonly tab: number; // word index of slot 0
  private readonly state: Uint8Array;
  /**
   * Per slot, four words side by side (one cache line holds a slot's, where four arrays cost an
   * update four misses): MARK, the epoch of the last update that emitted the slot; STALE, of the
   * last that found it unwanted; LINK, the next slot on the same /16 region's list, -1 = end (LIVE
   * slots only); BACK, the previous one there, -1 = head.
   */
  private readonly meta: Int32Array;
  private readonly heads = new Int32Array(65536).fill(-1);
  private young: number[] = [];
  private pending: number[] = [];
  private epoch = 0;
  private live = 0;
  private tombs = 0;
  // entries of the region being compiled, deepest first: k0, k1, len, value; out[0, outN) (a count,
  // not `length = 0`, which is a slow path in V8)
  private out: number[] = [];
  private outN = 0;
  /** apply()'s scratch list of the entries being replaced (reused: no array per update). */
  private readonly olds: number[] = [];

  constructor(
    memory: WebAssembly.Memory,
    readonly head: number,
    tbl16: number,
    hash: number,
    readonly slots: number,
    rt: number,
    f24 = 0,
  ) {
    if (!Number.isInteger(slots) || slots < 2) throw new Error('fib6: slots must be an integer >= 2');
    this.u32 = new Uint32Array(memory.buffer);
    const w = head >>> 2;
    this.u32[w + (F6_TBL16 >>> 2)] = tbl16;
    this.u32[w + (F6_HASH >>> 2)] = hash;
    this.u32[w + (F6_SLOTS >>> 2)] = slots;
    this.u32[w + (F6_RT >>> 2)] = rt;
    this.u32[w + (F6_F24 >>> 2)] = f24;
    this.bmw = f24 >>> 2;
    if (f24) this.u32.fill(0, this.bmw, this.bmw + (1 << 19));
    this.tbl = tbl16 >>> 2;
    this.tab = hash >>> 2;
    this.u32.fill(0, this.tbl, this.tbl + 65536);
    this.u32.fill(0, this.tab, this.tab + slots * 4);
    this.state = new Uint8Array(slots);
    this.meta = new Int32Array(slots * 4);
    this.rtRoot = (rt + RH_ROOT) >>> 2;
  }

  private readonly rtRoot: number;
  /** Word index of the /24 bitmap (assembly/layout/fib6.ts), 0 = none. */
  private readonly bmw: number = 0;
  /** Deleted routes since the last reclaim, (k0, plen) pairs: their /24 bits may clear then. */
  private clear24: number[] = [];
  /** During a build into an empty hash: entries are inserted without looking for old ones. */
  private fresh = false;
  /**
   * Waits for a grace period and reclaims (the control plane's synchronize + reclaim). Called
   * before an update to a region holding entries only old readers may still use: the update could
   * make them reachable again with their stale answers.
   */
  quiesce: () => void = () => this.reclaim();
  private readonly pendingIn = new Uint32Array(65536); // PENDING entries per /16 region

  /** Called after every store to the FIB's memory, with the word index and value (tests replay them). */
  onStore?: (word: number, value: number) => void;

  /** Entries in use and tombstones, for reports and tests. */
  stats(): { slots: number; live: number; tombstones: number } {
    return { slots: this.slots, live: this.live, tombstones: this.tombs };
  }

  /** Compiles the whole table (start-up: no concurrent readers, so unwanted entries are freed at once). */
  build(): void {
    if (this.live === 0 && this.tombs === 0 && this.pending.length === 0 && this.young.length === 0) {
      // nothing to diff against: compile straight into the empty hash
      this.fresh = true;
      if (this.bmw) this.u32.fill(0, this.bmw, this.bmw + (1 << 19));
      try {
        this.update(0, 0, 0);
      } finally {
        this.fresh = false;
      }
    } else {
      this.update(0, 0, 0);
    }
    this.markAll24();
    this.reclaim();
    this.reclaim();
  }

  /**
   * Brings the FIB in line with the RIB after the route k0:k1 (first two address words, host
   * order)/plen changed; present: it is in the RIB now (added or changed), not deleted.
   */
  update(k0: number, k1: number, plen: number, present = true): void {
    if (plen > 16 && present) this.set24(k0, plen); // before any entry can lead a reader to the route
    this.updateFib(k0, k1, plen, present);
    if (plen > 16 && !present) this.clear24.push(k0, plen);
  }

  private updateFib(k0: number, k1: number, plen: number, present: boolean): void {
    this.walkLen = -1; // the RIB may have changed since the last walk
    const s = k0 >>> 16;
    if (this.pending.length > 0 && (plen <= 16 || this.pendingIn[s]! > 0)) this.quiesce();
    if (plen <= 16) {
      this.updateShort(k0, plen);
      return;
    }
    let ck0 = (k0 & 0xffff0000) >>> 0;
    let ck1 = 0;
    let len = 16;
    let v = this.u32[this.tbl + s]!;
    for (;;) {
      if (!present && len > 16 && this.routeSlotNow(ck0, ck1, len)) {
        // a chunk entry left with one route inside becomes a route slot
        this.recompute(s, ck0, ck1, len);
        return;
      }
      const was = v >>> 24;
      // a route longer than the shortest one inside leaves that shortest one in place
      const next =
        was !== 0 && was !== F6_RADIX && plen > was
          ? was
          : present
            ? addedNext(was, plen)
            : this.nextOf(ck0, ck1, len, was);
      if (next !== was) {
        // the anchor's own shape changes: recompute it from its parent
        if (len === 16) this.updateShort(k0, 16);
        else this.recompute(s, ck0, ck1, len);
        return;
      }
      if (next === 0 || next === F6_RADIX) return; // nothing stored below
      const dk0 = maskK0(k0, next);
      const dk1 = maskK1(k1, next);
      const slot = next === plen ? -1 : this.find(dk0, dk1, next);
      if (slot < 0 || this.state[slot] !== LIVE || this.u32[this.tab + slot * 4 + (F6E_TAG >>> 2)]! > F6_LEN_MASK) {
        // absent, or a route slot (one route inside, stored whole): its shape may change either way
        this.recompute(s, dk0, dk1, next);
        return;
      }
      ck0 = dk0;
      ck1 = dk1;
      len = next;
      v = this.u32[this.tab + slot * 4 + (F6E_VAL >>> 2)]!;
    }
  }

  /** Recompiles every /16 region inside k0/p (p <= 16). */
  private updateShort(k0: number, plen: number): void {
    const p = Math.min(plen, 16);
    const k = (k0 & mask32(p)) >>> 0;
    const n = this.descend(k, 0, p);
    this.walk16(k, p, this.inh, n);
  }

  /** Recomputes chunk k0:k1/len (len > 16) and everything below it in region s. */
  private recompute(s: number, k0: number, k1: number, len: number): void {
    this.outN = 0;
    const n = this.descend(k0, k1, len);
    const inh = this.inh;
    if (n !== 0) {
      if (this.plen(n) === len) {
        const nh = this.nh(n);
        this.emitChunk(k0, k1, len, nh !== 0 ? nh : inh, this.child(n, 0), this.child(n, 1), nh !== 0);
      } else {
        const b = this.bit(n, len);
        this.emitChunk(k0, k1, len, inh, b ? 0 : n, b ? n : 0, false);
      }
    }
    this.apply(s, -1, k0, k1, len);
  }

  /** The answer inherited from routes shorter than the last descend's prefix (a field: no tuple to allocate per call). */
  private inh = 0;

  /**
   * For prefix k0:k1/len (len <= 64): the top-most radix node inside the prefix (0 if none); sets
   * `inh` to the answer inherited from routes shorter than len.
   */
  private descend(k0: number, k1: number, len: number): number {
    let n: number;
    let inh: number;
    if (this.walkLen >= 0 && this.walkLen <= len && this.matchesKey(this.walkK0, this.walkK1, k0, k1, this.walkLen)) {
      // the last walk in this update went down the same path: go on from where it stopped
      n = this.walkN;
      inh = this.walkInh;
    } else {
      n = this.u32[this.rtRoot]!;
      inh = 0;
    }
    while (n !== 0) {
      const np = this.plen(n);
      if (np >= len) break;
      if (!this.matches(n, k0, k1, np)) {
        n = 0;
        break;
      }
      const nh = this.nh(n);
      if (nh !== 0) inh = nh;
      n = this.child(n, np < 32 ? (k0 >>> (31 - np)) & 1 : (k1 >>> (63 - np)) & 1);
    }
    this.walkK0 = k0;
    this.walkK1 = k1;
    this.walkLen = len;
    this.walkN = n;
    this.walkInh = inh;
    this.inh = inh;
    return n !== 0 && this.matches(n, k0, k1, len) ? n : 0;
  }

  /**
   * The last descend's path, which a descend for a longer prefix on the same path resumes (within
   * one update: the RIB does not change under it): its key and length (-1: none), the node where it
   * stopped (0: off the path) and the answer inherited there.
   */
  private walkK0 = 0;
  private walkK1 = 0;
  private walkLen = -1;
  private walkN = 0;
  private walkInh = 0;

  /** a and b agree on their first len bits (len <= 64). */
  private matchesKey(a0: number, a1: number, b0: number, b1: number, len: number): boolean {
    if (((a0 ^ b0) & mask32(len)) !== 0) return false;
    return len <= 32 || ((a1 ^ b1) & mask32(len - 32)) === 0;
  }

  /** n's key agrees with k0:k1 on the first len bits (len <= 64). */
  private matches(n: number, k0: number, k1: number, len: number): boolean {
    if (((this.key(n, 0) ^ k0) & mask32(len)) !== 0) return false;
    return len <= 32 || ((this.key(n, 1) ^ k1) & mask32(len - 32)) === 0;
  }

  /**
   * The `next` field chunk k0:k1/len should have now: the shortest route length strictly inside it.
   * floor: no route inside is known to be shorter (the search stops at a route that long).
   */
  private nextOf(k0: number, k1: number, len: number, floor: number): number {
    const n = this.descend(k0, k1, len);
    const f = floor > len && floor <= 128 ? floor : 0;
    const m =
      n === 0
        ? NONE
        : this.plen(n) === len
          ? Math.min(this.minPlen(this.child(n, 0), f), this.minPlen(this.child(n, 1), f))
          : this.minPlen(n, f);
    return m === NONE ? 0 : m > 64 ? F6_RADIX : m;
  }

  /**
   * Called after a grace period: tombstones retired before it become reusable (runs of them before
   * an empty slot are emptied), and entries only the old structure led to become tombstones.
   */
  reclaim(): void {
    const { u32, state, slots, tab } = this;
    for (const s of this.young) state[s] = AGED;
    for (const s of this.young) {
      let j = s;
      while (state[j] === AGED && state[j + 1 === slots ? 0 : j + 1] === EMPTY) {
        Atomics.store(u32, tab + j * 4 + (F6E_TAG >>> 2), 0);
        this.onStore?.(tab + j * 4 + (F6E_TAG >>> 2), 0);
        state[j] = EMPTY;
        this.tombs--;
        j = j === 0 ? slots - 1 : j - 1;
      }
    }
    this.young = [];
    for (const s of this.pending) if (state[s] === PENDING) this.kill(s);
    this.pending = [];
    this.pendingIn.fill(0);
    const c = this.clear24;
    this.clear24 = [];
    for (let i = 0; i < c.length; i += 2)
      this.forEach24(c[i]!, c[i + 1]!, (x) => this.overlaps24(x) || this.bit24(x, 0));
  }

  // --- the /24 bitmap (assembly/layout/fib6.ts). One writer: a plain read, then an atomic store.

  /** Calls f(x) for every /24 x that route k0/plen (plen > 16) overlaps. */
  private forEach24(k0: number, plen: number, f: (x: number) => unknown): void {
    if (this.bmw === 0) return;
    const count = plen >= 24 ? 1 : 1 << (24 - plen);
    const first = (k0 >>> 8) & ~(count - 1);
    for (let x = first; x < first + count; x++) f(x);
  }

  /** Sets /24 x's bit to b (0 or 1). */
  private bit24(x: number, b: number): void {
    const w = this.bmw + (x >>> 5);
    const old = this.u32[w]!;
    const v = (b ? old | (1 << (x & 31)) : old & ~(1 << (x & 31))) >>> 0;
    if (v === old) return;
    Atomics.store(this.u32, w, v);
    this.onStore?.(w, v);
  }

  private set24(k0: number, plen: number): void {
    this.forEach24(k0, plen, (x) => this.bit24(x, 1));
  }

  /** Whether a route longer than /16 overlaps /24 x, in the RIB as it is now. */
  private overlaps24(x: number): boolean {
    const k = (x << 8) >>> 0;
    let n = this.u32[this.rtRoot]!;
    while (n !== 0) {
      const np = this.plen(n);
      if (np >= 24) return this.matches(n, k, 0, 24) && this.minPlen(n) !== NONE;
      if (!this.matches(n, k, 0, np)) return false;
      if (np > 16 && this.nh(n) !== 0) return true;
      n = this.child(n, (k >>> (31 - np)) & 1);
    }
    return false;
  }

  /** Sets the bits of every route longer than /16 in the RIB (a build's). */
  private markAll24(): void {
    if (this.bmw === 0) return;
    const todo = [this.u32[this.rtRoot]!];
    while (todo.length > 0) {
      const n = todo.pop()!;
      if (n === 0) continue;
      if (this.plen(n) > 16 && this.nh(n) !== 0) this.set24(this.key(n, 0), this.plen(n));
      todo.push(this.child(n, 0), this.child(n, 1));
    }
  }

  private kill(slot: number): void {
    Atomics.store(this.u32, this.tab + slot * 4 + (F6E_TAG >>> 2), F6_TOMB);
    this.onStore?.(this.tab + slot * 4 + (F6E_TAG >>> 2), F6_TOMB);
    this.state[slot] = YOUNG;
    this.live--;
    this.tombs++;
    this.young.push(slot);
  }

  // --- radix access (host-order key words). Plain loads: this writer's thread is the tree's only
  // mutator (rt_set and rt_del run under the same writer lock), so it always sees its own stores.
  private plen(n: number): number {
    return this.u32[(n + RN_PLEN) >>> 2]!;
  }
  private nh(n: number): number {
    return this.u32[(n + RN_NH) >>> 2]!;
  }
  private key(n: number, w: number): number {
    return this.u32[(n + RN_KEY + w * 4) >>> 2]!;
  }
  private child(n: number, b: number): number {
    return this.u32[(n + (b ? RN_CHILD1 : RN_CHILD0)) >>> 2]!;
  }
  /** Bit p (0 = most significant) of n's key; p < 64. */
  private bit(n: number, p: number): number {
    return (this.key(n, p >>> 5) >>> (31 - (p & 31))) & 1;
  }

  /**
   * The shortest route length in subtree n (NONE when n is 0); glue nodes hold no route. With
   * floor > 0 (no route is shorter), the walk ends at the first route that long.
   */
  private minPlen(n: number, floor = 0): number {
    if (n === 0) return NONE;
    if (this.nh(n) !== 0) return this.plen(n);
    const a = this.minPlen(this.child(n, 0), floor);
    return a <= floor ? a : Math.min(a, this.minPlen(this.child(n, 1), floor));
  }

  /** The /16 regions inside k/p (p <= 16): v is the inherited answer, n the top-most node inside. */
  private walk16(k: number, p: number, v: number, n: number): void {
    if (n === 0) {
      const first = k >>> 16;
      const count = 1 << (16 - p);
      for (let s = first; s < first + count; s++) this.region(s, v, 0, 0);
      return;
    }
    const np = this.plen(n);
    const hi = (k | (1 << (31 - p))) >>> 0;
    if (np === p) {
      const nh = this.nh(n);
      if (nh !== 0) v = nh;
      if (p === 16) {
        this.region(k >>> 16, v, this.child(n, 0), this.child(n, 1));
        return;
      }
      this.walk16(k, p + 1, v, this.child(n, 0));
      this.walk16(hi, p + 1, v, this.child(n, 1));
      return;
    }
    const b = this.bit(n, p);
    if (p === 16) {
      this.region(k >>> 16, v, b ? 0 : n, b ? n : 0);
      return;
    }
    this.walk16(k, p + 1, v, b ? 0 : n);
    this.walk16(hi, p + 1, v, b ? n : 0);
  }

  /** Recompiles /16 region s whose inherited answer is v; c0/c1: the subtrees in its two halves. */
  private region(s: number, v: number, c0: number, c1: number): void {
    this.outN = 0;
    const val = this.chunk((s << 16) >>> 0, 0, 16, v, c0, c1);
    this.apply(s, val, (s << 16) >>> 0, 0, 16);
  }

  /**
   * Appends the entries below chunk k0:k1/len (deepest first) and returns the chunk's own value.
   * v: its answer (routes not longer than len); c0/c1: the route subtrees in its two halves.
   */
  private chunk(k0: number, k1: number, len: number, v: number, c0: number, c1: number): number {
    const m = Math.min(this.minPlen(c0), this.minPlen(c1));
    if (m === NONE) return v;
    if (m > 64) return ((F6_RADIX << 24) | v) >>> 0;
    this.children(m, k0, k1, len + 1, v, c0);
    this.children(m, setBit0(k0, len), setBit1(k1, len), len + 1, v, c1);
    return ((m << 24) | v) >>> 0;
  }

  /**
   * Emits the chunks of length lc inside range k0:k1/p (p <= lc) that hold a route. lc is the
   * shortest route length below the parent chunk, so no route covers a range longer than a chunk:
   * an empty range emits nothing. v: the answer so far; n: the top-most radix node inside, or 0.
   */
  private children(lc: number, k0: number, k1: number, p: number, v: number, n: number): void {
    if (n === 0) return;
    const np = this.plen(n);
    if (np > p && p < lc) {
      // nothing forks between p and n (or the chunk length): jump there
      p = Math.min(np, lc);
      k0 = (this.key(n, 0) & mask32(p)) >>> 0;
      k1 = p > 32 ? (this.key(n, 1) & mask32(p - 32)) >>> 0 : 0;
    }
    if (np === p) {
      const nh = this.nh(n);
      if (nh !== 0) v = nh;
      if (p === lc) {
        this.emitChunk(k0, k1, lc, v, this.child(n, 0), this.child(n, 1), nh !== 0);
        return;
      }
      this.children(lc, k0, k1, p + 1, v, this.child(n, 0));
      this.children(lc, setBit0(k0, p), setBit1(k1, p), p + 1, v, this.child(n, 1));
      return;
    }
    // n lies below chunk k0:k1/lc, in one of its halves
    const b = this.bit(n, p);
    this.emitChunk(k0, k1, lc, v, b ? 0 : n, b ? n : 0, false);
  }

  /**
   * Emits chunk k0:k1/len (answer v, route subtrees c0/c1 in its halves; own: a route sits at the
   * chunk itself) and the entries below it: a route slot (layout/fib6.ts) when one route of at most
   * /64 is inside and none at the chunk, whose answer elsewhere is then the parent's; else the chunk
   * entry, its children first.
   */
  private emitChunk(k0: number, k1: number, len: number, v: number, c0: number, c1: number, own: boolean): void {
    if (!own && this.count2(c1, this.count2(c0, 0)) === 1) {
      const r = this.one;
      const rl = this.plen(r);
      if (rl <= 64) {
        this.emit(maskK0(this.key(r, 0), rl), maskK1(this.key(r, 1), rl), len | (rl << F6_ROUTE_SHIFT), this.nh(r));
        return;
      }
    }
    this.emit(k0, k1, len, this.chunk(k0, k1, len, v, c0, c1));
  }

  /** Whether chunk k0:k1/len (len > 16) is to be a route slot in the RIB as it is now (see emitChunk). */
  private routeSlotNow(k0: number, k1: number, len: number): boolean {
    const n = this.descend(k0, k1, len);
    if (n === 0) return false;
    let c: number;
    if (this.plen(n) === len) {
      if (this.nh(n) !== 0) return false;
      c = this.count2(this.child(n, 1), this.count2(this.child(n, 0), 0));
    } else c = this.count2(n, 0);
    return c === 1 && this.plen(this.one) <= 64;
  }

  /** count2's last route found. */
  private one = 0;

  /** c plus the routes in subtree n, counting no further than 2; sets `one` to the last one found. */
  private count2(n: number, c: number): number {
    if (n === 0 || c >= 2) return c;
    if (this.nh(n) !== 0) {
      this.one = n;
      if (++c >= 2) return c;
    }
    return this.count2(this.child(n, 1), this.count2(this.child(n, 0), c));
  }

  private emit(k0: number, k1: number, len: number, val: number): void {
    const { out } = this;
    const n = this.outN;
    out[n] = k0;
    out[n + 1] = k1;
    out[n + 2] = len;
    out[n + 3] = val;
    this.outN = n + 4;
  }

  /**
   * Makes the entries of region s at or below chunk fk0:fk1/flen exactly those in `out`, and
   * tbl16[s] = val unless val is -1 (see the file comment for the order).
   */
  private apply(s: number, val: number, fk0: number, fk1: number, flen: number): void {
    const { u32, out, outN } = this;
    if (this.fresh) {
      // build into an empty hash: every entry is new, and none was there to retire
      for (let i = 0; i < outN; i += 4)
        this.listAdd(s, this.insertFresh(out[i]!, out[i + 1]!, out[i + 2]!, out[i + 3]!));
      if (val !== -1 && u32[this.tbl + s] !== val) {
        Atomics.store(u32, this.tbl + s, val);
        this.onStore?.(this.tbl + s, val);
      }
      return;
    }
    const old = this.heads[s]!;
    if (old === -1 && outN === 0) {
      if (val !== -1 && u32[this.tbl + s] !== val) {
        Atomics.store(u32, this.tbl + s, val);
        this.onStore?.(this.tbl + s, val);
      }
      return;
    }
    // the region's entries at or below the chunk are replaced; a chunk without stored children
    // is found directly, else the region's list is scanned
    const olds = this.olds;
    let no = 0; // olds[0, no)
    const top = flen === 16 ? -1 : this.find(fk0, fk1, flen);
    if (
      flen === 16 ||
      (top >= 0 && this.state[top] === LIVE && (u32[this.tab + top * 4 + (F6E_VAL >>> 2)]! >>> 24) % F6_RADIX !== 0)
    ) {
      const m0 = mask32(flen);
      const m1 = flen > 32 ? mask32(flen - 32) : 0;
      for (let i = old; i !== -1; i = this.meta[i * 4 + LINK]!) {
        const w = this.tab + i * 4;
        if (
          (u32[w + (F6E_TAG >>> 2)]! & F6_LEN_MASK) >= flen &&
          (u32[w + (F6E_K0 >>> 2)]! & m0) >>> 0 === fk0 &&
          (u32[w + (F6E_K1 >>> 2)]! & m1) >>> 0 === fk1
        )
          olds[no++] = i;
      }
    } else if (top >= 0 && this.state[top] === LIVE) {
      olds[no++] = top;
    }
    const epoch = (this.epoch = (this.epoch + 1) | 0); // an int32, as the meta words that keep it
    for (let i = 0; i < outN; i += 4) {
      const k0 = out[i]!;
      const k1 = out[i + 1]!;
      const len = out[i + 2]!;
      const v = out[i + 3]!;
      let slot = this.findExact(k0, k1, len);
      if (slot >= 0) {
        if (this.state[slot] === PENDING) {
          this.state[slot] = LIVE;
          this.pendingIn[s]!--;
          this.listAdd(s, slot);
        } // wanted again before it was retired
        const w = this.tab + slot * 4 + (F6E_VAL >>> 2);
        if (u32[w] !== v) {
          Atomics.store(u32, w, v);
          this.onStore?.(w, v);
        }
      } else {
        // a chunk whose form or route changes: the new slot goes after the old one in the probe
        // sequence, so a reader that passes the old slot's place before the new one is published
        // finds the old one still there, or else the new one
        const cl = len & F6_LEN_MASK;
        slot = this.insert(k0, k1, len, v, this.find(maskK0(k0, cl), maskK1(k1, cl), cl));
        this.listAdd(s, slot);
      }
      this.meta[slot * 4 + MARK] = epoch;
    }
    if (val !== -1 && u32[this.tbl + s] !== val) {
      Atomics.store(u32, this.tbl + s, val);
      this.onStore?.(this.tbl + s, val);
    }
    let nu = 0; // olds[0, nu): the unwanted ones
    for (let i = 0; i < no; i++) if (this.meta[olds[i]! * 4 + MARK] !== epoch) olds[nu++] = olds[i]!;
    for (let i = 0; i < nu; i++) {
      const slot = olds[i]!;
      this.meta[slot * 4 + STALE] = epoch;
      this.listDel(s, slot);
    }
    for (let i = 0; i < nu; i++) {
      const slot = olds[i]!;
      if (this.reachable(slot, s, epoch)) this.kill(slot);
      else {
        this.state[slot] = PENDING;
        this.pending.push(slot);
        this.pendingIn[s]!++;
      }
    }
  }

  private listAdd(s: number, slot: number): void {
    const h = this.heads[s]!;
    this.meta[slot * 4 + LINK] = h;
    this.meta[slot * 4 + BACK] = -1;
    if (h !== -1) this.meta[h * 4 + BACK] = slot;
    this.heads[s] = slot;
  }

  private listDel(s: number, slot: number): void {
    const n = this.meta[slot * 4 + LINK]!;
    const b = this.meta[slot * 4 + BACK]!;
    if (b === -1) this.heads[s] = n;
    else this.meta[b * 4 + LINK] = n;
    if (n !== -1) this.meta[n * 4 + BACK] = b;
  }

  /** Whether a lookup through the new entries of region s can reach `slot` (not through unwanted ones). */
  private reachable(slot: number, s: number, epoch: number): boolean {
    const { u32 } = this;
    const w = this.tab + slot * 4;
    const len = u32[w + (F6E_TAG >>> 2)]! & F6_LEN_MASK;
    const k0 = u32[w + (F6E_K0 >>> 2)]!;
    const k1 = u32[w + (F6E_K1 >>> 2)]!;
    let next = u32[this.tbl + s]! >>> 24;
    while (next !== 0 && next !== F6_RADIX && next < len) {
      const p = this.find(maskK0(k0, next), maskK1(k1, next), next);
      if (p < 0 || this.state[p] !== LIVE || this.meta[p * 4 + STALE] === epoch) return false;
      next = u32[this.tab + p * 4 + (F6E_VAL >>> 2)]! >>> 24;
    }
    return next === len;
  }

  /** The slot of chunk k0:k1/len (a chunk entry or a route slot), -1 = none: what a reader finds. */
  private find(k0: number, k1: number, len: number): number {
    const { u32, tab, slots } = this;
    for (let i = fib6_slot(fib6_hash(k0, k1, len), slots); ; i = i + 1 === slots ? 0 : i + 1) {
      const w = tab + i * 4;
      const t = u32[w + (F6E_TAG >>> 2)]!;
      if (t === 0) return -1;
      if (
        (t & F6_LEN_MASK) === len &&
        maskK0(u32[w + (F6E_K0 >>> 2)]!, len) === k0 &&
        maskK1(u32[w + (F6E_K1 >>> 2)]!, len) === k1
      )
        return i;
    }
  }

  /**
   * The slot holding exactly entry k0:k1 with tag `tag` (as emitted), -1 = none. A chunk that
   * turns from a route slot into a chunk entry or back, or whose route changes, gets a new slot:
   * its tag and key words never change under a reader.
   */
  private findExact(k0: number, k1: number, tag: number): number {
    const { u32, tab, slots } = this;
    const len = tag & F6_LEN_MASK;
    for (
      let i = fib6_slot(fib6_hash(maskK0(k0, len), maskK1(k1, len), len), slots);
      ;
      i = i + 1 === slots ? 0 : i + 1
    ) {
      const w = tab + i * 4;
      const t = u32[w + (F6E_TAG >>> 2)]!;
      if (t === 0) return -1;
      if (t === tag && u32[w + (F6E_K0 >>> 2)] === k0 && u32[w + (F6E_K1 >>> 2)] === k1) return i;
    }
  }

  /**
   * insert() for a build into an empty hash: every slot is EMPTY or LIVE, so the probe reads the
   * tags (the line it is about to write) instead of `state`, and the stores are plain: the region's
   * tbl16 word, stored atomically after all of its entries, publishes them, and slots other regions
   * fill later are empty ones, past the end of every probe sequence already published.
   */
  private insertFresh(k0: number, k1: number, len: number, v: number): number {
    if (this.live + 1 > this.slots * MAX_FILL) {
      throw new Fib6FullError(`compiled IPv6 FIB full (${this.slots} slots, ${this.live} entries, 0 awaiting reclaim)`);
    }
    const { u32, tab, slots } = this;
    const cl = len & F6_LEN_MASK; // len: the tag (a route slot's carries its route's length)
    let i = fib6_slot(fib6_hash(maskK0(k0, cl), maskK1(k1, cl), cl), slots);
    while (u32[tab + i * 4 + (F6E_TAG >>> 2)] !== 0) i = i + 1 === slots ? 0 : i + 1;
    const w = tab + i * 4;
    u32[w + (F6E_K0 >>> 2)] = k0;
    u32[w + (F6E_K1 >>> 2)] = k1;
    u32[w + (F6E_VAL >>> 2)] = v;
    u32[w + (F6E_TAG >>> 2)] = len;
    if (this.onStore) {
      this.onStore(w + (F6E_K0 >>> 2), k0);
      this.onStore(w + (F6E_K1 >>> 2), k1);
      this.onStore(w + (F6E_VAL >>> 2), v);
      this.onStore(w + (F6E_TAG >>> 2), len);
    }
    this.state[i] = LIVE;
    this.live++;
    return i;
  }

  /** Inserts an entry (len: its tag) in the first free slot of its probe sequence after slot `after` (-1: anywhere). */
  private insert(k0: number, k1: number, len: number, v: number, after = -1): number {
    if (this.live + this.tombs + 1 > this.slots * MAX_FILL) {
      throw new Fib6FullError(
        `compiled IPv6 FIB full (${this.slots} slots, ${this.live} entries, ${this.tombs} awaiting reclaim)`,
      );
    }
    const { u32, tab, slots, state } = this;
    const cl = len & F6_LEN_MASK; // len: the tag (a route slot's carries its route's length)
    let i =
      after >= 0
        ? after + 1 === slots
          ? 0
          : after + 1
        : fib6_slot(fib6_hash(maskK0(k0, cl), maskK1(k1, cl), cl), slots);
    while (state[i] === LIVE || state[i] === YOUNG || state[i] === PENDING) i = i + 1 === slots ? 0 : i + 1;
    if (state[i] === AGED) this.tombs--;
    const w = tab + i * 4;
    u32[w + (F6E_K0 >>> 2)] = k0;
    u32[w + (F6E_K1 >>> 2)] = k1;
    u32[w + (F6E_VAL >>> 2)] = v;
    if (this.onStore) {
      this.onStore(w + (F6E_K0 >>> 2), k0);
      this.onStore(w + (F6E_K1 >>> 2), k1);
      this.onStore(w + (F6E_VAL >>> 2), v);
    }
    Atomics.store(u32, w + (F6E_TAG >>> 2), len);
    this.onStore?.(w + (F6E_TAG >>> 2), len); // publishes the slot
    state[i] = LIVE;
    this.live++;
    return i;
  }
}

/**
 * A chunk's `next` once a route of length plen (longer than the chunk) is added inside it, from
 * `was`, its `next` before: the shortest route length inside can only have become plen.
 */
function addedNext(was: number, plen: number): number {
  const m = Math.min(was === 0 ? NONE : was === F6_RADIX ? 65 : was, plen);
  return m > 64 ? F6_RADIX : m;
}

// A key k0:k1 cut to its first len bits (len <= 64), and with bit p (0 = most significant, p < 64)
// set: one word at a time, so the hot paths allocate no tuples.
const maskK0 = (k0: number, len: number): number => (k0 & mask32(len)) >>> 0;
const maskK1 = (k1: number, len: number): number => (len > 32 ? (k1 & mask32(len - 32)) >>> 0 : 0);
const setBit0 = (k0: number, p: number): number => (p < 32 ? (k0 | (1 << (31 - p))) >>> 0 : k0);
const setBit1 = (k1: number, p: number): number => (p < 32 ? k1 : (k1 | (1 << (63 - p))) >>> 0);
