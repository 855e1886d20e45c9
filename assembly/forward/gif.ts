// gif(4): generic tunnels, IPv4 or IPv6 inside IPv4 or IPv6 (IP protocols 4 and 41; RFC 2003,
// RFC 4213, RFC 2473), and the encap table that finds a tunnel for an outer packet (NetBSD's
// ip_encap.c). TS twin: ts/kernels/forward/gif.ts.
//
//   output: ip4_input/ip6_input (normal path: route via a gif) ─► gif_output
//             ─► inner TTL - 1, tunnel MTU (frag-needed / too-big to the inner source)
//             ─► outer header in the headroom in front of the inner packet
//             ─► outer route ─┬─ local, or another gif ─► drop gif-nesting
//                             ├─ no neighbor ─► hold (nev ring) / unresolved
//                             ├─ too big: DF ─► frag-needed / too-big to the inner source; else ip4_fragment
//                             └─ ether_output on the outer interface ─► normal
//   input:  ip4_input/ip6_input, an unfragmented protocol 4/41 datagram for a local address
//             ─► encap_lookup (most specific (source, destination) wins) ─► the pipeline's
//                gif_decap: the inner packet re-enters ip4_input/ip6_input as received on the gif
//                (so the ipflow fast path applies to it)
//
// Reads: ifnet[gif] (IF_GIF_*, IF_MTU, flags, the learned path MTU against CTX_NOW), the routes and neighbors of the outer path, the encap
// table (inside the batch's pserialize read section: see assembly/layout/encap.ts for its protocol).
// Writes: the outer header in front of the inner packet (in place, into the cluster's headroom:
// BUF_HEADROOM + 14 bytes lie before a received packet's L3, enough for 40 bytes of IPv6 outer
// header and an 18-byte tagged Ethernet header), the inner TTL / hop limit, PD_TXIF, PD_NH, one tx
// entry (or fragments), CTX_IPID, the gif's IFC_OPKTS/OBYTES and C_GIF_ENCAP; IF_GIF_PMTU(_AT) when an
// ICMP too-big from the outer path teaches the tunnel a lower path MTU (gif_icmp_relay).
// Drops: R_GIF_NOTUNNEL (no tunnel addresses), R_GIF_NEST (the outer packet routed to us or into a
// gif), R_GIF_INGRESS (input: an outer source that is not the tunnel's remote end, RFC 4213 3.6), R_NO_ROUTE, R_REJECT, R_IF_DOWN, R_UNRESOLVED/R_HELD/R_NEV_FULL, R_NEED_FRAG/R_TOO_BIG
// (tunnel or outer MTU), R_NOBUFS.

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
} from '../layout';
import { ld8, ld16be, ld32, ld32be, st8, st16, st32, st16be, st32be, ald32, ast32, cnt_add } from '../util/mem';
import { in_cksum, in_cksum_acc, in_cksum_hdr20, in_cksum_update16, in_pseudo6 } from '../wire/cksum';
import { route4, route6 } from '../fib/route';
import { nb_find } from '../nbr/nbr';
import { nev_post_miss } from '../nbr/nev';
import { ether_output, tx_room, ETHERTYPE_IP, ETHERTYPE_IPV6 } from './output';
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
} from './icmp';
import { ip4_fragment } from './frag';

export const IPPROTO_IPV4: u32 = 4;
export const IPPROTO_IPV6: u32 = 41;

@inline function V(path: u32, reason: u32): u32 {
  return (path << 8) | reason;
}

/** Word w (0..3, most significant first) of a prefix mask of plen bits. */
@inline function pmask(plen: u32, w: u32): u32 {
  const lo = w << 5;
  if (plen <= lo) return 0;
  if (plen >= lo + 32) return 0xffffffff;
  return ~(0xffffffff >>> (plen - lo));
}

/**
 * The tunnel an outer packet belongs to: the ifindex of the most specific live entry of the encap
 * table `tab` for outer family v6 (0: IPv4, 1: IPv6), inner protocol `proto` (4 or 41), and the
 * packet's source and destination at `src` and `dst` (wire order, 4 or 16 bytes); 0 when none
 * matches. Most specific: the largest sum of the entry's two prefix lengths, the first slot on a
 * tie (NetBSD's encap_lookup). Caller guarantees a pserialize read section (the batch's): an entry
 * read here is not reused before the section ends. Lock-free: STATE is loaded atomically, and its
 * fields were written before it.
 */
export function encap_lookup(tab: usize, v6: u32, src: usize, dst: usize, proto: u32): u32 {
  const hwm = ald32(tab + ENC_HWM);
  const af: u32 = v6 ? 6 : 4;
  const pbit: u32 = proto == IPPROTO_IPV6 ? ENCP_IPV6 : proto == IPPROTO_IPV4 ? ENCP_IPV4 : 0;
  if (pbit == 0) return 0;
  const nw: u32 = v6 ? 4 : 1;
  let best: u32 = 0;
  let bestPrio: i32 = -1;
  for (let i: u32 = 0; i < hwm; i++) {
    const e = tab + ENC_SIZE + <usize>i * ENCE_SIZE;
    if (ald32(e + ENCE_STATE) != ENCS_LIVE) continue;
    if (ld8(e + ENCE_AF) != af || (ld8(e + ENCE_PROTO) & pbit) == 0) continue;
    const sp = ld8(e + ENCE_SPLEN);
    const dp = ld8(e + ENCE_DPLEN);
    const prio = <i32>(sp + dp);
    if (prio <= bestPrio) continue;
    let ok = true;
    for (let w: u32 = 0; w < nw; w++) {
      const o = (<usize>w) << 2;
      if (
        (ld32be(src + o) & pmask(sp, w)) != ld32(e + ENCE_SRC + o) ||
        (ld32be(dst + o) & pmask(dp, w)) != ld32(e + ENCE_DST + o)
      ) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    best = ld32(e + ENCE_IF);
    bestPrio = prio;
  }
  return best;
}

/**
 * RFC 4213 3.6 ingress filtering, by the encap table: an outer packet (protocol `proto`, for our
 * address at `dst`) that encap_lookup matched to no tunnel is refused when some live tunnel of that
 * family and protocol ends at `dst`: its source is not that tunnel's remote end, so it is a spoof
 * (or a misconfigured peer), not a packet for another protocol handler. Returns 1 to refuse, else 0.
 * Caller: as encap_lookup.
 */
export function encap_ingress_reject(tab: usize, v6: u32, dst: usize, proto: u32): u32 {
  const hwm = ald32(tab + ENC_HWM);
  const af: u32 = v6 ? 6 : 4;
  const pbit: u32 = proto == IPPROTO_IPV6 ? ENCP_IPV6 : proto == IPPROTO_IPV4 ? ENCP_IPV4 : 0;
  const nw: u32 = v6 ? 4 : 1;
  for (let i: u32 = 0; i < hwm; i++) {
    const e = tab + ENC_SIZE + <usize>i * ENCE_SIZE;
    if (ald32(e + ENCE_STATE) != ENCS_LIVE) continue;
    if (ld8(e + ENCE_AF) != af || (ld8(e + ENCE_PROTO) & pbit) == 0) continue;
    const dp = ld8(e + ENCE_DPLEN);
    let ok = true;
    for (let w: u32 = 0; w < nw; w++) {
      const o = (<usize>w) << 2;
      if ((ld32be(dst + o) & pmask(dp, w)) != ld32(e + ENCE_DST + o)) {
        ok = false;
        break;
      }
    }
    if (ok) return 1;
  }
  return 0;
}

/**
 * The MTU an inner packet (v6in: IPv6) must fit on gif `gp`: its own, or the path MTU learned from
 * the outer path when that is lower and not older than GIF_PMTU_EXPIRE_MS; a learned value never
 * takes IPv6 below its 1280 (RFC 4213 3.2: the outer IPv4 packet is then fragmented, DF clear).
 */
function gif_mtu(ctx: usize, gp: usize, v6in: u32): u32 {
  const m = ld32(gp + IF_MTU);
  const p = ald32(gp + IF_GIF_PMTU);
  if (p == 0 || p >= m || ld32(ctx + CTX_NOW) - ald32(gp + IF_GIF_PMTU_AT) > <u32>GIF_PMTU_EXPIRE_MS) return m;
  return v6in ? min<u32>(m, max<u32>(p, 1280)) : p;
}

/**
 * A too-big error about an outer packet of gif `gif` reported `mtu` for the outer path; `hdr` is the
 * outer header's length: the tunnel's path MTU becomes mtu - hdr (at least GIF_PMTU_MIN) when that
 * is below its current MTU (gif_mtu's, IPv4 inside). Only ever lowered while a learned value is
 * fresh; AT is stored before PMTU, so a reader that sees the new PMTU sees its time too.
 */
function gif_pmtu_learn(ctx: usize, gif: u32, mtu: u32, hdr: u32): void {
  if (mtu <= hdr) return; // an old router's 0 (RFC 1191 plateaus are not guessed here)
  const gp = <usize>ld32(ctx + CTX_IFNET) + <usize>gif * IF_SIZE;
  const v = max<u32>(mtu - hdr, GIF_PMTU_MIN);
  if (v >= gif_mtu(ctx, gp, 0)) return;
  ast32(gp + IF_GIF_PMTU_AT, ld32(ctx + CTX_NOW));
  ast32(gp + IF_GIF_PMTU, v);
}

/** Whether ifindex names a gif interface (a packet received on one was decapsulated already). */
@inline export function gif_is_tunnel(ctx: usize, ifindex: u32): bool {
  return (ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>ifindex * IF_SIZE + IF_FLAGS) & IFF_GIF) != 0;
}

@inline function ifUsable(ifp: usize): bool {
  return (ld32(ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS)) == (IFF_UP | IFF_EXISTS);
}

/**
 * Encapsulates the inner packet at l3 (len bytes; v6in: IPv6, else IPv4; its header validated and
 * its TTL / hop limit > 1 checked by the caller) routed through nexthop nh to the gif `gif`, and
 * routes the outer packet. Returns the verdict (path << 8 | reason) as the pipeline's stages do.
 * Caller guarantees: ifnet[gif] is up and has IFF_GIF; 40 bytes of headroom plus an Ethernet header
 * before l3 are free to write; a pserialize read section.
 *
 * The outer header (RFC 2003 3.1, RFC 4213 3.5, RFC 2473 6): TOS / traffic class copied from the
 * inner packet; for IPv4 inside IPv4 the DF bit copied too (RFC 2003 3.1), never set for IPv6
 * inside IPv4 (RFC 4213 3.2.1: the tunnel MTU is fixed); TTL / hop limit IF_GIF_TTL (NetBSD's
 * GIF_TTL, 30). An inner packet larger than the gif's MTU gets frag-needed (DF) or packet-too-big;
 * an IPv4 one without DF is encapsulated whole and the outer datagram fragmented on its way out
 * (RFC 2003 5.1: the encapsulator may fragment when the inner DF is clear).
 */
export function gif_output(
  ctx: usize,
  pd: usize,
  l3: usize,
  len: u32,
  v6in: u32,
  rxif: u32,
  gif: u32,
  nh: u32,
  fwd: u32,
): u32 {
  const gp = <usize>ld32(ctx + CTX_IFNET) + <usize>gif * IF_SIZE;
  const gfl = ald32(gp + IF_FLAGS);
  if ((gfl & IFF_GIF_TUNNEL) == 0) return V(PATH_DROP, R_GIF_NOTUNNEL);
  const gmtu = gif_mtu(ctx, gp, v6in);
  let df: u32 = 0;
  let tos: u32;
  if (v6in) {
    if (len > gmtu) {
      if (fwd) icmp6_error(ctx, pd, l3, len, rxif, ICMP6_PACKET_TOO_BIG, 0, gmtu);
      return V(PATH_DROP, R_TOO_BIG);
    }
    tos = (ld32be(l3) >>> 20) & 0xff;
    if (fwd) st8(l3 + 7, ld8(l3 + 7) - 1);
  } else {
    df = ld16be(l3 + 6) & 0x4000;
    if (len > gmtu && (df != 0 || !fwd)) {
      if (fwd) icmp4_error(ctx, pd, l3, len, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, gmtu);
      return V(PATH_DROP, R_NEED_FRAG);
    }
    tos = ld8(l3 + 1);
  }
  if (fwd && !v6in) {
    const old = ld16be(l3 + 8);
    const nw = old - 0x100;
    st16be(l3 + 8, nw);
    st16be(l3 + 10, in_cksum_update16(ld16be(l3 + 10), old, nw));
  }
  if (fwd) st32(pd + PD_NH, nh);
  const proto: u32 = v6in ? IPPROTO_IPV6 : IPPROTO_IPV4;
  const ttl = ld32(gp + IF_GIF_TTL);
  if ((gfl & IFF_GIF_V6) == 0) {
    const o = l3 - 20;
    const olen = len + 20;
    const ipid = ld32(ctx + CTX_IPID);
    st32(ctx + CTX_IPID, (ipid + 1) & 0xffff);
    st32be(o, 0x45000000 | (tos << 16) | olen);
    st32be(o + 4, (ipid << 16) | df);
    st32be(o + 8, (ttl << 24) | (proto << 16));
    st32be(o + 12, ld32be(gp + IF_GIF_SRC));
    st32be(o + 16, ld32be(gp + IF_GIF_DST));
    st16be(o + 10, in_cksum_hdr20(o));
    return gif_route4(ctx, pd, o, olen, l3, len, v6in, df, rxif, gif, fwd);
  }
  const o = l3 - 40;
  st32be(o, 0x60000000 | (tos << 20));
  st32be(o + 4, (len << 16) | (proto << 8) | ttl);
  for (let w: usize = 0; w < 16; w += 4) {
    st32be(o + 8 + w, ld32be(gp + IF_GIF_SRC + w));
    st32be(o + 24 + w, ld32be(gp + IF_GIF_DST + w));
  }
  return gif_route6(ctx, pd, o, len + 40, l3, len, v6in, rxif, gif, fwd);
}

/** The outer packet left: the tallies of the gif (its IFC_ output counters, C_GIF_ENCAP). */
function gif_count(ctx: usize, gif: u32, len: u32): void {
  const ic = <usize>ld32(ctx + CTX_IFCNT) + <usize>gif * IFC_SIZE;
  cnt_add(ic, IFC_OPKTS >> 3, 1);
  cnt_add(ic, IFC_OBYTES >> 3, len);
  cnt_add(<usize>ld32(ctx + CTX_CNT), C_GIF_ENCAP, 1);
}

/**
 * The outer path's next hop has no neighbor entry: hold the outer packet (nev_post_miss decrements
 * the TTL / hop limit of its copy as for a forwarded packet, so it is raised by one first: the outer
 * packet is ours and leaves with the TTL it was given) or drop it as unresolved.
 */
function gif_unresolved(
  ctx: usize,
  pd: usize,
  v6: u32,
  otif: u32,
  a0: u32,
  a1: u32,
  a2: u32,
  a3: u32,
  o: usize,
  olen: u32,
  fits: bool,
  rxif: u32,
): u32 {
  if (ld32(ctx + CTX_NEV) == 0) return V(PATH_DROP, R_UNRESOLVED);
  if (v6) {
    if (ld8(o + 7) < 255) st8(o + 7, ld8(o + 7) + 1);
  } else if (ld8(o + 8) < 255) {
    const old = ld16be(o + 8);
    const nw = old + 0x100;
    st16be(o + 8, nw);
    st16be(o + 10, in_cksum_update16(ld16be(o + 10), old, nw));
  }
  if (!nev_post_miss(ctx, pd, v6, otif, a0, a1, a2, a3, o, fits ? olen : 0, rxif)) return V(PATH_DROP, R_NEV_FULL);
  return fits ? V(PATH_LOCAL, R_HELD) : V(PATH_DROP, R_UNRESOLVED);
}

/**
 * The checks every outer route takes: a usable unicast route out of a real interface. Returns the
 * nexthop's address, or 0 with the drop reason in `gif_route_reason`.
 */
let gif_route_reason: u32 = 0;
function gif_outer_nh(ctx: usize, nh: u32): usize {
  if (nh == 0) {
    gif_route_reason = R_NO_ROUTE;
    return 0;
  }
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  const fl = ld32(nhp + NH_FLAGS);
  // back to ourselves (a tunnel to one of our own addresses) or into a tunnel again: the nesting limit
  if (fl & (NHF_LOCAL | NHF_BROADCAST)) {
    gif_route_reason = R_GIF_NEST;
    return 0;
  }
  if (fl & (NHF_REJECT | NHF_BLACKHOLE)) {
    gif_route_reason = R_REJECT;
    return 0;
  }
  const otp = <usize>ld32(ctx + CTX_IFNET) + <usize>ld32(nhp + NH_IFINDEX) * IF_SIZE;
  if (!ifUsable(otp)) {
    gif_route_reason = R_IF_DOWN;
    return 0;
  }
  if (ld32(otp + IF_FLAGS) & IFF_GIF) {
    gif_route_reason = R_GIF_NEST;
    return 0;
  }
  return nhp;
}

@inline function outerMtu(ctx: usize, nhp: usize, otif: u32): u32 {
  let mtu = ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>otif * IF_SIZE + IF_MTU);
  const rmtu = ld32(nhp + NH_MTU);
  if (rmtu != 0 && rmtu < mtu) mtu = rmtu;
  return mtu;
}

/** The inner packet does not fit the outer path's MTU less `hdr`: tell its source (RFC 2003 5.1, RFC 4213 3.2). */
function gif_inner_too_big(ctx: usize, pd: usize, l3: usize, len: u32, v6in: u32, rxif: u32, mtu: u32): u32 {
  if (v6in) {
    icmp6_error(ctx, pd, l3, len, rxif, ICMP6_PACKET_TOO_BIG, 0, max<u32>(mtu, 1280));
    return V(PATH_DROP, R_TOO_BIG);
  }
  if (ld16be(l3 + 6) & 0x4000) {
    icmp4_error(ctx, pd, l3, len, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
    return V(PATH_DROP, R_NEED_FRAG);
  }
  return V(PATH_DROP, R_TOO_BIG);
}

function gif_route4(
  ctx: usize,
  pd: usize,
  o: usize,
  olen: u32,
  l3: usize,
  len: u32,
  v6in: u32,
  df: u32,
  rxif: u32,
  gif: u32,
  fwd: u32,
): u32 {
  const dst = ld32be(o + 16);
  const nhp = gif_outer_nh(ctx, route4(ctx, dst));
  if (nhp == 0) return V(PATH_DROP, gif_route_reason);
  const otif = ld32(nhp + NH_IFINDEX);
  const gw = ld32(nhp + NH_FLAGS) & NHF_GATEWAY ? ld32(nhp + NH_GW) : dst;
  const mtu = outerMtu(ctx, nhp, otif);
  const ne = nb_find(<usize>ld32(ctx + CTX_NBR), gw, 0, 0, 0, otif, 0);
  if (ne == 0) return gif_unresolved(ctx, pd, 0, otif, gw, 0, 0, 0, o, olen, olen <= mtu, rxif);
  if (ld8(ne + NB_USED) == 0) st8(ne + NB_USED, 1);
  if (olen > mtu) {
    // ours (fwd 0: an ICMP error or an echo reply) is dropped rather than fragmented: its cluster
    // must stay the one the tx entry points into
    if (df != 0 || !fwd)
      return fwd ? gif_inner_too_big(ctx, pd, l3, len, v6in, rxif, mtu - 20) : V(PATH_DROP, R_NEED_FRAG);
    st16(pd + PD_TXIF, otif);
    if (ip4_fragment(ctx, pd, o, 20, olen, otif, ne + NB_MAC, mtu) == 0) {
      st16(pd + PD_TXIF, 0);
      return V(PATH_DROP, R_NOBUFS);
    }
    gif_count(ctx, gif, len);
    return V(PATH_NORMAL, 0);
  }
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  if (fwd) st16(pd + PD_TXIF, otif);
  ether_output(ctx, pd, o, olen, ETHERTYPE_IP, otif, ne + NB_MAC);
  gif_count(ctx, gif, len);
  return V(PATH_NORMAL, 0);
}

function gif_route6(
  ctx: usize,
  pd: usize,
  o: usize,
  olen: u32,
  l3: usize,
  len: u32,
  v6in: u32,
  rxif: u32,
  gif: u32,
  fwd: u32,
): u32 {
  const nhp = gif_outer_nh(ctx, route6(ctx, o + 24));
  if (nhp == 0) return V(PATH_DROP, gif_route_reason);
  const otif = ld32(nhp + NH_IFINDEX);
  const gwp: usize = ld32(nhp + NH_FLAGS) & NHF_GATEWAY ? 0 : 1;
  const a0 = gwp ? ld32be(o + 24) : ld32(nhp + NH_GW);
  const a1 = gwp ? ld32be(o + 28) : ld32(nhp + NH_GW + 4);
  const a2 = gwp ? ld32be(o + 32) : ld32(nhp + NH_GW + 8);
  const a3 = gwp ? ld32be(o + 36) : ld32(nhp + NH_GW + 12);
  const mtu = outerMtu(ctx, nhp, otif);
  const ne = nb_find(<usize>ld32(ctx + CTX_NBR), a0, a1, a2, a3, otif, NBS_V6);
  if (ne == 0) return gif_unresolved(ctx, pd, 1, otif, a0, a1, a2, a3, o, olen, olen <= mtu, rxif);
  if (ld8(ne + NB_USED) == 0) st8(ne + NB_USED, 1);
  // an IPv6 outer packet is never fragmented here (we are its source, but keep no fragment header
  // code): whatever does not fit is refused back to the inner source, DF or not
  if (olen > mtu) return fwd ? gif_inner_too_big(ctx, pd, l3, len, v6in, rxif, mtu - 40) : V(PATH_DROP, R_TOO_BIG);
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  if (fwd) st16(pd + PD_TXIF, otif);
  ether_output(ctx, pd, o, olen, ETHERTYPE_IPV6, otif, ne + NB_MAC);
  gif_count(ctx, gif, len);
  return V(PATH_NORMAL, 0);
}

/**
 * RFC 2003 4 (and RFC 2473 8 for IPv6 outer headers): an ICMP error for us (`icmp`, ilen bytes of
 * the message, checksum not yet checked; v6outer: ICMPv6) whose quote is the outer header of a packet
 * one of our tunnels sent (from our end to its remote end, protocol 4 or 41: the encap table, with
 * the quote's addresses swapped) is relayed to the source of the inner packet quoted behind it, when
 * the quote holds the inner header whole: "too big" as frag-needed (inner IPv4 with DF) or packet
 * too big (inner IPv6), with the MTU less the outer header; the other unreachables and time exceeded
 * as host / address unreachable (the tunnel's far side failed, which the inner sender cannot fix).
 * A too-big also teaches the tunnel its path MTU (gif_pmtu_learn), whether or not the quote holds
 * the inner header, so later inner packets that do not fit get their too-big from gif_output.
 * The new error goes out under the error rules and limiter (icmp4_error/icmp6_error). Returns the
 * verdict (local, gif-icmp-relayed), or 0 when the message is not such an error (the caller goes on
 * to local delivery, which counts and checks it as any other).
 */
export function gif_icmp_relay(ctx: usize, pd: usize, icmp: usize, ilen: u32, v6outer: u32, l3: usize, rxif: u32): u32 {
  const tab = <usize>ld32(ctx + CTX_ENCAP);
  if (tab == 0 || ilen < 8) return 0;
  const type = ld8(icmp);
  let toobig = false;
  let mtu: u32 = 0;
  if (v6outer) {
    if (type == ICMP6_PACKET_TOO_BIG) {
      toobig = true;
      mtu = ld32be(icmp + 4);
    } else if (type != ICMP6_DST_UNREACH && type != ICMP6_TIME_EXCEEDED) return 0;
    if (~in_cksum_acc(icmp, ilen, in_pseudo6(l3 + 8, l3 + 24, 58, ilen)) & 0xffff) return 0;
  } else {
    if (type == ICMP_UNREACH) {
      toobig = ld8(icmp + 1) == ICMP_UNREACH_NEEDFRAG;
      mtu = ld16be(icmp + 6);
    } else if (type != ICMP_TIMXCEED) return 0;
    if (in_cksum(icmp, ilen) != 0) return 0;
  }
  const q = icmp + 8;
  const qlen = ilen - 8;
  let qh: u32 = 40;
  let proto: u32;
  let qs: usize;
  let qd: usize;
  if (v6outer) {
    if (qlen < 40 || ld8(q) >> 4 != 6) return 0;
    proto = ld8(q + 6);
    qs = q + 8;
    qd = q + 24;
  } else {
    if (qlen < 20 || ld8(q) >> 4 != 4) return 0;
    qh = (ld8(q) & 15) << 2;
    if (qh < 20 || qh > qlen) return 0;
    proto = ld8(q + 9);
    qs = q + 12;
    qd = q + 16;
  }
  if (proto != IPPROTO_IPV4 && proto != IPPROTO_IPV6) return 0;
  // the quote left from our end (its source) to the remote end (its destination)
  const gif = encap_lookup(tab, v6outer, qd, qs, proto);
  if (gif == 0) return 0;
  if (toobig) gif_pmtu_learn(ctx, gif, mtu, qh);
  const inner = q + qh;
  const n = qlen - qh;
  const less = mtu > qh ? mtu - qh : 0;
  if (proto == IPPROTO_IPV4) {
    if (n >= 20 && ld8(inner) >> 4 == 4 && (ld8(inner) & 15) << 2 <= n) {
      if (!toobig) icmp4_error(ctx, pd, inner, n, rxif, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
      else if (ld16be(inner + 6) & 0x4000)
        icmp4_error(ctx, pd, inner, n, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, less);
    }
  } else if (n >= 40 && ld8(inner) >> 4 == 6) {
    if (toobig) icmp6_error(ctx, pd, inner, n, rxif, ICMP6_PACKET_TOO_BIG, 0, max<u32>(less, 1280));
    else icmp6_error(ctx, pd, inner, n, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
  }
  return V(PATH_LOCAL, R_GIF_RELAY);
}
