// TS twin of assembly/forward/hbh.ts (the IPv6 hop-by-hop options header: layout, verdicts and the
// RFC clauses are described there).
import { R_IP6_HBH_BAD, R_IP6_HBH_OPT } from '../../../assembly/layout.js';
import { type Mem, ld8, ld32 } from '../util/mem.js';
import { icmp6_error, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, ICMP6_PARAMPROB_OPTION } from './icmp.js';

export const IP6OPT_PAD1 = 0;
export const IP6OPT_PADN = 1;
export const IP6OPT_ROUTER_ALERT = 5;
export const IP6OPT_JUMBO = 0xc2;
const IP6_PLEN_OFF = 4;
const IP6_HBH_LEN_OFF = 41;

function hbh_bad(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  total: number,
  rxif: number,
  mcast: boolean,
  ptr: number,
): number {
  if (!mcast) icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, ptr);
  return R_IP6_HBH_BAD;
}

export function ip6_hopopts_input(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  total: number,
  rxif: number,
  l2mc: boolean,
  mcdst: boolean,
): number {
  const mcast = l2mc || mcdst;
  if (total < 48) return hbh_bad(m, ctx, pd, l3, total, rxif, mcast, IP6_PLEN_OFF);
  const end = 40 + ((ld8(m, l3 + IP6_HBH_LEN_OFF) + 1) << 3);
  if (end > total) return hbh_bad(m, ctx, pd, l3, total, rxif, mcast, IP6_HBH_LEN_OFF);
  let off = 42;
  while (off < end) {
    const t = ld8(m, l3 + off);
    if (t === IP6OPT_PAD1) {
      off++;
      continue;
    }
    if (off + 2 > end) return hbh_bad(m, ctx, pd, l3, total, rxif, mcast, off);
    const olen = 2 + ld8(m, l3 + off + 1);
    if (off + olen > end) return hbh_bad(m, ctx, pd, l3, total, rxif, mcast, off + 1);
    if (t === IP6OPT_ROUTER_ALERT) {
      if (olen !== 4) return hbh_bad(m, ctx, pd, l3, total, rxif, mcast, off + 1);
    } else if (t === IP6OPT_JUMBO) {
      return hbh_bad(m, ctx, pd, l3, total, rxif, mcast, off);
    } else if (t !== IP6OPT_PADN) {
      const act = t >> 6;
      if (act !== 0) {
        const tell =
          act === 2
            ? !mcdst || (ld32(m, l3 + 8) | ld32(m, l3 + 12) | ld32(m, l3 + 16) | ld32(m, l3 + 20)) !== 0
            : act === 3 && !mcast;
        if (tell) icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, off);
        return R_IP6_HBH_OPT;
      }
    }
    off += olen;
  }
  return 0;
}
