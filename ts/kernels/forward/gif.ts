// TS twin of assembly/forward/gif.ts: gif(4) encapsulation and the encap table lookup (the drawing,
// the contracts and the RFC clauses are there). Words are kept unsigned (`>>> 0`) where AS compares u32s.
import {
  CTX_IFNET,
  CTX_NH,
  CTX_NBR,
  CTX_NEV,
  CTX_CNT,
  CTX_IPID,
  CTX_IFCNT,
  IFC_SIZE,
  IFC_OPKTS,
  IFC_OBYTES,
  C_GIF_ENCAP,
  IF_SIZE,
  IF_FLAGS,
  IF_MTU,
  IF_GIF_SRC,
  IF_GIF_DST,
  IF_GIF_TTL,
  IF_GIF_PMTU,
  IF_GIF_PMTU_AT,
  GIF_PMTU_EXPIRE_MS,
  GIF_PMTU_MIN,
  CTX_NOW,
  IFF_UP,
  IFF_EXISTS,
  IFF_GIF,
  IFF_GIF_TUNNEL,
  IFF_GIF_V6,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NH_GW,
  NH_MTU,
  NHF_GATEWAY,
  NHF_LOCAL,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  NB_MAC,
  NB_USED,
  NBS_V6,
  PD_TXIF,
  PD_NH,
  PATH_DROP,
  PATH_NORMAL,
  PATH_LOCAL,
  R_GIF_NEST,
  R_GIF_NOTUNNEL,
  R_NO_ROUTE,
  R_REJECT,
  R_IF_DOWN,
  R_UNRESOLVED,
  R_HELD,
  R_NEV_FULL,
  R_NEED_FRAG,
  R_TOO_BIG,
  R_NOBUFS,
  ENC_HWM,
  ENC_SIZE,
  ENCE_SIZE,
  ENCE_STATE,
  ENCE_IF,
  ENCE_AF,
  ENCE_PROTO,
  ENCE_SPLEN,
  ENCE_DPLEN,
  ENCE_SRC,
  ENCE_DST,
  ENCS_LIVE,
  ENCP_IPV4,
  ENCP_IPV6,
  CTX_ENCAP,
  R_GIF_RELAY,
} from '../../../assembly/layout.js';
import {
  type Mem,
  ld8,
  ld16be,
  ld32,
  ld32be,
  st8,
  st16,
  st32,
  st16be,
  st32be,
  ald32,
  ast32,
  cnt_add,
} from '../util/mem.js';
import { in_cksum, in_cksum_acc, in_cksum_hdr20, in_cksum_update16, in_pseudo6 } from '../wire/cksum.js';
import { route4, route6 } from '../fib/route.js';
import { nb_find } from '../nbr/nbr.js';
import { nev_post_miss } from '../nbr/nev.js';
import { ether_output, tx_room, ETHERTYPE_IP, ETHERTYPE_IPV6 } from './output.js';
import {
  icmp4_error,
  icmp6_error,
  ICMP_UNREACH,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_HOST,
  ICMP_TIMXCEED,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_TIME_EXCEEDED,
} from './icmp.js';
import { ip4_fragment } from './frag.js';

export const IPPROTO_IPV4 = 4;
export const IPPROTO_IPV6 = 41;

function V(path: number, reason: number): number {
  return (path << 8) | reason;
}

/** Word w (0..3, most significant first) of a prefix mask of plen bits. */
function pmask(plen: number, w: number): number {
  const lo = w << 5;
  if (plen <= lo) return 0;
  if (plen >= lo + 32) return 0xffffffff;
  return ~(0xffffffff >>> (plen - lo)) >>> 0;
}

/** See assembly/forward/gif.ts: the ifindex of the most specific live encap entry, or 0. */
export function encap_lookup(m: Mem, tab: number, v6: number, src: number, dst: number, proto: number): number {
  const hwm = ald32(m, tab + ENC_HWM);
  const af = v6 ? 6 : 4;
  const pbit = proto === IPPROTO_IPV6 ? ENCP_IPV6 : proto === IPPROTO_IPV4 ? ENCP_IPV4 : 0;
  if (pbit === 0) return 0;
  const nw = v6 ? 4 : 1;
  let best = 0;
  let bestPrio = -1;
  for (let i = 0; i < hwm; i++) {
    const e = tab + ENC_SIZE + i * ENCE_SIZE;
    if (ald32(m, e + ENCE_STATE) !== ENCS_LIVE) continue;
    if (ld8(m, e + ENCE_AF) !== af || (ld8(m, e + ENCE_PROTO) & pbit) === 0) continue;
    const sp = ld8(m, e + ENCE_SPLEN);
    const dp = ld8(m, e + ENCE_DPLEN);
    const prio = sp + dp;
    if (prio <= bestPrio) continue;
    let ok = true;
    for (let w = 0; w < nw; w++) {
      const o = w << 2;
      if (
        (ld32be(m, src + o) & pmask(sp, w)) >>> 0 !== ld32(m, e + ENCE_SRC + o) ||
        (ld32be(m, dst + o) & pmask(dp, w)) >>> 0 !== ld32(m, e + ENCE_DST + o)
      ) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    best = ld32(m, e + ENCE_IF);
    bestPrio = prio;
  }
  return best;
}

/** See assembly/forward/gif.ts: RFC 4213 3.6 ingress filtering (a tunnel ends at dst, the source matched none). */
export function encap_ingress_reject(m: Mem, tab: number, v6: number, dst: number, proto: number): number {
  const hwm = ald32(m, tab + ENC_HWM);
  const af = v6 ? 6 : 4;
  const pbit = proto === IPPROTO_IPV6 ? ENCP_IPV6 : proto === IPPROTO_IPV4 ? ENCP_IPV4 : 0;
  const nw = v6 ? 4 : 1;
  for (let i = 0; i < hwm; i++) {
    const e = tab + ENC_SIZE + i * ENCE_SIZE;
    if (ald32(m, e + ENCE_STATE) !== ENCS_LIVE) continue;
    if (ld8(m, e + ENCE_AF) !== af || (ld8(m, e + ENCE_PROTO) & pbit) === 0) continue;
    const dp = ld8(m, e + ENCE_DPLEN);
    let ok = true;
    for (let w = 0; w < nw; w++) {
      const o = w << 2;
      if ((ld32be(m, dst + o) & pmask(dp, w)) >>> 0 !== ld32(m, e + ENCE_DST + o)) {
        ok = false;
        break;
      }
    }
    if (ok) return 1;
  }
  return 0;
}

/** See assembly/forward/gif.ts: the gif's MTU, or its fresh learned path MTU when lower (IPv6 inside: >= 1280). */
function gif_mtu(m: Mem, ctx: number, gp: number, v6in: number): number {
  const mtu = ld32(m, gp + IF_MTU);
  const p = ald32(m, gp + IF_GIF_PMTU);
  if (p === 0 || p >= mtu || (ld32(m, ctx + CTX_NOW) - ald32(m, gp + IF_GIF_PMTU_AT)) >>> 0 > GIF_PMTU_EXPIRE_MS)
    return mtu;
  return v6in ? Math.min(mtu, Math.max(p, 1280)) : p;
}

/** See assembly/forward/gif.ts: a too-big from the outer path lowers the tunnel's path MTU to mtu - hdr. */
function gif_pmtu_learn(m: Mem, ctx: number, gif: number, mtu: number, hdr: number): void {
  if (mtu <= hdr) return;
  const gp = ld32(m, ctx + CTX_IFNET) + gif * IF_SIZE;
  const v = Math.max(mtu - hdr, GIF_PMTU_MIN);
  if (v >= gif_mtu(m, ctx, gp, 0)) return;
  ast32(m, gp + IF_GIF_PMTU_AT, ld32(m, ctx + CTX_NOW));
  ast32(m, gp + IF_GIF_PMTU, v);
}

/** Whether ifindex names a gif interface (a packet received on one was decapsulated already). */
export function gif_is_tunnel(m: Mem, ctx: number, ifindex: number): boolean {
  return (ld32(m, ld32(m, ctx + CTX_IFNET) + ifindex * IF_SIZE + IF_FLAGS) & IFF_GIF) !== 0;
}

function ifUsable(m: Mem, ifp: number): boolean {
  return (ld32(m, ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS)) === (IFF_UP | IFF_EXISTS);
}

/** See assembly/forward/gif.ts: encapsulates the inner packet at l3 and routes the outer one. */
export function gif_output(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  len: number,
  v6in: number,
  rxif: number,
  gif: number,
  nh: number,
  fwd: number,
): number {
  const gp = ld32(m, ctx + CTX_IFNET) + gif * IF_SIZE;
  const gfl = ald32(m, gp + IF_FLAGS);
  if ((gfl & IFF_GIF_TUNNEL) === 0) return V(PATH_DROP, R_GIF_NOTUNNEL);
  const gmtu = gif_mtu(m, ctx, gp, v6in);
  let df = 0;
  let tos: number;
  if (v6in) {
    if (len > gmtu) {
      if (fwd) icmp6_error(m, ctx, pd, l3, len, rxif, ICMP6_PACKET_TOO_BIG, 0, gmtu);
      return V(PATH_DROP, R_TOO_BIG);
    }
    tos = (ld32be(m, l3) >>> 20) & 0xff;
    if (fwd) st8(m, l3 + 7, ld8(m, l3 + 7) - 1);
  } else {
    df = ld16be(m, l3 + 6) & 0x4000;
    if (len > gmtu && (df !== 0 || !fwd)) {
      if (fwd) icmp4_error(m, ctx, pd, l3, len, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, gmtu);
      return V(PATH_DROP, R_NEED_FRAG);
    }
    tos = ld8(m, l3 + 1);
  }
  if (fwd && !v6in) {
    const old = ld16be(m, l3 + 8);
    const nw = old - 0x100;
    st16be(m, l3 + 8, nw);
    st16be(m, l3 + 10, in_cksum_update16(ld16be(m, l3 + 10), old, nw));
  }
  if (fwd) st32(m, pd + PD_NH, nh);
  const proto = v6in ? IPPROTO_IPV6 : IPPROTO_IPV4;
  const ttl = ld32(m, gp + IF_GIF_TTL);
  if ((gfl & IFF_GIF_V6) === 0) {
    const o = l3 - 20;
    const olen = len + 20;
    const ipid = ld32(m, ctx + CTX_IPID);
    st32(m, ctx + CTX_IPID, (ipid + 1) & 0xffff);
    st32be(m, o, 0x45000000 | (tos << 16) | olen);
    st32be(m, o + 4, (ipid << 16) | df);
    st32be(m, o + 8, (ttl << 24) | (proto << 16));
    st32be(m, o + 12, ld32be(m, gp + IF_GIF_SRC));
    st32be(m, o + 16, ld32be(m, gp + IF_GIF_DST));
    st16be(m, o + 10, in_cksum_hdr20(m, o));
    return gif_route4(m, ctx, pd, o, olen, l3, len, v6in, df, rxif, gif, fwd);
  }
  const o = l3 - 40;
  st32be(m, o, 0x60000000 | (tos << 20));
  st32be(m, o + 4, (len << 16) | (proto << 8) | ttl);
  for (let w = 0; w < 16; w += 4) {
    st32be(m, o + 8 + w, ld32be(m, gp + IF_GIF_SRC + w));
    st32be(m, o + 24 + w, ld32be(m, gp + IF_GIF_DST + w));
  }
  return gif_route6(m, ctx, pd, o, len + 40, l3, len, v6in, rxif, gif, fwd);
}

function gif_count(m: Mem, ctx: number, gif: number, len: number): void {
  const ic = ld32(m, ctx + CTX_IFCNT) + gif * IFC_SIZE;
  cnt_add(m, ic, IFC_OPKTS >> 3, 1);
  cnt_add(m, ic, IFC_OBYTES >> 3, len);
  cnt_add(m, ld32(m, ctx + CTX_CNT), C_GIF_ENCAP, 1);
}

function gif_unresolved(
  m: Mem,
  ctx: number,
  pd: number,
  v6: number,
  otif: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  o: number,
  olen: number,
  fits: boolean,
  rxif: number,
): number {
  if (ld32(m, ctx + CTX_NEV) === 0) return V(PATH_DROP, R_UNRESOLVED);
  if (v6) {
    if (ld8(m, o + 7) < 255) st8(m, o + 7, ld8(m, o + 7) + 1);
  } else if (ld8(m, o + 8) < 255) {
    const old = ld16be(m, o + 8);
    const nw = old + 0x100;
    st16be(m, o + 8, nw);
    st16be(m, o + 10, in_cksum_update16(ld16be(m, o + 10), old, nw));
  }
  if (!nev_post_miss(m, ctx, pd, v6, otif, a0, a1, a2, a3, o, fits ? olen : 0, rxif)) return V(PATH_DROP, R_NEV_FULL);
  return fits ? V(PATH_LOCAL, R_HELD) : V(PATH_DROP, R_UNRESOLVED);
}

let gif_route_reason = 0;
function gif_outer_nh(m: Mem, ctx: number, nh: number): number {
  if (nh === 0) {
    gif_route_reason = R_NO_ROUTE;
    return 0;
  }
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  const fl = ld32(m, nhp + NH_FLAGS);
  if (fl & (NHF_LOCAL | NHF_BROADCAST)) {
    gif_route_reason = R_GIF_NEST;
    return 0;
  }
  if (fl & (NHF_REJECT | NHF_BLACKHOLE)) {
    gif_route_reason = R_REJECT;
    return 0;
  }
  const otp = ld32(m, ctx + CTX_IFNET) + ld32(m, nhp + NH_IFINDEX) * IF_SIZE;
  if (!ifUsable(m, otp)) {
    gif_route_reason = R_IF_DOWN;
    return 0;
  }
  if (ld32(m, otp + IF_FLAGS) & IFF_GIF) {
    gif_route_reason = R_GIF_NEST;
    return 0;
  }
  return nhp;
}

function outerMtu(m: Mem, ctx: number, nhp: number, otif: number): number {
  let mtu = ld32(m, ld32(m, ctx + CTX_IFNET) + otif * IF_SIZE + IF_MTU);
  const rmtu = ld32(m, nhp + NH_MTU);
  if (rmtu !== 0 && rmtu < mtu) mtu = rmtu;
  return mtu;
}

function gif_inner_too_big(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  len: number,
  v6in: number,
  rxif: number,
  mtu: number,
): number {
  if (v6in) {
    icmp6_error(m, ctx, pd, l3, len, rxif, ICMP6_PACKET_TOO_BIG, 0, Math.max(mtu, 1280));
    return V(PATH_DROP, R_TOO_BIG);
  }
  if (ld16be(m, l3 + 6) & 0x4000) {
    icmp4_error(m, ctx, pd, l3, len, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
    return V(PATH_DROP, R_NEED_FRAG);
  }
  return V(PATH_DROP, R_TOO_BIG);
}

function gif_route4(
  m: Mem,
  ctx: number,
  pd: number,
  o: number,
  olen: number,
  l3: number,
  len: number,
  v6in: number,
  df: number,
  rxif: number,
  gif: number,
  fwd: number,
): number {
  const dst = ld32be(m, o + 16);
  const nhp = gif_outer_nh(m, ctx, route4(m, ctx, dst));
  if (nhp === 0) return V(PATH_DROP, gif_route_reason);
  const otif = ld32(m, nhp + NH_IFINDEX);
  const gw = ld32(m, nhp + NH_FLAGS) & NHF_GATEWAY ? ld32(m, nhp + NH_GW) : dst;
  const mtu = outerMtu(m, ctx, nhp, otif);
  const ne = nb_find(m, ld32(m, ctx + CTX_NBR), gw, 0, 0, 0, otif, 0);
  if (ne === 0) return gif_unresolved(m, ctx, pd, 0, otif, gw, 0, 0, 0, o, olen, olen <= mtu, rxif);
  if (ld8(m, ne + NB_USED) === 0) st8(m, ne + NB_USED, 1);
  if (olen > mtu) {
    if (df !== 0 || !fwd)
      return fwd ? gif_inner_too_big(m, ctx, pd, l3, len, v6in, rxif, mtu - 20) : V(PATH_DROP, R_NEED_FRAG);
    st16(m, pd + PD_TXIF, otif);
    if (ip4_fragment(m, ctx, pd, o, 20, olen, otif, ne + NB_MAC, mtu) === 0) {
      st16(m, pd + PD_TXIF, 0);
      return V(PATH_DROP, R_NOBUFS);
    }
    gif_count(m, ctx, gif, len);
    return V(PATH_NORMAL, 0);
  }
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  if (fwd) st16(m, pd + PD_TXIF, otif);
  ether_output(m, ctx, pd, o, olen, ETHERTYPE_IP, otif, ne + NB_MAC);
  gif_count(m, ctx, gif, len);
  return V(PATH_NORMAL, 0);
}

function gif_route6(
  m: Mem,
  ctx: number,
  pd: number,
  o: number,
  olen: number,
  l3: number,
  len: number,
  v6in: number,
  rxif: number,
  gif: number,
  fwd: number,
): number {
  const nhp = gif_outer_nh(m, ctx, route6(m, ctx, o + 24));
  if (nhp === 0) return V(PATH_DROP, gif_route_reason);
  const otif = ld32(m, nhp + NH_IFINDEX);
  const gwp = ld32(m, nhp + NH_FLAGS) & NHF_GATEWAY ? 0 : 1;
  const a0 = gwp ? ld32be(m, o + 24) : ld32(m, nhp + NH_GW);
  const a1 = gwp ? ld32be(m, o + 28) : ld32(m, nhp + NH_GW + 4);
  const a2 = gwp ? ld32be(m, o + 32) : ld32(m, nhp + NH_GW + 8);
  const a3 = gwp ? ld32be(m, o + 36) : ld32(m, nhp + NH_GW + 12);
  const mtu = outerMtu(m, ctx, nhp, otif);
  const ne = nb_find(m, ld32(m, ctx + CTX_NBR), a0, a1, a2, a3, otif, NBS_V6);
  if (ne === 0) return gif_unresolved(m, ctx, pd, 1, otif, a0, a1, a2, a3, o, olen, olen <= mtu, rxif);
  if (ld8(m, ne + NB_USED) === 0) st8(m, ne + NB_USED, 1);
  if (olen > mtu) return fwd ? gif_inner_too_big(m, ctx, pd, l3, len, v6in, rxif, mtu - 40) : V(PATH_DROP, R_TOO_BIG);
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  if (fwd) st16(m, pd + PD_TXIF, otif);
  ether_output(m, ctx, pd, o, olen, ETHERTYPE_IPV6, otif, ne + NB_MAC);
  gif_count(m, ctx, gif, len);
  return V(PATH_NORMAL, 0);
}

/** See assembly/forward/gif.ts: an ICMP error about a tunnel's outer packet, relayed to the inner source (RFC 2003 4). */
export function gif_icmp_relay(
  m: Mem,
  ctx: number,
  pd: number,
  icmp: number,
  ilen: number,
  v6outer: number,
  l3: number,
  rxif: number,
): number {
  const tab = ld32(m, ctx + CTX_ENCAP);
  if (tab === 0 || ilen < 8) return 0;
  const type = ld8(m, icmp);
  let toobig = false;
  let mtu = 0;
  if (v6outer) {
    if (type === ICMP6_PACKET_TOO_BIG) {
      toobig = true;
      mtu = ld32be(m, icmp + 4);
    } else if (type !== ICMP6_DST_UNREACH && type !== ICMP6_TIME_EXCEEDED) return 0;
    if (~in_cksum_acc(m, icmp, ilen, in_pseudo6(m, l3 + 8, l3 + 24, 58, ilen)) & 0xffff) return 0;
  } else {
    if (type === ICMP_UNREACH) {
      toobig = ld8(m, icmp + 1) === ICMP_UNREACH_NEEDFRAG;
      mtu = ld16be(m, icmp + 6);
    } else if (type !== ICMP_TIMXCEED) return 0;
    if (in_cksum(m, icmp, ilen) !== 0) return 0;
  }
  const q = icmp + 8;
  const qlen = ilen - 8;
  let qh = 40;
  let proto: number;
  let qs: number;
  let qd: number;
  if (v6outer) {
    if (qlen < 40 || ld8(m, q) >> 4 !== 6) return 0;
    proto = ld8(m, q + 6);
    qs = q + 8;
    qd = q + 24;
  } else {
    if (qlen < 20 || ld8(m, q) >> 4 !== 4) return 0;
    qh = (ld8(m, q) & 15) << 2;
    if (qh < 20 || qh > qlen) return 0;
    proto = ld8(m, q + 9);
    qs = q + 12;
    qd = q + 16;
  }
  if (proto !== IPPROTO_IPV4 && proto !== IPPROTO_IPV6) return 0;
  const gif = encap_lookup(m, tab, v6outer, qd, qs, proto);
  if (gif === 0) return 0;
  if (toobig) gif_pmtu_learn(m, ctx, gif, mtu, qh);
  const inner = q + qh;
  const n = qlen - qh;
  const less = mtu > qh ? mtu - qh : 0;
  if (proto === IPPROTO_IPV4) {
    if (n >= 20 && ld8(m, inner) >> 4 === 4 && (ld8(m, inner) & 15) << 2 <= n) {
      if (!toobig) icmp4_error(m, ctx, pd, inner, n, rxif, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
      else if (ld16be(m, inner + 6) & 0x4000)
        icmp4_error(m, ctx, pd, inner, n, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, less);
    }
  } else if (n >= 40 && ld8(m, inner) >> 4 === 6) {
    if (toobig) icmp6_error(m, ctx, pd, inner, n, rxif, ICMP6_PACKET_TOO_BIG, 0, Math.max(less, 1280));
    else icmp6_error(m, ctx, pd, inner, n, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
  }
  return V(PATH_LOCAL, R_GIF_RELAY);
}
