// The built-in traffic source's data path: fills a batch of descriptors with copies of template
// frames, as a NIC's DMA would fill its RX ring. Benchmarks run it inside the measured loop, so every
// batch the pipeline sees is fresh (TTL, MACs and checksums as received), and its cost is counted.
// TS twin: ts/kernels/nic/gen.ts.
//
// Templates: `count` frames of `len` bytes each, `stride` bytes apart from `tmpl`; with len 0 each
// slot starts with its frame's length (u32) and the frame follows (replayed captures).
// Reads: PD_BUF of each descriptor. Writes: the frame bytes, PD_LEN, PD_RXIF (the receiving port,
// as a NIC writes it into every descriptor: the pipeline overwrites PD_RXIF after VLAN demux).

import { CTX_PD, PD_SIZE, PD_BUF, PD_LEN, PD_RXIF } from '../layout';
import { copy_frame, ld32, st16 } from '../util/mem';

/** Fills descriptors [0, n) with templates seq, seq+1, ... (mod count). Returns the next seq. */
export function gen_fill(
  ctx: usize,
  n: u32,
  tmpl: usize,
  stride: u32,
  count: u32,
  len: u32,
  seq: u32,
  ifindex: u32,
): u32 {
  const pd0 = <usize>ld32(ctx + CTX_PD);
  let t = seq % count;
  for (let i: u32 = 0; i < n; i++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    const slot = tmpl + <usize>t * stride;
    if (len != 0) {
      copy_frame(<usize>ld32(pd + PD_BUF), slot, len);
      st16(pd + PD_LEN, len);
    } else {
      const l = load<u32>(slot);
      copy_frame(<usize>ld32(pd + PD_BUF), slot + 4, l);
      st16(pd + PD_LEN, l);
    }
    st16(pd + PD_RXIF, ifindex);
    t = t + 1 == count ? 0 : t + 1;
  }
  return (seq + n) % count;
}
