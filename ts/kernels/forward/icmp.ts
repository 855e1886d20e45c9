// TS twin of assembly/forward/icmp.ts (rules and layout described there).
import {
  CTX_OPTS,
  CTX_ICMP_PPS,
  CTX_ICMP_BURST,
  CTX_ICMP_TOKENS,
  CTX_ICMP_LAST,
  CTX_ICMP6_TOKENS,
  CTX_ICMP6_LAST,
  CTX_IPID,
  CTX_NOW,
  CTX_CNT,
  CTX_NH,
  CTX_IFNET,
  CTX_NBR,
  OPT_ICMP,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NH_GW,
  NHF_GATEWAY,
  NHF_LOCAL,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  IF_SIZE,
  IF_FLAGS,
  IF_ADDR4,
  IF_ADDR6,
  IF_LL6,
  IFF_UP,
  IFF_EXISTS,
  IFF_HAS_ADDR6,
  IFF_HAS_LL6,
  NB_MAC,
  NBS_V6,
  BUF_HEADROOM,
  PATH_NORMAL,
  PATH_LOCAL,
  C_ICMP_OUT,
  C_ICMP_RATELIM,
  C_ICMP_SUPPRESSED,
  C_REASON_BASE,
  R_NOBUFS,
  CTX_NEV,
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16be, ld32, ld32be, st32, st16be, st32be, cnt_add } from '../util/mem.js';
import { in_cksum, in_cksum_hdr20, in_cksum_acc, in_pseudo6 } from '../wire/cksum.js';
import { route4, route6 } from '../fib/route.js';
import { nb_find } from '../nbr/nbr.js';
import { nev_post_miss } from '../nbr/nev.js';
import { buf_alloc, buf_free, tx_room, ether_output, ETHERTYPE_IP, ETHERTYPE_IPV6 } from './output.js';
import { gif_is_tunnel, gif_output } from './gif.js';

export const ICMP_UNREACH = 3;
export const ICMP_UNREACH_NET = 0;
export const ICMP_UNREACH_HOST = 1;
export const ICMP_UNREACH_NEEDFRAG = 4;
export const ICMP_UNREACH_SRCFAIL = 5;
export const ICMP_UNREACH_FILTER_PROHIB = 13;
export const ICMP_REDIRECT = 5;
export const ICMP_REDIRECT_HOST = 1;
export const ICMP_TIMXCEED = 11;
export const ICMP_PARAMPROB = 12;
export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_DST_UNREACH_NOROUTE = 0;
export const ICMP6_DST_UNREACH_ADMIN = 1;
export const ICMP6_DST_UNREACH_BEYONDSCOPE = 2;
export const ICMP6_DST_UNREACH_ADDR = 3;
export const ICMP6_PARAM_PROB = 4;
export const ICMP6_PARAMPROB_HEADER = 0;
export const ICMP6_PARAMPROB_OPTION = 2;
export const ND_REDIRECT = 137;

const ICMP_QUOTE_MAX4 = 576 - 28;
const ICMP_QUOTE_MAX6 = 1280 - 48;
const REDIRECT_QUOTE_MAX6 = 1280 - 96;

function icmp_ratelimit(m: Mem, ctx: number, tokOff: number, lastOff: number): boolean {
  const pps = ld32(m, ctx + CTX_ICMP_PPS);
  if (pps === 0) return true;
  const now = ld32(m, ctx + CTX_NOW);
  const cap = ld32(m, ctx + CTX_ICMP_BURST) * 1000;
  let tok = ld32(m, ctx + tokOff) + ((now - ld32(m, ctx + lastOff)) >>> 0) * pps;
  if (tok > cap) tok = cap;
  st32(m, ctx + lastOff, now);
  if (tok < 1000) {
    st32(m, ctx + tokOff, tok);
    return false;
  }
  st32(m, ctx + tokOff, tok - 1000);
  return true;
}

function isIcmp4Error(t: number): boolean {
  return t === 3 || t === 4 || t === 5 || t === 11 || t === 12;
}

function usableNh(m: Mem, ctx: number, nh: number): number {
  if (nh === 0) return 0;
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  if (ld32(m, nhp + NH_FLAGS) & (NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return 0;
  const ifp = ld32(m, ctx + CTX_IFNET) + ld32(m, nhp + NH_IFINDEX) * IF_SIZE;
  if ((ld32(m, ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS)) !== (IFF_UP | IFF_EXISTS)) return 0;
  return nhp;
}

function icmp_cluster(m: Mem, ctx: number, cnt: number, canSend: boolean): number {
  if (!canSend || tx_room(m, ctx) === 0) {
    cnt_add(m, cnt, C_ICMP_SUPPRESSED, 1);
    return 0;
  }
  const c = buf_alloc(m, ctx);
  if (c === 0) {
    cnt_add(m, cnt, C_REASON_BASE + R_NOBUFS, 1);
    return 0;
  }
  return c + BUF_HEADROOM + 18;
}

export function icmp4_error(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  iplen: number,
  rxif: number,
  type: number,
  code: number,
  param: number,
): void {
  if ((ld32(m, ctx + CTX_OPTS) & OPT_ICMP) === 0) return;
  const cnt = ld32(m, ctx + CTX_CNT);
  const hlen = (ld8(m, l3) & 15) << 2;
  if ((ld16be(m, l3 + 6) & 0x1fff) !== 0 || (ld8(m, l3 + 9) === 1 && iplen > hlen && isIcmp4Error(ld8(m, l3 + hlen)))) {
    cnt_add(m, cnt, C_ICMP_SUPPRESSED, 1);
    return;
  }
  if (!icmp_ratelimit(m, ctx, CTX_ICMP_TOKENS, CTX_ICMP_LAST)) {
    cnt_add(m, cnt, C_ICMP_RATELIM, 1);
    return;
  }
  const src = ld32be(m, l3 + 12);
  const nhp = usableNh(m, ctx, route4(m, ctx, src));
  const ifnet = ld32(m, ctx + CTX_IFNET);
  const oif = nhp !== 0 ? ld32(m, nhp + NH_IFINDEX) : 0;
  let me = oif !== 0 ? ld32(m, ifnet + oif * IF_SIZE + IF_ADDR4) : 0;
  if (me === 0) me = ld32(m, ifnet + rxif * IF_SIZE + IF_ADDR4);
  const gw = nhp !== 0 && ld32(m, nhp + NH_FLAGS) & NHF_GATEWAY ? ld32(m, nhp + NH_GW) : src;
  const tun = oif !== 0 && gif_is_tunnel(m, ctx, oif);
  const ne = oif !== 0 && !tun ? nb_find(m, ld32(m, ctx + CTX_NBR), gw, 0, 0, 0, oif, 0) : 0;
  // no neighbor entry for the way back: the error waits for its resolution like a forwarded packet
  const held = ne === 0 && oif !== 0 && !tun && ld32(m, ctx + CTX_NEV) !== 0;
  const o = icmp_cluster(m, ctx, cnt, (ne !== 0 || held || tun) && me !== 0);
  if (o === 0) return;
  const quote = Math.min(iplen, ICMP_QUOTE_MAX4);
  const ipid = ld32(m, ctx + CTX_IPID);
  st32(m, ctx + CTX_IPID, (ipid + 1) & 0xffff);
  st32be(m, o, 0x45c00000 | (28 + quote));
  st32be(m, o + 4, ipid << 16);
  st32be(m, o + 8, held ? 0x41010000 : 0x40010000); // TTL 64 (65 when held: the hold path decrements it)
  st32be(m, o + 12, me);
  st32be(m, o + 16, src);
  st16be(m, o + 10, in_cksum_hdr20(m, o));
  st32be(m, o + 20, (type << 24) | (code << 16));
  st32be(m, o + 24, type === ICMP_UNREACH && code === ICMP_UNREACH_NEEDFRAG ? param & 0xffff : param);
  m.u8.copyWithin(o + 28, l3, l3 + quote);
  st16be(m, o + 22, in_cksum(m, o + 20, 8 + quote));
  if (held) {
    icmp_hold(m, ctx, pd, cnt, 0, oif, gw, 0, 0, 0, o, 28 + quote, rxif);
    return;
  }
  if (tun) {
    icmp_tunnel(m, ctx, pd, cnt, 0, oif, o, 28 + quote, rxif);
    return;
  }
  ether_output(m, ctx, pd, o, 28 + quote, ETHERTYPE_IP, oif, ne + NB_MAC);
  cnt_add(m, cnt, C_ICMP_OUT, 1);
}

/** An error whose way back has no neighbor entry, to the neighbor cache (see the AS twin). */
function icmp_hold(
  m: Mem,
  ctx: number,
  pd: number,
  cnt: number,
  v6: number,
  oif: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  o: number,
  len: number,
  rxif: number,
): void {
  if (nev_post_miss(m, ctx, pd, v6, oif, a0, a1, a2, a3, o, len, rxif)) cnt_add(m, cnt, C_ICMP_OUT, 1);
  else cnt_add(m, cnt, C_ICMP_SUPPRESSED, 1);
  buf_free(m, ctx, o - BUF_HEADROOM - 18);
}

/** See assembly/forward/icmp.ts: the error goes back into a tunnel, encapsulated as ours. */
function icmp_tunnel(
  m: Mem,
  ctx: number,
  pd: number,
  cnt: number,
  v6: number,
  gif: number,
  o: number,
  len: number,
  rxif: number,
): void {
  const v = gif_output(m, ctx, pd, o, len, v6, rxif, gif, 0, 0);
  const path = v >> 8;
  cnt_add(m, cnt, path === PATH_NORMAL || path === PATH_LOCAL ? C_ICMP_OUT : C_ICMP_SUPPRESSED, 1);
  if (path !== PATH_NORMAL) buf_free(m, ctx, o - BUF_HEADROOM - 18);
}

export function icmp6_error(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  total: number,
  rxif: number,
  type: number,
  code: number,
  param: number,
): void {
  if ((ld32(m, ctx + CTX_OPTS) & OPT_ICMP) === 0) return;
  const cnt = ld32(m, ctx + CTX_CNT);
  let nxt = ld8(m, l3 + 6);
  let ulp = 40;
  if (nxt === 0 && total >= 48) {
    nxt = ld8(m, l3 + 40);
    ulp = 40 + ((ld8(m, l3 + 41) + 1) << 3);
  }
  if (nxt === 58 && total > ulp && ld8(m, l3 + ulp) < 128) {
    cnt_add(m, cnt, C_ICMP_SUPPRESSED, 1);
    return;
  }
  if (!icmp_ratelimit(m, ctx, CTX_ICMP6_TOKENS, CTX_ICMP6_LAST)) {
    cnt_add(m, cnt, C_ICMP_RATELIM, 1);
    return;
  }
  const ifnet = ld32(m, ctx + CTX_IFNET);
  // a link-local source: back out rxif to the neighbor itself, from rxif's link-local address
  const llsrc = (ld32be(m, l3 + 8) & 0xffc00000) >>> 0 === 0xfe800000;
  const nhp = llsrc ? 0 : usableNh(m, ctx, route6(m, ctx, l3 + 8));
  const oif = llsrc ? rxif : nhp !== 0 ? ld32(m, nhp + NH_IFINDEX) : 0;
  let meIf = oif;
  if (meIf !== 0 && (ld32(m, ifnet + meIf * IF_SIZE + IF_FLAGS) & IFF_HAS_ADDR6) === 0) meIf = rxif;
  let meOff = IF_ADDR6;
  if (llsrc && (ld32(m, ifnet + rxif * IF_SIZE + IF_FLAGS) & IFF_HAS_LL6) !== 0) meOff = IF_LL6;
  const haveMe =
    meIf !== 0 && (ld32(m, ifnet + meIf * IF_SIZE + IF_FLAGS) & (meOff === IF_LL6 ? IFF_HAS_LL6 : IFF_HAS_ADDR6)) !== 0;
  // the next hop back: the route's gateway, else the source itself (on link, or link-local on rxif)
  const gw6 = nhp !== 0 && (ld32(m, nhp + NH_FLAGS) & NHF_GATEWAY) !== 0;
  const h0 = gw6 ? ld32(m, nhp + NH_GW) : ld32be(m, l3 + 8);
  const h1 = gw6 ? ld32(m, nhp + NH_GW + 4) : ld32be(m, l3 + 12);
  const h2 = gw6 ? ld32(m, nhp + NH_GW + 8) : ld32be(m, l3 + 16);
  const h3 = gw6 ? ld32(m, nhp + NH_GW + 12) : ld32be(m, l3 + 20);
  const tun = oif !== 0 && gif_is_tunnel(m, ctx, oif);
  const ne = oif !== 0 && !tun ? nb_find(m, ld32(m, ctx + CTX_NBR), h0, h1, h2, h3, oif, NBS_V6) : 0;
  const held = ne === 0 && oif !== 0 && !tun && ld32(m, ctx + CTX_NEV) !== 0;
  const o = icmp_cluster(m, ctx, cnt, (ne !== 0 || held || tun) && haveMe);
  if (o === 0) return;
  const quote = Math.min(total, ICMP_QUOTE_MAX6);
  st32be(m, o, 0x60000000);
  st32be(m, o + 4, ((8 + quote) << 16) | (58 << 8) | (held ? 65 : 64));
  const a6 = ifnet + meIf * IF_SIZE + meOff;
  m.u8.copyWithin(o + 8, a6, a6 + 16);
  m.u8.copyWithin(o + 24, l3 + 8, l3 + 24);
  st32be(m, o + 40, (type << 24) | (code << 16));
  st32be(m, o + 44, param);
  m.u8.copyWithin(o + 48, l3, l3 + quote);
  st16be(m, o + 42, ~in_cksum_acc(m, o + 40, 8 + quote, in_pseudo6(m, o + 8, o + 24, 58, 8 + quote)) & 0xffff);
  if (held) {
    icmp_hold(m, ctx, pd, cnt, 1, oif, h0, h1, h2, h3, o, 48 + quote, rxif);
    return;
  }
  if (tun) {
    icmp_tunnel(m, ctx, pd, cnt, 1, oif, o, 48 + quote, rxif);
    return;
  }
  ether_output(m, ctx, pd, o, 48 + quote, ETHERTYPE_IPV6, oif, ne + NB_MAC);
  cnt_add(m, cnt, C_ICMP_OUT, 1);
}

/** An ICMPv6 Redirect to the packet's source on rxif (see the AS twin). */
export function icmp6_redirect(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  total: number,
  rxif: number,
  t0: number,
  t1: number,
  t2: number,
  t3: number,
  tmac: number,
): void {
  if ((ld32(m, ctx + CTX_OPTS) & OPT_ICMP) === 0) return;
  const cnt = ld32(m, ctx + CTX_CNT);
  if (!icmp_ratelimit(m, ctx, CTX_ICMP6_TOKENS, CTX_ICMP6_LAST)) {
    cnt_add(m, cnt, C_ICMP_RATELIM, 1);
    return;
  }
  const ifp = ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE;
  const ne = nb_find(
    m,
    ld32(m, ctx + CTX_NBR),
    ld32be(m, l3 + 8),
    ld32be(m, l3 + 12),
    ld32be(m, l3 + 16),
    ld32be(m, l3 + 20),
    rxif,
    NBS_V6,
  );
  const o = icmp_cluster(m, ctx, cnt, ne !== 0 && (ld32(m, ifp + IF_FLAGS) & IFF_HAS_LL6) !== 0);
  if (o === 0) return;
  const quote = Math.min(total, REDIRECT_QUOTE_MAX6);
  const rh = (quote + 7) & ~7;
  const plen = 56 + rh;
  st32be(m, o, 0x60000000);
  st32be(m, o + 4, (plen << 16) | (58 << 8) | 255);
  m.u8.copyWithin(o + 8, ifp + IF_LL6, ifp + IF_LL6 + 16);
  m.u8.copyWithin(o + 24, l3 + 8, l3 + 24);
  st32be(m, o + 40, ND_REDIRECT << 24);
  st32be(m, o + 44, 0);
  st32be(m, o + 48, t0);
  st32be(m, o + 52, t1);
  st32be(m, o + 56, t2);
  st32be(m, o + 60, t3);
  m.u8.copyWithin(o + 64, l3 + 24, l3 + 40);
  st16be(m, o + 80, 0x0201);
  m.u8.copyWithin(o + 82, tmac, tmac + 6);
  st32be(m, o + 88, (4 << 24) | (((rh + 8) >> 3) << 16));
  st32be(m, o + 92, 0);
  m.u8.copyWithin(o + 96, l3, l3 + quote);
  if (rh > quote) m.u8.fill(0, o + 96 + quote, o + 96 + rh);
  st16be(m, o + 42, ~in_cksum_acc(m, o + 40, plen, in_pseudo6(m, o + 8, o + 24, 58, plen)) & 0xffff);
  ether_output(m, ctx, pd, o, 40 + plen, ETHERTYPE_IPV6, rxif, ne + NB_MAC);
  cnt_add(m, cnt, C_ICMP_OUT, 1);
}
