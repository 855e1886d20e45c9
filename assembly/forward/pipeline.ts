// The forwarding pipeline over a batch of received frames (one CPU's softint). TS twin:
// ts/kernels/forward/pipeline.ts.
//
//   ether_input ─┬─ ARP ─► arp_input (validate; answer a request for us in place) ──► local (+ reply)
//                ├─ ip4_input ─┬─ fast path: ipflow hit ─► rewrite ─► ether_output ► fast
//                │             ├─ normal path: radix lookup ─► checks ─► neighbor ─┬► rewrite ► normal
//                │             │                           (miss: nev ring ► local:held)├► ip4_fragment ► normal
//                │             │                                                   └► icmp4_error ► drop
//                │             └─ for us (local route, broadcast, multicast) ─► ip4_local(_group) ► local
//                │                  (echo reply, port unreachable, RST: local.ts)
//                └─ ip6_input ── hop-by-hop options? ─► ip6_hopopts_input ─► drop (+ parameter problem)
//                                  ├─ ND to a group, our link-local or a local address ─► nd6_input ─► local (+ NA)
//                                  └─ then the same shape as IPv4 (ICMPv6, no fragmentation; ip6_local)
//
// A frame on a bridge member (IFF_BRPORT) goes to bridge_input first (bridge.ts): switched to other
// members (PATH_BRIDGE, C_BRIDGE) or up into ether_input as received on the bridge.
//
// Per frame it reads PD_BUF, PD_LEN, PD_RXIF and writes PD_RXIF (after VLAN demux, or the bridge), PD_PATH,
// PD_REASON, PD_TXIF, PD_NTX, PD_TXFIRST, PD_NH. Every frame ends in exactly one of the counters
// C_FAST, C_NORMAL, C_BRIDGE, C_LOCAL or C_DROP, and local/drop frames also in C_REASON_BASE + reason.
// The router switches act on the normal path only: rp_filter (IFF_RPF_*, R_RPF) after the martian
// source checks, source routes followed in ip4opts.ts (OPT_SRCRT; the destination is read again),
// directed broadcasts to an IFF_DIRBCAST interface (ip4_dirbcast), IPv6 redirects (redirect.ts).
// A batch runs inside one pserialize read section: nexthops and radix nodes it reaches stay valid.
// Two passes, as VPP shapes a node: pass 1 (ip4_classify) parses and verifies every frame of the batch
// (Ethernet, the IPv4 header and its checksum) and marks the plain IPv4 unicast ones in PD_PATH; pass 2
// sends those straight to ip4_route (ipflow, else the normal path) and every other frame to ether_input.
// With ipflow on, pass 1 starts with ip4_fuse: the batch's leading run of ipflow hits that can leave as
// cached is forwarded there and then, frame data still hot, and pass 1 and 2 go on from the first frame
// it declines (frames still leave in order, every lookup sees the table as before).
// With OPT_FIBWARM (tables past FIBWARM_ROUTES IPv4 routes) the batch first loads every IPv4
// destination's tbl24 word in one pass (route4_warm), so the misses overlap; it writes CTX_WARM only.
// Without ipflow, with a compiled FIB, a loop after pass 1 looks up the marked frames' destinations
// (ip4_route_pass; pass 2 takes the nexthop from there) and does the warm-up for the others.

import {
  CTX_PD,
  CTX_NTX,
  CTX_NOW,
  CTX_CNT,
  CTX_IFCNT,
  IFC_SIZE,
  IFC_IPKTS,
  IFC_IBYTES,
  IFC_IDROPS,
  IFC_OPKTS,
  IFC_OBYTES,
  CTX_OPTS,
  CTX_IFNET,
  CTX_NIF,
  CTX_FLOW,
  CTX_FIB4,
  CTX_WARM,
  F4_TBL24,
  CTX_GEN,
  CTX_NH,
  CTX_NBR,
  CTX_NEV,
  CTX_ENCAP,
  CTX_TX,
  CTX_TXCAP,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  FT_IDLE_MS,
  FE_LAST,
  C_GIF_DECAP,
  IFF_GIF,
  R_GIF_NEST,
  R_GIF_INGRESS,
  OPT_FASTFWD,
  OPT_FIBWARM,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  PD_PATH,
  PD_TXIF,
  PD_TXFIRST,
  PD_NH,
  PATH_DROP,
  PATH_FAST,
  PATH_NORMAL,
  PATH_LOCAL,
  PATH_BRIDGE,
  MAX_FRAME,
  IF_SIZE,
  IF_FLAGS,
  IF_MAC,
  IF_MTU,
  IF_VLANMAP,
  IF_BRIDGE,
  IFF_BRPORT,
  IFF_VLAN,
  IFF_BRIDGE,
  IFF_UP,
  IFF_EXISTS,
  IFF_DIRBCAST,
  IFF_RPF_STRICT,
  IFF_RPF_LOOSE,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NH_GW,
  NH_MTU,
  NH_NBR,
  NHF_GATEWAY,
  NHF_LOCAL,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  NHF_PROHIBIT,
  NB_MAC,
  NB_USED,
  NBS_V6,
  FE_MTU,
  FE_TXIF,
  FE_DMAC,
  FE_ETH,
  FE_NH,
  FE_V6,
  C_RX_FRAMES,
  C_RX_BYTES,
  C_FAST,
  C_NORMAL,
  C_BRIDGE,
  C_LOCAL,
  C_DROP,
  C_FLOW_HIT,
  C_FLOW_MISS,
  C_REASON_BASE,
  C_TX_FRAMES,
  C_TX_BYTES,
  R_TOO_SHORT,
  R_TOO_LONG,
  R_L2_OTHER_HOST,
  R_ETHERTYPE,
  R_VLAN_UNKNOWN,
  R_IF_DOWN,
  R_IP_VERSION,
  R_IP_HLEN,
  R_IP_LEN,
  R_IP_CKSUM,
  R_MARTIAN_SRC,
  R_MARTIAN_DST,
  R_TTL,
  R_NO_ROUTE,
  R_NEED_FRAG,
  R_TOO_BIG,
  R_UNRESOLVED,
  R_HELD,
  R_NEV_FULL,
  R_REJECT,
  R_NOBUFS,
  R_SCOPE,
  R_BROADCAST,
  R_MULTICAST,
  R_CANTFORWARD,
  R_SRC_OURS,
  R_RPF,
} from '../layout';
import { ld8, ld16, ld16be, ld32, ld32be, st8, st16, st32, st16be, ald32, cnt_add } from '../util/mem';
import { in_cksum, in_cksum_hdr20, in_cksum_update16 } from '../wire/cksum';
import { laf_fold6, laf_hash, laf_maybe, route4, route4_warm, route4_warm_word, route6 } from '../fib/route';
import { fib4_lookup } from '../fib/dir24';
import { nb_find, nb_find4_hinted, nb_hint4_ok } from '../nbr/nbr';
import { nev_post_miss } from '../nbr/nev';
import { arp_input } from '../nbr/arp';
import { nd6_is_nd, nd6_input } from '../nbr/nd6';
import {
  ipflow_lookup,
  ipflow_lookup_at,
  ipflow_find_at,
  ipflow_touch,
  ipflow_hash,
  ipflow_insert,
  ipflow_check_gen,
  ipflow_expire,
} from '../flow/ipflow';
import {
  ether_output,
  ether_pad,
  tx_room,
  ETHERTYPE_IP,
  ETHERTYPE_IPV6,
  ETHERTYPE_VLAN,
  ETHERTYPE_ARP,
  batch_tx_frames,
  batch_tx_bytes,
  batch_flow_hit,
  batch_flow_miss,
} from './output';
import {
  icmp4_error,
  icmp6_error,
  ICMP_UNREACH,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_FILTER_PROHIB,
  ICMP_TIMXCEED,
  ICMP6_DST_UNREACH,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_TIME_EXCEEDED,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_BEYONDSCOPE,
} from './icmp';
import { ip4_opts_input, ip4_opts_forward, ip4opts_srcrt } from './ip4opts';
import { ip4_redirect, ip6_redirect } from './redirect';
import { ip4_fragment } from './frag';
import { ip6_hopopts_input } from './hbh';
import { ip4_local, ip4_local_group, ip6_local, ip6_local_group } from './local';
import { bridge_input, br_batch_begin, BR_UP } from './bridge';
import {
  encap_lookup,
  encap_ingress_reject,
  gif_output,
  gif_is_tunnel,
  gif_icmp_relay,
  IPPROTO_IPV4,
  IPPROTO_IPV6,
} from './gif';

// A stage's result: path in bits 8..15, reason in bits 0..7.
@inline function V(path: u32, reason: u32): u32 {
  return (path << 8) | reason;
}
const FAST: u32 = PATH_FAST << 8;
const NORMAL: u32 = PATH_NORMAL << 8;

/**
 * Forwards descriptors [0, n) of the context's batch at time `now` (ms; used by ipflow expiry and
 * the ICMP rate limiter). Returns the number of tx entries written (CTX_NTX).
 * Caller guarantees: each descriptor's BUF points BUF_HEADROOM bytes into a cluster, LEN/RXIF are set.
 */
export function fwd_batch(ctx: usize, n: u32, now: u32): u32 {
  // the batch clock never runs backwards (ipflow's LRU order and expiry rely on it); 0 = not yet set
  const prev = ld32(ctx + CTX_NOW);
  if (prev != 0 && <i32>(now - prev) < 0) now = prev;
  st32(ctx + CTX_NOW, now);
  st32(ctx + CTX_NTX, 0);
  batch_tx_frames = 0;
  batch_tx_bytes = 0;
  batch_flow_hit = 0;
  batch_flow_miss = 0;
  br_batch_begin();
  const cnt = <usize>ld32(ctx + CTX_CNT);
  if (ld32(ctx + CTX_OPTS) & OPT_FASTFWD) {
    const ft = <usize>ld32(ctx + CTX_FLOW);
    ipflow_check_gen(ft, ald32(<usize>ld32(ctx + CTX_GEN)), cnt);
    ipflow_expire(ft, now, cnt);
  }
  const pd0 = <usize>ld32(ctx + CTX_PD);
  // without ipflow, with a compiled FIB: pass 1's frames looked up after it (ip4_route_pass)
  const routePass = (ld32(ctx + CTX_OPTS) & OPT_FASTFWD) == 0 && ld32(ctx + CTX_FIB4) != 0;
  const warm = (ld32(ctx + CTX_OPTS) & OPT_FIBWARM) != 0;
  // the batch's FIB misses, overlapped: a loop of its own (inside pass 1, 1M routes ran 8% slower);
  // with routePass, ip4_route_pass warms the frames pass 1 did not mark instead (no load twice)
  if (warm && !routePass) route4_warm(ctx, pd0, n);
  // pass 1: parse and verify the whole batch, mark plain IPv4 unicast; skipped for PASS1_REST
  // batches after one with under an eighth plain (a bridge's, say: 2 ns a frame for nothing), but
  // not when it decides which frames ip4_route_pass warms (CTX_WARM, which the TS twin writes alike)
  const twoPass = pass1_rest == 0 || (routePass && warm);
  let routed = false; // PD_NH of marked frames holds the destination's nexthop (ip4_route_pass)
  let done: u32 = 0; // frames [0, done) forwarded whole by pass 1 (ip4_fuse)
  if (twoPass) {
    if (ld32(ctx + CTX_OPTS) & OPT_FASTFWD) done = ip4_fuse(ctx, pd0, n, now);
    const marked = done + ip4_classify(ctx, pd0, done, n);
    if (marked * 8 < n) pass1_rest = PASS1_REST;
    if (routePass && (marked != 0 || warm)) {
      ip4_route_pass(ctx, pd0, n, warm);
      routed = marked != 0;
    }
  } else {
    pass1_rest--;
  }
  // pass 2 in two copies (pass2 inlined with `routed` a constant): the routed one, with ip4_forward_plain
  // inlined, in a function of its own; the other as before (with the quick path in the one loop the fast
  // path ran 2% slower, with both copies in fwd_batch radix and gif about 1%)
  if (routed) pass2_routed(ctx, pd0, n, now, cnt);
  else pass2(ctx, pd0, done, n, twoPass, false, now, cnt);
  cnt_add(cnt, C_RX_FRAMES, n);
  cnt_add(cnt, C_TX_FRAMES, batch_tx_frames);
  cnt_add(cnt, C_TX_BYTES, batch_tx_bytes);
  cnt_add(cnt, C_FLOW_HIT, batch_flow_hit);
  cnt_add(cnt, C_FLOW_MISS, batch_flow_miss);
  return ld32(ctx + CTX_NTX);
}

/**
 * Pass 2 over descriptors [i0, n) (ip4_fuse did the frames before i0, counted and all): every frame to
 * ip4_plain (marked by pass 1) or ether_input, its receive counters, and the batch's received bytes
 * and fast, normal and bridged frames counted.
 */
@inline function pass2(
  ctx: usize,
  pd0: usize,
  i0: u32,
  n: u32,
  twoPass: bool,
  routed: bool,
  now: u32,
  cnt: usize,
): void {
  const ifc = <usize>ld32(ctx + CTX_IFCNT);
  const nif = ld32(ctx + CTX_NIF);
  let rxBytes: u64 = 0;
  let fast: u32 = 0;
  let normal: u32 = 0;
  let bridged: u32 = 0;
  for (let i: u32 = i0; i < n; i++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    const plain = twoPass && ld16(pd + PD_PATH) == PLAIN4; // pass 1's mark, overwritten below
    const fb = ld32(pd + PD_NH); // and, with ipflow on, the flow's bucket, else maybe the nexthop
    st32(pd + PD_TXIF, 0); // TXIF and NTX
    st32(pd + PD_TXFIRST, ld32(ctx + CTX_NTX));
    st32(pd + PD_NH, 0);
    const len = ld16(pd + PD_LEN);
    rxBytes += len;
    const buf = <usize>ld32(pd + PD_BUF);
    const v = plain ? ip4_plain(ctx, pd, buf + 14, fb, routed, now) : ether_input(ctx, pd, buf, len, now);
    const path = v >> 8;
    st16(pd + PD_PATH, (v >> 8) | ((v & 0xff) << 8)); // PATH and REASON
    const rxif = ld16(pd + PD_RXIF);
    if (rxif < nif) {
      const ic = ifc + <usize>rxif * IFC_SIZE;
      cnt_add(ic, IFC_IPKTS >> 3, 1);
      cnt_add(ic, IFC_IBYTES >> 3, len);
      if (path == PATH_DROP) cnt_add(ic, IFC_IDROPS >> 3, 1);
    }
    if (path == PATH_FAST) fast++;
    else if (path == PATH_NORMAL) normal++;
    else if (path == PATH_BRIDGE) bridged++;
    else {
      cnt_add(cnt, path == PATH_LOCAL ? C_LOCAL : C_DROP, 1);
      cnt_add(cnt, C_REASON_BASE + (v & 0xff), 1);
    }
  }
  cnt_add(cnt, C_RX_BYTES, rxBytes);
  cnt_add(cnt, C_FAST, fast);
  cnt_add(cnt, C_NORMAL, normal);
  cnt_add(cnt, C_BRIDGE, bridged);
}

/** pass2 for a routed batch, a function of its own so fwd_batch's code stays as small as before. */
function pass2_routed(ctx: usize, pd0: usize, n: u32, now: u32, cnt: usize): void {
  pass2(ctx, pd0, 0, n, true, true, now, cnt);
}

@inline function ifOk(ifp: usize): bool {
  return (ld32(ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS)) == (IFF_UP | IFF_EXISTS);
}

/**
 * Whether frames received on ifp can be plain: up, not a bridge member, and a unicast MAC of its own
 * (with a group MAC, ether_input sees every frame for it as l2mc).
 */
@inline function ifPlainRx(ifp: usize): bool {
  return ifOk(ifp) && (ld32(ifp + IF_FLAGS) & IFF_BRPORT) == 0 && (ld8(ifp + IF_MAC) & 1) == 0;
}

// pass 1's mark in PD_PATH: a frame ether_input and ip4_input would pass, unchanged, to ip4_route
const PLAIN4: u32 = 0xffff;

/**
 * Whether the frame at buf (len bytes, received on ifp, an interface that can take plain frames) is a
 * unicast frame to ifp's MAC, IPv4 with a 20-byte header, a length that fits and a valid checksum
 * (ether_input's and ip4_input's checks, none failed). With ip4_addrs_plain: a plain frame.
 */
@inline function ip4_hdr_plain(ifp: usize, buf: usize, len: u32): bool {
  // one compare per field, no branch until the checksum: our MAC (so unicast), EtherType IPv4
  // and version 4 with a 20-byte header (bytes 12..14), 34 <= len <= MAX_FRAME, 20 <= iplen <= len - 14
  const iplen = ld16be(buf + 16);
  const ok =
    (<u32>(load<u32>(buf) == load<u32>(ifp + IF_MAC)) &
      <u32>(ld16(buf + 4) == ld16(ifp + IF_MAC + 4)) &
      <u32>((load<u32>(buf + 12) & 0xffffff) == 0x450008) &
      <u32>(len - 34 <= <u32>MAX_FRAME - 34) &
      <u32>(iplen - 20 <= len - 34)) !=
    0;
  return ok && in_cksum_hdr20(buf + 14) == 0;
}

/**
 * Whether the IPv4 frame at buf has unicast addresses, neither 0/8, 127/8 nor 224/3 on either side
 * (martians and groups: ip4_input's verdicts). A function of its own, tested apart from
 * ip4_hdr_plain: with the two in one expression ip4_classify's code changed shape and the mixed
 * bench ran 1% slower.
 */
@inline function ip4_addrs_plain(buf: usize): bool {
  const s8 = ld8(buf + 26);
  const d8 = ld8(buf + 30);
  return (<u32>(s8 - 1 < 223) & <u32>(s8 != 127) & <u32>(d8 - 1 < 223) & <u32>(d8 != 127)) != 0;
}

/**
 * Pass 1 over descriptors [i0, n) (VPP's shape: the checks of every frame in one tight loop, then the
 * per-frame work): marks in PD_PATH each frame that ether_input and ip4_input would hand to ip4_route
 * with no verdict and no write on the way (ip4_hdr_plain and ip4_addrs_plain, from an interface ifPlainRx takes: up, not a
 * bridge member, a unicast MAC of its own). It reads
 * frames and the interface table only, which the batch's own work never changes, so the marks hold in
 * pass 2; every other frame takes ether_input as before. With ipflow on, a marked frame's PD_NH gets
 * its flow's bucket (scratch until pass 2).
 */
function ip4_classify(ctx: usize, pd0: usize, i0: u32, n: u32): u32 {
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  const nif = ld32(ctx + CTX_NIF);
  // receiving interfaces whose frames can be plain, one bit each, worked out once per batch (up to 64
  // of them; past that, per frame): a batch alternating between bridge members costs one test a frame
  const masked = nif <= 64;
  let plainIfs: u64 = 0;
  if (masked) {
    for (let j: u32 = 1; j < nif; j++) if (ifPlainRx(ifnet + <usize>j * IF_SIZE)) plainIfs |= (<u64>1) << j;
  }
  const ft: usize = ld32(ctx + CTX_OPTS) & OPT_FASTFWD ? <usize>ld32(ctx + CTX_FLOW) : 0;
  let plain: u32 = 0;
  for (let i: u32 = i0; i < n; i++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    const rxif = ld16(pd + PD_RXIF);
    const ifp = ifnet + <usize>rxif * IF_SIZE;
    const ifUsable = rxif != 0 && rxif < nif && (masked ? ((plainIfs >> <u64>rxif) & 1) != 0 : ifPlainRx(ifp));
    let mark: u32 = 0;
    if (ifUsable) {
      const len = ld16(pd + PD_LEN);
      const buf = <usize>ld32(pd + PD_BUF);
      if (ip4_hdr_plain(ifp, buf, len)) {
        if (ip4_addrs_plain(buf)) {
          mark = PLAIN4;
          // the flow's bucket, for pass 2 (PD_NH is scratch until then). Loading the bucket and its
          // first entry here as well, so the misses overlap, measured no faster with tables in cache.
          if (ft != 0) st32(pd + PD_NH, ipflow_hash(ft, buf + 26, buf + 30, ld8(buf + 15)));
        }
      }
    }
    st16(pd + PD_PATH, mark);
    plain += mark & 1;
  }
  return plain;
}

/**
 * Pass 1's fused hit path (ipflow on; nothing when ctx has over 64 interfaces): from frame 0 on, forwards each
 * frame that is plain (as ip4_classify would mark it), flowable (no fragment bits, TTL above 1) and an
 * ipflow hit that can leave as cached (not idle, fits the flow's MTU, its tx interface up and neither a
 * vlan nor a bridge, tx room) right there, with all of pass 2's work for it: TTL and checksum, Ethernet
 * header, tx entry, PD_PATH/REASON (fast), PD_TXIF, PD_NTX, PD_TXFIRST, PD_NH, the flow marked used,
 * and the rx/tx interface counters, C_FAST, C_RX_BYTES and the batch tallies. It stops
 * at the first frame it cannot forward so, having written nothing for it, and returns how many it did:
 * frames [0, done) are complete, and pass 1 and 2 start at `done`, so frames leave in their order and
 * every lookup sees the flow table as it did before (the byte-identical results the TS twin checks).
 */
function ip4_fuse(ctx: usize, pd0: usize, n: u32, now: u32): u32 {
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  const nif = ld32(ctx + CTX_NIF);
  if (nif > 64) return 0;
  const ft = <usize>ld32(ctx + CTX_FLOW);
  // receiving interfaces whose frames can be plain (as ip4_classify's), and tx interfaces a hit can
  // leave by as a plain Ethernet frame (up, neither vlan nor bridge), one bit each
  let plainIfs: u64 = 0;
  let txIfs: u64 = 0;
  for (let j: u32 = 1; j < nif; j++) {
    const ifp = ifnet + <usize>j * IF_SIZE;
    if (ifPlainRx(ifp)) plainIfs |= (<u64>1) << j;
    if ((ld32(ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS | IFF_VLAN | IFF_BRIDGE)) == (IFF_UP | IFF_EXISTS)) {
      txIfs |= (<u64>1) << j;
    }
  }
  const idle = ld32(ft + FT_IDLE_MS);
  const tx0 = <usize>ld32(ctx + CTX_TX);
  const ifc = <usize>ld32(ctx + CTX_IFCNT);
  const ntx0 = ld32(ctx + CTX_NTX); // frame i's tx entry: ntx0 + i
  // each frame forwarded takes one tx entry: the frames there is room for, checked once
  const room = ld32(ctx + CTX_TXCAP) - ntx0;
  const last = n < room ? n : room;
  let rxBytes: u32 = 0;
  let txBytes: u32 = 0;
  let i: u32 = 0;
  for (; i < last; i++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    const rxif = ld16(pd + PD_RXIF);
    if (rxif >= 64 || ((plainIfs >> <u64>rxif) & 1) == 0) break;
    const len = ld16(pd + PD_LEN);
    const buf = <usize>ld32(pd + PD_BUF);
    if (!ip4_hdr_plain(ifnet + <usize>rxif * IF_SIZE, buf, len) || !ip4_addrs_plain(buf)) break;
    const l3 = buf + 14;
    const ttl = ld8(l3 + 8);
    if ((ld16be(l3 + 6) & 0x3fff) != 0 || ttl <= 1) break;
    const tos = ld8(l3 + 1);
    const e = ipflow_find_at(ft, ipflow_hash(ft, l3 + 12, l3 + 16, tos), l3 + 12, l3 + 16, tos);
    if (e == 0 || now - ld32(e + FE_LAST) > idle) break;
    const txif = ld32(e + FE_TXIF);
    const iplen = ld16be(l3 + 2);
    if (iplen > ld32(e + FE_MTU) || txif >= 64 || ((txIfs >> <u64>txif) & 1) == 0) break;
    ipflow_touch(ft, e, now);
    // ip4_rewrite_output's TTL and checksum, then ether_output's plain case
    ip4_ttl_dec(l3);
    // the MACs cached in the entry at insert; the EtherType is IPv4 already (ip4_hdr_plain)
    store<u64>(buf, load<u64>(e + FE_ETH));
    store<u32>(buf + 8, load<u32>(e + FE_ETH + 8));
    const flen = ether_pad(l3, iplen, iplen + 14);
    const t = tx0 + <usize>(ntx0 + i) * TX_SIZE;
    st32(t + TX_BUF, <u32>buf);
    st16(t + TX_LEN, flen);
    st16(t + TX_IF, txif);
    st16(pd + PD_PATH, PATH_FAST);
    st32(pd + PD_TXIF, txif | (1 << 16)); // TXIF and NTX
    st32(pd + PD_TXFIRST, ntx0 + i);
    st32(pd + PD_NH, ld32(e + FE_NH));
    rxBytes += len;
    txBytes += flen;
    const ic = ifc + <usize>rxif * IFC_SIZE;
    cnt_add(ic, IFC_IPKTS >> 3, 1);
    cnt_add(ic, IFC_IBYTES >> 3, len);
    const oc = ifc + <usize>txif * IFC_SIZE;
    cnt_add(oc, IFC_OPKTS >> 3, 1);
    cnt_add(oc, IFC_OBYTES >> 3, flen);
  }
  st32(ctx + CTX_NTX, ntx0 + i);
  batch_tx_frames += i;
  batch_tx_bytes += txBytes;
  batch_flow_hit += i;
  if (i != 0) {
    const cnt = <usize>ld32(ctx + CTX_CNT);
    cnt_add(cnt, C_FAST, i);
    cnt_add(cnt, C_RX_BYTES, rxBytes);
  }
  return i;
}

/**
 * Without ipflow, after pass 1: the nexthop of every marked frame's destination into PD_NH (scratch
 * until pass 2), a loop of its own so the batch's FIB misses overlap (in ip4_classify it slowed the
 * fast path by code alone). The same answers pass 2 would get: the batch is one read section.
 * Compiled FIB only (a radix walk per frame gains nothing from the overlap: measured 13% slower).
 * With `warm` (OPT_FIBWARM) it also loads the tbl24 word of every other frame, as route4_warm would,
 * and writes their xor to CTX_WARM: route4_warm's work without loading a marked frame's word twice.
 */
function ip4_route_pass(ctx: usize, pd0: usize, n: u32, warm: bool): void {
  const f = <usize>ld32(ctx + CTX_FIB4);
  const tbl = <usize>ld32(f + F4_TBL24);
  let acc: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pd = pd0 + <usize>i * PD_SIZE;
    const buf = <usize>ld32(pd + PD_BUF);
    if (ld16(pd + PD_PATH) == PLAIN4) st32(pd + PD_NH, fib4_lookup(f, ld32be(buf + 30)));
    else if (warm) acc ^= route4_warm_word(tbl, buf, ld16(pd + PD_LEN));
  }
  if (warm) st32(ctx + CTX_WARM, acc);
}

// Batches to run without pass 1 after one where it found little to mark (the marks change no
// result, only the speed; the module's globals are per CPU, as the stack's instance is).
const PASS1_REST: u32 = 15;
let pass1_rest: u32 = 0;

/** Pass 2 for a frame pass 1 marked: what ip4_input would do after its checks (ip4_route, inlined here). */
@inline function ip4_plain(ctx: usize, pd: usize, l3: usize, fb: u32, routed: bool, now: u32): u32 {
  const iplen = ld16be(l3 + 2);
  const off = ld16be(l3 + 6);
  const ttl = ld8(l3 + 8);
  const flowable = (ld32(ctx + CTX_OPTS) & OPT_FASTFWD) != 0 && (off & 0x3fff) == 0;
  if (flowable && ttl > 1 && ip4_flow(ctx, pd, l3, iplen, fb, now)) return FAST;
  const src = ld32be(l3 + 12);
  const dst = ld32be(l3 + 16);
  // routed: fb is the destination's nexthop (ip4_route_pass); else the flow's bucket, or nothing
  if (!routed) return ip4_normal(ctx, pd, l3, 20, iplen, off, ttl, src, dst, ld16(pd + PD_RXIF), false, flowable, now);
  if (!flowable) {
    const q = ip4_forward_plain(ctx, pd, l3, iplen, ttl, src, dst, ld16(pd + PD_RXIF), fb);
    if (q != 0) return q;
  }
  pass1_nh = fb;
  const v = ip4_normal(ctx, pd, l3, 20, iplen, off, ttl, src, dst, ld16(pd + PD_RXIF), false, flowable, now);
  pass1_nh = NH_UNKNOWN; // not taken when ip4_normal returned before its lookup
  return v;
}

function ether_input(ctx: usize, pd: usize, buf: usize, len: u32, now: u32): u32 {
  if (len > <u32>MAX_FRAME) return V(PATH_DROP, R_TOO_LONG);
  if (len < 14) return V(PATH_DROP, R_TOO_SHORT);
  let rxif = ld16(pd + PD_RXIF);
  if (rxif == 0 || rxif >= ld32(ctx + CTX_NIF)) return V(PATH_DROP, R_IF_DOWN);
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  let ifp = ifnet + <usize>rxif * IF_SIZE;
  if (!ifOk(ifp)) return V(PATH_DROP, R_IF_DOWN);
  // a bridge member's frames belong to its bridge (bridge.ts): switched there, or up as received on it
  if (ld32(ifp + IF_FLAGS) & IFF_BRPORT) {
    const brif = ld32(ifp + IF_BRIDGE);
    const bv = bridge_input(ctx, pd, buf, len, rxif, brif, now);
    if (bv != BR_UP) return bv;
    rxif = brif;
    st16(pd + PD_RXIF, brif);
    ifp = ifnet + <usize>brif * IF_SIZE;
  }
  const l2mc = (ld8(buf) & 1) != 0; // group address: broadcast or multicast
  if (!l2mc && (load<u32>(buf) != load<u32>(ifp + IF_MAC) || load<u16>(buf + 4) != load<u16>(ifp + IF_MAC + 4))) {
    return V(PATH_DROP, R_L2_OTHER_HOST);
  }
  let et = ld16be(buf + 12);
  let l3off: u32 = 14;
  if (et == ETHERTYPE_VLAN) {
    if (len < 18) return V(PATH_DROP, R_TOO_SHORT);
    const vmap = <usize>ld32(ifp + IF_VLANMAP);
    const vif = vmap != 0 ? ld16(vmap + ((<usize>(ld16be(buf + 14) & 0xfff)) << 1)) : 0;
    if (vif == 0) return V(PATH_DROP, R_VLAN_UNKNOWN);
    rxif = vif;
    st16(pd + PD_RXIF, vif);
    ifp = ifnet + <usize>vif * IF_SIZE;
    if (!ifOk(ifp)) return V(PATH_DROP, R_IF_DOWN);
    et = ld16be(buf + 16);
    l3off = 18;
  }
  if (et == ETHERTYPE_IP) return ip4_input(ctx, pd, buf + l3off, len - l3off, rxif, l2mc, now);
  if (et == ETHERTYPE_IPV6) return ip6_input(ctx, pd, buf + l3off, len - l3off, rxif, l2mc, now);
  if (et == ETHERTYPE_ARP) return arp_input(ctx, pd, buf + l3off, len - l3off, rxif);
  return V(PATH_DROP, R_ETHERTYPE);
}

/**
 * The next hop (host-order words) on txif has no usable neighbor entry: with an event ring, the
 * packet goes to the control plane's hold queue (a copy, as it would leave: it `fits` the MTU) and
 * resolution starts; a packet too big to leave as it is only starts resolution and is dropped (once
 * resolved, the next one gets fragmented or its ICMP error). Without a ring (the multi-CPU engine
 * today) it is dropped as unresolved. Never waits.
 */
function ip_unresolved(
  ctx: usize,
  pd: usize,
  v6: u32,
  txif: u32,
  a0: u32,
  a1: u32,
  a2: u32,
  a3: u32,
  l3: usize,
  len: u32,
  fits: bool,
  rxif: u32,
): u32 {
  if (ld32(ctx + CTX_NEV) == 0) return V(PATH_DROP, R_UNRESOLVED);
  if (!nev_post_miss(ctx, pd, v6, txif, a0, a1, a2, a3, l3, fits ? len : 0, rxif)) return V(PATH_DROP, R_NEV_FULL);
  return fits ? V(PATH_LOCAL, R_HELD) : V(PATH_DROP, R_UNRESOLVED);
}

/** Marks a neighbor entry used (for the control plane's STALE -> DELAY); stores only when unmarked. */
@inline function nb_mark_used(ne: usize): void {
  if (ld8(ne + NB_USED) == 0) st8(ne + NB_USED, 1);
}

/** TTL - 1 with an RFC 1624 incremental checksum update (the caller checked TTL > 1). */
@inline function ip4_ttl_dec(l3: usize): void {
  const old = ld16be(l3 + 8);
  const nw = old - 0x100;
  st16be(l3 + 8, nw);
  st16be(l3 + 10, in_cksum_update16(ld16be(l3 + 10), old, nw));
}

/** TTL - 1 with an RFC 1624 incremental checksum update, then Ethernet output. */
@inline function ip4_rewrite_output(ctx: usize, pd: usize, l3: usize, iplen: u32, txif: u32, dmac: usize): void {
  ip4_ttl_dec(l3);
  st16(pd + PD_TXIF, txif);
  ether_output(ctx, pd, l3, iplen, ETHERTYPE_IP, txif, dmac);
}

function ip4_input(ctx: usize, pd: usize, l3: usize, l3len: u32, rxif: u32, l2mc: bool, now: u32): u32 {
  if (l3len < 20) return V(PATH_DROP, R_TOO_SHORT);
  const vhl = ld8(l3);
  if (vhl >> 4 != 4) return V(PATH_DROP, R_IP_VERSION);
  const hlen = (vhl & 15) << 2;
  if (hlen < 20) return V(PATH_DROP, R_IP_HLEN);
  if (hlen > l3len) return V(PATH_DROP, R_TOO_SHORT);
  const iplen = ld16be(l3 + 2);
  if (iplen < hlen || iplen > l3len) return V(PATH_DROP, R_IP_LEN);
  if ((hlen == 20 ? in_cksum_hdr20(l3) : in_cksum(l3, hlen)) != 0) return V(PATH_DROP, R_IP_CKSUM);
  const src = ld32be(l3 + 12);
  const dst = ld32be(l3 + 16);
  // Martian sources (RFC 1812 5.3.7, 4.2.2.11): 0/8, 127/8, 224/4 multicast, 240/4 class E and the
  // limited broadcast here, before anything; one of our own addresses or a connected subnet's
  // broadcast on the normal path below (it needs a lookup; ipflow never holds such a source).
  const s8 = src >>> 24;
  if (s8 == 0 || s8 == 127 || s8 >= 224) return V(PATH_DROP, R_MARTIAN_SRC);
  if (dst == 0xffffffff) return ip4_local_group(l3, hlen, iplen, R_BROADCAST);
  const d8 = dst >>> 24;
  if (d8 >= 224 && d8 < 240) return ip4_local_group(l3, hlen, iplen, R_MULTICAST);
  if (d8 == 0 || d8 == 127 || d8 >= 240) return V(PATH_DROP, R_MARTIAN_DST);
  return ip4_route(ctx, pd, l3, hlen, iplen, src, dst, rxif, l2mc, now);
}

/**
 * A valid IPv4 datagram (header checked, src/dst host order, neither martian nor a group address):
 * the ipflow fast path, else the normal path.
 */
function ip4_route(
  ctx: usize,
  pd: usize,
  l3: usize,
  hlen: u32,
  iplen: u32,
  src: u32,
  dst: u32,
  rxif: u32,
  l2mc: bool,
  now: u32,
): u32 {
  const off = ld16be(l3 + 6);
  const ttl = ld8(l3 + 8);
  // Fast path: option-less, unfragmented, unicast datagrams that will not expire here.
  const flowable = (ld32(ctx + CTX_OPTS) & OPT_FASTFWD) != 0 && hlen == 20 && (off & 0x3fff) == 0 && !l2mc;
  if (flowable && ttl > 1) {
    const b = ipflow_hash(<usize>ld32(ctx + CTX_FLOW), l3 + 12, l3 + 16, ld8(l3 + 1));
    if (ip4_flow(ctx, pd, l3, iplen, b, now)) return FAST;
  }
  return ip4_normal(ctx, pd, l3, hlen, iplen, off, ttl, src, dst, rxif, l2mc, flowable, now);
}

/** An ipflow hit (b: the flow's bucket) that can leave as cached: forwarded (true); else false, a miss counted. */
@inline function ip4_flow(ctx: usize, pd: usize, l3: usize, iplen: u32, b: u32, now: u32): bool {
  const ft = <usize>ld32(ctx + CTX_FLOW);
  const e = ipflow_lookup_at(ft, b, l3 + 12, l3 + 16, ld8(l3 + 1), now, <usize>ld32(ctx + CTX_CNT));
  if (e == 0) {
    batch_flow_miss++;
    return false;
  }
  const txif = ld32(e + FE_TXIF);
  if (iplen > ld32(e + FE_MTU) || !ifOk(<usize>ld32(ctx + CTX_IFNET) + <usize>txif * IF_SIZE) || tx_room(ctx) == 0) {
    return false;
  }
  batch_flow_hit++;
  st32(pd + PD_NH, ld32(e + FE_NH));
  ip4_rewrite_output(ctx, pd, l3, iplen, txif, e + FE_DMAC);
  return true;
}

/**
 * ip4_normal's common case, inlined, for a frame pass 1 marked and ip4_route_pass routed (nexthop nh),
 * that ipflow will not cache: a source that cannot be ours, no rp_filter on rxif, a gateway or
 * connected nexthop on another interface that is up (not a gif), TTL left, a fit in the MTU, tx room
 * and a usable neighbor (a gateway's by a valid hint). Forwards it and returns NORMAL; anything else
 * returns 0 having written nothing, and ip4_normal decides. Measured: the call into ip4_normal and its
 * general checks cost 11 ns a frame.
 */
@inline function ip4_forward_plain(
  ctx: usize,
  pd: usize,
  l3: usize,
  iplen: u32,
  ttl: u32,
  src: u32,
  dst: u32,
  rxif: u32,
  nh: u32,
): u32 {
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  if (nh == 0 || ttl <= 1 || laf_maybe(ctx, laf_hash(src))) return 0;
  if (ld32(ifnet + <usize>rxif * IF_SIZE + IF_FLAGS) & (IFF_RPF_STRICT | IFF_RPF_LOOSE)) return 0;
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  const fl = ld32(nhp + NH_FLAGS);
  if (fl & (NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return 0;
  const txif = ld32(nhp + NH_IFINDEX);
  const tifp = ifnet + <usize>txif * IF_SIZE;
  // txif == rxif: a redirect to judge
  if (txif == rxif || !ifOk(tifp) || (ld32(tifp + IF_FLAGS) & IFF_GIF) != 0) return 0;
  let mtu = ld32(tifp + IF_MTU);
  const rmtu = ld32(nhp + NH_MTU);
  if (rmtu != 0 && rmtu < mtu) mtu = rmtu;
  if (iplen > mtu || tx_room(ctx) == 0) return 0;
  // a gateway's entry by the nexthop's hint, inline (a call costs the loop its registers); a stale
  // hint is ip4_normal's to refresh
  const ne = fl & NHF_GATEWAY ? <usize>ld32(nhp + NH_NBR) : nb_find(<usize>ld32(ctx + CTX_NBR), dst, 0, 0, 0, txif, 0);
  if (fl & NHF_GATEWAY ? !nb_hint4_ok(ne, ld32(nhp + NH_GW), txif) : ne == 0) return 0;
  nb_mark_used(ne);
  st32(pd + PD_NH, nh);
  ip4_rewrite_output(ctx, pd, l3, iplen, txif, ne + NB_MAC);
  return NORMAL;
}

// pass1_nh when pass 1 did not look the destination up
const NH_UNKNOWN: u32 = 0xffffffff;
// The destination's nexthop from ip4_route_pass, for the ip4_normal call ip4_plain is about to make
// (which takes it and puts NH_UNKNOWN back); a global, as a 14th parameter of ip4_normal cost the
// normal path's other cases 1-2% (radix, gif). Per instance, so per CPU.
let pass1_nh: u32 = NH_UNKNOWN;

/**
 * The normal path (ip_input -> ip_forward -> ip_output) of a datagram ipflow did not forward; the
 * destination's nexthop comes from pass1_nh when ip4_plain set it (an option-less frame).
 */
function ip4_normal(
  ctx: usize,
  pd: usize,
  l3: usize,
  hlen: u32,
  iplen: u32,
  off: u32,
  ttl: u32,
  src: u32,
  dst: u32,
  rxif: u32,
  l2mc: bool,
  flowable: bool,
  now: u32,
): u32 {
  const cnt = <usize>ld32(ctx + CTX_CNT);
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  const ft = <usize>ld32(ctx + CTX_FLOW);
  // The source's own route: one of our addresses from outside (R_SRC_OURS, as Linux's martian
  // source) or a subnet broadcast is a martian; a connected one is what a redirect needs.
  let snh: u32 = 0;
  if (laf_maybe(ctx, laf_hash(src))) snh = route4(ctx, src);
  if (snh != 0) {
    const sfl = ld32(<usize>ld32(ctx + CTX_NH) + <usize>snh * NH_SIZE + NH_FLAGS);
    if (sfl & NHF_LOCAL) return V(PATH_DROP, R_SRC_OURS);
    if (sfl & NHF_BROADCAST) return V(PATH_DROP, R_MARTIAN_SRC);
  }
  // Reverse-path filter (rp_filter, per receiving interface; Linux's fib_validate_source): on the
  // normal path only. ipflow never holds a flow this filter did not pass (ipflow_insert is below), and
  // a flow is keyed by its addresses: a hit skips the filter, as a hit skips the route lookup.
  const rpf = ld32(ifnet + <usize>rxif * IF_SIZE + IF_FLAGS) & (IFF_RPF_STRICT | IFF_RPF_LOOSE);
  if (rpf != 0) {
    if (snh == 0) snh = route4(ctx, src);
    if (!ip4_rpf_ok(ctx, snh, rxif, rpf)) return V(PATH_DROP, R_RPF);
  }
  // Options, ours or not (never on the fast path: `flowable` wants a 20-byte header): ip4opts.ts
  if (hlen > 20) {
    const r = ip4_opts_input(ctx, pd, l3, hlen, iplen, rxif, l2mc);
    if (r != 0) return V(PATH_DROP, r);
    dst = ld32be(l3 + 16); // a source route followed here names the next hop
  }
  // pass 1's nexthop, taken (an inner packet of the same frame must not see it)
  let nh = pass1_nh;
  if (nh == NH_UNKNOWN) nh = route4(ctx, dst);
  else pass1_nh = NH_UNKNOWN;
  if (nh == 0) {
    if (!l2mc) icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_NET, 0);
    return V(PATH_DROP, R_NO_ROUTE);
  }
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  const fl = ld32(nhp + NH_FLAGS);
  if (fl & NHF_LOCAL) {
    // a tunnel's outer packet (assembly/forward/gif.ts): whole datagrams only (no reassembly here)
    const proto = ld8(l3 + 9);
    if ((proto == IPPROTO_IPV4 || proto == IPPROTO_IPV6) && (off & 0x3fff) == 0 && !l2mc) {
      const tab = <usize>ld32(ctx + CTX_ENCAP);
      const gif = tab != 0 ? encap_lookup(tab, 0, l3 + 12, l3 + 16, proto) : 0;
      if (gif != 0) return gif_decap(ctx, pd, l3 + hlen, iplen - hlen, proto == IPPROTO_IPV6, rxif, gif, now);
      if (tab != 0 && encap_ingress_reject(tab, 0, l3 + 16, proto)) return V(PATH_DROP, R_GIF_INGRESS);
    }
    if (proto == 1 && (off & 0x3fff) == 0 && !l2mc) {
      const r = gif_icmp_relay(ctx, pd, l3 + hlen, iplen - hlen, 0, l3, rxif);
      if (r != 0) return r;
    }
    return ip4_local(ctx, pd, l3, hlen, iplen, rxif, l2mc);
  }
  if (fl & NHF_BROADCAST) {
    // a directed broadcast (RFC 2644, RFC 1812 5.3.5.2): forwarded only to another interface's
    // subnet when that interface has directed_broadcast, and only when it came as unicast
    const bif = ld32(nhp + NH_IFINDEX);
    if (bif != rxif && !l2mc && (ld32(ifnet + <usize>bif * IF_SIZE + IF_FLAGS) & IFF_DIRBCAST) != 0) {
      return ip4_dirbcast(ctx, pd, l3, hlen, iplen, off, ttl, nh, bif, now);
    }
    return ip4_local_group(l3, hlen, iplen, R_BROADCAST);
  }
  if (l2mc) return V(PATH_DROP, R_CANTFORWARD);
  if (fl & (NHF_REJECT | NHF_BLACKHOLE)) {
    if (fl & NHF_REJECT) {
      icmp4_error(
        ctx,
        pd,
        l3,
        iplen,
        rxif,
        ICMP_UNREACH,
        fl & NHF_PROHIBIT ? ICMP_UNREACH_FILTER_PROHIB : ICMP_UNREACH_HOST,
        0,
      );
    }
    return V(PATH_DROP, R_REJECT);
  }
  if (ttl <= 1) {
    icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_TIMXCEED, 0, 0);
    return V(PATH_DROP, R_TTL);
  }
  const txif = ld32(nhp + NH_IFINDEX);
  const tifp = ifnet + <usize>txif * IF_SIZE;
  if (!ifOk(tifp)) {
    icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
    return V(PATH_DROP, R_IF_DOWN);
  }
  if (ld32(tifp + IF_FLAGS) & IFF_GIF) return gif_output(ctx, pd, l3, iplen, 0, rxif, txif, nh, 1);
  const gw = fl & NHF_GATEWAY ? ld32(nhp + NH_GW) : dst;
  let mtu = ld32(tifp + IF_MTU);
  const rmtu = ld32(nhp + NH_MTU);
  if (rmtu != 0 && rmtu < mtu) mtu = rmtu;
  // a gateway's entry through the nexthop's hint; a connected destination's varies frame by frame
  const nbr = <usize>ld32(ctx + CTX_NBR);
  const ne = fl & NHF_GATEWAY ? nb_find4_hinted(nbr, nhp + NH_NBR, gw, txif) : nb_find(nbr, gw, 0, 0, 0, txif, 0);
  if (ne == 0) return ip_unresolved(ctx, pd, 0, txif, gw, 0, 0, 0, l3, iplen, iplen <= mtu, rxif);
  nb_mark_used(ne);
  st32(pd + PD_NH, nh);
  if (iplen > mtu) {
    if (off & 0x4000) {
      icmp4_error(ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
      return V(PATH_DROP, R_NEED_FRAG);
    }
    if (hlen > 20) ip4_opts_forward(ctx, l3, hlen, txif, now); // the first fragment carries them
    // decrement TTL once in the original header; each fragment gets its own checksum
    st8(l3 + 8, ttl - 1);
    st16(pd + PD_TXIF, txif);
    if (ip4_fragment(ctx, pd, l3, hlen, iplen, txif, ne + NB_MAC, mtu) == 0) {
      st8(l3 + 8, ttl);
      st16(pd + PD_TXIF, 0);
      return V(PATH_DROP, R_NOBUFS);
    }
    return NORMAL;
  }
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  // back out the way it came, to a host on that subnet: redirect it (redirect.ts), quoting it as received
  // the sender's route only matters here if the filter skipped it: look it up now
  if (txif == rxif && snh == 0) snh = route4(ctx, src);
  const redirected = ip4_redirect(ctx, pd, l3, iplen, rxif, txif, snh, gw, hlen > 20 && ip4opts_srcrt);
  if (hlen > 20) ip4_opts_forward(ctx, l3, hlen, txif, now);
  if (flowable && !redirected) {
    ipflow_insert(ft, l3 + 12, l3 + 16, ld8(l3 + 1), nh, txif, mtu, ne + NB_MAC, tifp + IF_MAC, now, cnt);
  }
  ip4_rewrite_output(ctx, pd, l3, iplen, txif, ne + NB_MAC);
  return NORMAL;
}

/**
 * The reverse-path filter's verdict for a source whose route is nexthop `snh` (0 = none), received
 * on rxif with filter bits `rpf` (IFF_RPF_STRICT or IFF_RPF_LOOSE): loose wants a usable route back
 * (not reject, blackhole, local or broadcast: Linux's RTN_UNICAST), strict also that it leaves by rxif.
 */
function ip4_rpf_ok(ctx: usize, snh: u32, rxif: u32, rpf: u32): bool {
  if (snh == 0) return false;
  const np = <usize>ld32(ctx + CTX_NH) + <usize>snh * NH_SIZE;
  if (ld32(np + NH_FLAGS) & (NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  return (rpf & IFF_RPF_STRICT) == 0 || ld32(np + NH_IFINDEX) == rxif;
}

/**
 * Forwards the IPv4 datagram at l3 (header and options validated, iplen bytes, fragment word `off`,
 * TTL `ttl`) addressed to the subnet broadcast of txif, whose directed_broadcast switch is on, as a
 * link-layer broadcast (RFC 2644; NetBSD's ip_directedbcast, Linux's bc_forwarding). No ICMP error
 * about it (RFC 1812 4.3.2.7: never about a datagram to a broadcast address): TTL 1 or DF and too big
 * are silent drops. Never cached in ipflow. The all-ones destination MAC is written in the cluster's
 * headroom, 8 bytes below the longest Ethernet header ether_output may put in front of l3.
 */
function ip4_dirbcast(
  ctx: usize,
  pd: usize,
  l3: usize,
  hlen: u32,
  iplen: u32,
  off: u32,
  ttl: u32,
  nh: u32,
  txif: u32,
  now: u32,
): u32 {
  const tifp = <usize>ld32(ctx + CTX_IFNET) + <usize>txif * IF_SIZE;
  if (!ifOk(tifp)) return V(PATH_DROP, R_IF_DOWN);
  if (ttl <= 1) return V(PATH_DROP, R_TTL);
  const bmac = l3 - 26;
  store<u32>(bmac, 0xffffffff);
  st16(bmac + 4, 0xffff);
  const mtu = ld32(tifp + IF_MTU);
  st32(pd + PD_NH, nh);
  if (iplen > mtu) {
    if (off & 0x4000) return V(PATH_DROP, R_NEED_FRAG);
    if (hlen > 20) ip4_opts_forward(ctx, l3, hlen, txif, now);
    st8(l3 + 8, ttl - 1);
    st16(pd + PD_TXIF, txif);
    if (ip4_fragment(ctx, pd, l3, hlen, iplen, txif, bmac, mtu) == 0) {
      st8(l3 + 8, ttl);
      st16(pd + PD_TXIF, 0);
      return V(PATH_DROP, R_NOBUFS);
    }
    return NORMAL;
  }
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  if (hlen > 20) ip4_opts_forward(ctx, l3, hlen, txif, now);
  ip4_rewrite_output(ctx, pd, l3, iplen, txif, bmac);
  return NORMAL;
}

@inline function isLinkLocal6(w0: u32): bool {
  return (w0 & 0xffc00000) == 0xfe800000;
}

function ip6_input(ctx: usize, pd: usize, l3: usize, l3len: u32, rxif: u32, l2mc: bool, now: u32): u32 {
  if (l3len < 40) return V(PATH_DROP, R_TOO_SHORT);
  if (ld8(l3) >> 4 != 6) return V(PATH_DROP, R_IP_VERSION);
  const total: u32 = 40 + ld16be(l3 + 4);
  if (total > l3len) return V(PATH_DROP, R_IP_LEN);
  const s0 = ld32be(l3 + 8),
    s1 = ld32be(l3 + 12),
    s2 = ld32be(l3 + 16),
    s3 = ld32be(l3 + 20);
  const d0 = ld32be(l3 + 24),
    d1 = ld32be(l3 + 28),
    d2 = ld32be(l3 + 32),
    d3 = ld32be(l3 + 36);
  // RFC 4291: multicast, loopback and IPv4-mapped sources are never forwarded
  if (s0 >>> 24 == 0xff) return V(PATH_DROP, R_MARTIAN_SRC);
  if (s0 == 0 && s1 == 0 && ((s2 == 0 && s3 == 1) || s2 == 0xffff)) return V(PATH_DROP, R_MARTIAN_SRC);
  const mcdst = d0 >>> 24 == 0xff;
  if (!mcdst) {
    if (s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0) return V(PATH_DROP, R_MARTIAN_SRC); // unspecified, unicast dst
    if (d0 == 0 && d1 == 0 && (d2 == 0 || d2 == 0xffff) && (d2 != 0 || d3 <= 1)) return V(PATH_DROP, R_MARTIAN_DST);
  }
  // Every node examines the hop-by-hop options header, whatever the destination (RFC 8200 4.3):
  // validated here, before multicast and local deliveries and before the ip6flow lookup (which
  // never takes these packets anyway). Without one this costs the compare.
  const nxt = ld8(l3 + 6);
  if (nxt == 0) {
    const r = ip6_hopopts_input(ctx, pd, l3, total, rxif, l2mc, mcdst);
    if (r != 0) return V(PATH_DROP, r);
  }
  // Neighbor discovery is link-scoped: to a multicast group, our link-local address (one compare on
  // the forwarding path) or, below, one of our other addresses (a local route).
  if (mcdst || isLinkLocal6(d0)) {
    if (nd6_is_nd(l3, total)) return nd6_input(ctx, pd, l3, total, rxif);
    if (mcdst) return ip6_local_group(l3, total);
  }

  const cnt = <usize>ld32(ctx + CTX_CNT);
  const ifnet = <usize>ld32(ctx + CTX_IFNET);
  const ft = <usize>ld32(ctx + CTX_FLOW);
  const hlim = ld8(l3 + 7);
  const tos = FE_V6 | (ld32be(l3) & 0xfffff);
  // ip6flow: no hop-by-hop options header, unicast, global scope
  const flowable =
    (ld32(ctx + CTX_OPTS) & OPT_FASTFWD) != 0 && nxt != 0 && !l2mc && !isLinkLocal6(s0) && !isLinkLocal6(d0);
  if (flowable && hlim > 1) {
    const e = ipflow_lookup(ft, l3 + 8, l3 + 24, tos, now, cnt);
    if (e != 0) {
      const txif = ld32(e + FE_TXIF);
      if (total <= ld32(e + FE_MTU) && ifOk(ifnet + <usize>txif * IF_SIZE) && tx_room(ctx) != 0) {
        batch_flow_hit++;
        st32(pd + PD_NH, ld32(e + FE_NH));
        st8(l3 + 7, hlim - 1);
        st16(pd + PD_TXIF, txif);
        ether_output(ctx, pd, l3, total, ETHERTYPE_IPV6, txif, e + FE_DMAC);
        return FAST;
      }
    } else {
      batch_flow_miss++;
    }
  }

  // one of our own global addresses as the source, from outside (link-local ones are per link: a
  // neighbor on another link may hold the same; the scope rule below keeps those from leaving). ND is
  // exempt: an advertisement claiming our address is a conflict the neighbor cache must see.
  if (!isLinkLocal6(s0) && laf_maybe(ctx, laf_hash(laf_fold6(s0, s1, s2, s3))) && !nd6_is_nd(l3, total)) {
    const snh = route6(ctx, l3 + 8);
    if (snh != 0 && (ld32(<usize>ld32(ctx + CTX_NH) + <usize>snh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) != 0) {
      return V(PATH_DROP, R_SRC_OURS);
    }
  }
  const nh = route6(ctx, l3 + 24);
  if (nh == 0) {
    if (isLinkLocal6(d0)) return V(PATH_DROP, R_SCOPE);
    if (!l2mc) icmp6_error(ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
    return V(PATH_DROP, R_NO_ROUTE);
  }
  const nhp = <usize>ld32(ctx + CTX_NH) + <usize>nh * NH_SIZE;
  const fl = ld32(nhp + NH_FLAGS);
  if (fl & NHF_LOCAL) {
    // a tunnel's outer packet: the protocol right after the fixed header (no extension headers)
    if ((nxt == IPPROTO_IPV4 || nxt == IPPROTO_IPV6) && !l2mc) {
      const tab = <usize>ld32(ctx + CTX_ENCAP);
      const gif = tab != 0 ? encap_lookup(tab, 1, l3 + 8, l3 + 24, nxt) : 0;
      if (gif != 0) return gif_decap(ctx, pd, l3 + 40, total - 40, nxt == IPPROTO_IPV6, rxif, gif, now);
      if (tab != 0 && encap_ingress_reject(tab, 1, l3 + 24, nxt)) return V(PATH_DROP, R_GIF_INGRESS);
    }
    if (nxt == 58 && !l2mc) {
      const r = gif_icmp_relay(ctx, pd, l3 + 40, total - 40, 1, l3, rxif);
      if (r != 0) return r;
    }
    return nd6_is_nd(l3, total)
      ? nd6_input(ctx, pd, l3, total, rxif)
      : ip6_local(ctx, pd, l3, total, rxif, l2mc, ld32(nhp + NH_IFINDEX));
  }
  if (l2mc) return V(PATH_DROP, R_CANTFORWARD);
  // link-local addresses never leave their link (RFC 4291 2.5.6); a link-local source bound for a
  // wider scope is told so: destination unreachable code 2, beyond scope of source (RFC 4443 3.1)
  if (isLinkLocal6(d0)) return V(PATH_DROP, R_SCOPE);
  if (isLinkLocal6(s0)) {
    icmp6_error(ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_BEYONDSCOPE, 0);
    return V(PATH_DROP, R_SCOPE);
  }
  if (fl & (NHF_REJECT | NHF_BLACKHOLE)) {
    if (fl & NHF_REJECT) {
      icmp6_error(
        ctx,
        pd,
        l3,
        total,
        rxif,
        ICMP6_DST_UNREACH,
        fl & NHF_PROHIBIT ? ICMP6_DST_UNREACH_ADMIN : ICMP6_DST_UNREACH_NOROUTE,
        0,
      );
    }
    return V(PATH_DROP, R_REJECT);
  }
  if (hlim <= 1) {
    icmp6_error(ctx, pd, l3, total, rxif, ICMP6_TIME_EXCEEDED, 0, 0);
    return V(PATH_DROP, R_TTL);
  }
  const txif = ld32(nhp + NH_IFINDEX);
  const tifp = ifnet + <usize>txif * IF_SIZE;
  if (!ifOk(tifp)) {
    icmp6_error(ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
    return V(PATH_DROP, R_IF_DOWN);
  }
  if (ld32(tifp + IF_FLAGS) & IFF_GIF) return gif_output(ctx, pd, l3, total, 1, rxif, txif, nh, 1);
  let ne: usize;
  if (fl & NHF_GATEWAY) {
    ne = nb_find(
      <usize>ld32(ctx + CTX_NBR),
      ld32(nhp + NH_GW),
      ld32(nhp + NH_GW + 4),
      ld32(nhp + NH_GW + 8),
      ld32(nhp + NH_GW + 12),
      txif,
      NBS_V6,
    );
  } else {
    ne = nb_find(<usize>ld32(ctx + CTX_NBR), d0, d1, d2, d3, txif, NBS_V6);
  }
  let mtu = ld32(tifp + IF_MTU);
  const rmtu = ld32(nhp + NH_MTU);
  if (rmtu != 0 && rmtu < mtu) mtu = rmtu;
  if (ne == 0) {
    return fl & NHF_GATEWAY
      ? ip_unresolved(
          ctx,
          pd,
          1,
          txif,
          ld32(nhp + NH_GW),
          ld32(nhp + NH_GW + 4),
          ld32(nhp + NH_GW + 8),
          ld32(nhp + NH_GW + 12),
          l3,
          total,
          total <= mtu,
          rxif,
        )
      : ip_unresolved(ctx, pd, 1, txif, d0, d1, d2, d3, l3, total, total <= mtu, rxif);
  }
  nb_mark_used(ne);
  st32(pd + PD_NH, nh);
  if (total > mtu) {
    icmp6_error(ctx, pd, l3, total, rxif, ICMP6_PACKET_TOO_BIG, 0, mtu);
    return V(PATH_DROP, R_TOO_BIG);
  }
  if (tx_room(ctx) == 0) return V(PATH_DROP, R_NOBUFS);
  // back out the way it came, to a neighbor of the sender: redirect it (RFC 4861 8.2, redirect.ts)
  const redirected = txif == rxif && ip6_redirect(ctx, pd, l3, total, rxif, nhp, ne);
  if (flowable && !redirected) {
    ipflow_insert(ft, l3 + 8, l3 + 24, tos, nh, txif, mtu, ne + NB_MAC, tifp + IF_MAC, now, cnt);
  }
  st8(l3 + 7, hlim - 1);
  st16(pd + PD_TXIF, txif);
  ether_output(ctx, pd, l3, total, ETHERTYPE_IPV6, txif, ne + NB_MAC);
  return NORMAL;
}

/**
 * The outer packet (received on rxif, for a local address) matched the encap table entry of `gif`:
 * the inner packet at inner (ilen bytes; v6in: IPv6, else IPv4) re-enters input as received on the
 * gif, where the fast path, the routes and local delivery treat it as any other packet (NetBSD's
 * gif_input -> pktq). A packet that came out of a tunnel is not decapsulated again (GIF_NEST_MAX,
 * one level: bounds a tunnel to itself, and an inner packet for the tunnel's own outer address), and
 * a gif that is down takes nothing. The frame counts as received on the physical interface here and
 * on the gif in fwd_batch (PD_RXIF becomes the gif). Reads the gif's flags; writes PD_RXIF, C_GIF_DECAP.
 */
function gif_decap(ctx: usize, pd: usize, inner: usize, ilen: u32, v6in: bool, rxif: u32, gif: u32, now: u32): u32 {
  if (gif_is_tunnel(ctx, rxif)) return V(PATH_DROP, R_GIF_NEST);
  if (!ifOk(<usize>ld32(ctx + CTX_IFNET) + <usize>gif * IF_SIZE)) return V(PATH_DROP, R_IF_DOWN);
  const ic = <usize>ld32(ctx + CTX_IFCNT) + <usize>rxif * IFC_SIZE;
  cnt_add(ic, IFC_IPKTS >> 3, 1);
  cnt_add(ic, IFC_IBYTES >> 3, ld16(pd + PD_LEN));
  cnt_add(<usize>ld32(ctx + CTX_CNT), C_GIF_DECAP, 1);
  st16(pd + PD_RXIF, gif);
  return v6in ? ip6_input(ctx, pd, inner, ilen, gif, false, now) : ip4_input(ctx, pd, inner, ilen, gif, false, now);
}
