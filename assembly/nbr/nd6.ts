// IPv6 neighbor discovery input (RFC 4861) on the data path: validates every ND message addressed
// to us, answers a neighbor solicitation for one of our addresses with a solicited advertisement in
// place, and counts. TS twin: ts/kernels/nbr/nd6.ts.
//
// NS / NA after the IPv6 header (RFC 4861 4.3, 4.4); options are (type, length in 8-byte units, ...):
//
//    0    1    2       4                 8                                24
//   +----+----+-------+-----------------+--------------------------------+----------------------+
//   |type|code| cksum | NS: reserved    | target address                 | options: SLLAO (NS), |
//   |135 | 0  |       | NA: R S O flags |                                | TLLAO (NA): 1|2, 1, MAC
//   +----+----+-------+-----------------+--------------------------------+----------------------+
//
// Validation (RFC 4861 7.1.1, 7.1.2, 6.1.1, 6.1.2, 8.1), before anything is believed: IP hop limit
// 255 (R_ND_HLIM: the message came from off-link), the ICMPv6 checksum (R_ICMP6_CKSUM), then
// R_ND_BAD for: code not 0, a message shorter than its fixed part, an option of length 0 or running
// past the message, a multicast target, an NS from the unspecified address that is not sent to a
// solicited-node address or carries a source link-layer option, an NA to a multicast address with
// S set. RS, RA and redirects are validated the same way and then ignored: a router sends no RA here
// and takes neither RAs nor redirects.
//
// The answer to an NS whose target is one of the receiving interface's addresses (its link-local
// IF_LL6, its global IF_ADDR6, or a local route on it) is built in the same cluster and leaves by the
// receiving interface: a solicited NA with R=1, S=1, O=1 and the target link-layer option, from our
// link-local address (the target itself when the interface has none), hop limit 255, to the
// solicitation's source and to the MAC of its source link-layer option (else the frame's Ethernet
// source). A DAD probe (source ::) gets S=0, to all-nodes (ff02::1, 33:33:00:00:00:01).
//
// Nothing here writes the neighbor table: learning (RFC 4861 7.2.3, 7.2.5) is the control plane's
// (ts/stack/lltable.ts), fed by events (nev.ts): NEVK_NS for an NS for us with a source link-layer
// option (not DAD), NEVK_NA for every valid NA (its flags and target link-layer option).
//
// Reads: the packet, ifnet[rxif], the IPv6 routing table (local routes).
// Writes: the cluster (the NA), one tx entry; counters C_ND_NS_IN, C_ND_NA_IN, C_ND_NA_OUT. Returns a
//         pipeline verdict: PATH_LOCAL/R_ND for a valid message, PATH_DROP with one of the reasons
//         above or R_NOBUFS (no tx slot for the answer).

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
} from '../layout';
import { ld8, ld16, ld32, ld32be, st8, st16, st32, st16be, st32be, cnt_add } from '../util/mem';
import { in_cksum_acc, in_pseudo6 } from '../wire/cksum';
import { route6 } from '../fib/route';
import { nev_post_learn } from './nev';
import { nb_find } from './nbr';
import { ether_output, tx_room, ETHERTYPE_IPV6 } from '../forward/output';

export const ND_ROUTER_SOLICIT: u32 = 133;
export const ND_ROUTER_ADVERT: u32 = 134;
export const ND_NEIGHBOR_SOLICIT: u32 = 135;
export const ND_NEIGHBOR_ADVERT: u32 = 136;
export const ND_REDIRECT: u32 = 137;
export const ND_OPT_SOURCE_LINKADDR: u32 = 1;
export const ND_OPT_TARGET_LINKADDR: u32 = 2;
export const ND_NA_FLAG_ROUTER: u32 = 0x80000000;
export const ND_NA_FLAG_SOLICITED: u32 = 0x40000000;
export const ND_NA_FLAG_OVERRIDE: u32 = 0x20000000;
const NA_LEN: u32 = 32; // NA with one target link-layer option

@inline function V(path: u32, reason: u32): u32 {
  return (path << 8) | reason;
}

/** Whether the IPv6 packet at l3 (total bytes, header validated) is ICMPv6 ND: types 133..137. */
@inline export function nd6_is_nd(l3: usize, total: u32): bool {
  return ld8(l3 + 6) == 58 && total > 40 && ld8(l3 + 40) - ND_ROUTER_SOLICIT <= ND_REDIRECT - ND_ROUTER_SOLICIT;
}

@inline function eq16(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a + 8) == load<u64>(b + 8);
}

/**
 * Whether the IPv6 address at `a` (wire order) is one of interface `ifindex`'s: its link-local or
 * global primary address, or an address whose local route leaves by it. Caller is inside a
 * pserialize read section.
 */
export function in6_is_ours(ctx: usize, a: usize, ifindex: u32): bool {
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>ifindex * IF_SIZE;
  const fl = ld32(ifp + IF_FLAGS);
  if ((fl & IFF_HAS_LL6) != 0 && eq16(a, ifp + IF_LL6)) return true;
  if ((fl & IFF_HAS_ADDR6) != 0 && eq16(a, ifp + IF_ADDR6)) return true;
  const nh = route6(ctx, a);
  if (nh == 0) return false;
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  return (ld32(nhp + NH_FLAGS) & NHF_LOCAL) != 0 && ld32(nhp + NH_IFINDEX) == ifindex;
}

/** Whether an NS from `src` with link-layer address `mac` has something to teach the cache: no entry, or another MAC. */
function nd6_learn(ctx: usize, src: usize, ifindex: u32, mac: usize): bool {
  const e = nb_find(
    <usize>ld32(ctx + CTX_NBR),
    ld32be(src),
    ld32be(src + 4),
    ld32be(src + 8),
    ld32be(src + 12),
    ifindex,
    NBS_V6,
  );
  return e == 0 || load<u32>(e + NB_MAC) != load<u32>(mac) || ld16(e + NB_MAC + 4) != ld16(mac + 4);
}

/**
 * An ND message (nd6_is_nd) in the IPv6 packet at l3, total bytes, received on rxif after VLAN demux.
 * Caller guarantees the received Ethernet header (18 bytes when rxif is a vlan, else 14) is right
 * before l3, and that the cluster has 88 bytes from l3 (the answer is built there).
 */
export function nd6_input(ctx: usize, pd: usize, l3: usize, total: u32, rxif: u32): u32 {
  const plen = total - 40;
  const icmp = l3 + 40;
  const type = ld8(icmp);
  if (ld8(l3 + 7) != 255) return V(PATH_DROP, R_ND_HLIM);
  if (in_cksum_acc(icmp, plen, in_pseudo6(l3 + 8, l3 + 24, 58, plen)) != 0xffff) return V(PATH_DROP, R_ICMP6_CKSUM);
  if (ld8(icmp + 1) != 0) return V(PATH_DROP, R_ND_BAD);
  const fixed: u32 = type == ND_ROUTER_SOLICIT ? 8 : type == ND_ROUTER_ADVERT ? 16 : type == ND_REDIRECT ? 40 : 24;
  if (plen < fixed) return V(PATH_DROP, R_ND_BAD);
  let sll: usize = 0;
  let tll: usize = 0;
  let o = fixed;
  while (o < plen) {
    if (o + 2 > plen) return V(PATH_DROP, R_ND_BAD);
    const ol = ld8(icmp + o + 1) << 3;
    if (ol == 0 || o + ol > plen) return V(PATH_DROP, R_ND_BAD);
    const ot = ld8(icmp + o);
    if (ot == ND_OPT_SOURCE_LINKADDR && sll == 0) sll = icmp + o + 2;
    if (ot == ND_OPT_TARGET_LINKADDR && tll == 0) tll = icmp + o + 2;
    o += ol;
  }
  if (type != ND_NEIGHBOR_SOLICIT && type != ND_NEIGHBOR_ADVERT) return V(PATH_LOCAL, R_ND);
  if (ld8(icmp + 8) == 0xff) return V(PATH_DROP, R_ND_BAD); // multicast target
  const cnt = <usize>ld32(ctx + CTX_CNT);
  if (type == ND_NEIGHBOR_ADVERT) {
    if (ld8(l3 + 24) == 0xff && (ld32be(icmp + 4) & ND_NA_FLAG_SOLICITED) != 0) return V(PATH_DROP, R_ND_BAD);
    cnt_add(cnt, C_ND_NA_IN, 1);
    const f = ld32be(icmp + 4);
    const flags =
      (f & ND_NA_FLAG_ROUTER ? NEVF_ROUTER : 0) |
      (f & ND_NA_FLAG_SOLICITED ? NEVF_SOLICITED : 0) |
      (f & ND_NA_FLAG_OVERRIDE ? NEVF_OVERRIDE : 0);
    nev_post_learn(ctx, pd, NEVK_NA, flags, rxif, icmp + 8, 16, tll);
    return V(PATH_LOCAL, R_ND);
  }
  // neighbor solicitation
  const dad = ld32(l3 + 8) == 0 && ld32(l3 + 12) == 0 && ld32(l3 + 16) == 0 && ld32(l3 + 20) == 0;
  if (dad) {
    // RFC 4861 7.1.1: to the solicited-node address ff02::1:ffXX:XXXX, and no source link-layer option
    const solicitedNode =
      ld32be(l3 + 24) == 0xff020000 && ld32(l3 + 28) == 0 && ld32be(l3 + 32) == 1 && ld8(l3 + 36) == 0xff;
    if (!solicitedNode || sll != 0) return V(PATH_DROP, R_ND_BAD);
  }
  cnt_add(cnt, C_ND_NS_IN, 1);
  if (!in6_is_ours(ctx, icmp + 8, rxif)) return V(PATH_LOCAL, R_ND);
  // RFC 4861 7.2.3: the solicitation's source, with its link-layer address, goes to the cache
  if (sll != 0 && nd6_learn(ctx, l3 + 8, rxif, sll)) nev_post_learn(ctx, pd, NEVK_NS, 0, rxif, l3 + 8, 16, sll);
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE;
  const fl = ld32(ifp + IF_FLAGS);
  // the answer's destination MAC, parked past the NA (read before the NA overwrites the options)
  const dmac = l3 + 80;
  if (dad) {
    st32be(dmac, 0x33330000);
    st16be(dmac + 4, 0x0001);
  } else {
    const from = sll != 0 ? sll : l3 - ((fl & IFF_VLAN) != 0 ? 12 : 8); // SLLAO, else the Ethernet source
    store<u32>(dmac, load<u32>(from));
    st16(dmac + 4, ld16(from + 4));
  }
  // IPv6 header: to the solicitation's source (all-nodes for DAD), from our link-local, hop limit 255
  st32be(l3, 0x60000000);
  st32be(l3 + 4, (NA_LEN << 16) | (58 << 8) | 255);
  if (dad) {
    st32be(l3 + 24, 0xff020000);
    st32(l3 + 28, 0);
    st32(l3 + 32, 0);
    st32be(l3 + 36, 1);
  } else {
    memory.copy(l3 + 24, l3 + 8, 16);
  }
  memory.copy(l3 + 8, (fl & IFF_HAS_LL6) != 0 ? ifp + IF_LL6 : icmp + 8, 16);
  // NA: the target stays where the NS had it (icmp + 8)
  st32be(icmp, ND_NEIGHBOR_ADVERT << 24);
  st32be(
    icmp + 4,
    dad ? ND_NA_FLAG_ROUTER | ND_NA_FLAG_OVERRIDE : ND_NA_FLAG_ROUTER | ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE,
  );
  st8(icmp + 24, ND_OPT_TARGET_LINKADDR);
  st8(icmp + 25, 1);
  store<u32>(icmp + 26, load<u32>(ifp + IF_MAC));
  st16(icmp + 30, ld16(ifp + IF_MAC + 4));
  st16be(icmp + 2, ~in_cksum_acc(icmp, NA_LEN, in_pseudo6(l3 + 8, l3 + 24, 58, NA_LEN)) & 0xffff);
  ether_output(ctx, pd, l3, 40 + NA_LEN, ETHERTYPE_IPV6, rxif, dmac);
  cnt_add(cnt, C_ND_NA_OUT, 1);
  return V(PATH_LOCAL, R_ND);
}
