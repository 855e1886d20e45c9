// Neighbor table (the ARP/NDP cache, kept apart from the routing table as NetBSD's lltable is):
// (address, ifindex) -> MAC. Open addressing with linear probing. TS twin: ts/kernels/nbr/nbr.ts.
//
// Concurrency: one writer (the control plane, under its lock); readers probe without locks. A new
// entry is written fully before its NB_STATE word is published with an atomic store. A delete turns
// the state into NBS_LIMBO: readers skip it like a tombstone, and the writer does not reuse it, since
// a reader may still be comparing its key or reading its MAC. After a grace period (every batch that
// could have seen the entry has ended) the writer calls nb_reclaim: limbo slots become tombstones,
// free for reuse, and a tombstone followed by an empty slot becomes empty (no probe sequence needs
// it: a probe that reached it would stop at the empty slot next anyway), so churn never fills the
// table. A MAC change rewrites 6 bytes in place, so a reader racing it may see a torn MAC for one
// frame — acceptable for a neighbor that is changing address anyway. Readers write one thing: NB_USED,
// set (only when clear) by a frame that used the entry, for the control plane's NUD.
// Table order: addresses are host-order words (v4 in word 0), like the radix tree and nexthops.

import {
  NBH_CAP,
  NBH_COUNT,
  NBH_TOMBS,
  NBH_SIZE,
  NB_SIZE,
  NB_KEY,
  NB_IF,
  NB_STATE,
  NB_MAC,
  NBS_EMPTY,
  NBS_VALID,
  NBS_TOMB,
  NBS_LIMBO,
} from '../layout';
import { ld32, st32, ld16, st16, ald32, ast32 } from '../util/mem';
import { hash_combine } from '../util/hash';

export function nb_init(t: usize, cap: u32): void {
  st32(t + NBH_CAP, cap);
  st32(t + NBH_COUNT, 0);
  st32(t + NBH_TOMBS, 0);
  memory.fill(t + NBH_SIZE, 0, <usize>cap * NB_SIZE);
}

@inline function slotHash(a0: u32, a1: u32, a2: u32, a3: u32, ifindex: u32, v6: u32): u32 {
  let h = hash_combine(ifindex | v6, a0);
  if (v6) h = hash_combine(hash_combine(hash_combine(h, a1), a2), a3);
  return h;
}

/** Finds the live entry for the key, or 0. Lock-free. */
export function nb_find(t: usize, a0: u32, a1: u32, a2: u32, a3: u32, ifindex: u32, v6: u32): usize {
  const mask = ld32(t + NBH_CAP) - 1;
  let i = slotHash(a0, a1, a2, a3, ifindex, v6) & mask;
  const want = NBS_VALID | v6;
  while (true) {
    const e = t + NBH_SIZE + <usize>i * NB_SIZE;
    const st = ald32(e + NB_STATE);
    if (st == NBS_EMPTY) return 0;
    if (
      st == want &&
      ld32(e + NB_IF) == ifindex &&
      ld32(e + NB_KEY) == a0 &&
      (v6 == 0 || (ld32(e + NB_KEY + 4) == a1 && ld32(e + NB_KEY + 8) == a2 && ld32(e + NB_KEY + 12) == a3))
    )
      return e;
    i = (i + 1) & mask;
  }
}

/** Whether entry c (a hint's word; 0 = none) is the live entry for IPv4 address a0 on ifindex. */
@inline export function nb_hint4_ok(c: usize, a0: u32, ifindex: u32): bool {
  return c != 0 && ald32(c + NB_STATE) == NBS_VALID && ld32(c + NB_IF) == ifindex && ld32(c + NB_KEY) == a0;
}

/**
 * nb_find for an IPv4 key, first trying the entry whose address the word at `hint` holds (a
 * nexthop's NH_NBR: NetBSD's rt_llinfo, Linux's dst neighbour), which is used only if it is still
 * the live entry for this key: a deleted one is LIMBO until a grace period has passed, and a slot
 * reused after it fails the key check (its key is written before its state is published). A miss
 * probes the table and stores what it found (0 too) as the new hint. Lock-free.
 */
export function nb_find4_hinted(t: usize, hint: usize, a0: u32, ifindex: u32): usize {
  const c = <usize>ld32(hint);
  if (nb_hint4_ok(c, a0, ifindex)) return c;
  const e = nb_find(t, a0, 0, 0, 0, ifindex, 0);
  if (e != c) st32(hint, <u32>e);
  return e;
}

/**
 * Adds or updates (address words, ifindex) -> MAC at macPtr. v6 is 0 or NBS_V6.
 * Returns 1 when added, 0 when updated, 0xffffffff when the table is too full (3/4 used).
 * Caller holds the writer lock.
 */
export function nb_set(t: usize, a0: u32, a1: u32, a2: u32, a3: u32, ifindex: u32, v6: u32, macPtr: usize): u32 {
  const e0 = nb_find(t, a0, a1, a2, a3, ifindex, v6);
  if (e0 != 0) {
    store<u32>(e0 + NB_MAC, load<u32>(macPtr));
    st16(e0 + NB_MAC + 4, ld16(macPtr + 4));
    return 0;
  }
  const cap = ld32(t + NBH_CAP);
  if ((ld32(t + NBH_COUNT) + ld32(t + NBH_TOMBS) + 1) * 4 > cap * 3) return 0xffffffff;
  const mask = cap - 1;
  let i = slotHash(a0, a1, a2, a3, ifindex, v6) & mask;
  while (true) {
    const e = t + NBH_SIZE + <usize>i * NB_SIZE;
    const st = ld32(e + NB_STATE);
    if (st == NBS_EMPTY || st == NBS_TOMB) {
      // A tombstone may be reused: readers probing past it for another key still find that key,
      // since we only write this slot's key fields before publishing its state.
      st32(e + NB_KEY, a0);
      st32(e + NB_KEY + 4, v6 ? a1 : 0);
      st32(e + NB_KEY + 8, v6 ? a2 : 0);
      st32(e + NB_KEY + 12, v6 ? a3 : 0);
      st32(e + NB_IF, ifindex);
      store<u32>(e + NB_MAC, load<u32>(macPtr));
      st16(e + NB_MAC + 4, ld16(macPtr + 4));
      st16(e + NB_MAC + 6, 0);
      if (st == NBS_TOMB) st32(t + NBH_TOMBS, ld32(t + NBH_TOMBS) - 1); // a limbo slot is never reused
      ast32(e + NB_STATE, NBS_VALID | v6);
      st32(t + NBH_COUNT, ld32(t + NBH_COUNT) + 1);
      return 1;
    }
    i = (i + 1) & mask;
  }
}

/** Deletes the entry; returns 1 if it existed. Caller holds the writer lock. */
export function nb_del(t: usize, a0: u32, a1: u32, a2: u32, a3: u32, ifindex: u32, v6: u32): u32 {
  const e = nb_find(t, a0, a1, a2, a3, ifindex, v6);
  if (e == 0) return 0;
  ast32(e + NB_STATE, NBS_LIMBO);
  st32(t + NBH_COUNT, ld32(t + NBH_COUNT) - 1);
  st32(t + NBH_TOMBS, ld32(t + NBH_TOMBS) + 1);
  return 1;
}

@inline function nbSlot(t: usize, i: u32): usize {
  return t + NBH_SIZE + <usize>i * NB_SIZE;
}

/**
 * Frees what nb_del retired: limbo slots become reusable tombstones, and tombstones that end a probe
 * chain (an empty slot follows) become empty. Returns the slots emptied. Caller holds the writer
 * lock and guarantees a grace period since the deletes (or that no reader runs).
 */
export function nb_reclaim(t: usize): u32 {
  const cap = ld32(t + NBH_CAP);
  const mask = cap - 1;
  for (let i: u32 = 0; i < cap; i++) {
    if (ld32(nbSlot(t, i) + NB_STATE) == NBS_LIMBO) ast32(nbSlot(t, i) + NB_STATE, NBS_TOMB);
  }
  let freed: u32 = 0;
  for (let i: u32 = 0; i < cap; i++) {
    if (ld32(nbSlot(t, i) + NB_STATE) != NBS_EMPTY) continue;
    let j = (i - 1) & mask;
    while (ld32(nbSlot(t, j) + NB_STATE) == NBS_TOMB) {
      ast32(nbSlot(t, j) + NB_STATE, NBS_EMPTY);
      freed++;
      j = (j - 1) & mask;
    }
  }
  st32(t + NBH_TOMBS, ld32(t + NBH_TOMBS) - freed);
  return freed;
}
