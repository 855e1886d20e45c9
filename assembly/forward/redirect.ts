// ICMP host redirects (RFC 1812 5.2.7.2; NetBSD's ip_forward, Linux's ip_rt_send_redirect). TS twin:
// ts/kernels/forward/redirect.ts.
//
// A router tells a host on a shared link that a better first hop exists when it forwards a datagram
// back out the interface it came in on, toward a next hop on the sender's own subnet. RFC 1812
// 5.2.7.2 lists when a redirect MAY go (MUST NOT otherwise): the datagram leaves by the interface it
// arrived on, its source is on that interface's subnet (the source's route is a connected route
// through it), and it carries no source route option. Only host redirects (type 5 code 1) are sent:
// RFC 1812 5.2.7.2 says network redirects SHOULD NOT be. The datagram is forwarded all the same.
// The redirect goes through icmp4_error: its rules (never about an ICMP error or a non-initial
// fragment) and its rate limit (the one error bucket, as NetBSD's icmperrppslim) apply.
// Per interface: IFF_NOREDIRECT (send_redirects: false) turns them off; they are on by default, as
// NetBSD's net.inet.ip.redirect=1 and Linux's send_redirects=1.
//
// IPv6 (RFC 4861 8.2; Linux's ndisc_send_redirect): the same when a packet leaves by the interface it
// came in on and its source is a neighbor there (a connected route through that interface; link-local
// sources never get this far). The target is the better first hop: the route's gateway when that is a
// link-local address, else (an on-link destination) the destination itself; a gateway known only by
// a global address gets no redirect, since hosts take a router target only as link-local (RFC 4861
// 8.1), as Linux does. The message is built by icmp6_redirect (icmp.ts): the ICMPv6 error limiter,
// the same send_redirects switch; the packet is forwarded all the same and kept out of ipflow.
//
// Reads: the nexthop the source resolved to (from the caller's source lookup, or route6 here), the
// interface flags. Writes: icmp4_error's or icmp6_redirect's cluster and tx entry; C_ICMP_REDIRECT
// when one was queued.

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
} from '../layout';
import { ld32, ld32be, cnt_add } from '../util/mem';
import { route6 } from '../fib/route';
import { tx_room } from './output';
import { icmp4_error, icmp6_redirect, ICMP_REDIRECT, ICMP_REDIRECT_HOST } from './icmp';

/**
 * Whether the IPv4 datagram at l3 (received on rxif, about to leave by txif toward next hop `gw`,
 * host order) is one RFC 1812 5.2.7.2 would redirect: txif == rxif, the source's nexthop `snh` (its
 * route, 0 = none) a connected route through rxif, no source route (`srcrt`), redirects on for rxif.
 * When it is, a host redirect naming `gw` is sent if the tx list has room for it and the datagram
 * (two entries) and the error rules and limit allow. The caller forwards the datagram either way,
 * and keeps such a flow out of ipflow (so every datagram of it is judged here, as NetBSD does).
 */
export function ip4_redirect(
  ctx: usize,
  pd: usize,
  l3: usize,
  iplen: u32,
  rxif: u32,
  txif: u32,
  snh: u32,
  gw: u32,
  srcrt: bool,
): bool {
  if (txif != rxif || snh == 0 || srcrt) return false;
  if (ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE + IF_FLAGS) & IFF_NOREDIRECT) return false;
  const np = <usize>ld32(ctx + CTX_NH) + <usize>snh * NH_SIZE;
  if (ld32(np + NH_FLAGS) & (NHF_GATEWAY | NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  if (ld32(np + NH_IFINDEX) != rxif) return false;
  if (tx_room(ctx) < 2) return true;
  const ntx = ld32(ctx + CTX_NTX);
  icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_REDIRECT, ICMP_REDIRECT_HOST, gw);
  if (ld32(ctx + CTX_NTX) != ntx) cnt_add(<usize>ld32(ctx + CTX_CNT), C_ICMP_REDIRECT, 1);
  return true;
}

/**
 * Whether the IPv6 packet at l3 (total bytes, received on rxif and about to leave by rxif again
 * through nexthop `nhp`, its neighbor entry `ne`) is one RFC 4861 8.2 would redirect: redirects on for
 * rxif, a target a host will accept (a link-local gateway, or no gateway), the source a neighbor on
 * rxif. When it is, a Redirect is sent if the tx list has room for it and the packet and the error
 * limiter allows. The caller forwards the packet either way and keeps such a flow out of ipflow.
 */
export function ip6_redirect(ctx: usize, pd: usize, l3: usize, total: u32, rxif: u32, nhp: usize, ne: usize): bool {
  if (ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE + IF_FLAGS) & IFF_NOREDIRECT) return false;
  const gw = (ld32(nhp + NH_FLAGS) & NHF_GATEWAY) != 0;
  if (gw && (ld32(nhp + NH_GW) & 0xffc00000) != 0xfe800000) return false;
  const snh = route6(ctx, l3 + 8);
  if (snh == 0) return false;
  const np = <usize>ld32(ctx + CTX_NH) + <usize>snh * NH_SIZE;
  if (ld32(np + NH_FLAGS) & (NHF_GATEWAY | NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  if (ld32(np + NH_IFINDEX) != rxif) return false;
  if (tx_room(ctx) < 2) return true;
  const ntx = ld32(ctx + CTX_NTX);
  if (gw) {
    icmp6_redirect(
      ctx,
      pd,
      l3,
      total,
      rxif,
      ld32(nhp + NH_GW),
      ld32(nhp + NH_GW + 4),
      ld32(nhp + NH_GW + 8),
      ld32(nhp + NH_GW + 12),
      ne + NB_MAC,
    );
  } else {
    icmp6_redirect(
      ctx,
      pd,
      l3,
      total,
      rxif,
      ld32be(l3 + 24),
      ld32be(l3 + 28),
      ld32be(l3 + 32),
      ld32be(l3 + 36),
      ne + NB_MAC,
    );
  }
  if (ld32(ctx + CTX_NTX) != ntx) cnt_add(<usize>ld32(ctx + CTX_CNT), C_ICMP_REDIRECT, 1);
  return true;
}
