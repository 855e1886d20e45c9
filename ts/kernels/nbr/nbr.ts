// TS twin of assembly/nbr/nbr.ts (neighbor table: (address, ifindex) -> MAC).
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
} from '../../../assembly/layout/nbr.js';
import { type Mem, ld32, st32, ld16, st16, ald32, ast32 } from '../util/mem.js';
import { hash_combine } from '../util/hash.js';

export function nb_init(m: Mem, t: number, cap: number): void {
  st32(m, t + NBH_CAP, cap);
  st32(m, t + NBH_COUNT, 0);
  st32(m, t + NBH_TOMBS, 0);
  m.u8.fill(0, t + NBH_SIZE, t + NBH_SIZE + cap * NB_SIZE);
}

function slotHash(a0: number, a1: number, a2: number, a3: number, ifindex: number, v6: number): number {
  let h = hash_combine((ifindex | v6) >>> 0, a0 >>> 0);
  if (v6) h = hash_combine(hash_combine(hash_combine(h, a1 >>> 0), a2 >>> 0), a3 >>> 0);
  return h;
}

export function nb_find(
  m: Mem,
  t: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  ifindex: number,
  v6: number,
): number {
  const mask = ld32(m, t + NBH_CAP) - 1;
  let i = slotHash(a0, a1, a2, a3, ifindex, v6) & mask;
  const want = NBS_VALID | v6;
  for (;;) {
    const e = t + NBH_SIZE + i * NB_SIZE;
    const st = ald32(m, e + NB_STATE);
    if (st === NBS_EMPTY) return 0;
    if (
      st === want &&
      ld32(m, e + NB_IF) === ifindex &&
      ld32(m, e + NB_KEY) === a0 >>> 0 &&
      (v6 === 0 ||
        (ld32(m, e + NB_KEY + 4) === a1 >>> 0 &&
          ld32(m, e + NB_KEY + 8) === a2 >>> 0 &&
          ld32(m, e + NB_KEY + 12) === a3 >>> 0))
    )
      return e;
    i = (i + 1) & mask;
  }
}

/** Whether entry c (a hint's word; 0 = none) is the live entry for IPv4 address a0 on ifindex. */
export function nb_hint4_ok(m: Mem, c: number, a0: number, ifindex: number): boolean {
  return (
    c !== 0 &&
    ald32(m, c + NB_STATE) === NBS_VALID &&
    ld32(m, c + NB_IF) === ifindex &&
    ld32(m, c + NB_KEY) === a0 >>> 0
  );
}

/**
 * nb_find for an IPv4 key, first trying the entry whose address the word at `hint` holds (a
 * nexthop's NH_NBR: NetBSD's rt_llinfo, Linux's dst neighbour), which is used only if it is still
 * the live entry for this key: a deleted one is LIMBO until a grace period has passed, and a slot
 * reused after it fails the key check (its key is written before its state is published). A miss
 * probes the table and stores what it found (0 too) as the new hint. Lock-free.
 */
export function nb_find4_hinted(m: Mem, t: number, hint: number, a0: number, ifindex: number): number {
  const c = ld32(m, hint);
  if (nb_hint4_ok(m, c, a0, ifindex)) return c;
  const e = nb_find(m, t, a0, 0, 0, 0, ifindex, 0);
  if (e !== c) st32(m, hint, e);
  return e;
}

export function nb_set(
  m: Mem,
  t: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  ifindex: number,
  v6: number,
  macPtr: number,
): number {
  const e0 = nb_find(m, t, a0, a1, a2, a3, ifindex, v6);
  if (e0 !== 0) {
    st32(m, e0 + NB_MAC, ld32(m, macPtr));
    st16(m, e0 + NB_MAC + 4, ld16(m, macPtr + 4));
    return 0;
  }
  const cap = ld32(m, t + NBH_CAP);
  if ((ld32(m, t + NBH_COUNT) + ld32(m, t + NBH_TOMBS) + 1) * 4 > cap * 3) return 0xffffffff;
  const mask = cap - 1;
  let i = slotHash(a0, a1, a2, a3, ifindex, v6) & mask;
  for (;;) {
    const e = t + NBH_SIZE + i * NB_SIZE;
    const st = ld32(m, e + NB_STATE);
    if (st === NBS_EMPTY || st === NBS_TOMB) {
      st32(m, e + NB_KEY, a0);
      st32(m, e + NB_KEY + 4, v6 ? a1 : 0);
      st32(m, e + NB_KEY + 8, v6 ? a2 : 0);
      st32(m, e + NB_KEY + 12, v6 ? a3 : 0);
      st32(m, e + NB_IF, ifindex);
      st32(m, e + NB_MAC, ld32(m, macPtr));
      st16(m, e + NB_MAC + 4, ld16(m, macPtr + 4));
      st16(m, e + NB_MAC + 6, 0);
      if (st === NBS_TOMB) st32(m, t + NBH_TOMBS, ld32(m, t + NBH_TOMBS) - 1);
      ast32(m, e + NB_STATE, NBS_VALID | v6);
      st32(m, t + NBH_COUNT, ld32(m, t + NBH_COUNT) + 1);
      return 1;
    }
    i = (i + 1) & mask;
  }
}

export function nb_del(
  m: Mem,
  t: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  ifindex: number,
  v6: number,
): number {
  const e = nb_find(m, t, a0, a1, a2, a3, ifindex, v6);
  if (e === 0) return 0;
  ast32(m, e + NB_STATE, NBS_LIMBO);
  st32(m, t + NBH_COUNT, ld32(m, t + NBH_COUNT) - 1);
  st32(m, t + NBH_TOMBS, ld32(m, t + NBH_TOMBS) + 1);
  return 1;
}

function nbSlot(t: number, i: number): number {
  return t + NBH_SIZE + i * NB_SIZE;
}

export function nb_reclaim(m: Mem, t: number): number {
  const cap = ld32(m, t + NBH_CAP);
  const mask = cap - 1;
  for (let i = 0; i < cap; i++) {
    if (ld32(m, nbSlot(t, i) + NB_STATE) === NBS_LIMBO) ast32(m, nbSlot(t, i) + NB_STATE, NBS_TOMB);
  }
  let freed = 0;
  for (let i = 0; i < cap; i++) {
    if (ld32(m, nbSlot(t, i) + NB_STATE) !== NBS_EMPTY) continue;
    let j = (i - 1) & mask;
    while (ld32(m, nbSlot(t, j) + NB_STATE) === NBS_TOMB) {
      ast32(m, nbSlot(t, j) + NB_STATE, NBS_EMPTY);
      freed++;
      j = (j - 1) & mask;
    }
  }
  st32(m, t + NBH_TOMBS, ld32(m, t + NBH_TOMBS) - freed);
  return freed;
}
