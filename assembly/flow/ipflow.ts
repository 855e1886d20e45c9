// ipflow: the per-CPU flow cache behind fast forwarding (after NetBSD's ip_flow.c / ip6_flow.c,
// made per-CPU as in the talk). TS twin: ts/kernels/flow/ipflow.ts.
//
// Key: IPv4 (src, dst, tos) or IPv6 (src, dst, flow label), as NetBSD keys its flows. Value: the
// nexthop id, output interface, effective MTU and next-hop MAC resolved by the normal path, and the
// Ethernet header's two MACs (FE_ETH), so a hit forwards without touching the routing or neighbor
// tables or the interface's own MAC.
//
// Concurrency: a table belongs to exactly one CPU; only that CPU reads or writes it, so there are
// no atomics here. Invalidation is by generation: the control plane bumps a global word on every
// route or neighbor change, and each CPU flushes its own table the next time it sees a new value
// (ipflow_check_gen), never reaching into another CPU's memory.
//
// Eviction: a hit moves the entry to the head of an LRU list. A full table reaps the tail (the
// least recently used flow); ipflow_expire drops tail entries idle longer than FT_IDLE_MS.

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
} from '../layout';
import { ld32, st32, ld16, st16, cnt_add } from '../util/mem';

/** Sets up an empty table. buckets: u32[hashsize]; entries: FE_SIZE * max bytes. */
export function ipflow_init(ft: usize, hashsize: u32, max: u32, buckets: usize, entries: usize, idleMs: u32): void {
  st32(ft + FT_HASHSIZE, hashsize);
  st32(ft + FT_MAX, max);
  st32(ft + FT_BUCKETS, <u32>buckets);
  st32(ft + FT_ENTRIES, <u32>entries);
  st32(ft + FT_IDLE_MS, idleMs);
  st32(ft + FT_GEN, 0);
  ipflow_flush(ft);
}

/** Drops every flow: buckets emptied, all entries back on the free list. */
export function ipflow_flush(ft: usize): void {
  const hs = ld32(ft + FT_HASHSIZE);
  const max = ld32(ft + FT_MAX);
  const buckets = <usize>ld32(ft + FT_BUCKETS);
  const entries = <usize>ld32(ft + FT_ENTRIES);
  memory.fill(buckets, 0, (<usize>hs) << 2);
  let free: u32 = 0;
  for (let i = max; i > 0; i--) {
    const e = entries + <usize>(i - 1) * FE_SIZE;
    st32(e + FE_HNEXT, free);
    free = <u32>e;
  }
  st32(ft + FT_FREE, free);
  st32(ft + FT_INUSE, 0);
  st32(ft + FT_LRU_HEAD, 0);
  st32(ft + FT_LRU_TAIL, 0);
}

/** Flushes the table when the routing generation moved since its flows were made. */
export function ipflow_check_gen(ft: usize, gen: u32, cnt: usize): void {
  if (ld32(ft + FT_GEN) != gen) {
    if (ld32(ft + FT_INUSE) != 0) {
      ipflow_flush(ft);
      cnt_add(cnt, C_FLOW_FLUSH, 1);
    }
    st32(ft + FT_GEN, gen);
  }
}

/**
 * Bucket index for a key at (src, dst) in wire order; `tos` is FE_TOS's value. Multiplicative
 * (Fibonacci) hashing: the top bits of one multiply, a handful of cycles on the per-packet path.
 * Words are read as raw little-endian u32s of the wire bytes (the TS twin reads them alike).
 */
@inline export function ipflow_hash(ft: usize, src: usize, dst: usize, tos: u32): u32 {
  let h: u32;
  if (tos & FE_V6) {
    const a = ((load<u32>(src) ^ load<u32>(src + 8)) * 0x85ebca6b) ^ load<u32>(src + 4) ^ load<u32>(src + 12);
    const b = ((load<u32>(dst) ^ load<u32>(dst + 8)) * 0xc2b2ae35) ^ load<u32>(dst + 4) ^ load<u32>(dst + 12);
    h = a ^ rotl<u32>(b, 16) ^ tos;
  } else {
    h = load<u32>(src) ^ rotl<u32>(load<u32>(dst), 16) ^ tos;
  }
  const hs = ld32(ft + FT_HASHSIZE);
  return ((h * 0x9e3779b1) >>> (1 + clz<u32>(hs))) & (hs - 1);
}

@inline function keyEq(e: usize, src: usize, dst: usize, tos: u32): bool {
  if (ld32(e + FE_TOS) != tos) return false;
  if (tos & FE_V6) {
    return (
      load<u64>(e + FE_SRC) == load<u64>(src) &&
      load<u64>(e + FE_SRC + 8) == load<u64>(src + 8) &&
      load<u64>(e + FE_DST) == load<u64>(dst) &&
      load<u64>(e + FE_DST + 8) == load<u64>(dst + 8)
    );
  }
  return load<u32>(e + FE_SRC) == load<u32>(src) && load<u32>(e + FE_DST) == load<u32>(dst);
}

function lruUnlink(ft: usize, e: usize): void {
  const p = <usize>ld32(e + FE_LPREV);
  const n = <usize>ld32(e + FE_LNEXT);
  if (p != 0) st32(p + FE_LNEXT, <u32>n);
  else st32(ft + FT_LRU_HEAD, <u32>n);
  if (n != 0) st32(n + FE_LPREV, <u32>p);
  else st32(ft + FT_LRU_TAIL, <u32>p);
}

function lruPushHead(ft: usize, e: usize): void {
  const h = ld32(ft + FT_LRU_HEAD);
  st32(e + FE_LPREV, 0);
  st32(e + FE_LNEXT, h);
  if (h != 0) st32(<usize>h + FE_LPREV, <u32>e);
  else st32(ft + FT_LRU_TAIL, <u32>e);
  st32(ft + FT_LRU_HEAD, <u32>e);
}

/** Unlinks entry e from its bucket and the LRU list and frees it. */
function flowRemove(ft: usize, e: usize): void {
  let link = <usize>ld32(ft + FT_BUCKETS) + ((<usize>ld32(e + FE_BUCKET)) << 2);
  while (ld32(link) != <u32>e) link = <usize>ld32(link) + FE_HNEXT;
  st32(link, ld32(e + FE_HNEXT));
  lruUnlink(ft, e);
  st32(e + FE_HNEXT, ld32(ft + FT_FREE));
  st32(ft + FT_FREE, <u32>e);
  st32(ft + FT_INUSE, ld32(ft + FT_INUSE) - 1);
}

/**
 * Looks a flow up and, on a hit, marks it used at `now` (ms). A flow idle longer than FT_IDLE_MS
 * is removed and reported as a miss. Returns the entry pointer or 0.
 */
// @inline: on the fast path of every frame; A/B on the pipeline bench, +8-14% fast-path frames/s
@inline export function ipflow_lookup(ft: usize, src: usize, dst: usize, tos: u32, now: u32, cnt: usize): usize {
  return ipflow_lookup_at(ft, ipflow_hash(ft, src, dst, tos), src, dst, tos, now, cnt);
}

/** ipflow_lookup in bucket b, which must be ipflow_hash(ft, src, dst, tos) (fwd_batch's pass 1 computes it). */
@inline export function ipflow_lookup_at(
  ft: usize,
  b: u32,
  src: usize,
  dst: usize,
  tos: u32,
  now: u32,
  cnt: usize,
): usize {
  const e = ipflow_find_at(ft, b, src, dst, tos);
  if (e == 0) return 0;
  if (now - ld32(e + FE_LAST) > ld32(ft + FT_IDLE_MS)) {
    flowRemove(ft, e);
    cnt_add(cnt, C_FLOW_EXPIRE, 1);
    return 0;
  }
  ipflow_touch(ft, e, now);
  return e;
}

/**
 * The entry for the key in bucket b (which must be ipflow_hash(ft, src, dst, tos)), or 0; changes
 * nothing, and does not look at its age: a caller that may still decline the hit (pass 1's fused
 * path) checks FE_LAST itself and leaves an idle entry to ipflow_lookup_at.
 */
@inline export function ipflow_find_at(ft: usize, b: u32, src: usize, dst: usize, tos: u32): usize {
  let e = <usize>ld32(<usize>ld32(ft + FT_BUCKETS) + ((<usize>b) << 2));
  while (e != 0 && !keyEq(e, src, dst, tos)) e = <usize>ld32(e + FE_HNEXT);
  return e;
}

/** Marks entry e (found, not idle) used at `now`: FE_USES, and FE_LAST with the LRU order. */
@inline export function ipflow_touch(ft: usize, e: usize, now: u32): void {
  st32(e + FE_USES, ld32(e + FE_USES) + 1);
  // The LRU list is ordered by FE_LAST (ms), so an entry already used this millisecond is
  // already among the most recent: relink at most once per ms per flow, not on every packet.
  if (ld32(e + FE_LAST) != now) {
    st32(e + FE_LAST, now);
    lruUnlink(ft, e);
    lruPushHead(ft, e);
  }
}

/**
 * Inserts a flow (the caller has just missed on it): dmac is the next hop's MAC, smac the output
 * interface's own (IF_MAC: set only when the interface is attached, which bumps the routing
 * generation, so a cached copy never outlives it). When the table is full the least recently
 * used flow is reaped first. Returns the new entry.
 */
export function ipflow_insert(
  ft: usize,
  src: usize,
  dst: usize,
  tos: u32,
  nh: u32,
  txif: u32,
  mtu: u32,
  dmac: usize,
  smac: usize,
  now: u32,
  cnt: usize,
): usize {
  if (ld32(ft + FT_FREE) == 0) {
    const tail = <usize>ld32(ft + FT_LRU_TAIL);
    if (tail == 0) return 0; // max == 0: the cache is disabled
    flowRemove(ft, tail);
    cnt_add(cnt, C_FLOW_REAP, 1);
  }
  const e = <usize>ld32(ft + FT_FREE);
  st32(ft + FT_FREE, ld32(e + FE_HNEXT));
  if (tos & FE_V6) {
    memory.copy(e + FE_SRC, src, 16);
    memory.copy(e + FE_DST, dst, 16);
  } else {
    memory.fill(e + FE_SRC, 0, 32);
    store<u32>(e + FE_SRC, load<u32>(src));
    store<u32>(e + FE_DST, load<u32>(dst));
  }
  st32(e + FE_TOS, tos);
  st32(e + FE_NH, nh);
  st32(e + FE_TXIF, txif);
  st32(e + FE_MTU, mtu);
  store<u32>(e + FE_DMAC, load<u32>(dmac));
  st16(e + FE_DMAC + 4, ld16(dmac + 4));
  st16(e + FE_DMAC + 6, 0);
  // the first 12 bytes of the Ethernet header a hit leaves with (ip4_fuse writes them in two stores)
  store<u32>(e + FE_ETH, load<u32>(dmac));
  st16(e + FE_ETH + 4, ld16(dmac + 4));
  st16(e + FE_ETH + 6, ld16(smac));
  store<u32>(e + FE_ETH + 8, load<u32>(smac + 2));
  st32(e + FE_LAST, now);
  st32(e + FE_USES, 0);
  const b = ipflow_hash(ft, src, dst, tos);
  const bp = <usize>ld32(ft + FT_BUCKETS) + ((<usize>b) << 2);
  st32(e + FE_BUCKET, b);
  st32(e + FE_HNEXT, ld32(bp));
  st32(bp, <u32>e);
  lruPushHead(ft, e);
  st32(ft + FT_INUSE, ld32(ft + FT_INUSE) + 1);
  cnt_add(cnt, C_FLOW_INSERT, 1);
  return e;
}

/** Removes flows idle longer than FT_IDLE_MS, oldest first. Returns how many. */
export function ipflow_expire(ft: usize, now: u32, cnt: usize): u32 {
  const idle = ld32(ft + FT_IDLE_MS);
  let n: u32 = 0;
  let e = <usize>ld32(ft + FT_LRU_TAIL);
  while (e != 0 && now - ld32(e + FE_LAST) > idle) {
    flowRemove(ft, e);
    n++;
    e = <usize>ld32(ft + FT_LRU_TAIL);
  }
  if (n) cnt_add(cnt, C_FLOW_EXPIRE, n);
  return n;
}
