// The IPv6 hop-by-hop options header, which every node on the path examines (RFC 8200 4.3; NetBSD's
// ip6_hopopts_input, Linux's ipv6_parse_hopopts). TS twin: ts/kernels/forward/hbh.ts.
//
//    0               1               2               3
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Next Header  |  Hdr Ext Len  |                               |   at l3 + 40, right after the
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +   fixed header; (Hdr Ext Len + 1)
//   |                       Options (TLVs)                          |   * 8 bytes long in all
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An option is Pad1 (the single byte 0) or type, length, `length` bytes of data (RFC 8200 4.2).
// The pipeline calls this only when the fixed header's Next Header is 0, so packets without the
// header pay one compare. ip6flow never takes such packets (its key has no room for options), so
// every one of them reaches this check, on the normal path.
//
// Verdicts, each with its drop reason (counted by the caller under C_REASON_BASE + reason):
//   R_IP6_HBH_BAD  the header runs past the Payload Length (or the payload cannot hold the smallest
//                  one), an option runs past the header, a Router Alert is not 2 bytes of data, or a
//                  Jumbo Payload option arrives on a packet with a Payload Length (we have no
//                  jumbograms: RFC 2675 3). Parameter Problem code 0 (erroneous header field), the
//                  pointer at the offending byte: Payload Length (4), Hdr Ext Len (41), the option's
//                  length byte, or its type byte (Jumbo, or a length byte missing).
//   R_IP6_HBH_OPT  an option this router does not know whose type's two high bits say discard:
//                  01 silently; 10 with Parameter Problem code 2 pointing at the type byte, whatever
//                  the destination; 11 the same, only when the destination is not multicast.
//                  (00: skip the option and go on.)
// Errors go through icmp6_error (its rules and rate limit). Code 0 errors and 11-class ones are not
// sent about IP or link-layer multicast (RFC 4443 2.4(e.2, e.3)); the 10 class is the exception both
// clauses make, but not for an unspecified source, which names no one to tell (2.4(e.6)).
//
// Reads: the packet's fixed header and hop-by-hop header (both inside `total`, which the caller
// has checked against the frame). Writes: nothing of the packet; icmp6_error's cluster and tx entry.

import { R_IP6_HBH_BAD, R_IP6_HBH_OPT } from '../layout';
import { ld8, ld32 } from '../util/mem';
import { icmp6_error, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, ICMP6_PARAMPROB_OPTION } from './icmp';

export const IP6OPT_PAD1: u32 = 0;
export const IP6OPT_PADN: u32 = 1;
export const IP6OPT_ROUTER_ALERT: u32 = 5; // RFC 2711: 2 bytes of data
export const IP6OPT_JUMBO: u32 = 0xc2; // RFC 2675
const IP6_PLEN_OFF: u32 = 4; // Payload Length in the fixed header
const IP6_HBH_LEN_OFF: u32 = 41; // Hdr Ext Len

/** Drop as malformed: Parameter Problem code 0 at `ptr` unless the packet came by multicast. */
function hbh_bad(ctx: usize, pd: usize, l3: usize, total: u32, rxif: u32, mcast: bool, ptr: u32): u32 {
  if (!mcast) icmp6_error(ctx, pd, l3, total, rxif, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, ptr);
  return R_IP6_HBH_BAD;
}

/**
 * Validates the hop-by-hop options header of the IPv6 packet at l3 (fixed header checked, `total`
 * = 40 + Payload Length within the frame, Next Header 0), received on rxif; `l2mc` when the frame
 * was link-layer broadcast/multicast, `mcdst` when the IPv6 destination is multicast. Returns 0 when
 * the packet may go on, else the drop reason (R_IP6_HBH_BAD or R_IP6_HBH_OPT), any error sent.
 */
export function ip6_hopopts_input(
  ctx: usize,
  pd: usize,
  l3: usize,
  total: u32,
  rxif: u32,
  l2mc: bool,
  mcdst: bool,
): u32 {
  const mcast = l2mc || mcdst;
  if (total < 48) return hbh_bad(ctx, pd, l3, total, rxif, mcast, IP6_PLEN_OFF);
  const end: u32 = 40 + ((ld8(l3 + IP6_HBH_LEN_OFF) + 1) << 3);
  if (end > total) return hbh_bad(ctx, pd, l3, total, rxif, mcast, IP6_HBH_LEN_OFF);
  let off: u32 = 42;
  while (off < end) {
    const t = ld8(l3 + off);
    if (t == IP6OPT_PAD1) {
      off++;
      continue;
    }
    if (off + 2 > end) return hbh_bad(ctx, pd, l3, total, rxif, mcast, off); // no room for the length byte
    const olen: u32 = 2 + ld8(l3 + off + 1);
    if (off + olen > end) return hbh_bad(ctx, pd, l3, total, rxif, mcast, off + 1);
    if (t == IP6OPT_ROUTER_ALERT) {
      if (olen != 4) return hbh_bad(ctx, pd, l3, total, rxif, mcast, off + 1);
    } else if (t == IP6OPT_JUMBO) {
      return hbh_bad(ctx, pd, l3, total, rxif, mcast, off);
    } else if (t != IP6OPT_PADN) {
      const act = t >> 6;
      if (act != 0) {
        // 10: tell the source even about multicast, unless the source is unspecified (only possible then)
        const tell =
          act == 2 ? !mcdst || (ld32(l3 + 8) | ld32(l3 + 12) | ld32(l3 + 16) | ld32(l3 + 20)) != 0 : act == 3 && !mcast;
        if (tell) icmp6_error(ctx, pd, l3, total, rxif, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, off);
        return R_IP6_HBH_OPT;
      }
    }
    off += olen;
  }
  return 0;
}
