// ARP input (RFC 826) on the data path: validates, answers requests for our own addresses in place,
// and counts what it sees. TS twin: ts/kernels/nbr/arp.ts.
//
// Ethernet/IPv4 ARP packet (28 bytes after the Ethernet header, RFC 826):
//
//    0      2      4    5    6      8                14        18                24        28
//   +------+------+----+----+------+----------------+---------+-----------------+---------+
//   |htype |ptype |hlen|plen| op   | sender MAC     |sender IP| target MAC      |target IP|
//   +------+------+----+----+------+----------------+---------+-----------------+---------+
//
// The request is answered on the CPU that received it, in the same cluster, out the receiving
// interface (a vlan's reply is tagged again): op becomes reply, the sender's fields move to the
// target's, ours fill the sender's, and the Ethernet header is rebuilt in front (ether_output pads
// to 60 bytes). Only an address of the receiving interface is answered: its primary IPv4 address
// (IF_ADDR4) or a local route (NHF_LOCAL) on that interface. No proxy ARP.
//
// Nothing here writes the neighbor table: learning (RFC 826's merge rule) is the control plane's
// (ts/stack/lltable.ts), fed by an NEVK_ARP event (nev.ts) when we are the target or the sender's
// data-path entry has another MAC. A sender claiming one of our addresses is a conflict, counted and
// learned from by nobody.
//
// Reads: the frame, ifnet[rxif], the IPv4 routing table (local routes).
// Writes: the frame's cluster (the reply), one tx entry; counters C_ARP_REQ_IN, C_ARP_REP_IN,
//         C_ARP_REP_OUT, C_ARP_CONFLICT. Returns a pipeline verdict: PATH_LOCAL/R_ARP for a valid
//         packet, PATH_DROP with R_ARP_BAD (not Ethernet/IPv4, bad lengths or opcode, truncated),
//         R_ARP_SENDER (group or own sender MAC, martian sender address) or R_NOBUFS (no tx slot
//         for the reply).

import {
  CTX_CNT,
  CTX_IFNET,
  CTX_NH,
  CTX_NBR,
  NB_MAC,
  NEVK_ARP,
  NEVF_REQUEST,
  NEVF_TARGET_OURS,
  IF_SIZE,
  IF_MAC,
  IF_ADDR4,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NHF_LOCAL,
  PATH_DROP,
  PATH_LOCAL,
  R_ARP,
  R_ARP_BAD,
  R_ARP_SENDER,
  R_NOBUFS,
  C_ARP_REQ_IN,
  C_ARP_REP_IN,
  C_ARP_REP_OUT,
  C_ARP_CONFLICT,
} from '../layout';
import { ld8, ld16, ld16be, ld32, ld32be, st16, st16be, st32be, cnt_add } from '../util/mem';
import { route4 } from '../fib/route';
import { nb_find } from './nbr';
import { nev_post_learn } from './nev';
import { ether_output, tx_room, ETHERTYPE_ARP } from '../forward/output';

export const ARP_HRD_ETHER: u32 = 1;
export const ARPOP_REQUEST: u32 = 1;
export const ARPOP_REPLY: u32 = 2;
const ARP_LEN: u32 = 28;

@inline function V(path: u32, reason: u32): u32 {
  return (path << 8) | reason;
}

/**
 * Whether `a` (host order) is one of the IPv4 addresses of interface `ifindex`: its primary address,
 * or an address whose local route leaves by it. Caller is inside a pserialize read section.
 */
export function in4_is_ours(ctx: usize, a: u32, ifindex: u32): bool {
  if (a == 0) return false;
  if (ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>ifindex * IF_SIZE + IF_ADDR4) == a) return true;
  const nh = route4(ctx, a);
  if (nh == 0) return false;
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  return (ld32(nhp + NH_FLAGS) & NHF_LOCAL) != 0 && ld32(nhp + NH_IFINDEX) == ifindex;
}

/**
 * Whether an ARP from `spa` (sender MAC at `mac`) has something to teach the cache: an entry with
 * another MAC (RFC 826's merge), or no entry while we are the target. An entry with the same MAC
 * posts nothing: no state changes for it (RFC 4861 7.2.3's rule, which ARP follows here).
 */
function arp_learn(ctx: usize, spa: u32, ifindex: u32, mac: usize, ours: bool): bool {
  const e = nb_find(<usize>ld32(ctx + CTX_NBR), spa, 0, 0, 0, ifindex, 0);
  if (e == 0) return ours;
  return load<u32>(e + NB_MAC) != load<u32>(mac) || ld16(e + NB_MAC + 4) != ld16(mac + 4);
}

/**
 * ARP packet at `a` (alen bytes after the Ethernet header, the frame received on rxif after VLAN
 * demux). Caller guarantees the 14 or 18 bytes before `a` are the received Ethernet header.
 */
export function arp_input(ctx: usize, pd: usize, a: usize, alen: u32, rxif: u32): u32 {
  if (alen < ARP_LEN) return V(PATH_DROP, R_ARP_BAD);
  if (ld16be(a) != ARP_HRD_ETHER || ld16be(a + 2) != 0x0800 || ld8(a + 4) != 6 || ld8(a + 5) != 4) {
    return V(PATH_DROP, R_ARP_BAD);
  }
  const op = ld16be(a + 6);
  if (op != ARPOP_REQUEST && op != ARPOP_REPLY) return V(PATH_DROP, R_ARP_BAD);
  const ifp = <usize>ld32(ctx + CTX_IFNET) + <usize>rxif * IF_SIZE;
  // a group sender MAC is never a host's; our own MAC is our frame looped back
  if ((ld8(a + 8) & 1) != 0) return V(PATH_DROP, R_ARP_SENDER);
  if (load<u32>(a + 8) == load<u32>(ifp + IF_MAC) && ld16(a + 12) == ld16(ifp + IF_MAC + 4)) {
    return V(PATH_DROP, R_ARP_SENDER);
  }
  const spa = ld32be(a + 14);
  const tpa = ld32be(a + 24);
  // sender 0.0.0.0 is an RFC 5227 probe (answered, nothing learned); a multicast, class E or
  // limited-broadcast sender address names no host
  if (spa >>> 24 >= 224) return V(PATH_DROP, R_ARP_SENDER);
  const cnt = <usize>ld32(ctx + CTX_CNT);
  cnt_add(cnt, op == ARPOP_REQUEST ? C_ARP_REQ_IN : C_ARP_REP_IN, 1);
  const ours = in4_is_ours(ctx, tpa, rxif);
  if (spa != 0) {
    if (in4_is_ours(ctx, spa, rxif)) {
      cnt_add(cnt, C_ARP_CONFLICT, 1);
    } else if ((op == ARPOP_REPLY && ours) || arp_learn(ctx, spa, rxif, a + 8, ours)) {
      // RFC 826's merge: the control plane adds the sender when we are the target, and updates an
      // entry it has; the data path posts only those, and not a cache hit with the same MAC. A
      // reply to us always goes up: it is the answer a probe (PROBE, INCOMPLETE) waits for, and
      // the entry it confirms already has that MAC in the data path's table
      nev_post_learn(
        ctx,
        pd,
        NEVK_ARP,
        (op == ARPOP_REQUEST ? NEVF_REQUEST : 0) | (ours ? NEVF_TARGET_OURS : 0),
        rxif,
        a + 14,
        4,
        a + 8,
      );
    }
  }
  if (op != ARPOP_REQUEST || !ours) return V(PATH_LOCAL, R_ARP);
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  // in place: target <- sender, sender <- us (the sender MAC moves before ours overwrites it)
  st16be(a + 6, ARPOP_REPLY);
  store<u32>(a + 18, load<u32>(a + 8));
  st16(a + 22, ld16(a + 12));
  st32be(a + 24, spa);
  store<u32>(a + 8, load<u32>(ifp + IF_MAC));
  st16(a + 12, ld16(ifp + IF_MAC + 4));
  st32be(a + 14, tpa);
  ether_output(ctx, pd, a, ARP_LEN, ETHERTYPE_ARP, rxif, a + 18);
  cnt_add(cnt, C_ARP_REP_OUT, 1);
  return V(PATH_LOCAL, R_ARP);
}
