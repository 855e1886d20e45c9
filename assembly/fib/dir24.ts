// Compiled IPv4 FIB: DIR-24-8, built from and kept in step with the radix tree (the RIB).
// Layout and reader protocol: assembly/layout/fib4.ts (F4_*). TS twin: ts/kernels/fib/dir24.ts.
//
// Why DIR-24-8: an Internet table is mostly /24 and shorter, so one 16-bit read answers nearly
// every lookup and a second read (a 256-entry group) the rest; 32 MiB for tbl24 buys that at any
// table size. Updates never store a depth per entry: fillRange recomputes the changed prefix's
// range by walking the radix subtree beneath it, painting each address exactly once with its
// final longest-prefix answer — so a concurrent reader sees, per address, the old or the new
// answer and never a transient third one.
//
// Writers: one at a time (the control plane's route lock), right after the radix change.

import {
  F4_TBL24,
  F4_TBL8,
  F4_GROUPS,
  F4_FREE,
  F4_NFREE,
  F4_LIMBO,
  F4_NLIMBO,
  F4_RT,
  F4_EXT,
  F4_MAX_NH,
  RH_ROOT,
  RN_KEY,
  RN_PLEN,
  RN_NH,
  RN_CHILD0,
  RN_CHILD1,
} from '../layout';
import { ld32, st32, ld32be } from '../util/mem';

@inline function mask4(plen: u32): u32 {
  return plen == 0 ? 0 : (<u32>0xffffffff) << (32 - plen);
}

/** Longest-prefix match: the nexthop id for host-order address a, 0 when no route. Lock-free. */
export function fib4_lookup(f: usize, a: u32): u32 {
  const e = <u32>atomic.load<u16>(<usize>ld32(f + F4_TBL24) + ((<usize>(a >>> 8)) << 1));
  if ((e & F4_EXT) == 0) return e;
  return <u32>atomic.load<u16>(<usize>ld32(f + F4_TBL8) + ((<usize>(e & 0x7fff)) << 9) + ((<usize>(a & 255)) << 1));
}

/** Sets up an empty FIB over `rt` (the IPv4 radix head); every group starts free. */
export function fib4_init(
  f: usize,
  tbl24: usize,
  tbl8: usize,
  groups: u32,
  freeStack: usize,
  limbo: usize,
  rt: usize,
): void {
  st32(f + F4_TBL24, <u32>tbl24);
  st32(f + F4_TBL8, <u32>tbl8);
  st32(f + F4_GROUPS, groups);
  st32(f + F4_FREE, <u32>freeStack);
  st32(f + F4_LIMBO, <u32>limbo);
  st32(f + F4_RT, <u32>rt);
  resetGroups(f);
  memory.fill(tbl24, 0, (<usize>1) << 25);
}

function resetGroups(f: usize): void {
  const groups = ld32(f + F4_GROUPS);
  const fs = <usize>ld32(f + F4_FREE);
  for (let i: u32 = 0; i < groups; i++) st32(fs + ((<usize>i) << 2), groups - 1 - i);
  st32(f + F4_NFREE, groups);
  st32(f + F4_NLIMBO, 0);
}

@inline function put16(p: usize, v: u32, bulk: bool): void {
  if (bulk) store<u16>(p, <u16>v);
  else atomic.store<u16>(p, <u16>v);
}

/** Paints every address of k/plen with nh. Returns false when a tbl8 group was needed and none is free. */
function paint(f: usize, k: u32, plen: u32, nh: u32, bulk: bool): bool {
  const tb24 = <usize>ld32(f + F4_TBL24);
  const tb8 = <usize>ld32(f + F4_TBL8);
  if (plen <= 24) {
    const start = k >>> 8;
    const end = start + ((<u32>1) << (24 - plen));
    for (let i = start; i < end; i++) {
      const p = tb24 + ((<usize>i) << 1);
      const e = <u32>load<u16>(p);
      if (e & F4_EXT) {
        const g = tb8 + ((<usize>(e & 0x7fff)) << 9);
        for (let j: usize = 0; j < 512; j += 2) put16(g + j, nh, bulk);
      } else if (e != nh) {
        put16(p, nh, bulk);
      }
    }
    return true;
  }
  const p = tb24 + ((<usize>(k >>> 8)) << 1);
  let e = <u32>load<u16>(p);
  if ((e & F4_EXT) == 0) {
    // extend the /24: a group holding its current answer everywhere, published only once full
    const n = ld32(f + F4_NFREE);
    if (n == 0) return false;
    const g = ld32(<usize>ld32(f + F4_FREE) + ((<usize>(n - 1)) << 2));
    st32(f + F4_NFREE, n - 1);
    const gp = tb8 + ((<usize>g) << 9);
    for (let j: usize = 0; j < 512; j += 2) store<u16>(gp + j, <u16>e);
    e = F4_EXT | g;
    put16(p, e, bulk);
  }
  const gp = tb8 + ((<usize>(e & 0x7fff)) << 9);
  const start = k & 255;
  const end = start + ((<u32>1) << (32 - plen));
  for (let j = start; j < end; j++) put16(gp + ((<usize>j) << 1), nh, bulk);
  return true;
}

/**
 * Paints k/plen so every address gets its longest-prefix answer: `v` where no route node of the
 * subtree `n` (the top-most radix node inside k/plen, or 0) covers it. Each address is written once.
 */
function fillRange(f: usize, k: u32, plen: u32, v: u32, n: usize, bulk: bool): bool {
  if (n == 0) return paint(f, k, plen, v, bulk);
  const np = ld32(n + RN_PLEN);
  if (np == plen) {
    const nh = ld32(n + RN_NH);
    const w = nh != 0 ? nh : v;
    const c0 = <usize>ld32(n + RN_CHILD0);
    const c1 = <usize>ld32(n + RN_CHILD1);
    // a leaf paints its range whole (splitting a /24 would make a tbl8 group for nothing)
    if (plen == 32 || (c0 | c1) == 0) return paint(f, k, plen, w, bulk);
    const hi = k | ((<u32>1) << (31 - plen));
    return fillRange(f, k, plen + 1, w, c0, bulk) && fillRange(f, hi, plen + 1, w, c1, bulk);
  }
  // n lies deeper: split the range at bit plen; the half holding n recurses, the other is plain
  const hi = k | ((<u32>1) << (31 - plen));
  if ((ld32(n + RN_KEY) >>> (31 - plen)) & 1) {
    return paint(f, k, plen + 1, v, bulk) && fillRange(f, hi, plen + 1, v, n, bulk);
  }
  return fillRange(f, k, plen + 1, v, n, bulk) && paint(f, hi, plen + 1, v, bulk);
}

/** Groups whose 256 answers became equal are folded back into tbl24 and sent to limbo. */
function collapse(f: usize, k: u32, plen: u32): void {
  const tb24 = <usize>ld32(f + F4_TBL24);
  const tb8 = <usize>ld32(f + F4_TBL8);
  const start = k >>> 8;
  const end = plen <= 24 ? start + ((<u32>1) << (24 - plen)) : start + 1;
  for (let i = start; i < end; i++) {
    const p = tb24 + ((<usize>i) << 1);
    const e = <u32>load<u16>(p);
    if ((e & F4_EXT) == 0) continue;
    const g = e & 0x7fff;
    const gp = tb8 + ((<usize>g) << 9);
    const first = <u32>load<u16>(gp);
    let same = true;
    for (let j: usize = 2; j < 512; j += 2)
      if (<u32>load<u16>(gp + j) != first) {
        same = false;
        break;
      }
    if (!same) continue;
    atomic.store<u16>(p, <u16>first);
    const nl = ld32(f + F4_NLIMBO);
    st32(<usize>ld32(f + F4_LIMBO) + ((<usize>nl) << 2), g);
    st32(f + F4_NLIMBO, nl + 1);
  }
}

/**
 * Brings the FIB in line with the radix tree for the prefix at keyPtr (4 bytes, wire order)/plen,
 * after that route was added, changed or deleted there. Returns 0, or 1 when tbl8 groups ran out
 * (the FIB is then inconsistent for that prefix: the caller must rebuild with more groups).
 */
export function fib4_update(f: usize, keyPtr: usize, plen: u32): u32 {
  const k = ld32be(keyPtr) & mask4(plen);
  const head = <usize>ld32(f + F4_RT);
  // the answer inherited from routes shorter than plen, and the top-most node inside k/plen
  let n = <usize>ld32(head + RH_ROOT);
  let inh: u32 = 0;
  while (n != 0) {
    const np = ld32(n + RN_PLEN);
    if (np >= plen) break;
    if (((k ^ ld32(n + RN_KEY)) & mask4(np)) != 0) {
      n = 0;
      break;
    }
    const nh = ld32(n + RN_NH);
    if (nh != 0) inh = nh;
    n = <usize>ld32(n + RN_CHILD0 + ((<usize>((k >>> (31 - np)) & 1)) << 2));
  }
  if (n != 0 && ((ld32(n + RN_KEY) ^ k) & mask4(plen)) != 0) n = 0;
  if (!fillRange(f, k, plen, inh, n, false)) return 1;
  collapse(f, k, plen);
  return 0;
}

/** Rebuilds the whole FIB from the radix tree (bulk loads; no concurrent readers). Returns 0 or 1 as fib4_update. */
export function fib4_build(f: usize): u32 {
  resetGroups(f);
  memory.fill(<usize>ld32(f + F4_TBL24), 0, (<usize>1) << 25);
  if (!fillRange(f, 0, 0, 0, <usize>ld32(<usize>ld32(f + F4_RT) + RH_ROOT), true)) return 1;
  collapse(f, 0, 0);
  fib4_reclaim(f); // nothing has read the groups collapse just freed
  return 0;
}

/**
 * Frees the groups in limbo: poisons them (F4_MAX_NH, an id no route uses) and returns them to the
 * free stack. Caller guarantees a grace period has passed since they were unlinked.
 */
export function fib4_reclaim(f: usize): u32 {
  const nl = ld32(f + F4_NLIMBO);
  const tb8 = <usize>ld32(f + F4_TBL8);
  const fs = <usize>ld32(f + F4_FREE);
  const limbo = <usize>ld32(f + F4_LIMBO);
  let nf = ld32(f + F4_NFREE);
  for (let i: u32 = 0; i < nl; i++) {
    const g = ld32(limbo + ((<usize>i) << 2));
    const gp = tb8 + ((<usize>g) << 9);
    for (let j: usize = 0; j < 512; j += 2) store<u16>(gp + j, <u16>F4_MAX_NH);
    st32(fs + ((<usize>nf) << 2), g);
    nf++;
  }
  st32(f + F4_NFREE, nf);
  st32(f + F4_NLIMBO, 0);
  return nl;
}
