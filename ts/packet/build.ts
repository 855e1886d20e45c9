// Builds Ethernet frames (IPv4/IPv6 with UDP, TCP or ICMP) with correct checksums, for the test
// suites, the default scenario and the traffic generator. Not a hot path.
import { Mem } from '../kernels/util/mem.js';
import { in_cksum, in_cksum_acc, in_pseudo4, in_pseudo6 } from '../kernels/wire/cksum.js';

export interface FrameSpec {
  dstMac: Uint8Array;
  srcMac: Uint8Array;
  vlan?: number;
  /** 4 or 16 bytes, wire order */
  src: Uint8Array;
  dst: Uint8Array;
  proto?: 'udp' | 'tcp' | 'icmp' | number;
  sport?: number;
  dport?: number;
  /** TCP flags (default ACK), sequence and acknowledgment numbers (default 1 and 0) */
  tcpFlags?: number;
  seq?: number;
  ack?: number;
  ttl?: number;
  tos?: number;
  flowLabel?: number;
  id?: number;
  df?: boolean;
  /** IPv4 fragment offset in bytes (multiple of 8) and more-fragments flag */
  fragOffset?: number;
  mf?: boolean;
  /** raw IPv4 options (padded to 4 by the builder) */
  options?: Uint8Array;
  /**
   * IPv6: the options of a hop-by-hop options header put before the upper layer (the builder
   * writes Next Header and Hdr Ext Len and pads the header to a multiple of 8 with Pad1)
   */
  hbh?: Uint8Array;
  /** L4 payload length (bytes after the UDP/TCP/ICMP header), filled with a pattern */
  payload?: number;
  /** pad the frame to at least this many bytes (64-byte frames are 60 without FCS) */
  minFrame?: number;
}

const PROTO = { udp: 17, tcp: 6, icmp: 1 } as const;

export function buildFrame(s: FrameSpec): Uint8Array {
  const v6 = s.src.length === 16;
  const protoNum = typeof s.proto === 'number' ? s.proto : PROTO[s.proto ?? 'udp'];
  const icmp = protoNum === 1 && !v6 ? 1 : 0;
  const l4h = protoNum === 6 ? 20 : protoNum === 17 || protoNum === 1 || protoNum === 58 ? 8 : 0;
  const payload = s.payload ?? 18;
  const opts = s.options ? Math.ceil(s.options.length / 4) * 4 : 0;
  const ext = v6 && s.hbh ? Math.ceil((2 + s.hbh.length) / 8) * 8 : 0;
  const l3h = v6 ? 40 + ext : 20 + opts;
  const l2 = s.vlan !== undefined ? 18 : 14;
  const l3len = l3h + l4h + payload;
  const len = Math.max(l2 + l3len, s.minFrame ?? 0);
  const f = new Uint8Array(len);
  const dv = new DataView(f.buffer);
  f.set(s.dstMac, 0);
  f.set(s.srcMac, 6);
  if (s.vlan !== undefined) {
    dv.setUint16(12, 0x8100);
    dv.setUint16(14, s.vlan);
  }
  dv.setUint16(l2 - 2, v6 ? 0x86dd : 0x0800);
  const ip = l2;
  const l4 = ip + l3h;
  for (let i = 0; i < payload; i++) f[l4 + l4h + i] = (i * 7 + 3) & 0xff;
  if (l4h >= 8 && protoNum !== 1 && protoNum !== 58) {
    dv.setUint16(l4, s.sport ?? 1024);
    dv.setUint16(l4 + 2, s.dport ?? 9);
  }
  if (protoNum === 17) dv.setUint16(l4 + 4, l4h + payload);
  if (protoNum === 6) {
    dv.setUint32(l4 + 4, (s.seq ?? 1) >>> 0);
    dv.setUint32(l4 + 8, (s.ack ?? 0) >>> 0);
    f[l4 + 12] = 0x50;
    f[l4 + 13] = s.tcpFlags ?? 0x10;
    dv.setUint16(l4 + 14, 65535);
  }
  if (protoNum === 1 || protoNum === 58) {
    f[l4] = v6 ? 128 : 8;
    dv.setUint16(l4 + 4, 1);
    dv.setUint16(l4 + 6, 1);
  }
  const m = new Mem({ buffer: f.buffer });
  if (v6) {
    dv.setUint32(ip, (6 << 28) | ((s.tos ?? 0) << 20) | ((s.flowLabel ?? 0) & 0xfffff));
    dv.setUint16(ip + 4, ext + l4h + payload);
    f[ip + 6] = ext ? 0 : protoNum;
    if (ext) {
      f[ip + 40] = protoNum;
      f[ip + 41] = ext / 8 - 1;
      f.set(s.hbh!, ip + 42);
    }
    f[ip + 7] = s.ttl ?? 64;
    f.set(s.src, ip + 8);
    f.set(s.dst, ip + 24);
    if (l4h) {
      const ckoff = protoNum === 6 ? 16 : protoNum === 17 ? 6 : 2;
      let ck = ~in_cksum_acc(m, l4, l4h + payload, in_pseudo6(m, ip + 8, ip + 24, protoNum, l4h + payload)) & 0xffff;
      if (ck === 0 && protoNum === 17) ck = 0xffff;
      dv.setUint16(l4 + ckoff, ck);
    }
  } else {
    f[ip] = 0x40 | (l3h >> 2);
    f[ip + 1] = s.tos ?? 0;
    dv.setUint16(ip + 2, l3len);
    dv.setUint16(ip + 4, s.id ?? 1);
    dv.setUint16(ip + 6, (s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | ((s.fragOffset ?? 0) >> 3));
    f[ip + 8] = s.ttl ?? 64;
    f[ip + 9] = protoNum;
    f.set(s.src, ip + 12);
    f.set(s.dst, ip + 16);
    if (s.options) f.set(s.options, ip + 20);
    dv.setUint16(ip + 10, in_cksum(m, ip, l3h));
    if (l4h && !(s.fragOffset || s.mf)) {
      const ckoff = protoNum === 6 ? 16 : protoNum === 17 ? 6 : 2;
      const pseudo = icmp ? 0 : in_pseudo4(dv.getUint32(ip + 12), dv.getUint32(ip + 16), protoNum, l4h + payload);
      let ck = ~in_cksum_acc(m, l4, l4h + payload, pseudo) & 0xffff;
      if (ck === 0 && protoNum === 17) ck = 0xffff;
      dv.setUint16(l4 + ckoff, ck);
    }
  }
  return f;
}

export interface ArpSpec {
  dstMac: Uint8Array;
  srcMac: Uint8Array;
  vlan?: number;
  /** 1 request, 2 reply */
  op: number;
  senderMac: Uint8Array;
  /** 4 bytes each, wire order */
  senderIp: Uint8Array;
  targetMac?: Uint8Array;
  targetIp: Uint8Array;
}

/** An Ethernet/IPv4 ARP frame (RFC 826), padded to 60 bytes. */
export function buildArp(s: ArpSpec): Uint8Array {
  const l2 = s.vlan !== undefined ? 18 : 14;
  const f = new Uint8Array(Math.max(60, l2 + 28));
  const dv = new DataView(f.buffer);
  f.set(s.dstMac, 0);
  f.set(s.srcMac, 6);
  if (s.vlan !== undefined) {
    dv.setUint16(12, 0x8100);
    dv.setUint16(14, s.vlan);
  }
  dv.setUint16(l2 - 2, 0x0806);
  dv.setUint32(l2, 0x00010800);
  dv.setUint32(l2 + 4, 0x06040000 | s.op);
  f.set(s.senderMac, l2 + 8);
  f.set(s.senderIp, l2 + 14);
  if (s.targetMac) f.set(s.targetMac, l2 + 18);
  f.set(s.targetIp, l2 + 24);
  return f;
}

export interface NdSpec {
  dstMac: Uint8Array;
  srcMac: Uint8Array;
  vlan?: number;
  /** 16 bytes each, wire order */
  src: Uint8Array;
  dst: Uint8Array;
  /** ICMPv6 type: 133 RS, 134 RA, 135 NS, 136 NA, 137 redirect */
  type: number;
  code?: number;
  /** IP hop limit (255 unless testing RFC 4861 7.1) */
  hlim?: number;
  /** the 32-bit word after the checksum (NA: R 0x80000000, S 0x40000000, O 0x20000000) */
  flags?: number;
  /** NS/NA/redirect target address */
  target?: Uint8Array;
  /** options, each [type, bytes after the type and length octets]; lengths padded to 8 */
  options?: [number, Uint8Array][];
  /** raw bytes appended after the options (for malformed ones) */
  raw?: Uint8Array;
}

/** An IPv6 neighbor discovery frame (RFC 4861 4) with a correct ICMPv6 checksum. */
export function buildNd(s: NdSpec): Uint8Array {
  const l2 = s.vlan !== undefined ? 18 : 14;
  const fixed = s.type === 133 ? 8 : s.type === 134 ? 16 : s.type === 137 ? 40 : 24;
  const opts = (s.options ?? []).map(([t, b]) => {
    const o = new Uint8Array(Math.ceil((b.length + 2) / 8) * 8);
    o[0] = t;
    o[1] = o.length / 8;
    o.set(b, 2);
    return o;
  });
  const plen = fixed + opts.reduce((n, o) => n + o.length, 0) + (s.raw?.length ?? 0);
  const f = new Uint8Array(l2 + 40 + plen);
  const dv = new DataView(f.buffer);
  f.set(s.dstMac, 0);
  f.set(s.srcMac, 6);
  if (s.vlan !== undefined) {
    dv.setUint16(12, 0x8100);
    dv.setUint16(14, s.vlan);
  }
  dv.setUint16(l2 - 2, 0x86dd);
  const ip = l2;
  dv.setUint32(ip, 0x60000000);
  dv.setUint16(ip + 4, plen);
  f[ip + 6] = 58;
  f[ip + 7] = s.hlim ?? 255;
  f.set(s.src, ip + 8);
  f.set(s.dst, ip + 24);
  const icmp = ip + 40;
  f[icmp] = s.type;
  f[icmp + 1] = s.code ?? 0;
  dv.setUint32(icmp + 4, (s.flags ?? 0) >>> 0);
  if (s.target && fixed >= 24) f.set(s.target, icmp + 8);
  let o = icmp + fixed;
  for (const x of opts) {
    f.set(x, o);
    o += x.length;
  }
  if (s.raw) f.set(s.raw, o);
  const m = new Mem({ buffer: f.buffer });
  dv.setUint16(icmp + 2, ~in_cksum_acc(m, icmp, plen, in_pseudo6(m, ip + 8, ip + 24, 58, plen)) & 0xffff);
  return f;
}
