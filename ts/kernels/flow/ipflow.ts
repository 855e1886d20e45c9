// TS twin of assembly/flow/ipflow.ts (per-CPU flow cache). Same layout, same order of writes.
import {
  FT_HASHSIZE,
  FT_MAX,
  FT_INUSE,
  FT_LRU_HEAD,
  FT_LRU_TAIL,
  FT_FREE,
  FT_BUCKETS,
  FT_ENTRIES,
  FT_GEN,
  FT_IDLE_MS,
  FE_SIZE,
  FE_SRC,
  FE_DST,
  FE_TOS,
  FE_NH,
  FE_TXIF,
  FE_MTU,
  FE_DMAC,
  FE_LAST,
  FE_USES,
  FE_HNEXT,
  FE_LPREV,
  FE_LNEXT,
  FE_BUCKET,
  FE_ETH,
  FE_V6,
  C_FLOW_REAP,
  C_FLOW_EXPIRE,
  C_FLOW_FLUSH,
  C_FLOW_INSERT,
} from '../../../assembly/layout.js';
import { type Mem, ld32, st32, ld16, st16, cnt_add } from '../util/mem.js';

export function ipflow_init(
  m: Mem,
  ft: number,
  hashsize: number,
  max: number,
  buckets: number,
  entries: number,
  idleMs: number,
): void {
  st32(m, ft + FT_HASHSIZE, hashsize);
  st32(m, ft + FT_MAX, max);
  st32(m, ft + FT_BUCKETS, buckets);
  st32(m, ft + FT_ENTRIES, entries);
  st32(m, ft + FT_IDLE_MS, idleMs);
  st32(m, ft + FT_GEN, 0);
  ipflow_flush(m, ft);
}

export function ipflow_flush(m: Mem, ft: number): void {
  const hs = ld32(m, ft + FT_HASHSIZE);
  const max = ld32(m, ft + FT_MAX);
  const buckets = ld32(m, ft + FT_BUCKETS);
  const entries = ld32(m, ft + FT_ENTRIES);
  m.u8.fill(0, buckets, buckets + hs * 4);
  let free = 0;
  for (let i = max; i > 0; i--) {
    const e = entries + (i - 1) * FE_SIZE;
    st32(m, e + FE_HNEXT, free);
    free = e;
  }
  st32(m, ft + FT_FREE, free);
  st32(m, ft + FT_INUSE, 0);
  st32(m, ft + FT_LRU_HEAD, 0);
  st32(m, ft + FT_LRU_TAIL, 0);
}

export function ipflow_check_gen(m: Mem, ft: number, gen: number, cnt: number): void {
  if (ld32(m, ft + FT_GEN) !== gen) {
    if (ld32(m, ft + FT_INUSE) !== 0) {
      ipflow_flush(m, ft);
      cnt_add(m, cnt, C_FLOW_FLUSH, 1);
    }
    st32(m, ft + FT_GEN, gen);
  }
}

const rotl16 = (x: number): number => (x << 16) | (x >>> 16);

export function ipflow_hash(m: Mem, ft: number, src: number, dst: number, tos: number): number {
  let h: number;
  if (tos & FE_V6) {
    const a = Math.imul(ld32(m, src) ^ ld32(m, src + 8), 0x85ebca6b) ^ ld32(m, src + 4) ^ ld32(m, src + 12);
    const b = Math.imul(ld32(m, dst) ^ ld32(m, dst + 8), 0xc2b2ae35) ^ ld32(m, dst + 4) ^ ld32(m, dst + 12);
    h = a ^ rotl16(b) ^ tos;
  } else {
    h = ld32(m, src) ^ rotl16(ld32(m, dst)) ^ tos;
  }
  const hs = ld32(m, ft + FT_HASHSIZE);
  return (Math.imul(h, 0x9e3779b1) >>> (1 + Math.clz32(hs))) & (hs - 1);
}

function keyEq(m: Mem, e: number, src: number, dst: number, tos: number): boolean {
  if (ld32(m, e + FE_TOS) !== tos >>> 0) return false;
  const n = tos & FE_V6 ? 16 : 4;
  for (let o = 0; o < n; o += 4) {
    if (ld32(m, e + FE_SRC + o) !== ld32(m, src + o) || ld32(m, e + FE_DST + o) !== ld32(m, dst + o)) return false;
  }
  return true;
}

function lruUnlink(m: Mem, ft: number, e: number): void {
  const p = ld32(m, e + FE_LPREV);
  const n = ld32(m, e + FE_LNEXT);
  if (p !== 0) st32(m, p + FE_LNEXT, n);
  else st32(m, ft + FT_LRU_HEAD, n);
  if (n !== 0) st32(m, n + FE_LPREV, p);
  else st32(m, ft + FT_LRU_TAIL, p);
}

function lruPushHead(m: Mem, ft: number, e: number): void {
  const h = ld32(m, ft + FT_LRU_HEAD);
  st32(m, e + FE_LPREV, 0);
  st32(m, e + FE_LNEXT, h);
  if (h !== 0) st32(m, h + FE_LPREV, e);
  else st32(m, ft + FT_LRU_TAIL, e);
  st32(m, ft + FT_LRU_HEAD, e);
}

function flowRemove(m: Mem, ft: number, e: number): void {
  let link = ld32(m, ft + FT_BUCKETS) + ld32(m, e + FE_BUCKET) * 4;
  while (ld32(m, link) !== e) link = ld32(m, link) + FE_HNEXT;
  st32(m, link, ld32(m, e + FE_HNEXT));
  lruUnlink(m, ft, e);
  st32(m, e + FE_HNEXT, ld32(m, ft + FT_FREE));
  st32(m, ft + FT_FREE, e);
  st32(m, ft + FT_INUSE, ld32(m, ft + FT_INUSE) - 1);
}

export function ipflow_lookup(
  m: Mem,
  ft: number,
  src: number,
  dst: number,
  tos: number,
  now: number,
  cnt: number,
): number {
  return ipflow_lookup_at(m, ft, ipflow_hash(m, ft, src, dst, tos), src, dst, tos, now, cnt);
}

/** ipflow_lookup in bucket b, which must be ipflow_hash(ft, src, dst, tos). */
export function ipflow_lookup_at(
  m: Mem,
  ft: number,
  b: number,
  src: number,
  dst: number,
  tos: number,
  now: number,
  cnt: number,
): number {
  const e = ipflow_find_at(m, ft, b, src, dst, tos);
  if (e === 0) return 0;
  if ((now - ld32(m, e + FE_LAST)) >>> 0 > ld32(m, ft + FT_IDLE_MS)) {
    flowRemove(m, ft, e);
    cnt_add(m, cnt, C_FLOW_EXPIRE, 1);
    return 0;
  }
  ipflow_touch(m, ft, e, now);
  return e;
}

/** The entry for the key in bucket b, or 0; changes nothing and ignores its age (see the WASM twin). */
export function ipflow_find_at(m: Mem, ft: number, b: number, src: number, dst: number, tos: number): number {
  let e = ld32(m, ld32(m, ft + FT_BUCKETS) + b * 4);
  while (e !== 0 && !keyEq(m, e, src, dst, tos)) e = ld32(m, e + FE_HNEXT);
  return e;
}

/** Marks entry e (found, not idle) used at `now`: FE_USES, and FE_LAST with the LRU order. */
export function ipflow_touch(m: Mem, ft: number, e: number, now: number): void {
  st32(m, e + FE_USES, ld32(m, e + FE_USES) + 1);
  if (ld32(m, e + FE_LAST) !== now) {
    st32(m, e + FE_LAST, now);
    lruUnlink(m, ft, e);
    lruPushHead(m, ft, e);
  }
}

export function ipflow_insert(
  m: Mem,
  ft: number,
  src: number,
  dst: number,
  tos: number,
  nh: number,
  txif: number,
  mtu: number,
  dmac: number,
  smac: number,
  now: number,
  cnt: number,
): number {
  if (ld32(m, ft + FT_FREE) === 0) {
    const tail = ld32(m, ft + FT_LRU_TAIL);
    if (tail === 0) return 0;
    flowRemove(m, ft, tail);
    cnt_add(m, cnt, C_FLOW_REAP, 1);
  }
  const e = ld32(m, ft + FT_FREE);
  st32(m, ft + FT_FREE, ld32(m, e + FE_HNEXT));
  if (tos & FE_V6) {
    m.u8.copyWithin(e + FE_SRC, src, src + 16);
    m.u8.copyWithin(e + FE_DST, dst, dst + 16);
  } else {
    m.u8.fill(0, e + FE_SRC, e + FE_SRC + 32);
    st32(m, e + FE_SRC, ld32(m, src));
    st32(m, e + FE_DST, ld32(m, dst));
  }
  st32(m, e + FE_TOS, tos);
  st32(m, e + FE_NH, nh);
  st32(m, e + FE_TXIF, txif);
  st32(m, e + FE_MTU, mtu);
  st32(m, e + FE_DMAC, ld32(m, dmac));
  st16(m, e + FE_DMAC + 4, ld16(m, dmac + 4));
  st16(m, e + FE_DMAC + 6, 0);
  st32(m, e + FE_ETH, ld32(m, dmac));
  st16(m, e + FE_ETH + 4, ld16(m, dmac + 4));
  st16(m, e + FE_ETH + 6, ld16(m, smac));
  st32(m, e + FE_ETH + 8, ld32(m, smac + 2));
  st32(m, e + FE_LAST, now);
  st32(m, e + FE_USES, 0);
  const b = ipflow_hash(m, ft, src, dst, tos);
  const bp = ld32(m, ft + FT_BUCKETS) + b * 4;
  st32(m, e + FE_BUCKET, b);
  st32(m, e + FE_HNEXT, ld32(m, bp));
  st32(m, bp, e);
  lruPushHead(m, ft, e);
  st32(m, ft + FT_INUSE, ld32(m, ft + FT_INUSE) + 1);
  cnt_add(m, cnt, C_FLOW_INSERT, 1);
  return e;
}

export function ipflow_expire(m: Mem, ft: number, now: number, cnt: number): number {
  const idle = ld32(m, ft + FT_IDLE_MS);
  let n = 0;
  let e = ld32(m, ft + FT_LRU_TAIL);
  while (e !== 0 && (now - ld32(m, e + FE_LAST)) >>> 0 > idle) {
    flowRemove(m, ft, e);
    n++;
    e = ld32(m, ft + FT_LRU_TAIL);
  }
  if (n) cnt_add(m, cnt, C_FLOW_EXPIRE, n);
  return n;
}
