// The configuration's shape: the YAML an operator writes (the zod schema, snake_case keys as in the
// file) and the Config the rest of the control plane reads (TypeScript types, parsed values).
//
// The zod schema checks one value at a time: types, ranges, address and MAC syntax, unknown keys
// (every object is strict, so a typo such as `adresses:` is an error instead of a silently ignored
// key). What needs more than one value (names that must exist or be unique, families that must
// agree, defaults that depend on an interface's index) is load.ts's job, as is turning zod's issue
// paths into file:line:col.
//
// Defaults are NetBSD's where NetBSD has one: ipflow's idle time (net.inet.ip.ipflow timer), ICMP
// error rate limit (icmperrppslim). ipflow's table is larger than NetBSD's (IPFLOW_HASHSIZE 64,
// ip_maxflows 256: NETBSD_IPFLOW_*, still one line of config away): 256 flows in 64 buckets make
// chains of up to 10, and a flow count past maxflows makes every packet a miss that reaps another.
// The echo reply limit has no NetBSD default (NetBSD answers every echo): it takes Linux's global
// ICMP limit, net.ipv4.icmp_msgs_per_sec / icmp_msgs_burst (1000 / 50).

import { z } from 'zod';
import { isIfName } from './ifname.js';
import type { RouteSpec } from './routes-file.js';
import {
  type Family,
  formatPrefix,
  ipIsMulticast,
  ipIsUnspecified,
  macIsGroup,
  macIsZero,
  parseIP,
  parseMac,
  parsePrefix,
} from '../addr/addr.js';

export type { RouteSpec, RouteType } from './routes-file.js';
export type { Family } from '../addr/addr.js';

/* ---------------------------------------------------------------- the parsed configuration */

/** An interface address with its prefix length, e.g. 192.0.2.1/24 (host bits are the host). */
export interface IfAddress {
  family: Family;
  /** The address, wire order, 4 or 16 bytes. */
  bytes: Uint8Array;
  plen: number;
  /** Canonical text, 'address/plen' (RFC 5952 for IPv6). */
  text: string;
}

/** Receive-side scaling: the Toeplitz key and how many queues to spread flows over. */
export interface RssConfig {
  /** 40-byte Toeplitz key. */
  key: Uint8Array;
  /** 1..64. */
  queues: number;
  /** Hash UDP ports too (otherwise UDP is hashed on addresses only, like TCP fragments). */
  udp: boolean;
}

/** This interface is a vlan(4) on `parent`, tagging with `id`. */
export interface VlanConfig {
  parent: string;
  /** 1..4094 (0 and 4095 are reserved by IEEE 802.1Q). */
  id: number;
}

/**
 * This interface is a bridge(4) over `members` (brconfig's maxaddr and timeout). A member carries no
 * addresses of its own: its frames belong to the bridge, which carries the addresses.
 */
export interface BridgeConfig {
  members: string[];
  /** forwarding database entries, at most (brconfig maxaddr; default 100) */
  maxaddr: number;
  /** seconds a learned address lives unrefreshed (brconfig timeout; default 1200; 0 = forever) */
  timeout: number;
}

/** brconfig(8)'s defaults. */
export const BRIDGE_MAXADDR_DEFAULT = 100;
export const BRIDGE_TIMEOUT_DEFAULT = 1200;
/** members a bridge may have (BR_MAXPORTS) and entries its forwarding database may hold */
export const BRIDGE_MAX_MEMBERS = 16;
export const BRIDGE_MAXADDR_MAX = 65536;

export type NicModel = 'wm' | 'vioif' | 'vmx';

/**
 * A real link's endpoint (`driver: tap|udp|stream|websocket|port` and its block): where the frames come
 * from and go to (ts/host/links-node.ts opens them; a `port` is the embedding program's own, opened by
 * createRouter's multi-CPU mode in ts/portable/router-mp.ts).
 */
export type LinkConfig =
  /** a Linux TAP device, created or attached to by name */
  | { driver: 'tap'; device: string }
  /** one Ethernet frame per UDP datagram (QEMU -netdev dgram / socket,udp=) */
  | { driver: 'udp'; local: string; remote: string }
  /** frames each after a 4-byte big-endian length over TCP or a unix socket (QEMU -netdev stream) */
  | { driver: 'stream'; listen: string | null; connect: string | null }
  /** a WebSocket listener: each client a station on one switched segment with the interface */
  | { driver: 'websocket'; listen: string; maxClients: number; queue: number }
  /** the program that embeds mpstack: its frames in and out through createRouter's ports */
  | { driver: 'port' };

/** gif(4): outer source (one of our addresses) and destination, wire order, both IPv4 or both IPv6. */
export interface GifConfig {
  src: Uint8Array;
  dst: Uint8Array;
  /** outer TTL / hop limit (NetBSD's GIF_TTL, 30, by default) */
  ttl: number;
}

export interface InterfaceConfig {
  name: string;
  /** 1-based, in file order. */
  index: number;
  /** 6 bytes. Default 02:6d:70:00:HH:LL with HHLL the index; a vlan defaults to its parent's MAC. */
  mac: Uint8Array;
  mtu: number;
  up: boolean;
  addresses: IfAddress[];
  rss: RssConfig;
  vlan: VlanConfig | null;
  /** a bridge(4) over member interfaces, null for the others */
  bridge: BridgeConfig | null;
  /** a gif(4) tunnel interface (no NIC, no driver); null for the others */
  gif: GifConfig | null;
  model: NicModel | null;
  driver: string | null;
  /** the real link behind a tap/udp/stream/websocket interface, null for the others */
  link: LinkConfig | null;
  /** Driver sub-objects, passed through unchecked for now ({} when written empty). */
  gen: Record<string, unknown> | null;
  pcap: Record<string, unknown> | null;
  /** poll mode (NAPI-like): the queue's interrupt stays off while its CPU polls up to `budget` batches */
  poll: { budget: number } | null;
  /** interrupt moderation: interrupt when `frames` are waiting or the oldest has waited `usecs` */
  moderation: { frames: number; usecs: number };
  /** ICMP host redirects out of this interface (RFC 1812 5.2.7.2); on by default, as NetBSD and Linux */
  sendRedirects: boolean;
  /** Forward directed broadcasts to this interface's subnet, as link-layer broadcasts (RFC 2644); off by default */
  directedBroadcast: boolean;
  /** Reverse-path filter on IPv4 received here, as Linux's rp_filter: 0 off (default), 1 strict, 2 loose */
  rpFilter: 0 | 1 | 2;
  /** Line of the YAML where the interface is declared. */
  line: number;
  /** The config file, and where this interface's fields are (`interfaces[1].gen.flows`): for the
   *  ConfigErrors of the drivers that read gen:/pcap: later (configErrorAt in error.ts). */
  file: string;
  field: string;
  places: Places;
}

/** A YAML node's position, 1-based. */
export interface Place {
  line: number;
  col: number;
}
/**
 * Positions of the fields read after loading, by field path (`routes_file`, `interfaces[1]`,
 * `interfaces[1].gen`, `interfaces[1].gen.flows`, `interfaces[1].pcap.in`).
 */
export type Places = Readonly<Record<string, Place>>;

/** A static ARP (IPv4) or NDP (IPv6) entry. */
export interface NeighborConfig {
  family: Family;
  address: Uint8Array;
  mac: Uint8Array;
  dev: string;
  line: number;
}

export interface IpflowConfig {
  /** Buckets in the flow hash, a power of two. */
  hashsize: number;
  /** Flows cached at most. */
  maxflows: number;
  /** Seconds a flow may sit unused before it is dropped. */
  idle: number;
}

export interface IcmpConfig {
  /** ICMP errors sent per second at most; 0 = unlimited. */
  ratelimit: number;
  /** Errors that may go out back to back before the rate applies. */
  burst: number;
  /**
   * Echo replies (ICMP and ICMPv6) sent per second at most, per CPU and family, from a bucket of
   * their own (a ping flood cannot starve the errors traceroute and PMTU discovery need, nor the
   * reverse); 0 = unlimited, as NetBSD and Linux answer.
   */
  echo_ratelimit: number;
  /** Echo replies that may go out back to back before echo_ratelimit applies. */
  echo_burst: number;
}

/**
 * Neighbor cache parameters of one family (`arp:` for IPv4, `nd:` for IPv6): RFC 4861's constants
 * (REACHABLE_TIME, RETRANS_TIMER, MAX_MULTICAST_SOLICIT, MAX_UNICAST_SOLICIT, DELAY_FIRST_PROBE_TIME),
 * the hold queue per unresolved entry and the table size past which unused STALE entries go.
 */
export interface NudConfig {
  reachableMs: number;
  retransMs: number;
  mcastSolicit: number;
  ucastSolicit: number;
  delayMs: number;
  holdQueue: number;
  maxEntries: number;
}

export interface IpConfig {
  /** Process IPv4 loose/strict source routes (RFC 791) instead of refusing them; off by default,
   *  as NetBSD's forwsrcrt=0 and Linux's accept_source_route=0 (RFC 7126). */
  forwardSourceRoute: boolean;
}

/** Transparent huge pages for the shared memory: 'auto' (on where supported, else off), true (on, or an error), false. */
export type HugePagesSetting = boolean | 'auto';

/** How the engine's CPUs run (`engine:`). */
export interface EngineConfig {
  /**
   * Busy polling, µs (0: off, the default): after its last work a CPU keeps polling its queues and
   * reads its TAP links' devices itself for this long before it sleeps, so a frame arriving meanwhile
   * pays no thread wake-up. It burns that CPU's core while it spins (as DPDK's poll mode).
   */
  busyPollUs: number;
  /**
   * Transparent huge pages for the shared memory (ts/stack/huge-pages.ts): 'auto' (the default) advises
   * them in Node on Linux where THP is `always` or `madvise` and is a no-op elsewhere; true is an error
   * where they cannot be had (Deno, browsers, other systems, THP `never`); false leaves 4-KiB pages.
   */
  hugePages: HugePagesSetting;
}

/** The most busy_poll_us takes: one second (past that, a core that never sleeps is simpler said so). */
export const MAX_BUSY_POLL_US = 1_000_000;

export interface Config {
  /** The config file, as given (used in messages). */
  file: string;
  interfaces: InterfaceConfig[];
  /** The YAML `routes:`; fresh objects, file/line point into the YAML. */
  routes: RouteSpec[];
  /** Absolute path of routes_file, or null. Not read here: stream it with parseRoutesBytes/Text. */
  routesFile: string | null;
  neighbors: NeighborConfig[];
  ipflow: IpflowConfig;
  icmp: IcmpConfig;
  arp: NudConfig;
  nd: NudConfig;
  fastforward: boolean;
  /** IP behaviour switches (`ip:`). */
  ip: IpConfig;
  /** IPv4 lookup backend: per-packet radix lookups (as NetBSD) or the compiled DIR-24-8 FIB. */
  fib: FibBackend;
  /** The engine's CPU settings (`engine:`); absent in configs built in code: the defaults. */
  engine?: EngineConfig;
  /** Where the fields read after loading are (see Places). */
  places: Places;
  /** Things that are allowed but probably wrong (overlapping subnets, an off-subnet neighbor): one
   *  line each, `FILE:LINE:COL: FIELD: DETAIL`, for the caller to show (the CLI prints them to stderr). */
  warnings: string[];
}

export type FibBackend = 'radix' | 'compiled';
export const FIB_BACKENDS: readonly FibBackend[] = ['radix', 'compiled'];

/* ---------------------------------------------------------------- defaults */

export const DEFAULT_MTU = 1500;
export const MIN_MTU = 68; // RFC 791: every IPv4 module must forward a 68-byte datagram
export const MAX_MTU = 9216;
export const MIN_MTU_IPV6 = 1280; // RFC 8200 section 5
/** The well-known Toeplitz key from Microsoft's RSS verification suite, which most NICs ship. */
export const DEFAULT_RSS_KEY_HEX = '6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa';
export const RSS_KEY_BYTES = 40;
export const MAX_RSS_QUEUES = 64;
export const IPFLOW_HASHSIZE = 2048; // two buckets per flow: chains of about one
export const IPFLOW_MAXFLOWS = 1024;
export const NETBSD_IPFLOW_HASHSIZE = 64;
export const NETBSD_IPFLOW_MAXFLOWS = 256;
export const IPFLOW_IDLE = 5;
export const ICMP_RATELIMIT = 100;
export const ICMP_BURST = 10;
export const ICMP_ECHO_RATELIMIT = 1000;
export const ICMP_ECHO_BURST = 50;
// Neighbor cache defaults (RFC 4861 10; NetBSD nd6 and Linux neigh defaults agree): see NudConfig
export const NUD_REACHABLE_MS = 30_000;
export const NUD_RETRANS_MS = 1_000;
export const NUD_MCAST_SOLICIT = 3;
export const NUD_UCAST_SOLICIT = 3;
export const NUD_DELAY_MS = 5_000;
export const NUD_HOLD = 16; // NetBSD nd6_maxqueuelen
export const NUD_MAX_ENTRIES = 512;
/** Interfaces at most: the default MAC spends 16 bits on the index. */
export const MAX_INTERFACES = 4096;

/** The default MAC of the interface with this index: 02:6d:70 ('mp', locally administered) :00:HH:LL. */
export function defaultMac(index: number): Uint8Array {
  return Uint8Array.of(0x02, 0x6d, 0x70, 0x00, (index >>> 8) & 0xff, index & 0xff);
}

/** 2n hex digits to n bytes, or null. */
export function hexBytes(s: string, n: number): Uint8Array | null {
  if (s.length !== 2 * n || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/* ---------------------------------------------------------------- the YAML schema */

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const ifName = z.string().refine(isIfName, {
  message:
    'not an interface name: a lower-case letter, letters or digits, a final digit, at most 15 characters (like wm0, vlan100)',
});

const mac = z.string().transform((s, ctx) => {
  const m = parseMac(s);
  if (m === null) ctx.addIssue({ code: 'custom', message: `'${s}' is not a MAC address (like 02:00:00:00:00:01)` });
  else if (macIsGroup(m))
    ctx.addIssue({ code: 'custom', message: `${s} is a multicast MAC (low bit of the first byte set)` });
  else if (macIsZero(m)) ctx.addIssue({ code: 'custom', message: 'the all-zeros MAC is not an address' });
  else return m;
  return z.NEVER;
});

const ifAddress = z.string().transform((s, ctx): IfAddress => {
  const p = s.includes('/') ? parsePrefix(s) : null;
  if (p === null) {
    ctx.addIssue({
      code: 'custom',
      message: `'${s}' is not an address with a prefix length (like 192.0.2.1/24 or 2001:db8::1/64)`,
    });
  } else if (p.plen === 0) {
    ctx.addIssue({ code: 'custom', message: `${s}: prefix length 0 leaves no network` });
  } else if (ipIsUnspecified(p.bytes) || ipIsMulticast(p.bytes)) {
    ctx.addIssue({ code: 'custom', message: `${s} is not a unicast address` });
  } else {
    return { family: p.family, bytes: p.bytes, plen: p.plen, text: formatPrefix(p.bytes, p.plen) };
  }
  return z.NEVER;
});

const ipAddr = z.string().transform((s, ctx) => {
  const a = parseIP(s);
  if (!a) {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not an IPv4 or IPv6 address` });
    return z.NEVER;
  }
  return a;
});

const rssKey = z.string().transform((s, ctx) => {
  const k = hexBytes(s, RSS_KEY_BYTES);
  if (k === null) {
    ctx.addIssue({
      code: 'custom',
      message: `must be ${2 * RSS_KEY_BYTES} hex digits (${RSS_KEY_BYTES} bytes), got ${s.length} characters`,
    });
    return z.NEVER;
  }
  return k;
});

/** Any mapping, passed through: `gen:`/`pcap:` are defined by later work. An empty value is {}. */
const anyObject = z
  .record(z.string(), z.unknown())
  .nullable()
  .transform((v) => v ?? {});

/** HOST:PORT, with an IPv6 host in brackets. */
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected HOST:PORT');
/** HOST:PORT or unix:/PATH */
const streamEndpoint = z.union([hostPort, z.string().regex(/^unix:.+$/, 'expected HOST:PORT or unix:/PATH')]);

export const interfaceSchema = z.strictObject({
  name: ifName,
  mac: mac.optional(),
  mtu: int(MIN_MTU, MAX_MTU).optional(), // DEFAULT_MTU, a gif's GIF_MTU (1280)
  up: z.boolean().default(true),
  addresses: z.array(ifAddress).nullish(),
  rss: z
    .strictObject({
      key: rssKey.optional(),
      queues: int(1, MAX_RSS_QUEUES).default(1),
      udp: z.boolean().default(false),
    })
    .prefault({}),
  vlan: z.strictObject({ parent: ifName, id: int(1, 4094) }).optional(),
  bridge: z
    .strictObject({
      members: z.array(ifName).max(16).default([]),
      maxaddr: int(1, 65536).default(100),
      timeout: int(0, 1_000_000).default(1200),
    })
    .optional(),
  gif: z.strictObject({ src: ipAddr, dst: ipAddr, ttl: int(1, 255).default(30) }).optional(),
  model: z.enum(['wm', 'vioif', 'vmx']).optional(),
  driver: z.string().min(1).optional(),
  gen: anyObject.optional(),
  pcap: anyObject.optional(),
  tap: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,15}$/, 'a Linux interface name: up to 15 of A-Z a-z 0-9 _ . -')
    .optional(),
  udp: z.strictObject({ local: hostPort, remote: hostPort }).optional(),
  stream: z
    .strictObject({ listen: streamEndpoint.optional(), connect: streamEndpoint.optional() })
    .refine((v) => (v.listen === undefined) !== (v.connect === undefined), 'give exactly one of listen: or connect:')
    .optional(),
  websocket: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:8086'),
      max_clients: int(1, 4096).default(64),
      queue: int(8, 65536).default(1024),
    })
    .nullable()
    .optional(),
  poll: z.union([z.boolean(), z.strictObject({ budget: int(1, 4096).default(64) })]).optional(),
  moderation: z.strictObject({ frames: int(1, 4096).default(32), usecs: int(0, 1_000_000).default(100) }).prefault({}),
  send_redirects: z.boolean().default(true),
  directed_broadcast: z.boolean().default(false),
  rp_filter: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
});

/** Addresses and `default` are checked in load.ts, where the family of `via` is known. */
export const routeSchema = z.strictObject({
  dst: z.string(),
  via: z.string().optional(),
  dev: ifName.optional(),
  type: z.enum(['unicast', 'blackhole', 'unreachable', 'prohibit']).default('unicast'),
  mtu: int(MIN_MTU, 65535).optional(),
});

export const neighborSchema = z.strictObject({
  address: z.string(),
  mac,
  dev: ifName,
});

/** An `arp:` or `nd:` block: times in ms, counts of packets or entries. */
function nudSchema() {
  return z
    .strictObject({
      reachable_ms: int(1_000, 3_600_000).default(NUD_REACHABLE_MS),
      retrans_ms: int(100, 60_000).default(NUD_RETRANS_MS),
      solicit: int(1, 16).default(NUD_MCAST_SOLICIT),
      probes: int(1, 16).default(NUD_UCAST_SOLICIT),
      delay_ms: int(0, 60_000).default(NUD_DELAY_MS),
      hold: int(1, 1024).default(NUD_HOLD),
      max_entries: int(1, 65536).default(NUD_MAX_ENTRIES),
    })
    .prefault({});
}

export const configSchema = z.strictObject({
  interfaces: z.array(interfaceSchema).min(1).max(MAX_INTERFACES),
  routes: z.array(routeSchema).nullish(),
  routes_file: z.string().min(1).optional(),
  neighbors: z.array(neighborSchema).nullish(),
  ipflow: z
    .strictObject({
      hashsize: int(1, 1 << 16)
        .refine((n) => (n & (n - 1)) === 0, { message: 'must be a power of two' })
        .default(IPFLOW_HASHSIZE),
      maxflows: int(1, 1 << 20).default(IPFLOW_MAXFLOWS),
      idle: int(1, 3600).default(IPFLOW_IDLE),
    })
    .prefault({}),
  icmp: z
    .strictObject({
      ratelimit: int(0, 1_000_000).default(ICMP_RATELIMIT),
      burst: int(0, 1_000_000).default(ICMP_BURST),
      echo_ratelimit: int(0, 1_000_000).default(ICMP_ECHO_RATELIMIT),
      echo_burst: int(0, 1_000_000).default(ICMP_ECHO_BURST),
    })
    .prefault({}),
  arp: nudSchema(),
  nd: nudSchema(),
  fastforward: z.boolean().default(true),
  ip: z.strictObject({ forward_source_route: z.boolean().default(false) }).prefault({}),
  fib: z.enum(['radix', 'compiled']).default('compiled'),
  engine: z
    .strictObject({
      busy_poll_us: int(0, MAX_BUSY_POLL_US).default(0),
      huge_pages: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    })
    .prefault({}),
});

/** The YAML after zod: each value checked and parsed on its own, cross-references not yet. */
export type RawConfig = z.output<typeof configSchema>;
