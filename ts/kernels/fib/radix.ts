// TS twin of assembly/fib/radix.ts: the same Patricia tree over the same linear memory, function for
// function. The protocol (one writer, lock-free readers, limbo + grace period + rt_reclaim) is
// described in the AssemblyScript file.

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
} from '../../../assembly/layout.js';
import { type Mem, ld32, st32, ld32be, ald32, ast32 } from '../util/mem.js';

export const RT_ENOMEM = 0xffffffff;

function maskWord(plen: number, w: number): number {
  const lo = w << 5;
  if (plen <= lo) return 0;
  const n = plen - lo;
  return n >= 32 ? 0xffffffff : ~(0xffffffff >>> n) >>> 0;
}

function bitOf(k: Uint32Array | number[], i: number): number {
  return (k[i >>> 5]! >>> (31 - (i & 31))) & 1;
}

function firstDiff(m: Mem, n: number, k: ArrayLike<number>, limit: number): number {
  for (let w = 0; w < 4; w++) {
    const x = (k[w]! ^ ld32(m, n + RN_KEY + w * 4)) >>> 0;
    if (x !== 0) return Math.min(w * 32 + Math.clz32(x), limit);
    if (limit <= (w + 1) * 32) return limit;
  }
  return limit;
}

function keyOf(m: Mem, head: number, keyPtr: number): number[] {
  const v6 = ld32(m, head + RH_BITS) === 128;
  return [
    ld32be(m, keyPtr),
    v6 ? ld32be(m, keyPtr + 4) : 0,
    v6 ? ld32be(m, keyPtr + 8) : 0,
    v6 ? ld32be(m, keyPtr + 12) : 0,
  ];
}

function nodeAlloc(m: Mem, pool: number): number {
  let n = ld32(m, pool + NP_FREE);
  if (n !== 0) {
    st32(m, pool + NP_FREE, ld32(m, n + RN_CHILD0));
  } else {
    const next = ld32(m, pool + NP_NEXT);
    if (next >= ld32(m, pool + NP_CAP)) return 0;
    st32(m, pool + NP_NEXT, next + 1);
    n = ld32(m, pool + NP_BASE) + next * RN_SIZE;
  }
  st32(m, pool + NP_INUSE, ld32(m, pool + NP_INUSE) + 1);
  return n;
}

function nodeInit(m: Mem, n: number, k: ArrayLike<number>, plen: number, nh: number): void {
  for (let w = 0; w < 4; w++) st32(m, n + RN_KEY + w * 4, k[w]! & maskWord(plen, w));
  st32(m, n + RN_PLEN, plen);
  st32(m, n + RN_NH, nh);
  st32(m, n + RN_CHILD0, 0);
  st32(m, n + RN_CHILD1, 0);
}

function nodeRetire(m: Mem, head: number, n: number): void {
  const pool = ld32(m, head + RH_POOL);
  const cnt = ld32(m, pool + NP_LIMBO_COUNT);
  st32(m, ld32(m, pool + NP_LIMBO) + cnt * 4, n);
  st32(m, pool + NP_LIMBO_COUNT, cnt + 1);
  st32(m, head + RH_NODES, ld32(m, head + RH_NODES) - 1);
}

export function rt_reclaim(m: Mem, pool: number): number {
  const cnt = ld32(m, pool + NP_LIMBO_COUNT);
  const limbo = ld32(m, pool + NP_LIMBO);
  for (let i = 0; i < cnt; i++) {
    const n = ld32(m, limbo + i * 4);
    for (let o = 0; o < RN_SIZE; o += 4) st32(m, n + o, POISON);
    st32(m, n + RN_CHILD0, ld32(m, pool + NP_FREE));
    st32(m, pool + NP_FREE, n);
  }
  st32(m, pool + NP_LIMBO_COUNT, 0);
  st32(m, pool + NP_INUSE, ld32(m, pool + NP_INUSE) - cnt);
  return cnt;
}

export function rt_pool_init(m: Mem, pool: number, base: number, cap: number, limbo: number): void {
  st32(m, pool + NP_BASE, base);
  st32(m, pool + NP_CAP, cap);
  st32(m, pool + NP_NEXT, 0);
  st32(m, pool + NP_FREE, 0);
  st32(m, pool + NP_LIMBO, limbo);
  st32(m, pool + NP_INUSE, 0);
  st32(m, pool + NP_LIMBO_COUNT, 0);
}

export function rt_init(m: Mem, head: number, pool: number, bits: number): void {
  st32(m, head + RH_ROOT, 0);
  st32(m, head + RH_ROUTES, 0);
  st32(m, head + RH_NODES, 0);
  st32(m, head + RH_POOL, pool);
  st32(m, head + RH_BITS, bits);
}

function bump(m: Mem, p: number, d: number): void {
  st32(m, p, ld32(m, p) + d);
}

export function rt_set(m: Mem, head: number, keyPtr: number, plen: number, nh: number, replace: number): number {
  const k = keyOf(m, head, keyPtr);
  const pool = ld32(m, head + RH_POOL);
  let link = head + RH_ROOT;
  for (;;) {
    const n = ld32(m, link);
    if (n === 0) {
      const leaf = nodeAlloc(m, pool);
      if (leaf === 0) return RT_ENOMEM;
      nodeInit(m, leaf, k, plen, nh);
      ast32(m, link, leaf);
      bump(m, head + RH_NODES, 1);
      bump(m, head + RH_ROUTES, 1);
      return 0;
    }
    const np = ld32(m, n + RN_PLEN);
    const d = firstDiff(m, n, k, Math.min(plen, np));
    if (d === np) {
      if (np === plen) {
        const old = ld32(m, n + RN_NH);
        if (old !== 0 && replace === 0) return old;
        ast32(m, n + RN_NH, nh);
        if (old === 0) bump(m, head + RH_ROUTES, 1);
        return old;
      }
      link = n + RN_CHILD0 + (bitOf(k, np) << 2);
      continue;
    }
    if (d === plen) {
      const p = nodeAlloc(m, pool);
      if (p === 0) return RT_ENOMEM;
      nodeInit(m, p, k, plen, nh);
      const nb = (ld32(m, n + RN_KEY + ((plen >>> 5) << 2)) >>> (31 - (plen & 31))) & 1;
      st32(m, p + RN_CHILD0 + (nb << 2), n);
      ast32(m, link, p);
      bump(m, head + RH_NODES, 1);
      bump(m, head + RH_ROUTES, 1);
      return 0;
    }
    const leaf = nodeAlloc(m, pool);
    if (leaf === 0) return RT_ENOMEM;
    const glue = nodeAlloc(m, pool);
    if (glue === 0) {
      st32(m, leaf + RN_CHILD0, ld32(m, pool + NP_FREE));
      st32(m, pool + NP_FREE, leaf);
      bump(m, pool + NP_INUSE, -1);
      return RT_ENOMEM;
    }
    nodeInit(m, leaf, k, plen, nh);
    nodeInit(m, glue, k, d, 0);
    const lb = bitOf(k, d);
    st32(m, glue + RN_CHILD0 + (lb << 2), leaf);
    st32(m, glue + RN_CHILD0 + ((lb ^ 1) << 2), n);
    ast32(m, link, glue);
    bump(m, head + RH_NODES, 2);
    bump(m, head + RH_ROUTES, 1);
    return 0;
  }
}

export function rt_del(m: Mem, head: number, keyPtr: number, plen: number): number {
  const k = keyOf(m, head, keyPtr);
  let plink = 0;
  let parent = 0;
  let link = head + RH_ROOT;
  let n = ld32(m, link);
  while (n !== 0) {
    const np = ld32(m, n + RN_PLEN);
    if (np > plen || firstDiff(m, n, k, np) !== np) return 0;
    if (np === plen) break;
    plink = link;
    parent = n;
    link = n + RN_CHILD0 + (bitOf(k, np) << 2);
    n = ld32(m, link);
  }
  if (n === 0) return 0;
  const old = ld32(m, n + RN_NH);
  if (old === 0) return 0;
  bump(m, head + RH_ROUTES, -1);
  const c0 = ld32(m, n + RN_CHILD0);
  const c1 = ld32(m, n + RN_CHILD1);
  if (c0 !== 0 && c1 !== 0) {
    ast32(m, n + RN_NH, 0);
    return old;
  }
  ast32(m, link, c0 | c1);
  nodeRetire(m, head, n);
  if (parent !== 0 && ld32(m, parent + RN_NH) === 0) {
    const p0 = ld32(m, parent + RN_CHILD0);
    const p1 = ld32(m, parent + RN_CHILD1);
    if (p0 === 0 || p1 === 0) {
      ast32(m, plink, p0 | p1);
      nodeRetire(m, head, parent);
    }
  }
  return old;
}

export function rt_get(m: Mem, head: number, keyPtr: number, plen: number): number {
  const k = keyOf(m, head, keyPtr);
  let n = ald32(m, head + RH_ROOT);
  while (n !== 0) {
    const np = ld32(m, n + RN_PLEN);
    if (np > plen || firstDiff(m, n, k, np) !== np) return 0;
    if (np === plen) return ald32(m, n + RN_NH);
    n = ald32(m, n + RN_CHILD0 + (bitOf(k, np) << 2));
  }
  return 0;
}

export function rt_lookup4(m: Mem, head: number, a: number): number {
  const u32 = m.u32;
  let n = Atomics.load(u32, (head + RH_ROOT) >>> 2);
  let best = 0;
  while (n !== 0) {
    const w = n >>> 2;
    const np = u32[w + (RN_PLEN >>> 2)]!;
    const mask = np === 0 ? 0 : 0xffffffff << (32 - np);
    if (((a ^ u32[w + (RN_KEY >>> 2)]!) & mask) !== 0) break;
    const nh = Atomics.load(u32, w + (RN_NH >>> 2));
    if (nh !== 0) best = nh;
    if (np >= 32) break;
    n = Atomics.load(u32, w + (RN_CHILD0 >>> 2) + ((a >>> (31 - np)) & 1));
  }
  return best;
}

export function rt_lookup6(m: Mem, head: number, addrPtr: number): number {
  const a0 = ld32be(m, addrPtr),
    a1 = ld32be(m, addrPtr + 4),
    a2 = ld32be(m, addrPtr + 8),
    a3 = ld32be(m, addrPtr + 12);
  const u32 = m.u32;
  let n = Atomics.load(u32, (head + RH_ROOT) >>> 2);
  let best = 0;
  while (n !== 0) {
    const w = n >>> 2;
    const np = u32[w + (RN_PLEN >>> 2)]!;
    const k = w + (RN_KEY >>> 2);
    if (((a0 ^ u32[k]!) & maskWord(np, 0)) !== 0) break;
    if (np > 32) {
      if (((a1 ^ u32[k + 1]!) & maskWord(np, 1)) !== 0) break;
      if (np > 64) {
        if (((a2 ^ u32[k + 2]!) & maskWord(np, 2)) !== 0) break;
        if (np > 96 && ((a3 ^ u32[k + 3]!) & maskWord(np, 3)) !== 0) break;
      }
    }
    const nh = Atomics.load(u32, w + (RN_NH >>> 2));
    if (nh !== 0) best = nh;
    if (np >= 128) break;
    const word = np < 32 ? a0 : np < 64 ? a1 : np < 96 ? a2 : a3;
    n = Atomics.load(u32, w + (RN_CHILD0 >>> 2) + ((word >>> (31 - (np & 31))) & 1));
  }
  return best;
}

export function rt_walk(m: Mem, head: number, out: number, max: number): number {
  return walkNode(m, ld32(m, head + RH_ROOT), out, max, 0);
}

function walkNode(m: Mem, n: number, out: number, max: number, count: number): number {
  if (n === 0) return count;
  const nh = ld32(m, n + RN_NH);
  if (nh !== 0) {
    if (count < max) {
      const r = out + count * RT_WALK_REC;
      for (let o = 0; o < 16; o += 4) st32(m, r + o, ld32(m, n + RN_KEY + o));
      st32(m, r + 16, ld32(m, n + RN_PLEN));
      st32(m, r + 20, nh);
    }
    count++;
  }
  count = walkNode(m, ld32(m, n + RN_CHILD0), out, max, count);
  return walkNode(m, ld32(m, n + RN_CHILD1), out, max, count);
}

export function rt_match4(m: Mem, head: number, a: number): number {
  let n = ald32(m, head + RH_ROOT);
  let best = 0;
  while (n !== 0) {
    const np = ld32(m, n + RN_PLEN);
    const mask = np === 0 ? 0 : 0xffffffff << (32 - np);
    if (((a ^ ld32(m, n + RN_KEY)) & mask) !== 0) break;
    if (ald32(m, n + RN_NH) !== 0) best = n;
    if (np >= 32) break;
    n = ald32(m, n + RN_CHILD0 + (((a >>> (31 - np)) & 1) << 2));
  }
  return best;
}

export function rt_match6(m: Mem, head: number, addrPtr: number): number {
  const a = [ld32be(m, addrPtr), ld32be(m, addrPtr + 4), ld32be(m, addrPtr + 8), ld32be(m, addrPtr + 12)];
  let n = ald32(m, head + RH_ROOT);
  let best = 0;
  while (n !== 0) {
    const np = ld32(m, n + RN_PLEN);
    if (firstDiff(m, n, a, np) !== np) break;
    if (ald32(m, n + RN_NH) !== 0) best = n;
    if (np >= 128) break;
    n = ald32(m, n + RN_CHILD0 + (bitOf(a, np) << 2));
  }
  return best;
}
