// Radix (Patricia) tree for longest-prefix match, IPv4 and IPv6, in linear memory.
// TS twin: ts/kernels/fib/radix.ts.
//
// The tree is BSD radix.c's idea in a simpler shape: a path-compressed binary trie whose nodes carry
// a prefix (key/plen). A node with a route has nh != 0; a node without one ("glue") always has two
// children. Lookup walks from the root, checks the node's prefix against the address, remembers the
// last route seen and follows the bit at position plen — at most 33 (IPv4) or 129 (IPv6) nodes, and
// far fewer in practice because single-child chains are compressed away.
//
// Concurrency protocol (one writer, any number of lock-free readers):
// - Writers are serialized by the caller (the control plane's route lock).
// - A node is fully written before it is made reachable; making it reachable, unlinking a node and
//   changing a route's nh are each ONE aligned 32-bit atomic store. A reader therefore sees the
//   tree either before or after each store, and every state in between is a valid tree that
//   answers either the old or the new route for every address.
// - Unlinked nodes are not reused: they go to limbo. The caller waits for a grace period
//   (pserialize perform: every reader that could still hold an unlinked node has left its read
//   section) and then calls rt_reclaim, which poisons them and puts them on the free list.
// - Readers load child pointers with acquire loads (ald32).
//
// Keys are passed in wire order (4 or 16 bytes at keyPtr); nodes hold host-order words.

import {
  RN_KEY,
  RN_PLEN,
  RN_NH,
  RN_CHILD0,
  RN_CHILD1,
  RN_SIZE,
  RH_ROOT,
  RH_ROUTES,
  RH_NODES,
  RH_POOL,
  RH_BITS,
  NP_BASE,
  NP_CAP,
  NP_NEXT,
  NP_FREE,
  NP_LIMBO,
  NP_INUSE,
  NP_LIMBO_COUNT,
  POISON,
  RT_WALK_REC,
} from '../layout';
import { ld32, st32, ld32be, ald32, ast32 } from '../util/mem';

export const RT_ENOMEM: u32 = 0xffffffff;

// ---- helpers over 4-word keys held in locals ----------------------------------------------------

@inline function maskWord(plen: u32, w: u32): u32 {
  // bits of word w (0..3) covered by a prefix of length plen
  const lo = w << 5;
  if (plen <= lo) return 0;
  const n = plen - lo;
  return n >= 32 ? 0xffffffff : ~(<u32>0xffffffff >>> n);
}

@inline function wordOf(k0: u32, k1: u32, k2: u32, k3: u32, w: u32): u32 {
  return w == 0 ? k0 : w == 1 ? k1 : w == 2 ? k2 : k3;
}

@inline function bitOf(k0: u32, k1: u32, k2: u32, k3: u32, i: u32): u32 {
  return (wordOf(k0, k1, k2, k3, i >> 5) >>> (31 - (i & 31))) & 1;
}

/** First bit where (k) and the node's key differ, or `limit` if they agree on the first `limit` bits. */
function firstDiff(n: usize, k0: u32, k1: u32, k2: u32, k3: u32, limit: u32): u32 {
  let x = k0 ^ ld32(n + RN_KEY);
  if (x != 0) return min(<u32>clz(x), limit);
  if (limit <= 32) return limit;
  x = k1 ^ ld32(n + RN_KEY + 4);
  if (x != 0) return min(32 + <u32>clz(x), limit);
  if (limit <= 64) return limit;
  x = k2 ^ ld32(n + RN_KEY + 8);
  if (x != 0) return min(64 + <u32>clz(x), limit);
  if (limit <= 96) return limit;
  x = k3 ^ ld32(n + RN_KEY + 12);
  if (x != 0) return min(96 + <u32>clz(x), limit);
  return limit;
}

// ---- node pool --------------------------------------------------------------------------------

function nodeAlloc(pool: usize): usize {
  let n = <usize>ld32(pool + NP_FREE);
  if (n != 0) {
    st32(pool + NP_FREE, ld32(n + RN_CHILD0));
  } else {
    const next = ld32(pool + NP_NEXT);
    if (next >= ld32(pool + NP_CAP)) return 0;
    st32(pool + NP_NEXT, next + 1);
    n = <usize>ld32(pool + NP_BASE) + <usize>next * RN_SIZE;
  }
  st32(pool + NP_INUSE, ld32(pool + NP_INUSE) + 1);
  return n;
}

function nodeInit(n: usize, k0: u32, k1: u32, k2: u32, k3: u32, plen: u32, nh: u32): void {
  // the key is stored masked to plen so equal prefixes compare equal word by word
  st32(n + RN_KEY, k0 & maskWord(plen, 0));
  st32(n + RN_KEY + 4, k1 & maskWord(plen, 1));
  st32(n + RN_KEY + 8, k2 & maskWord(plen, 2));
  st32(n + RN_KEY + 12, k3 & maskWord(plen, 3));
  st32(n + RN_PLEN, plen);
  st32(n + RN_NH, nh);
  st32(n + RN_CHILD0, 0);
  st32(n + RN_CHILD1, 0);
}

/** Unlinked nodes wait in limbo until rt_reclaim; readers may still be walking through them. */
function nodeRetire(head: usize, n: usize): void {
  const pool = <usize>ld32(head + RH_POOL);
  const cnt = ld32(pool + NP_LIMBO_COUNT);
  st32(<usize>ld32(pool + NP_LIMBO) + ((<usize>cnt) << 2), <u32>n);
  st32(pool + NP_LIMBO_COUNT, cnt + 1);
  st32(head + RH_NODES, ld32(head + RH_NODES) - 1);
}

/**
 * Frees every node in limbo: poisons it and puts it on the free list.
 * Caller guarantees: no reader can still reach a limbo node (a grace period has passed since the
 * last unlink) and it holds the writer lock. Returns the number of nodes reclaimed.
 */
export function rt_reclaim(pool: usize): u32 {
  const cnt = ld32(pool + NP_LIMBO_COUNT);
  const limbo = <usize>ld32(pool + NP_LIMBO);
  for (let i: u32 = 0; i < cnt; i++) {
    const n = <usize>ld32(limbo + ((<usize>i) << 2));
    for (let o = 0; o < RN_SIZE; o += 4) st32(n + <usize>o, <u32>POISON);
    st32(n + RN_CHILD0, ld32(pool + NP_FREE));
    st32(pool + NP_FREE, <u32>n);
  }
  st32(pool + NP_LIMBO_COUNT, 0);
  st32(pool + NP_INUSE, ld32(pool + NP_INUSE) - cnt);
  return cnt;
}

/** Initializes a node pool of `cap` nodes at `base` with a limbo array of `cap` u32 at `limbo`. */
export function rt_pool_init(pool: usize, base: usize, cap: u32, limbo: usize): void {
  st32(pool + NP_BASE, <u32>base);
  st32(pool + NP_CAP, cap);
  st32(pool + NP_NEXT, 0);
  st32(pool + NP_FREE, 0);
  st32(pool + NP_LIMBO, <u32>limbo);
  st32(pool + NP_INUSE, 0);
  st32(pool + NP_LIMBO_COUNT, 0);
}

/** Initializes an empty tree for `bits` = 32 (IPv4) or 128 (IPv6) drawing nodes from `pool`. */
export function rt_init(head: usize, pool: usize, bits: u32): void {
  st32(head + RH_ROOT, 0);
  st32(head + RH_ROUTES, 0);
  st32(head + RH_NODES, 0);
  st32(head + RH_POOL, <u32>pool);
  st32(head + RH_BITS, bits);
}

// ---- writer side --------------------------------------------------------------------------------

/**
 * Adds the route keyPtr/plen -> nh (nh != 0), or replaces it when `replace` is non-zero. Returns the
 * previous nh (0 when the route is new; when it existed and `replace` is 0 nothing changes), or
 * RT_ENOMEM when the node pool is exhausted (the tree is then unchanged).
 * Caller holds the writer lock. plen <= the head's bits; host bits of the key are ignored.
 */
export function rt_set(head: usize, keyPtr: usize, plen: u32, nh: u32, replace: u32): u32 {
  const v6 = ld32(head + RH_BITS) == 128;
  const k0 = ld32be(keyPtr);
  const k1 = v6 ? ld32be(keyPtr + 4) : 0;
  const k2 = v6 ? ld32be(keyPtr + 8) : 0;
  const k3 = v6 ? ld32be(keyPtr + 12) : 0;
  const pool = <usize>ld32(head + RH_POOL);
  let link: usize = head + RH_ROOT;
  while (true) {
    const n = <usize>ld32(link);
    if (n == 0) {
      const leaf = nodeAlloc(pool);
      if (leaf == 0) return RT_ENOMEM;
      nodeInit(leaf, k0, k1, k2, k3, plen, nh);
      ast32(link, <u32>leaf);
      st32(head + RH_NODES, ld32(head + RH_NODES) + 1);
      st32(head + RH_ROUTES, ld32(head + RH_ROUTES) + 1);
      return 0;
    }
    const np = ld32(n + RN_PLEN);
    const d = firstDiff(n, k0, k1, k2, k3, min(plen, np));
    if (d == np) {
      if (np == plen) {
        const old = ld32(n + RN_NH);
        if (old != 0 && replace == 0) return old;
        ast32(n + RN_NH, nh);
        if (old == 0) st32(head + RH_ROUTES, ld32(head + RH_ROUTES) + 1);
        return old;
      }
      link = n + RN_CHILD0 + ((<usize>bitOf(k0, k1, k2, k3, np)) << 2);
      continue;
    }
    if (d == plen) {
      // the new prefix covers the node: it becomes the node's parent
      const p = nodeAlloc(pool);
      if (p == 0) return RT_ENOMEM;
      nodeInit(p, k0, k1, k2, k3, plen, nh);
      const nb = (ld32(n + RN_KEY + ((<usize>plen >> 5) << 2)) >>> (31 - (plen & 31))) & 1;
      st32(p + RN_CHILD0 + ((<usize>nb) << 2), <u32>n);
      ast32(link, <u32>p);
      st32(head + RH_NODES, ld32(head + RH_NODES) + 1);
      st32(head + RH_ROUTES, ld32(head + RH_ROUTES) + 1);
      return 0;
    }
    // the prefixes diverge at bit d: a glue node at d with the old subtree and the new leaf
    const leaf = nodeAlloc(pool);
    if (leaf == 0) return RT_ENOMEM;
    const glue = nodeAlloc(pool);
    if (glue == 0) {
      // give the leaf back: it was never reachable, so no grace period is needed
      st32(leaf + RN_CHILD0, ld32(pool + NP_FREE));
      st32(pool + NP_FREE, <u32>leaf);
      st32(pool + NP_INUSE, ld32(pool + NP_INUSE) - 1);
      return RT_ENOMEM;
    }
    nodeInit(leaf, k0, k1, k2, k3, plen, nh);
    nodeInit(glue, k0, k1, k2, k3, d, 0);
    const lb = bitOf(k0, k1, k2, k3, d);
    st32(glue + RN_CHILD0 + ((<usize>lb) << 2), <u32>leaf);
    st32(glue + RN_CHILD0 + ((<usize>(lb ^ 1)) << 2), <u32>n);
    ast32(link, <u32>glue);
    st32(head + RH_NODES, ld32(head + RH_NODES) + 2);
    st32(head + RH_ROUTES, ld32(head + RH_ROUTES) + 1);
    return 0;
  }
}

/**
 * Deletes the route keyPtr/plen. Returns its nh, or 0 when there was no such route.
 * Unlinked nodes go to limbo (see rt_reclaim). Caller holds the writer lock.
 */
export function rt_del(head: usize, keyPtr: usize, plen: u32): u32 {
  const v6 = ld32(head + RH_BITS) == 128;
  const k0 = ld32be(keyPtr);
  const k1 = v6 ? ld32be(keyPtr + 4) : 0;
  const k2 = v6 ? ld32be(keyPtr + 8) : 0;
  const k3 = v6 ? ld32be(keyPtr + 12) : 0;
  let plink: usize = 0; // link that points at the parent
  let parent: usize = 0;
  let link: usize = head + RH_ROOT;
  let n = <usize>ld32(link);
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    if (np > plen || firstDiff(n, k0, k1, k2, k3, np) != np) return 0;
    if (np == plen) break;
    plink = link;
    parent = n;
    link = n + RN_CHILD0 + ((<usize>bitOf(k0, k1, k2, k3, np)) << 2);
    n = <usize>ld32(link);
  }
  if (n == 0) return 0;
  const old = ld32(n + RN_NH);
  if (old == 0) return 0;
  st32(head + RH_ROUTES, ld32(head + RH_ROUTES) - 1);
  const c0 = ld32(n + RN_CHILD0);
  const c1 = ld32(n + RN_CHILD1);
  if (c0 != 0 && c1 != 0) {
    ast32(n + RN_NH, 0); // stays as glue
    return old;
  }
  ast32(link, c0 | c1); // splice the node out (its one child, or nothing, takes its place)
  nodeRetire(head, n);
  if (parent != 0 && ld32(parent + RN_NH) == 0) {
    // a glue parent left with one child is no longer needed
    const p0 = ld32(parent + RN_CHILD0);
    const p1 = ld32(parent + RN_CHILD1);
    if (p0 == 0 || p1 == 0) {
      ast32(plink, p0 | p1);
      nodeRetire(head, parent);
    }
  }
  return old;
}

/** Exact-match get: the nh of route keyPtr/plen, or 0. */
export function rt_get(head: usize, keyPtr: usize, plen: u32): u32 {
  const v6 = ld32(head + RH_BITS) == 128;
  const k0 = ld32be(keyPtr);
  const k1 = v6 ? ld32be(keyPtr + 4) : 0;
  const k2 = v6 ? ld32be(keyPtr + 8) : 0;
  const k3 = v6 ? ld32be(keyPtr + 12) : 0;
  let n = <usize>ald32(head + RH_ROOT);
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    if (np > plen || firstDiff(n, k0, k1, k2, k3, np) != np) return 0;
    if (np == plen) return ald32(n + RN_NH);
    n = <usize>ald32(n + RN_CHILD0 + ((<usize>bitOf(k0, k1, k2, k3, np)) << 2));
  }
  return 0;
}

// ---- reader side (lock-free; call inside a pserialize read section) -----------------------------

/** Longest-prefix match for a host-order IPv4 address: the nh id, or 0 when no route covers it. */
export function rt_lookup4(head: usize, a: u32): u32 {
  let n = <usize>ald32(head + RH_ROOT);
  let best: u32 = 0;
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    const mask: u32 = np == 0 ? 0 : (<u32>0xffffffff) << (32 - np);
    if (((a ^ ld32(n + RN_KEY)) & mask) != 0) break;
    const nh = ald32(n + RN_NH);
    if (nh != 0) best = nh;
    if (np >= 32) break;
    n = <usize>ald32(n + RN_CHILD0 + ((<usize>((a >>> (31 - np)) & 1)) << 2));
  }
  return best;
}

/** Longest-prefix match for the IPv6 address at addrPtr (16 bytes, wire order). */
export function rt_lookup6(head: usize, addrPtr: usize): u32 {
  const a0 = ld32be(addrPtr);
  const a1 = ld32be(addrPtr + 4);
  const a2 = ld32be(addrPtr + 8);
  const a3 = ld32be(addrPtr + 12);
  let n = <usize>ald32(head + RH_ROOT);
  let best: u32 = 0;
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    if (((a0 ^ ld32(n + RN_KEY)) & maskWord(np, 0)) != 0) break;
    if (np > 32) {
      if (((a1 ^ ld32(n + RN_KEY + 4)) & maskWord(np, 1)) != 0) break;
      if (np > 64) {
        if (((a2 ^ ld32(n + RN_KEY + 8)) & maskWord(np, 2)) != 0) break;
        if (np > 96 && ((a3 ^ ld32(n + RN_KEY + 12)) & maskWord(np, 3)) != 0) break;
      }
    }
    const nh = ald32(n + RN_NH);
    if (nh != 0) best = nh;
    if (np >= 128) break;
    n = <usize>ald32(n + RN_CHILD0 + ((<usize>bitOf(a0, a1, a2, a3, np)) << 2));
  }
  return best;
}

/**
 * Walks the routes in key order (a prefix before the longer prefixes inside it) and writes up to
 * `max` records of RT_WALK_REC bytes at out: key as 4 host-order words, plen, nh.
 * Returns the number of routes in the tree (which may exceed max). Caller holds the writer lock.
 */
export function rt_walk(head: usize, out: usize, max: u32): u32 {
  return walkNode(<usize>ld32(head + RH_ROOT), out, max, 0);
}

function walkNode(n: usize, out: usize, max: u32, count: u32): u32 {
  if (n == 0) return count;
  const nh = ld32(n + RN_NH);
  if (nh != 0) {
    if (count < max) {
      const r = out + <usize>count * RT_WALK_REC;
      for (let o: usize = 0; o < 16; o += 4) st32(r + o, ld32(n + RN_KEY + o));
      st32(r + 16, ld32(n + RN_PLEN));
      st32(r + 20, nh);
    }
    count++;
  }
  count = walkNode(<usize>ld32(n + RN_CHILD0), out, max, count);
  return walkNode(<usize>ld32(n + RN_CHILD1), out, max, count);
}

/**
 * Like rt_lookup4/6, but returns the node holding the matched route (key, plen and nh readable
 * from it), or 0. For the control plane (`route lookup`), not the data path.
 */
export function rt_match4(head: usize, a: u32): usize {
  let n = <usize>ald32(head + RH_ROOT);
  let best: usize = 0;
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    const mask: u32 = np == 0 ? 0 : (<u32>0xffffffff) << (32 - np);
    if (((a ^ ld32(n + RN_KEY)) & mask) != 0) break;
    if (ald32(n + RN_NH) != 0) best = n;
    if (np >= 32) break;
    n = <usize>ald32(n + RN_CHILD0 + ((<usize>((a >>> (31 - np)) & 1)) << 2));
  }
  return best;
}

export function rt_match6(head: usize, addrPtr: usize): usize {
  const a0 = ld32be(addrPtr);
  const a1 = ld32be(addrPtr + 4);
  const a2 = ld32be(addrPtr + 8);
  const a3 = ld32be(addrPtr + 12);
  let n = <usize>ald32(head + RH_ROOT);
  let best: usize = 0;
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    if (firstDiff(n, a0, a1, a2, a3, np) != np) break;
    if (ald32(n + RN_NH) != 0) best = n;
    if (np >= 128) break;
    n = <usize>ald32(n + RN_CHILD0 + ((<usize>bitOf(a0, a1, a2, a3, np)) << 2));
  }
  return best;
}
