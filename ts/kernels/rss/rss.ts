// TS twin of assembly/rss/rss.ts (the NIC's RSS: hash input selection, Toeplitz, indirection).
import {
  CTX_PD,
  CTX_IFNET,
  CTX_NIF,
  CTX_SCRATCH,
  PD_SIZE,
  PD_LEN,
  PD_BUF,
  PD_RXIF,
  PD_RSS,
  PD_QUEUE,
  PD_HTYPE,
  IF_SIZE,
  IF_FLAGS,
  IF_RSSTAB,
  IF_RETA,
  IFF_RSS_UDP4,
  IFF_RSS_UDP6,
  RETA_SIZE,
  HT_NONE,
  HT_IPV4,
  HT_TCP4,
  HT_UDP4,
  HT_IPV6,
  HT_TCP6,
  HT_UDP6,
  MAX_FRAME,
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld16be, ld32, st8, st16, st32 } from '../util/mem.js';
import { toe_hash } from './toeplitz.js';

export function rss_batch(m: Mem, ctx: number, n: number): void {
  const pd0 = ld32(m, ctx + CTX_PD);
  for (let i = 0; i < n; i++) rss_one(m, ctx, pd0 + i * PD_SIZE);
}

function rss_one(m: Mem, ctx: number, pd: number): void {
  st32(m, pd + PD_RSS, 0);
  st16(m, pd + PD_QUEUE, 0);
  st8(m, pd + PD_HTYPE, HT_NONE);
  const len = ld16(m, pd + PD_LEN);
  const rxif = ld16(m, pd + PD_RXIF);
  if (len < 14 || len > MAX_FRAME || rxif === 0 || rxif >= ld32(m, ctx + CTX_NIF)) return;
  const ifp = ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE;
  const tab = ld32(m, ifp + IF_RSSTAB);
  if (tab === 0) return;
  const buf = ld32(m, pd + PD_BUF);
  let et = ld16be(m, buf + 12);
  let l3off = 14;
  if (et === 0x8100) {
    if (len < 18) return;
    et = ld16be(m, buf + 16);
    l3off = 18;
  }
  const l3 = buf + l3off;
  const l3len = len - l3off;
  const sc = ctx + CTX_SCRATCH;
  const flags = ld32(m, ifp + IF_FLAGS);
  let nin = 0;
  let ht = HT_NONE;
  if (et === 0x0800 && l3len >= 20 && ld8(m, l3) >> 4 === 4) {
    const hlen = (ld8(m, l3) & 15) << 2;
    st32(m, sc, ld32(m, l3 + 12));
    st32(m, sc + 4, ld32(m, l3 + 16));
    nin = 8;
    ht = HT_IPV4;
    if ((ld16be(m, l3 + 6) & 0x3fff) === 0 && hlen >= 20 && l3len >= hlen + 4) {
      const proto = ld8(m, l3 + 9);
      if (proto === 6 || (proto === 17 && flags & IFF_RSS_UDP4)) {
        st32(m, sc + 8, ld32(m, l3 + hlen));
        nin = 12;
        ht = proto === 6 ? HT_TCP4 : HT_UDP4;
      }
    }
  } else if (et === 0x86dd && l3len >= 40 && ld8(m, l3) >> 4 === 6) {
    for (let o = 0; o < 32; o += 4) st32(m, sc + o, ld32(m, l3 + 8 + o));
    nin = 32;
    ht = HT_IPV6;
    const nxt = ld8(m, l3 + 6);
    if (l3len >= 44 && (nxt === 6 || (nxt === 17 && flags & IFF_RSS_UDP6))) {
      st32(m, sc + 32, ld32(m, l3 + 40));
      nin = 36;
      ht = nxt === 6 ? HT_TCP6 : HT_UDP6;
    }
  }
  if (nin === 0) return;
  const h = toe_hash(m, tab, sc, nin);
  st32(m, pd + PD_RSS, h);
  st16(m, pd + PD_QUEUE, ld8(m, ld32(m, ifp + IF_RETA) + (h & (RETA_SIZE - 1))));
  st8(m, pd + PD_HTYPE, ht);
}
