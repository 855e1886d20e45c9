// TS twin of assembly/nic/rxring.ts.
import {
  RXR_SIZE,
  RXR_NSLOT,
  RXR_HW,
  RXR_SW,
  RXR_MISSED,
  RXR_NOBUFS,
  RXR_IF,
  RXR_WARM,
  RXD_SIZE,
  RXD_BUF,
  RXD_LEN,
  RXD_DONE,
  RXD_RSS,
  RXD_HTYPE,
  RXR_QUEUE,
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
} from '../../../assembly/layout.js';
import { type Mem, ald32, ast32, copy_frame, ld16, ld32, st8, st16, st32 } from '../util/mem.js';
import { pktq_dequeue } from '../net/pktq.js';
import { pool_get } from './mbuf.js';

/** The AS kernel's read-ahead distance (there a cache warm-up; here only the same word written). */
const RXR_WARM_AHEAD = 8;

function slot_at(r: number, mask: number, i: number): number {
  return r + RXR_SIZE + ((i & mask) >>> 0) * RXD_SIZE;
}

/** Twin of rxd_take: the frame's cluster out of done slot s, a fresh one in; 0 (RXR_NOBUFS) with none. */
function rxd_take(m: Mem, r: number, s: number, fs: number, pool: number): number {
  st16(m, s + RXD_DONE, 0);
  const c = pool_get(m, fs, pool);
  if (c === 0) {
    st32(m, r + RXR_NOBUFS, ld32(m, r + RXR_NOBUFS) + 1);
    return 0;
  }
  const old = ld32(m, s + RXD_BUF);
  st32(m, s + RXD_BUF, c);
  return old;
}

export function rxr_fill(
  m: Mem,
  r: number,
  n: number,
  tmpl: number,
  stride: number,
  count: number,
  len: number,
  seq: number,
  hashes: number,
): number {
  const k = rxr_place(m, r, n, tmpl, stride, count, len, seq, hashes);
  ast32(m, r + RXR_HW, (ld32(m, r + RXR_HW) + k) >>> 0); // release, as the AS kernel
  return k;
}

/** rxr_fill without publishing RXR_HW (see the AS kernel). */
export function rxr_place(
  m: Mem,
  r: number,
  n: number,
  tmpl: number,
  stride: number,
  count: number,
  len: number,
  seq: number,
  hashes: number,
): number {
  const size = ld32(m, r + RXR_NSLOT);
  let hw = ld32(m, r + RXR_HW);
  const room = (size - ((hw - ald32(m, r + RXR_SW)) >>> 0)) >>> 0; // acquire, as the AS kernel
  const k = Math.min(n, room);
  let t = seq % count;
  let warm = 0;
  for (let i = 0; i < k; i++) {
    const s = slot_at(r, size - 1, hw);
    if (i + RXR_WARM_AHEAD < k)
      warm ^= ld32(m, ld32(m, slot_at(r, size - 1, (hw + RXR_WARM_AHEAD) >>> 0) + RXD_BUF) + BUF_HEADROOM);
    const src = tmpl + t * stride;
    const l = len !== 0 ? len : ld32(m, src);
    const from = len !== 0 ? src : src + 4;
    const dst = ld32(m, s + RXD_BUF) + BUF_HEADROOM;
    copy_frame(m, dst, from, l);
    st16(m, s + RXD_LEN, l);
    st32(m, s + RXD_RSS, hashes !== 0 ? ld32(m, hashes + t * 8) : 0);
    st32(m, s + RXD_HTYPE, hashes !== 0 ? ld32(m, hashes + t * 8 + 4) : 0);
    st16(m, s + RXD_DONE, 1);
    hw = (hw + 1) >>> 0;
    t = t + 1 === count ? 0 : t + 1;
  }
  if (k < n) st32(m, r + RXR_MISSED, ld32(m, r + RXR_MISSED) + (n - k));
  st32(m, r + RXR_WARM, warm >>> 0);
  return k;
}

export function rxr_intr(m: Mem, r: number, pq: number, fs: number, pool: number, max: number): number {
  let sw = ld32(m, r + RXR_SW);
  const avail = (ald32(m, r + RXR_HW) - sw) >>> 0;
  const k = Math.min(max, avail);
  const ifx = ld32(m, r + RXR_IF);
  const queue = ld32(m, r + RXR_QUEUE);
  const qmask = ld32(m, pq + PQ_NSLOT) - 1;
  const mask = ld32(m, r + RXR_NSLOT) - 1;
  let head = ld32(m, pq + PQ_HEAD);
  const tail = ld32(m, pq + PQ_TAIL);
  for (let i = 0; i < k; i++, sw = (sw + 1) >>> 0) {
    const s = slot_at(r, mask, sw);
    if ((head - tail) >>> 0 > qmask) {
      st16(m, s + RXD_DONE, 0);
      st32(m, pq + PQ_DROPS, ld32(m, pq + PQ_DROPS) + 1);
      continue;
    }
    const b = rxd_take(m, r, s, fs, pool);
    if (b === 0) continue;
    const e = pq + PQ_SIZE + ((head & qmask) >>> 0) * PQE_SIZE;
    st32(m, e + PQE_BUF, b);
    st16(m, e + PQE_LEN, ld16(m, s + RXD_LEN));
    st16(m, e + PQE_IF, ifx);
    st32(m, e + PQE_RSS, ld32(m, s + RXD_RSS));
    st16(m, e + PQE_HTYPE, ld32(m, s + RXD_HTYPE));
    st16(m, e + PQE_QUEUE, queue);
    head = (head + 1) >>> 0;
  }
  st32(m, pq + PQ_HEAD, head);
  ast32(m, r + RXR_SW, sw);
  return k;
}

export function rxr_poll(m: Mem, ctx: number, r: number, pool: number, max: number): number {
  const fs = ld32(m, ctx + CTX_FREE);
  const pd0 = ld32(m, ctx + CTX_PD);
  let sw = ld32(m, r + RXR_SW);
  const avail = (ald32(m, r + RXR_HW) - sw) >>> 0;
  const k = Math.min(max, avail);
  const ifx = ld32(m, r + RXR_IF);
  const queue = ld32(m, r + RXR_QUEUE);
  const mask = ld32(m, r + RXR_NSLOT) - 1;
  let n = 0;
  for (let i = 0; i < k; i++, sw = (sw + 1) >>> 0) {
    const s = slot_at(r, mask, sw);
    const b = rxd_take(m, r, s, fs, pool);
    if (b === 0) continue;
    const pd = pd0 + n * PD_SIZE;
    st32(m, pd + PD_BUF, b + BUF_HEADROOM);
    st16(m, pd + PD_LEN, ld16(m, s + RXD_LEN));
    st16(m, pd + PD_RXIF, ifx);
    st32(m, pd + PD_RSS, ld32(m, s + RXD_RSS));
    st16(m, pd + PD_QUEUE, queue);
    st8(m, pd + PD_HTYPE, ld32(m, s + RXD_HTYPE));
    n++;
  }
  ast32(m, r + RXR_SW, sw);
  return n;
}

export function rxr_intr_softint(m: Mem, ctx: number, r: number, pq: number, pool: number, max: number): number {
  const head = ld32(m, pq + PQ_HEAD);
  if (head !== ld32(m, pq + PQ_TAIL)) {
    rxr_intr(m, r, pq, ld32(m, ctx + CTX_FREE), pool, max);
    return pktq_dequeue(m, ctx, pq, max);
  }
  const n = rxr_poll(m, ctx, r, pool, max);
  st32(m, pq + PQ_HEAD, (head + n) >>> 0);
  st32(m, pq + PQ_TAIL, (head + n) >>> 0);
  return n;
}
