// NIC RX ring (layout: RXR_*, RXD_* in assembly/layout/buffers.ts): the NIC side that fills it and the
// driver side that empties it, either into the CPU's pktq (interrupt mode) or straight into a batch
// (poll mode: no queueing, as in the talk's poll mode). TS twin: ts/kernels/nic/rxring.ts.
//
// Caller guarantees: it owns the ring's queue (VT_OWNER), `fs` is its CPU's cluster cache.
import {
  RXR_SIZE,
  RXR_NSLOT,
  RXR_HW,
  RXR_SW,
  RXR_MISSED,
  RXR_NOBUFS,
  RXR_IF,
  RXR_QUEUE,
  RXR_WARM,
  RXD_SIZE,
  RXD_BUF,
  RXD_LEN,
  RXD_DONE,
  RXD_RSS,
  RXD_HTYPE,
  PQ_SIZE,
  PQ_NSLOT,
  PQ_HEAD,
  PQ_TAIL,
  PQ_DROPS,
  PQE_SIZE,
  PQE_BUF,
  PQE_LEN,
  PQE_IF,
  PQE_RSS,
  PQE_HTYPE,
  PQE_QUEUE,
  CTX_PD,
  CTX_FREE,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  PD_RSS,
  PD_QUEUE,
  PD_HTYPE,
  BUF_HEADROOM,
  MB_BULK,
} from '../layout';
import { ald32, ast32, copy_frame, ld16, ld32, st8, st16, st32 } from '../util/mem';
import { pktq_dequeue } from '../net/pktq';
import { pool_get, pool_refill } from './mbuf';

/**
 * How many slots ahead rxr_place reads the cluster it will copy into: the cluster went into its slot
 * a ring's turn ago and is out of L1 by now, and a store that misses holds up the copies behind it
 * in the store buffer, where a load's miss overlaps with the work on the frames in between (WASM has
 * no prefetch instruction). 8: mp.ts's source copy measured cheapest of 8 and 16.
 */
const RXR_WARM_AHEAD: u32 = 8;

@inline function slot_at(r: usize, mask: u32, i: u32): usize {
  return r + RXR_SIZE + <usize>(i & mask) * RXD_SIZE;
}

/** rxr_place's read ahead: a word of the cluster in slot i, whose copy comes RXR_WARM_AHEAD frames later. */
@inline function cluster_word(r: usize, mask: u32, i: u32): u32 {
  return load<u32>(<usize>ld32(slot_at(r, mask, i) + RXD_BUF) + BUF_HEADROOM);
}

/**
 * The driver takes done slot s: clears its done bit and returns the frame's cluster, putting a
 * fresh one from the cache in the slot; with none to put there, returns 0, counts RXR_NOBUFS and
 * the slot keeps its cluster (the frame is dropped).
 */
@inline function rxd_take(r: usize, s: usize, fs: usize, pool: usize): usize {
  st16(s + RXD_DONE, 0);
  const c = pool_get(fs, pool);
  if (c == 0) {
    st32(r + RXR_NOBUFS, ld32(r + RXR_NOBUFS) + 1);
    return 0;
  }
  const old = <usize>ld32(s + RXD_BUF);
  st32(s + RXD_BUF, <u32>c);
  return old;
}

/**
 * The NIC receives `n` frames, templates seq, seq+1, ... (mod count) laid out as gen_fill's: it
 * writes each into the next empty slot's cluster (DMA) with the template's RSS hash and type from
 * `hashes` (QS_HASHES: u32 hash, u32 type per template; 0: none, HT_NONE) and marks the slot done.
 * Frames that find the ring full are lost (RXR_MISSED). Returns the frames placed.
 */
export function rxr_fill(
  r: usize,
  n: u32,
  tmpl: usize,
  stride: u32,
  count: u32,
  len: u32,
  seq: u32,
  hashes: usize,
): u32 {
  const k = rxr_place(r, n, tmpl, stride, count, len, seq, hashes);
  ast32(r + RXR_HW, ld32(r + RXR_HW) + k); // release: the slots written before a consumer on another thread reads them
  return k;
}

/**
 * rxr_fill without publishing: the frames are in slots [hw, hw + k) but RXR_HW is not moved, so a
 * producer on another thread than the consumer can still write into them (the probe's stamps) and
 * then publish hw + k itself with a release store (link-port.ts's protocol).
 */
export function rxr_place(
  r: usize,
  n: u32,
  tmpl: usize,
  stride: u32,
  count: u32,
  len: u32,
  seq: u32,
  hashes: usize,
): u32 {
  const size = ld32(r + RXR_NSLOT);
  let hw = ld32(r + RXR_HW);
  const room = size - (hw - ald32(r + RXR_SW)); // acquire: the consumer refilled the slots it took (a generator thread)
  const k = n < room ? n : room;
  let t = seq % count;
  let warm: u32 = 0;
  if (len - 16 <= 112 && hashes != 0) {
    // the generator's usual case (one length of 16-128 bytes, hashed templates) in a loop of its
    // own that walks template and hash by pointer: fewer live values than the general loop below,
    // which V8 kept spilling to the stack (0.6 ns a frame in mp.ts); the same stores
    const mask = size - 1;
    const lenDone = len | (1 << ((RXD_DONE - RXD_LEN) * 8));
    const last = tmpl + <usize>(count - 1) * stride;
    let src = tmpl + <usize>t * stride;
    let h = hashes + ((<usize>t) << 3);
    for (let i: u32 = 0; i < k; i++, hw++) {
      const s = slot_at(r, mask, hw);
      if (i + RXR_WARM_AHEAD < k) warm ^= cluster_word(r, mask, hw + RXR_WARM_AHEAD);
      copy_frame(<usize>ld32(s + RXD_BUF) + BUF_HEADROOM, src, len);
      store<u64>(s + RXD_RSS, load<u64>(h)); // RXD_HTYPE too
      st32(s + RXD_LEN, lenDone); // and RXD_DONE set, in one store
      if (src == last) {
        src = tmpl;
        h = hashes;
      } else {
        src += stride;
        h += 8;
      }
    }
  } else
    for (let i: u32 = 0; i < k; i++) {
      const s = slot_at(r, size - 1, hw);
      // within this call's own slots only [hw, hw + k): a producer on another thread owns no others
      if (i + RXR_WARM_AHEAD < k) warm ^= cluster_word(r, size - 1, hw + RXR_WARM_AHEAD);
      const src = tmpl + <usize>t * stride;
      const l = len != 0 ? len : load<u32>(src);
      copy_frame(<usize>ld32(s + RXD_BUF) + BUF_HEADROOM, len != 0 ? src : src + 4, l);
      store<u64>(s + RXD_RSS, hashes != 0 ? load<u64>(hashes + ((<usize>t) << 3)) : 0); // RXD_HTYPE too
      st32(s + RXD_LEN, l | (1 << ((RXD_DONE - RXD_LEN) * 8))); // and RXD_DONE set, in one store
      hw++;
      t = t + 1 == count ? 0 : t + 1;
    }
  if (k < n) st32(r + RXR_MISSED, ld32(r + RXR_MISSED) + (n - k));
  st32(r + RXR_WARM, warm);
  return k;
}

/**
 * Hardware interrupt: up to `max` done slots go onto the pktq, each slot refilled with a cluster
 * from the cache. No cluster: the frame is dropped and the slot keeps its cluster (RXR_NOBUFS);
 * pktq full: the same (PQ_DROPS). Returns the slots taken.
 */
export function rxr_intr(r: usize, pq: usize, fs: usize, pool: usize, max: u32): u32 {
  let sw = ld32(r + RXR_SW);
  const hw = ald32(r + RXR_HW); // acquire: a link's driver wrote the slots before publishing hw
  const avail = hw - sw;
  const k = max < avail ? max : avail;
  const ifx = ld32(r + RXR_IF);
  const queue = ld32(r + RXR_QUEUE);
  const qmask = ld32(pq + PQ_NSLOT) - 1;
  const mask = ld32(r + RXR_NSLOT) - 1;
  let head = ld32(pq + PQ_HEAD);
  const tail = ld32(pq + PQ_TAIL);
  for (let i: u32 = 0; i < k; i++, sw++) {
    const s = slot_at(r, mask, sw);
    if (head - tail > qmask) {
      st16(s + RXD_DONE, 0);
      st32(pq + PQ_DROPS, ld32(pq + PQ_DROPS) + 1);
      continue;
    }
    const b = rxd_take(r, s, fs, pool);
    if (b == 0) continue;
    const e = pq + PQ_SIZE + <usize>(head & qmask) * PQE_SIZE;
    st32(e + PQE_BUF, <u32>b);
    st16(e + PQE_LEN, ld16(s + RXD_LEN));
    st16(e + PQE_IF, ifx);
    st32(e + PQE_RSS, ld32(s + RXD_RSS));
    st16(e + PQE_HTYPE, ld32(s + RXD_HTYPE));
    st16(e + PQE_QUEUE, queue);
    head++;
  }
  st32(pq + PQ_HEAD, head);
  ast32(r + RXR_SW, sw); // release: the slots' fresh clusters before a link's driver reuses them
  return k;
}

/**
 * Poll mode: up to `max` done slots straight into descriptors [0, n) of the context's batch (with
 * the NIC's hash, hash type and queue),
 * each slot refilled from the context's cache (no cluster: dropped, RXR_NOBUFS). Returns n.
 */
export function rxr_poll(ctx: usize, r: usize, pool: usize, max: u32): u32 {
  const fs = <usize>ld32(ctx + CTX_FREE);
  const pd0 = <usize>ld32(ctx + CTX_PD);
  let sw = ld32(r + RXR_SW);
  const avail = ald32(r + RXR_HW) - sw; // acquire, as rxr_intr
  const k = max < avail ? max : avail;
  const ifx = ld32(r + RXR_IF);
  const queue = ld32(r + RXR_QUEUE);
  const mask = ld32(r + RXR_NSLOT) - 1;
  let n: u32 = 0;
  // rxd_take's pool_get with the cache's count in a local, stored once at the end (and before a refill)
  let have = ld32(fs);
  const rxif = (<u64>ifx) << (PD_RXIF * 8);
  if (have >= k) {
    // the usual case (pool_balance leaves a batch's worth in the cache): no refill can come, so a
    // loop without that branch and the values it needs, which V8 kept spilling (the same stores as
    // the loop below; 0.6 ns a frame in mp.ts)
    for (let i: u32 = 0; i < k; i++, sw++) {
      const s = slot_at(r, mask, sw);
      const d = load<u64>(s);
      have--;
      const len = (d >> (RXD_LEN * 8)) & 0xffff;
      store<u64>(s, ((<u64>ld32(fs + 8 + ((<usize>have) << 2))) << (RXD_BUF * 8)) | (len << (RXD_LEN * 8)));
      const pd = pd0 + <usize>i * PD_SIZE;
      store<u64>(
        pd,
        ((<u64>(<u32>(d >> (RXD_BUF * 8)) + BUF_HEADROOM)) << (PD_BUF * 8)) | (len << (PD_LEN * 8)) | rxif,
      );
      const h = load<u64>(s + RXD_RSS);
      st32(pd + PD_RSS, <u32>h);
      st16(pd + PD_QUEUE, queue);
      st8(pd + PD_HTYPE, <u32>(h >> ((RXD_HTYPE - RXD_RSS) * 8)));
    }
    st32(fs, have);
    ast32(r + RXR_SW, sw); // release, as rxr_intr
    return k;
  }
  for (let i: u32 = 0; i < k; i++, sw++) {
    const s = slot_at(r, mask, sw);
    const d = load<u64>(s); // RXD_BUF, RXD_LEN, RXD_DONE: the slot's first 8 bytes
    if (have == 0) {
      st32(fs, 0);
      have = pool_refill(fs, pool, MB_BULK);
      if (have == 0) {
        st16(s + RXD_DONE, 0);
        st32(r + RXR_NOBUFS, ld32(r + RXR_NOBUFS) + 1);
        continue;
      }
    }
    have--;
    const len = (d >> (RXD_LEN * 8)) & 0xffff;
    // the slot's fresh cluster, its length as it was and done cleared, in one store
    store<u64>(s, ((<u64>ld32(fs + 8 + ((<usize>have) << 2))) << (RXD_BUF * 8)) | (len << (RXD_LEN * 8)));
    const pd = pd0 + <usize>n * PD_SIZE;
    // PD_BUF, PD_LEN, PD_RXIF: the descriptor's first 8 bytes in one store
    store<u64>(pd, ((<u64>(<u32>(d >> (RXD_BUF * 8)) + BUF_HEADROOM)) << (PD_BUF * 8)) | (len << (PD_LEN * 8)) | rxif);
    const h = load<u64>(s + RXD_RSS); // with RXD_HTYPE
    st32(pd + PD_RSS, <u32>h);
    st16(pd + PD_QUEUE, queue);
    st8(pd + PD_HTYPE, <u32>(h >> ((RXD_HTYPE - RXD_RSS) * 8)));
    n++;
  }
  st32(fs, have);
  ast32(r + RXR_SW, sw); // release, as rxr_intr
  return n;
}

/**
 * The hardware interrupt and the softint's first dequeue in one call: leaves what rxr_intr(r, pq,
 * CTX_FREE, pool, max) then pktq_dequeue(ctx, pq, max) leave, in one pass over the slots when the
 * softint keeps up (the pktq empty): done slots go straight into descriptors [0, n) as rxr_poll
 * takes them, and the pktq's head and tail both move on by n (counted through it, queued and
 * dequeued). With older frames queued, the new ones queue behind them and the first `max` of the
 * pktq are dequeued. Returns n, the descriptors filled.
 */
export function rxr_intr_softint(ctx: usize, r: usize, pq: usize, pool: usize, max: u32): u32 {
  const head = ld32(pq + PQ_HEAD);
  if (head != ld32(pq + PQ_TAIL)) {
    rxr_intr(r, pq, <usize>ld32(ctx + CTX_FREE), pool, max);
    return pktq_dequeue(ctx, pq, max);
  }
  const n = rxr_poll(ctx, r, pool, max);
  st32(pq + PQ_HEAD, head + n);
  st32(pq + PQ_TAIL, head + n);
  return n;
}
