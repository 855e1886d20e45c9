// A single-CPU forwarding stack: one linear memory laid out from a config, the tables filled by the
// control plane, and batches of frames pushed through RSS + the pipeline of the chosen engine.
// The multi-CPU engine builds on the same pieces with one context per worker CPU.
import {
  GIF_TTL,
  GIF_MTU,
  GIF_PMTU_EXPIRE_MS,
  IF_SIZE,
  IF_GIF_PMTU,
  IF_GIF_PMTU_AT,
  CTX_ENCAP,
  BUF_SIZE,
  BUF_HEADROOM,
  MAX_FRAME,
  PD_SIZE,
  PD_BUF,
  PD_LEN,
  PD_RXIF,
  PD_RSS,
  PD_QUEUE,
  PD_PATH,
  PD_REASON,
  PD_TXIF,
  PD_NTX,
  PD_TXFIRST,
  PD_NH,
  PD_HTYPE,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  CTX_IFNET,
  CTX_NIF,
  CTX_NH,
  CTX_RT4,
  CTX_RT6,
  CTX_NBR,
  CTX_LAF,
  CTX_FLOW,
  CTX_CNT,
  CTX_PD,
  CTX_TX,
  CTX_TXCAP,
  CTX_FREE,
  CTX_GEN,
  CTX_FIB4,
  CTX_FIB6,
  CTX_IFCNT,
  CTX_OPTS,
  CTX_ICMP_PPS,
  CTX_ICMP_BURST,
  CTX_ECHO_PPS,
  CTX_ECHO_BURST,
  CTX_ECHO_TOKENS,
  CTX_ECHO6_TOKENS,
  CTX_ICMP_TOKENS,
  CTX_ICMP6_TOKENS,
  OPT_FASTFWD,
  OPT_ICMP,
  OPT_FIBWARM,
  OPT_SRCRT,
  C_COUNT,
  IFC_SIZE,
  IFC_IPKTS,
  IFC_IBYTES,
  IFC_OPKTS,
  IFC_OBYTES,
  IFC_IDROPS,
  CTX_NEV,
  CTX_NOW,
  CTX_NTX,
  C_TX_FRAMES,
  C_TX_BYTES,
} from '../../assembly/layout.js';
import type { RouteSpec } from '../config/routes-file.js';
import { MAX_MTU, MIN_MTU, MIN_MTU_IPV6, defaultMac } from '../config/schema.js';
import {
  formatIP as fmt,
  formatMac as fmtMac,
  formatPrefix as fmtPrefix,
  ipEqual,
  linkLocalFromMac,
} from '../addr/addr.js';
import { type KernelImpl, type Kernels, makeKernels } from './kernels.js';
import { type Layout, NEV_SLOT_BYTES, planLayout } from './memory-plan.js';
import { type LlHost, type LlSend, Lltable, NUD_DEFAULTS, type NudParams, type NudState } from './lltable.js';
import { Mem } from '../kernels/util/mem.js';
import { br_lookup } from '../kernels/forward/bridge.js';
import { COUNTER_NAMES, HTYPE_NAMES, PATH_NAMES, REASON_NAMES, type PathName } from './reasons.js';
import { type IfState, type Nexthop, type RouteKind, TableError, Tables } from './tables.js';
import { createMemory } from './wasm.js';
import type { HugePagesSetting } from './huge-pages.js';
import { UserError } from '../errors.js';

/** What the stack needs of a configuration (ts/config's Config satisfies it). */
export interface StackConfig {
  interfaces: readonly {
    name: string;
    index: number;
    mac: Uint8Array;
    mtu: number;
    up: boolean;
    addresses: readonly { family: 4 | 6; bytes: Uint8Array; plen: number }[];
    rss: { key: Uint8Array; queues: number; udp: boolean };
    vlan?: { parent: string; id: number } | null;
    /** a bridge(4) over `members` (brconfig's maxaddr and timeout, seconds) */
    bridge?: { members: readonly string[]; maxaddr: number; timeout: number } | null;
    /** a gif(4) tunnel: outer source (ours) and destination, wire order, both 4 or both 16 bytes; ttl default GIF_TTL */
    gif?: { src: Uint8Array | null; dst: Uint8Array | null; ttl?: number } | null;
    /** ICMP redirects out of this interface (default true) */
    sendRedirects?: boolean;
    /** forward directed broadcasts to this interface's subnet (default false) */
    directedBroadcast?: boolean;
    /** reverse-path filter on IPv4 received here: 0 off (default), 1 strict, 2 loose */
    rpFilter?: 0 | 1 | 2;
  }[];
  routes: readonly RouteSpec[];
  neighbors: readonly {
    family: 4 | 6;
    address: Uint8Array;
    mac: Uint8Array;
    dev: string;
    file?: string;
    line?: number;
  }[];
  ipflow: { hashsize: number; maxflows: number; idle: number };
  /** ICMP error and echo reply limits (per second, 0 = unlimited; bucket depth); no echo_ratelimit = unlimited. */
  icmp: { ratelimit: number; burst: number; echo_ratelimit?: number; echo_burst?: number };
  fastforward: boolean;
  /** IP switches (config `ip:`): forwardSourceRoute processes IPv4 source routes (default: refused) */
  ip?: { forwardSourceRoute?: boolean };
  /** IPv4 lookup backend (default compiled) */
  fib?: 'radix' | 'compiled';
  /** engine settings (config `engine:`); hugePages: transparent huge pages for the memory (default 'auto') */
  engine?: { hugePages?: HugePagesSetting };
  /** neighbor cache parameters per family (config `arp:` and `nd:`); NUD_DEFAULTS for what is not given */
  arp?: Partial<NudParams>;
  nd?: Partial<NudParams>;
}

export interface StackOptions {
  engine: KernelImpl;
  /** overrides the config's `fib` */
  fib?: 'radix' | 'compiled';
  /** more routes to load with the config's (e.g. a routes_file), during the bulk load */
  moreRoutes?: (add: (r: RouteSpec) => void) => void;
  /** frames per batch (default 256) */
  batch?: number;
  /** routes expected beyond the config's own (e.g. a routes_file's), and how many are IPv4 longer than /24 */
  extraRoutes?: number;
  extraLongV4?: number;
  /** how many of extraRoutes are IPv6 (sizes the compiled IPv6 FIB; default: all of them) */
  extraV6?: number;
  /** distinct nexthops the extra routes may need (an upper bound; sizes the nexthop table) */
  extraNexthops?: number;
  neighborSlots?: number;
  /** CPUs (per-CPU contexts, counters, flow caches, rings) to lay out; default 1 */
  cpus?: number;
  /** bytes to reserve at the end of the layout (L.reserved) for the multi-CPU engine */
  reserve?: number;
  /** ifnet slots beyond the config's, for vlan interfaces created at run time (createVlan) */
  spareInterfaces?: number;
  /**
   * bridge softcs (each with a SPARE_BRIDGE_FDB_SLOTS-slot FDB) beyond the config's, for bridges
   * created at run time (createBridge); default SPARE_BRIDGES when spareInterfaces is given, else 0
   */
  spareBridges?: number;
  /**
   * resolve next hops (ARP / ND, the lltable) instead of dropping a miss as unresolved; default: on
   * for a single CPU. The multi-CPU engine has no event ring consumer yet: off there.
   */
  resolve?: boolean;
  /**
   * transparent huge pages for the shared memory (huge-pages.ts): 'auto' (default) where Node on
   * Linux has THP, true (an error where not), false; overrides the config's engine.huge_pages
   */
  hugePages?: HugePagesSetting;
}

/** An interface address: wire-order bytes and prefix length. */
export interface StackAddress {
  family: 4 | 6;
  bytes: Uint8Array;
  plen: number;
}

/**
 * What an address change (replaceAddress, deleteAddress) leaves for after its grace period, for
 * settleAddresses: an IPv6 primary address to publish (its 16 bytes cannot be rewritten while a
 * reader may be reading the old ones), and address routes the change deleted that an address of
 * another interface brings as well (it had left them alone as existing: they come back through it).
 */
export interface AddressChange {
  ifindex: number;
  primary6: Uint8Array | null;
  readd: { ifindex: number; a: StackAddress }[];
}

const isLinkLocal6 = (b: Uint8Array) => b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;

/** An interface has one primary address of each kind: IPv4, global IPv6, link-local IPv6. */
const addressKind = (a: StackAddress) => (a.family === 4 ? 'v4' : isLinkLocal6(a.bytes) ? 'll' : 'v6');

export interface RxFrame {
  data: Uint8Array;
  ifindex: number;
}
export interface TxFrame {
  ifindex: number;
  data: Uint8Array;
}
export interface FrameResult {
  path: PathName;
  reason: string | null;
  rxif: number;
  rss: number;
  queue: number;
  htype: string;
  txif: number;
  nh: number;
  out: TxFrame[];
}

/** One neighbor cache entry, as `arp -a` / `ndp -a` show it. */
export interface NeighborInfo {
  family: 4 | 6;
  /** wire order */
  address: Uint8Array;
  ifindex: number;
  mac: Uint8Array | null;
  state: NudState;
  /** ms until the state's timer fires (retransmission, expiry), null when none */
  expiresMs: number | null;
  /** the neighbor advertised itself as a router (NA R flag) */
  router: boolean;
  /** packets waiting for it (INCOMPLETE) */
  held: number;
}

/** Errors in building a stack that point back at a config entry. */
export class StackConfigError extends UserError {
  override readonly name = 'StackConfigError';
  constructor(
    readonly file: string | undefined,
    readonly line: number | undefined,
    msg: string,
  ) {
    super(file ? `${file}:${line}: ${msg}` : msg);
  }
}

/** IPv4 routes from which batches warm the FIB first (measured: 1M routes +5-37% frames/s; 1k routes a few % less). */
export const FIBWARM_ROUTES = 65536;

/** bridges an engine with spare interfaces can create at run time (`ifconfig bridgeN create`) */
export const SPARE_BRIDGES = 4;
/** a run-time bridge's FDB slots: brconfig's default maxaddr (100) and up to 512 stay under half full */
export const SPARE_BRIDGE_FDB_SLOTS = 1024;
/** a run-time bridge's limits until brconfig changes them: brconfig's defaults */
export const BRIDGE_DEFAULTS = { maxaddr: 100, timeout: 1200 } as const;
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(2, n)));

/**
 * Slots of the neighbor event ring of each CPU, at least: a whole batch of misses and learn events fits
 * (the single-CPU stack drains after every batch; a smaller ring lost learn events past 64 a batch).
 */
const NEV_SLOTS = 64;

export class Stack implements LlHost {
  readonly k: Kernels;
  readonly L: Layout;
  readonly tables: Tables;
  readonly ifByName = new Map<string, number>();
  readonly batch: number;
  readonly fib: 'radix' | 'compiled';
  private readonly dv: DataView;
  private readonly u8: Uint8Array;
  private readonly clusterPtrs: number[];
  /** the neighbor cache's control plane (null when next hops are not resolved: see StackOptions.resolve) */
  readonly lltable: Lltable | null;

  /** Clusters in each CPU's slice (the single-CPU path's) and capacity of its free stack (the multi-CPU engine's cache). */
  static clustersPerCpu(batch: number): number {
    return batch * 3;
  }

  constructor(
    readonly config: StackConfig,
    readonly opts: StackOptions,
  ) {
    const batch = opts.batch ?? 256;
    const nif = config.interfaces.length;
    const addrRoutes = config.interfaces.reduce((s, i) => s + i.addresses.length * 3, 0);
    const routes = config.routes.length + addrRoutes + (opts.extraRoutes ?? 0);
    this.fib = opts.fib ?? config.fib ?? 'compiled';
    // each IPv4 route longer than /24 may need a tbl8 group (addresses add /32 local routes)
    const longV4 =
      config.routes.filter((r) => r.family === 4 && r.plen > 24).length + addrRoutes + (opts.extraLongV4 ?? 0);
    const v6 =
      config.routes.filter((r) => r.family === 6).length + addrRoutes + (opts.extraV6 ?? opts.extraRoutes ?? 0);
    const radixLimbo = Math.max(1024, Math.ceil(routes / 8));
    const resolve = opts.resolve ?? (opts.cpus ?? 1) === 1;
    const arp = { ...NUD_DEFAULTS, ...config.arp };
    const nd = { ...NUD_DEFAULTS, ...config.nd };
    // learned entries (the lltable's hard cap: twice maxEntries per family) and static ones, at most 3/4 full
    const learned = resolve ? 2 * (arp.maxEntries + nd.maxEntries) : 0;
    this.L = planLayout({
      fib4Groups: this.fib === 'compiled' ? Math.min(32767, 256 + longV4) : 0,
      // 1.0 hash entries per route on a gen-routes table with route slots (1.86 at 200k without: a
      // table whose chunks hold more routes each comes closer to that): 4 slots per route keep even
      // that under half full (linear probing: ~1.5 probes a hit) with room to grow, and at 200k
      // routes 2 or 1.2 per route looked up 12% and 23% slower (one process, alternated); sized
      // exactly, not to a power of two (fib6_slot maps a hash onto any count)
      fib6Slots: this.fib === 'compiled' ? Math.max(4096, 4 * v6 + 4096) : 0,
      ifSlots: nif + 1 + (opts.spareInterfaces ?? 0),
      nexthops: Math.max(64, nif * 4 + config.routes.length + (opts.extraNexthops ?? 0) + 64),
      // a radix tree of R routes has at most 2R - 1 nodes (a glue node has two children), and gen-routes
      // tables use 2.00 per route (200k IPv6) and 1.76-1.94 (1M-100k IPv4); deleted nodes wait in limbo (at most
      // radixLimbo: deleteRoute reclaims before it overflows); plus headroom for routes added at run time
      radixNodes: 2 * routes + radixLimbo + 8192,
      radixLimbo,
      neighborSlots:
        opts.neighborSlots ?? pow2(Math.max(64, Math.ceil(((config.neighbors.length + learned) * 4) / 3) + 1)),
      neighborEvents: resolve ? pow2(Math.max(NEV_SLOTS, batch)) : 0,
      rssInterfaces: config.interfaces.filter((i) => !i.vlan && !i.bridge && !i.gif).length,
      // an FDB of at least twice maxaddr slots, so the probe window rarely fills before maxaddr does
      bridges: [
        ...config.interfaces.filter((i) => i.bridge).map((i) => pow2(Math.max(64, 2 * i.bridge!.maxaddr))),
        ...new Array<number>(opts.spareBridges ?? (opts.spareInterfaces ? SPARE_BRIDGES : 0)).fill(
          SPARE_BRIDGE_FDB_SLOTS,
        ),
      ],
      // with room for run-time vlans, any NIC may become a parent
      vlanParents: opts.spareInterfaces
        ? config.interfaces.filter((i) => !i.vlan && !i.gif).length
        : new Set(config.interfaces.filter((i) => i.vlan).map((i) => i.vlan!.parent)).size,
      cpus: opts.cpus ?? 1,
      flowHashSize: config.ipflow.hashsize,
      flowMax: config.ipflow.maxflows,
      batch,
      txCap: batch * 4,
      clusters: Stack.clustersPerCpu(batch),
      scratch: 4096,
      reserve: opts.reserve ?? 0,
    });
    this.batch = batch;
    const memory = createMemory(this.L.bytes, opts.hugePages ?? config.engine?.hugePages ?? 'auto');
    this.k = makeKernels(opts.engine, memory);
    this.dv = new DataView(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
    this.tables = new Tables(this.k, this.L);
    this.clusterPtrs = Array.from({ length: this.L.sizes.clusters }, (_, i) => this.L.clusters + i * BUF_SIZE);
    for (let c = 0; c < this.L.sizes.cpus; c++) this.initCpu(c);
    this.lltable = resolve ? new Lltable(this, arp, nd) : null;
    // the stack is built as one writer: nobody else can hold a stack that does not exist yet
    this.tables.wlock.runSync('stack build', () => this.load(config, opts));
  }

  /** Fills the tables from the config (and opts.moreRoutes: a routes file). Caller holds the writer lock. */
  private load(config: StackConfig, opts: StackOptions): void {
    this.tables.beginBulk();
    this.attachInterfaces();
    for (const r of config.routes) this.addRouteSpec(r);
    opts.moreRoutes?.((r) => {
      this.addRouteSpec(r);
    });
    this.tables.endBulk();
    // a table past this many IPv4 routes spreads its lookups over more of tbl24 than the caches
    // and TLB hold: each batch then loads its destinations' entries together first (route4_warm)
    if (this.fib === 'compiled' && this.tables.routeCount(4) >= FIBWARM_ROUTES) {
      for (const cpu of this.L.cpu)
        this.dv.setUint32(cpu.ctx + CTX_OPTS, this.dv.getUint32(cpu.ctx + CTX_OPTS, true) | OPT_FIBWARM, true);
    }
    for (const n of config.neighbors) {
      const ifindex = this.ifByName.get(n.dev);
      if (!ifindex) throw new StackConfigError(n.file, n.line, `neighbor: unknown interface '${n.dev}'`);
      if (this.lltable) this.lltable.setStatic(n.address, ifindex, n.mac);
      else this.tables.setNeighbor(n.address, ifindex, n.mac);
    }
  }

  private initCpu(c: number): void {
    const { dv, L, k, config } = this;
    const r = L.cpu[c]!;
    const set = (off: number, v: number) => dv.setUint32(r.ctx + off, v >>> 0, true);
    set(CTX_IFNET, L.ifnet);
    set(CTX_NIF, L.sizes.ifSlots);
    set(CTX_NH, L.nexthop);
    set(CTX_RT4, L.rt4);
    set(CTX_RT6, L.rt6);
    set(CTX_NBR, L.nbr);
    set(CTX_LAF, L.laf);
    set(CTX_ENCAP, L.encap);
    set(CTX_FLOW, r.flow);
    set(CTX_CNT, r.counters);
    set(CTX_PD, r.pd);
    set(CTX_TX, r.tx);
    set(CTX_TXCAP, L.sizes.txCap);
    set(CTX_FREE, r.free);
    set(CTX_GEN, L.gen);
    set(CTX_FIB4, this.fib === 'compiled' ? L.fib4.head : 0);
    set(CTX_FIB6, this.fib === 'compiled' ? L.fib6.head : 0);
    set(CTX_IFCNT, r.ifcnt);
    set(CTX_OPTS, (config.fastforward ? OPT_FASTFWD : 0) | OPT_ICMP | (config.ip?.forwardSourceRoute ? OPT_SRCRT : 0));
    set(CTX_ICMP_PPS, config.icmp.ratelimit);
    set(CTX_ICMP_BURST, config.icmp.burst);
    set(CTX_ICMP_TOKENS, config.icmp.burst * 1000);
    set(CTX_ICMP6_TOKENS, config.icmp.burst * 1000);
    const echoBurst = config.icmp.echo_burst ?? 0;
    set(CTX_ECHO_PPS, config.icmp.echo_ratelimit ?? 0);
    set(CTX_ECHO_BURST, echoBurst);
    set(CTX_ECHO_TOKENS, echoBurst * 1000);
    set(CTX_ECHO6_TOKENS, echoBurst * 1000);
    dv.setUint32(r.free + 4, L.sizes.clusters, true);
    k.ipflow_init(
      r.flow,
      L.sizes.flowHashSize,
      L.sizes.flowMax,
      r.flowBuckets,
      r.flowEntries,
      config.ipflow.idle * 1000,
    );
    if (r.nev) {
      k.nev_init(r.nev, L.sizes.neighborEvents!, NEV_SLOT_BYTES);
      k.nev_init(r.nevDown, L.sizes.neighborEvents!, NEV_SLOT_BYTES);
      set(CTX_NEV, r.nev);
    }
  }

  private attachInterfaces(): void {
    const { config, tables } = this;
    for (const i of config.interfaces) this.ifByName.set(i.name, i.index);
    for (const i of config.interfaces) {
      const v4 = i.addresses.find((a) => a.family === 4);
      const v6 = i.addresses.find((a) => a.family === 6 && !(a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80));
      const ll = i.addresses.find((a) => a.family === 6 && a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80);
      const parent = i.vlan ? this.ifByName.get(i.vlan.parent)! : 0;
      const st: IfState = {
        index: i.index,
        name: i.name,
        mac: i.mac,
        mtu: i.mtu,
        up: i.up,
        vlan: i.vlan ? { parent, id: i.vlan.id } : null,
        gif: i.gif
          ? {
              tunnel: i.gif.src && i.gif.dst ? { src: i.gif.src, dst: i.gif.dst } : null,
              ttl: i.gif.ttl ?? GIF_TTL,
            }
          : null,
        queues: i.rss.queues,
        rssUdp: i.rss.udp,
        rssKey: i.rss.key,
        addr4: v4 ? new DataView(v4.bytes.buffer, v4.bytes.byteOffset).getUint32(0) : 0,
        addr6: v6 ? v6.bytes : null,
        // every interface has a link-local address: the configured one, else its EUI-64 one (RFC 4862 5.3)
        // a gif has no MAC of its own: no EUI-64 link-local address unless one is configured
        ll6: ll ? ll.bytes : i.gif ? null : linkLocalFromMac(i.mac),
        ll6Auto: !ll && !i.gif,
        sendRedirects: i.sendRedirects ?? true,
        directedBroadcast: i.directedBroadcast ?? false,
        rpFilter: i.rpFilter ?? 0,
        bridge: i.bridge ? { maxaddr: i.bridge.maxaddr, timeout: i.bridge.timeout } : null,
      };
      tables.attachInterface(st);
    }
    // bridge(4) members, in the config's order
    for (const i of config.interfaces) {
      for (const m of i.bridge?.members ?? []) tables.bridgeAddMember(i.index, this.ifByName.get(m)!);
    }
    // connected routes, our own addresses, directed broadcasts
    for (const i of config.interfaces) {
      this.ifAddrs.set(
        i.index,
        i.addresses.map((a) => ({ family: a.family, bytes: a.bytes, plen: a.plen })),
      );
      for (const a of i.addresses) this.addAddressRoutes(i.index, a);
    }
  }

  /** Addresses of each interface (the config's, then those added at run time), by ifindex. */
  private readonly ifAddrs = new Map<number, StackAddress[]>();

  /** The interface's addresses, in the order they were configured or added. */
  addresses(ifindex: number): readonly StackAddress[] {
    return this.ifAddrs.get(ifindex) ?? [];
  }

  /**
   * The routes an interface address brings, as in Linux: the connected network (unicast, no
   * gateway), the address itself (local), and for IPv4 the directed broadcast. A host-length address
   * (/32, /128) has no network of its own and an IPv6 link-local one no route but its local one.
   */
  private addressRoutes(a: StackAddress): { dst: Uint8Array; plen: number; kind: RouteKind }[] {
    const bits = a.family === 4 ? 32 : 128;
    const out: { dst: Uint8Array; plen: number; kind: RouteKind }[] = [];
    if (!isLinkLocal6(a.bytes) && a.plen < bits)
      out.push({ dst: maskBytes(a.bytes, a.plen), plen: a.plen, kind: 'unicast' });
    out.push({ dst: a.bytes, plen: bits, kind: 'local' });
    if (a.family === 4 && a.plen < 31) {
      out.push({
        dst: Uint8Array.from(a.bytes.map((b, j) => b | (~maskByte(a.plen, j) & 0xff))),
        plen: 32,
        kind: 'broadcast',
      });
    }
    return out;
  }

  /**
   * Adds the routes an address brings (addressRoutes). Routes that already exist are left alone (two
   * addresses in one network share its route). Returns the routes it added; on a table error it
   * removes them again and rethrows.
   */
  private addAddressRoutes(ifindex: number, a: StackAddress): { family: 4 | 6; dst: Uint8Array; plen: number }[] {
    const { tables } = this;
    const added: { family: 4 | 6; dst: Uint8Array; plen: number }[] = [];
    try {
      for (const r of this.addressRoutes(a)) {
        if (tables.getRoute(a.family, r.dst, r.plen)) continue;
        tables.addRoute(a.family, r.dst, r.plen, r.kind, ifindex, null, 0);
        added.push({ family: a.family, dst: r.dst, plen: r.plen });
      }
    } catch (e) {
      for (const r of added.reverse()) tables.deleteRoute(r.family, r.dst, r.plen);
      throw e;
    }
    return added;
  }

  /**
   * Refuses, changing nothing, an address `ifindex` cannot take: not unicast, a prefix length of 0,
   * an address already configured (a link-local one only on the same interface), one whose host
   * route exists already (unless it is a link-local address another interface has), and IPv6 on an interface whose MTU is below 1280. `replacing`, an address
   * of `ifindex` the new one replaces, is no conflict (nor is its host route, for the same address
   * with another prefix length).
   */
  private checkNewAddress(ifindex: number, a: StackAddress, replacing?: StackAddress): void {
    const ifs = this.tables.ifs[ifindex];
    if (!ifs) throw new StackConfigError(undefined, undefined, `no interface with index ${ifindex}`);
    const text = fmtPrefix(a.bytes, a.plen);
    if (ifs.bridgeOf)
      throw new StackConfigError(
        undefined,
        undefined,
        `${ifs.name} is a member of bridge ${this.ifName(ifs.bridgeOf)} and cannot carry addresses of its own: give ${text} to ${this.ifName(ifs.bridgeOf)}`,
      );
    const bits = a.family === 4 ? 32 : 128;
    if (a.bytes.length !== (a.family === 4 ? 4 : 16) || !Number.isInteger(a.plen) || a.plen < 1 || a.plen > bits) {
      throw new StackConfigError(undefined, undefined, `${text}: prefix length must be 1..${bits}`);
    }
    const unicast =
      !a.bytes.every((b) => b === 0) &&
      (a.family === 4 ? (a.bytes[0]! & 0xf0) !== 0xe0 && !a.bytes.every((b) => b === 0xff) : a.bytes[0] !== 0xff);
    if (!unicast) throw new StackConfigError(undefined, undefined, `${fmt(a.bytes)} is not a unicast address`);
    const isLL = isLinkLocal6(a.bytes);
    for (const [index, list] of this.ifAddrs) {
      if (isLL && index !== ifindex) continue;
      if (list.some((x) => x !== replacing && ipEqual(x.bytes, a.bytes))) {
        throw new StackConfigError(
          undefined,
          undefined,
          `address ${fmt(a.bytes)} is already configured on ${this.ifName(index)}`,
        );
      }
    }
    const same = replacing !== undefined && ipEqual(replacing.bytes, a.bytes);
    // one link-local address on several interfaces (as a config may give it) shares the host route
    // of the first; retireAddressRoutes hands that route on when the first lets the address go
    const sharedLL =
      isLL && [...this.ifAddrs].some(([i, list]) => i !== ifindex && list.some((x) => ipEqual(x.bytes, a.bytes)));
    if (!same && !sharedLL && this.tables.getRoute(a.family, a.bytes, bits)) {
      throw new StackConfigError(
        undefined,
        undefined,
        `a route to ${fmtPrefix(a.bytes, bits)} exists already (delete it first)`,
      );
    }
    if (a.family === 6 && ifs.mtu < MIN_MTU_IPV6) {
      throw new StackConfigError(
        undefined,
        undefined,
        `${ifs.name} has mtu ${ifs.mtu}, below ${MIN_MTU_IPV6}, the IPv6 minimum (RFC 8200)`,
      );
    }
  }

  /**
   * Adds an address to a running interface (`ifconfig IF inet ADDR/LEN alias`): its routes as at
   * start-up (see addAddressRoutes), and the interface's primary address of that kind if it had
   * none. Refuses, changing nothing, what checkNewAddress refuses. Caller holds the writer lock.
   */
  addAddress(ifindex: number, a: StackAddress): void {
    this.checkNewAddress(ifindex, a);
    const own = { family: a.family, bytes: Uint8Array.from(a.bytes), plen: a.plen };
    this.addAddressRoutes(ifindex, own);
    this.tables.setPrimaryAddress(ifindex, own.bytes);
    this.ifAddrs.get(ifindex)!.push(own);
    this.lltable?.announce(ifindex, own.bytes); // gratuitous ARP / unsolicited NA, sent by the next step
    this.forgetOnLink(); // a new connected network may put gateways on link
  }

  /** The interface's primary address of a's kind (IPv4, global IPv6, link-local): the first of that kind. */
  primaryAddress(ifindex: number, a: StackAddress): StackAddress | undefined {
    const kind = addressKind(a);
    return this.addresses(ifindex).find((x) => addressKind(x) === kind);
  }

  /**
   * `ifconfig IF inet ADDR/LEN` (and inet6) without `alias`, as in NetBSD: replaces the interface's
   * primary address of that kind (the first IPv4, global IPv6 or link-local address), or adds the
   * address if it has none (then returns null, as for the same address and length again). The new
   * address and its routes are published first, so the interface is never without one; then the old
   * one's routes that no remaining address brings are deleted and the primary address word changes
   * (IPv4 in place; IPv6 unpublished, and set again by settleAddresses). Refuses, changing nothing,
   * what checkNewAddress refuses and what checkGatewaysOnLink refuses for the old address. Caller
   * holds the writer lock, then waits a grace period and calls settleAddresses with the result.
   */
  replaceAddress(ifindex: number, a: StackAddress): AddressChange | null {
    const old = this.primaryAddress(ifindex, a);
    if (!old) {
      this.addAddress(ifindex, a);
      return null;
    }
    if (old.plen === a.plen && ipEqual(old.bytes, a.bytes)) return null;
    this.checkNewAddress(ifindex, a, old);
    const own = { family: a.family, bytes: Uint8Array.from(a.bytes), plen: a.plen };
    const after = this.addresses(ifindex).map((x) => (x === old ? own : x));
    this.checkGatewaysOnLink(ifindex, old, after);
    this.addAddressRoutes(ifindex, own); // the new one first: no moment without an address
    this.ifAddrs.set(ifindex, after);
    const readd = this.retireAddressRoutes(ifindex, old);
    let primary6: Uint8Array | null = null;
    if (a.family === 4) this.tables.setPrimaryAddress(ifindex, own.bytes, true);
    else if (!ipEqual(old.bytes, own.bytes)) {
      this.tables.clearPrimaryAddress(ifindex, old.bytes);
      primary6 = own.bytes;
    }
    this.forgetOnLink();
    return { ifindex, primary6, readd };
  }

  /**
   * `ifconfig IF inet ADDR -alias` (or `delete`), step 1: takes the address off the interface and
   * deletes its routes that no remaining address of the interface brings (routes a `route change`
   * made something else stay). If it was the primary address of its kind the next one of that kind
   * takes its place (IPv4 in place; IPv6 unpublished and set by settleAddresses), or the interface
   * has none. `plen`, when given, must be the address's. Refuses, changing nothing, an address the
   * interface does not have, and what checkGatewaysOnLink refuses. Caller holds the writer lock,
   * then waits a grace period and calls settleAddresses with the result.
   */
  deleteAddress(ifindex: number, bytes: Uint8Array, plen?: number): AddressChange {
    const list = this.addresses(ifindex);
    const name = this.ifName(ifindex);
    const old = list.find((x) => ipEqual(x.bytes, bytes));
    if (!old) {
      const have = list.map((x) => fmtPrefix(x.bytes, x.plen)).join(', ');
      throw new StackConfigError(
        undefined,
        undefined,
        `${fmt(bytes)} is not an address of ${name} (${have ? `it has ${have}` : 'it has none'})`,
      );
    }
    if (plen !== undefined && plen !== old.plen) {
      throw new StackConfigError(
        undefined,
        undefined,
        `${fmt(bytes)} is configured on ${name} as ${fmtPrefix(old.bytes, old.plen)}, not /${plen}`,
      );
    }
    const after = list.filter((x) => x !== old);
    this.checkGatewaysOnLink(ifindex, old, after);
    const wasPrimary = this.primaryAddress(ifindex, old) === old;
    this.ifAddrs.set(ifindex, after);
    const readd = this.retireAddressRoutes(ifindex, old);
    let primary6: Uint8Array | null = null;
    if (wasPrimary) {
      const next = this.primaryAddress(ifindex, old);
      if (old.family === 4 && next) this.tables.setPrimaryAddress(ifindex, next.bytes, true);
      else {
        this.tables.clearPrimaryAddress(ifindex, old.bytes);
        primary6 = next?.bytes ?? null;
      }
    }
    this.forgetOnLink();
    return { ifindex, primary6, readd };
  }

  /**
   * After an address change's grace period: reclaims what its route deletes retired, publishes the
   * IPv6 primary address it left unset, and gives back, through their own interface, the routes of
   * other interfaces' addresses it deleted. Caller holds the writer lock and waited the grace period.
   */
  settleAddresses(c: AddressChange): void {
    this.tables.reclaim();
    if (c.primary6) this.tables.setPrimaryAddress(c.ifindex, c.primary6);
    for (const r of c.readd) {
      if (this.ifAddrs.get(r.ifindex)?.includes(r.a)) this.addAddressRoutes(r.ifindex, r.a);
    }
    if (c.readd.length) this.forgetOnLink();
  }

  /**
   * Deletes the routes `gone` brought that no address the interface still has (ifAddrs, already
   * without it) brings too, and only while they are still the address's own (a connected route a
   * `route change` sent elsewhere is the user's now). Returns the routes deleted that an address of
   * another interface brings as well, for settleAddresses to add back through it.
   */
  private retireAddressRoutes(ifindex: number, gone: StackAddress): { ifindex: number; a: StackAddress }[] {
    const sameRoute = (x: { dst: Uint8Array; plen: number; kind: RouteKind }, y: typeof x) =>
      x.kind === y.kind && x.plen === y.plen && ipEqual(x.dst, y.dst);
    const keep = this.addresses(ifindex)
      .filter((x) => x.family === gone.family)
      .flatMap((x) => this.addressRoutes(x));
    const readd: { ifindex: number; a: StackAddress }[] = [];
    for (const r of this.addressRoutes(gone)) {
      if (keep.some((k) => sameRoute(k, r))) continue;
      const nh = this.tables.getRoute(gone.family, r.dst, r.plen);
      if (!nh || nh.kind !== r.kind || nh.ifindex !== ifindex || nh.gw || nh.mtu) continue;
      this.tables.deleteRoute(gone.family, r.dst, r.plen);
      for (const [i, list] of this.ifAddrs) {
        const x =
          i === ifindex
            ? undefined
            : list.find((y) => y.family === gone.family && this.addressRoutes(y).some((k) => sameRoute(k, r)));
        if (x && !readd.some((z) => z.a === x)) readd.push({ ifindex: i, a: x });
        if (x) break;
      }
    }
    return readd;
  }

  /**
   * Refuses taking `gone` off the interface while a route's gateway is on link only through the
   * network it brings (none of `after`, the addresses left, covers it): the route would point at a
   * gateway on no connected network, which `route add` refuses. Such routes are deleted or changed
   * first (Linux flushes them silently, and only with the interface's last address).
   */
  private checkGatewaysOnLink(ifindex: number, gone: StackAddress, after: readonly StackAddress[]): void {
    const bits = gone.family === 4 ? 32 : 128;
    if (isLinkLocal6(gone.bytes) || gone.plen >= bits) return;
    const nets = after.filter((x) => x.family === gone.family && !isLinkLocal6(x.bytes) && x.plen < bits);
    const inNet = (ip: Uint8Array, a: StackAddress) => ipEqual(maskBytes(ip, a.plen), maskBytes(a.bytes, a.plen));
    for (const { nh, routes } of this.tables.liveNexthops()) {
      if (nh.ifindex !== ifindex || !nh.gw || nh.family !== gone.family) continue;
      if (!inNet(nh.gw, gone) || nets.some((x) => inNet(nh.gw!, x))) continue;
      throw new StackConfigError(
        undefined,
        undefined,
        `${routes} route${routes === 1 ? '' : 's'} through ${fmt(nh.gw)} need${routes === 1 ? 's' : ''} ${fmtPrefix(gone.bytes, gone.plen)} on ${this.ifName(ifindex)} to reach it: delete or change ${routes === 1 ? 'that route' : 'them'} first`,
      );
    }
  }

  /**
   * `ifconfig IF mtu N`: refuses, changing nothing, an MTU outside 68..9216 (the config's range),
   * below 1280 on an interface with an IPv6 address (RFC 8200), above a vlan's parent's, or below a
   * vlan's on its parent; then sets it (Tables.setInterfaceMtu: the flow caches follow). Routes keep
   * their own `mtu`: the data path takes the smaller of the two. Caller holds the writer lock.
   */
  setMtu(ifindex: number, mtu: number): void {
    const fail = (msg: string): never => {
      throw new StackConfigError(undefined, undefined, msg);
    };
    const s = this.tables.ifs[ifindex] ?? fail(`no interface with index ${ifindex}`);
    if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU)
      fail(`mtu must be ${MIN_MTU}..${MAX_MTU}, not ${mtu}`);
    const v6 = this.addresses(ifindex).find((a) => a.family === 6);
    if (v6 && mtu < MIN_MTU_IPV6)
      fail(
        `mtu ${mtu} is below ${MIN_MTU_IPV6}, the IPv6 minimum (RFC 8200), and ${s.name} has ${fmtPrefix(v6.bytes, v6.plen)}`,
      );
    if (s.vlan) {
      const parent = this.tables.ifs[s.vlan.parent]!;
      if (mtu > parent.mtu) fail(`mtu ${mtu} is larger than the parent ${parent.name}'s mtu ${parent.mtu}`);
    } else {
      const child = this.tables.ifs.find((x) => x?.vlan?.parent === ifindex && x.mtu > mtu);
      if (child) fail(`${child.name} on ${s.name} has mtu ${child.mtu}, larger than ${mtu}: lower it first`);
    }
    this.tables.setInterfaceMtu(ifindex, mtu);
  }

  /**
   * Deletes a route from the RIB (and the compiled FIB); returns false when there was none. Caller
   * holds the writer lock and, before reusing freed memory, waits a grace period and reclaims
   * (Tables.deleteRoute's contract).
   */
  deleteRoute(family: 4 | 6, dst: Uint8Array, plen: number): boolean {
    const ok = this.tables.deleteRoute(family, dst, plen);
    if (ok) this.forgetOnLink(); // it may have been a connected network
    return ok;
  }

  /** Which interface's connected network holds a gateway (0 = none); connected routes only change with addresses. */
  private readonly onLinkCache = new Map<number | string, number>();

  /**
   * The last gateways looked up (a route table mostly repeats a handful): compared byte by byte,
   * which is cheaper than the cache's key (an IPv6 gateway's is a string built per call).
   */
  private readonly onLinkRecent: { via: Uint8Array; ifindex: number }[] = [];

  private forgetOnLink(): void {
    this.onLinkCache.clear();
    this.onLinkRecent.length = 0;
  }

  private onLink(via: Uint8Array): number {
    const recent = this.onLinkRecent;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i]!;
      if (ipEqual(r.via, via)) return r.ifindex;
    }
    const key = via.length === 4 ? new DataView(via.buffer, via.byteOffset).getUint32(0) : via.join(',');
    let ifindex = this.onLinkCache.get(key);
    if (ifindex === undefined) {
      const m = this.tables.matchRoute(via);
      ifindex = m && m.nh.kind === 'unicast' && m.nh.gw === null ? m.nh.ifindex : 0;
      this.onLinkCache.set(key, ifindex);
    }
    recent.unshift({ via: Uint8Array.from(via), ifindex });
    if (recent.length > 8) recent.pop();
    return ifindex;
  }

  /**
   * The interface a configured route leaves by: its `dev`, or the connected network its gateway is
   * on (which must be `dev`'s when both are given). Throws StackConfigError naming the route.
   */
  private routeIfindex(r: RouteSpec): number {
    const fail = (msg: string): never => {
      throw new StackConfigError(r.file, r.line, msg);
    };
    let ifindex = 0;
    if (r.dev !== null) ifindex = this.ifByName.get(r.dev) ?? fail(`unknown interface '${r.dev}'`);
    if (r.type === 'unicast') {
      if (r.via && ifindex && r.via.length === 16 && isLinkLocal6(r.via)) {
        // a link-local gateway (how IPv6 routers know each other, RFC 4861) is on the link `dev` names
      } else if (r.via) {
        const onLink = this.onLink(r.via);
        if (!onLink || (ifindex && onLink !== ifindex)) {
          fail(`gateway ${fmt(r.via)} is not on a connected network${r.dev ? ` of ${r.dev}` : ''}`);
        }
        ifindex = onLink;
      } else if (!ifindex) {
        fail('a unicast route needs `via` or `dev`');
      }
    }
    return ifindex;
  }

  /** Adds a configured route, resolving its interface from dev or from the connected gateway. Caller holds the writer lock. */
  addRouteSpec(r: RouteSpec): Nexthop {
    return this.routeSpecDo(r, (ifindex, gw) =>
      this.tables.addRoute(r.family, r.dst, r.plen, r.type as RouteKind, ifindex, gw, r.mtu),
    );
  }

  /**
   * Adds the route or changes the one there in place (`route change`: readers see the old or the new
   * nexthop, never no route). Caller holds the writer lock and reclaims after a grace period.
   */
  changeRouteSpec(r: RouteSpec): Nexthop {
    return this.routeSpecDo(r, (ifindex, gw) =>
      this.tables.changeRoute(r.family, r.dst, r.plen, r.type as RouteKind, ifindex, gw, r.mtu),
    );
  }

  private routeSpecDo(r: RouteSpec, write: (ifindex: number, gw: Uint8Array | null) => Nexthop): Nexthop {
    const ifindex = this.routeIfindex(r);
    try {
      return write(ifindex, r.type === 'unicast' ? r.via : null);
    } catch (e) {
      if (e instanceof TableError)
        throw new StackConfigError(r.file, r.line, `${fmtPrefix(r.dst, r.plen)}: ${e.message}`);
      throw e;
    }
  }

  /**
   * Runs frames through RSS and the pipeline, `batch` at a time, all at time `nowMs` (ms on a u32
   * clock that never runs backwards: an earlier time counts as the latest one seen).
   *
   * With the neighbor cache (`lltable`), around each batch: its timers due at `nowMs` run first
   * (retransmitted solicitations, give-ups with their ICMP errors), then the batch, then the events
   * the batch raised (misses hold packets and send solicitations; replies release held packets).
   * What the cache sends joins the `out` of the frame it is due to: the frame whose miss or reply
   * raised it, or for timers the first frame of the batch whose time fired them. So
   * `mpstack forward` writes every frame with the capture time of the input that caused it.
   */
  forward(frames: readonly RxFrame[], nowMs: number): FrameResult[] {
    const out: FrameResult[] = [];
    for (let i = 0; i < frames.length; i += this.batch) {
      this.forwardBatch(frames.slice(i, i + this.batch), nowMs, out);
    }
    return out;
  }

  /**
   * Runs the neighbor cache's timers due at `nowMs` with no frame to carry what they send
   * (retransmitted solicitations, probes, give-ups with their ICMP errors, announcements): for an
   * embedder's clock (createRouter's tick). Returns those frames; none without the cache.
   */
  step(nowMs: number): TxFrame[] {
    const { lltable } = this;
    if (!lltable) return [];
    const now = this.clock(nowMs);
    this.clockNow = now;
    return this.sent(this.locked('neighbor timers', () => lltable.tick(now)));
  }

  /** Runs the writer step `fn` under the writer lock, unless the caller (a locked test, an operation) holds it. */
  private locked<T>(op: string, fn: () => T): T {
    const w = this.tables.wlock;
    return w.held ? fn() : w.runSync(op, fn);
  }

  /** The batch clock as fwd_batch will see it: `nowMs`, or the last time when `nowMs` is earlier. */
  private clock(nowMs: number): number {
    const now = nowMs >>> 0;
    const prev = this.dv.getUint32(this.L.cpu[0]!.ctx + CTX_NOW, true);
    return prev !== 0 && ((now - prev) | 0) < 0 ? prev : now;
  }

  /**
   * Adds what the neighbor cache sent to the results of the frames it is due to, and to CPU 0's
   * tx-frames / tx-bytes (the data path counts its own frames per batch; these it never saw).
   */
  private attach(results: FrameResult[], first: number, sends: readonly LlSend[]): void {
    sends.forEach((f) => results[first + Math.max(0, f.frame)]?.out.push(...this.sent([f])));
  }

  /**
   * What the neighbor cache sent, as frames, counted in CPU 0's tx-frames / tx-bytes (the data path
   * counts its own frames per batch; these it never saw).
   */
  private sent(sends0: readonly LlSend[]): TxFrame[] {
    const c = this.L.cpu[0]!.counters;
    const sends = sends0.flatMap((f) => this.bridgeOut(f));
    for (const f of sends) {
      for (const [idx, v] of [
        [C_TX_FRAMES, 1],
        [C_TX_BYTES, f.data.length],
      ] as const) {
        const p = c + idx * 8;
        const lo = this.dv.getUint32(p, true) + v;
        this.dv.setUint32(p, lo >>> 0, true);
        if (lo > 0xffffffff) this.dv.setUint32(p + 4, this.dv.getUint32(p + 4, true) + 1, true);
      }
    }
    return sends.map((f) => ({ ifindex: f.ifindex, data: f.data }));
  }

  private forwardBatch(frames: readonly RxFrame[], nowMs: number, out: FrameResult[]): void {
    const { dv, u8, L, k, lltable } = this;
    const cpu = L.cpu[0]!;
    const n = frames.length;
    const first = out.length;
    const now = this.clock(nowMs);
    this.clockNow = now;
    const timed = lltable ? this.locked('neighbor timers', () => lltable.tick(now)) : [];
    this.bridgeTimers(now);
    // clusters [0, n) of CPU 0's slice receive; the rest are free for fragments and ICMP errors
    this.freeClustersFrom(n);
    for (let j = 0; j < n; j++) {
      const f = frames[j]!;
      const buf = this.clusterPtrs[j]! + BUF_HEADROOM;
      const pd = cpu.pd + j * PD_SIZE;
      u8.fill(0, pd, pd + PD_SIZE);
      if (f.data.length <= MAX_FRAME) u8.set(f.data, buf);
      dv.setUint32(pd + PD_BUF, buf, true);
      dv.setUint16(pd + PD_LEN, Math.min(f.data.length, 0xffff), true);
      dv.setUint16(pd + PD_RXIF, f.ifindex, true);
    }
    k.rss_batch(cpu.ctx, n);
    k.fwd_batch(cpu.ctx, n, nowMs >>> 0);
    for (let j = 0; j < n; j++) {
      const pd = cpu.pd + j * PD_SIZE;
      const path = PATH_NAMES[u8[pd + PD_PATH]!]!;
      const reason = u8[pd + PD_REASON]!;
      const txs = this.txFrames(dv.getUint32(pd + PD_TXFIRST, true), dv.getUint16(pd + PD_NTX, true));
      out.push({
        path,
        reason: path === 'drop' || path === 'local' ? REASON_NAMES[reason]! : null,
        rxif: dv.getUint16(pd + PD_RXIF, true),
        rss: dv.getUint32(pd + PD_RSS, true),
        queue: dv.getUint16(pd + PD_QUEUE, true),
        htype: HTYPE_NAMES[u8[pd + PD_HTYPE]!] ?? 'none',
        txif: dv.getUint16(pd + PD_TXIF, true),
        nh: dv.getUint32(pd + PD_NH, true),
        out: txs,
      });
    }
    if (lltable) {
      // timer output first (its time came before the batch), then what the batch's events sent
      const raised = this.locked('neighbor events', () => lltable.drain(this.mem, cpu.nev, now));
      this.attach(out, first, timed);
      this.attach(out, first, raised);
    }
  }

  private memView: Mem | null = null;
  /** the time of the batch being run (for the control plane's batches of its own) */
  private clockNow = 0;
  /** A Mem over the stack's memory, for the control plane's readers of shared structures. */
  private get mem(): Mem {
    if (!this.memView || this.memView.u8.buffer !== this.k.memory.buffer) this.memView = new Mem(this.k.memory);
    return this.memView;
  }

  /**
   * `ifconfig IF up`: the interface's addresses announced (gratuitous ARP for each IPv4 one, an
   * unsolicited NA for each IPv6 one and the link-local), sent by the neighbor cache's next step.
   * Not at start-up: a capture replayed by `forward` begins with the router already up.
   */
  announceInterface(ifindex: number): void {
    if (!this.lltable) return;
    for (const a of this.addresses(ifindex)) this.lltable.announce(ifindex, a.bytes);
    const ll = this.tables.ifs[ifindex]?.ll6;
    if (ll && !this.addresses(ifindex).some((a) => ipEqual(a.bytes, ll))) this.lltable.announce(ifindex, ll);
  }

  // ---- the neighbor cache: list, set, delete (arp -a/-s/-d, ndp -a/-s/-d) --------------------------

  /**
   * The neighbor cache, IPv4 first then IPv6, by interface and address: the lltable's entries with
   * their states, or (no lltable: the multi-CPU engine today) the data-path table's, all static.
   */
  neighborList(family?: 4 | 6): NeighborInfo[] {
    const now = this.dv.getUint32(this.L.cpu[0]!.ctx + CTX_NOW, true);
    const list: NeighborInfo[] = this.lltable
      ? this.lltable.list().map((e) => ({
          family: e.family,
          address: e.addr,
          ifindex: e.ifindex,
          mac: e.mac,
          state: e.state,
          expiresMs: e.timer === null ? null : Math.max(0, (e.timer - now) | 0),
          router: e.router,
          held: e.hold.length,
        }))
      : this.tables.listNeighbors().map((e) => ({
          family: e.addr.length === 4 ? 4 : 6,
          address: e.addr,
          ifindex: e.ifindex,
          mac: e.mac,
          state: 'static',
          expiresMs: null,
          router: false,
          held: 0,
        }));
    const cmp = (a: Uint8Array, b: Uint8Array) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
      return a.length - b.length;
    };
    return list
      .filter((e) => family === undefined || e.family === family)
      .sort((a, b) => a.family - b.family || cmp(a.address, b.address) || a.ifindex - b.ifindex);
  }

  /** `arp -s` / `ndp -s`: a static entry (never expires) for the address on the interface. Caller holds the writer lock. */
  neighborSet(address: Uint8Array, ifindex: number, mac: Uint8Array): void {
    if (!this.tables.ifs[ifindex])
      throw new StackConfigError(undefined, undefined, `no interface with index ${ifindex}`);
    if (this.lltable) this.lltable.setStatic(address, ifindex, mac);
    else this.tables.setNeighbor(address, ifindex, mac);
  }

  /**
   * `arp -d` / `ndp -d`: deletes the entry (its held packets are dropped); false when there was none.
   * Caller holds the writer lock, then waits a grace period and reclaims (Tables.deleteNeighbor's contract).
   */
  neighborDelete(address: Uint8Array, ifindex: number): boolean {
    return this.lltable ? this.lltable.delete(address, ifindex) : this.tables.deleteNeighbor(address, ifindex);
  }

  // ---- LlHost: what the neighbor cache needs of the stack -----------------------------------------

  linkOf(ifindex: number): { mac: Uint8Array; vid: number; wire: number } | null {
    const s = this.tables.ifs[ifindex];
    if (!s?.up || s.gif) return null; // a gif has no link layer: nothing to resolve or announce on it
    return { mac: s.mac, vid: s.vlan?.id ?? 0, wire: s.vlan?.parent ?? ifindex };
  }

  arpSource(ifindex: number, target: Uint8Array): Uint8Array {
    const v4 = this.addresses(ifindex).filter((a) => a.family === 4);
    const onNet = v4.find((a) => ipEqual(maskBytes(a.bytes, a.plen), maskBytes(target, a.plen)));
    return (onNet ?? v4[0])?.bytes ?? new Uint8Array(4);
  }

  linkLocal(ifindex: number): Uint8Array | null {
    return this.tables.ifs[ifindex]?.ll6 ?? null;
  }

  isOwnAddress(addr: Uint8Array): boolean {
    for (const list of this.ifAddrs.values()) if (list.some((a) => ipEqual(a.bytes, addr))) return true;
    return this.tables.ifs.some((s) => s?.ll6 !== null && s?.ll6 !== undefined && ipEqual(s.ll6, addr));
  }

  takeUsed(addr: Uint8Array, ifindex: number): boolean {
    return this.tables.neighborTakeUsed(addr, ifindex);
  }

  /**
   * How the neighbor cache's output leaves when the stack is not run by `forward` (the multi-CPU
   * engine sets these): give-up errors handed to a CPU, and deleted slots reclaimed after a real
   * grace period. Unset: the single-CPU behaviour below.
   */
  neighborHooks: {
    unreach(data: Uint8Array, v6: boolean, rxif: number): void;
    reclaim(): void;
  } | null = null;

  /** The single-CPU stack's only reader is the batch this thread runs: between batches is a grace period. */
  reclaim(): void {
    if (this.neighborHooks) this.neighborHooks.reclaim();
    else this.tables.reclaim();
  }

  /**
   * The ICMP error about a held packet whose next hop never answered, built by the data path's own
   * error path (nev_unreach) in a batch of its own on CPU 0: rate limiter, route and neighbor back.
   */
  unreach(data: Uint8Array, v6: boolean, rxif: number): TxFrame[] {
    if (this.neighborHooks) {
      this.neighborHooks.unreach(data, v6, rxif);
      return [];
    }
    const { dv, u8, L, k } = this;
    const cpu = L.cpu[0]!;
    if (data.length > MAX_FRAME - 18) return [];
    this.freeClustersFrom(1);
    const l3 = this.clusterPtrs[0]! + BUF_HEADROOM + 18;
    u8.set(data, l3);
    u8.fill(0, cpu.pd, cpu.pd + PD_SIZE);
    dv.setUint32(cpu.ctx + CTX_NTX, 0, true);
    dv.setUint32(cpu.ctx + CTX_NOW, this.clockNow, true); // the rate limiter's clock: the step's time
    k.nev_unreach(cpu.ctx, cpu.pd, l3, data.length, v6 ? 1 : 0, rxif);
    return this.txFrames(0, dv.getUint32(cpu.ctx + CTX_NTX, true));
  }

  /** CPU 0's free-cluster stack: every cluster of its slice from `from` on (those below carry received frames). */
  private freeClustersFrom(from: number): void {
    const { dv, L } = this;
    const cpu = L.cpu[0]!;
    const free = L.sizes.clusters - from;
    dv.setUint32(cpu.free, free, true);
    for (let j = 0; j < free; j++) dv.setUint32(cpu.free + 8 + j * 4, this.clusterPtrs[from + j]!, true);
  }

  /** Copies of the `n` frames of CPU 0's tx list from entry `first` on. */
  private txFrames(first: number, n: number): TxFrame[] {
    const { dv, u8 } = this;
    const tx = this.L.cpu[0]!.tx;
    const txs: TxFrame[] = [];
    for (let t = 0; t < n; t++) {
      const e = tx + (first + t) * TX_SIZE;
      const p = dv.getUint32(e + TX_BUF, true);
      txs.push({ ifindex: dv.getUint16(e + TX_IF, true), data: u8.slice(p, p + dv.getUint16(e + TX_LEN, true)) });
    }
    return txs;
  }

  /** Counters summed over CPUs, by name. */
  counters(): Record<string, number> {
    const res: Record<string, number> = {};
    for (let c = 0; c < C_COUNT; c++) {
      const name = COUNTER_NAMES[c];
      if (!name) continue;
      let v = 0;
      for (const cpu of this.L.cpu) {
        const p = cpu.counters + c * 8;
        v += this.dv.getUint32(p + 4, true) * 2 ** 32 + this.dv.getUint32(p, true);
      }
      res[name] = v;
    }
    if (this.lltable) Object.assign(res, this.lltable.counters); // the neighbor cache's control-plane counters
    return res;
  }

  /** Per-interface counters summed over CPUs, by interface name (netstat -i). */
  interfaceCounters(): Record<
    string,
    { ipkts: number; ibytes: number; opkts: number; obytes: number; idrops: number }
  > {
    const res: Record<string, { ipkts: number; ibytes: number; opkts: number; obytes: number; idrops: number }> = {};
    const u64 = (p: number) => this.dv.getUint32(p + 4, true) * 2 ** 32 + this.dv.getUint32(p, true);
    for (const s of this.tables.ifs) {
      if (!s) continue;
      const c = { ipkts: 0, ibytes: 0, opkts: 0, obytes: 0, idrops: 0 };
      for (const cpu of this.L.cpu) {
        const b = cpu.ifcnt + s.index * IFC_SIZE;
        c.ipkts += u64(b + IFC_IPKTS);
        c.ibytes += u64(b + IFC_IBYTES);
        c.opkts += u64(b + IFC_OPKTS);
        c.obytes += u64(b + IFC_OBYTES);
        c.idrops += u64(b + IFC_IDROPS);
      }
      res[s.name] = c;
    }
    return res;
  }

  /** Refuses a name an interface created at run time cannot take: not a name, or one in use. */
  private checkNewIfName(name: string): void {
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(name))
      throw new StackConfigError(
        undefined,
        undefined,
        `'${name}' is not an interface name (a letter, then up to 14 letters, digits, '_', '.', '-')`,
      );
    if (this.ifByName.has(name)) throw new StackConfigError(undefined, undefined, `interface ${name} exists already`);
  }

  /** The lowest free ifindex for an interface created at run time; refuses a full interface table. */
  private freeIfSlot(): number {
    let index = 1;
    while (index < this.L.sizes.ifSlots && this.tables.ifs[index]) index++;
    if (index >= this.L.sizes.ifSlots)
      throw new StackConfigError(
        undefined,
        undefined,
        `no free interface slot (${this.L.sizes.ifSlots - 1} in this engine)`,
      );
    return index;
  }

  /**
   * `ifconfig NAME create vlan VID vlanif PARENT` on a running engine: attaches a vlan interface in
   * the lowest free ifindex, up, with its parent's MAC and MTU, no addresses. Refuses, changing
   * nothing, a name in use, a parent that is not a NIC, a VLAN id outside 1..4094 or in use on that
   * parent, and a full interface table. Caller holds the writer lock. Returns the ifindex.
   */
  createVlan(name: string, parentName: string, vid: number): number {
    const fail = (msg: string): never => {
      throw new StackConfigError(undefined, undefined, msg);
    };
    this.checkNewIfName(name);
    const parent = this.ifByName.get(parentName) ?? fail(`no interface '${parentName}'`);
    const ps = this.tables.ifs[parent]!;
    if (ps.vlan) fail(`${parentName} is a vlan: a vlan's parent must be a NIC`);
    if (!Number.isInteger(vid) || vid < 1 || vid > 4094) fail(`vlan id must be 1..4094, not ${vid}`);
    const taken = this.tables.ifs.find((x) => x?.vlan && x.vlan.parent === parent && x.vlan.id === vid);
    if (taken) fail(`vlan ${vid} on ${parentName} is ${taken.name} already`);
    const index = this.freeIfSlot();
    this.tables.attachInterface({
      index,
      name,
      mac: Uint8Array.from(ps.mac),
      mtu: ps.mtu,
      up: true,
      vlan: { parent, id: vid },
      queues: 1,
      rssUdp: false,
      rssKey: new Uint8Array(40),
      addr4: 0,
      addr6: null,
      ll6: linkLocalFromMac(ps.mac),
      ll6Auto: true,
    });
    this.ifByName.set(name, index);
    this.ifAddrs.set(index, []);
    return index;
  }

  /**
   * `ifconfig gifN create` on a running engine: attaches a gif(4) interface in the lowest free
   * ifindex, up, MTU GIF_MTU (1280, NetBSD's), no tunnel and no addresses (its output drops as
   * gif-no-tunnel until `tunnel`). Refuses a name in use and a full interface table. Caller holds the
   * writer lock. Returns the ifindex.
   */
  createGif(name: string, ttl = GIF_TTL): number {
    this.checkNewIfName(name);
    const index = this.freeIfSlot();
    this.tables.attachInterface({
      index,
      name,
      mac: new Uint8Array(6),
      mtu: GIF_MTU,
      up: true,
      vlan: null,
      gif: { tunnel: null, ttl },
      queues: 1,
      rssUdp: false,
      rssKey: new Uint8Array(40),
      addr4: 0,
      addr6: null,
      ll6: null,
    });
    this.ifByName.set(name, index);
    this.ifAddrs.set(index, []);
    return index;
  }

  /**
   * `ifconfig bridgeN create` on a running engine: attaches a bridge(4) interface with no members in
   * the lowest free ifindex, up, MTU 1500, a MAC of its own (02:6d:70:00:HH:LL from its index, the
   * config's default, or the next such MAC no interface has), no addresses, brconfig's default
   * limits. Its softc and FDB come from the spare ones the memory plan laid out (spareBridges).
   * Refuses a name in use, a full interface table and no spare softc. Caller holds the writer lock.
   */
  createBridge(name: string, limits: { maxaddr: number; timeout: number } = BRIDGE_DEFAULTS): number {
    const fail = (msg: string): never => {
      throw new StackConfigError(undefined, undefined, msg);
    };
    this.checkNewIfName(name);
    const index = this.freeIfSlot();
    if (!this.tables.bridgeSoftcFree())
      fail(`no bridge left to create: this engine laid out ${this.L.bridges.length} bridges and all are in use`);
    const macs = new Set(this.tables.ifs.flatMap((x) => (x ? [fmtMac(x.mac)] : [])));
    let k = index;
    while (macs.has(fmtMac(defaultMac(k)))) k++;
    const mac = defaultMac(k);
    this.tableOp(() =>
      this.tables.attachInterface({
        index,
        name,
        mac,
        mtu: 1500,
        up: true,
        vlan: null,
        bridge: { maxaddr: limits.maxaddr, timeout: limits.timeout },
        queues: 1,
        rssUdp: false,
        rssKey: new Uint8Array(40),
        addr4: 0,
        addr6: null,
        ll6: linkLocalFromMac(mac),
        ll6Auto: true,
      }),
    );
    this.ifByName.set(name, index);
    this.ifAddrs.set(index, []);
    return index;
  }

  /**
   * The path MTU gif `index` learned from its outer path (IF_GIF_PMTU: ICMP too-big about its outer
   * packets), while fresh at `nowMs` (the data path's clock; default: the last batch's), or null.
   */
  gifPathMtu(index: number, nowMs?: number): number | null {
    const p = this.L.ifnet + index * IF_SIZE;
    const u32 = new Uint32Array(this.k.memory.buffer);
    const pmtu = Atomics.load(u32, (p + IF_GIF_PMTU) >>> 2);
    if (pmtu === 0) return null;
    const now = nowMs !== undefined ? nowMs >>> 0 : (this.wallClock?.() ?? this.clockNow);
    return (now - Atomics.load(u32, (p + IF_GIF_PMTU_AT) >>> 2)) >>> 0 > GIF_PMTU_EXPIRE_MS ? null : pmtu;
  }

  /**
   * Checks `ifconfig NAME tunnel SRC DST` before the control plane changes anything: NAME is a gif,
   * SRC and DST are of one family, SRC is one of our addresses (the outer packets' source, RFC 2003
   * 3.1) and no other gif has the same pair (NetBSD refuses it too: the encap table could not tell
   * them apart). Returns the gif's ifindex.
   */
  checkTunnel(name: string, src: Uint8Array, dst: Uint8Array): number {
    const fail = (msg: string): never => {
      throw new StackConfigError(undefined, undefined, msg);
    };
    const index = this.ifByName.get(name) ?? fail(`no interface '${name}'`);
    const s = this.tables.ifs[index]!;
    if (!s.gif) fail(`${name} is not a gif interface`);
    if (src.length !== dst.length) fail('tunnel source and destination must be both IPv4 or both IPv6');
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, j) => v === b[j]);
    const ours = [...this.ifAddrs.values()].some((l) => l.some((a) => same(a.bytes, src)));
    if (!ours) fail(`tunnel source ${fmt(src)} is not an address of this router`);
    for (const x of this.tables.ifs) {
      if (x && x.index !== index && x.gif?.tunnel && same(x.gif.tunnel.src, src) && same(x.gif.tunnel.dst, dst))
        fail(`${x.name} has the tunnel ${fmt(src)} -> ${fmt(dst)} already`);
    }
    return index;
  }

  /**
   * `ifconfig NAME destroy`, step 1 (Tables.unpublishInterface: no frame finds the vlan any more, its
   * routes are deleted). The caller holds the writer lock, waits a grace period, then calls
   * freeInterface (the control plane's ifDestroy does all three). Returns its index and the routes
   * that went with it.
   */
  unpublishInterface(name: string): { index: number; routes: number } {
    const index = this.ifByName.get(name);
    if (index === undefined) throw new StackConfigError(undefined, undefined, `no interface '${name}'`);
    let gone: unknown[];
    try {
      gone = this.tables.unpublishInterface(index);
    } catch (e) {
      if (e instanceof TableError) throw new StackConfigError(undefined, undefined, e.message);
      throw e;
    }
    this.ifByName.delete(name);
    this.ifAddrs.delete(index);
    this.forgetOnLink(); // its connected networks are gone
    return { index, routes: gone.length };
  }

  /** `ifconfig NAME destroy`, step 3, after the grace period: neighbors, reclaim, the slot freed for reuse. */
  freeInterface(index: number): void {
    this.tables.freeInterface(index);
    this.lltable?.purge(index);
  }

  /**
   * A frame the neighbor cache sends on a bridge leaves by its members, as the data path's
   * bridge_output sends them (assembly/forward/bridge.ts): the member the FDB names for its
   * destination, else every member up. Other frames pass as they are.
   */
  private bridgeOut<F extends { ifindex: number; data: Uint8Array }>(f: F): F[] {
    const b = this.tables.bridges.get(f.ifindex);
    if (!b) return [f];
    const up = (x: number) => this.tables.ifs[x]?.up === true;
    if ((f.data[0]! & 1) === 0) {
      const m = new Mem({ buffer: this.dv.buffer });
      const p = this.L.scratch;
      this.u8.set(f.data.subarray(0, 6), p);
      const port = br_lookup(m, b.sc, p, this.clockNow);
      if (port !== 0 && b.members.includes(port) && up(port)) return [{ ...f, ifindex: port }];
    }
    return b.members.filter(up).map((port) => ({ ...f, ifindex: port, data: f.data.slice() }));
  }

  private lastBridgeSweep = 0;
  /** The data path's clock when the CPUs run on their own (the multi-CPU engine sets it); null: the last batch's time. */
  wallClock: (() => number) | null = null;

  /**
   * The bridges' FDB sweep (NetBSD's bridge_timer): once a second of the clock `now` (ms, the data
   * path's), expired entries are deleted, so the count (maxaddr) counts live stations only. The
   * data path treats an expired entry as absent at once; the sweep only gives its slot back.
   * The multi-CPU engine calls it from its control-plane timer; forward() before each batch.
   */
  bridgeTimers(now: number): number {
    // a u32 clock: a second on either side of the last sweep (a wall clock starts anywhere in u32)
    if (this.tables.bridges.size === 0 || Math.abs((now - this.lastBridgeSweep) | 0) < 1000) return 0;
    this.lastBridgeSweep = now;
    let n = 0;
    this.locked('bridge timers', () => {
      for (const br of this.tables.bridges.keys()) n += this.tables.bridgeSweep(br, now);
    });
    return n;
  }

  private bridgeIndex(name: string): number {
    const i = this.ifByName.get(name);
    if (i === undefined) throw new StackConfigError(undefined, undefined, `no interface '${name}'`);
    if (!this.tables.bridges.has(i)) throw new StackConfigError(undefined, undefined, `${name} is not a bridge`);
    return i;
  }

  private memberIndex(name: string): number {
    const i = this.ifByName.get(name);
    if (i === undefined) throw new StackConfigError(undefined, undefined, `no interface '${name}'`);
    return i;
  }

  /** Runs a Tables writer, its TableError as a StackConfigError (a user's mistake, said plainly). */
  private tableOp<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof TableError) throw new StackConfigError(undefined, undefined, e.message);
      throw e;
    }
  }

  /** `brconfig BRIDGE add IF` (caller holds the writer lock). Returns the member's ifindex. */
  bridgeAdd(bridge: string, member: string): number {
    const br = this.bridgeIndex(bridge);
    const m = this.memberIndex(member);
    if ((this.ifAddrs.get(m) ?? []).length > 0)
      throw new StackConfigError(
        undefined,
        undefined,
        `${member} carries addresses of its own: a bridge member cannot (give them to ${bridge})`,
      );
    this.tableOp(() => this.tables.bridgeAddMember(br, m));
    return m;
  }

  /**
   * `brconfig BRIDGE delete IF`, step 1 (Tables.bridgeUnpublishMember): the caller holds the writer
   * lock, waits a grace period, then calls bridgeFreeMember. Returns the member's ifindex and the
   * FDB entries forgotten with it.
   */
  bridgeUnpublishMember(bridge: string, member: string): { index: number; entries: number } {
    const br = this.bridgeIndex(bridge);
    const m = this.memberIndex(member);
    const entries = this.tableOp(() => this.tables.bridgeUnpublishMember(br, m));
    return { index: m, entries };
  }

  /** `brconfig BRIDGE delete IF`, step 2, after the grace period. */
  bridgeFreeMember(bridge: string, index: number): void {
    this.tables.bridgeFreeMember(this.bridgeIndex(bridge), index);
  }

  /** `brconfig BRIDGE static ADDR IF`. */
  bridgeStatic(bridge: string, mac: Uint8Array, member: string): void {
    const br = this.bridgeIndex(bridge);
    const m = this.memberIndex(member);
    this.tableOp(() => this.tables.bridgeStatic(br, mac, m));
  }

  /** `brconfig BRIDGE flush` (learned entries; `all`: static ones too). Returns how many went. */
  bridgeFlush(bridge: string, all = false): number {
    return this.tables.bridgeFlush(this.bridgeIndex(bridge), all);
  }

  /** `brconfig BRIDGE maxaddr N` / `timeout SECONDS`. */
  bridgeLimits(bridge: string, maxaddr?: number, timeout?: number): void {
    this.tables.bridgeSetLimits(this.bridgeIndex(bridge), maxaddr, timeout);
  }

  /**
   * What `brconfig BRIDGE` shows at `nowMs` (the data path's clock; default: the last batch's):
   * members in order, the FDB's entries (expired ones swept first when the caller holds the writer
   * lock), the limits. Bridges by name: `bridges()`.
   */
  bridgeShow(
    bridge: string,
    nowMs?: number,
  ): {
    name: string;
    members: { name: string; index: number; up: boolean }[];
    entries: { mac: Uint8Array; port: string; static: boolean; age: number }[];
    maxaddr: number;
    timeout: number;
    count: number;
  } {
    const br = this.bridgeIndex(bridge);
    const now = nowMs !== undefined ? nowMs >>> 0 : (this.wallClock?.() ?? this.clockNow);
    if (this.tables.wlock.held) this.tables.bridgeSweep(br, now);
    const st = this.tables.bridgeState(br);
    const cfg = this.tables.ifs[br]!.bridge!;
    return {
      name: bridge,
      members: st.members.map((m) => ({ name: this.ifName(m), index: m, up: this.tables.ifs[m]?.up === true })),
      entries: this.tables
        .bridgeList(br, now)
        .filter((e) => !e.expired)
        .map((e) => ({ mac: e.mac, port: this.ifName(e.port), static: e.static, age: e.age })),
      maxaddr: cfg.maxaddr,
      timeout: cfg.timeout,
      count: st.fdb.count(),
    };
  }

  /** The bridge interfaces' names, in ifindex order. */
  bridges(): string[] {
    return [...this.tables.bridges.keys()].sort((a, b) => a - b).map((i) => this.ifName(i));
  }

  ifName(index: number): string {
    return this.tables.ifs[index]?.name ?? `if${index}`;
  }
}

function maskByte(plen: number, j: number): number {
  const bits = Math.max(0, Math.min(8, plen - j * 8));
  return (0xff << (8 - bits)) & 0xff;
}

function maskBytes(b: Uint8Array, plen: number): Uint8Array {
  return Uint8Array.from(b, (v, j) => v & maskByte(plen, j));
}
