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
// Reads: the nexthop the source resolved to (from the caller's source lookup), the interface flags.
// Writes: icmp4_error's cluster and tx entry; C_ICMP_REDIRECT when one was queued.

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
} from '../layout';
import { ld32, cnt_add } from '../util/mem';
import { tx_room } from './output';
import { icmp4_error, ICMP_REDIRECT, ICMP_REDIRECT_HOST } from './icmp';

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
