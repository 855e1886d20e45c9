// bridge(4): a learning bridge over member interfaces, on the data path. TS twin:
// ts/kernels/forward/bridge.ts. Layout and the protocols (member list under pserialize, the FDB's
// per-entry seqlock claimed by CAS): assembly/layout/bridge.ts.
//
//   ether_input (a frame on a member, IFF_BRPORT) ─► bridge_input
//       learn the source MAC (FDB: MAC -> port, last seen)
//       ├─ group destination ─► flood copies to every other member ─► up (as received on the bridge)
//       ├─ the bridge's own MAC ───────────────────────────────────► up (ARP, ND, echo, routing)
//       ├─ known unicast ─► the receiving port? drop (R_BR_SAME_PORT) : out that member ► bridge
//       └─ unknown unicast ─► flood to every other member (the last gets the frame itself) ► bridge
//   ether_output on the bridge (routed or answered frames) ─► bridge_output: the member the FDB names
//       for the destination MAC, or a flood (copies to all but the last member)
//
// Per frame it reads PD_RXIF and the frame's Ethernet header, and writes PD_RXIF (the bridge, for
// frames going up), tx entries (TX_IF the member), PD_NTX, the per-port counters (IFC_ of the
// members: frames a member received and sent for the bridge) and C_BR_FLOOD, C_BR_FLOOD_CAP,
// C_BR_FDB_FULL (C_BRIDGE is fwd_batch's, once a batch, from the PATH_BRIDGE verdicts). The FDB
// reader loads an entry's MAC and last-seen words plainly: the sequence word, loaded atomically
// before and after them (seq_cst: nothing moves across it), catches a write in between. Runs inside the batch's read section and never blocks, so member
// ports need no psref: the read section holds them.
//
// No spanning tree: a loop between members circulates broadcasts; flooding is bounded per batch
// (BR_FLOOD_BATCH copies: the frame itself always goes to one member, the extra copies are what a
// loop multiplies), so a loop costs bounded work per batch and the CPU moves on.

import {
  CTX_IFNET,
  CTX_NIF,
  CTX_CNT,
  CTX_IFCNT,
  CTX_TX,
  CTX_NTX,
  CTX_NOW,
  IFC_SIZE,
  IFC_IPKTS,
  IFC_IBYTES,
  IFC_OPKTS,
  IFC_OBYTES,
  IF_SIZE,
  IF_FLAGS,
  IF_MAC,
  IF_BRIDGE,
  IF_BRSC,
  IFF_EXISTS,
  IFF_UP,
  IFF_BRPORT,
  PD_NTX,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  BUF_HEADROOM,
  BR_MEMBERS,
  BR_FDB,
  BR_MASK,
  BR_MAXADDR,
  BR_TIMEOUT,
  BR_COUNT,
  BRP_LINK,
  BRP_IFINDEX,
  FDB_SIZE,
  FDB_SEQ,
  FDB_MAC,
  FDB_SEEN,
  FDB_PROBE,
  FDBF_BUSY,
  FDBF_VALID,
  FDBF_STATIC,
  FDB_GEN_ONE,
  BR_FLOOD_BATCH,
  C_BR_FLOOD,
  C_BR_FLOOD_CAP,
  C_BR_FDB_FULL,
  PATH_DROP,
  PATH_BRIDGE,
  R_IF_DOWN,
  R_NOBUFS,
  R_BR_SAME_PORT,
  R_BR_NO_PORT,
} from '../layout';
import { ld8, ld16, ld32, st16, st32, cnt_add } from '../util/mem';
import { pslist_reader_first, pslist_reader_next } from '../sync/pslist';
import { buf_alloc, tx_room, batch_tx_frames, batch_tx_bytes } from './output';

/** bridge_input's verdict for a frame that goes up to the router as received on the bridge. */
export const BR_UP: u32 = 0xffffffff;

// Flood copies this batch may still send (BR_FLOOD_BATCH at the start of each: br_batch_begin).
// A module global is per instance, and there is one instance per CPU: per-CPU.
let br_flood_left: u32 = 0;

/** Resets the batch's flood bound. fwd_batch and nev_down_drain call it as a batch begins. */
export function br_batch_begin(): void {
  br_flood_left = <u32>BR_FLOOD_BATCH;
}

/** The FDB hash of a MAC read as its first 4 bytes `a` and last 2 `b` (little-endian loads). */
@inline export function br_hash(a: u32, b: u32): u32 {
  let h = a * 0x9e3779b1 + b * 0x85ebca6b;
  h ^= h >>> 15;
  h *= 0x2c1b3c6d;
  return h ^ (h >>> 13);
}

/** Whether an entry last seen at `seen` has outlived the bridge's timeout at `now` (0: never). */
@inline function br_expired(sc: usize, seen: u32, now: u32): bool {
  const timeout = atomic.load<u32>(sc + BR_TIMEOUT);
  return timeout != 0 && <i32>(now - seen) > <i32>timeout;
}

/**
 * The member port the FDB of softc `sc` names for the MAC at `mac` at time `now`, or 0 when it has
 * none (never learned, expired, or changing under us: the caller floods). Lock-free (the FDB's
 * reader protocol); inside a read section.
 */
export function br_lookup(sc: usize, mac: usize, now: u32): u32 {
  return br_lookup_in(sc, mac, now);
}

/** br_lookup, inlined where the data path calls it. */
@inline function br_lookup_in(sc: usize, mac: usize, now: u32): u32 {
  const a = load<u32>(mac);
  const b = <u32>load<u16>(mac + 4);
  const fdb = <usize>ld32(sc + BR_FDB);
  const mask = ld32(sc + BR_MASK);
  const h = br_hash(a, b);
  for (let i: u32 = 0; i < <u32>FDB_PROBE; i++) {
    const e = fdb + <usize>((h + i) & mask) * FDB_SIZE;
    const s = atomic.load<u32>(e + FDB_SEQ);
    if (s == 0) return 0; // never used: the chain ends here
    if ((s & (FDBF_BUSY | FDBF_VALID)) != FDBF_VALID) continue;
    const w1 = load<u32>(e + FDB_MAC);
    const w2 = load<u32>(e + FDB_MAC + 4);
    if (w1 != a || (w2 & 0xffff) != b) continue;
    const seen = load<u32>(e + FDB_SEEN);
    if (atomic.load<u32>(e + FDB_SEQ) != s) return 0; // rewritten while we read it
    if ((s & FDBF_STATIC) == 0 && br_expired(sc, seen, now)) return 0;
    return w2 >>> 16;
  }
  return 0;
}

/**
 * Learns that the MAC at `mac` (a unicast source) is behind member `port` at time `now`: refreshes
 * its entry, moves it (a station that changed ports; never a static one), or claims a slot for it
 * within the probe window (a never-used or deleted one, counted against maxaddr, or an expired one).
 * Gives up quietly when another CPU is writing the same entry; counts C_BR_FDB_FULL when there is no
 * room. Lock-free (the FDB's writer protocol); any CPU, inside a read section.
 */
export function br_learn(cnt: usize, sc: usize, mac: usize, port: u32, now: u32): void {
  br_learn_in(cnt, sc, mac, port, now);
}

/** br_learn, inlined where the data path calls it. */
@inline function br_learn_in(cnt: usize, sc: usize, mac: usize, port: u32, now: u32): void {
  const a = load<u32>(mac);
  const b = <u32>load<u16>(mac + 4);
  const fdb = <usize>ld32(sc + BR_FDB);
  const mask = ld32(sc + BR_MASK);
  const h = br_hash(a, b);
  let free: usize = 0;
  let freeSeq: u32 = 0;
  for (let i: u32 = 0; i < <u32>FDB_PROBE; i++) {
    const e = fdb + <usize>((h + i) & mask) * FDB_SIZE;
    const s = atomic.load<u32>(e + FDB_SEQ);
    if (s == 0) {
      if (free == 0) {
        free = e;
        freeSeq = 0;
      }
      break;
    }
    if (s & FDBF_BUSY) continue;
    if ((s & FDBF_VALID) == 0) {
      if (free == 0) {
        free = e;
        freeSeq = s;
      }
      continue;
    }
    const w1 = load<u32>(e + FDB_MAC);
    const w2 = load<u32>(e + FDB_MAC + 4);
    if (w1 == a && (w2 & 0xffff) == b) {
      if (atomic.load<u32>(e + FDB_SEQ) != s) return; // another writer: it learns for us
      if (w2 >>> 16 == port) {
        if (load<u32>(e + FDB_SEEN) != now) atomic.store<u32>(e + FDB_SEEN, now);
        return;
      }
      if (s & FDBF_STATIC) return;
      if (atomic.cmpxchg<u32>(e + FDB_SEQ, s, s | FDBF_BUSY) != s) return;
      atomic.store<u32>(e + FDB_MAC + 4, b | (port << 16));
      atomic.store<u32>(e + FDB_SEEN, now);
      atomic.store<u32>(e + FDB_SEQ, fdb_next_seq(s, FDBF_VALID));
      return;
    }
    if (free == 0 && (s & FDBF_STATIC) == 0 && br_expired(sc, atomic.load<u32>(e + FDB_SEEN), now)) {
      free = e;
      freeSeq = s;
    }
  }
  if (free == 0) {
    cnt_add(cnt, C_BR_FDB_FULL, 1);
    return;
  }
  const grows = (freeSeq & FDBF_VALID) == 0; // an expired entry is replaced: the count stays
  if (grows) {
    const n = atomic.add<u32>(sc + BR_COUNT, 1);
    if (n >= atomic.load<u32>(sc + BR_MAXADDR)) {
      atomic.sub<u32>(sc + BR_COUNT, 1);
      cnt_add(cnt, C_BR_FDB_FULL, 1);
      return;
    }
  }
  if (atomic.cmpxchg<u32>(free + FDB_SEQ, freeSeq, freeSeq | FDBF_BUSY) != freeSeq) {
    if (grows) atomic.sub<u32>(sc + BR_COUNT, 1);
    return;
  }
  atomic.store<u32>(free + FDB_MAC, a);
  atomic.store<u32>(free + FDB_MAC + 4, b | (port << 16));
  atomic.store<u32>(free + FDB_SEEN, now);
  atomic.store<u32>(free + FDB_SEQ, fdb_next_seq(freeSeq, FDBF_VALID));
}

/** The sequence word a writer stores last: the next generation (never 0) with `flags`, not busy. */
@inline export function fdb_next_seq(s: u32, flags: u32): u32 {
  let g = (s & ~(<u32>FDB_GEN_ONE - 1)) + <u32>FDB_GEN_ONE;
  if (g == 0) g = <u32>FDB_GEN_ONE;
  return g | flags;
}

/** Whether `port` may take a frame of bridge `brif` now: an up interface that is still its member. */
@inline function br_port_ok(ctx: usize, port: u32, brif: u32): bool {
  if (port == 0 || port >= ld32(ctx + CTX_NIF)) return false;
  const p = <usize>ld32(ctx + CTX_IFNET) + <usize>port * IF_SIZE;
  const want = IFF_EXISTS | IFF_UP | IFF_BRPORT;
  return (ld32(p + IF_FLAGS) & want) == want && ld32(p + IF_BRIDGE) == brif;
}

/** Queues the `len`-byte frame at `buf` out of member `port` (a tx entry; tx_room checked). */
function br_tx(ctx: usize, pd: usize, buf: usize, len: u32, port: u32): void {
  const ntx = ld32(ctx + CTX_NTX);
  const t = <usize>ld32(ctx + CTX_TX) + <usize>ntx * TX_SIZE;
  st32(t + TX_BUF, <u32>buf);
  st16(t + TX_LEN, len);
  st16(t + TX_IF, port);
  st32(ctx + CTX_NTX, ntx + 1);
  st16(pd + PD_NTX, ld16(pd + PD_NTX) + 1);
  batch_tx_frames++;
  batch_tx_bytes += len;
  br_count_out(ctx, port, len);
}

/** The per-port output counters of member `port`. */
@inline function br_count_out(ctx: usize, port: u32, len: u32): void {
  const ic = <usize>ld32(ctx + CTX_IFCNT) + <usize>port * IFC_SIZE;
  cnt_add(ic, IFC_OPKTS >> 3, 1);
  cnt_add(ic, IFC_OBYTES >> 3, len);
}

/**
 * A copy of the frame out of `port`, in a cluster of its own, within the batch's flood bound and
 * leaving `keep` tx entries free. Returns false (counted in C_BR_FLOOD_CAP) when it could not.
 */
function br_copy_tx(ctx: usize, pd: usize, buf: usize, len: u32, port: u32, keep: u32): bool {
  const cnt = <usize>ld32(ctx + CTX_CNT);
  if (br_flood_left == 0 || tx_room(ctx) <= keep) {
    cnt_add(cnt, C_BR_FLOOD_CAP, 1);
    return false;
  }
  const c = buf_alloc(ctx);
  if (c == 0) {
    cnt_add(cnt, C_BR_FLOOD_CAP, 1);
    return false;
  }
  br_flood_left--;
  memory.copy(c + BUF_HEADROOM, buf, len);
  br_tx(ctx, pd, c + BUF_HEADROOM, len, port);
  cnt_add(cnt, C_BR_FLOOD, 1);
  return true;
}

/**
 * Floods the frame to every up member of the bridge (softc `sc`, ifindex `brif`) but `except`.
 * With `last` the final member is not sent to but returned (the caller sends the frame itself
 * there); without, every member gets a copy. Returns that member (0: none, or not `last`).
 * `keep`: tx entries to leave free for the caller.
 */
function br_flood(
  ctx: usize,
  pd: usize,
  sc: usize,
  brif: u32,
  buf: usize,
  len: u32,
  except: u32,
  last: bool,
  keep: u32,
): u32 {
  let pending: u32 = 0;
  for (let m = pslist_reader_first(sc + BR_MEMBERS); m != 0; m = pslist_reader_next(m, BRP_LINK)) {
    const port = ld32(m + BRP_IFINDEX);
    if (port == except || !br_port_ok(ctx, port, brif)) continue;
    if (pending != 0) br_copy_tx(ctx, pd, buf, len, pending, keep);
    pending = port;
  }
  if (pending == 0) return 0;
  if (last) return pending;
  br_copy_tx(ctx, pd, buf, len, pending, keep);
  return 0;
}

/**
 * A frame (`len` bytes at `buf`, at least an Ethernet header) received on member `rxif` of the
 * bridge `brif`: learns its source, then switches it. Returns BR_UP when it goes up to the router
 * (group destinations, after their flood copies; the bridge's own MAC): the caller continues as
 * received on the bridge, and the member's input counters are counted here. Otherwise the verdict
 * (PATH_BRIDGE, or a drop). Caller: fwd_batch's ether_input, with the member up, in a read section.
 */
export function bridge_input(ctx: usize, pd: usize, buf: usize, len: u32, rxif: u32, brif: u32, now: u32): u32 {
  const bifp = <usize>ld32(ctx + CTX_IFNET) + <usize>brif * IF_SIZE;
  if (
    brif == 0 ||
    brif >= ld32(ctx + CTX_NIF) ||
    (ld32(bifp + IF_FLAGS) & (IFF_EXISTS | IFF_UP)) != (IFF_EXISTS | IFF_UP)
  )
    return (PATH_DROP << 8) | R_IF_DOWN;
  const sc = <usize>ld32(bifp + IF_BRSC);
  const cnt = <usize>ld32(ctx + CTX_CNT);
  // learn the source: a unicast MAC that is not ours (our own frames come back over a loop)
  const src = buf + 6;
  if ((ld8(src) & 1) == 0 && (load<u32>(src) | <u32>load<u16>(src + 4)) != 0) {
    if (load<u32>(src) != load<u32>(bifp + IF_MAC) || load<u16>(src + 4) != load<u16>(bifp + IF_MAC + 4))
      br_learn_in(cnt, sc, src, rxif, now);
  }
  if (ld8(buf) & 1) {
    br_flood(ctx, pd, sc, brif, buf, len, rxif, false, 0);
    br_count_in(ctx, rxif, len);
    return BR_UP;
  }
  if (load<u32>(buf) == load<u32>(bifp + IF_MAC) && load<u16>(buf + 4) == load<u16>(bifp + IF_MAC + 4)) {
    br_count_in(ctx, rxif, len);
    return BR_UP;
  }
  const port = br_lookup_in(sc, buf, now);
  if (port == rxif) return (PATH_DROP << 8) | R_BR_SAME_PORT;
  if (br_port_ok(ctx, port, brif)) {
    if (tx_room(ctx) == 0) return (PATH_DROP << 8) | R_NOBUFS;
    br_tx(ctx, pd, buf, len, port);
    return PATH_BRIDGE << 8;
  }
  // unknown unicast: copies to all other members but one, the frame itself to that one
  if (tx_room(ctx) == 0) return (PATH_DROP << 8) | R_NOBUFS;
  const lastPort = br_flood(ctx, pd, sc, brif, buf, len, rxif, true, 1);
  if (lastPort == 0) return (PATH_DROP << 8) | R_BR_NO_PORT; // no other member up
  br_tx(ctx, pd, buf, len, lastPort); // the frame itself: no copy, outside the flood bound
  cnt_add(cnt, C_BR_FLOOD, 1);
  return PATH_BRIDGE << 8;
}

/** The per-port input counters of member `port` for a frame that goes up (fwd_batch counts the bridge). */
@inline function br_count_in(ctx: usize, port: u32, len: u32): void {
  const ic = <usize>ld32(ctx + CTX_IFCNT) + <usize>port * IFC_SIZE;
  cnt_add(ic, IFC_IPKTS >> 3, 1);
  cnt_add(ic, IFC_IBYTES >> 3, len);
}

/**
 * Output on bridge `brif` of a complete frame (`flen` bytes at `start`, its destination MAC first):
 * returns the member the frame itself goes out of: the one the FDB names, or, flooding (a group or
 * unlearned destination), the last member, after queuing copies for the others. Returns `brif`
 * itself when no member can take it (the caller queues it there: no TX ring, so it is freed, never
 * sent). Counts the returned member's output. The caller checked tx_room() > 0 and writes the entry.
 */
export function bridge_output(ctx: usize, pd: usize, start: usize, flen: u32, brif: u32): u32 {
  const sc = <usize>ld32(<usize>ld32(ctx + CTX_IFNET) + <usize>brif * IF_SIZE + IF_BRSC);
  let port: u32 = 0;
  if ((ld8(start) & 1) == 0) {
    port = br_lookup(sc, start, ld32(ctx + CTX_NOW));
    if (!br_port_ok(ctx, port, brif)) port = 0;
  }
  if (port == 0) {
    port = br_flood(ctx, pd, sc, brif, start, flen, 0, true, 1);
    if (port == 0) return brif;
    cnt_add(<usize>ld32(ctx + CTX_CNT), C_BR_FLOOD, 1);
  }
  br_count_out(ctx, port, flen);
  return port;
}
