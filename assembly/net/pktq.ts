// The per-CPU packet queue between the hardware interrupt and the softint (NetBSD's if_percpuq;
// layout PQ_* in assembly/layout/buffers.ts). rxr_intr enqueues; the softint takes a batch at a time.
// Producer and consumer are the same CPU. TS twin: ts/kernels/net/pktq.ts.
import {
  PQ_SIZE,
  PQ_NSLOT,
  PQ_HEAD,
  PQ_TAIL,
  PQE_SIZE,
  PQE_BUF,
  PQE_LEN,
  PQE_IF,
  PQE_RSS,
  PQE_HTYPE,
  PQE_QUEUE,
  CTX_PD,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  PD_RSS,
  PD_QUEUE,
  PD_HTYPE,
  BUF_HEADROOM,
} from '../layout';
import { ld16, ld32, st8, st16, st32 } from '../util/mem';

/** Moves up to `max` queued frames into descriptors [0, n) of the context's batch (with the NIC's hash, type and queue). Returns n. */
export function pktq_dequeue(ctx: usize, pq: usize, max: u32): u32 {
  const mask = ld32(pq + PQ_NSLOT) - 1;
  let tail = ld32(pq + PQ_TAIL);
  const avail = ld32(pq + PQ_HEAD) - tail;
  const n = max < avail ? max : avail;
  const pd0 = <usize>ld32(ctx + CTX_PD);
  for (let i: u32 = 0; i < n; i++, tail++) {
    const e = pq + PQ_SIZE + <usize>(tail & mask) * PQE_SIZE;
    const pd = pd0 + <usize>i * PD_SIZE;
    st32(pd + PD_BUF, ld32(e + PQE_BUF) + BUF_HEADROOM);
    st16(pd + PD_LEN, ld16(e + PQE_LEN));
    st16(pd + PD_RXIF, ld16(e + PQE_IF));
    st32(pd + PD_RSS, ld32(e + PQE_RSS));
    st16(pd + PD_QUEUE, ld16(e + PQE_QUEUE));
    st8(pd + PD_HTYPE, ld16(e + PQE_HTYPE));
  }
  st32(pq + PQ_TAIL, tail);
  return n;
}
