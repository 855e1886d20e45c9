// TS twin of assembly/nic/gen.ts.
import { CTX_PD, PD_SIZE, PD_BUF, PD_LEN, PD_RXIF } from '../../../assembly/layout.js';
import { type Mem, copy_frame, ld32, st16 } from '../util/mem.js';

export function gen_fill(
  m: Mem,
  ctx: number,
  n: number,
  tmpl: number,
  stride: number,
  count: number,
  len: number,
  seq: number,
  ifindex: number,
): number {
  const pd0 = ld32(m, ctx + CTX_PD);
  let t = seq % count;
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    const slot = tmpl + t * stride;
    const l = len !== 0 ? len : ld32(m, slot);
    const src = len !== 0 ? slot : slot + 4;
    const dst = ld32(m, pd + PD_BUF);
    copy_frame(m, dst, src, l);
    st16(m, pd + PD_LEN, l);
    st16(m, pd + PD_RXIF, ifindex);
    t = t + 1 === count ? 0 : t + 1;
  }
  return (seq + n) % count;
}
