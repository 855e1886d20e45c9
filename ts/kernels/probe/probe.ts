// TS twin of assembly/probe/probe.ts.
import {
  BUF_HEADROOM,
  PRB_FOREIGN,
  PRB_IF,
  PRB_MAXCPU,
  PRB_QUEUES,
  PRB_SIZE,
  PRF_DUPLICATES,
  PRF_LAT_MAX,
  PRF_LAT_MIN,
  PRF_LAT_SUM,
  PRF_LATE,
  PRF_NEXT,
  PRF_RECEIVED,
  PRF_REORDERED,
  PRF_SIZE,
  PRF_WINDOW,
  PRQ_COUNT,
  PRQ_FIRST,
  PRQ_HIST,
  PRQ_SEQ0,
  PRQ_SIZE,
  PRS_FIX,
  PRS_J,
  PRS_QUEUE,
  PRS_SIZE,
  PRS_US,
  RXD_BUF,
  RXD_LEN,
  RXD_SIZE,
  RXR_NSLOT,
  RXR_SIZE,
  TX_BUF,
  TX_IF,
  TX_LEN,
  TX_SIZE,
} from '../../../assembly/layout.js';
import { type Mem, ld16, ld32, st16, st32 } from '../util/mem.js';

const stampAt = (buf: number, len: number) => buf + ((len - PRS_SIZE) & ~1);

function fold(s: number): number {
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

export function probe_stamp(m: Mem, r: number, hw0: number, k: number, q: number, j0: number, us: number): void {
  const mask = ld32(m, r + RXR_NSLOT) - 1;
  for (let i = 0; i < k; i++) {
    const s = r + RXR_SIZE + (((hw0 + i) & mask) >>> 0) * RXD_SIZE;
    const len = ld16(m, s + RXD_LEN);
    if (len < 14 + PRS_SIZE) continue;
    const p = stampAt(ld32(m, s + RXD_BUF) + BUF_HEADROOM, len);
    const before = fold(
      ld16(m, p) + ld16(m, p + 2) + ld16(m, p + 4) + ld16(m, p + 6) + ld16(m, p + 8) + ld16(m, p + 10),
    );
    const j = (j0 + i) >>> 0;
    const u = us >>> 0;
    st16(m, p + PRS_QUEUE, q & 0xffff);
    st16(m, p + PRS_J, j & 0xffff);
    st16(m, p + PRS_J + 2, j >>> 16);
    st16(m, p + PRS_US, u & 0xffff);
    st16(m, p + PRS_US + 2, u >>> 16);
    const five = fold((q & 0xffff) + (j & 0xffff) + (j >>> 16) + (u & 0xffff) + (u >>> 16));
    st16(m, p + PRS_FIX, fold(before + 0xffff - five));
  }
}

export function probe_bucket(v: number): number {
  v >>>= 0;
  if (v < 16) return v;
  const e = 31 - Math.clz32(v);
  return 16 + (e - 4) * 8 + ((v >>> (e - 3)) & 7);
}

export function probe_tx(m: Mem, pr: number, tx: number, ntx: number, cpu: number, us: number): number {
  const ifx = ld32(m, pr + PRB_IF);
  if (ifx === 0) return 0;
  const nq = ld32(m, pr + PRB_QUEUES);
  const qt = pr + PRB_SIZE;
  const recs = (qt + nq * PRQ_SIZE + 7) & ~7;
  const foreign = pr + PRB_FOREIGN + (cpu < PRB_MAXCPU ? cpu : PRB_MAXCPU - 1) * 4;
  let n = 0;
  for (let i = 0; i < ntx; i++) {
    const e = tx + i * TX_SIZE;
    if (ld16(m, e + TX_IF) !== ifx) continue;
    const len = ld16(m, e + TX_LEN);
    const p = stampAt(ld32(m, e + TX_BUF), len);
    const q = len < 14 + PRS_SIZE ? nq : ld16(m, p + PRS_QUEUE);
    const count = q < nq ? ld32(m, qt + q * PRQ_SIZE + PRQ_COUNT) : 0;
    if (count === 0) {
      st32(m, foreign, (ld32(m, foreign) + 1) >>> 0);
      continue;
    }
    const qe = qt + q * PRQ_SIZE;
    const j = (ld16(m, p + PRS_J) | (ld16(m, p + PRS_J + 2) << 16)) >>> 0;
    const sent = (ld16(m, p + PRS_US) | (ld16(m, p + PRS_US + 2) << 16)) >>> 0;
    const flow = (ld32(m, qe + PRQ_SEQ0) + (j % count)) % count;
    const seq = Math.floor(j / count);
    const f = recs + (ld32(m, qe + PRQ_FIRST) + flow) * PRF_SIZE;
    const next = ld32(m, f + PRF_NEXT);
    if (seq >= next) {
      const shift = seq - next + 1;
      st32(m, f + PRF_WINDOW, ((shift >= 32 ? 0 : ld32(m, f + PRF_WINDOW) << shift) | 1) >>> 0);
      st32(m, f + PRF_NEXT, seq + 1);
    } else {
      const back = next - 1 - seq;
      const w = ld32(m, f + PRF_WINDOW);
      if (back >= 32) st32(m, f + PRF_LATE, ld32(m, f + PRF_LATE) + 1);
      else if ((w & (1 << back)) !== 0) {
        st32(m, f + PRF_DUPLICATES, ld32(m, f + PRF_DUPLICATES) + 1);
        continue;
      } else st32(m, f + PRF_WINDOW, (w | (1 << back)) >>> 0);
      st32(m, f + PRF_REORDERED, ld32(m, f + PRF_REORDERED) + 1);
    }
    st32(m, f + PRF_RECEIVED, ld32(m, f + PRF_RECEIVED) + 1);
    const lat = (us - sent) >>> 0;
    if (lat < ld32(m, f + PRF_LAT_MIN)) st32(m, f + PRF_LAT_MIN, lat);
    if (lat > ld32(m, f + PRF_LAT_MAX)) st32(m, f + PRF_LAT_MAX, lat);
    m.dv.setFloat64(f + PRF_LAT_SUM, m.dv.getFloat64(f + PRF_LAT_SUM, true) + lat, true);
    const h = ld32(m, qe + PRQ_HIST) + probe_bucket(lat) * 4;
    st32(m, h, (ld32(m, h) + 1) >>> 0);
    n++;
  }
  return n;
}
