// IPv4 options on the forwarding path (RFC 791 3.1, RFC 1812 5.2.4; NetBSD's ip_dooptions, Linux's
// ip_options_compile and ip_forward_options). TS twin: ts/kernels/forward/ip4opts.ts.
//
//   option:  +--------+--------+--------+--------+---//---+
//            |  type  | length | pointer|  data (length - 3 bytes)    Record Route (7), LSRR (131),
//            +--------+--------+--------+--------+---//---+           SSRR (137): 4-byte slots from 4
//            |  68    | length | pointer|oflw|flg|  data ...          Timestamp: slots from 5, 4 bytes
//            +--------+--------+--------+--------+---//---+           (flag 0) or 8 (flags 1, 3)
//   End of list (0) and No-op (1) are one byte; every other option is type, length (>= 2), data.
//   The pointer is 1-based from the option's type byte; the option is full when it exceeds the length.
//
// Options never reach the fast path: ipflow takes only 20-byte headers (pipeline.ts's `flowable`).
// Two passes, on the normal path only:
//   ip4_opts_input   before the destination lookup, on every unicast datagram with options (ours or
//                    not): validates them and refuses source routes. Verdicts, counted by the caller:
//                    R_IP_OPTIONS  an option runs past the header, a length below its minimum, a pointer
//                                  below its minimum or pointing at a partial slot, timestamp flags
//                                  other than 0, 1, 3, a full timestamp whose overflow count is 15
//                                  (it would wrap: RFC 791), a Router Alert not 4 bytes long (RFC 2113):
//                                  ICMP parameter problem code 0, the pointer at the bad octet (the
//                                  length byte, or the type byte when the length is missing; the
//                                  pointer byte; the flags byte). NetBSD points at the length byte
//                                  where Linux points at the type; we follow NetBSD.
//                    R_SRCRT       a loose or strict source route while ip.forward_source_route is off
//                                  (the default, as NetBSD's forwsrcrt=0 and Linux's
//                                  accept_source_route=0; RFC 7126 4.4.1): ICMP unreachable code 5,
//                                  "source route failed" (RFC 1812 5.2.4.1 allows discarding them);
//                                  with it on, a route that cannot be followed (below), the same.
//                    No ICMP about a frame that came by link-layer broadcast or multicast.
//                    With ip.forward_source_route on, a source route is processed as RFC 791 3.1 and
//                    NetBSD's ip_dooptions do (opts_srcroute): while the header's destination is not
//                    one of ours the datagram is on its way to the route's next hop, and a loose route
//                    is forwarded as it is, a strict one fails (the previous hop broke it). When the
//                    destination is ours, the addresses the pointer reaches that are ours too are
//                    passed over (as Linux's ip_options_rcv_srr); an exhausted route ends here (local
//                    delivery); else the next address becomes the destination, the address of the
//                    interface toward it is recorded in its slot and the pointer advances by 4. A
//                    strict route's next address must be on-link (a connected route, RFC 1812
//                    5.2.4.1), any route's must be routable, unicast and not a martian, and the
//                    interface toward it must have an address: else source route failed.
//   ip4_opts_forward once the datagram will leave by txif, before the TTL rewrite and fragmentation:
//                    Record Route: txif's address into the next slot, pointer + 4; a full option is
//                    left alone (RFC 791). Timestamp: flag 0 the time; flag 1 txif's address and the
//                    time; flag 3 the time, when the slot's prespecified address is one of ours; a full
//                    option (or, flag 3, a datagram for someone else's slot) only counts: overflow + 1
//                    when full. Router Alert and unknown options pass untouched (RFC 1812 5.2.4.4,
//                    RFC 791: options a router does not know are forwarded as they are). The header
//                    checksum is recomputed when a byte changed.
// The time is milliseconds since midnight UT when the clock can tell it; the batch clock (CTX_NOW) is
// the pcap's or the host's millisecond counter modulo 2^32, not midnight-based, so the value is that
// counter's low 31 bits with the high bit set, RFC 791's "non-standard value".
//
// Reads: the header (validated: hlen within the frame, checksum good). Writes: the options of a
// forwarded datagram and its checksum, the destination of a source-routed one (the caller reads it
// again after ip4_opts_input); ip4opts_srcrt (a source route option was seen, so no redirect).

import {
  CTX_OPTS,
  CTX_NH,
  CTX_IFNET,
  OPT_SRCRT,
  NH_SIZE,
  NH_FLAGS,
  NHF_LOCAL,
  NHF_GATEWAY,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  NH_IFINDEX,
  IF_SIZE,
  IF_ADDR4,
  R_IP_OPTIONS,
  R_SRCRT,
} from '../layout';
import { ld8, ld32, st8, st16be, st32be, ld32be } from '../util/mem';
import { in_cksum } from '../wire/cksum';
import { route4 } from '../fib/route';
import { icmp4_error, ICMP_PARAMPROB, ICMP_UNREACH, ICMP_UNREACH_SRCFAIL } from './icmp';

export const IPOPT_EOL: u32 = 0;
export const IPOPT_NOP: u32 = 1;
export const IPOPT_RR: u32 = 7;
export const IPOPT_TS: u32 = 68;
export const IPOPT_LSRR: u32 = 131;
export const IPOPT_SSRR: u32 = 137;
export const IPOPT_RA: u32 = 148; // Router Alert, RFC 2113
export const IPOPT_TS_TSONLY: u32 = 0;
export const IPOPT_TS_TSANDADDR: u32 = 1;
export const IPOPT_TS_PRESPEC: u32 = 3;

/** Set by ip4_opts_input: the datagram carries a source route option (RFC 1812 5.2.7.2: no redirect). */
export let ip4opts_srcrt: bool = false;

/** Drop as malformed: parameter problem code 0 pointing at header byte `ptr`, unless by link-layer group. */
function opts_bad(ctx: usize, pd: usize, l3: usize, iplen: u32, rxif: u32, l2mc: bool, ptr: u32): u32 {
  if (!l2mc) icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_PARAMPROB, 0, ptr << 24);
  return R_IP_OPTIONS;
}

/**
 * Validates the options [l3+20, l3+hlen) of the IPv4 datagram at l3 (hlen > 20, header validated,
 * iplen its total length) received on rxif, and refuses source routes unless OPT_SRCRT. Returns 0
 * when the datagram may go on, else R_IP_OPTIONS or R_SRCRT with the ICMP error sent.
 */
export function ip4_opts_input(ctx: usize, pd: usize, l3: usize, hlen: u32, iplen: u32, rxif: u32, l2mc: bool): u32 {
  ip4opts_srcrt = false;
  let sr: u32 = 0;
  let i: u32 = 20;
  while (i < hlen) {
    const t = ld8(l3 + i);
    if (t == IPOPT_EOL) break;
    if (t == IPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= hlen) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i);
    const ol = ld8(l3 + i + 1);
    if (ol < 2 || i + ol > hlen) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 1);
    if (t == IPOPT_RR || t == IPOPT_LSRR || t == IPOPT_SSRR) {
      if (ol < 3) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 1);
      const p = ld8(l3 + i + 2);
      if (p < 4 || (p <= ol && p + 3 > ol)) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 2);
      if (t != IPOPT_RR) {
        if ((ld32(ctx + CTX_OPTS) & OPT_SRCRT) == 0) return opts_srcfail(ctx, pd, l3, iplen, rxif, l2mc);
        if (!ip4opts_srcrt) sr = i; // the first one is followed, once every option is known good
        ip4opts_srcrt = true;
      }
    } else if (t == IPOPT_TS) {
      if (ol < 4) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 1);
      const p = ld8(l3 + i + 2);
      if (p < 5) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 2);
      const fb = ld8(l3 + i + 3);
      const fl = fb & 15;
      if (fl != IPOPT_TS_TSONLY && fl != IPOPT_TS_TSANDADDR && fl != IPOPT_TS_PRESPEC) {
        return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 3);
      }
      const slot: u32 = fl == IPOPT_TS_TSONLY ? 4 : 8;
      if (p <= ol) {
        if (p + slot - 1 > ol) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 2);
      } else if (fb >> 4 == 15) {
        return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 3);
      }
    } else if (t == IPOPT_RA) {
      if (ol != 4) return opts_bad(ctx, pd, l3, iplen, rxif, l2mc, i + 1);
    }
    i += ol;
  }
  if (sr != 0 && !opts_srcroute(ctx, l3, hlen, sr, ld8(l3 + sr) == IPOPT_SSRR)) {
    return opts_srcfail(ctx, pd, l3, iplen, rxif, l2mc);
  }
  return 0;
}

/** Drop a source-routed datagram: unreachable code 5 (source route failed), unless by link-layer group. */
function opts_srcfail(ctx: usize, pd: usize, l3: usize, iplen: u32, rxif: u32, l2mc: bool): u32 {
  if (!l2mc) icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_SRCFAIL, 0);
  return R_SRCRT;
}

/** Whether the IPv4 address `a` (host order) is no source route next hop: 0/8, 127/8, 224/4, 240/4. */
@inline function srcrt_martian(a: u32): bool {
  const a8 = a >>> 24;
  return a8 == 0 || a8 == 127 || a8 >= 224;
}

/**
 * Follows the source route option at l3+i (validated: its pointer at a whole slot or past the end)
 * of the IPv4 datagram at l3 (hlen header bytes), `strict` for SSRR, as the header comment says.
 * Returns false when the route cannot be followed (the caller sends source route failed and drops
 * the datagram, which is then still as received); true when the datagram goes on: unchanged (not
 * yet at the route's next hop, or the route ends here), or with its destination, the option's slot
 * and pointer rewritten and the header checksum recomputed.
 */
function opts_srcroute(ctx: usize, l3: usize, hlen: u32, i: u32, strict: bool): bool {
  const nht = <usize>ld32(ctx + CTX_NH);
  const dnh = route4(ctx, ld32be(l3 + 16));
  if (dnh == 0 || (ld32(nht + <usize>dnh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) == 0) return !strict;
  const o = l3 + i;
  const ol = ld8(o + 1);
  let p = ld8(o + 2);
  // the next address, passing over our own
  let nh: u32 = 0;
  let next: u32 = 0;
  while (p <= ol) {
    next = ld32be(o + p - 1);
    if (srcrt_martian(next)) return false;
    nh = route4(ctx, next);
    if (nh == 0) return false;
    if ((ld32(nht + <usize>nh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) == 0) break;
    p += 4;
  }
  if (p > ol) {
    // the route ends here: delivered to us (the pointer says so)
    if (p != ld8(o + 2)) {
      st8(o + 2, p);
      opts_cksum(l3, hlen);
    }
    return true;
  }
  const np = nht + <usize>nh * NH_SIZE;
  const fl = ld32(np + NH_FLAGS);
  if (fl & (NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  if (strict && (fl & NHF_GATEWAY) != 0) return false; // a strict hop must be a neighbor
  const me = ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>ld32(np + NH_IFINDEX) * IF_SIZE + IF_ADDR4);
  if (me == 0) return false;
  st32be(o + p - 1, me);
  st8(o + 2, p + 4);
  st32be(l3 + 16, next);
  opts_cksum(l3, hlen);
  return true;
}

/** Recomputes the header checksum of the IPv4 datagram at l3 (hlen header bytes). */
@inline function opts_cksum(l3: usize, hlen: u32): void {
  st16be(l3 + 10, 0);
  st16be(l3 + 10, in_cksum(l3, hlen));
}

/** The timestamp we record: RFC 791's non-standard value (high bit set) from the batch clock `now`, ms. */
@inline function ip4_opts_time(now: u32): u32 {
  return (now & 0x7fffffff) | 0x80000000;
}

/**
 * Records txif's address and the time `now` (ms) into the Record Route and Timestamp options of the
 * IPv4 datagram at l3 (options validated by ip4_opts_input, hlen > 20), which is about to leave by
 * txif; recomputes the header checksum when anything changed.
 */
export function ip4_opts_forward(ctx: usize, l3: usize, hlen: u32, txif: u32, now: u32): void {
  const me = ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>txif * IF_SIZE + IF_ADDR4);
  let changed = false;
  let i: u32 = 20;
  while (i < hlen) {
    const t = ld8(l3 + i);
    if (t == IPOPT_EOL) break;
    if (t == IPOPT_NOP) {
      i++;
      continue;
    }
    const o = l3 + i;
    const ol = ld8(o + 1);
    const p = ld8(o + 2);
    if (t == IPOPT_RR) {
      if (p <= ol && me != 0) {
        st32be(o + p - 1, me);
        st8(o + 2, p + 4);
        changed = true;
      }
    } else if (t == IPOPT_TS) {
      const fb = ld8(o + 3);
      const fl = fb & 15;
      if (p > ol) {
        st8(o + 3, fb + 0x10); // overflow + 1 (ip4_opts_input refused 15)
        changed = true;
      } else if (fl == IPOPT_TS_TSONLY) {
        st32be(o + p - 1, ip4_opts_time(now));
        st8(o + 2, p + 4);
        changed = true;
      } else if (fl == IPOPT_TS_TSANDADDR) {
        if (me != 0) {
          st32be(o + p - 1, me);
          st32be(o + p + 3, ip4_opts_time(now));
          st8(o + 2, p + 8);
          changed = true;
        }
      } else {
        const nh = route4(ctx, ld32be(o + p - 1));
        if (nh != 0 && (ld32(<usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) != 0) {
          st32be(o + p + 3, ip4_opts_time(now));
          st8(o + 2, p + 8);
          changed = true;
        }
      }
    }
    i += ol;
  }
  if (changed) opts_cksum(l3, hlen);
}
