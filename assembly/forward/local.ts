// Local delivery: what the router does with an IP datagram for one of its own addresses, for a
// broadcast or for a multicast group. TS twin: ts/kernels/forward/local.ts.
//
// mpstack has no sockets, so every port is closed and the router answers as NetBSD and Linux answer
// for a closed port, from the data path, without copying the frame:
//
//   ip4_local / ip6_local ─┬─ ICMP echo request (8) / ICMPv6 echo request (128)
//                          │     ─► echo reply built in place ─► out the receiving interface   echo-reply
//                          ├─ UDP ─► ICMP port unreachable / ICMPv6 port unreachable (icmp.ts)  port-unreachable
//                          ├─ TCP ─► RST built in place (RFC 9293 3.10.7.1) ─► out rx if       tcp-reset
//                          └─ anything else (other protocols and ICMP types, NDP, a RST)      local
//   ip4_local_group / ip6_local_group: a broadcast or multicast datagram: an echo request to it is
//   counted (echo-broadcast) and not answered; the rest keeps its reason (broadcast, multicast).
//
// Replies go back out the interface the request came in on (a vlan keeps its tag: ether_output
// pushes it), to the frame's source MAC, with no route or neighbor lookup: the sender just proved
// it is reachable through that MAC, and Linux and NetBSD answer the same way for on-link senders.
// They reuse the request's cluster (the tx entry points into it, as a forwarded frame's does); the
// sender's MAC is first copied to the context's scratch, since the rewrite moves the frame's start.
//
// Checks before any answer (a malformed datagram is dropped with its reason, never answered):
// IPv4 options well formed (ip-options), the upper-layer header whole (too-short) and its checksum
// right (l4-checksum; UDP over IPv4 may carry none). Fragments are not reassembled (local-fragment).
// NDP (ICMPv6 133-137) is left to the neighbor code: it keeps the reason `local` it has always had,
// unchecked here.
//
// Echo to a broadcast or multicast address, or carried in a link-layer broadcast or multicast
// frame, is not answered (RFC 1122 3.2.2.6 allows either; NetBSD's icmpbmcastecho is 0 by default):
// the replies would all arrive at once from every router on the link, and a smurf attack needs them.
// Nor does a UDP or TCP datagram in a link-layer group frame get an error or a RST (RFC 1122
// 3.2.2, NetBSD's tcp_input).
//
// Echo replies are rate-limited per CPU and family by a token bucket of their own (CTX_ECHO_*,
// config icmp.echo_ratelimit / echo_burst), apart from the errors' (icmp.ts): a ping flood then
// never starves the errors traceroute and path MTU discovery need, nor they the replies. NetBSD
// and Linux answer every echo; a router under a flood is better off with a cap, and a reply costs
// no more than forwarding the request would, so the default cap is generous (Linux's global
// icmp_msgs_per_sec, 1000/s, burst 50). TCP RSTs are not limited (Linux does not; NetBSD's
// tcp_rst_ppslim does): one segment in, one RST out, no amplification.
//
// Reads:  the datagram (validated IP header), ifnet[rxif], CTX_NOW, the echo buckets.
// Writes: the request's frame (echo reply, RST), CTX_SCRATCH (6 bytes), CTX_IPID, CTX_ECHO_*,
//         one tx entry (ether_output), PD_NTX; port unreachable through icmp4_error/icmp6_error.
// Returns V(path, reason) for fwd_batch to count: PATH_LOCAL with echo-reply, echo-broadcast,
// echo-rate-limited, port-unreachable, tcp-reset, local-fragment, local, broadcast, multicast;
// PATH_DROP with too-short, l4-checksum, ip-options, scope, no-buffers.

import {
  CTX_IPID,
  CTX_NOW,
  CTX_IFNET,
  CTX_SCRATCH,
  CTX_ECHO_PPS,
  CTX_ECHO_BURST,
  CTX_ECHO_TOKENS,
  CTX_ECHO_LAST,
  CTX_ECHO6_TOKENS,
  CTX_ECHO6_LAST,
  PD_BUF,
  PATH_DROP,
  PATH_LOCAL,
  IF_SIZE,
  IF_FLAGS,
  IF_LL6,
  IFF_HAS_LL6,
  R_TOO_SHORT,
  R_NOBUFS,
  R_SCOPE,
  R_LOCAL,
  R_MULTICAST,
  R_ECHO_REPLY,
  R_ECHO_BCAST,
  R_ECHO_RATELIM,
  R_PORT_UNREACH,
  R_TCP_RESET,
  R_L4_CKSUM,
  R_IP_OPTIONS,
  R_LOCAL_FRAG,
} from '../layout';
import { ld8, ld16, ld16be, ld32, ld32be, st8, st16, st32, st16be, st32be } from '../util/mem';
import { in_cksum, in_cksum_acc, in_cksum_hdr20, in_pseudo4, in_pseudo6 } from '../wire/cksum';
import { ether_output, tx_room, ETHERTYPE_IP, ETHERTYPE_IPV6 } from './output';
import { icmp4_error, icmp6_error, ICMP_UNREACH, ICMP6_DST_UNREACH } from './icmp';
import { gif_is_tunnel, gif_output } from './gif';

const IPPROTO_ICMP: u32 = 1;
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;
const IPPROTO_ICMPV6: u32 = 58;
const ICMP_ECHOREPLY: u32 = 0;
const ICMP_ECHO: u32 = 8;
const ICMP_UNREACH_PORT: u32 = 3;
const ICMP6_ECHO_REQUEST: u32 = 128;
const ICMP6_ECHO_REPLY: u32 = 129;
const ICMP6_DST_UNREACH_NOPORT: u32 = 4;
const ND_FIRST: u32 = 133; // router solicitation .. redirect: the neighbor code's
const ND_LAST: u32 = 137;
const TH_FIN: u32 = 0x01;
const TH_SYN: u32 = 0x02;
const TH_RST: u32 = 0x04;
const TH_ACK: u32 = 0x10;
const REPLY_TTL: u32 = 64; // a fresh TTL / hop limit, as for the errors

@inline function V(path: u32, reason: u32): u32 {
  return (path << 8) | reason;
}

/**
 * Sends a reply built in place at l3 (len bytes) back the way the request came: out rxif to `mac`,
 * or, when the request came out of a tunnel, encapsulated into that tunnel as a packet of ours
 * (gif.ts; a reply that cannot leave is lost, as a frame the wire drops).
 */
function reply_output(ctx: usize, pd: usize, l3: usize, len: u32, etype: u32, rxif: u32, mac: usize): void {
  if (gif_is_tunnel(ctx, rxif)) gif_output(ctx, pd, l3, len, etype == ETHERTYPE_IPV6 ? 1 : 0, rxif, rxif, 0, 0);
  else ether_output(ctx, pd, l3, len, etype, rxif, mac);
}

/** Token bucket as icmp.ts's, over the echo fields: tokens are thousandths of a reply. */
function echo_ratelimit(ctx: usize, tokOff: usize, lastOff: usize): bool {
  const pps = ld32(ctx + CTX_ECHO_PPS);
  if (pps == 0) return true;
  const now = ld32(ctx + CTX_NOW);
  const cap = <u64>ld32(ctx + CTX_ECHO_BURST) * 1000;
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

/** Whether the IPv4 options [l3+20, l3+hlen) are well formed: every option but EOL and NOP has a length >= 2 that fits. */
function ip4_options_ok(l3: usize, hlen: u32): bool {
  let i: u32 = 20;
  while (i < hlen) {
    const t = ld8(l3 + i);
    if (t == 0) break; // end of option list
    if (t == 1) {
      i++;
      continue;
    }
    if (i + 1 >= hlen) return false;
    const ol = ld8(l3 + i + 1);
    if (ol < 2 || i + ol > hlen) return false;
    i += ol;
  }
  return true;
}

/** Keeps the sender's MAC (the frame's source) where the in-place rewrite cannot reach it; returns its address. */
@inline function save_src_mac(ctx: usize, pd: usize): usize {
  const mac = ctx + CTX_SCRATCH;
  const src = <usize>ld32(pd + PD_BUF) + 6;
  st32(mac, ld32(src));
  st16(mac + 4, ld16(src + 4));
  return mac;
}

@inline function next_ipid(ctx: usize): u32 {
  const id = ld32(ctx + CTX_IPID);
  st32(ctx + CTX_IPID, (id + 1) & 0xffff);
  return id;
}

/**
 * Writes a 20-byte IPv4 header at l3 for a reply of `len` bytes in all, protocol `proto`, from `me`
 * to `peer` (host-order words), the request's TOS kept (as Linux's icmp_reply and RSTs keep it) but
 * not its ECN bits, which belonged to the request's path.
 */
@inline function ip4_reply_header(ctx: usize, l3: usize, tos: u32, len: u32, proto: u32, me: u32, peer: u32): void {
  st32be(l3, 0x45000000 | ((tos & 0xfc) << 16) | len);
  st32be(l3 + 4, next_ipid(ctx) << 16);
  st32be(l3 + 8, (REPLY_TTL << 24) | (proto << 16));
  st32be(l3 + 12, me);
  st32be(l3 + 16, peer);
  st16be(l3 + 10, in_cksum_hdr20(l3));
}

/**
 * Writes the RST that answers a TCP segment for a closed port (RFC 9293 3.10.7.1, as Linux's
 * tcp_v4_send_reset and NetBSD's tcp_respond): if the segment has ACK, <SEQ=SEG.ACK><CTL=RST>;
 * otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, where SEG.LEN counts SYN and FIN. The caller
 * read the segment's fields (it is overwritten: th may overlap it) and never calls this for a RST,
 * which is never answered. The checksum is left 0 for the caller's pseudo-header.
 */
@inline function tcp_reset_header(
  th: usize,
  sport: u32,
  dport: u32,
  seq: u32,
  ack: u32,
  flags: u32,
  dlen: u32,
): void {
  st32be(th, (dport << 16) | sport);
  if (flags & TH_ACK) {
    st32be(th + 4, ack);
    st32be(th + 8, 0);
    st32be(th + 12, 0x50000000 | (TH_RST << 16));
  } else {
    let seglen = dlen;
    if (flags & TH_SYN) seglen++;
    if (flags & TH_FIN) seglen++;
    st32be(th + 4, 0);
    st32be(th + 8, seq + seglen);
    st32be(th + 12, 0x50000000 | ((TH_RST | TH_ACK) << 16));
  }
  st32be(th + 16, 0); // checksum, urgent pointer
}

/**
 * An IPv4 datagram for a broadcast or multicast address (header validated, hlen and iplen its
 * lengths): an echo request to it is counted and not answered; anything else keeps `reason`.
 */
export function ip4_local_group(l3: usize, hlen: u32, iplen: u32, reason: u32): u32 {
  if (ld8(l3 + 9) == IPPROTO_ICMP && (ld16be(l3 + 6) & 0x1fff) == 0 && iplen > hlen && ld8(l3 + hlen) == ICMP_ECHO) {
    return V(PATH_LOCAL, R_ECHO_BCAST);
  }
  return V(PATH_LOCAL, reason);
}

/**
 * An IPv4 datagram for one of our addresses (its route is NHF_LOCAL). Caller guarantees: the IP
 * header is validated (hlen, iplen <= the frame, checksum), the frame's descriptor is pd, it came in
 * on rxif (up), l2mc says its destination MAC was a group address. Answers it in place or hands a
 * port unreachable to icmp4_error; returns the verdict.
 */
export function ip4_local(ctx: usize, pd: usize, l3: usize, hlen: u32, iplen: u32, rxif: u32, l2mc: bool): u32 {
  if (ld16be(l3 + 6) & 0x3fff) return V(PATH_LOCAL, R_LOCAL_FRAG);
  if (hlen > 20 && !ip4_options_ok(l3, hlen)) return V(PATH_DROP, R_IP_OPTIONS);
  const proto = ld8(l3 + 9);
  const l4 = l3 + hlen;
  const l4len = iplen - hlen;
  const peer = ld32be(l3 + 12);
  const me = ld32be(l3 + 16);
  if (proto == IPPROTO_ICMP) {
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum(l4, l4len) != 0) return V(PATH_DROP, R_L4_CKSUM);
    if (ld8(l4) != ICMP_ECHO) return V(PATH_LOCAL, R_LOCAL);
    if (l2mc) return V(PATH_LOCAL, R_ECHO_BCAST);
    if (!echo_ratelimit(ctx, CTX_ECHO_TOKENS, CTX_ECHO_LAST)) return V(PATH_LOCAL, R_ECHO_RATELIM);
    if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(ctx, pd);
    // options are not echoed (NetBSD's icmp_reflect keeps none it need not): the message moves up
    if (hlen > 20) memory.copy(l3 + 20, l4, l4len);
    const icmp = l3 + 20;
    ip4_reply_header(ctx, l3, ld8(l3 + 1), 20 + l4len, IPPROTO_ICMP, me, peer);
    st8(icmp, ICMP_ECHOREPLY);
    st16(icmp + 2, 0);
    st16be(icmp + 2, in_cksum(icmp, l4len));
    reply_output(ctx, pd, l3, 20 + l4len, ETHERTYPE_IP, rxif, mac);
    return V(PATH_LOCAL, R_ECHO_REPLY);
  }
  if (proto == IPPROTO_UDP) {
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    const ulen = ld16be(l4 + 4);
    if (ulen < 8 || ulen > l4len) return V(PATH_DROP, R_TOO_SHORT);
    // checksum 0: the sender computed none (RFC 768)
    if (ld16(l4 + 6) != 0 && in_cksum_acc(l4, ulen, in_pseudo4(peer, me, IPPROTO_UDP, ulen)) != 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    if (!l2mc) icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
    return V(PATH_LOCAL, R_PORT_UNREACH);
  }
  if (proto == IPPROTO_TCP) {
    if (l4len < 20) return V(PATH_DROP, R_TOO_SHORT);
    const doff = (<u32>(ld8(l4 + 12) >> 4)) << 2;
    if (doff < 20 || doff > l4len) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum_acc(l4, l4len, in_pseudo4(peer, me, IPPROTO_TCP, l4len)) != 0xffff) return V(PATH_DROP, R_L4_CKSUM);
    const flags = ld8(l4 + 13);
    if ((flags & TH_RST) != 0 || l2mc) return V(PATH_LOCAL, R_LOCAL); // a RST is never answered (RFC 9293 3.10.7.1)
    if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(ctx, pd);
    const sport = ld16be(l4);
    const dport = ld16be(l4 + 2);
    const seq = ld32be(l4 + 4);
    const ack = ld32be(l4 + 8);
    ip4_reply_header(ctx, l3, ld8(l3 + 1), 40, IPPROTO_TCP, me, peer);
    const th = l3 + 20;
    tcp_reset_header(th, sport, dport, seq, ack, flags, l4len - doff);
    st16be(th + 16, ~in_cksum_acc(th, 20, in_pseudo4(me, peer, IPPROTO_TCP, 20)) & 0xffff);
    reply_output(ctx, pd, l3, 40, ETHERTYPE_IP, rxif, mac);
    return V(PATH_LOCAL, R_TCP_RESET);
  }
  return V(PATH_LOCAL, R_LOCAL);
}

/**
 * Where the upper-layer header of a validated IPv6 datagram starts (40, or past a hop-by-hop options
 * header, which ip6_hopopts_input has checked fits in the payload), and its protocol in bits 16..23.
 */
@inline function ip6_upper(l3: usize): u32 {
  const nxt = ld8(l3 + 6);
  if (nxt != 0) return (nxt << 16) | 40;
  return ((<u32>ld8(l3 + 40)) << 16) | (40 + ((<u32>ld8(l3 + 41) + 1) << 3));
}

/** An IPv6 datagram for a multicast group (validated): an echo request is counted and not answered. */
export function ip6_local_group(l3: usize, total: u32): u32 {
  const u = ip6_upper(l3);
  const off = u & 0xffff;
  if (u >> 16 == IPPROTO_ICMPV6 && off < total && ld8(l3 + off) == ICMP6_ECHO_REQUEST) {
    return V(PATH_LOCAL, R_ECHO_BCAST);
  }
  return V(PATH_LOCAL, R_MULTICAST);
}

/**
 * An IPv6 datagram for one of our addresses: its route is NHF_LOCAL, on interface nhIf. Caller
 * guarantees as for ip4_local (total = 40 + payload length, within the frame; a hop-by-hop header
 * validated). A link-local destination is ours only on its own link: on rxif's link-local address,
 * or on a local route of rxif's (RFC 4291 2.5.6); else dropped as scope.
 */
export function ip6_local(ctx: usize, pd: usize, l3: usize, total: u32, rxif: u32, l2mc: bool, nhIf: u32): u32 {
  if ((ld32be(l3 + 24) & 0xffc00000) == 0xfe800000 && nhIf != rxif) {
    const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE;
    if (
      (ld32(ifp + IF_FLAGS) & IFF_HAS_LL6) == 0 ||
      load<u64>(ifp + IF_LL6) != load<u64>(l3 + 24) ||
      load<u64>(ifp + IF_LL6 + 8) != load<u64>(l3 + 32)
    ) {
      return V(PATH_DROP, R_SCOPE);
    }
  }
  const u = ip6_upper(l3);
  const nxt = u >> 16;
  const off = u & 0xffff;
  const l4 = l3 + off;
  const l4len = total - off;
  if (nxt == IPPROTO_ICMPV6) {
    if (l4len >= 1) {
      const t = ld8(l4);
      if (t >= ND_FIRST && t <= ND_LAST) return V(PATH_LOCAL, R_LOCAL); // NDP: not ours to check or answer
    }
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum_acc(l4, l4len, in_pseudo6(l3 + 8, l3 + 24, IPPROTO_ICMPV6, l4len)) != 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    if (ld8(l4) != ICMP6_ECHO_REQUEST) return V(PATH_LOCAL, R_LOCAL);
    if (l2mc) return V(PATH_LOCAL, R_ECHO_BCAST);
    if (!echo_ratelimit(ctx, CTX_ECHO6_TOKENS, CTX_ECHO6_LAST)) return V(PATH_LOCAL, R_ECHO_RATELIM);
    if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(ctx, pd);
    // a hop-by-hop header is not echoed: the message moves up behind the fixed header
    if (off > 40) memory.copy(l3 + 40, l4, l4len);
    const icmp = l3 + 40;
    ip6_reply_header(l3, l4len, IPPROTO_ICMPV6);
    st8(icmp, ICMP6_ECHO_REPLY);
    st16(icmp + 2, 0);
    st16be(icmp + 2, ~in_cksum_acc(icmp, l4len, in_pseudo6(l3 + 8, l3 + 24, IPPROTO_ICMPV6, l4len)) & 0xffff);
    reply_output(ctx, pd, l3, 40 + l4len, ETHERTYPE_IPV6, rxif, mac);
    return V(PATH_LOCAL, R_ECHO_REPLY);
  }
  if (nxt == IPPROTO_UDP) {
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    const ulen = ld16be(l4 + 4);
    if (ulen < 8 || ulen > l4len) return V(PATH_DROP, R_TOO_SHORT);
    // over IPv6 the checksum is mandatory (RFC 8200 8.1): 0 is as wrong as any other bad value
    if (ld16(l4 + 6) == 0 || in_cksum_acc(l4, ulen, in_pseudo6(l3 + 8, l3 + 24, IPPROTO_UDP, ulen)) != 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    if (!l2mc) icmp6_error(ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0);
    return V(PATH_LOCAL, R_PORT_UNREACH);
  }
  if (nxt == IPPROTO_TCP) {
    if (l4len < 20) return V(PATH_DROP, R_TOO_SHORT);
    const doff = (<u32>(ld8(l4 + 12) >> 4)) << 2;
    if (doff < 20 || doff > l4len) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum_acc(l4, l4len, in_pseudo6(l3 + 8, l3 + 24, IPPROTO_TCP, l4len)) != 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    const flags = ld8(l4 + 13);
    if ((flags & TH_RST) != 0 || l2mc) return V(PATH_LOCAL, R_LOCAL); // a RST is never answered (RFC 9293 3.10.7.1)
    if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(ctx, pd);
    const sport = ld16be(l4);
    const dport = ld16be(l4 + 2);
    const seq = ld32be(l4 + 4);
    const ack = ld32be(l4 + 8);
    ip6_reply_header(l3, 20, IPPROTO_TCP);
    const th = l3 + 40;
    tcp_reset_header(th, sport, dport, seq, ack, flags, l4len - doff);
    st16be(th + 16, ~in_cksum_acc(th, 20, in_pseudo6(l3 + 8, l3 + 24, IPPROTO_TCP, 20)) & 0xffff);
    reply_output(ctx, pd, l3, 60, ETHERTYPE_IPV6, rxif, mac);
    return V(PATH_LOCAL, R_TCP_RESET);
  }
  return V(PATH_LOCAL, R_LOCAL);
}

/**
 * Turns the IPv6 header at l3 into a reply's: the traffic class kept but its ECN bits, no flow label, payload length
 * plen, next header nxt, a fresh hop limit, source and destination swapped.
 */
@inline function ip6_reply_header(l3: usize, plen: u32, nxt: u32): void {
  st32be(l3, ld32be(l3) & 0xffc00000);
  st32be(l3 + 4, (plen << 16) | (nxt << 8) | REPLY_TTL);
  const s0 = ld32(l3 + 8),
    s1 = ld32(l3 + 12),
    s2 = ld32(l3 + 16),
    s3 = ld32(l3 + 20);
  st32(l3 + 8, ld32(l3 + 24));
  st32(l3 + 12, ld32(l3 + 28));
  st32(l3 + 16, ld32(l3 + 32));
  st32(l3 + 20, ld32(l3 + 36));
  st32(l3 + 24, s0);
  st32(l3 + 28, s1);
  st32(l3 + 32, s2);
  st32(l3 + 36, s3);
}
