// TS twin of assembly/nic/txring.ts.
import {
  TXR_SIZE,
  TXR_LOCK,
  TXR_CONTENDED,
  TXR_NSLOT,
  TXR_HEAD,
  TXR_TAIL,
  TXR_DROPS,
  TXR_FRAMES,
  TXR_BYTES,
  TXR_LINK,
  TXR_SENT,
  TXD_SIZE,
  TXD_BUF,
  TXD_LEN,
  TXD_OFF,
  TXM_SIZE,
  TXM_RING,
  TXM_NRING,
  TXM_STRIDE,
  MB_BASE,
  CTX_PD,
  CTX_TX,
  CTX_FREE,
  PD_SIZE,
  PD_BUF,
  PD_NTX,
  PD_TXFIRST,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  BUF_SIZE,
  BUF_HEADROOM,
} from '../../../assembly/layout.js';
import { type Mem, ald32, ld16, ld32, st16, st32 } from '../util/mem.js';
import { pool_put } from './mbuf.js';

function txr_lock(m: Mem, r: number, me: number): void {
  while (Atomics.compareExchange(m.u32, (r + TXR_LOCK) >>> 2, 0, me) !== 0)
    Atomics.add(m.u32, (r + TXR_CONTENDED) >>> 2, 1);
}

function txr_unlock(m: Mem, r: number): void {
  Atomics.store(m.u32, (r + TXR_LOCK) >>> 2, 0);
}

function add64(m: Mem, p: number, v: number): void {
  const lo = ld32(m, p) + v;
  st32(m, p, lo >>> 0);
  if (lo > 0xffffffff) st32(m, p + 4, ld32(m, p + 4) + Math.floor(lo / 0x100000000));
}

function txr_sent_end(m: Mem, r: number): number {
  return ld32(m, r + TXR_LINK) !== 0 ? ald32(m, r + TXR_SENT) : ld32(m, r + TXR_HEAD);
}

function txr_reclaim_locked(m: Mem, r: number, fs: number, pool: number): number {
  const mask = ld32(m, r + TXR_NSLOT) - 1;
  const head = txr_sent_end(m, r);
  let tail = ld32(m, r + TXR_TAIL);
  const k = (head - tail) >>> 0;
  let bytes = 0;
  for (; tail !== head; tail = (tail + 1) >>> 0) {
    const s = r + TXR_SIZE + ((tail & mask) >>> 0) * TXD_SIZE;
    bytes += ld16(m, s + TXD_LEN) + 4; // + FCS: bytes on the wire
    pool_put(m, fs, pool, ld32(m, s + TXD_BUF) - ld16(m, s + TXD_OFF));
  }
  st32(m, r + TXR_TAIL, tail);
  add64(m, r + TXR_FRAMES, k);
  add64(m, r + TXR_BYTES, bytes);
  return k;
}

export function txr_reclaim(m: Mem, r: number, fs: number, pool: number, cpu: number): number {
  if (txr_sent_end(m, r) === ld32(m, r + TXR_TAIL)) return 0;
  txr_lock(m, r, cpu + 1);
  const k = txr_reclaim_locked(m, r, fs, pool);
  txr_unlock(m, r);
  return k;
}

export function tx_post(m: Mem, ctx: number, n: number, txmap: number, cpu: number, pool: number): number {
  const fs = ld32(m, ctx + CTX_FREE);
  const pd0 = ld32(m, ctx + CTX_PD);
  const tx0 = ld32(m, ctx + CTX_TX);
  const base = ld32(m, pool + MB_BASE);
  let held = 0;
  let heldIf = -1;
  let size = 0,
    head = 0,
    tail = 0;
  let posted = 0;
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    const cl = ld32(m, pd + PD_BUF) - BUF_HEADROOM;
    let kept = false;
    const first = ld32(m, pd + PD_TXFIRST);
    const end = first + ld16(m, pd + PD_NTX);
    for (let e = first; e < end; e++) {
      const t = tx0 + e * TX_SIZE;
      const buf = ld32(m, t + TX_BUF);
      let off: number;
      if (buf - cl >= 0 && buf - cl < BUF_SIZE) {
        kept = true;
        off = buf - cl;
      } else off = (buf - base) % BUF_SIZE;
      const ifx = ld16(m, t + TX_IF);
      if (ifx !== heldIf) {
        if (held !== 0) {
          st32(m, held + TXR_HEAD, head);
          txr_unlock(m, held);
        }
        held = 0;
        heldIf = ifx;
        const mp = txmap + ifx * TXM_SIZE;
        const nr = ld32(m, mp + TXM_NRING);
        if (nr !== 0) {
          held = ld32(m, mp + TXM_RING) + (cpu % nr) * ld32(m, mp + TXM_STRIDE);
          txr_lock(m, held, cpu + 1);
          size = ld32(m, held + TXR_NSLOT);
          head = ld32(m, held + TXR_HEAD);
          tail = ld32(m, held + TXR_TAIL);
        }
      }
      if (held === 0) {
        pool_put(m, fs, pool, buf - off);
        continue;
      }
      if ((head - tail) >>> 0 >= size) {
        st32(m, held + TXR_HEAD, head);
        txr_reclaim_locked(m, held, fs, pool);
        tail = ld32(m, held + TXR_TAIL);
        if ((head - tail) >>> 0 >= size) {
          st32(m, held + TXR_DROPS, ld32(m, held + TXR_DROPS) + 1);
          pool_put(m, fs, pool, buf - off);
          continue;
        }
      }
      const s = held + TXR_SIZE + ((head & (size - 1)) >>> 0) * TXD_SIZE;
      st32(m, s + TXD_BUF, buf);
      st16(m, s + TXD_LEN, ld16(m, t + TX_LEN));
      st16(m, s + TXD_OFF, off);
      head = (head + 1) >>> 0;
      posted++;
    }
    if (!kept) pool_put(m, fs, pool, cl);
  }
  if (held !== 0) {
    st32(m, held + TXR_HEAD, head);
    txr_unlock(m, held);
  }
  return posted;
}
