// TS twin of assembly/forward/redirect.ts (ICMP host redirects: when one is due, RFC 1812 5.2.7.2).
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
  IF_SIZE,
  IF_FLAGS,
  IFF_NOREDIRECT,
  C_ICMP_REDIRECT,
} from '../../../assembly/layout.js';
import { type Mem, ld32, cnt_add } from '../util/mem.js';
import { tx_room } from './output.js';
import { icmp4_error, ICMP_REDIRECT, ICMP_REDIRECT_HOST } from './icmp.js';

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
