// The neighbor cache's control plane: one table per address family per interface (NetBSD's
// lltable/llentry, run by if_arp.c and nd6.c; Linux's neighbour.c), with RFC 4861 neighbor
// unreachability detection for both families: INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, plus
// STATIC for the config's `neighbors` and `arp -s`/`ndp -s` (never expire). ARP runs the same
// machine, as NetBSD and Linux do.
//
// TypeScript only, no twin under ts/kernels: nothing here runs on the data path. The data path
// reads a different structure, the lock-free hash (assembly/nbr/nbr.ts) of "address -> usable MAC",
// and never waits: a CPU that misses posts an event on its ring (assembly/layout/nev.ts) and moves
// on. This module consumes those events, owns the states, timers and hold queues, and writes the
// hash through Tables (setNeighbor/deleteNeighbor) only.
//
// Protocol (who does what):
// - Readers: every CPU's pipeline, inside a pserialize read section, looks up the hash (nb_find;
//   an IPv4 gateway's entry first through its nexthop's NH_NBR hint, nb_find4_hinted, which it
//   rewrites on a miss); it may set NB_USED on an entry it used, nothing else in the hash.
// - Writer: this module, on the control plane's thread, under the writer lock (Stack.forward takes
//   it around each step when nobody holds it). An entry is in the hash exactly while its state has a
//   MAC (REACHABLE, STALE, DELAY, PROBE, STATIC); INCOMPLETE entries live here only.
// - Memory: a deleted hash slot stays in limbo until Tables.reclaim after a grace period; in the
//   single-CPU Stack, whose only reader is the batch this thread runs, the end of a batch is one,
//   so `host.reclaim` reclaims at once. Held packets are copies in JS memory, never clusters.
//
// States and timers (RFC 4861 7.3.3, appendix C; the ARP equivalents in parentheses):
//   (none) --miss--> INCOMPLETE: multicast NS (broadcast ARP request), hold the packet; every
//     retransMs another, up to mcastSolicit; then give up: the held packets are dropped and each
//     sender gets ICMP host unreachable / ICMPv6 address unreachable (the data path's error path,
//     rate-limited like every error), and the entry goes.
//   INCOMPLETE --NA/ARP reply with a MAC--> REACHABLE (solicited) or STALE, releasing the held
//     packets in order, rewritten for the MAC.
//   REACHABLE --reachable time (base x 0.5..1.5, RFC 4861 6.3.2)--> STALE (still used as it is).
//   STALE --used (NB_USED set by the data path)--> DELAY --delayMs--> PROBE: unicast solicitations
//     every retransMs, up to ucastSolicit, then the entry is deleted (the next packet starts over).
//   DELAY/PROBE --confirmation (solicited NA, ARP reply to us)--> REACHABLE.
//   Garbage collection: past maxEntries entries, the least recently updated STALE ones go first.
// Learning (RFC 826's merge rule; RFC 4861 7.2.3 NS, 7.2.5 NA): an ARP request for us, or an NS for
// us with a source link-layer option, creates or updates the sender (STALE when the MAC changes); an
// ARP reply to us confirms (REACHABLE); an NA updates only an entry we have, by its S and O flags;
// an unsolicited NA or ARP reply for an address without an entry creates nothing; an NA claiming
// one of our own addresses is counted as a conflict (ARP conflicts are counted by the data path).
//
// Cost on the data path: nothing on the fast path (ipflow entries carry the MAC); on the normal
// path, after the nb_find it always did, one byte load (NB_USED) from the entry's line and a store
// when it is clear (once per STALE period). A miss costs one ring slot and a packet copy.
import {
  NEVR_SIZE,
  NEVR_HEAD,
  NEVR_SLOTS,
  NEVR_SLOT_BYTES,
  NEVR_TAIL,
  NEV_KIND,
  NEV_FLAGS,
  NEV_LEN,
  NEV_IF,
  NEV_ADDR,
  NEV_MAC,
  NEV_FRAME,
  NEV_RXIF,
  NEV_DATA,
  NEVK_MISS4,
  NEVK_MISS6,
  NEVK_ARP,
  NEVK_NS,
  NEVK_NA,
  NEVF_MAC,
  NEVF_REQUEST,
  NEVF_TARGET_OURS,
  NEVF_ROUTER,
  NEVF_SOLICITED,
  NEVF_OVERRIDE,
} from '../../assembly/layout.js';
import { Mem } from '../kernels/util/mem.js';
import { in_cksum_acc, in_pseudo6 } from '../kernels/wire/cksum.js';
import { rng } from '../rng.js';
import type { Tables } from './tables.js';

/** NUD parameters of one family (config `arp:` / `nd:`). */
export interface NudParams {
  /** base reachable time, ms (randomized x0.5..1.5 per entry); RFC 4861 REACHABLE_TIME 30 s */
  reachableMs: number;
  /** between solicitations, ms; RFC 4861 RETRANS_TIMER 1 s */
  retransMs: number;
  /** multicast (broadcast) solicitations before giving up; RFC 4861 MAX_MULTICAST_SOLICIT 3 */
  mcastSolicit: number;
  /** unicast probes before deleting; RFC 4861 MAX_UNICAST_SOLICIT 3 */
  ucastSolicit: number;
  /** DELAY state, ms; RFC 4861 DELAY_FIRST_PROBE_TIME 5 s */
  delayMs: number;
  /**
   * packets held per INCOMPLETE entry; past it the oldest is dropped and counted. NetBSD's nd6
   * maxqueuelen is 16 (its ARP holds 1); Linux holds up to unres_qlen_bytes (about 100 packets).
   */
  holdQueue: number;
  /** entries of this family beyond which unused STALE ones are collected (Linux gc_thresh2-like) */
  maxEntries: number;
}

export const NUD_DEFAULTS: NudParams = {
  reachableMs: 30_000,
  retransMs: 1_000,
  mcastSolicit: 3,
  ucastSolicit: 3,
  delayMs: 5_000,
  holdQueue: 16,
  maxEntries: 512,
};

export type NudState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'static';

/** A packet waiting for its next hop: the L3 bytes as they will leave, and where they came in. */
interface Held {
  data: Uint8Array;
  rxif: number;
}

export interface LlEntry {
  family: 4 | 6;
  /** wire order, 4 or 16 bytes */
  addr: Uint8Array;
  ifindex: number;
  state: NudState;
  mac: Uint8Array | null;
  /** when the state's timer fires (ms, the stack's u32 clock), or null */
  timer: number | null;
  /** solicitations sent in this state */
  probes: number;
  hold: Held[];
  /** the neighbor said it is a router (NA R flag) */
  router: boolean;
  /** last time the entry was created, confirmed or changed (ms) */
  updated: number;
}

/** One frame to send, and the input frame of the batch it is attributed to (-1: the batch's first). */
export interface LlSend {
  frame: number;
  ifindex: number;
  data: Uint8Array;
}

/** What the lltable needs of the stack it serves (Stack implements it). */
export interface LlHost {
  readonly tables: Tables;
  /** the interface's MAC, its 802.1Q id (0 = none) and the ifindex frames leave by (the parent of a vlan) */
  linkOf(ifindex: number): { mac: Uint8Array; vid: number; wire: number } | null;
  /** the IPv4 address ARP requests on ifindex toward `target` come from (0.0.0.0 when none) */
  arpSource(ifindex: number, target: Uint8Array): Uint8Array;
  /** the interface's link-local address (NS sources), or null */
  linkLocal(ifindex: number): Uint8Array | null;
  /** whether addr is one of the router's own addresses */
  isOwnAddress(addr: Uint8Array): boolean;
  /** ICMP host / ICMPv6 address unreachable about a held packet, through the data path's error path */
  unreach(data: Uint8Array, v6: boolean, rxif: number): { ifindex: number; data: Uint8Array }[];
  /** whether the data path used the entry since the last call (and clears the mark) */
  takeUsed(addr: Uint8Array, ifindex: number): boolean;
  /** frees deleted hash slots: caller of lltable guarantees a grace period has passed (see the protocol) */
  reclaim(): void;
}

/** Control-plane counters (netstat -s), by name. */
const COUNTERS = [
  'arp-requests-out',
  'nd-solicits-out',
  'nbr-held',
  'nbr-hold-overflow',
  'nbr-released',
  'nbr-timeouts',
  'nbr-timeout-drops',
  'nbr-probe-failures',
  'nbr-learned',
  'nbr-updated',
  'nbr-gc',
  'nbr-table-full',
  'nd-conflicts',
] as const;
export type LlCounter = (typeof COUNTERS)[number];

/** How often STALE entries are checked for use (STALE -> DELAY) and the table collected, ms. */
const STALE_SCAN_MS = 1000;

const key = (addr: Uint8Array, ifindex: number) => `${ifindex}|${addr.join('.')}`;
const sameMac = (a: Uint8Array | null, b: Uint8Array) => a?.every((x, i) => x === b[i]) ?? false;
/** a is at or after b on the u32 millisecond clock */
const due = (a: number, b: number) => ((b - a) | 0) >= 0;

export class Lltable {
  private readonly entries = new Map<string, LlEntry>();
  readonly counters: Record<LlCounter, number> = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<
    LlCounter,
    number
  >;
  private readonly random = rng(0x11ab1e);
  private now = 0;
  /** the earliest timer armed (ms), and when STALE entries are next checked for use and the table collected */
  private nextDue: number | null = null;
  private nextScan: number | null = null;
  /** frames sent this step, in order */
  private out: LlSend[] = [];
  private frame = -1;
  private deleted = false;
  /** frames made between steps (announcements), sent by the next one */
  private pending: LlSend[] = [];

  constructor(
    private readonly host: LlHost,
    readonly arp: NudParams = NUD_DEFAULTS,
    readonly nd: NudParams = NUD_DEFAULTS,
  ) {}

  private params(family: 4 | 6): NudParams {
    return family === 4 ? this.arp : this.nd;
  }

  // ---- the step the stack runs around each batch --------------------------------------------------

  /**
   * Timers due at `now` (retransmissions, give-ups, state changes). Returns what they send. Caller
   * holds the writer lock; `now` never runs backwards (the pipeline's clock).
   */
  tick(now: number): LlSend[] {
    now >>>= 0;
    // cheap when nothing is due: a batch costs a compare or two, not a walk of the table
    const timers = this.nextDue !== null && due(this.nextDue, now);
    const scan = this.nextScan === null || due(this.nextScan, now);
    if (!timers && !scan && this.pending.length === 0) return [];
    this.begin(now, -1);
    this.out.push(...this.pending.splice(0)); // announcements made between steps go out first
    if (timers) {
      this.nextDue = null;
      for (const e of [...this.entries.values()]) {
        this.timer(e);
        if (e.timer !== null) this.noteDue(e.timer);
      }
    }
    if (scan) {
      // STALE entries the data path used since the last scan go to DELAY (RFC 4861 7.3.3), checked
      // once a second rather than per batch; then the table is collected
      this.nextScan = (now + STALE_SCAN_MS) >>> 0;
      for (const e of this.entries.values()) if (e.state === 'stale') this.staleCheck(e);
      this.gc();
    }
    return this.end();
  }

  private noteDue(t: number): void {
    if (this.nextDue === null || due(t, this.nextDue)) this.nextDue = t; // t comes first
  }

  /** Sets the entry's timer to `t` (ms). */
  private arm(e: LlEntry, t: number): void {
    e.timer = t >>> 0;
    this.noteDue(e.timer);
  }

  /**
   * Consumes every event on the ring at `ring` (memory `mem`): misses hold packets and start
   * resolution, learn events update entries and release what they held. Returns what is sent, each
   * attributed to the input frame that raised its event. Caller holds the writer lock.
   */
  drain(mem: Mem, ring: number, now: number): LlSend[] {
    this.begin(now, -1);
    const dv = mem.dv;
    const head = Atomics.load(mem.u32, (ring + NEVR_HEAD) >>> 2);
    let tail = dv.getUint32(ring + NEVR_TAIL, true);
    const slots = dv.getUint32(ring + NEVR_SLOTS, true);
    const bytes = dv.getUint32(ring + NEVR_SLOT_BYTES, true);
    for (; tail !== head; tail = (tail + 1) >>> 0) {
      const e = ring + NEVR_SIZE + (tail & (slots - 1)) * bytes;
      const kind = mem.u8[e + NEV_KIND]!;
      const flags = mem.u8[e + NEV_FLAGS]!;
      const ifindex = dv.getUint32(e + NEV_IF, true);
      const v6 = kind === NEVK_MISS6 || kind === NEVK_NS || kind === NEVK_NA;
      const addr = mem.u8.slice(e + NEV_ADDR, e + NEV_ADDR + (v6 ? 16 : 4));
      const mac = flags & NEVF_MAC ? mem.u8.slice(e + NEV_MAC, e + NEV_MAC + 6) : null;
      this.frame = dv.getUint16(e + NEV_FRAME, true);
      if (kind === NEVK_MISS4 || kind === NEVK_MISS6) {
        const len = dv.getUint16(e + NEV_LEN, true);
        const held = len
          ? { data: mem.u8.slice(e + NEV_DATA, e + NEV_DATA + len), rxif: dv.getUint16(e + NEV_RXIF, true) }
          : null;
        this.miss(v6 ? 6 : 4, addr, ifindex, held);
      } else if (kind === NEVK_ARP) {
        this.learnArp(addr, ifindex, mac!, (flags & NEVF_REQUEST) !== 0, (flags & NEVF_TARGET_OURS) !== 0);
      } else if (kind === NEVK_NS) {
        this.learnNs(addr, ifindex, mac!);
      } else if (kind === NEVK_NA) {
        this.learnNa(addr, ifindex, mac, flags);
      }
    }
    Atomics.store(mem.u32, (ring + NEVR_TAIL) >>> 2, tail); // release: the producer may reuse the slots
    return this.end();
  }

  private begin(now: number, frame: number): void {
    this.now = now >>> 0;
    this.frame = frame;
    this.out = [];
    this.deleted = false;
  }

  private end(): LlSend[] {
    if (this.deleted) this.host.reclaim();
    const out = this.out;
    this.out = [];
    return out;
  }

  // ---- events -----------------------------------------------------------------------------------

  private miss(family: 4 | 6, addr: Uint8Array, ifindex: number, held: Held | null): void {
    let e = this.entries.get(key(addr, ifindex));
    if (e && e.state !== 'incomplete') {
      // the data path missed an entry that has a MAC: it was just written (the miss raced the
      // write) or the hash refused it; send what we can now
      if (held && e.mac) this.send(e, held.data);
      return;
    }
    if (!e) {
      if (this.count(family) >= this.params(family).maxEntries * 2) {
        this.counters['nbr-table-full']++;
        return;
      }
      e = this.create(family, addr, ifindex, 'incomplete', null);
      e.probes = 1;
      this.arm(e, this.now + this.params(family).retransMs);
      this.solicit(e, false);
    }
    if (held) this.hold(e, held);
  }

  private hold(e: LlEntry, h: Held): void {
    e.hold.push(h);
    this.counters['nbr-held']++;
    if (e.hold.length > this.params(e.family).holdQueue) {
      e.hold.shift();
      this.counters['nbr-hold-overflow']++;
    }
  }

  /** RFC 826: we are the target, or the sender has an entry. A reply to us confirms reachability. */
  private learnArp(addr: Uint8Array, ifindex: number, mac: Uint8Array, request: boolean, forUs: boolean): void {
    const e = this.entries.get(key(addr, ifindex));
    if (!e) {
      if (forUs && request) this.create(4, addr, ifindex, 'stale', mac);
      return; // an unsolicited reply, or a request not for us, creates nothing
    }
    if (e.state === 'static') return;
    this.update(e, mac, !request && forUs ? 'reachable' : 'stale', !request && forUs);
  }

  /** RFC 4861 7.2.3: an NS for us carrying the sender's link-layer address. */
  private learnNs(addr: Uint8Array, ifindex: number, mac: Uint8Array): void {
    const e = this.entries.get(key(addr, ifindex));
    if (!e) {
      this.create(6, addr, ifindex, 'stale', mac);
      return;
    }
    if (e.state === 'static') return;
    if (e.state === 'incomplete' || !sameMac(e.mac, mac)) this.update(e, mac, 'stale', false);
  }

  /** RFC 4861 7.2.5: an NA updates an entry we have, as its S and O flags say. */
  private learnNa(target: Uint8Array, ifindex: number, mac: Uint8Array | null, flags: number): void {
    if (this.host.isOwnAddress(target)) {
      this.counters['nd-conflicts']++;
      return;
    }
    const e = this.entries.get(key(target, ifindex));
    if (!e || e.state === 'static') return;
    const solicited = (flags & NEVF_SOLICITED) !== 0;
    const override = (flags & NEVF_OVERRIDE) !== 0;
    e.router = (flags & NEVF_ROUTER) !== 0;
    if (e.state === 'incomplete') {
      if (!mac) return;
      this.update(e, mac, solicited ? 'reachable' : 'stale', solicited);
      return;
    }
    const changed = mac !== null && !sameMac(e.mac, mac);
    if (!override && changed) {
      // a different address without override: believe it not, but doubt the old one
      if (e.state === 'reachable') this.setState(e, 'stale');
      return;
    }
    if (changed || solicited) this.update(e, changed ? mac! : e.mac!, solicited ? 'reachable' : 'stale', solicited);
  }

  // ---- timers -----------------------------------------------------------------------------------

  private staleCheck(e: LlEntry): void {
    if (this.host.takeUsed(e.addr, e.ifindex)) {
      e.state = 'delay';
      this.arm(e, this.now + this.params(e.family).delayMs);
    }
  }

  private timer(e: LlEntry): void {
    const p = this.params(e.family);
    if (e.timer === null || !due(e.timer, this.now)) return;
    switch (e.state) {
      case 'incomplete':
        if (e.probes < p.mcastSolicit) {
          e.probes++;
          this.arm(e, this.now + p.retransMs);
          this.solicit(e, false);
        } else {
          this.giveUp(e);
        }
        break;
      case 'reachable':
        this.setState(e, 'stale');
        break;
      case 'delay':
        e.state = 'probe';
        e.probes = 1;
        this.arm(e, this.now + p.retransMs);
        this.solicit(e, true);
        break;
      case 'probe':
        if (e.probes < p.ucastSolicit) {
          e.probes++;
          this.arm(e, this.now + p.retransMs);
          this.solicit(e, true);
        } else {
          this.counters['nbr-probe-failures']++;
          this.remove(e);
        }
        break;
      default:
        break;
    }
  }

  /** Nobody answered: the held packets are dropped, their senders told (rate-limited). */
  private giveUp(e: LlEntry): void {
    this.counters['nbr-timeouts']++;
    for (const h of e.hold) {
      this.counters['nbr-timeout-drops']++;
      for (const f of this.host.unreach(h.data, e.family === 6, h.rxif)) this.out.push({ frame: this.frame, ...f });
    }
    e.hold = [];
    this.remove(e);
  }

  /** Past maxEntries of a family, the least recently updated STALE entries go. */
  private gc(): void {
    for (const family of [4, 6] as const) {
      let over = this.count(family) - this.params(family).maxEntries;
      if (over <= 0) continue;
      const stale = [...this.entries.values()]
        .filter((e) => e.family === family && e.state === 'stale')
        .sort((a, b) => ((a.updated - b.updated) | 0) - 0);
      for (const e of stale) {
        if (over-- <= 0) break;
        this.counters['nbr-gc']++;
        this.remove(e);
      }
    }
  }

  // ---- entries ----------------------------------------------------------------------------------

  private count(family: 4 | 6): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.family === family && e.state !== 'static') n++;
    return n;
  }

  private create(family: 4 | 6, addr: Uint8Array, ifindex: number, state: NudState, mac: Uint8Array | null): LlEntry {
    const e: LlEntry = {
      family,
      addr: Uint8Array.from(addr),
      ifindex,
      state,
      mac: null,
      timer: null,
      probes: 0,
      hold: [],
      router: false,
      updated: this.now,
    };
    this.entries.set(key(addr, ifindex), e);
    if (mac) {
      this.counters['nbr-learned']++;
      this.update(e, mac, state, state === 'reachable');
    }
    return e;
  }

  /** Gives the entry a MAC and a state with a MAC, writes the hash, and releases what it held. */
  private update(e: LlEntry, mac: Uint8Array, state: NudState, confirmed: boolean): void {
    if (e.mac !== null && !sameMac(e.mac, mac)) this.counters['nbr-updated']++;
    if (!sameMac(e.mac, mac)) {
      e.mac = Uint8Array.from(mac);
      try {
        this.host.tables.setNeighbor(e.addr, e.ifindex, e.mac);
      } catch {
        this.counters['nbr-table-full']++;
        this.entries.delete(key(e.addr, e.ifindex));
        return;
      }
    }
    e.updated = this.now;
    this.setState(e, confirmed ? 'reachable' : state);
    const held = e.hold;
    e.hold = [];
    for (const h of held) {
      this.counters['nbr-released']++;
      this.send(e, h.data);
    }
  }

  private setState(e: LlEntry, state: NudState): void {
    e.state = state;
    e.probes = 0;
    if (state === 'reachable') {
      const base = this.params(e.family).reachableMs;
      this.arm(e, this.now + Math.floor(base * (0.5 + this.random()))); // RFC 4861 6.3.2
    } else {
      e.timer = null;
    }
    if (state === 'stale') this.host.takeUsed(e.addr, e.ifindex); // STALE -> DELAY needs a use after this
  }

  private remove(e: LlEntry): void {
    this.entries.delete(key(e.addr, e.ifindex));
    if (e.mac !== null && this.host.tables.deleteNeighbor(e.addr, e.ifindex)) this.deleted = true;
  }

  // ---- frames -----------------------------------------------------------------------------------

  /** An Ethernet frame for txif to `dmac` (tagged for a vlan), padded to 60 bytes. */
  private frameFor(ifindex: number, dmac: Uint8Array, etype: number, l3: Uint8Array): LlSend | null {
    const link = this.host.linkOf(ifindex);
    if (!link) return null;
    const l2 = link.vid ? 18 : 14;
    const f = new Uint8Array(Math.max(60, l2 + l3.length));
    const dv = new DataView(f.buffer);
    f.set(dmac, 0);
    f.set(link.mac, 6);
    if (link.vid) {
      dv.setUint16(12, 0x8100);
      dv.setUint16(14, link.vid);
    }
    dv.setUint16(l2 - 2, etype);
    f.set(l3, l2);
    return { frame: this.frame, ifindex: link.wire, data: f };
  }

  private emit(f: LlSend | null): void {
    if (f) this.out.push(f);
  }

  /** A held packet, now that the entry has a MAC. */
  private send(e: LlEntry, l3: Uint8Array): void {
    this.emit(this.frameFor(e.ifindex, e.mac!, e.family === 4 ? 0x0800 : 0x86dd, l3));
  }

  /** An ARP request (broadcast, or unicast to the entry's MAC when probing) or an NS (to the solicited-node group, or unicast). */
  private solicit(e: LlEntry, unicast: boolean): void {
    const link = this.host.linkOf(e.ifindex);
    if (!link) return;
    if (e.family === 4) {
      const a = new Uint8Array(28);
      const dv = new DataView(a.buffer);
      dv.setUint32(0, 0x00010800);
      dv.setUint32(4, 0x06040001);
      a.set(link.mac, 8);
      a.set(this.host.arpSource(e.ifindex, e.addr), 14);
      a.set(e.addr, 24);
      const dmac = unicast && e.mac ? e.mac : new Uint8Array(6).fill(0xff);
      this.emit(this.frameFor(e.ifindex, dmac, 0x0806, a));
      this.counters['arp-requests-out']++;
      return;
    }
    const src = this.host.linkLocal(e.ifindex);
    if (!src) return;
    const t = e.addr;
    const dst = unicast ? t : Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13]!, t[14]!, t[15]!]);
    const p = new Uint8Array(40 + 32);
    const dv = new DataView(p.buffer);
    dv.setUint32(0, 0x60000000);
    dv.setUint32(4, (32 << 16) | (58 << 8) | 255); // payload 32, ICMPv6, hop limit 255 (RFC 4861 7.1)
    p.set(src, 8);
    p.set(dst, 24);
    p[40] = 135;
    p.set(t, 48);
    p[64] = 1; // source link-layer address option
    p[65] = 1;
    p.set(link.mac, 66);
    const m = new Mem({ buffer: p.buffer });
    dv.setUint16(42, ~in_cksum_acc(m, 40, 32, in_pseudo6(m, 8, 24, 58, 32)) & 0xffff);
    const dmac = unicast && e.mac ? e.mac : Uint8Array.from([0x33, 0x33, ...dst.subarray(12)]);
    this.emit(this.frameFor(e.ifindex, dmac, 0x86dd, p));
    this.counters['nd-solicits-out']++;
  }

  // ---- announcements ------------------------------------------------------------------------------

  /**
   * Tells the link about one of our addresses on ifindex (an address added, an interface up): a
   * gratuitous ARP request (sender and target the address, RFC 5227 3's announcement) or an
   * unsolicited NA to all-nodes with O=1, R=1 (RFC 4861 7.2.6). Sent by the next step.
   */
  announce(ifindex: number, addr: Uint8Array): void {
    const link = this.host.linkOf(ifindex);
    if (!link) return;
    this.frame = -1;
    const before = this.out;
    this.out = [];
    if (addr.length === 4) {
      const a = new Uint8Array(28);
      const dv = new DataView(a.buffer);
      dv.setUint32(0, 0x00010800);
      dv.setUint32(4, 0x06040001);
      a.set(link.mac, 8);
      a.set(addr, 14);
      a.set(addr, 24);
      this.emit(this.frameFor(ifindex, new Uint8Array(6).fill(0xff), 0x0806, a));
    } else {
      const src = this.host.linkLocal(ifindex) ?? addr;
      const dst = Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
      const p = new Uint8Array(40 + 32);
      const dv = new DataView(p.buffer);
      dv.setUint32(0, 0x60000000);
      dv.setUint32(4, (32 << 16) | (58 << 8) | 255);
      p.set(src, 8);
      p.set(dst, 24);
      p[40] = 136;
      dv.setUint32(44, 0xa0000000); // R, O; not solicited
      p.set(addr, 48);
      p[64] = 2; // target link-layer address option
      p[65] = 1;
      p.set(link.mac, 66);
      const m = new Mem({ buffer: p.buffer });
      dv.setUint16(42, ~in_cksum_acc(m, 40, 32, in_pseudo6(m, 8, 24, 58, 32)) & 0xffff);
      this.emit(this.frameFor(ifindex, Uint8Array.from([0x33, 0x33, 0, 0, 0, 1]), 0x86dd, p));
    }
    this.pending.push(...this.out);
    this.out = before;
  }

  // ---- the API: list, set, delete (arp -a/-s/-d, ndp -a/-s/-d) ---------------------------------

  /** Every entry, families and interfaces mixed, in insertion order. */
  list(): readonly LlEntry[] {
    return [...this.entries.values()];
  }

  /** A static entry (never expires): replaces whatever the address had. Caller holds the writer lock. */
  setStatic(addr: Uint8Array, ifindex: number, mac: Uint8Array): void {
    const family = addr.length === 4 ? 4 : 6;
    const old = this.entries.get(key(addr, ifindex));
    const e = old ?? this.create(family, addr, ifindex, 'static', null);
    e.hold = old?.hold ?? [];
    if (!sameMac(e.mac, mac)) {
      this.host.tables.setNeighbor(addr, ifindex, mac);
      e.mac = Uint8Array.from(mac);
    }
    e.state = 'static';
    e.timer = null;
    e.updated = this.now;
    const held = e.hold;
    e.hold = [];
    for (const h of held) this.send(e, h.data); // rarely anything: sent at the next step's time
  }

  /** Deletes the entry; false when there was none. Held packets are dropped. Caller holds the writer lock. */
  delete(addr: Uint8Array, ifindex: number): boolean {
    const e = this.entries.get(key(addr, ifindex));
    if (!e) return this.host.tables.deleteNeighbor(addr, ifindex);
    this.remove(e);
    return true;
  }

  /** Deletes every entry on ifindex (an interface going away). Caller holds the writer lock. */
  purge(ifindex: number): void {
    for (const e of [...this.entries.values()]) if (e.ifindex === ifindex) this.entries.delete(key(e.addr, e.ifindex));
  }
}
