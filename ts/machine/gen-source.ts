// The `gen` driver's traffic: flows from the interface's `gen:` config, each placed on the RX queue
// its Toeplitz hash selects through the interface's indirection table — the spreading a multi-queue
// NIC's RSS does, decided once per flow instead of once per frame.
//
//   gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 256, size: 64, rate: 1000000, proto: udp }
//   size: frame size on the wire including the 4-byte FCS (64 = the RFC 2544 minimum); rate in
//   frames/s for the whole interface, 0 = as fast as the CPUs go.
//   src_mac, dst_mac, macs (optional): flow i is sent from src_mac + (i mod macs) to dst_mac + (i mod
//   macs), stations on a switched segment (the RFC 2544 bridge scenario); default: one host on the
//   link sending to the interface's own MAC.
import type { InterfaceConfig } from '../config/schema.js';
import { Mem } from '../kernels/util/mem.js';
import { toe_hash_bitwise } from '../kernels/rss/toeplitz.js';
import { parseMac, parsePrefix } from '../addr/addr.js';
import { buildFrame } from '../packet/build.js';
import { configErrorAt } from '../config/error.js';

export interface GenConfig {
  src: Uint8Array;
  srcPlen: number;
  dst: Uint8Array;
  dstPlen: number;
  flows: number;
  size: number;
  rate: number;
  proto: 'udp' | 'tcp';
  /** base MACs of the flows' stations, and how many (null: the default host and the interface's MAC) */
  stations: { src: Uint8Array; dst: Uint8Array; count: number } | null;
}

const KEYS = new Set(['src', 'dst', 'flows', 'size', 'rate', 'proto', 'src_mac', 'dst_mac', 'macs']);

export function parseGen(ifc: InterfaceConfig): GenConfig {
  const g = ifc.gen ?? {};
  // key '' = the gen: object itself; the error is placed at the key in the YAML (configErrorAt)
  const bad = (key: string, msg: string): never => {
    throw configErrorAt(ifc, `${ifc.field}.gen${key ? `.${key}` : ''}`, msg);
  };
  for (const k of Object.keys(g)) if (!KEYS.has(k)) bad(k, `unknown key '${k}' (expected ${[...KEYS].join(', ')})`);
  const pfx = (k: string, def: string) => {
    const p = parsePrefix(String(g[k] ?? def));
    if (!p) bad(k, `'${String(g[k])}' is not an address or prefix`);
    return p!;
  };
  const int = (k: string, def: number, min: number, max: number) => {
    const v = g[k] ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      bad(k, `must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return v as number;
  };
  const src = pfx('src', '192.0.2.0/24');
  const dst = pfx('dst', '203.0.113.0/24');
  if (src.family !== dst.family)
    bad(g['dst'] !== undefined ? 'dst' : 'src', 'src and dst must be of one address family');
  const proto = (g['proto'] ?? 'udp') as string;
  if (proto !== 'udp' && proto !== 'tcp') bad('proto', `must be udp or tcp, not '${proto}'`);
  const mac = (k: string) => {
    const m = parseMac(String(g[k]));
    if (!m) bad(k, `'${String(g[k])}' is not a MAC address`);
    return m!;
  };
  const l2 = ['src_mac', 'dst_mac', 'macs'].filter((k) => g[k] !== undefined);
  if (l2.length > 0 && l2.length < 3) bad(l2[0]!, 'src_mac, dst_mac and macs go together');
  const stations = l2.length ? { src: mac('src_mac'), dst: mac('dst_mac'), count: int('macs', 1, 1, 65536) } : null;
  return {
    src: src.bytes,
    srcPlen: src.plen,
    dst: dst.bytes,
    dstPlen: dst.plen,
    flows: int('flows', 256, 1, 65536),
    size: int('size', 64, src.family === 4 ? 64 : 78, 1518),
    rate: int('rate', 0, 0, 100_000_000),
    proto: proto as 'udp' | 'tcp',
    stations,
  };
}

/** `base` + i in its low three bytes (a station's MAC). */
function macPlus(base: Uint8Array, i: number): Uint8Array {
  const m = Uint8Array.from(base);
  const v = (((m[3]! << 16) | (m[4]! << 8) | m[5]!) + i) & 0xffffff;
  m[3] = v >> 16;
  m[4] = (v >> 8) & 255;
  m[5] = v & 255;
  return m;
}

function addrIn(base: Uint8Array, plen: number, i: number): Uint8Array {
  const a = Uint8Array.from(base);
  const hostBits = a.length * 8 - plen;
  // spread i over the host bits, lowest byte first, skipping the all-zero host
  let v = hostBits >= 31 ? i + 1 : (i % (2 ** hostBits - 1)) + 1;
  for (let b = a.length - 1; b >= 0 && v > 0; b--) {
    const room = Math.min(8, Math.max(0, hostBits - (a.length - 1 - b) * 8));
    if (room === 0) break;
    a[b] = a[b]! | (v & ((1 << room) - 1));
    v = Math.floor(v / (1 << room));
  }
  return a;
}

/** Whether every host bit of `a` (past `plen`) is set. */
function hostBitsAllOnes(a: Uint8Array, plen: number): boolean {
  for (let bit = plen; bit < a.length * 8; bit++) if (((a[bit >> 3]! >> (7 - (bit & 7))) & 1) === 0) return false;
  return true;
}

/** The RSS queue a flow lands on (the NIC's hash of the 4-tuple; UDP ports only if rss.udp). */
function queueOf(
  ifc: InterfaceConfig,
  src: Uint8Array,
  dst: Uint8Array,
  sport: number,
  dport: number,
  tcp: boolean,
): number {
  const n = src.length * 2 + 4;
  const buf = new Uint8Array(40 + 36);
  buf.set(ifc.rss.key, 0);
  buf.set(src, 40);
  buf.set(dst, 40 + src.length);
  const ports = tcp || ifc.rss.udp;
  if (ports) {
    buf[40 + 2 * src.length] = sport >> 8;
    buf[41 + 2 * src.length] = sport & 255;
    buf[42 + 2 * src.length] = dport >> 8;
    buf[43 + 2 * src.length] = dport & 255;
  }
  const h = toe_hash_bitwise(new Mem({ buffer: buf.buffer }), 0, 40, ports ? n : n - 4);
  return (h & 127) % Math.max(1, ifc.rss.queues); // the default indirection table: entry i -> i mod queues
}

/** Frames (without FCS) of every flow, grouped by the queue RSS puts them on. */
export function genFramesByQueue(ifc: InterfaceConfig, g: GenConfig): Uint8Array[][] {
  const byQueue: Uint8Array[][] = Array.from({ length: Math.max(1, ifc.rss.queues) }, () => []);
  const tcp = g.proto === 'tcp';
  // the sources play hosts on the link: never the router's own addresses or the all-ones host (a
  // broadcast address), which the router drops as martian sources (RFC 1812 5.3.7)
  const own = new Set(ifc.addresses.map((a) => a.bytes.join('.')));
  const hostBits = g.src.length * 8 - g.srcPlen;
  const isHost = (a: Uint8Array) => hostBits >= 31 || !hostBitsAllOnes(a, g.srcPlen);
  let j = 0;
  for (let i = 0; i < g.flows; i++) {
    let src = addrIn(g.src, g.srcPlen, j++);
    for (let tries = 0; tries < 4 && (own.has(src.join('.')) || !isHost(src)); tries++)
      src = addrIn(g.src, g.srcPlen, j++);
    const dst = addrIn(g.dst, g.dstPlen, i * 7);
    const sport = 1024 + (i % 60000);
    const dport = 9;
    const headers = 14 + (src.length === 4 ? 20 : 40) + (tcp ? 20 : 8);
    const st = g.stations;
    const frame = buildFrame({
      dstMac: st ? macPlus(st.dst, i % st.count) : ifc.mac,
      srcMac: st ? macPlus(st.src, i % st.count) : Uint8Array.of(0x02, 0x47, 0x45, 0x4e, ifc.index, 1),
      src,
      dst,
      proto: g.proto,
      sport,
      dport,
      payload: Math.max(0, g.size - 4 - headers),
      minFrame: g.size - 4,
    });
    byQueue[queueOf(ifc, src, dst, sport, dport, tcp)]!.push(frame);
  }
  return byQueue;
}
