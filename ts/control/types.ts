// What the control plane's operations return: the shapes `mpstack` prints and `--json` shows,
// shared by the operations (control-plane.ts), the socket protocol (ts/host/control-protocol.ts)
// and the CLI. Plain data only.
import type { RouteKind } from '../stack/tables.js';

/** One row of `intrctl list`: the interrupt (vector), its count per CPU, the CPU it is bound to. */
export interface IntrctlRow {
  id: string;
  counts: number[];
  cpu: number;
}
export interface IntrctlListResult {
  cpus: number;
  nointr: number[];
  rows: IntrctlRow[];
}

/**
 * The table of `intrctl list`, as in NetBSD: `interrupt id`, a column per CPU with the interrupts
 * that CPU took, `*` after the count of the CPU the interrupt is bound to.
 */
export function formatIntrctlList(r: IntrctlListResult): string {
  const head = ['interrupt id', ...Array.from({ length: r.cpus }, (_, c) => `CPU${c}`)];
  const rows = r.rows.map((v) => [v.id, ...v.counts.map((n, c) => `${n}${c === v.cpu ? '*' : ''}`)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)) + 2);
  const line = (x: string[]) =>
    x
      .map((s, i) => (i === 0 ? s.padEnd(w[i]!) : s.padStart(w[i]! - 1).padEnd(w[i]!)))
      .join('')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** A route as `ip route show` would print it (`text`), and its parts. */
export interface RouteEntry {
  family: 4 | 6;
  /** 'default', a prefix, or a bare address for a host route (as iproute2 prints them) */
  dst: string;
  type: RouteKind;
  via: string | null;
  dev: string | null;
  /** 0 = not set */
  mtu: number;
  text: string;
}

/**
 * `route get ADDRESS` (and each address of `route lookup`): the parts as `ip -j route get` names
 * them, always present (null where iproute2 leaves the key out), and the line `route get` prints.
 */
export interface RouteGetResult {
  /** the address asked, in its canonical text form (the line keeps the user's spelling) */
  dst: string;
  family: 4 | 6;
  /** the route that matched, as a prefix with its length (192.0.2.1/32 for a host route); null: no route */
  prefix: string | null;
  /** the matched route's kind; null when no route covers the address */
  type: RouteKind | null;
  /** the gateway of a unicast route through one, else null */
  gateway: string | null;
  /** the interface of a unicast, local or broadcast route, else null */
  dev: string | null;
  /** the iproute2-style line: `203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1`, `8.8.8.8 unreachable` */
  line: string;
}

export interface IfconfigEntry {
  name: string;
  index: number;
  up: boolean;
  /** UP or DOWN, then VLAN for a vlan(4) interface */
  flags: string[];
  mtu: number;
  mac: string;
  /** 'address/plen' */
  addresses: string[];
  /** the IPv6 link-local address the interface answers on (EUI-64 from its MAC unless configured), if not in `addresses` */
  linkLocal: string | null;
  queues: number;
  rssUdp: boolean;
  model: string | null;
  driver: string | null;
  vlan: { parent: string; id: number } | null;
  /** a gif(4) interface's tunnel (null: a gif without one); absent for the other interfaces */
  tunnel?: {
    src: string;
    dst: string;
    ttl: number;
    /** the path MTU learned from the outer path's too-big errors (inner bytes), while fresh; null: none */
    pmtu: number | null;
  } | null;
  /** a real link's state (tap, udp, stream, websocket); absent for the other drivers */
  link?: LinkState;
}

/** `brconfig BRIDGE`: a bridge(4), its members with their per-port counters, and its learned addresses. */
export interface BrconfigEntry {
  name: string;
  index: number;
  up: boolean;
  /** forwarding database limits: entries, and seconds an unrefreshed entry lives (0 = forever) */
  maxaddr: number;
  timeout: number;
  /** entries in use */
  count: number;
  /** in the order added; the counters are the member interface's (frames it received and sent for the bridge) */
  members: {
    name: string;
    index: number;
    up: boolean;
    ipkts: number;
    ibytes: number;
    opkts: number;
    obytes: number;
    idrops: number;
  }[];
  /** the forwarding database: MAC, the member it is behind, seconds since last seen (0 static) */
  addresses: { mac: string; port: string; age: number; static: boolean }[];
}

/** A real link as its driver reports it: carrier, why it is so, the driver's counters and peer. */
export interface LinkState {
  name: string;
  ifindex: number;
  driver: string;
  carrier: boolean;
  /** what last changed the carrier: `peer 127.0.0.1:40312 connected`, `bound 127.0.0.1:10001` */
  why: string;
  /** the driver's counters (rx-frames, drops by reason, connects) and strings (its peer, endpoints) */
  stats: Record<string, number | string>;
}

export interface NetstatIfRow {
  name: string;
  mtu: number;
  mac: string;
  up: boolean;
  queues: number;
  /** interrupts taken by the interface's vectors, over all CPUs */
  interrupts: number;
  /** frames and bytes received on the interface (after VLAN demux), summed over the CPUs */
  ipkts: number;
  ibytes: number;
  /** received frames dropped (any reason: see netstat -s for the reasons) */
  idrops: number;
  /** frames and bytes transmitted on the interface */
  opkts: number;
  obytes: number;
  /** the driver feeding its RX queues (gen, pcap), or null */
  source: string | null;
}
export interface NetstatIResult {
  interfaces: NetstatIfRow[];
  untracked: string[];
  note: string;
}

export interface NetstatSResult {
  cpus: number;
  /** every counter, summed over the CPUs */
  counters: Record<string, number>;
  /** with perCpu: each CPU's counters */
  perCpu?: Record<string, number>[];
}

/** netstat -m: the engine's packet clusters (a live reading: CPUs move clusters while it is taken). */
export interface NetstatMResult {
  clusters: number;
  clusterBytes: number;
  /** free on the shared pool, and in the CPUs' caches */
  poolFree: number;
  cached: number;
  /** failed attempts to take the pool's lock; refills that found the pool short */
  poolContended: number;
  poolEmpty: number;
  /** frames lost before the stack: RX ring full (missed), no cluster to refill the slot, pktq full */
  rxMissed: number;
  rxNobufs: number;
  pktqDrops: number;
  /** frames waiting in RX rings and pktqs, and posted to TX rings not yet reclaimed */
  rxQueued: number;
  pktqQueued: number;
  txQueued: number;
  /** frames dropped because a TX ring stayed full */
  txDrops: number;
}

/** One neighbor cache entry as `arp -a` / `ndp -a` print it (and --json gives it). */
export interface NeighborEntry {
  family: 4 | 6;
  address: string;
  /** null while INCOMPLETE */
  mac: string | null;
  if: string;
  /** incomplete | reachable | stale | delay | probe | static */
  state: string;
  /** seconds until the state's timer fires (expiry, next retransmission), null for none */
  expires: number | null;
  router: boolean;
  /** packets waiting for it */
  held: number;
}

/** NetBSD's arp -a line: `? (192.0.2.10) at 02:00:00:00:aa:10 on wm0 permanent`, the state when not static. */
export function formatArpLine(e: NeighborEntry): string {
  const at = e.mac ?? '(incomplete)';
  const tail =
    e.state === 'static' ? 'permanent' : `${e.state}${e.expires !== null ? ` expires in ${e.expires}s` : ''}`;
  return `? (${e.address}) at ${at} on ${e.if} ${tail}`;
}

/** NetBSD's ndp -a table: Neighbor, Linklayer Address, Netif, Expire, S(tate letter), Flags (R: router). */
export function formatNdpTable(list: readonly NeighborEntry[]): string {
  const letter: Record<string, string> = {
    incomplete: 'I',
    reachable: 'R',
    stale: 'S',
    delay: 'D',
    probe: 'P',
    static: 'R',
  };
  const rows = list.map((e) => [
    e.address.startsWith('fe80:') ? `${e.address}%${e.if}` : e.address,
    e.mac ?? '(incomplete)',
    e.if,
    e.state === 'static' ? 'permanent' : e.expires !== null ? `${e.expires}s` : '-',
    letter[e.state] ?? '?',
    e.router ? 'R' : '',
  ]);
  const head = ['Neighbor', 'Linklayer Address', 'Netif', 'Expire', 'S', 'Flags'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 2 || i === 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join(' ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
