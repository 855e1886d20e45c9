// TS twin of assembly/forward/local.ts (local delivery: echo replies, port unreachable, RSTs; the
// rules, the rate limit and what is read and written are described there).
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
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld16be, ld32, ld32be, st8, st16, st32, st16be, st32be } from '../util/mem.js';
import { in_cksum, in_cksum_acc, in_cksum_hdr20, in_pseudo4, in_pseudo6 } from '../wire/cksum.js';
import { ether_output, tx_room, ETHERTYPE_IP, ETHERTYPE_IPV6 } from './output.js';
import { icmp4_error, icmp6_error, ICMP_UNREACH, ICMP6_DST_UNREACH } from './icmp.js';
import { gif_is_tunnel, gif_output } from './gif.js';

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
const ICMP_UNREACH_PORT = 3;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;
const ICMP6_DST_UNREACH_NOPORT = 4;
const ND_FIRST = 133;
const ND_LAST = 137;
const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;
const REPLY_TTL = 64;

const V = (path: number, reason: number): number => (path << 8) | reason;

/** See assembly/forward/local.ts: the reply goes back out rxif, or into the tunnel it came out of. */
function reply_output(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  len: number,
  etype: number,
  rxif: number,
  mac: number,
): void {
  if (gif_is_tunnel(m, ctx, rxif)) gif_output(m, ctx, pd, l3, len, etype === ETHERTYPE_IPV6 ? 1 : 0, rxif, rxif, 0, 0);
  else ether_output(m, ctx, pd, l3, len, etype, rxif, mac);
}

function echo_ratelimit(m: Mem, ctx: number, tokOff: number, lastOff: number): boolean {
  const pps = ld32(m, ctx + CTX_ECHO_PPS);
  if (pps === 0) return true;
  const now = ld32(m, ctx + CTX_NOW);
  const cap = ld32(m, ctx + CTX_ECHO_BURST) * 1000;
  let tok = ld32(m, ctx + tokOff) + ((now - ld32(m, ctx + lastOff)) >>> 0) * pps;
  if (tok > cap) tok = cap;
  st32(m, ctx + lastOff, now);
  if (tok < 1000) {
    st32(m, ctx + tokOff, tok);
    return false;
  }
  st32(m, ctx + tokOff, tok - 1000);
  return true;
}

function ip4_options_ok(m: Mem, l3: number, hlen: number): boolean {
  let i = 20;
  while (i < hlen) {
    const t = ld8(m, l3 + i);
    if (t === 0) break;
    if (t === 1) {
      i++;
      continue;
    }
    if (i + 1 >= hlen) return false;
    const ol = ld8(m, l3 + i + 1);
    if (ol < 2 || i + ol > hlen) return false;
    i += ol;
  }
  return true;
}

function save_src_mac(m: Mem, ctx: number, pd: number): number {
  const mac = ctx + CTX_SCRATCH;
  const src = ld32(m, pd + PD_BUF) + 6;
  st32(m, mac, ld32(m, src));
  st16(m, mac + 4, ld16(m, src + 4));
  return mac;
}

function next_ipid(m: Mem, ctx: number): number {
  const id = ld32(m, ctx + CTX_IPID);
  st32(m, ctx + CTX_IPID, (id + 1) & 0xffff);
  return id;
}

function ip4_reply_header(
  m: Mem,
  ctx: number,
  l3: number,
  tos: number,
  len: number,
  proto: number,
  me: number,
  peer: number,
): void {
  st32be(m, l3, 0x45000000 | ((tos & 0xfc) << 16) | len);
  st32be(m, l3 + 4, next_ipid(m, ctx) << 16);
  st32be(m, l3 + 8, (REPLY_TTL << 24) | (proto << 16));
  st32be(m, l3 + 12, me);
  st32be(m, l3 + 16, peer);
  st16be(m, l3 + 10, in_cksum_hdr20(m, l3));
}

function tcp_reset_header(
  m: Mem,
  th: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  dlen: number,
): void {
  st32be(m, th, (dport << 16) | sport);
  if (flags & TH_ACK) {
    st32be(m, th + 4, ack);
    st32be(m, th + 8, 0);
    st32be(m, th + 12, 0x50000000 | (TH_RST << 16));
  } else {
    let seglen = dlen;
    if (flags & TH_SYN) seglen++;
    if (flags & TH_FIN) seglen++;
    st32be(m, th + 4, 0);
    st32be(m, th + 8, seq + seglen);
    st32be(m, th + 12, 0x50000000 | ((TH_RST | TH_ACK) << 16));
  }
  st32be(m, th + 16, 0);
}

export function ip4_local_group(m: Mem, l3: number, hlen: number, iplen: number, reason: number): number {
  if (
    ld8(m, l3 + 9) === IPPROTO_ICMP &&
    (ld16be(m, l3 + 6) & 0x1fff) === 0 &&
    iplen > hlen &&
    ld8(m, l3 + hlen) === ICMP_ECHO
  ) {
    return V(PATH_LOCAL, R_ECHO_BCAST);
  }
  return V(PATH_LOCAL, reason);
}

export function ip4_local(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  hlen: number,
  iplen: number,
  rxif: number,
  l2mc: boolean,
): number {
  if (ld16be(m, l3 + 6) & 0x3fff) return V(PATH_LOCAL, R_LOCAL_FRAG);
  if (hlen > 20 && !ip4_options_ok(m, l3, hlen)) return V(PATH_DROP, R_IP_OPTIONS);
  const proto = ld8(m, l3 + 9);
  const l4 = l3 + hlen;
  const l4len = iplen - hlen;
  const peer = ld32be(m, l3 + 12);
  const me = ld32be(m, l3 + 16);
  if (proto === IPPROTO_ICMP) {
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum(m, l4, l4len) !== 0) return V(PATH_DROP, R_L4_CKSUM);
    if (ld8(m, l4) !== ICMP_ECHO) return V(PATH_LOCAL, R_LOCAL);
    if (l2mc) return V(PATH_LOCAL, R_ECHO_BCAST);
    if (!echo_ratelimit(m, ctx, CTX_ECHO_TOKENS, CTX_ECHO_LAST)) return V(PATH_LOCAL, R_ECHO_RATELIM);
    if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(m, ctx, pd);
    if (hlen > 20) m.u8.copyWithin(l3 + 20, l4, l4 + l4len);
    const icmp = l3 + 20;
    ip4_reply_header(m, ctx, l3, ld8(m, l3 + 1), 20 + l4len, IPPROTO_ICMP, me, peer);
    st8(m, icmp, ICMP_ECHOREPLY);
    st16(m, icmp + 2, 0);
    st16be(m, icmp + 2, in_cksum(m, icmp, l4len));
    reply_output(m, ctx, pd, l3, 20 + l4len, ETHERTYPE_IP, rxif, mac);
    return V(PATH_LOCAL, R_ECHO_REPLY);
  }
  if (proto === IPPROTO_UDP) {
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    const ulen = ld16be(m, l4 + 4);
    if (ulen < 8 || ulen > l4len) return V(PATH_DROP, R_TOO_SHORT);
    if (ld16(m, l4 + 6) !== 0 && in_cksum_acc(m, l4, ulen, in_pseudo4(peer, me, IPPROTO_UDP, ulen)) !== 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    if (!l2mc) icmp4_error(m, ctx, pd, l3, iplen, rxif, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
    return V(PATH_LOCAL, R_PORT_UNREACH);
  }
  if (proto === IPPROTO_TCP) {
    if (l4len < 20) return V(PATH_DROP, R_TOO_SHORT);
    const doff = (ld8(m, l4 + 12) >> 4) << 2;
    if (doff < 20 || doff > l4len) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum_acc(m, l4, l4len, in_pseudo4(peer, me, IPPROTO_TCP, l4len)) !== 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    const flags = ld8(m, l4 + 13);
    if ((flags & TH_RST) !== 0 || l2mc) return V(PATH_LOCAL, R_LOCAL);
    if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(m, ctx, pd);
    const sport = ld16be(m, l4);
    const dport = ld16be(m, l4 + 2);
    const seq = ld32be(m, l4 + 4);
    const ack = ld32be(m, l4 + 8);
    ip4_reply_header(m, ctx, l3, ld8(m, l3 + 1), 40, IPPROTO_TCP, me, peer);
    const th = l3 + 20;
    tcp_reset_header(m, th, sport, dport, seq, ack, flags, l4len - doff);
    st16be(m, th + 16, ~in_cksum_acc(m, th, 20, in_pseudo4(me, peer, IPPROTO_TCP, 20)) & 0xffff);
    reply_output(m, ctx, pd, l3, 40, ETHERTYPE_IP, rxif, mac);
    return V(PATH_LOCAL, R_TCP_RESET);
  }
  return V(PATH_LOCAL, R_LOCAL);
}

function ip6_upper(m: Mem, l3: number): number {
  const nxt = ld8(m, l3 + 6);
  if (nxt !== 0) return (nxt << 16) | 40;
  return (ld8(m, l3 + 40) << 16) | (40 + ((ld8(m, l3 + 41) + 1) << 3));
}

export function ip6_local_group(m: Mem, l3: number, total: number): number {
  const u = ip6_upper(m, l3);
  const off = u & 0xffff;
  if (u >> 16 === IPPROTO_ICMPV6 && off < total && ld8(m, l3 + off) === ICMP6_ECHO_REQUEST) {
    return V(PATH_LOCAL, R_ECHO_BCAST);
  }
  return V(PATH_LOCAL, R_MULTICAST);
}

export function ip6_local(
  m: Mem,
  ctx: number,
  pd: number,
  l3: number,
  total: number,
  rxif: number,
  l2mc: boolean,
  nhIf: number,
): number {
  if ((ld32be(m, l3 + 24) & 0xffc00000) >>> 0 === 0xfe800000 && nhIf !== rxif) {
    const ifp = ld32(m, ctx + CTX_IFNET) + rxif * IF_SIZE;
    if (
      (ld32(m, ifp + IF_FLAGS) & IFF_HAS_LL6) === 0 ||
      ld32(m, ifp + IF_LL6) !== ld32(m, l3 + 24) ||
      ld32(m, ifp + IF_LL6 + 4) !== ld32(m, l3 + 28) ||
      ld32(m, ifp + IF_LL6 + 8) !== ld32(m, l3 + 32) ||
      ld32(m, ifp + IF_LL6 + 12) !== ld32(m, l3 + 36)
    ) {
      return V(PATH_DROP, R_SCOPE);
    }
  }
  const u = ip6_upper(m, l3);
  const nxt = u >> 16;
  const off = u & 0xffff;
  const l4 = l3 + off;
  const l4len = total - off;
  if (nxt === IPPROTO_ICMPV6) {
    if (l4len >= 1) {
      const t = ld8(m, l4);
      if (t >= ND_FIRST && t <= ND_LAST) return V(PATH_LOCAL, R_LOCAL);
    }
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum_acc(m, l4, l4len, in_pseudo6(m, l3 + 8, l3 + 24, IPPROTO_ICMPV6, l4len)) !== 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    if (ld8(m, l4) !== ICMP6_ECHO_REQUEST) return V(PATH_LOCAL, R_LOCAL);
    if (l2mc) return V(PATH_LOCAL, R_ECHO_BCAST);
    if (!echo_ratelimit(m, ctx, CTX_ECHO6_TOKENS, CTX_ECHO6_LAST)) return V(PATH_LOCAL, R_ECHO_RATELIM);
    if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(m, ctx, pd);
    if (off > 40) m.u8.copyWithin(l3 + 40, l4, l4 + l4len);
    const icmp = l3 + 40;
    ip6_reply_header(m, l3, l4len, IPPROTO_ICMPV6);
    st8(m, icmp, ICMP6_ECHO_REPLY);
    st16(m, icmp + 2, 0);
    st16be(m, icmp + 2, ~in_cksum_acc(m, icmp, l4len, in_pseudo6(m, l3 + 8, l3 + 24, IPPROTO_ICMPV6, l4len)) & 0xffff);
    reply_output(m, ctx, pd, l3, 40 + l4len, ETHERTYPE_IPV6, rxif, mac);
    return V(PATH_LOCAL, R_ECHO_REPLY);
  }
  if (nxt === IPPROTO_UDP) {
    if (l4len < 8) return V(PATH_DROP, R_TOO_SHORT);
    const ulen = ld16be(m, l4 + 4);
    if (ulen < 8 || ulen > l4len) return V(PATH_DROP, R_TOO_SHORT);
    if (
      ld16(m, l4 + 6) === 0 ||
      in_cksum_acc(m, l4, ulen, in_pseudo6(m, l3 + 8, l3 + 24, IPPROTO_UDP, ulen)) !== 0xffff
    ) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    if (!l2mc) icmp6_error(m, ctx, pd, l3, total, rxif, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0);
    return V(PATH_LOCAL, R_PORT_UNREACH);
  }
  if (nxt === IPPROTO_TCP) {
    if (l4len < 20) return V(PATH_DROP, R_TOO_SHORT);
    const doff = (ld8(m, l4 + 12) >> 4) << 2;
    if (doff < 20 || doff > l4len) return V(PATH_DROP, R_TOO_SHORT);
    if (in_cksum_acc(m, l4, l4len, in_pseudo6(m, l3 + 8, l3 + 24, IPPROTO_TCP, l4len)) !== 0xffff) {
      return V(PATH_DROP, R_L4_CKSUM);
    }
    const flags = ld8(m, l4 + 13);
    if ((flags & TH_RST) !== 0 || l2mc) return V(PATH_LOCAL, R_LOCAL);
    if (tx_room(m, ctx) === 0) return V(PATH_DROP, R_NOBUFS);
    const mac = save_src_mac(m, ctx, pd);
    const sport = ld16be(m, l4);
    const dport = ld16be(m, l4 + 2);
    const seq = ld32be(m, l4 + 4);
    const ack = ld32be(m, l4 + 8);
    ip6_reply_header(m, l3, 20, IPPROTO_TCP);
    const th = l3 + 40;
    tcp_reset_header(m, th, sport, dport, seq, ack, flags, l4len - doff);
    st16be(m, th + 16, ~in_cksum_acc(m, th, 20, in_pseudo6(m, l3 + 8, l3 + 24, IPPROTO_TCP, 20)) & 0xffff);
    reply_output(m, ctx, pd, l3, 60, ETHERTYPE_IPV6, rxif, mac);
    return V(PATH_LOCAL, R_TCP_RESET);
  }
  return V(PATH_LOCAL, R_LOCAL);
}

function ip6_reply_header(m: Mem, l3: number, plen: number, nxt: number): void {
  st32be(m, l3, ld32be(m, l3) & 0xffc00000);
  st32be(m, l3 + 4, (plen << 16) | (nxt << 8) | REPLY_TTL);
  const s0 = ld32(m, l3 + 8),
    s1 = ld32(m, l3 + 12),
    s2 = ld32(m, l3 + 16),
    s3 = ld32(m, l3 + 20);
  st32(m, l3 + 8, ld32(m, l3 + 24));
  st32(m, l3 + 12, ld32(m, l3 + 28));
  st32(m, l3 + 16, ld32(m, l3 + 32));
  st32(m, l3 + 20, ld32(m, l3 + 36));
  st32(m, l3 + 24, s0);
  st32(m, l3 + 28, s1);
  st32(m, l3 + 32, s2);
  st32(m, l3 + 36, s3);
}
