// ICMP and ICMPv6 errors sent by the forwarding path (time exceeded, destination unreachable,
// fragmentation needed / packet too big, IPv6 parameter problem). TS twin: ts/kernels/forward/icmp.ts.
//
// Rules (RFC 1812 4.3.2.7, RFC 4443 2.4): no error about an ICMP error, about a non-initial
// fragment, or about a packet whose source does not name one host (the callers have already
// dropped martian sources and link-layer or IP broadcast/multicast destinations before any error
// can be raised, except a Parameter Problem about a hop-by-hop option, which RFC 4443 2.4(e.2, e.3)
// lets go to multicast and ip6_hopopts_input decides). Errors are rate-limited per CPU and family by a token bucket (NetBSD's
// icmperrppslim). The error goes out the interface the route back to the source uses, from that
// interface's address, and quotes as much of the original as fits in 576 bytes (IPv4, RFC 1812
// 4.3.2.3) or 1280 bytes (IPv6, RFC 4443 2.4(c)).
//
// Reads: the original packet (unchanged), routing and neighbor tables, ifnet.
// Writes: a cluster from the free stack, one tx entry; counters C_ICMP_OUT, C_ICMP_RATELIM,
//         C_ICMP_SUPPRESSED, and C_REASON_BASE+R_NOBUFS when no cluster is free.

import {
  CTX_OPTS,
  CTX_NEV,
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
} from '../layout';
import { ld8, ld16be, ld32, ld32be, st32, st16be, st32be, cnt_add } from '../util/mem';
import { in_cksum, in_cksum_hdr20, in_cksum_acc, in_pseudo6 } from '../wire/cksum';
import { route4, route6 } from '../fib/route';
import { nb_find } from '../nbr/nbr';
import { nev_post_miss } from '../nbr/nev';
import { buf_alloc, buf_free, tx_room, ether_output, ETHERTYPE_IP, ETHERTYPE_IPV6 } from './output';
import { gif_is_tunnel, gif_output } from './gif';

export const ICMP_UNREACH: u32 = 3;
export const ICMP_UNREACH_NET: u32 = 0;
export const ICMP_UNREACH_HOST: u32 = 1;
export const ICMP_UNREACH_NEEDFRAG: u32 = 4;
export const ICMP_UNREACH_SRCFAIL: u32 = 5; // source route failed
export const ICMP_UNREACH_FILTER_PROHIB: u32 = 13;
export const ICMP_REDIRECT: u32 = 5;
export const ICMP_REDIRECT_HOST: u32 = 1;
export const ICMP_TIMXCEED: u32 = 11;
export const ICMP_PARAMPROB: u32 = 12; // code 0: the pointer (first byte of the word) names the bad octet
export const ICMP6_DST_UNREACH: u32 = 1;
export const ICMP6_PACKET_TOO_BIG: u32 = 2;
export const ICMP6_TIME_EXCEEDED: u32 = 3;
export const ICMP6_DST_UNREACH_NOROUTE: u32 = 0;
export const ICMP6_DST_UNREACH_ADMIN: u32 = 1;
export const ICMP6_DST_UNREACH_BEYONDSCOPE: u32 = 2; // RFC 4443 3.1: the destination is beyond the source's scope
export const ICMP6_DST_UNREACH_ADDR: u32 = 3;
export const ICMP6_PARAM_PROB: u32 = 4;
export const ICMP6_PARAMPROB_HEADER: u32 = 0; // erroneous header field
export const ICMP6_PARAMPROB_OPTION: u32 = 2; // unrecognized IPv6 option
export const ND_REDIRECT: u32 = 137; // RFC 4861 4.5

const ICMP_QUOTE_MAX4: u32 = 576 - 28;
const ICMP_QUOTE_MAX6: u32 = 1280 - 48;
// a Redirect: IPv6 header 40, ICMPv6 header 8, target and destination 32, target link-layer address
// option 8, redirected header option's own 8 bytes; the rest of 1280 for the packet
const REDIRECT_QUOTE_MAX6: u32 = 1280 - 96;

/** Token bucket: tokens are thousandths of an error; pps of them accrue per ms, up to burst. */
function icmp_ratelimit(ctx: usize, tokOff: usize, lastOff: usize): bool {
  const pps = ld32(ctx + CTX_ICMP_PPS);
  if (pps == 0) return true;
  const now = ld32(ctx + CTX_NOW);
  const cap = <u64>ld32(ctx + CTX_ICMP_BURST) * 1000;
  let tok = <u64>ld32(ctx + tokOff) + <u64>(now - ld32(ctx + lastOff)) * <u64>pps;
  if (tok > cap) tok = cap;
  st32(ctx + lastOff, now);
  if (tok < 1000) {
    st32(ctx + tokOff, <u32>tok);
    return false;
  }
  st32(ctx + tokOff, <u32>(tok - 1000));
  return true;
}

@inline function isIcmp4Error(t: u32): bool {
  return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

/** Route back to `nh`: the usable unicast nexthop, or 0. */
@inline function usableNh(ctx: usize, nh: u32): usize {
  if (nh == 0) return 0;
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  if (ld32(nhp + NH_FLAGS) & (NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return 0;
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>ld32(nhp + NH_IFINDEX) * IF_SIZE;
  if ((ld32(ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS)) != (IFF_UP | IFF_EXISTS)) return 0;
  return nhp;
}

/**
 * The cluster an error is built in: 0 (and the reason counted) when it cannot be sent — no route
 * or neighbor back to the source or no source address (`canSend` false), no tx slot, no cluster.
 * Returns where the error's IP header goes (room for an 802.1Q Ethernet header before it).
 */
function icmp_cluster(ctx: usize, cnt: usize, canSend: bool): usize {
  if (!canSend || tx_room(ctx) == 0) {
    cnt_add(cnt, C_ICMP_SUPPRESSED, 1);
    return 0;
  }
  const c = buf_alloc(ctx);
  if (c == 0) {
    cnt_add(cnt, C_REASON_BASE + R_NOBUFS, 1);
    return 0;
  }
  return c + BUF_HEADROOM + 18;
}

/**
 * Sends an ICMP error about the IPv4 packet at l3 (its header already validated; iplen its total
 * length), received on rxif. `param` is the 32-bit word after the checksum: the next-hop MTU of
 * "fragmentation needed" (its low 16 bits), the pointer of "parameter problem" (ptr << 24), the
 * gateway of a redirect (host order); 0 for the others.
 */
export function icmp4_error(
  ctx: usize,
  pd: usize,
  l3: usize,
  iplen: u32,
  rxif: u32,
  type: u32,
  code: u32,
  param: u32,
): void {
  if ((ld32(ctx + CTX_OPTS) & OPT_ICMP) == 0) return;
  const cnt = <usize>ld32(ctx + CTX_CNT);
  const hlen = (ld8(l3) & 15) << 2;
  if ((ld16be(l3 + 6) & 0x1fff) != 0 || (ld8(l3 + 9) == 1 && iplen > hlen && isIcmp4Error(ld8(l3 + hlen)))) {
    cnt_add(cnt, C_ICMP_SUPPRESSED, 1);
    return;
  }
  if (!icmp_ratelimit(ctx, CTX_ICMP_TOKENS, CTX_ICMP_LAST)) {
    cnt_add(cnt, C_ICMP_RATELIM, 1);
    return;
  }
  const src = ld32be(l3 + 12);
  const nhp = usableNh(ctx, route4(ctx, src));
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  const oif = nhp != 0 ? ld32(nhp + NH_IFINDEX) : 0;
  let me = oif != 0 ? ld32(ifnet + <usize>oif * IF_SIZE + IF_ADDR4) : 0;
  if (me == 0) me = ld32(ifnet + <usize>rxif * IF_SIZE + IF_ADDR4);
  const gw = nhp != 0 && ld32(nhp + NH_FLAGS) & NHF_GATEWAY ? ld32(nhp + NH_GW) : src;
  // back into a tunnel (gif.ts): encapsulated as ours, no neighbor on the gif itself
  const tun = oif != 0 && gif_is_tunnel(ctx, oif);
  const ne = oif != 0 && !tun ? nb_find(<usize>ld32(ctx + CTX_NBR), gw, 0, 0, 0, oif, 0) : 0;
  // no neighbor entry for the way back: the error waits for its resolution like a forwarded packet
  const held = ne == 0 && oif != 0 && !tun && ld32(ctx + CTX_NEV) != 0;
  const o = icmp_cluster(ctx, cnt, (ne != 0 || held || tun) && me != 0);
  if (o == 0) return;
  const quote = min(iplen, ICMP_QUOTE_MAX4);
  const ipid = ld32(ctx + CTX_IPID);
  st32(ctx + CTX_IPID, (ipid + 1) & 0xffff);
  st32be(o, 0x45c00000 | (28 + quote)); // version 4, IHL 5, precedence internetwork control (RFC 1812 4.3.2.5)
  st32be(o + 4, ipid << 16);
  st32be(o + 8, held ? 0x41010000 : 0x40010000); // TTL 64 (65 when held: the hold path decrements it), ICMP
  st32be(o + 12, me);
  st32be(o + 16, src);
  st16be(o + 10, in_cksum_hdr20(o));
  st32be(o + 20, (type << 24) | (code << 16));
  st32be(o + 24, type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG ? param & 0xffff : param); // RFC 1191
  memory.copy(o + 28, l3, quote);
  st16be(o + 22, in_cksum(o + 20, 8 + quote));
  if (held) {
    icmp_hold(ctx, pd, cnt, 0, oif, gw, 0, 0, 0, o, 28 + quote, rxif);
    return;
  }
  if (tun) {
    icmp_tunnel(ctx, pd, cnt, 0, oif, o, 28 + quote, rxif);
    return;
  }
  ether_output(ctx, pd, o, 28 + quote, ETHERTYPE_IP, oif, ne + NB_MAC);
  cnt_add(cnt, C_ICMP_OUT, 1);
}

/**
 * Hands an error whose way back has no neighbor entry to the neighbor cache (nev.ts: a MISS with
 * the packet, which the cache holds, resolves and releases), then gives its cluster back. Counted as
 * sent when the ring took it (the cache counts what it later drops), suppressed when the ring was full.
 */
function icmp_hold(
  ctx: usize,
  pd: usize,
  cnt: usize,
  v6: u32,
  oif: u32,
  a0: u32,
  a1: u32,
  a2: u32,
  a3: u32,
  o: usize,
  len: u32,
  rxif: u32,
): void {
  if (nev_post_miss(ctx, pd, v6, oif, a0, a1, a2, a3, o, len, rxif)) cnt_add(cnt, C_ICMP_OUT, 1);
  else cnt_add(cnt, C_ICMP_SUPPRESSED, 1);
  buf_free(ctx, o - BUF_HEADROOM - 18);
}

/**
 * The way back to the source is a tunnel: the error (built in cluster `o`, len bytes; v6: ICMPv6)
 * is encapsulated as a packet of ours (gif_output, fwd 0) and leaves in its own cluster, which goes
 * back to the free stack when it did not leave (no outer route, too big) or left as a held copy.
 */
function icmp_tunnel(ctx: usize, pd: usize, cnt: usize, v6: u32, gif: u32, o: usize, len: u32, rxif: u32): void {
  const v = gif_output(ctx, pd, o, len, v6, rxif, gif, 0, 0);
  const path = v >> 8;
  cnt_add(cnt, path == PATH_NORMAL || path == PATH_LOCAL ? C_ICMP_OUT : C_ICMP_SUPPRESSED, 1);
  if (path != PATH_NORMAL) buf_free(ctx, o - BUF_HEADROOM - 18);
}

/**
 * Sends an ICMPv6 error about the IPv6 packet at l3 (total bytes, header validated), received on
 * rxif. `param` fills the 32-bit field after the checksum (the MTU of "packet too big", the pointer of
 * "parameter problem").
 */
export function icmp6_error(
  ctx: usize,
  pd: usize,
  l3: usize,
  total: u32,
  rxif: u32,
  type: u32,
  code: u32,
  param: u32,
): void {
  if ((ld32(ctx + CTX_OPTS) & OPT_ICMP) == 0) return;
  const cnt = <usize>ld32(ctx + CTX_CNT);
  // an ICMPv6 error message (type < 128) gets no error back: its header follows the fixed header or,
  // when there is one, the hop-by-hop options header (not trusted here: a bad length only misses)
  let nxt = ld8(l3 + 6);
  let ulp: u32 = 40;
  if (nxt == 0 && total >= 48) {
    nxt = ld8(l3 + 40);
    ulp = 40 + ((ld8(l3 + 41) + 1) << 3);
  }
  if (nxt == 58 && total > ulp && ld8(l3 + ulp) < 128) {
    cnt_add(cnt, C_ICMP_SUPPRESSED, 1);
    return;
  }
  if (!icmp_ratelimit(ctx, CTX_ICMP6_TOKENS, CTX_ICMP6_LAST)) {
    cnt_add(cnt, C_ICMP_RATELIM, 1);
    return;
  }
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  // A link-local source lives on the link the packet came from (RFC 4291 2.5.6): the error goes back
  // out rxif, to the neighbor itself, from rxif's link-local address (its global one without).
  const llsrc = (ld32be(l3 + 8) & 0xffc00000) == 0xfe800000;
  const nhp: usize = llsrc ? 0 : usableNh(ctx, route6(ctx, l3 + 8));
  const oif = llsrc ? rxif : nhp != 0 ? ld32(nhp + NH_IFINDEX) : 0;
  let meIf = oif;
  if (meIf != 0 && (ld32(ifnet + <usize>meIf * IF_SIZE + IF_FLAGS) & IFF_HAS_ADDR6) == 0) meIf = rxif;
  let meOff: usize = IF_ADDR6;
  if (llsrc && (ld32(ifnet + <usize>rxif * IF_SIZE + IF_FLAGS) & IFF_HAS_LL6) != 0) meOff = IF_LL6;
  const haveMe =
    meIf != 0 &&
    (ld32(ifnet + <usize>meIf * IF_SIZE + IF_FLAGS) & (meOff == IF_LL6 ? IFF_HAS_LL6 : IFF_HAS_ADDR6)) != 0;
  // the next hop back: the route's gateway, else the source itself (on link, or link-local on rxif)
  const gw6 = nhp != 0 && (ld32(nhp + NH_FLAGS) & NHF_GATEWAY) != 0;
  const h0 = gw6 ? ld32(nhp + NH_GW) : ld32be(l3 + 8);
  const h1 = gw6 ? ld32(nhp + NH_GW + 4) : ld32be(l3 + 12);
  const h2 = gw6 ? ld32(nhp + NH_GW + 8) : ld32be(l3 + 16);
  const h3 = gw6 ? ld32(nhp + NH_GW + 12) : ld32be(l3 + 20);
  const tun = oif != 0 && gif_is_tunnel(ctx, oif);
  const ne: usize = oif != 0 && !tun ? nb_find(<usize>ld32(ctx + CTX_NBR), h0, h1, h2, h3, oif, NBS_V6) : 0;
  const held = ne == 0 && oif != 0 && !tun && ld32(ctx + CTX_NEV) != 0;
  const o = icmp_cluster(ctx, cnt, (ne != 0 || held || tun) && haveMe);
  if (o == 0) return;
  const quote = min(total, ICMP_QUOTE_MAX6);
  st32be(o, 0x60000000);
  // payload length, next header ICMPv6, hop limit 64 (65 when held: the hold path decrements it)
  st32be(o + 4, ((8 + quote) << 16) | (58 << 8) | (held ? 65 : 64));
  memory.copy(o + 8, ifnet + <usize>meIf * IF_SIZE + meOff, 16);
  memory.copy(o + 24, l3 + 8, 16);
  st32be(o + 40, (type << 24) | (code << 16));
  st32be(o + 44, param);
  memory.copy(o + 48, l3, quote);
  st16be(o + 42, ~in_cksum_acc(o + 40, 8 + quote, in_pseudo6(o + 8, o + 24, 58, 8 + quote)) & 0xffff);
  if (held) {
    icmp_hold(ctx, pd, cnt, 1, oif, h0, h1, h2, h3, o, 40 + 8 + quote, rxif);
    return;
  }
  if (tun) {
    icmp_tunnel(ctx, pd, cnt, 1, oif, o, 40 + 8 + quote, rxif);
    return;
  }
  ether_output(ctx, pd, o, 40 + 8 + quote, ETHERTYPE_IPV6, oif, ne + NB_MAC);
  cnt_add(cnt, C_ICMP_OUT, 1);
}

/**
 * Sends an ICMPv6 Redirect (RFC 4861 4.5) about the IPv6 packet at l3 (total bytes, received on
 * rxif, validated) to its source, a neighbor on rxif: target (t0..t3, host-order words) the better
 * first hop, whose MAC is at `tmac`; destination the packet's. From rxif's link-local address (RFC
 * 4861 4.5 requires it), hop limit 255, with a Target Link-Layer Address option and a Redirected
 * Header option holding as much of the packet as keeps the message within 1280 bytes, zero-padded to
 * 8-byte units. Under the ICMPv6 error limiter; counted in C_ICMP_OUT. Not sent (C_ICMP_SUPPRESSED)
 * without a link-local address or a neighbor entry for the source (it is not held for resolution).
 */
export function icmp6_redirect(
  ctx: usize,
  pd: usize,
  l3: usize,
  total: u32,
  rxif: u32,
  t0: u32,
  t1: u32,
  t2: u32,
  t3: u32,
  tmac: usize,
): void {
  if ((ld32(ctx + CTX_OPTS) & OPT_ICMP) == 0) return;
  const cnt = <usize>ld32(ctx + CTX_CNT);
  if (!icmp_ratelimit(ctx, CTX_ICMP6_TOKENS, CTX_ICMP6_LAST)) {
    cnt_add(cnt, C_ICMP_RATELIM, 1);
    return;
  }
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE;
  const ne = nb_find(
    <usize>ld32(ctx + CTX_NBR),
    ld32be(l3 + 8),
    ld32be(l3 + 12),
    ld32be(l3 + 16),
    ld32be(l3 + 20),
    rxif,
    NBS_V6,
  );
  const o = icmp_cluster(ctx, cnt, ne != 0 && (ld32(ifp + IF_FLAGS) & IFF_HAS_LL6) != 0);
  if (o == 0) return;
  const quote = min(total, REDIRECT_QUOTE_MAX6);
  const rh = (quote + 7) & ~7;
  const plen: u32 = 56 + rh;
  st32be(o, 0x60000000);
  st32be(o + 4, (plen << 16) | (58 << 8) | 255);
  memory.copy(o + 8, ifp + IF_LL6, 16);
  memory.copy(o + 24, l3 + 8, 16);
  st32be(o + 40, ND_REDIRECT << 24);
  st32be(o + 44, 0);
  st32be(o + 48, t0);
  st32be(o + 52, t1);
  st32be(o + 56, t2);
  st32be(o + 60, t3);
  memory.copy(o + 64, l3 + 24, 16);
  st16be(o + 80, 0x0201); // Target Link-Layer Address, 1 unit
  memory.copy(o + 82, tmac, 6);
  st32be(o + 88, (4 << 24) | (((rh + 8) >> 3) << 16)); // Redirected Header, its length; reserved
  st32be(o + 92, 0);
  memory.copy(o + 96, l3, quote);
  if (rh > quote) memory.fill(o + 96 + quote, 0, rh - quote);
  st16be(o + 42, ~in_cksum_acc(o + 40, plen, in_pseudo6(o + 8, o + 24, 58, plen)) & 0xffff);
  ether_output(ctx, pd, o, 40 + plen, ETHERTYPE_IPV6, rxif, ne + NB_MAC);
  cnt_add(cnt, C_ICMP_OUT, 1);
}
