// TS twin of assembly/forward/redirect.ts (ICMP host redirects and IPv6 redirects: when one is due,
// RFC 1812 5.2.7.2 and RFC 4861 8.2).
import {
  CTX_NH,
  CTX_IFNET,
  CTX_NTX,
  CTX_CNT,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NHF_GATEWAY,
  NHF_LOCAL,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  NH_GW,
  NB_MAC,
  IF_SIZE,
  IF_FLAGS,
  IFF_NOREDIRECT,
  C_ICMP_REDIRECT,
} from '../../../assembly/layout.js';
import { type Mem, ld32, ld32be, cnt_add } from '../util/mem.js';
import { route6 } from '../fib/route.js';
import { tx_room } from './output.js';
import { icmp4_error, icmp6_redirect, ICMP_REDIRECT, ICMP_REDIRECT_HOST } from './icmp.js';

export function ip4_redirect(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  iplen: number,
  rxif: number,
  txif: number,
  snh: number,
  gw: number,
  srcrt: boolean,
): boolean {
  if (txif !== rxif || snh === 0 || srcrt) return false;
  if (ld32(m, ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE + IF_FLAGS) & IFF_NOREDIRECT) return false;
  const np = ld32(m, ctx + CTX_NH) + snh * NH_SIZE;
  if (ld32(m, np + NH_FLAGS) & (NHF_GATEWAY | NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  if (ld32(m, np + NH_IFINDEX) !== rxif) return false;
  if (tx_room(m, ctx) < 2) return true;
  const ntx = ld32(m, ctx + CTX_NTX);
  icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_REDIRECT, ICMP_REDIRECT_HOST, gw);
  if (ld32(m, ctx + CTX_NTX) !== ntx) cnt_add(m, ld32(m, ctx + CTX_CNT), C_ICMP_REDIRECT, 1);
  return true;
}

/** Whether an IPv6 packet going back out rxif is redirected, and the Redirect sent (see the AS twin). */
export function ip6_redirect(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  total: number,
  rxif: number,
  nhp: number,
  ne: number,
): boolean {
  if (ld32(m, ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE + IF_FLAGS) & IFF_NOREDIRECT) return false;
  const gw = (ld32(m, nhp + NH_FLAGS) & NHF_GATEWAY) !== 0;
  if (gw && (ld32(m, nhp + NH_GW) & 0xffc00000) >>> 0 !== 0xfe800000) return false;
  const snh = route6(m, ctx, l3 + 8);
  if (snh === 0) return false;
  const np = ld32(m, ctx + CTX_NH) + snh * NH_SIZE;
  if (ld32(m, np + NH_FLAGS) & (NHF_GATEWAY | NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  if (ld32(m, np + NH_IFINDEX) !== rxif) return false;
  if (tx_room(m, ctx) < 2) return true;
  const ntx = ld32(m, ctx + CTX_NTX);
  if (gw) {
    icmp6_redirect(
      m,
      ctx,
      pd,
      l3,
      total,
      rxif,
      ld32(m, nhp + NH_GW),
      ld32(m, nhp + NH_GW + 4),
      ld32(m, nhp + NH_GW + 8),
      ld32(m, nhp + NH_GW + 12),
      ne + NB_MAC,
    );
  } else {
    icmp6_redirect(
      m,
      ctx,
      pd,
      l3,
      total,
      rxif,
      ld32be(m, l3 + 24),
      ld32be(m, l3 + 28),
      ld32be(m, l3 + 32),
      ld32be(m, l3 + 36),
      ne + NB_MAC,
    );
  }
  if (ld32(m, ctx + CTX_NTX) !== ntx) cnt_add(m, ld32(m, ctx + CTX_CNT), C_ICMP_REDIRECT, 1);
  return true;
}
