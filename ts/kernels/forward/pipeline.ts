// TS twin of assembly/forward/pipeline.ts: the same stages in the same order with the same
// writes, so `--engine ts` and `--engine wasm` produce byte-identical memory and output.
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
  C_GIF_DECAP,
  IFF_GIF,
  R_GIF_NEST,
  R_GIF_INGRESS,
  OPT_FASTFWD,
  OPT_FIBWARM,
  PD_SIZE,
  PD_LEN,
  PD_RXIF,
  PD_PATH,
  PD_TXIF,
  PD_TXFIRST,
  PD_NH,
  PD_BUF,
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
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld16be, ld32, ld32be, st8, st16, st32, st16be, ald32, cnt_add } from '../util/mem.js';
import { in_cksum, in_cksum_hdr20, in_cksum_update16 } from '../wire/cksum.js';
import { laf_fold6, laf_hash, laf_maybe, route4, route4_warm, route4_warm_word, route6 } from '../fib/route.js';
import { fib4_lookup } from '../fib/dir24.js';
import { nb_find, nb_find4_hinted, nb_hint4_ok } from '../nbr/nbr.js';
import { nev_post_miss } from '../nbr/nev.js';
import { arp_input } from '../nbr/arp.js';
import { nd6_is_nd, nd6_input } from '../nbr/nd6.js';
import { ipflow_lookup, ipflow_insert, ipflow_check_gen, ipflow_expire } from '../flow/ipflow.js';
import { ether_output, tx_room, batch, ETHERTYPE_IP, ETHERTYPE_IPV6, ETHERTYPE_VLAN, ETHERTYPE_ARP } from './output.js';
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
} from './icmp.js';
import { ip4_opts_input, ip4_opts_forward, ip4opts } from './ip4opts.js';
import { ip4_redirect, ip6_redirect } from './redirect.js';
import { ip4_fragment } from './frag.js';
import { ip6_hopopts_input } from './hbh.js';
import { ip4_local, ip4_local_group, ip6_local, ip6_local_group } from './local.js';
import { bridge_input, br_batch_begin, BR_UP } from './bridge.js';
import {
  encap_lookup,
  encap_ingress_reject,
  gif_output,
  gif_is_tunnel,
  gif_icmp_relay,
  IPPROTO_IPV4,
  IPPROTO_IPV6,
} from './gif.js';

const V = (path: number, reason: number): number => (path << 8) | reason;
const FAST = PATH_FAST << 8;
const NORMAL = PATH_NORMAL << 8;

export function fwd_batch(m: Mem, ctx: number, n: number, now: number): number {
  now >>>= 0;
  const prev = ld32(m, ctx + CTX_NOW);
  if (prev !== 0 && ((now - prev) | 0) < 0) now = prev;
  st32(m, ctx + CTX_NOW, now);
  st32(m, ctx + CTX_NTX, 0);
  batch.txFrames = 0;
  batch.txBytes = 0;
  batch.flowHit = 0;
  batch.flowMiss = 0;
  br_batch_begin();
  let rxBytes = 0;
  let fast = 0;
  let normal = 0;
  let bridged = 0;
  const cnt = ld32(m, ctx + CTX_CNT);
  if (ld32(m, ctx + CTX_OPTS) & OPT_FASTFWD) {
    const ft = ld32(m, ctx + CTX_FLOW);
    ipflow_check_gen(m, ft, ald32(m, ld32(m, ctx + CTX_GEN)), cnt);
    ipflow_expire(m, ft, now, cnt);
  }
  const pd0 = ld32(m, ctx + CTX_PD);
  // without ipflow, with a compiled FIB: pass 1's frames looked up after it (ip4_route_pass), which
  // then also warms the others (see the WASM twin)
  const routePass = (ld32(m, ctx + CTX_OPTS) & OPT_FASTFWD) === 0 && ld32(m, ctx + CTX_FIB4) !== 0;
  const warm = (ld32(m, ctx + CTX_OPTS) & OPT_FIBWARM) !== 0;
  // the batch's FIB misses, overlapped
  if (warm && !routePass) route4_warm(m, ctx, pd0, n);
  const ifc = ld32(m, ctx + CTX_IFCNT);
  const nif = ld32(m, ctx + CTX_NIF);
  // routed: PD_NH of marked frames holds the destination's nexthop (ip4_route_pass)
  let routed = false;
  // The WASM twin forwards a batch's leading run of ipflow hits inside pass 1 (ip4_fuse): the same
  // writes in the same order as this loop's for those frames, so this twin has no copy of it.
  const marked = ip4_classify(m, ctx, pd0, n);
  if (routePass && (marked !== 0 || warm)) {
    ip4_route_pass(m, ctx, pd0, n, warm);
    routed = marked !== 0;
  }
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    const plain = ld16(m, pd + PD_PATH) === PLAIN4;
    const dnh = routed && plain ? ld32(m, pd + PD_NH) : NH_UNKNOWN; // PD_NH is pass 1's scratch
    st32(m, pd + PD_TXIF, 0);
    st32(m, pd + PD_TXFIRST, ld32(m, ctx + CTX_NTX));
    st32(m, pd + PD_NH, 0);
    const len = ld16(m, pd + PD_LEN);
    rxBytes += len;
    const buf = ld32(m, pd + PD_BUF);
    const v = plain ? ip4_plain(m, ctx, pd, buf + 14, dnh, now) : ether_input(m, ctx, pd, buf, len, now);
    const path = v >> 8;
    st16(m, pd + PD_PATH, path | ((v & 0xff) << 8));
    const rxif = ld16(m, pd + PD_RXIF);
    if (rxif < nif) {
      const ic = ifc + rxif * IFC_SIZE;
      cnt_add(m, ic, IFC_IPKTS >> 3, 1);
      cnt_add(m, ic, IFC_IBYTES >> 3, len);
      if (path === PATH_DROP) cnt_add(m, ic, IFC_IDROPS >> 3, 1);
    }
    if (path === PATH_FAST) fast++;
    else if (path === PATH_NORMAL) normal++;
    else if (path === PATH_BRIDGE) bridged++;
    else {
      cnt_add(m, cnt, path === PATH_LOCAL ? C_LOCAL : C_DROP, 1);
      cnt_add(m, cnt, C_REASON_BASE + (v & 0xff), 1);
    }
  }
  cnt_add64(m, cnt, C_RX_FRAMES, n);
  cnt_add64(m, cnt, C_RX_BYTES, rxBytes);
  cnt_add64(m, cnt, C_FAST, fast);
  cnt_add64(m, cnt, C_NORMAL, normal);
  cnt_add64(m, cnt, C_BRIDGE, bridged);
  cnt_add64(m, cnt, C_TX_FRAMES, batch.txFrames);
  cnt_add64(m, cnt, C_TX_BYTES, batch.txBytes);
  cnt_add64(m, cnt, C_FLOW_HIT, batch.flowHit);
  cnt_add64(m, cnt, C_FLOW_MISS, batch.flowMiss);
  return ld32(m, ctx + CTX_NTX);
}

/** cnt_add for a batch total that may reach 2^32 (bytes): splits it into u32 steps. */
function cnt_add64(m: Mem, cnt: number, idx: number, v: number): void {
  while (v > 0xffffffff) {
    cnt_add(m, cnt, idx, 0xffffffff);
    v -= 0xffffffff;
  }
  if (v) cnt_add(m, cnt, idx, v);
}

function ifOk(m: Mem, ifp: number): boolean {
  return (ld32(m, ifp + IF_FLAGS) & (IFF_UP | IFF_EXISTS)) === (IFF_UP | IFF_EXISTS);
}

const PLAIN4 = 0xffff;

/** Pass 1 (see the WASM twin): marks in PD_PATH the frames ether_input and ip4_input pass to ip4_route. */
function ip4_classify(m: Mem, ctx: number, pd0: number, n: number): number {
  const ifnet = ld32(m, ctx + CTX_IFNET);
  const nif = ld32(m, ctx + CTX_NIF);
  let lastIf = 0;
  let mac0 = 0;
  let mac1 = 0;
  let ifUsable = false;
  let marked = 0;
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    let mark = 0;
    const len = ld16(m, pd + PD_LEN);
    const rxif = ld16(m, pd + PD_RXIF);
    if (rxif !== lastIf) {
      const ifp = ifnet + rxif * IF_SIZE;
      lastIf = rxif;
      ifUsable = rxif !== 0 && rxif < nif && ifOk(m, ifp) && (ld32(m, ifp + IF_FLAGS) & IFF_BRPORT) === 0;
      if (ifUsable) {
        mac0 = ld32(m, ifp + IF_MAC);
        mac1 = ld16(m, ifp + IF_MAC + 4);
      }
    }
    const buf = ld32(m, pd + PD_BUF);
    if (ifUsable && len >= 34 && len <= MAX_FRAME && (ld8(m, buf) & 1) === 0) {
      const l3 = buf + 14;
      const iplen = ld16be(m, l3 + 2);
      if (
        ld32(m, buf) === mac0 &&
        ld16(m, buf + 4) === mac1 &&
        ld16be(m, buf + 12) === ETHERTYPE_IP &&
        ld8(m, l3) === 0x45 &&
        iplen >= 20 &&
        iplen <= len - 14 &&
        in_cksum_hdr20(m, l3) === 0
      ) {
        const s8 = ld8(m, l3 + 12);
        const d8 = ld8(m, l3 + 16);
        if (s8 !== 0 && s8 !== 127 && s8 < 224 && d8 !== 0 && d8 !== 127 && d8 < 224) mark = PLAIN4;
      }
    }
    st16(m, pd + PD_PATH, mark);
    if (mark) marked++;
  }
  return marked;
}

/**
 * Without ipflow, after pass 1 (see the WASM twin): each marked frame's destination nexthop into
 * PD_NH; with `warm`, the other frames' tbl24 words xored into CTX_WARM.
 */
function ip4_route_pass(m: Mem, ctx: number, pd0: number, n: number, warm: boolean): void {
  const f = ld32(m, ctx + CTX_FIB4);
  const tbl = ld32(m, f + F4_TBL24);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    const buf = ld32(m, pd + PD_BUF);
    if (ld16(m, pd + PD_PATH) === PLAIN4) st32(m, pd + PD_NH, fib4_lookup(m, f, ld32be(m, buf + 30)));
    else if (warm) acc ^= route4_warm_word(m, tbl, buf, ld16(m, pd + PD_LEN));
  }
  if (warm) st32(m, ctx + CTX_WARM, acc);
}

// ip4_normal's `dnh` when pass 1 did not look the destination up
const NH_UNKNOWN = 0xffffffff;

function ip4_plain(m: Mem, ctx: number, pd: number, l3: number, dnh: number, now: number): number {
  // routed (dnh from ip4_route_pass), and a datagram ipflow will not cache: ip4_normal's common case first
  if (dnh !== NH_UNKNOWN && ((ld32(m, ctx + CTX_OPTS) & OPT_FASTFWD) === 0 || (ld16be(m, l3 + 6) & 0x3fff) !== 0)) {
    const q = ip4_forward_plain(
      m,
      ctx,
      pd,
      l3,
      ld16be(m, l3 + 2),
      ld8(m, l3 + 8),
      ld32be(m, l3 + 12),
      ld32be(m, l3 + 16),
      ld16(m, pd + PD_RXIF),
      dnh,
    );
    if (q !== 0) return q;
  }
  return ip4_route(
    m,
    ctx,
    pd,
    l3,
    20,
    ld16be(m, l3 + 2),
    ld32be(m, l3 + 12),
    ld32be(m, l3 + 16),
    ld16(m, pd + PD_RXIF),
    false,
    now,
    dnh,
  );
}

/**
 * ip4_normal's common case for a routed plain frame (see the WASM twin): forwards it and returns
 * NORMAL, or returns 0 having written nothing, and ip4_normal decides.
 */
function ip4_forward_plain(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  iplen: number,
  ttl: number,
  src: number,
  dst: number,
  rxif: number,
  nh: number,
): number {
  const ifnet = ld32(m, ctx + CTX_IFNET);
  if (nh === 0 || ttl <= 1 || laf_maybe(m, ctx, laf_hash(src))) return 0;
  if (ld32(m, ifnet + rxif * IF_SIZE + IF_FLAGS) & (IFF_RPF_STRICT | IFF_RPF_LOOSE)) return 0;
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  const fl = ld32(m, nhp + NH_FLAGS);
  if (fl & (NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return 0;
  const txif = ld32(m, nhp + NH_IFINDEX);
  const tifp = ifnet + txif * IF_SIZE;
  if (txif === rxif || !ifOk(m, tifp) || (ld32(m, tifp + IF_FLAGS) & IFF_GIF) !== 0) return 0;
  let mtu = ld32(m, tifp + IF_MTU);
  const rmtu = ld32(m, nhp + NH_MTU);
  if (rmtu !== 0 && rmtu < mtu) mtu = rmtu;
  if (iplen > mtu || tx_room(m, ctx) === 0) return 0;
  // a gateway's entry by the nexthop's hint; a stale hint is ip4_normal's to refresh
  const ne = fl & NHF_GATEWAY ? ld32(m, nhp + NH_NBR) : nb_find(m, ld32(m, ctx + CTX_NBR), dst, 0, 0, 0, txif, 0);
  if (fl & NHF_GATEWAY ? !nb_hint4_ok(m, ne, ld32(m, nhp + NH_GW), txif) : ne === 0) return 0;
  nb_mark_used(m, ne);
  st32(m, pd + PD_NH, nh);
  ip4_rewrite_output(m, ctx, pd, l3, iplen, txif, ne + NB_MAC);
  return NORMAL;
}

function ether_input(m: Mem, ctx: number, pd: number, buf: number, len: number, now: number): number {
  if (len > MAX_FRAME) return V(PATH_DROP, R_TOO_LONG);
  if (len < 14) return V(PATH_DROP, R_TOO_SHORT);
  let rxif = ld16(m, pd + PD_RXIF);
  if (rxif === 0 || rxif >= ld32(m, ctx + CTX_NIF)) return V(PATH_DROP, R_IF_DOWN);
  const ifnet = ld32(m, ctx + CTX_IFNET);
  let ifp = ifnet + rxif * IF_SIZE;
  if (!ifOk(m, ifp)) return V(PATH_DROP, R_IF_DOWN);
  if (ld32(m, ifp + IF_FLAGS) & IFF_BRPORT) {
    const brif = ld32(m, ifp + IF_BRIDGE);
    const bv = bridge_input(m, ctx, pd, buf, len, rxif, brif, now);
    if (bv !== BR_UP) return bv;
    rxif = brif;
    st16(m, pd + PD_RXIF, brif);
    ifp = ifnet + brif * IF_SIZE;
  }
  const l2mc = (ld8(m, buf) & 1) !== 0;
  if (!l2mc && (ld32(m, buf) !== ld32(m, ifp + IF_MAC) || ld16(m, buf + 4) !== ld16(m, ifp + IF_MAC + 4))) {
    return V(PATH_DROP, R_L2_OTHER_HOST);
  }
  let et = ld16be(m, buf + 12);
  let l3off = 14;
  if (et === ETHERTYPE_VLAN) {
    if (len < 18) return V(PATH_DROP, R_TOO_SHORT);
    const vmap = ld32(m, ifp + IF_VLANMAP);
    const vif = vmap !== 0 ? ld16(m, vmap + ((ld16be(m, buf + 14) & 0xfff) << 1)) : 0;
    if (vif === 0) return V(PATH_DROP, R_VLAN_UNKNOWN);
    rxif = vif;
    st16(m, pd + PD_RXIF, vif);
    ifp = ifnet + vif * IF_SIZE;
    if (!ifOk(m, ifp)) return V(PATH_DROP, R_IF_DOWN);
    et = ld16be(m, buf + 16);
    l3off = 18;
  }
  if (et === ETHERTYPE_IP) return ip4_input(m, ctx, pd, buf + l3off, len - l3off, rxif, l2mc, now);
  if (et === ETHERTYPE_IPV6) return ip6_input(m, ctx, pd, buf + l3off, len - l3off, rxif, l2mc, now);
  if (et === ETHERTYPE_ARP) return arp_input(m, ctx, pd, buf + l3off, len - l3off, rxif);
  return V(PATH_DROP, R_ETHERTYPE);
}

function ip_unresolved(
  m: Mem,
  ctx: number,
  pd: number,
  v6: number,
  txif: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  l3: number,
  len: number,
  fits: boolean,
  rxif: number,
): number {
  if (ld32(m, ctx + CTX_NEV) === 0) return V(PATH_DROP, R_UNRESOLVED);
  if (!nev_post_miss(m, ctx, pd, v6, txif, a0, a1, a2, a3, l3, fits ? len : 0, rxif)) {
    return V(PATH_DROP, R_NEV_FULL);
  }
  return fits ? V(PATH_LOCAL, R_HELD) : V(PATH_DROP, R_UNRESOLVED);
}

function nb_mark_used(m: Mem, ne: number): void {
  if (ld8(m, ne + NB_USED) === 0) st8(m, ne + NB_USED, 1);
}

function ip4_rewrite_output(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  iplen: number,
  txif: number,
  dmac: number,
): void {
  const old = ld16be(m, l3 + 8);
  const nw = old - 0x100;
  st16be(m, l3 + 8, nw);
  st16be(m, l3 + 10, in_cksum_update16(ld16be(m, l3 + 10), old, nw));
  st16(m, pd + PD_TXIF, txif);
  ether_output(m, ctx, pd, l3, iplen, ETHERTYPE_IP, txif, dmac);
}

function ip4_input(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  l3len: number,
  rxif: number,
  l2mc: boolean,
  now: number,
): number {
  if (l3len < 20) return V(PATH_DROP, R_TOO_SHORT);
  const vhl = ld8(m, l3);
  if (vhl >> 4 !== 4) return V(PATH_DROP, R_IP_VERSION);
  const hlen = (vhl & 15) << 2;
  if (hlen < 20) return V(PATH_DROP, R_IP_HLEN);
  if (hlen > l3len) return V(PATH_DROP, R_TOO_SHORT);
  const iplen = ld16be(m, l3 + 2);
  if (iplen < hlen || iplen > l3len) return V(PATH_DROP, R_IP_LEN);
  if ((hlen === 20 ? in_cksum_hdr20(m, l3) : in_cksum(m, l3, hlen)) !== 0) return V(PATH_DROP, R_IP_CKSUM);
  const src = ld32be(m, l3 + 12);
  const dst = ld32be(m, l3 + 16);
  const s8 = src >>> 24;
  if (s8 === 0 || s8 === 127 || s8 >= 224) return V(PATH_DROP, R_MARTIAN_SRC);
  if (dst === 0xffffffff) return ip4_local_group(m, l3, hlen, iplen, R_BROADCAST);
  const d8 = dst >>> 24;
  if (d8 >= 224 && d8 < 240) return ip4_local_group(m, l3, hlen, iplen, R_MULTICAST);
  if (d8 === 0 || d8 === 127 || d8 >= 240) return V(PATH_DROP, R_MARTIAN_DST);
  return ip4_route(m, ctx, pd, l3, hlen, iplen, src, dst, rxif, l2mc, now, NH_UNKNOWN);
}

function ip4_route(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  hlen: number,
  iplen: number,
  src: number,
  dst: number,
  rxif: number,
  l2mc: boolean,
  now: number,
  dnh: number,
): number {
  const off = ld16be(m, l3 + 6);
  const ttl = ld8(m, l3 + 8);
  const flowable = (ld32(m, ctx + CTX_OPTS) & OPT_FASTFWD) !== 0 && hlen === 20 && (off & 0x3fff) === 0 && !l2mc;
  if (flowable && ttl > 1 && ip4_flow(m, ctx, pd, l3, iplen, now)) return FAST;
  return ip4_normal(m, ctx, pd, l3, hlen, iplen, off, ttl, src, dst, rxif, l2mc, flowable, now, dnh);
}

function ip4_flow(m: Mem, ctx: number, pd: number, l3: number, iplen: number, now: number): boolean {
  const e = ipflow_lookup(m, ld32(m, ctx + CTX_FLOW), l3 + 12, l3 + 16, ld8(m, l3 + 1), now, ld32(m, ctx + CTX_CNT));
  if (e === 0) {
    batch.flowMiss++;
    return false;
  }
  const txif = ld32(m, e + FE_TXIF);
  if (iplen > ld32(m, e + FE_MTU) || !ifOk(m, ld32(m, ctx + CTX_IFNET) + txif * IF_SIZE) || tx_room(m, ctx) === 0) {
    return false;
  }
  batch.flowHit++;
  st32(m, pd + PD_NH, ld32(m, e + FE_NH));
  ip4_rewrite_output(m, ctx, pd, l3, iplen, txif, e + FE_DMAC);
  return true;
}

function ip4_normal(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  hlen: number,
  iplen: number,
  off: number,
  ttl: number,
  src: number,
  dst: number,
  rxif: number,
  l2mc: boolean,
  flowable: boolean,
  now: number,
  dnh: number,
): number {
  const cnt = ld32(m, ctx + CTX_CNT);
  const ifnet = ld32(m, ctx + CTX_IFNET);
  const ft = ld32(m, ctx + CTX_FLOW);
  let snh = 0;
  if (laf_maybe(m, ctx, laf_hash(src))) snh = route4(m, ctx, src);
  if (snh !== 0) {
    const sfl = ld32(m, ld32(m, ctx + CTX_NH) + snh * NH_SIZE + NH_FLAGS);
    if (sfl & NHF_LOCAL) return V(PATH_DROP, R_SRC_OURS);
    if (sfl & NHF_BROADCAST) return V(PATH_DROP, R_MARTIAN_SRC);
  }
  // reverse-path filter (normal path only; ipflow holds only flows that passed it)
  const rpf = ld32(m, ifnet + rxif * IF_SIZE + IF_FLAGS) & (IFF_RPF_STRICT | IFF_RPF_LOOSE);
  if (rpf !== 0) {
    if (snh === 0) snh = route4(m, ctx, src);
    if (!ip4_rpf_ok(m, ctx, snh, rxif, rpf)) return V(PATH_DROP, R_RPF);
  }
  if (hlen > 20) {
    const r = ip4_opts_input(m, ctx, pd, l3, hlen, iplen, rxif, l2mc);
    if (r !== 0) return V(PATH_DROP, r);
    dst = ld32be(m, l3 + 16); // a source route followed here names the next hop
  }
  // dnh: pass 1's nexthop (ip4_route_pass) or NH_UNKNOWN; the WASM twin hands it over in a global
  const nh = dnh !== NH_UNKNOWN ? dnh : route4(m, ctx, dst);
  if (nh === 0) {
    if (!l2mc) icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_NET, 0);
    return V(PATH_DROP, R_NO_ROUTE);
  }
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  const fl = ld32(m, nhp + NH_FLAGS);
  if (fl & NHF_LOCAL) {
    // a tunnel's outer packet (gif.ts): whole datagrams only
    const proto = ld8(m, l3 + 9);
    if ((proto === IPPROTO_IPV4 || proto === IPPROTO_IPV6) && (off & 0x3fff) === 0 && !l2mc) {
      const tab = ld32(m, ctx + CTX_ENCAP);
      const gif = tab !== 0 ? encap_lookup(m, tab, 0, l3 + 12, l3 + 16, proto) : 0;
      if (gif !== 0) return gif_decap(m, ctx, pd, l3 + hlen, iplen - hlen, proto === IPPROTO_IPV6, rxif, gif, now);
      if (tab !== 0 && encap_ingress_reject(m, tab, 0, l3 + 16, proto)) return V(PATH_DROP, R_GIF_INGRESS);
    }
    if (proto === 1 && (off & 0x3fff) === 0 && !l2mc) {
      const r = gif_icmp_relay(m, ctx, pd, l3 + hlen, iplen - hlen, 0, l3, rxif);
      if (r !== 0) return r;
    }
    return ip4_local(m, ctx, pd, l3, hlen, iplen, rxif, l2mc);
  }
  if (fl & NHF_BROADCAST) {
    // a directed broadcast: forwarded only to another interface's subnet with directed_broadcast
    const bif = ld32(m, nhp + NH_IFINDEX);
    if (bif !== rxif && !l2mc && (ld32(m, ifnet + bif * IF_SIZE + IF_FLAGS) & IFF_DIRBCAST) !== 0) {
      return ip4_dirbcast(m, ctx, pd, l3, hlen, iplen, off, ttl, nh, bif, now);
    }
    return ip4_local_group(m, l3, hlen, iplen, R_BROADCAST);
  }
  if (l2mc) return V(PATH_DROP, R_CANTFORWARD);
  if (fl & (NHF_REJECT | NHF_BLACKHOLE)) {
    if (fl & NHF_REJECT) {
      icmp4_error(
        m,
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
    icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_TIMXCEED, 0, 0);
    return V(PATH_DROP, R_TTL);
  }
  const txif = ld32(m, nhp + NH_IFINDEX);
  const tifp = ifnet + txif * IF_SIZE;
  if (!ifOk(m, tifp)) {
    icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
    return V(PATH_DROP, R_IF_DOWN);
  }
  if (ld32(m, tifp + IF_FLAGS) & IFF_GIF) return gif_output(m, ctx, pd, l3, iplen, 0, rxif, txif, nh, 1);
  const gw = fl & NHF_GATEWAY ? ld32(m, nhp + NH_GW) : dst;
  let mtu = ld32(m, tifp + IF_MTU);
  const rmtu = ld32(m, nhp + NH_MTU);
  if (rmtu !== 0 && rmtu < mtu) mtu = rmtu;
  // a gateway's entry through the nexthop's hint; a connected destination's varies frame by frame
  const nbr = ld32(m, ctx + CTX_NBR);
  const ne = fl & NHF_GATEWAY ? nb_find4_hinted(m, nbr, nhp + NH_NBR, gw, txif) : nb_find(m, nbr, gw, 0, 0, 0, txif, 0);
  if (ne === 0) return ip_unresolved(m, ctx, pd, 0, txif, gw, 0, 0, 0, l3, iplen, iplen <= mtu, rxif);
  nb_mark_used(m, ne);
  st32(m, pd + PD_NH, nh);
  if (iplen > mtu) {
    if (off & 0x4000) {
      icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
      return V(PATH_DROP, R_NEED_FRAG);
    }
    if (hlen > 20) ip4_opts_forward(m, ctx, l3, hlen, txif, now);
    st8(m, l3 + 8, ttl - 1);
    st16(m, pd + PD_TXIF, txif);
    if (ip4_fragment(m, ctx, pd, l3, hlen, iplen, txif, ne + NB_MAC, mtu) === 0) {
      st8(m, l3 + 8, ttl);
      st16(m, pd + PD_TXIF, 0);
      return V(PATH_DROP, R_NOBUFS);
    }
    return NORMAL;
  }
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  // the sender's route only matters here if the filter skipped it: look it up now
  if (txif === rxif && snh === 0) snh = route4(m, ctx, src);
  const redirected = ip4_redirect(m, ctx, pd, l3, iplen, rxif, txif, snh, gw, hlen > 20 && ip4opts.srcrt);
  if (hlen > 20) ip4_opts_forward(m, ctx, l3, hlen, txif, now);
  if (flowable && !redirected) {
    ipflow_insert(m, ft, l3 + 12, l3 + 16, ld8(m, l3 + 1), nh, txif, mtu, ne + NB_MAC, tifp + IF_MAC, now, cnt);
  }
  ip4_rewrite_output(m, ctx, pd, l3, iplen, txif, ne + NB_MAC);
  return NORMAL;
}

/** The reverse-path filter's verdict (see the AS twin). */
function ip4_rpf_ok(m: Mem, ctx: number, snh: number, rxif: number, rpf: number): boolean {
  if (snh === 0) return false;
  const np = ld32(m, ctx + CTX_NH) + snh * NH_SIZE;
  if (ld32(m, np + NH_FLAGS) & (NHF_LOCAL | NHF_BROADCAST | NHF_REJECT | NHF_BLACKHOLE)) return false;
  return (rpf & IFF_RPF_STRICT) === 0 || ld32(m, np + NH_IFINDEX) === rxif;
}

/** A directed broadcast out txif as a link-layer broadcast (see the AS twin). */
function ip4_dirbcast(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  hlen: number,
  iplen: number,
  off: number,
  ttl: number,
  nh: number,
  txif: number,
  now: number,
): number {
  const tifp = ld32(m, ctx + CTX_IFNET) + txif * IF_SIZE;
  if (!ifOk(m, tifp)) return V(PATH_DROP, R_IF_DOWN);
  if (ttl <= 1) return V(PATH_DROP, R_TTL);
  const bmac = l3 - 26;
  st32(m, bmac, 0xffffffff);
  st16(m, bmac + 4, 0xffff);
  const mtu = ld32(m, tifp + IF_MTU);
  st32(m, pd + PD_NH, nh);
  if (iplen > mtu) {
    if (off & 0x4000) return V(PATH_DROP, R_NEED_FRAG);
    if (hlen > 20) ip4_opts_forward(m, ctx, l3, hlen, txif, now);
    st8(m, l3 + 8, ttl - 1);
    st16(m, pd + PD_TXIF, txif);
    if (ip4_fragment(m, ctx, pd, l3, hlen, iplen, txif, bmac, mtu) === 0) {
      st8(m, l3 + 8, ttl);
      st16(m, pd + PD_TXIF, 0);
      return V(PATH_DROP, R_NOBUFS);
    }
    return NORMAL;
  }
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  if (hlen > 20) ip4_opts_forward(m, ctx, l3, hlen, txif, now);
  ip4_rewrite_output(m, ctx, pd, l3, iplen, txif, bmac);
  return NORMAL;
}

function isLinkLocal6(w0: number): boolean {
  return (w0 & 0xffc00000) >>> 0 === 0xfe800000;
}

function ip6_input(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  l3len: number,
  rxif: number,
  l2mc: boolean,
  now: number,
): number {
  if (l3len < 40) return V(PATH_DROP, R_TOO_SHORT);
  if (ld8(m, l3) >> 4 !== 6) return V(PATH_DROP, R_IP_VERSION);
  const total = 40 + ld16be(m, l3 + 4);
  if (total > l3len) return V(PATH_DROP, R_IP_LEN);
  const s0 = ld32be(m, l3 + 8),
    s1 = ld32be(m, l3 + 12),
    s2 = ld32be(m, l3 + 16),
    s3 = ld32be(m, l3 + 20);
  const d0 = ld32be(m, l3 + 24),
    d1 = ld32be(m, l3 + 28),
    d2 = ld32be(m, l3 + 32),
    d3 = ld32be(m, l3 + 36);
  if (s0 >>> 24 === 0xff) return V(PATH_DROP, R_MARTIAN_SRC);
  if (s0 === 0 && s1 === 0 && ((s2 === 0 && s3 === 1) || s2 === 0xffff)) return V(PATH_DROP, R_MARTIAN_SRC);
  const mcdst = d0 >>> 24 === 0xff;
  if (!mcdst) {
    if (s0 === 0 && s1 === 0 && s2 === 0 && s3 === 0) return V(PATH_DROP, R_MARTIAN_SRC);
    if (d0 === 0 && d1 === 0 && (d2 === 0 || d2 === 0xffff) && (d2 !== 0 || d3 <= 1))
      return V(PATH_DROP, R_MARTIAN_DST);
  }
  const nxt = ld8(m, l3 + 6);
  if (nxt === 0) {
    const r = ip6_hopopts_input(m, ctx, pd, l3, total, rxif, l2mc, mcdst);
    if (r !== 0) return V(PATH_DROP, r);
  }
  if (mcdst || isLinkLocal6(d0)) {
    if (nd6_is_nd(m, l3, total)) return nd6_input(m, ctx, pd, l3, total, rxif);
    if (mcdst) return ip6_local_group(m, l3, total);
  }

  const cnt = ld32(m, ctx + CTX_CNT);
  const ifnet = ld32(m, ctx + CTX_IFNET);
  const ft = ld32(m, ctx + CTX_FLOW);
  const hlim = ld8(m, l3 + 7);
  const tos = (FE_V6 | (ld32be(m, l3) & 0xfffff)) >>> 0;
  const flowable =
    (ld32(m, ctx + CTX_OPTS) & OPT_FASTFWD) !== 0 && nxt !== 0 && !l2mc && !isLinkLocal6(s0) && !isLinkLocal6(d0);
  if (flowable && hlim > 1) {
    const e = ipflow_lookup(m, ft, l3 + 8, l3 + 24, tos, now, cnt);
    if (e !== 0) {
      const txif = ld32(m, e + FE_TXIF);
      if (total <= ld32(m, e + FE_MTU) && ifOk(m, ifnet + txif * IF_SIZE) && tx_room(m, ctx) !== 0) {
        batch.flowHit++;
        st32(m, pd + PD_NH, ld32(m, e + FE_NH));
        st8(m, l3 + 7, hlim - 1);
        st16(m, pd + PD_TXIF, txif);
        ether_output(m, ctx, pd, l3, total, ETHERTYPE_IPV6, txif, e + FE_DMAC);
        return FAST;
      }
    } else {
      batch.flowMiss++;
    }
  }

  // our own global address as the source, from outside; ND exempt (a conflict the cache must see)
  if (!isLinkLocal6(s0) && laf_maybe(m, ctx, laf_hash(laf_fold6(s0, s1, s2, s3))) && !nd6_is_nd(m, l3, total)) {
    const snh = route6(m, ctx, l3 + 8);
    if (snh !== 0 && (ld32(m, ld32(m, ctx + CTX_NH) + snh * NH_SIZE + NH_FLAGS) & NHF_LOCAL) !== 0) {
      return V(PATH_DROP, R_SRC_OURS);
    }
  }
  const nh = route6(m, ctx, l3 + 24);
  if (nh === 0) {
    if (isLinkLocal6(d0)) return V(PATH_DROP, R_SCOPE);
    if (!l2mc) icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
    return V(PATH_DROP, R_NO_ROUTE);
  }
  const nhp = ld32(m, ctx + CTX_NH) + nh * NH_SIZE;
  const fl = ld32(m, nhp + NH_FLAGS);
  if (fl & NHF_LOCAL) {
    // a tunnel's outer packet: the protocol right after the fixed header
    if ((nxt === IPPROTO_IPV4 || nxt === IPPROTO_IPV6) && !l2mc) {
      const tab = ld32(m, ctx + CTX_ENCAP);
      const gif = tab !== 0 ? encap_lookup(m, tab, 1, l3 + 8, l3 + 24, nxt) : 0;
      if (gif !== 0) return gif_decap(m, ctx, pd, l3 + 40, total - 40, nxt === IPPROTO_IPV6, rxif, gif, now);
      if (tab !== 0 && encap_ingress_reject(m, tab, 1, l3 + 24, nxt)) return V(PATH_DROP, R_GIF_INGRESS);
    }
    if (nxt === 58 && !l2mc) {
      const r = gif_icmp_relay(m, ctx, pd, l3 + 40, total - 40, 1, l3, rxif);
      if (r !== 0) return r;
    }
    return nd6_is_nd(m, l3, total)
      ? nd6_input(m, ctx, pd, l3, total, rxif)
      : ip6_local(m, ctx, pd, l3, total, rxif, l2mc, ld32(m, nhp + NH_IFINDEX));
  }
  if (l2mc) return V(PATH_DROP, R_CANTFORWARD);
  if (isLinkLocal6(d0)) return V(PATH_DROP, R_SCOPE);
  if (isLinkLocal6(s0)) {
    icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_BEYONDSCOPE, 0);
    return V(PATH_DROP, R_SCOPE);
  }
  if (fl & (NHF_REJECT | NHF_BLACKHOLE)) {
    if (fl & NHF_REJECT) {
      icmp6_error(
        m,
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
    icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_TIME_EXCEEDED, 0, 0);
    return V(PATH_DROP, R_TTL);
  }
  const txif = ld32(m, nhp + NH_IFINDEX);
  const tifp = ifnet + txif * IF_SIZE;
  if (!ifOk(m, tifp)) {
    icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
    return V(PATH_DROP, R_IF_DOWN);
  }
  if (ld32(m, tifp + IF_FLAGS) & IFF_GIF) return gif_output(m, ctx, pd, l3, total, 1, rxif, txif, nh, 1);
  const nbr = ld32(m, ctx + CTX_NBR);
  const ne =
    fl & NHF_GATEWAY
      ? nb_find(
          m,
          nbr,
          ld32(m, nhp + NH_GW),
          ld32(m, nhp + NH_GW + 4),
          ld32(m, nhp + NH_GW + 8),
          ld32(m, nhp + NH_GW + 12),
          txif,
          NBS_V6,
        )
      : nb_find(m, nbr, d0, d1, d2, d3, txif, NBS_V6);
  let mtu = ld32(m, tifp + IF_MTU);
  const rmtu = ld32(m, nhp + NH_MTU);
  if (rmtu !== 0 && rmtu < mtu) mtu = rmtu;
  if (ne === 0) {
    return fl & NHF_GATEWAY
      ? ip_unresolved(
          m,
          ctx,
          pd,
          1,
          txif,
          ld32(m, nhp + NH_GW),
          ld32(m, nhp + NH_GW + 4),
          ld32(m, nhp + NH_GW + 8),
          ld32(m, nhp + NH_GW + 12),
          l3,
          total,
          total <= mtu,
          rxif,
        )
      : ip_unresolved(m, ctx, pd, 1, txif, d0, d1, d2, d3, l3, total, total <= mtu, rxif);
  }
  nb_mark_used(m, ne);
  st32(m, pd + PD_NH, nh);
  if (total > mtu) {
    icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_PACKET_TOO_BIG, 0, mtu);
    return V(PATH_DROP, R_TOO_BIG);
  }
  if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
  // back out the way it came, to a neighbor of the sender: redirect it (RFC 4861 8.2, redirect.ts)
  const redirected = txif === rxif && ip6_redirect(m, ctx, pd, l3, total, rxif, nhp, ne);
  if (flowable && !redirected) {
    ipflow_insert(m, ft, l3 + 8, l3 + 24, tos, nh, txif, mtu, ne + NB_MAC, tifp + IF_MAC, now, cnt);
  }
  st8(m, l3 + 7, hlim - 1);
  st16(m, pd + PD_TXIF, txif);
  ether_output(m, ctx, pd, l3, total, ETHERTYPE_IPV6, txif, ne + NB_MAC);
  return NORMAL;
}

/** See assembly/forward/pipeline.ts: the inner packet re-enters input as received on the gif. */
function gif_decap(
  m: Mem,
  ctx: number,
  pd: number,
  inner: number,
  ilen: number,
  v6in: boolean,
  rxif: number,
  gif: number,
  now: number,
): number {
  if (gif_is_tunnel(m, ctx, rxif)) return V(PATH_DROP, R_GIF_NEST);
  if (!ifOk(m, ld32(m, ctx + CTX_IFNET) + gif * IF_SIZE)) return V(PATH_DROP, R_IF_DOWN);
  const ic = ld32(m, ctx + CTX_IFCNT) + rxif * IFC_SIZE;
  cnt_add(m, ic, IFC_IPKTS >> 3, 1);
  cnt_add(m, ic, IFC_IBYTES >> 3, ld16(m, pd + PD_LEN));
  cnt_add(m, ld32(m, ctx + CTX_CNT), C_GIF_DECAP, 1);
  st16(m, pd + PD_RXIF, gif);
  return v6in
    ? ip6_input(m, ctx, pd, inner, ilen, gif, false, now)
    : ip4_input(m, ctx, pd, inner, ilen, gif, false, now);
}
