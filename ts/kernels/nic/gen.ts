// TS twin of assembly/nic/gen.ts.
import { CTX_PD, PD_SIZE, PD_BUF, PD_LEN, PD_RXIF } from '../../../assembly/layout.js';
import { type Mem, ld32, st16, st32 } from '../util/mem.js';

export function gen_fill(m: Mem, ctx: number, n: number, tmpl: number, stride: number, count: number, len: number, seq: number, ifindex: number): number {
  const pd0 = ld32(m, ctx + CTX_PD);
  const u8 = m.u8;
  let t = seq % count;
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    const slot = tmpl + t * stride;
    const l = len !== 0 ? len : ld32(m, slot);
    const src = len !== 0 ? slot : slot + 4;
    const dst = ld32(m, pd + PD_BUF);
    if (l <= 128) {
      // short frames: a word loop beats the call into copyWithin
      let o = 0;
      for (; o + 4 <= l; o += 4) st32(m, dst + o, ld32(m, src + o));
      for (; o < l; o++) u8[dst + o] = u8[src + o]!;
    } else {
      u8.copyWithin(dst, src, src + l);
    }
    st16(m, pd + PD_LEN, l);
    st16(m, pd + PD_RXIF, ifindex);
    t = t + 1 === count ? 0 : t + 1;
  }
  return (seq + n) % count;
}
