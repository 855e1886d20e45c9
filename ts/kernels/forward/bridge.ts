// TS twin of assembly/forward/bridge.ts: bridge(4) on the data path (learning, switching, flooding,
// output by member). Layout and protocols: assembly/layout/bridge.ts. Every FDB word is read and
// written with Atomics, as the AssemblyScript side does with atomic loads and stores.
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
} from '../../../assembly/layout.js';
import { type Mem, ld8, ld16, ld32, st16, st32, cnt_add, copy_frame } from '../util/mem.js';
import { pslist_reader_first, pslist_reader_next } from '../sync/pslist.js';
import { buf_alloc, tx_room, batch } from './output.js';

/** bridge_input's verdict for a frame that goes up to the router as received on the bridge. */
export const BR_UP = 0xffffffff;

// Flood copies this batch may still send. One TS engine per worker thread: per-CPU.
const flood = { left: 0 };

/** Resets the batch's flood bound. fwd_batch and nev_down_drain call it as a batch begins. */
export function br_batch_begin(): void {
  flood.left = BR_FLOOD_BATCH;
}

/** The FDB hash of a MAC read as its first 4 bytes `a` and last 2 `b` (little-endian loads). */
export function br_hash(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) + Math.imul(b, 0x85ebca6b)) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

const aload = (m: Mem, p: number): number => Atomics.load(m.u32, p >>> 2);
const astore = (m: Mem, p: number, v: number): void => {
  Atomics.store(m.u32, p >>> 2, v >>> 0);
};
const acas = (m: Mem, p: number, expect: number, v: number): number =>
  Atomics.compareExchange(m.u32, p >>> 2, expect >>> 0, v >>> 0);

function br_expired(m: Mem, sc: number, seen: number, now: number): boolean {
  const timeout = aload(m, sc + BR_TIMEOUT);
  return timeout !== 0 && ((now - seen) | 0) > (timeout | 0);
}

export function br_lookup(m: Mem, sc: number, mac: number, now: number): number {
  const a = ld32(m, mac);
  const b = ld16(m, mac + 4);
  const fdb = ld32(m, sc + BR_FDB);
  const mask = ld32(m, sc + BR_MASK);
  const h = br_hash(a, b);
  for (let i = 0; i < FDB_PROBE; i++) {
    const e = fdb + ((h + i) & mask) * FDB_SIZE;
    const s = aload(m, e + FDB_SEQ);
    if (s === 0) return 0;
    if ((s & (FDBF_BUSY | FDBF_VALID)) !== FDBF_VALID) continue;
    const w1 = aload(m, e + FDB_MAC);
    const w2 = aload(m, e + FDB_MAC + 4);
    if (w1 !== a || (w2 & 0xffff) !== b) continue;
    const seen = aload(m, e + FDB_SEEN);
    if (aload(m, e + FDB_SEQ) !== s) return 0;
    if ((s & FDBF_STATIC) === 0 && br_expired(m, sc, seen, now)) return 0;
    return w2 >>> 16;
  }
  return 0;
}

export function br_learn(m: Mem, cnt: number, sc: number, mac: number, port: number, now: number): void {
  const a = ld32(m, mac);
  const b = ld16(m, mac + 4);
  const fdb = ld32(m, sc + BR_FDB);
  const mask = ld32(m, sc + BR_MASK);
  const h = br_hash(a, b);
  let free = 0;
  let freeSeq = 0;
  for (let i = 0; i < FDB_PROBE; i++) {
    const e = fdb + ((h + i) & mask) * FDB_SIZE;
    const s = aload(m, e + FDB_SEQ);
    if (s === 0) {
      if (free === 0) {
        free = e;
        freeSeq = 0;
      }
      break;
    }
    if (s & FDBF_BUSY) continue;
    if ((s & FDBF_VALID) === 0) {
      if (free === 0) {
        free = e;
        freeSeq = s;
      }
      continue;
    }
    const w1 = aload(m, e + FDB_MAC);
    const w2 = aload(m, e + FDB_MAC + 4);
    if (w1 === a && (w2 & 0xffff) === b) {
      if (aload(m, e + FDB_SEQ) !== s) return;
      if (w2 >>> 16 === port) {
        if (aload(m, e + FDB_SEEN) !== now >>> 0) astore(m, e + FDB_SEEN, now);
        return;
      }
      if (s & FDBF_STATIC) return;
      if (acas(m, e + FDB_SEQ, s, s | FDBF_BUSY) !== s) return;
      astore(m, e + FDB_MAC + 4, b | (port << 16));
      astore(m, e + FDB_SEEN, now);
      astore(m, e + FDB_SEQ, fdb_next_seq(s, FDBF_VALID));
      return;
    }
    if (free === 0 && (s & FDBF_STATIC) === 0 && br_expired(m, sc, aload(m, e + FDB_SEEN), now)) {
      free = e;
      freeSeq = s;
    }
  }
  if (free === 0) {
    cnt_add(m, cnt, C_BR_FDB_FULL, 1);
    return;
  }
  const grows = (freeSeq & FDBF_VALID) === 0;
  if (grows) {
    const n = Atomics.add(m.u32, (sc + BR_COUNT) >>> 2, 1);
    if (n >= aload(m, sc + BR_MAXADDR)) {
      Atomics.sub(m.u32, (sc + BR_COUNT) >>> 2, 1);
      cnt_add(m, cnt, C_BR_FDB_FULL, 1);
      return;
    }
  }
  if (acas(m, free + FDB_SEQ, freeSeq, freeSeq | FDBF_BUSY) !== freeSeq) {
    if (grows) Atomics.sub(m.u32, (sc + BR_COUNT) >>> 2, 1);
    return;
  }
  astore(m, free + FDB_MAC, a);
  astore(m, free + FDB_MAC + 4, b | (port << 16));
  astore(m, free + FDB_SEEN, now);
  astore(m, free + FDB_SEQ, fdb_next_seq(freeSeq, FDBF_VALID));
}

export function fdb_next_seq(s: number, flags: number): number {
  let g = ((s & ~(FDB_GEN_ONE - 1)) + FDB_GEN_ONE) >>> 0;
  if (g === 0) g = FDB_GEN_ONE;
  return (g | flags) >>> 0;
}

function br_port_ok(m: Mem, ctx: number, port: number, brif: number): boolean {
  if (port === 0 || port >= ld32(m, ctx + CTX_NIF)) return false;
  const p = ld32(m, ctx + CTX_IFNET) + port * IF_SIZE;
  const want = IFF_EXISTS | IFF_UP | IFF_BRPORT;
  return (ld32(m, p + IF_FLAGS) & want) === want && ld32(m, p + IF_BRIDGE) === brif;
}

function br_tx(m: Mem, ctx: number, pd: number, buf: number, len: number, port: number): void {
  const ntx = ld32(m, ctx + CTX_NTX);
  const t = ld32(m, ctx + CTX_TX) + ntx * TX_SIZE;
  st32(m, t + TX_BUF, buf);
  st16(m, t + TX_LEN, len);
  st16(m, t + TX_IF, port);
  st32(m, ctx + CTX_NTX, ntx + 1);
  st16(m, pd + PD_NTX, ld16(m, pd + PD_NTX) + 1);
  batch.txFrames++;
  batch.txBytes += len;
  br_count_out(m, ctx, port, len);
}

function br_count_out(m: Mem, ctx: number, port: number, len: number): void {
  const ic = ld32(m, ctx + CTX_IFCNT) + port * IFC_SIZE;
  cnt_add(m, ic, IFC_OPKTS >> 3, 1);
  cnt_add(m, ic, IFC_OBYTES >> 3, len);
}

function br_copy_tx(m: Mem, ctx: number, pd: number, buf: number, len: number, port: number, keep: number): boolean {
  const cnt = ld32(m, ctx + CTX_CNT);
  if (flood.left === 0 || tx_room(m, ctx) <= keep) {
    cnt_add(m, cnt, C_BR_FLOOD_CAP, 1);
    return false;
  }
  const c = buf_alloc(m, ctx);
  if (c === 0) {
    cnt_add(m, cnt, C_BR_FLOOD_CAP, 1);
    return false;
  }
  flood.left--;
  copy_frame(m, c + BUF_HEADROOM, buf, len);
  br_tx(m, ctx, pd, c + BUF_HEADROOM, len, port);
  cnt_add(m, cnt, C_BR_FLOOD, 1);
  return true;
}

function br_flood(
  m: Mem,
  ctx: number,
  pd: number,
  sc: number,
  brif: number,
  buf: number,
  len: number,
  except: number,
  last: boolean,
  keep: number,
): number {
  let pending = 0;
  for (let e = pslist_reader_first(m, sc + BR_MEMBERS); e !== 0; e = pslist_reader_next(m, e, BRP_LINK)) {
    const port = ld32(m, e + BRP_IFINDEX);
    if (port === except || !br_port_ok(m, ctx, port, brif)) continue;
    if (pending !== 0) br_copy_tx(m, ctx, pd, buf, len, pending, keep);
    pending = port;
  }
  if (pending === 0) return 0;
  if (last) return pending;
  br_copy_tx(m, ctx, pd, buf, len, pending, keep);
  return 0;
}

export function bridge_input(
  m: Mem,
  ctx: number,
  pd: number,
  buf: number,
  len: number,
  rxif: number,
  brif: number,
  now: number,
): number {
  const bifp = ld32(m, ctx + CTX_IFNET) + brif * IF_SIZE;
  if (
    brif === 0 ||
    brif >= ld32(m, ctx + CTX_NIF) ||
    (ld32(m, bifp + IF_FLAGS) & (IFF_EXISTS | IFF_UP)) !== (IFF_EXISTS | IFF_UP)
  )
    return (PATH_DROP << 8) | R_IF_DOWN;
  const sc = ld32(m, bifp + IF_BRSC);
  const cnt = ld32(m, ctx + CTX_CNT);
  const src = buf + 6;
  if ((ld8(m, src) & 1) === 0 && (ld32(m, src) | ld16(m, src + 4)) !== 0) {
    if (ld32(m, src) !== ld32(m, bifp + IF_MAC) || ld16(m, src + 4) !== ld16(m, bifp + IF_MAC + 4))
      br_learn(m, cnt, sc, src, rxif, now);
  }
  if (ld8(m, buf) & 1) {
    br_flood(m, ctx, pd, sc, brif, buf, len, rxif, false, 0);
    br_count_in(m, ctx, rxif, len);
    return BR_UP;
  }
  if (ld32(m, buf) === ld32(m, bifp + IF_MAC) && ld16(m, buf + 4) === ld16(m, bifp + IF_MAC + 4)) {
    br_count_in(m, ctx, rxif, len);
    return BR_UP;
  }
  const port = br_lookup(m, sc, buf, now);
  if (port === rxif) return (PATH_DROP << 8) | R_BR_SAME_PORT;
  if (br_port_ok(m, ctx, port, brif)) {
    if (tx_room(m, ctx) === 0) return (PATH_DROP << 8) | R_NOBUFS;
    br_tx(m, ctx, pd, buf, len, port);
    return PATH_BRIDGE << 8;
  }
  if (tx_room(m, ctx) === 0) return (PATH_DROP << 8) | R_NOBUFS;
  const lastPort = br_flood(m, ctx, pd, sc, brif, buf, len, rxif, true, 1);
  if (lastPort === 0) return (PATH_DROP << 8) | R_BR_NO_PORT;
  br_tx(m, ctx, pd, buf, len, lastPort);
  cnt_add(m, cnt, C_BR_FLOOD, 1);
  return PATH_BRIDGE << 8;
}

function br_count_in(m: Mem, ctx: number, port: number, len: number): void {
  const ic = ld32(m, ctx + CTX_IFCNT) + port * IFC_SIZE;
  cnt_add(m, ic, IFC_IPKTS >> 3, 1);
  cnt_add(m, ic, IFC_IBYTES >> 3, len);
}

export function bridge_output(m: Mem, ctx: number, pd: number, start: number, flen: number, brif: number): number {
  const sc = ld32(m, ld32(m, ctx + CTX_IFNET) + brif * IF_SIZE + IF_BRSC);
  let port = 0;
  if ((ld8(m, start) & 1) === 0) {
    port = br_lookup(m, sc, start, ld32(m, ctx + CTX_NOW));
    if (!br_port_ok(m, ctx, port, brif)) port = 0;
  }
  if (port === 0) {
    port = br_flood(m, ctx, pd, sc, brif, start, flen, 0, true, 1);
    if (port === 0) return brif;
    cnt_add(m, ld32(m, ctx + CTX_CNT), C_BR_FLOOD, 1);
  }
  br_count_out(m, ctx, port, flen);
  return port;
}
