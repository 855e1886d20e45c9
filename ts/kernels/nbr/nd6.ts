// TS twin of assembly/nbr/nd6.ts: neighbor discovery input (RFC 4861 validation, the in-place
// solicited advertisement, counters). See there for the message drawing and the contract.
import {
  CTX_CNT,
  CTX_IFNET,
  CTX_NH,
  NEVK_NS,
  NEVK_NA,
  NEVF_ROUTER,
  NEVF_SOLICITED,
  NEVF_OVERRIDE,
  IF_SIZE,
  IF_FLAGS,
  IF_MAC,
  IF_ADDR6,
  IF_LL6,
  IFF_VLAN,
  IFF_HAS_ADDR6,
  IFF_HAS_LL6,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NHF_LOCAL,
  PATH_DROP,
  PATH_LOCAL,
  R_ND,
  R_ND_BAD,
  R_ND_HLIM,
  R_ICMP6_CKSUM,
  R_NOBUFS,
  C_ND_NS_IN,
  C_ND_NA_IN,
  C_ND_NA_OUT,
  CTX_NBR,
  NB_MAC,
  NBS_V6,
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld32, ld32be, st8, st16, st32, st16be, st32be, cnt_add } from '../util/mem.js';
import { in_cksum_acc, in_pseudo6 } from '../wire/cksum.js';
import { route6 } from '../fib/route.js';
import { nev_post_learn } from './nev.js';
import { nb_find } from './nbr.js';
import { ether_output, tx_room, ETHERTYPE_IPV6 } from '../forward/output.js';

export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;
export const ND_OPT_SOURCE_LINKADDR = 1;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ND_NA_FLAG_ROUTER = 0x80000000;
export const ND_NA_FLAG_SOLICITED = 0x40000000;
export const ND_NA_FLAG_OVERRIDE = 0x20000000;
const NA_LEN = 32;

const V = (path: number, reason: number): number => (path << 8) | reason;

export function nd6_is_nd(m: Mem, l3: number, total: number): boolean {
  const t = ld8(m, l3 + 40);
  return ld8(m, l3 + 6) === 58 && total > 40 && t >= ND_ROUTER_SOLICIT && t <= ND_REDIRECT;
}

function eq16(m: Mem, a: number, b: number): boolean {
  for (let i = 0; i < 16; i++) if (m.u8[a + i] !== m.u8[b + i]) return false;
  return true;
}

export function in6_is_ours(m: Mem, ctx: number, a: number, ifindex: number): boolean {
  const ifp = ld32(m, ctx + CTX_IFNET) + ifindex * IF_SIZE;
  const fl = ld32(m, ifp + IF_FLAGS);
  if ((fl & IFF_HAS_LL6) !== 0 && eq16(m, a, ifp + IF_LL6)) return true;
  if ((fl & IFF_HAS_ADDR6) !== 0 && eq16(m, a, ifp + IF_ADDR6)) return true;
  const nh = route6(m, ctx, a);
  if (nh === 0) return false;
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  return (ld32(m, nhp + NH_FLAGS) & NHF_LOCAL) !== 0 && ld32(m, nhp + NH_IFINDEX) === ifindex;
}

/** Whether an NS from `src` has something to teach the cache (see the AS twin). */
function nd6_learn(m: Mem, ctx: number, src: number, ifindex: number, mac: number): boolean {
  const e = nb_find(
    m,
    ld32(m, ctx + CTX_NBR),
    ld32be(m, src),
    ld32be(m, src + 4),
    ld32be(m, src + 8),
    ld32be(m, src + 12),
    ifindex,
    NBS_V6,
  );
  return e === 0 || ld32(m, e + NB_MAC) !== ld32(m, mac) || ld16(m, e + NB_MAC + 4) !== ld16(m, mac + 4);
}

export function nd6_input(m: Mem, ctx: number, pd: number, l3: number, total: number, rxif: number): number {
  const plen = total - 40;
  const icmp = l3 + 40;
  const type = ld8(m, icmp);
  if (ld8(m, l3 + 7) !== 255) return V(PATH_DROP, R_ND_HLIM);
  if (in_cksum_acc(m, icmp, plen, in_pseudo6(m, l3 + 8, l3 + 24, 58, plen)) !== 0xffff) {
    return V(PATH_DROP, R_ICMP6_CKSUM);
  }
  if (ld8(m, icmp + 1) !== 0) return V(PATH_DROP, R_ND_BAD);
  const fixed = type === ND_ROUTER_SOLICIT ? 8 : type === ND_ROUTER_ADVERT ? 16 : type === ND_REDIRECT ? 40 : 24;
  if (plen < fixed) return V(PATH_DROP, R_ND_BAD);
  let sll = 0;
  let tll = 0;
  let o = fixed;
  while (o < plen) {
    if (o + 2 > plen) return V(PATH_DROP, R_ND_BAD);
    const ol = ld8(m, icmp + o + 1) << 3;
    if (ol === 0 || o + ol > plen) return V(PATH_DROP, R_ND_BAD);
    const ot = ld8(m, icmp + o);
    if (ot === ND_OPT_SOURCE_LINKADDR && sll === 0) sll = icmp + o + 2;
    if (ot === ND_OPT_TARGET_LINKADDR && tll === 0) tll = icmp + o + 2;
    o += ol;
  }
  if (type !== ND_NEIGHBOR_SOLICIT && type !== ND_NEIGHBOR_ADVERT) return V(PATH_LOCAL, R_ND);
  if (ld8(m, icmp + 8) === 0xff) return V(PATH_DROP, R_ND_BAD);
  const cnt = ld32(m, ctx + CTX_CNT);
  if (type === ND_NEIGHBOR_ADVERT) {
    if (ld8(m, l3 + 24) === 0xff && (ld32be(m, icmp + 4) & ND_NA_FLAG_SOLICITED) !== 0) {
      return V(PATH_DROP, R_ND_BAD);
    }
    cnt_add(m, cnt, C_ND_NA_IN, 1);
    const f = ld32be(m, icmp + 4);
    const flags =
      (f & ND_NA_FLAG_ROUTER ? NEVF_ROUTER : 0) |
      (f & ND_NA_FLAG_SOLICITED ? NEVF_SOLICITED : 0) |
      (f & ND_NA_FLAG_OVERRIDE ? NEVF_OVERRIDE : 0);
    nev_post_learn(m, ctx, pd, NEVK_NA, flags, rxif, icmp + 8, 16, tll);
    return V(PATH_LOCAL, R_ND);
  }
  const dad = ld32(m, l3 + 8) === 0 && ld32(m, l3 + 12) === 0 && ld32(m, l3 + 16) === 0 && ld32(m, l3 + 20) === 0;
  if (dad) {
    const solicitedNode =
      ld32be(m, l3 + 24) === 0xff020000 &&
      ld32(m, l3 + 28) === 0 &&
      ld32be(m, l3 + 32) === 1 &&
      ld8(m, l3 + 36) === 0xff;
    if (!solicitedNode || sll !== 0) return V(PATH_DROP, R_ND_BAD);
  }
  cnt_add(m, cnt, C_ND_NS_IN, 1);
  if (!in6_is_ours(m, ctx, icmp + 8, rxif)) return V(PATH_LOCAL, R_ND);
  // RFC 4861 7.2.3: the solicitation's source, with its link-layer address, goes to the cache
  if (sll !== 0 && nd6_learn(m, ctx, l3 + 8, rxif, sll)) nev_post_learn(m, ctx, pd, NEVK_NS, 0, rxif, l3 + 8, 16, sll);
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  const ifp = ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE;
  const fl = ld32(m, ifp + IF_FLAGS);
  const dmac = l3 + 80;
  if (dad) {
    st32be(m, dmac, 0x33330000);
    st16be(m, dmac + 4, 0x0001);
  } else {
    const from = sll !== 0 ? sll : l3 - ((fl & IFF_VLAN) !== 0 ? 12 : 8);
    st32(m, dmac, ld32(m, from));
    st16(m, dmac + 4, ld16(m, from + 4));
  }
  st32be(m, l3, 0x60000000);
  st32be(m, l3 + 4, (NA_LEN << 16) | (58 << 8) | 255);
  if (dad) {
    st32be(m, l3 + 24, 0xff020000);
    st32(m, l3 + 28, 0);
    st32(m, l3 + 32, 0);
    st32be(m, l3 + 36, 1);
  } else {
    m.u8.copyWithin(l3 + 24, l3 + 8, l3 + 24);
  }
  const src = (fl & IFF_HAS_LL6) !== 0 ? ifp + IF_LL6 : icmp + 8;
  m.u8.copyWithin(l3 + 8, src, src + 16);
  st32be(m, icmp, ND_NEIGHBOR_ADVERT << 24);
  st32be(
    m,
    icmp + 4,
    dad ? ND_NA_FLAG_ROUTER | ND_NA_FLAG_OVERRIDE : ND_NA_FLAG_ROUTER | ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE,
  );
  st8(m, icmp + 24, ND_OPT_TARGET_LINKADDR);
  st8(m, icmp + 25, 1);
  st32(m, icmp + 26, ld32(m, ifp + IF_MAC));
  st16(m, icmp + 30, ld16(m, ifp + IF_MAC + 4));
  st16be(m, icmp + 2, ~in_cksum_acc(m, icmp, NA_LEN, in_pseudo6(m, l3 + 8, l3 + 24, 58, NA_LEN)) & 0xffff);
  ether_output(m, ctx, pd, l3, 40 + NA_LEN, ETHERTYPE_IPV6, rxif, dmac);
  cnt_add(m, cnt, C_ND_NA_OUT, 1);
  return V(PATH_LOCAL, R_ND);
}
