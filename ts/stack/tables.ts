// Control-plane writers for the shared tables: interfaces, nexthops, routes, neighbors.
//
// Locking notes (who may touch what):
// - Every method here is a writer, or reads the writer's scratch memory, and must run under the
//   writer lock (`wlock`, writer-lock.ts; asserted on entry). Readers — the pipelines on every
//   CPU — take no lock.
// - Publication order: a nexthop is written completely before a route may point at it; a route
//   is published by one atomic store inside rt_set/rt_del; after any change that can alter a
//   forwarding decision the generation word is bumped so every CPU flushes its ipflow cache.
// - Nothing a reader may still hold is freed here: unlinked radix nodes go to limbo and nexthops
//   whose last route went away are only released by `reclaim()`, which the caller invokes after a
//   grace period (pserialize perform; trivially true with no concurrent readers).
import {
  IF_SIZE,
  IF_FLAGS,
  IF_MTU,
  IF_MAC,
  IF_VID,
  IF_PARENT,
  IF_NQUEUES,
  IF_RSSTAB,
  IF_RETA,
  IF_ADDR4,
  IF_VLANMAP,
  IF_ADDR6,
  IF_LL6,
  IF_BRIDGE,
  IF_BRSC,
  IFF_BRIDGE,
  IFF_BRPORT,
  BR_IFINDEX,
  BR_MEMBERS,
  BR_FDB,
  BR_MASK,
  BR_MAXADDR,
  BR_TIMEOUT,
  BR_SIZE,
  BR_MAXPORTS,
  BR_BYTES,
  BRP_SIZE,
  BRP_LINK,
  BRP_IFINDEX,
  FDB_SIZE,
  IFF_EXISTS,
  IFF_UP,
  IFF_VLAN,
  IFF_RSS_UDP4,
  IFF_NOREDIRECT,
  IFF_DIRBCAST,
  IFF_RPF_STRICT,
  IFF_RPF_LOOSE,
  IFF_RSS_UDP6,
  IFF_HAS_ADDR6,
  IFF_HAS_LL6,
  NH_SIZE,
  NH_FLAGS,
  NH_IFINDEX,
  NH_GW,
  NH_MTU,
  NH_REFS,
  NHF_VALID,
  NHF_GATEWAY,
  NHF_LOCAL,
  NHF_BROADCAST,
  NHF_REJECT,
  NHF_BLACKHOLE,
  NHF_PROHIBIT,
  NHF_V6,
  NBH_CAP,
  NBH_SIZE,
  NB_SIZE,
  NB_KEY,
  NB_IF,
  NB_STATE,
  NB_MAC,
  NB_USED,
  NBS_VALID,
  IFC_SIZE,
  RN_KEY,
  RN_PLEN,
  RN_NH,
  RETA_SIZE,
  NBS_V6,
  F4_MAX_NH,
  NP_LIMBO_COUNT,
  RN_CHILD0,
  RN_CHILD1,
  RH_ROOT,
  RH_SIZE,
  RT_WALK_REC,
  IFF_GIF,
  IFF_GIF_TUNNEL,
  IFF_GIF_V6,
  IF_GIF_SRC,
  IF_GIF_DST,
  IF_GIF_TTL,
  IF_GIF_PMTU,
  IF_GIF_PMTU_AT,
  ENC_CAP,
  ENC_HWM,
  ENC_MAX,
  ENC_SIZE,
  ENCE_SIZE,
  ENCE_STATE,
  ENCE_IF,
  ENCE_AF,
  ENCE_PROTO,
  ENCE_SPLEN,
  ENCE_DPLEN,
  ENCE_SRC,
  ENCE_DST,
  ENCS_FREE,
  ENCS_LIVE,
  ENCP_IPV4,
  ENCP_IPV6,
} from '../../assembly/layout.js';
import type { Kernels } from './kernels.js';
import type { Layout } from './memory-plan.js';
import { Fib6Writer, Fib6FullError } from './fib6-writer.js';
import { UserError } from '../errors.js';
import { laf_fold6, laf_hash } from '../kernels/fib/route.js';
import { WriterLock } from './writer-lock.js';
import { BridgeFdb, type FdbEntry, FdbFullError } from './bridge-fdb.js';
import { Mem } from '../kernels/util/mem.js';
import {
  pslist_init,
  pslist_entry_init,
  pslist_entry_destroy,
  pslist_writer_insert_head,
  pslist_writer_insert_after,
  pslist_writer_remove,
  pslist_writer_first,
  pslist_writer_next,
} from '../sync/pslist.js';

export type RouteKind = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'local' | 'broadcast';

export interface Nexthop {
  id: number;
  kind: RouteKind;
  family: 4 | 6;
  ifindex: number;
  /** gateway in wire order, or null (connected) */
  gw: Uint8Array | null;
  mtu: number;
}

export interface IfState {
  index: number;
  name: string;
  mac: Uint8Array;
  mtu: number;
  up: boolean;
  vlan: { parent: number; id: number } | null;
  queues: number;
  rssUdp: boolean;
  rssKey: Uint8Array;
  addr4: number;
  addr6: Uint8Array | null;
  ll6: Uint8Array | null;
  /** ICMP redirects out of this interface (IFF_NOREDIRECT when false); default true */
  sendRedirects?: boolean;
  /** directed broadcasts forwarded to this interface's subnet (IFF_DIRBCAST); default false */
  directedBroadcast?: boolean;
  /** reverse-path filter: 1 strict (IFF_RPF_STRICT), 2 loose (IFF_RPF_LOOSE), 0 off (default) */
  rpFilter?: 0 | 1 | 2;
  /** ll6 is the EUI-64 one the stack formed itself: a configured link-local address replaces it */
  ll6Auto?: boolean;
  /** a bridge(4): its FDB limits (maxaddr entries, timeout in seconds, 0 = forever); null or absent for the others */
  bridge?: { maxaddr: number; timeout: number } | null;
  /** the ifindex of the bridge this interface is a member of (0 or absent: none) */
  bridgeOf?: number;
  /** a gif(4) tunnel interface (IFF_GIF) and its tunnel, if it has one */
  gif?: GifState | null;
}

/** A bridge's state on the writer side: its softc, the port slots in use, its FDB writer. */
export interface BridgeState {
  sc: number;
  fdb: BridgeFdb;
  /** member ifindexes, in the order they were added */
  members: number[];
  /** the port slot of each member */
  slotOf: Map<number, number>;
  /** port slots unlinked, waiting for a grace period before reuse (bridgeFreeMember) */
  limbo: number[];
  /** which of the layout's softcs (L.bridges) it has */
  region: number;
  /** members released by unpublishInterface, whose IF_BRIDGE freeInterface clears */
  released: number[];
}

/** A gif's tunnel: outer source (one of our addresses) and destination, wire order, 4 or 16 bytes each. */
export interface GifState {
  tunnel: { src: Uint8Array; dst: Uint8Array } | null;
  /** outer TTL / hop limit */
  ttl: number;
}

export class TableError extends UserError {
  override readonly name = 'TableError';
}

const KIND_FLAGS: Record<RouteKind, number> = {
  unicast: 0,
  blackhole: NHF_BLACKHOLE,
  unreachable: NHF_REJECT,
  prohibit: NHF_REJECT | NHF_PROHIBIT,
  local: NHF_LOCAL,
  broadcast: NHF_BROADCAST,
};

export function words6(b: Uint8Array, off = 0): [number, number, number, number] {
  const dv = new DataView(b.buffer, b.byteOffset + off, 16);
  return [dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)];
}

function sameGw(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Tables {
  readonly dv: DataView;
  readonly u8: Uint8Array;
  private readonly nhByKey = new Map<string, Nexthop>();
  private readonly nhById: (Nexthop | undefined)[] = [];
  private readonly nhFree: number[] = [];
  private readonly nhLimbo: number[] = [];
  private nhNext = 1;
  private rssUsed = 0;
  private vlanUsed = 0;
  /** the layout's bridge softcs (L.bridges) in use, by position */
  private readonly bridgeRegions = new Set<number>();
  /** bridge(4) writer state, by the bridge's ifindex */
  readonly bridges = new Map<number, BridgeState>();
  private readonly mem: Mem;
  /** encap table slots: the ifindex each live slot leads to; slots unpublished and awaiting reclaim() */
  private readonly encapOwner: (number | undefined)[] = [];
  private readonly encapLimbo: number[] = [];
  private readonly encapByIf = new Map<number, number>();
  /** gifs whose tunnel words were retired: rewritten only after a grace period (reclaim) */
  private readonly gifRetired = new Set<number>();
  readonly ifs: (IfState | undefined)[] = [];
  /** In bulk mode route changes skip the compiled FIB; endBulk() compiles it once. */
  private bulk = false;
  /** The last nexthops handed out: a route table mostly repeats a handful of them. */
  private readonly recentNh: Nexthop[] = [];
  private readonly genWord: Uint32Array;
  /** the compiled IPv6 FIB's writer (undefined: IPv6 lookups use the radix tree) */
  readonly fib6?: Fib6Writer;
  /** the writer lock: every method below asserts it */
  readonly wlock = new WriterLock();

  /**
   * `graceWait` returns once every reader that may hold memory the writers retired has moved on
   * (pserialize perform, blocking). The default suits a single CPU whose pipeline runs on this
   * thread between control-plane calls: there is nobody to wait for.
   *
   * Retirement normally follows the control plane's order (ts/control/control-plane.ts: unpublish,
   * then an async grace period, then reclaim). Two writers here cannot wait for the end of their
   * operation and use this blocking grace period in the middle of it instead, in the same order:
   * deleteRoute when the radix limbo is about to overflow, and the IPv6 FIB writer (quiesce) when its
   * hash has no free slot left but tombstones awaiting reclaim. Both are rare (bulk deletes, a full
   * hash); the workers are never blocked by it, only the writer.
   */
  constructor(
    readonly k: Kernels,
    readonly L: Layout,
    public graceWait: () => void = () => {},
  ) {
    this.dv = new DataView(k.memory.buffer);
    this.u8 = new Uint8Array(k.memory.buffer);
    this.mem = new Mem(k.memory);
    this.genWord = new Uint32Array(k.memory.buffer, L.gen, 1);
    k.rt_pool_init(L.pool, L.poolNodes, L.sizes.radixNodes, L.poolLimbo);
    k.rt_init(L.rt4, L.pool, 32);
    k.rt_init(L.rt6, L.pool, 128);
    if (L.fib4.head)
      k.fib4_init(L.fib4.head, L.fib4.tbl24, L.fib4.tbl8, L.sizes.fib4Groups, L.fib4.free, L.fib4.limbo, L.rt4);
    if (L.fib6.head) {
      this.fib6 = new Fib6Writer(
        k.memory,
        L.fib6.head,
        L.fib6.tbl16,
        L.fib6.hash,
        L.sizes.fib6Slots!,
        L.rt6,
        L.fib6.f24,
      );
      this.fib6.quiesce = () => {
        this.graceWait();
        this.reclaim();
      };
    }
    k.nb_init(L.nbr, L.sizes.neighborSlots);
    this.dv.setUint32(L.gen, 1, true);
    if (L.encap) {
      this.u8.fill(0, L.encap, L.encap + ENC_SIZE + ENC_MAX * ENCE_SIZE);
      this.dv.setUint32(L.encap + ENC_CAP, ENC_MAX, true);
    }
  }

  /**
   * Bulk loading: route changes update only the radix tree until endBulk() compiles the FIB in one
   * pass. Only while no reader runs (start-up), since the FIB lags the RIB in between.
   */
  beginBulk(): void {
    this.wlock.assertHeld('beginBulk');
    this.bulk = true;
  }

  endBulk(): void {
    this.wlock.assertHeld('endBulk');
    this.bulk = false;
    if (this.L.fib4.head && this.k.fib4_build(this.L.fib4.head) !== 0) throw this.groupsError();
    this.fib6Do(() => this.fib6!.build());
    this.bumpGeneration();
  }

  private groupsError(): TableError {
    return new TableError(
      `compiled FIB: out of tbl8 groups (${this.L.sizes.fib4Groups}): too many /24s hold longer prefixes; use fib: radix`,
    );
  }

  private fib4Update(dst: Uint8Array, plen: number): void {
    if (!this.L.fib4.head || this.bulk) return;
    if (this.k.fib4_update(this.L.fib4.head, this.putKey(dst), plen) !== 0) throw this.groupsError();
  }

  private fib6Update(dst: Uint8Array, plen: number, present: boolean): void {
    if (!this.fib6 || this.bulk) return;
    const k0 = ((dst[0]! << 24) | (dst[1]! << 16) | (dst[2]! << 8) | dst[3]!) >>> 0;
    const k1 = ((dst[4]! << 24) | (dst[5]! << 16) | (dst[6]! << 8) | dst[7]!) >>> 0;
    this.fib6Do(() => this.fib6!.update(k0, k1, plen, present));
  }

  private fib6Do(f: () => void): void {
    if (!this.fib6) return;
    try {
      f();
    } catch (e) {
      if (e instanceof Fib6FullError)
        throw new TableError(
          `${e.message}: use fib: radix, or load the routes at start-up so the FIB is sized for them`,
        );
      throw e;
    }
  }

  private fibUpdate(family: 4 | 6, dst: Uint8Array, plen: number, present = true): void {
    if (family === 4) this.fib4Update(dst, plen);
    else this.fib6Update(dst, plen, present);
  }

  /** Tells every CPU's ipflow cache that forwarding decisions may have changed. */
  bumpGeneration(): void {
    if (this.bulk) return; // endBulk bumps once
    Atomics.add(this.genWord, 0, 1);
  }

  // ---- interfaces -------------------------------------------------------------------------------

  /**
   * Attaches an interface at s.index, at start-up or on a running engine. Publication: every field
   * is written before the flags word (atomic) says the slot exists, and a vlan is found by frames
   * only once its parent's VLAN map entry is stored, last. The slot's per-CPU counters are zeroed
   * first: no CPU touches them while nothing refers to the index.
   */
  attachInterface(s: IfState): void {
    this.wlock.assertHeld('attachInterface');
    const { dv, u8, L } = this;
    if (s.index <= 0 || s.index >= L.sizes.ifSlots) throw new TableError(`ifindex ${s.index} out of range`);
    if (this.ifs[s.index]) throw new TableError(`ifindex ${s.index} is in use by ${this.ifs[s.index]!.name}`);
    const p = L.ifnet + s.index * IF_SIZE;
    u8.fill(0, p, p + IF_SIZE);
    for (const cpu of L.cpu) u8.fill(0, cpu.ifcnt + s.index * IFC_SIZE, cpu.ifcnt + (s.index + 1) * IFC_SIZE);
    let vlanEntry = 0;
    dv.setUint32(p + IF_MTU, s.mtu, true);
    u8.set(s.mac, p + IF_MAC);
    dv.setUint32(p + IF_NQUEUES, Math.max(1, s.queues), true);
    let flags = IFF_EXISTS | (s.up ? IFF_UP : 0);
    if (s.vlan) {
      flags |= IFF_VLAN;
      dv.setUint16(p + IF_VID, s.vlan.id, true);
      dv.setUint32(p + IF_PARENT, s.vlan.parent, true);
      const pp = L.ifnet + s.vlan.parent * IF_SIZE;
      let map = dv.getUint32(pp + IF_VLANMAP, true);
      if (map === 0) {
        if (this.vlanUsed >= L.vlanMaps.length) throw new TableError('no VLAN map left in the layout');
        map = L.vlanMaps[this.vlanUsed++]!;
        u8.fill(0, map, map + 8192);
        dv.setUint32(pp + IF_VLANMAP, map, true);
      }
      vlanEntry = map + s.vlan.id * 2;
    } else if (s.bridge) {
      // bridge(4): no queues of its own (its members have them); the softc and an empty FDB
      // the first free softc: the config's bridges take theirs in order, each sized for its maxaddr
      const region = L.bridges.findIndex((_, j) => !this.bridgeRegions.has(j));
      if (region < 0) throw new TableError('no bridge softc left in the layout');
      this.bridgeRegions.add(region);
      const b = L.bridges[region]!;
      u8.fill(0, b.sc, b.sc + BR_BYTES);
      u8.fill(0, b.fdb, b.fdb + b.slots * FDB_SIZE);
      dv.setUint32(b.sc + BR_IFINDEX, s.index, true);
      pslist_init(this.mem, b.sc + BR_MEMBERS);
      dv.setUint32(b.sc + BR_FDB, b.fdb, true);
      dv.setUint32(b.sc + BR_MASK, b.slots - 1, true);
      dv.setUint32(b.sc + BR_MAXADDR, s.bridge.maxaddr, true);
      dv.setUint32(b.sc + BR_TIMEOUT, s.bridge.timeout * 1000, true);
      dv.setUint32(p + IF_BRSC, b.sc, true);
      flags |= IFF_BRIDGE;
      this.bridges.set(s.index, {
        sc: b.sc,
        fdb: new BridgeFdb(this.k.memory, b.sc),
        members: [],
        slotOf: new Map(),
        limbo: [],
        region,
        released: [],
      });
    } else if (s.gif) {
      flags |= IFF_GIF; // no queues, no RSS: frames reach it decapsulated, by the encap table
    } else {
      if (this.rssUsed >= L.rss.length) throw new TableError('no RSS table left in the layout');
      const r = L.rss[this.rssUsed++]!;
      u8.set(s.rssKey, r.key);
      this.k.toe_table_init(r.key, r.table);
      for (let i = 0; i < RETA_SIZE; i++) u8[r.reta + i] = i % Math.max(1, s.queues);
      dv.setUint32(p + IF_RSSTAB, r.table, true);
      dv.setUint32(p + IF_RETA, r.reta, true);
      if (s.rssUdp) flags |= IFF_RSS_UDP4 | IFF_RSS_UDP6;
    }
    dv.setUint32(p + IF_ADDR4, s.addr4 >>> 0, true);
    if (s.sendRedirects === false) flags |= IFF_NOREDIRECT;
    if (s.directedBroadcast) flags |= IFF_DIRBCAST;
    if (s.rpFilter === 1) flags |= IFF_RPF_STRICT;
    else if (s.rpFilter === 2) flags |= IFF_RPF_LOOSE;
    if (s.addr6) {
      u8.set(s.addr6, p + IF_ADDR6);
      flags |= IFF_HAS_ADDR6;
    }
    if (s.ll6) {
      u8.set(s.ll6, p + IF_LL6);
      flags |= IFF_HAS_LL6;
    }
    Atomics.store(new Uint32Array(this.k.memory.buffer, p + IF_FLAGS, 1), 0, flags);
    if (vlanEntry) Atomics.store(new Uint16Array(this.k.memory.buffer, vlanEntry, 1), 0, s.index);
    this.ifs[s.index] = s;
    if (s.gif?.tunnel) {
      const t = s.gif.tunnel;
      s.gif.tunnel = null;
      this.setTunnel(s.index, t.src, t.dst);
    }
    this.bumpGeneration();
  }

  // ---- tunnels (gif(4), the encap table) -------------------------------------------------------

  private flagsView(index: number): Uint32Array {
    return new Uint32Array(this.k.memory.buffer, this.L.ifnet + index * IF_SIZE + IF_FLAGS, 1);
  }

  /**
   * Gives the gif at `index` its tunnel: outer source `src` (the caller checked it is one of our
   * addresses) and destination `dst`, both IPv4 or both IPv6, wire order. Publication: the words
   * are written, then the flags say IFF_GIF_TUNNEL (atomic), then the encap entry that lets the
   * remote end's packets in. Refuses a gif that has a tunnel (deleteTunnel first) or whose old
   * tunnel words a reader may still be reading (no grace period since deleteTunnel: reclaim()).
   */
  setTunnel(index: number, src: Uint8Array, dst: Uint8Array): void {
    this.wlock.assertHeld('setTunnel');
    const s = this.ifs[index];
    if (!s?.gif) throw new TableError(`interface ${index} is not a gif`);
    if (s.gif.tunnel) throw new TableError(`${s.name} has a tunnel: delete it first`);
    if (this.gifRetired.has(index)) throw new TableError(`${s.name}: its old tunnel awaits a grace period`);
    if (src.length !== dst.length || (src.length !== 4 && src.length !== 16))
      throw new TableError('tunnel source and destination must be both IPv4 or both IPv6');
    const { u8, dv } = this;
    const p = this.L.ifnet + index * IF_SIZE;
    u8.fill(0, p + IF_GIF_SRC, p + IF_GIF_TTL + 4);
    u8.fill(0, p + IF_GIF_PMTU, p + IF_GIF_PMTU_AT + 4); // what the old tunnel's outer path taught
    u8.set(src, p + IF_GIF_SRC);
    u8.set(dst, p + IF_GIF_DST);
    dv.setUint32(p + IF_GIF_TTL, s.gif.ttl, true);
    const v = this.flagsView(index);
    const v6 = src.length === 16;
    Atomics.store(v, 0, (Atomics.load(v, 0) & ~IFF_GIF_V6) | IFF_GIF_TUNNEL | (v6 ? IFF_GIF_V6 : 0));
    s.gif.tunnel = { src: Uint8Array.from(src), dst: Uint8Array.from(dst) };
    const bits = src.length * 8;
    this.encapByIf.set(index, this.encapAttach(index, dst, bits, src, bits));
    this.bumpGeneration();
  }

  /**
   * Takes the gif's tunnel away (`ifconfig gifN deletetunnel`): its flags lose IFF_GIF_TUNNEL (its
   * output drops, gif-no-tunnel) and its encap entry is unpublished. The words and the entry are
   * reused only after reclaim(), which the caller runs after a grace period. No tunnel: nothing.
   */
  deleteTunnel(index: number): void {
    this.wlock.assertHeld('deleteTunnel');
    const s = this.ifs[index];
    if (!s?.gif) throw new TableError(`interface ${index} is not a gif`);
    if (!s.gif.tunnel) return;
    const v = this.flagsView(index);
    Atomics.store(v, 0, Atomics.load(v, 0) & ~(IFF_GIF_TUNNEL | IFF_GIF_V6));
    const slot = this.encapByIf.get(index);
    if (slot !== undefined) this.encapDetach(slot);
    this.encapByIf.delete(index);
    s.gif.tunnel = null;
    this.gifRetired.add(index);
    this.bumpGeneration();
  }

  /**
   * Publishes an encap table entry (NetBSD's encap_attach): outer packets of the address family of
   * `src`, from src/splen (the remote end) to dst/dplen (ours), carrying one of `protos` (ENCP_*),
   * enter on `ifindex`. Every field is written before the state word says ENCS_LIVE (atomic); the
   * high-water mark is raised first. Returns the slot.
   */
  encapAttach(
    ifindex: number,
    src: Uint8Array,
    splen: number,
    dst: Uint8Array,
    dplen: number,
    protos = ENCP_IPV4 | ENCP_IPV6,
  ): number {
    this.wlock.assertHeld('encapAttach');
    const { dv, L } = this;
    let slot = 0;
    while (slot < ENC_MAX && (this.encapOwner[slot] !== undefined || this.encapLimbo.includes(slot))) slot++;
    if (slot >= ENC_MAX) throw new TableError(`encap table full (${ENC_MAX} tunnels)`);
    const e = L.encap + ENC_SIZE + slot * ENCE_SIZE;
    this.u8.fill(0, e, e + ENCE_SIZE);
    dv.setUint32(e + ENCE_IF, ifindex, true);
    this.u8[e + ENCE_AF] = src.length === 16 ? 6 : 4;
    this.u8[e + ENCE_PROTO] = protos;
    this.u8[e + ENCE_SPLEN] = splen;
    this.u8[e + ENCE_DPLEN] = dplen;
    const words = (a: Uint8Array, plen: number, at: number) => {
      const m = maskBytes(a, plen);
      const mdv = new DataView(m.buffer, m.byteOffset, m.length);
      for (let w = 0; w < a.length / 4; w++) dv.setUint32(at + w * 4, mdv.getUint32(w * 4), true);
    };
    words(src, splen, e + ENCE_SRC);
    words(dst, dplen, e + ENCE_DST);
    const hwm = new Uint32Array(this.k.memory.buffer, L.encap + ENC_HWM, 1);
    if (Atomics.load(hwm, 0) <= slot) Atomics.store(hwm, 0, slot + 1);
    Atomics.store(new Uint32Array(this.k.memory.buffer, e + ENCE_STATE, 1), 0, ENCS_LIVE);
    this.encapOwner[slot] = ifindex;
    return slot;
  }

  /** Unpublishes encap entry `slot` (ENCS_FREE, atomic); it is reused after reclaim(). */
  encapDetach(slot: number): void {
    this.wlock.assertHeld('encapDetach');
    const e = this.L.encap + ENC_SIZE + slot * ENCE_SIZE;
    Atomics.store(new Uint32Array(this.k.memory.buffer, e + ENCE_STATE, 1), 0, ENCS_FREE);
    this.encapOwner[slot] = undefined;
    this.encapLimbo.push(slot);
  }

  /**
   * Detaching a vlan interface from a running engine takes NetBSD's if_detach order, in two calls
   * with a grace period between them (the control plane's ifDestroy runs all three steps):
   * 1. unpublishInterface: its parent's VLAN map entry and its flags are cleared, so no frame finds
   *    it any more, and every route through it is deleted (their nodes and nexthops to limbo);
   * 2. a grace period (pserialize perform): every batch that could have read the old routes or the
   *    old slot has ended;
   * 3. freeInterface: its neighbor entries are deleted (only now: a batch that read one of its routes
   *    before the delete may still look up the gateway's MAC, and would drop the frame as
   *    unresolved), what the writers retired is reclaimed, and the slot is cleared, so its index may
   *    be attached again.
   * Frames refer to interfaces by index, never by pointer, so nothing dangles: a reader that still
   * has the index reads a slot that says "absent". Returns the routes it deleted.
   */
  unpublishInterface(index: number): { family: 4 | 6; prefix: Uint8Array; plen: number }[] {
    this.wlock.assertHeld('unpublishInterface');
    const { dv, L } = this;
    const s = this.ifs[index];
    if (!s) throw new TableError(`no interface with index ${index}`);
    if (!s.vlan && !s.gif && !s.bridge)
      throw new TableError(`${s.name} is a NIC: only vlan, gif and bridge interfaces can be destroyed`);
    const p = L.ifnet + index * IF_SIZE;
    if (s.vlan) {
      const map = dv.getUint32(L.ifnet + s.vlan.parent * IF_SIZE + IF_VLANMAP, true);
      Atomics.store(new Uint16Array(this.k.memory.buffer, map + s.vlan.id * 2, 1), 0, 0);
    } else if (s.bridge) {
      // every member released as `brconfig delete` releases one: its frames stop entering the
      // bridge, its port slot leaves the list; the softc and FDB stay readable until freeInterface
      const b = this.bridgeOf(index);
      for (const m of [...b.members]) {
        this.bridgeUnpublishMember(index, m);
        b.released.push(m);
      }
    } else {
      this.deleteTunnel(index); // no outer packet finds it any more
    }
    Atomics.store(new Uint32Array(this.k.memory.buffer, p + IF_FLAGS, 1), 0, 0);
    const gone: { family: 4 | 6; prefix: Uint8Array; plen: number }[] = [];
    for (const family of [4, 6] as const) {
      for (const r of this.walkRoutes(family)) {
        if (r.nh.ifindex !== index) continue;
        this.deleteRoute(family, r.prefix, r.plen);
        gone.push({ family, prefix: r.prefix, plen: r.plen });
      }
    }
    this.bumpGeneration();
    return gone;
  }

  /** Step 3 of a detach (see unpublishInterface). Caller guarantees the grace period since step 1. */
  freeInterface(index: number): void {
    this.wlock.assertHeld('freeInterface');
    const s = this.ifs[index];
    if (
      !s ||
      Atomics.load(new Uint32Array(this.k.memory.buffer, this.L.ifnet + index * IF_SIZE + IF_FLAGS, 1), 0) !== 0
    ) {
      throw new TableError(`interface ${index} is not unpublished`);
    }
    this.purgeNeighbors(index);
    this.reclaim();
    const b = this.bridges.get(index);
    if (b) {
      // no CPU can reach the softc any more (the bridge's flags and its members' IFF_BRPORT went a
      // grace period ago): the members' IF_BRIDGE, the port slots, the FDB and the softc are freed
      for (const m of b.released) this.bridgeFreeMember(index, m);
      const r = this.L.bridges[b.region]!;
      this.u8.fill(0, r.sc, r.sc + BR_BYTES);
      this.u8.fill(0, r.fdb, r.fdb + r.slots * FDB_SIZE);
      this.bridges.delete(index);
      this.bridgeRegions.delete(b.region);
    }
    const p = this.L.ifnet + index * IF_SIZE;
    this.u8.fill(0, p, p + IF_SIZE);
    this.ifs[index] = undefined;
  }

  // ---- bridge(4) -------------------------------------------------------------------------------
  // Members come and go under traffic in the talk's order (the protocol is drawn in
  // assembly/layout/bridge.ts): add publishes the port slot on the member list, then IF_BRIDGE, then
  // IFF_BRPORT; delete takes IFF_BRPORT away and unlinks the slot and the port's FDB entries
  // (bridgeUnpublishMember), and only after a grace period reuses the slot (bridgeFreeMember).

  private bridgeOf(brif: number): BridgeState {
    const b = this.bridges.get(brif);
    if (!b) throw new TableError(`${this.ifs[brif]?.name ?? `ifindex ${brif}`} is not a bridge`);
    return b;
  }

  /**
   * Makes `member` a port of bridge `brif`: refuses (TableError) a vlan or bridge, an interface that
   * carries addresses, one already a member of a bridge, and a full bridge (BR_MAXPORTS).
   */
  bridgeAddMember(brif: number, member: number): void {
    this.wlock.assertHeld('bridgeAddMember');
    const { dv, L } = this;
    const b = this.bridgeOf(brif);
    const br = this.ifs[brif]!;
    const ms = this.ifs[member];
    if (!ms) throw new TableError(`no interface with index ${member}`);
    if (ms.vlan || ms.bridge)
      throw new TableError(`${ms.name} is a ${ms.vlan ? 'vlan' : 'bridge'}: a bridge's members are NICs`);
    if (ms.bridgeOf) throw new TableError(`${ms.name} is already a member of ${this.ifs[ms.bridgeOf]?.name}`);
    if (ms.addr4 !== 0 || ms.addr6 !== null || (ms.ll6 !== null && !ms.ll6Auto))
      throw new TableError(`${ms.name} carries addresses of its own: a bridge member cannot (give them to ${br.name})`);
    const used = new Set([...b.slotOf.values(), ...b.limbo]);
    let slot = 0;
    while (slot < BR_MAXPORTS && used.has(slot)) slot++;
    if (slot >= BR_MAXPORTS)
      throw new TableError(`${br.name} has ${BR_MAXPORTS} members already (or ports awaiting reuse)`);
    const e = b.sc + BR_SIZE + slot * BRP_SIZE;
    this.u8.fill(0, e, e + BRP_SIZE);
    pslist_entry_init(this.mem, e, BRP_LINK);
    dv.setUint32(e + BRP_IFINDEX, member, true);
    // on the list in the order added: after the last member
    let last = 0;
    for (
      let x = pslist_writer_first(this.mem, b.sc + BR_MEMBERS);
      x !== 0;
      x = pslist_writer_next(this.mem, x, BRP_LINK)
    )
      last = x;
    if (last === 0) pslist_writer_insert_head(this.mem, b.sc + BR_MEMBERS, e, BRP_LINK);
    else pslist_writer_insert_after(this.mem, last, e, BRP_LINK);
    const p = L.ifnet + member * IF_SIZE;
    Atomics.store(new Uint32Array(this.k.memory.buffer, p + IF_BRIDGE, 1), 0, brif);
    const view = new Uint32Array(this.k.memory.buffer, p + IF_FLAGS, 1);
    Atomics.store(view, 0, Atomics.load(view, 0) | IFF_BRPORT);
    b.members.push(member);
    b.slotOf.set(member, slot);
    ms.bridgeOf = brif;
    this.bumpGeneration();
  }

  /**
   * Step 1 of taking `member` off bridge `brif`: its frames stop entering the bridge (IFF_BRPORT
   * cleared), its port slot leaves the member list, and the FDB forgets what it learned on it. The
   * caller waits a grace period, then calls bridgeFreeMember. Returns the FDB entries deleted.
   */
  bridgeUnpublishMember(brif: number, member: number): number {
    this.wlock.assertHeld('bridgeUnpublishMember');
    const b = this.bridgeOf(brif);
    const slot = b.slotOf.get(member);
    if (slot === undefined)
      throw new TableError(`${this.ifs[member]?.name ?? member} is not a member of ${this.ifs[brif]!.name}`);
    const p = this.L.ifnet + member * IF_SIZE;
    const view = new Uint32Array(this.k.memory.buffer, p + IF_FLAGS, 1);
    Atomics.store(view, 0, Atomics.load(view, 0) & ~IFF_BRPORT);
    pslist_writer_remove(this.mem, b.sc + BR_SIZE + slot * BRP_SIZE, BRP_LINK);
    b.slotOf.delete(member);
    b.members = b.members.filter((x) => x !== member);
    b.limbo.push(slot);
    this.ifs[member]!.bridgeOf = 0;
    this.bumpGeneration();
    return b.fdb.delete(0, (port) => port === member);
  }

  /** Step 2, after the grace period: the port slots unlinked since are poisoned and free, the member's IF_BRIDGE cleared. */
  bridgeFreeMember(brif: number, member: number): void {
    this.wlock.assertHeld('bridgeFreeMember');
    const b = this.bridgeOf(brif);
    for (const slot of b.limbo) pslist_entry_destroy(this.mem, b.sc + BR_SIZE + slot * BRP_SIZE, BRP_LINK);
    b.limbo.length = 0;
    const p = this.L.ifnet + member * IF_SIZE;
    if ((this.ifs[member]?.bridgeOf ?? 0) === 0)
      Atomics.store(new Uint32Array(this.k.memory.buffer, p + IF_BRIDGE, 1), 0, 0);
  }

  /** Whether a bridge softc is free for `ifconfig bridgeN create` (Stack.createBridge). */
  bridgeSoftcFree(): boolean {
    return this.bridgeRegions.size < this.L.bridges.length;
  }

  /** The bridge's forwarding database, for brconfig (list, flush, static entries). */
  bridgeFdb(brif: number): BridgeFdb {
    return this.bridgeOf(brif).fdb;
  }

  /** The bridge's writer-side state (members in order). */
  bridgeState(brif: number): BridgeState {
    return this.bridgeOf(brif);
  }

  /** brconfig maxaddr / timeout (seconds): read by the CPUs as they learn and look up. */
  bridgeSetLimits(brif: number, maxaddr?: number, timeout?: number): void {
    this.wlock.assertHeld('bridgeSetLimits');
    const b = this.bridgeOf(brif);
    const s = this.ifs[brif]!.bridge!;
    const w = new Uint32Array(this.k.memory.buffer);
    if (maxaddr !== undefined) {
      s.maxaddr = maxaddr;
      Atomics.store(w, (b.sc + BR_MAXADDR) >>> 2, maxaddr);
    }
    if (timeout !== undefined) {
      s.timeout = timeout;
      Atomics.store(w, (b.sc + BR_TIMEOUT) >>> 2, timeout * 1000);
    }
  }

  /** A static FDB entry on bridge `brif`: `mac` behind member `port`. TableError when full or not a member. */
  bridgeStatic(brif: number, mac: Uint8Array, port: number): void {
    this.wlock.assertHeld('bridgeStatic');
    const b = this.bridgeOf(brif);
    if (!b.slotOf.has(port))
      throw new TableError(`${this.ifs[port]?.name ?? port} is not a member of ${this.ifs[brif]!.name}`);
    try {
      b.fdb.setStatic(mac, port, this.ifs[brif]!.bridge!.maxaddr);
    } catch (e) {
      if (e instanceof FdbFullError) throw new TableError(`${this.ifs[brif]!.name}: ${e.message}`);
      throw e;
    }
  }

  /** Deletes the bridge's learned entries (flush), or with `all` the static ones too; returns how many. */
  bridgeFlush(brif: number, all = false): number {
    this.wlock.assertHeld('bridgeFlush');
    return this.bridgeOf(brif).fdb.delete(0, (_port, st) => all || !st);
  }

  /** Deletes the bridge's expired entries at `now` (ms, the data path's clock); returns how many. */
  bridgeSweep(brif: number, now: number): number {
    this.wlock.assertHeld('bridgeSweep');
    return this.bridgeOf(brif).fdb.delete(now, (_port, _st, expired) => expired);
  }

  /** The FDB's entries at `now`. */
  bridgeList(brif: number, now: number): FdbEntry[] {
    return this.bridgeOf(brif).fdb.list(now);
  }

  /** Every live entry of the data-path neighbor table: address (wire order), ifindex, MAC. */
  listNeighbors(): { addr: Uint8Array; ifindex: number; mac: Uint8Array }[] {
    const { dv, L } = this;
    const cap = dv.getUint32(L.nbr + NBH_CAP, true);
    const out: { addr: Uint8Array; ifindex: number; mac: Uint8Array }[] = [];
    for (let i = 0; i < cap; i++) {
      const e = L.nbr + NBH_SIZE + i * NB_SIZE;
      const st = dv.getUint32(e + NB_STATE, true);
      if ((st & 0xff) !== NBS_VALID) continue;
      const v6 = (st & NBS_V6) !== 0;
      const addr = new Uint8Array(v6 ? 16 : 4);
      const adv = new DataView(addr.buffer);
      for (let w = 0; w < (v6 ? 4 : 1); w++) adv.setUint32(w * 4, dv.getUint32(e + NB_KEY + w * 4, true));
      out.push({ addr, ifindex: dv.getUint32(e + NB_IF, true), mac: this.u8.slice(e + NB_MAC, e + NB_MAC + 6) });
    }
    return out;
  }

  /** Deletes every neighbor entry on `ifindex`. */
  private purgeNeighbors(ifindex: number): void {
    const { dv, L } = this;
    const cap = dv.getUint32(L.nbr + NBH_CAP, true);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < cap; i++) {
      const e = L.nbr + NBH_SIZE + i * NB_SIZE;
      const st = dv.getUint32(e + NB_STATE, true);
      if ((st & 0xff) !== NBS_VALID || dv.getUint32(e + NB_IF, true) !== ifindex) continue;
      const v6 = (st & NBS_V6) !== 0;
      const key = new Uint8Array(v6 ? 16 : 4);
      const kdv = new DataView(key.buffer);
      for (let w = 0; w < (v6 ? 4 : 1); w++) kdv.setUint32(w * 4, dv.getUint32(e + NB_KEY + w * 4, true));
      keys.push(key);
    }
    for (const k of keys) this.deleteNeighbor(k, ifindex);
  }

  setInterfaceUp(index: number, up: boolean): void {
    this.wlock.assertHeld('setInterfaceUp');
    const s = this.ifs[index];
    if (!s) throw new TableError(`no interface with index ${index}`);
    s.up = up;
    const view = new Uint32Array(this.k.memory.buffer, this.L.ifnet + index * IF_SIZE + IF_FLAGS, 1);
    const f = Atomics.load(view, 0);
    Atomics.store(view, 0, up ? f | IFF_UP : f & ~IFF_UP);
    this.bumpGeneration();
  }

  /**
   * Sets the interface's MTU (`ifconfig IF mtu N`): one atomic store of the word the pipeline reads
   * per frame (it forwards up to the smaller of it and the route's own `mtu`, fragments or answers
   * need-frag / packet-too-big beyond it). The per-CPU flow caches keep that effective MTU in each
   * entry, so the generation is bumped and every CPU flushes its cache before its next batch; a
   * frame of a batch already under way may still leave by the old MTU. Nexthops carry only a
   * route's own MTU, which stays. The caller checked the value (Stack.setMtu).
   */
  setInterfaceMtu(index: number, mtu: number): void {
    this.wlock.assertHeld('setInterfaceMtu');
    const s = this.ifs[index];
    if (!s) throw new TableError(`no interface with index ${index}`);
    s.mtu = mtu;
    Atomics.store(new Uint32Array(this.k.memory.buffer, this.L.ifnet + index * IF_SIZE + IF_MTU, 1), 0, mtu);
    this.bumpGeneration();
  }

  /**
   * Gives the interface a primary address of this kind if it has none yet: the IPv4 address word,
   * the global IPv6 address or the link-local one (the data path takes ICMP sources from them).
   * The IPv6 bytes are written before the flag that makes readers look at them is published.
   * With `replace`, an IPv4 primary address is replaced in place (one atomic word: readers see the
   * old or the new); an IPv6 one cannot be (16 bytes read without a lock): clearPrimaryAddress it,
   * wait a grace period, then set it. Returns whether the primary address changed.
   */
  setPrimaryAddress(index: number, bytes: Uint8Array, replace = false): boolean {
    this.wlock.assertHeld('setPrimaryAddress');
    const s = this.ifs[index];
    if (!s) throw new TableError(`no interface with index ${index}`);
    const p = this.L.ifnet + index * IF_SIZE;
    if (bytes.length === 4) {
      if (s.addr4 !== 0 && !replace) return false;
      s.addr4 = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      Atomics.store(new Uint32Array(this.k.memory.buffer, p + IF_ADDR4, 1), 0, s.addr4);
    } else {
      const ll = bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
      if (ll ? s.ll6 && !s.ll6Auto : s.addr6) {
        if (replace) throw new TableError('an IPv6 primary address is cleared, then set after a grace period');
        return false;
      }
      // Replacing the formed link-local rewrites 16 bytes under readers: one racing frame may see a
      // mixed address and leave an NS unanswered (its sender retransmits), as for a changing MAC.
      this.u8.set(bytes, p + (ll ? IF_LL6 : IF_ADDR6));
      if (ll) {
        s.ll6 = Uint8Array.from(bytes);
        s.ll6Auto = false;
      } else s.addr6 = Uint8Array.from(bytes);
      const view = new Uint32Array(this.k.memory.buffer, p + IF_FLAGS, 1);
      Atomics.store(view, 0, Atomics.load(view, 0) | (ll ? IFF_HAS_LL6 : IFF_HAS_ADDR6));
    }
    this.bumpGeneration();
    return true;
  }

  /**
   * Unpublishes the interface's primary address of a kind (IPv4 when `bytes` has 4 bytes, else the
   * global or link-local IPv6 one as `bytes` is): the IPv4 word stored 0, or the IPv6 flag cleared
   * (the data path then takes ICMP sources from the receiving interface). The IPv6 bytes stay until
   * setPrimaryAddress writes new ones, which the caller does only after a grace period.
   */
  clearPrimaryAddress(index: number, bytes: Uint8Array): void {
    this.wlock.assertHeld('clearPrimaryAddress');
    const s = this.ifs[index];
    if (!s) throw new TableError(`no interface with index ${index}`);
    const p = this.L.ifnet + index * IF_SIZE;
    if (bytes.length === 4) {
      s.addr4 = 0;
      Atomics.store(new Uint32Array(this.k.memory.buffer, p + IF_ADDR4, 1), 0, 0);
    } else {
      const ll = bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
      if (ll) s.ll6 = null;
      else s.addr6 = null;
      const view = new Uint32Array(this.k.memory.buffer, p + IF_FLAGS, 1);
      Atomics.store(view, 0, Atomics.load(view, 0) & ~(ll ? IFF_HAS_LL6 : IFF_HAS_ADDR6));
    }
    this.bumpGeneration();
  }

  // ---- nexthops ---------------------------------------------------------------------------------

  /** Finds or creates the nexthop and takes a reference on it. */
  nexthopRef(kind: RouteKind, family: 4 | 6, ifindex: number, gw: Uint8Array | null, mtu: number): Nexthop {
    this.wlock.assertHeld('nexthopRef');
    let nh = this.recentNh.find(
      (x) => x.kind === kind && x.family === family && x.ifindex === ifindex && x.mtu === mtu && sameGw(x.gw, gw),
    );
    const key = nh ? '' : `${kind}|${family}|${ifindex}|${gw ? gw.join('.') : '-'}|${mtu}`;
    nh ??= this.nhByKey.get(key);
    if (!nh) {
      const id = this.nhFree.pop() ?? this.nhNext++;
      if (id >= this.L.sizes.nexthops)
        throw new TableError(`nexthop table full (${this.L.sizes.nexthops - 1} entries)`);
      if (this.L.fib4.head && id >= F4_MAX_NH)
        throw new TableError(`the compiled FIB holds at most ${F4_MAX_NH - 1} distinct nexthops; use fib: radix`);
      nh = { id, kind, family, ifindex, gw: gw ? Uint8Array.from(gw) : null, mtu };
      const p = this.L.nexthop + id * NH_SIZE;
      this.u8.fill(0, p, p + NH_SIZE);
      this.dv.setUint32(p + NH_IFINDEX, ifindex, true);
      if (gw) {
        if (family === 4) this.dv.setUint32(p + NH_GW, new DataView(gw.buffer, gw.byteOffset).getUint32(0), true);
        else words6(gw).forEach((w, i) => this.dv.setUint32(p + NH_GW + i * 4, w, true));
      }
      this.dv.setUint32(p + NH_MTU, mtu, true);
      const flags = NHF_VALID | KIND_FLAGS[kind] | (gw ? NHF_GATEWAY : 0) | (family === 6 ? NHF_V6 : 0);
      Atomics.store(new Uint32Array(this.k.memory.buffer, p + NH_FLAGS, 1), 0, flags);
      this.nhByKey.set(key, nh);
      this.nhById[id] = nh;
    }
    if (key !== '') {
      // not among the recent ones (a table that alternates between a few nexthops then keeps them
      // there without reordering the list on every route)
      this.recentNh.unshift(nh);
      if (this.recentNh.length > 8) this.recentNh.pop();
    }
    const rp = this.L.nexthop + nh.id * NH_SIZE + NH_REFS;
    this.dv.setUint32(rp, this.dv.getUint32(rp, true) + 1, true);
    return nh;
  }

  private nexthopUnref(id: number): void {
    const rp = this.L.nexthop + id * NH_SIZE + NH_REFS;
    const refs = this.dv.getUint32(rp, true) - 1;
    this.dv.setUint32(rp, refs, true);
    if (refs === 0) {
      const nh = this.nhById[id]!;
      this.nhByKey.delete(`${nh.kind}|${nh.family}|${nh.ifindex}|${nh.gw ? nh.gw.join('.') : '-'}|${nh.mtu}`);
      const r = this.recentNh.indexOf(nh);
      if (r >= 0) this.recentNh.splice(r, 1);
      this.nhLimbo.push(id); // a reader may still hold it until the next grace period
    }
  }

  nexthop(id: number): Nexthop | undefined {
    return this.nhById[id];
  }

  /** Every nexthop some route holds, with the number of routes holding it. */
  liveNexthops(): { nh: Nexthop; routes: number }[] {
    this.wlock.assertHeld('liveNexthops');
    return [...this.nhByKey.values()].map((nh) => ({
      nh,
      routes: this.dv.getUint32(this.L.nexthop + nh.id * NH_SIZE + NH_REFS, true),
    }));
  }

  // ---- routes -----------------------------------------------------------------------------------

  /**
   * Marks a local or broadcast host route's address in the local-address filter (assembly/layout/cpu.ts
   * LAF_BYTES), before the route is published: a reader that finds the route finds its bit. Bits are
   * never cleared (a stale one costs a lookup, a missing one a martian let through).
   */
  private lafMark(kind: RouteKind, family: 4 | 6, dst: Uint8Array, plen: number): void {
    if ((kind !== 'local' && kind !== 'broadcast') || plen !== (family === 4 ? 32 : 128) || !this.L.laf) return;
    const h = laf_hash(
      family === 4 ? new DataView(dst.buffer, dst.byteOffset, 4).getUint32(0) : laf_fold6(...words6(dst)),
    );
    const p = this.L.laf + (h >>> 3);
    Atomics.or(this.u8, p, 1 << (h & 7));
  }

  /** A route key the tables can hold: 4 or 16 bytes and a prefix length within the family's bits. */
  private checkKey(family: 4 | 6, dst: Uint8Array, plen: number): void {
    const bits = family === 4 ? 32 : 128;
    if (dst.length !== bits / 8)
      throw new TableError(`an IPv${family} destination has ${bits / 8} bytes, not ${dst.length}`);
    if (!Number.isInteger(plen) || plen < 0 || plen > bits) {
      throw new TableError(`prefix length ${plen} is out of range for IPv${family} (0-${bits})`);
    }
  }

  private head(family: 4 | 6): number {
    return family === 4 ? this.L.rt4 : this.L.rt6;
  }

  private putKey(dst: Uint8Array): number {
    this.wlock.assertHeld('route key (writer scratch)');
    // a 4- or 16-byte key: a loop is cheaper than TypedArray#set's call
    const { u8 } = this;
    const at = this.L.scratch;
    for (let i = 0; i < dst.length; i++) u8[at + i] = dst[i]!;
    return at;
  }

  getRoute(family: 4 | 6, dst: Uint8Array, plen: number): Nexthop | undefined {
    const id = this.k.rt_get(this.head(family), this.putKey(dst), plen);
    return id ? this.nhById[id] : undefined;
  }

  /** Adds a route; throws TableError if it exists or the table is full. Returns the nexthop. */
  addRoute(
    family: 4 | 6,
    dst: Uint8Array,
    plen: number,
    kind: RouteKind,
    ifindex: number,
    gw: Uint8Array | null,
    mtu: number,
  ): Nexthop {
    this.wlock.assertHeld('addRoute');
    this.checkKey(family, dst, plen);
    this.lafMark(kind, family, dst, plen);
    const nh = this.nexthopRef(kind, family, ifindex, gw, mtu);
    const r = this.k.rt_set(this.head(family), this.putKey(dst), plen, nh.id, 0);
    if (r !== 0) {
      this.nexthopUnref(nh.id);
      throw new TableError(
        r === 0xffffffff ? `routing table full (${this.L.sizes.radixNodes} radix nodes)` : 'route already exists',
      );
    }
    try {
      this.fibUpdate(family, dst, plen);
    } catch (e) {
      // the compiled FIB cannot take it: take it out of the RIB again, so the two agree (a reader of
      // the radix tree may have seen it: its nodes and nexthop go to limbo as for any delete)
      this.k.rt_del(this.head(family), this.putKey(dst), plen);
      this.nexthopUnref(nh.id);
      try {
        this.fibUpdate(family, dst, plen, false);
      } catch {
        /* the range is painted from the RIB as it was before the add */
      }
      this.bumpGeneration();
      throw e;
    }
    this.bumpGeneration();
    return nh;
  }

  /**
   * Adds the route or changes the one there in place: readers see the old or the new nexthop,
   * never no route (one atomic store). The old nexthop is released for reclaim after a grace period.
   */
  changeRoute(
    family: 4 | 6,
    dst: Uint8Array,
    plen: number,
    kind: RouteKind,
    ifindex: number,
    gw: Uint8Array | null,
    mtu: number,
  ): Nexthop {
    this.wlock.assertHeld('changeRoute');
    this.checkKey(family, dst, plen);
    this.lafMark(kind, family, dst, plen);
    const nh = this.nexthopRef(kind, family, ifindex, gw, mtu);
    const old = this.k.rt_set(this.head(family), this.putKey(dst), plen, nh.id, 1);
    if (old === 0xffffffff) {
      this.nexthopUnref(nh.id);
      throw new TableError(`routing table full (${this.L.sizes.radixNodes} radix nodes)`);
    }
    this.fibUpdate(family, dst, plen);
    if (old !== 0) this.nexthopUnref(old);
    this.bumpGeneration();
    return nh;
  }

  /** Deletes a route; returns false when there was none. */
  deleteRoute(family: 4 | 6, dst: Uint8Array, plen: number): boolean {
    this.wlock.assertHeld('deleteRoute');
    const id = this.k.rt_del(this.head(family), this.putKey(dst), plen);
    if (id === 0) return false;
    this.fibUpdate(family, dst, plen, false);
    this.nexthopUnref(id);
    this.bumpGeneration();
    // a delete retires at most two nodes; keep room for the next one
    if (this.dv.getUint32(this.L.pool + NP_LIMBO_COUNT, true) + 2 > this.L.sizes.radixLimbo) {
      this.graceWait();
      this.reclaim();
    }
    return true;
  }

  /** The nexthop id the data path's IPv4 lookup answers (the compiled FIB when there is one). */
  lookupNexthop4(a: number): number {
    return this.L.fib4.head ? this.k.fib4_lookup(this.L.fib4.head, a) : this.k.rt_lookup4(this.L.rt4, a);
  }

  /** The nexthop id the data path's IPv6 lookup answers for a 16-byte wire-order address. */
  lookupNexthop6(addr: Uint8Array): number {
    const p = this.putKey(addr);
    return this.L.fib6.head ? this.k.fib6_lookup(this.L.fib6.head, p) : this.k.rt_lookup6(this.L.rt6, p);
  }

  /** Longest match: the matched prefix and its nexthop, or null. addr in wire order. */
  matchRoute(addr: Uint8Array): { family: 4 | 6; prefix: Uint8Array; plen: number; nh: Nexthop } | null {
    const family = addr.length === 4 ? 4 : 6;
    const node =
      family === 4
        ? this.k.rt_match4(this.L.rt4, new DataView(addr.buffer, addr.byteOffset).getUint32(0))
        : this.k.rt_match6(this.L.rt6, this.putKey(addr));
    if (node === 0) return null;
    const plen = this.dv.getUint32(node + RN_PLEN, true);
    const nh = this.nhById[this.dv.getUint32(node + RN_NH, true)];
    if (!nh) return null;
    const prefix = new Uint8Array(family === 4 ? 4 : 16);
    const pdv = new DataView(prefix.buffer);
    for (let w = 0; w < prefix.length / 4; w++) pdv.setUint32(w * 4, this.dv.getUint32(node + RN_KEY + w * 4, true));
    return { family, prefix, plen, nh };
  }

  routeCount(family: 4 | 6): number {
    return this.dv.getUint32(this.head(family) + 4, true);
  }

  /**
   * Every route of a family, in key order (a prefix before the longer prefixes inside it), from the
   * radix tree itself (the RIB: what `ip route show` lists). Caller holds the writer lock: the walk
   * writes into the control-plane scratch area and assumes the tree does not change under it.
   *
   * rt_walk writes RT_WALK_REC-byte records (key as 4 host-order words, plen, nh) and cannot resume,
   * and the scratch area holds only a few hundred of them. So a subtree is walked whole when it fits,
   * and otherwise split at its root: the root's own route from the node, then each child's subtree
   * through a stand-in head (rt_walk reads nothing of a head but RH_ROOT). A big table costs one
   * counting walk per level of splitting, which keeps the output in key order with no big buffer.
   */
  walkRoutes(family: 4 | 6): { family: 4 | 6; prefix: Uint8Array; plen: number; nh: Nexthop }[] {
    this.wlock.assertHeld('walkRoutes');
    const { dv, L } = this;
    const out: { family: 4 | 6; prefix: Uint8Array; plen: number; nh: Nexthop }[] = [];
    const head = L.scratch;
    const recs = L.scratch + RH_SIZE;
    const cap = Math.floor((L.sizes.scratch - RH_SIZE) / RT_WALK_REC);
    if (cap < 1) throw new TableError('scratch area too small for a route walk');
    const words = family === 4 ? 1 : 4;
    const push = (key: number, plen: number, id: number) => {
      const nh = this.nhById[id];
      if (!nh) return; // cannot happen under the writer lock: every linked route holds its nexthop
      const prefix = new Uint8Array(words * 4);
      const pdv = new DataView(prefix.buffer);
      for (let w = 0; w < words; w++) pdv.setUint32(w * 4, dv.getUint32(key + w * 4, true));
      out.push({ family, prefix, plen, nh });
    };
    const walk = (root: number): void => {
      if (root === 0) return;
      dv.setUint32(head + RH_ROOT, root, true);
      const n = this.k.rt_walk(head, recs, cap);
      if (n <= cap) {
        for (let i = 0; i < n; i++) {
          const r = recs + i * RT_WALK_REC;
          push(r, dv.getUint32(r + 16, true), dv.getUint32(r + 20, true));
        }
        return;
      }
      const id = dv.getUint32(root + RN_NH, true);
      if (id !== 0) push(root + RN_KEY, dv.getUint32(root + RN_PLEN, true), id);
      walk(dv.getUint32(root + RN_CHILD0, true));
      walk(dv.getUint32(root + RN_CHILD1, true));
    };
    walk(dv.getUint32(this.head(family) + RH_ROOT, true));
    return out;
  }

  // ---- neighbors --------------------------------------------------------------------------------

  setNeighbor(addr: Uint8Array, ifindex: number, mac: Uint8Array): void {
    this.wlock.assertHeld('setNeighbor');
    const w = addr.length === 4 ? [new DataView(addr.buffer, addr.byteOffset).getUint32(0), 0, 0, 0] : words6(addr);
    this.u8.set(mac, this.L.scratch + 16);
    const r = this.k.nb_set(
      this.L.nbr,
      w[0]!,
      w[1]!,
      w[2]!,
      w[3]!,
      ifindex,
      addr.length === 4 ? 0 : NBS_V6,
      this.L.scratch + 16,
    );
    if (r === 0xffffffff) throw new TableError(`neighbor table full (${this.L.sizes.neighborSlots} slots)`);
    this.bumpGeneration();
  }

  /**
   * Whether the data path used the entry (NB_USED) since the last call, clearing the mark: the
   * lltable's STALE -> DELAY. A reader racing the clear may set it again, which only means "used".
   */
  neighborTakeUsed(addr: Uint8Array, ifindex: number): boolean {
    this.wlock.assertHeld('neighborTakeUsed');
    const w = addr.length === 4 ? [new DataView(addr.buffer, addr.byteOffset).getUint32(0), 0, 0, 0] : words6(addr);
    const e = this.k.nb_find(this.L.nbr, w[0]!, w[1]!, w[2]!, w[3]!, ifindex, addr.length === 4 ? 0 : NBS_V6);
    if (e === 0 || this.u8[e + NB_USED] === 0) return false;
    this.u8[e + NB_USED] = 0;
    return true;
  }

  deleteNeighbor(addr: Uint8Array, ifindex: number): boolean {
    this.wlock.assertHeld('deleteNeighbor');
    const w = addr.length === 4 ? [new DataView(addr.buffer, addr.byteOffset).getUint32(0), 0, 0, 0] : words6(addr);
    const r = this.k.nb_del(this.L.nbr, w[0]!, w[1]!, w[2]!, w[3]!, ifindex, addr.length === 4 ? 0 : NBS_V6);
    if (r) this.bumpGeneration();
    return r !== 0;
  }

  /**
   * Frees what the writers retired (radix nodes, nexthops). Caller guarantees a grace period has
   * passed since the retiring writes (pserialize perform), or that no reader runs concurrently.
   */
  reclaim(): void {
    this.wlock.assertHeld('reclaim');
    this.k.rt_reclaim(this.L.pool);
    this.k.nb_reclaim(this.L.nbr); // deleted neighbor slots: reusable, and emptied where they end a chain
    if (this.L.fib4.head) this.k.fib4_reclaim(this.L.fib4.head);
    this.fib6?.reclaim();
    for (const id of this.nhLimbo) {
      const p = this.L.nexthop + id * NH_SIZE;
      this.u8.fill(0, p, p + NH_SIZE);
      this.nhById[id] = undefined;
      this.nhFree.push(id);
    }
    this.nhLimbo.length = 0;
    this.encapLimbo.length = 0; // unpublished encap slots: free to write again
    this.gifRetired.clear();
  }
}

function maskBytes(b: Uint8Array, plen: number): Uint8Array {
  return Uint8Array.from(b, (v, j) => v & ((0xff << (8 - Math.max(0, Math.min(8, plen - j * 8)))) & 0xff));
}
