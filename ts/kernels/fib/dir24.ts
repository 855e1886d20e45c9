// TS twin of assembly/fib/dir24.ts (compiled IPv4 FIB, DIR-24-8). Same layout, same writes.
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
} from '../../../assembly/layout.js';
import { type Mem, ld32, st32, ld32be } from '../util/mem.js';

const mask4 = (plen: number): number => (plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0);

export function fib4_lookup(m: Mem, f: number, a: number): number {
  const u16 = m.u16;
  const e = Atomics.load(u16, (ld32(m, f + F4_TBL24) >>> 1) + (a >>> 8));
  if ((e & F4_EXT) === 0) return e;
  return Atomics.load(u16, (ld32(m, f + F4_TBL8) >>> 1) + ((e & 0x7fff) << 8) + (a & 255));
}

export function fib4_init(
  m: Mem,
  f: number,
  tbl24: number,
  tbl8: number,
  groups: number,
  freeStack: number,
  limbo: number,
  rt: number,
): void {
  st32(m, f + F4_TBL24, tbl24);
  st32(m, f + F4_TBL8, tbl8);
  st32(m, f + F4_GROUPS, groups);
  st32(m, f + F4_FREE, freeStack);
  st32(m, f + F4_LIMBO, limbo);
  st32(m, f + F4_RT, rt);
  resetGroups(m, f);
  m.u8.fill(0, tbl24, tbl24 + (1 << 25));
}

function resetGroups(m: Mem, f: number): void {
  const groups = ld32(m, f + F4_GROUPS);
  const fs = ld32(m, f + F4_FREE);
  for (let i = 0; i < groups; i++) st32(m, fs + i * 4, groups - 1 - i);
  st32(m, f + F4_NFREE, groups);
  st32(m, f + F4_NLIMBO, 0);
}

function put16(m: Mem, p: number, v: number, bulk: boolean): void {
  if (bulk) m.u16[p >>> 1] = v;
  else Atomics.store(m.u16, p >>> 1, v);
}

function paint(m: Mem, f: number, k: number, plen: number, nh: number, bulk: boolean): boolean {
  const tb24 = ld32(m, f + F4_TBL24);
  const tb8 = ld32(m, f + F4_TBL8);
  const u16 = m.u16;
  if (plen <= 24) {
    const start = k >>> 8;
    const end = start + 2 ** (24 - plen);
    for (let i = start; i < end; i++) {
      const p = tb24 + i * 2;
      const e = u16[p >>> 1]!;
      if (e & F4_EXT) {
        const g = tb8 + (e & 0x7fff) * 512;
        for (let j = 0; j < 512; j += 2) put16(m, g + j, nh, bulk);
      } else if (e !== nh) {
        put16(m, p, nh, bulk);
      }
    }
    return true;
  }
  const p = tb24 + (k >>> 8) * 2;
  let e = u16[p >>> 1]!;
  if ((e & F4_EXT) === 0) {
    const n = ld32(m, f + F4_NFREE);
    if (n === 0) return false;
    const g = ld32(m, ld32(m, f + F4_FREE) + (n - 1) * 4);
    st32(m, f + F4_NFREE, n - 1);
    const gp = tb8 + g * 512;
    u16.fill(e, gp >>> 1, (gp >>> 1) + 256);
    e = F4_EXT | g;
    put16(m, p, e, bulk);
  }
  const gp = tb8 + (e & 0x7fff) * 512;
  const start = k & 255;
  const end = start + 2 ** (32 - plen);
  for (let j = start; j < end; j++) put16(m, gp + j * 2, nh, bulk);
  return true;
}

function fillRange(m: Mem, f: number, k: number, plen: number, v: number, n: number, bulk: boolean): boolean {
  if (n === 0) return paint(m, f, k, plen, v, bulk);
  const np = ld32(m, n + RN_PLEN);
  if (np === plen) {
    const nh = ld32(m, n + RN_NH);
    const w = nh !== 0 ? nh : v;
    const c0 = ld32(m, n + RN_CHILD0);
    const c1 = ld32(m, n + RN_CHILD1);
    if (plen === 32 || (c0 | c1) === 0) return paint(m, f, k, plen, w, bulk);
    const hi = (k | (1 << (31 - plen))) >>> 0;
    return fillRange(m, f, k, plen + 1, w, c0, bulk) && fillRange(m, f, hi, plen + 1, w, c1, bulk);
  }
  const hi = (k | (1 << (31 - plen))) >>> 0;
  if ((ld32(m, n + RN_KEY) >>> (31 - plen)) & 1) {
    return paint(m, f, k, plen + 1, v, bulk) && fillRange(m, f, hi, plen + 1, v, n, bulk);
  }
  return fillRange(m, f, k, plen + 1, v, n, bulk) && paint(m, f, hi, plen + 1, v, bulk);
}

function collapse(m: Mem, f: number, k: number, plen: number): void {
  const tb24 = ld32(m, f + F4_TBL24);
  const tb8 = ld32(m, f + F4_TBL8);
  const u16 = m.u16;
  const start = k >>> 8;
  const end = plen <= 24 ? start + 2 ** (24 - plen) : start + 1;
  for (let i = start; i < end; i++) {
    const p = tb24 + i * 2;
    const e = u16[p >>> 1]!;
    if ((e & F4_EXT) === 0) continue;
    const g = e & 0x7fff;
    const gi = (tb8 + g * 512) >>> 1;
    const first = u16[gi]!;
    let same = true;
    for (let j = 1; j < 256; j++)
      if (u16[gi + j] !== first) {
        same = false;
        break;
      }
    if (!same) continue;
    Atomics.store(u16, p >>> 1, first);
    const nl = ld32(m, f + F4_NLIMBO);
    st32(m, ld32(m, f + F4_LIMBO) + nl * 4, g);
    st32(m, f + F4_NLIMBO, nl + 1);
  }
}

export function fib4_update(m: Mem, f: number, keyPtr: number, plen: number): number {
  const k = (ld32be(m, keyPtr) & mask4(plen)) >>> 0;
  const head = ld32(m, f + F4_RT);
  let n = ld32(m, head + RH_ROOT);
  let inh = 0;
  while (n !== 0) {
    const np = ld32(m, n + RN_PLEN);
    if (np >= plen) break;
    if (((k ^ ld32(m, n + RN_KEY)) & mask4(np)) !== 0) {
      n = 0;
      break;
    }
    const nh = ld32(m, n + RN_NH);
    if (nh !== 0) inh = nh;
    n = ld32(m, n + RN_CHILD0 + (((k >>> (31 - np)) & 1) << 2));
  }
  if (n !== 0 && ((ld32(m, n + RN_KEY) ^ k) & mask4(plen)) !== 0) n = 0;
  if (!fillRange(m, f, k, plen, inh, n, false)) return 1;
  collapse(m, f, k, plen);
  return 0;
}

export function fib4_build(m: Mem, f: number): number {
  resetGroups(m, f);
  const t24 = ld32(m, f + F4_TBL24);
  m.u8.fill(0, t24, t24 + (1 << 25));
  if (!fillRange(m, f, 0, 0, 0, ld32(m, ld32(m, f + F4_RT) + RH_ROOT), true)) return 1;
  collapse(m, f, 0, 0);
  fib4_reclaim(m, f);
  return 0;
}

export function fib4_reclaim(m: Mem, f: number): number {
  const nl = ld32(m, f + F4_NLIMBO);
  const tb8 = ld32(m, f + F4_TBL8);
  const fs = ld32(m, f + F4_FREE);
  const limbo = ld32(m, f + F4_LIMBO);
  let nf = ld32(m, f + F4_NFREE);
  for (let i = 0; i < nl; i++) {
    const g = ld32(m, limbo + i * 4);
    m.u16.fill(F4_MAX_NH, (tb8 + g * 512) >>> 1, ((tb8 + g * 512) >>> 1) + 256);
    st32(m, fs + nf * 4, g);
    nf++;
  }
  st32(m, f + F4_NFREE, nf);
  st32(m, f + F4_NLIMBO, 0);
  return nl;
}
