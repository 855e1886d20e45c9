// The RFC 2544 bench's per-flow receive accounting (layout: assembly/layout/probe.ts). The generator
// stamps every frame it places in an RX ring with its queue, its number in the trial and the time;
// the CPU that forwarded it reads the stamp back as it hands the frame to the sink NIC's transmit
// and counts the frame against its flow: received, reordered, duplicated, latency. The stamp sits
// at the end of the frame, so it is found whatever headers the router put in front (a VLAN tag, a
// tunnel's outer header). TS twin: ts/kernels/probe/probe.ts.

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
} from '../layout';
import { ld16, ld32, st16, st32 } from '../util/mem';

/** Where a frame of `len` bytes at `buf` carries its stamp (an even offset, so the checksum words line up). */
@inline function stamp_at(buf: usize, len: u32): usize {
  return buf + <usize>((len - PRS_SIZE) & ~1);
}

@inline function fold(s: u32): u32 {
  s = (s & 0xffff) + (s >> 16);
  return (s & 0xffff) + (s >> 16);
}

/**
 * Stamps the `k` frames the generator just wrote into RX ring `r` from slot number `hw0`: queue `q`,
 * numbers j0, j0 + 1, ... and the time `us`. The last word keeps the ones' complement sum of the
 * stamp's bytes as it was, so the frame's UDP checksum still holds.
 */
export function probe_stamp(r: usize, hw0: u32, k: u32, q: u32, j0: u32, us: u32): void {
  const mask = ld32(r + RXR_NSLOT) - 1;
  for (let i: u32 = 0; i < k; i++) {
    const s = r + RXR_SIZE + <usize>((hw0 + i) & mask) * RXD_SIZE;
    const len = ld16(s + RXD_LEN);
    if (len < 14 + PRS_SIZE) continue;
    const p = stamp_at(<usize>ld32(s + RXD_BUF) + BUF_HEADROOM, len);
    const before = fold(ld16(p) + ld16(p + 2) + ld16(p + 4) + ld16(p + 6) + ld16(p + 8) + ld16(p + 10));
    const j = j0 + i;
    st16(p + PRS_QUEUE, q);
    st16(p + PRS_J, j & 0xffff);
    st16(p + PRS_J + 2, j >> 16);
    st16(p + PRS_US, us & 0xffff);
    st16(p + PRS_US + 2, us >> 16);
    const five = fold(q + (j & 0xffff) + (j >> 16) + (us & 0xffff) + (us >> 16));
    st16(p + PRS_FIX, fold(before + 0xffff - five));
  }
}

/** The latency histogram's bucket of `v` microseconds (layout/probe.ts: PRH_BUCKETS). */
export function probe_bucket(v: u32): u32 {
  if (v < 16) return v;
  const e: u32 = 31 - clz<u32>(v);
  return 16 + (e - 4) * 8 + ((v >> (e - 3)) & 7);
}

/**
 * After fwd_batch on CPU `cpu`: every one of the `ntx` tx entries at `tx` that goes out the probe's
 * interface is counted against its flow, at time `us`. Frames without a stamp of ours are counted
 * apart (PRB_FOREIGN). Returns the frames counted.
 */
export function probe_tx(pr: usize, tx: usize, ntx: u32, cpu: u32, us: u32): u32 {
  const ifx = ld32(pr + PRB_IF);
  if (ifx == 0) return 0;
  const nq = ld32(pr + PRB_QUEUES);
  const qt = pr + PRB_SIZE;
  const recs = (qt + <usize>nq * PRQ_SIZE + 7) & ~(<usize>7);
  const foreign = pr + PRB_FOREIGN + <usize>(cpu < <u32>PRB_MAXCPU ? cpu : <u32>PRB_MAXCPU - 1) * 4;
  let n: u32 = 0;
  for (let i: u32 = 0; i < ntx; i++) {
    const e = tx + <usize>i * TX_SIZE;
    if (ld16(e + TX_IF) != ifx) continue;
    const len = ld16(e + TX_LEN);
    const p = stamp_at(<usize>ld32(e + TX_BUF), len);
    const q = len < 14 + PRS_SIZE ? nq : ld16(p + PRS_QUEUE);
    const count = q < nq ? ld32(qt + <usize>q * PRQ_SIZE + PRQ_COUNT) : 0;
    if (count == 0) {
      st32(foreign, ld32(foreign) + 1);
      continue;
    }
    const qe = qt + <usize>q * PRQ_SIZE;
    const j = ld16(p + PRS_J) | (ld16(p + PRS_J + 2) << 16);
    const sent = ld16(p + PRS_US) | (ld16(p + PRS_US + 2) << 16);
    const flow = (ld32(qe + PRQ_SEQ0) + (j % count)) % count;
    const seq = j / count;
    const f = recs + <usize>(ld32(qe + PRQ_FIRST) + flow) * PRF_SIZE;
    const next = ld32(f + PRF_NEXT);
    if (seq >= next) {
      const shift = seq - next + 1;
      st32(f + PRF_WINDOW, (shift >= 32 ? 0 : ld32(f + PRF_WINDOW) << shift) | 1);
      st32(f + PRF_NEXT, seq + 1);
    } else {
      const back = next - 1 - seq;
      const w = ld32(f + PRF_WINDOW);
      if (back >= 32) st32(f + PRF_LATE, ld32(f + PRF_LATE) + 1);
      else if ((w & ((<u32>1) << back)) != 0) {
        st32(f + PRF_DUPLICATES, ld32(f + PRF_DUPLICATES) + 1);
        continue;
      } else st32(f + PRF_WINDOW, w | ((<u32>1) << back));
      st32(f + PRF_REORDERED, ld32(f + PRF_REORDERED) + 1);
    }
    st32(f + PRF_RECEIVED, ld32(f + PRF_RECEIVED) + 1);
    const lat = us - sent;
    if (lat < ld32(f + PRF_LAT_MIN)) st32(f + PRF_LAT_MIN, lat);
    if (lat > ld32(f + PRF_LAT_MAX)) st32(f + PRF_LAT_MAX, lat);
    store<f64>(f + PRF_LAT_SUM, load<f64>(f + PRF_LAT_SUM) + <f64>lat);
    const h = <usize>ld32(qe + PRQ_HIST) + <usize>probe_bucket(lat) * 4;
    st32(h, ld32(h) + 1);
    n++;
  }
  return n;
}
