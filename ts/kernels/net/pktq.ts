// TS twin of assembly/net/pktq.ts.
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
} from '../../../assembly/layout.js';
import { type Mem, ld16, ld32, st8, st16, st32 } from '../util/mem.js';

export function pktq_dequeue(m: Mem, ctx: number, pq: number, max: number): number {
  const mask = ld32(m, pq + PQ_NSLOT) - 1;
  let tail = ld32(m, pq + PQ_TAIL);
  const n = Math.min(max, (ld32(m, pq + PQ_HEAD) - tail) >>> 0);
  const pd0 = ld32(m, ctx + CTX_PD);
  for (let i = 0; i < n; i++, tail = (tail + 1) >>> 0) {
    const e = pq + PQ_SIZE + ((tail & mask) >>> 0) * PQE_SIZE;
    const pd = pd0 + i * PD_SIZE;
    st32(m, pd + PD_BUF, ld32(m, e + PQE_BUF) + BUF_HEADROOM);
    st16(m, pd + PD_LEN, ld16(m, e + PQE_LEN));
    st16(m, pd + PD_RXIF, ld16(m, e + PQE_IF));
    st32(m, pd + PD_RSS, ld32(m, e + PQE_RSS));
    st16(m, pd + PD_QUEUE, ld16(m, e + PQE_QUEUE));
    st8(m, pd + PD_HTYPE, ld16(m, e + PQE_HTYPE));
  }
  st32(m, pq + PQ_TAIL, tail);
  return n;
}
