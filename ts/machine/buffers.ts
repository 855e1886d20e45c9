// The multi-CPU engine's packet buffers: the cluster pool, one RX and one TX ring per NIC queue, a
// pktq per CPU and the TX map (layouts and the path a cluster takes: MB_*, RXR_*, PQ_*, TXR_* in
// assembly/layout/buffers.ts). Built here on the main thread before the CPUs start; audited here after
// they stop: every cluster must be found exactly once.
import {
  BUF_SIZE,
  MB_SIZE,
  MB_COUNT,
  MB_CAP,
  MB_BASE,
  MB_CONTENDED,
  MB_EMPTY,
  MB_BULK,
  RXR_SIZE,
  RXR_NSLOT,
  RXR_HW,
  RXR_SW,
  RXR_MISSED,
  RXR_NOBUFS,
  RXR_IF,
  RXR_QUEUE,
  RXD_SIZE,
  RXD_BUF,
  PQ_SIZE,
  PQ_NSLOT,
  PQ_HEAD,
  PQ_TAIL,
  PQ_DROPS,
  PQE_SIZE,
  PQE_BUF,
  TXR_SIZE,
  TXR_NSLOT,
  TXR_HEAD,
  TXR_TAIL,
  TXR_DROPS,
  TXR_FRAMES,
  TXR_BYTES,
  TXR_CONTENDED,
  TXD_SIZE,
  TXD_BUF,
  TXD_OFF,
  TXM_SIZE,
  TXM_RING,
  TXM_NRING,
  TXM_STRIDE,
} from '../../assembly/layout.js';
import type { Arena } from '../stack/arena.js';

const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(2, n)));

/** What to build: the NIC queues (ifindex, queue pairs) and the CPUs. */
export interface BufferPlan {
  /** per physical interface: ifindex and queue pairs */
  /** per physical interface: ifindex, queue pairs, and TX ring slots if not the default (2 batches) */
  nics: { ifindex: number; queues: number; txSlots?: number }[];
  ifSlots: number;
  cpus: number;
  batch: number;
  /** RX ring slots per queue (default: one batch) */
  rxSlots?: number;
  /** each CPU's cache capacity (the Stack's per-CPU free stack) */
  cacheCap: number;
}

function sizes(p: BufferPlan) {
  // a service fills at most a batch and takes it at once: a batch of slots is enough, and every
  // slot more is a cluster more in the working set the NIC copies into
  const rxSlots = pow2(p.rxSlots ?? p.batch);
  const txSlots = pow2(2 * p.batch);
  const txOf = (x: BufferPlan['nics'][number]) => pow2(x.txSlots ?? txSlots);
  const pqSlots = pow2(2 * p.batch);
  const queues = p.nics.reduce((n, x) => n + x.queues, 0);
  // every RX slot holds a cluster; TX rings a CPU can post to may fill up; each cache and pktq may
  // be full; one bulk move more per CPU, so a full ring never leaves the caches dry
  const txUsed = p.nics.reduce((n, x) => n + Math.min(x.queues, p.cpus) * txOf(x), 0);
  const clusters = queues * rxSlots + txUsed + p.cpus * (p.cacheCap + pqSlots + MB_BULK);
  const txBytes = p.nics.reduce((n, x) => n + x.queues * (TXR_SIZE + txOf(x) * TXD_SIZE + 64), 0);
  return { rxSlots, txOf, pqSlots, queues, clusters, txBytes };
}

/** Bytes of reserved memory buildBuffers needs. */
export function buffersBytes(p: BufferPlan): number {
  const s = sizes(p);
  return (
    64 +
    s.clusters * BUF_SIZE +
    64 +
    MB_SIZE +
    s.clusters * 4 +
    s.queues * (RXR_SIZE + s.rxSlots * RXD_SIZE + 64) +
    s.txBytes +
    p.cpus * (PQ_SIZE + s.pqSlots * PQE_SIZE + 64) +
    p.ifSlots * TXM_SIZE +
    64
  );
}

export interface Buffers {
  pool: number;
  clusters: number;
  total: number;
  /** per CPU */
  pktq: number[];
  txmap: number;
  /** by ifindex, then queue */
  rx: Map<number, number[]>;
  tx: Map<number, number[]>;
}

/** Lays everything out in `a` and fills it: clusters in every RX slot, the rest on the pool. */
export function buildBuffers(dv: DataView, a: Arena, p: BufferPlan): Buffers {
  const s = sizes(p);
  const clusters = a.alloc(s.clusters * BUF_SIZE);
  const pool = a.alloc(MB_SIZE + s.clusters * 4);
  const u32 = (at: number, v: number) => dv.setUint32(at, v >>> 0, true);
  u32(pool + MB_CAP, s.clusters);
  u32(pool + MB_BASE, clusters);
  let next = 0; // clusters handed out so far, from the top
  const take = () => clusters + (s.clusters - 1 - next++) * BUF_SIZE;
  const rx = new Map<number, number[]>();
  const tx = new Map<number, number[]>();
  const txmap = a.alloc(p.ifSlots * TXM_SIZE);
  for (const n of p.nics) {
    const txStride = TXR_SIZE + s.txOf(n) * TXD_SIZE;
    const rings: number[] = [];
    for (let q = 0; q < n.queues; q++) {
      const r = a.alloc(RXR_SIZE + s.rxSlots * RXD_SIZE);
      u32(r + RXR_NSLOT, s.rxSlots);
      u32(r + RXR_IF, n.ifindex);
      u32(r + RXR_QUEUE, q);
      for (let i = 0; i < s.rxSlots; i++) u32(r + RXR_SIZE + i * RXD_SIZE + RXD_BUF, take());
      rings.push(r);
    }
    rx.set(n.ifindex, rings);
    const first = a.alloc(n.queues * txStride);
    const txr = Array.from({ length: n.queues }, (_, q) => first + q * txStride);
    for (const r of txr) u32(r + TXR_NSLOT, s.txOf(n));
    tx.set(n.ifindex, txr);
    u32(txmap + n.ifindex * TXM_SIZE + TXM_RING, first);
    u32(txmap + n.ifindex * TXM_SIZE + TXM_NRING, n.queues);
    u32(txmap + n.ifindex * TXM_SIZE + TXM_STRIDE, txStride);
  }
  const pktq = Array.from({ length: p.cpus }, () => {
    const q = a.alloc(PQ_SIZE + s.pqSlots * PQE_SIZE);
    u32(q + PQ_NSLOT, s.pqSlots);
    return q;
  });
  const free = s.clusters - next;
  for (let i = 0; i < free; i++) u32(pool + MB_SIZE + i * 4, clusters + i * BUF_SIZE);
  u32(pool + MB_COUNT, free);
  return { pool, clusters, total: s.clusters, pktq, txmap, rx, tx };
}

export interface BufferAudit {
  total: number;
  /** where the clusters were found */
  pool: number;
  caches: number;
  rxRings: number;
  pktqs: number;
  txRings: number;
  /** problems: a cluster found twice, an address that is no cluster, clusters found nowhere */
  duplicates: number;
  foreign: number;
  missing: number;
  ok: boolean;
}

/**
 * Finds every cluster (only meaningful while no CPU runs: after stop). `caches` are the CPUs'
 * CTX_FREE stacks.
 */
export function auditBuffers(dv: DataView, b: Buffers, caches: number[]): BufferAudit {
  const u32 = (at: number) => dv.getUint32(at, true);
  const seen = new Uint8Array(b.total);
  let found = 0;
  let duplicates = 0;
  let foreign = 0;
  const see = (c: number) => {
    found++;
    const i = (c - b.clusters) / BUF_SIZE;
    if (!Number.isInteger(i) || i < 0 || i >= b.total) {
      foreign++;
      return;
    }
    if (seen[i]) duplicates++;
    seen[i] = 1;
  };
  /** How many clusters `f` finds. */
  const count = (f: () => void) => {
    const before = found;
    f();
    return found - before;
  };
  const pool = count(() => {
    for (let i = 0; i < u32(b.pool + MB_COUNT); i++) see(u32(b.pool + MB_SIZE + i * 4));
  });
  const cachesN = count(() => {
    for (const fs of caches) for (let i = 0; i < u32(fs); i++) see(u32(fs + 8 + i * 4));
  });
  const rxRings = count(() => {
    for (const rings of b.rx.values())
      for (const r of rings)
        for (let i = 0; i < u32(r + RXR_NSLOT); i++) see(u32(r + RXR_SIZE + i * RXD_SIZE + RXD_BUF));
  });
  const pktqs = count(() => {
    for (const q of b.pktq) {
      const mask = u32(q + PQ_NSLOT) - 1;
      for (let t = u32(q + PQ_TAIL); t !== u32(q + PQ_HEAD); t = (t + 1) >>> 0)
        see(u32(q + PQ_SIZE + (t & mask) * PQE_SIZE + PQE_BUF));
    }
  });
  const txRings = count(() => {
    for (const rings of b.tx.values())
      for (const r of rings) {
        const mask = u32(r + TXR_NSLOT) - 1;
        for (let t = u32(r + TXR_TAIL); t !== u32(r + TXR_HEAD); t = (t + 1) >>> 0) {
          const d = r + TXR_SIZE + (t & mask) * TXD_SIZE;
          see(u32(d + TXD_BUF) - dv.getUint16(d + TXD_OFF, true));
        }
      }
  });
  const missing = seen.reduce((n, x) => n + (x ? 0 : 1), 0);
  return {
    total: b.total,
    pool,
    caches: cachesN,
    rxRings,
    pktqs,
    txRings,
    duplicates,
    foreign,
    missing,
    ok: duplicates === 0 && foreign === 0 && missing === 0,
  };
}

/** Live counts (racy while CPUs run: for netstat -m, not for invariants). */
export function bufferStats(dv: DataView, b: Buffers, caches: number[]) {
  const u32 = (at: number) => dv.getUint32(at, true);
  let rxMissed = 0,
    rxNobufs = 0,
    pktqDrops = 0,
    txDrops = 0,
    rxQueued = 0;
  for (const rings of b.rx.values())
    for (const r of rings) {
      rxMissed += u32(r + RXR_MISSED);
      rxNobufs += u32(r + RXR_NOBUFS);
      rxQueued += (u32(r + RXR_HW) - u32(r + RXR_SW)) >>> 0;
    }
  let pktqQueued = 0;
  for (const q of b.pktq) {
    pktqDrops += u32(q + PQ_DROPS);
    pktqQueued += (u32(q + PQ_HEAD) - u32(q + PQ_TAIL)) >>> 0;
  }
  let txQueued = 0;
  for (const rings of b.tx.values())
    for (const r of rings) {
      txDrops += u32(r + TXR_DROPS);
      txQueued += (u32(r + TXR_HEAD) - u32(r + TXR_TAIL)) >>> 0;
    }
  return {
    clusters: b.total,
    clusterBytes: BUF_SIZE,
    poolFree: u32(b.pool + MB_COUNT),
    cached: caches.reduce((n, fs) => n + u32(fs), 0),
    poolContended: u32(b.pool + MB_CONTENDED),
    poolEmpty: u32(b.pool + MB_EMPTY),
    rxMissed,
    rxNobufs,
    rxQueued,
    pktqDrops,
    pktqQueued,
    txDrops,
    txQueued,
  };
}

/** A TX ring's counters: frames and bytes sent (reclaimed) plus those still posted, lock contention. */
export function txRingStats(
  dv: DataView,
  r: number,
): { frames: number; bytes: number; queued: number; contended: number; drops: number } {
  const queued = (dv.getUint32(r + TXR_HEAD, true) - dv.getUint32(r + TXR_TAIL, true)) >>> 0;
  return {
    frames: Number(dv.getBigUint64(r + TXR_FRAMES, true)),
    bytes: Number(dv.getBigUint64(r + TXR_BYTES, true)),
    queued,
    contended: dv.getUint32(r + TXR_CONTENDED, true),
    drops: dv.getUint32(r + TXR_DROPS, true),
  };
}
