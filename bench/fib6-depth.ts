// Where the 200k-route IPv6 FIB's lookups go, counted rather than timed: `node dist/bench/fib6-depth.js
// [DIR]` (DIR: another built checkout whose Stack to load, as fib6-ab.ts does; default this one) loads bench/fib.ts's 200k generated routes and 65,536 random destinations (as fib6-ab.ts), then
// follows each lookup through the compiled FIB's memory (assembly/layout/fib6.ts) the way
// fib6_lookup does, and counts the dependent reads: where it settles (the tbl16 word, the /24
// bitmap, a chunk at hash level 1, 2, ..., the radix tree) and how many hash slots it reads. A
// lookup settled by the tbl16 word or the bitmap costs reads in 256 KiB and 2 MiB; each hash level
// is one random read in the chunk hash (mostly a TLB miss at this size). Also the hash's entries by
// kind (chunk entries, route slots). Checks its own walk against fib6_lookup_batch first.
import {
  F6_HASH,
  F6_F24,
  F6_LEN_MASK,
  F6_NH_MASK,
  F6_RADIX,
  F6_ROUTE_SHIFT,
  F6_SLOTS,
  F6_TBL16,
  F6_TOMB,
} from '../assembly/layout.js';
import { resolve } from 'node:path';
import { fib6_hash, fib6_slot } from '../ts/kernels/fib/fib6.js';
import { isMain, table } from './common.js';
import { N_ADDR, addrs6 } from './fib.js';
import { loadStack6 } from './fib6-ab.js';

const mask = (x: number, len: number): number =>
  len <= 0 ? 0 : len >= 32 ? x >>> 0 : (x & (0xffffffff << (32 - len))) >>> 0;

export async function fib6Depth(dir = resolve(import.meta.dirname, '../..')): Promise<void> {
  const { stack, specs } = await loadStack6(dir);
  const { k, L } = stack;
  const u32 = new Uint32Array(k.memory.buffer);
  const f = L.fib6.head >>> 2;
  const tbl = u32[f + (F6_TBL16 >>> 2)]! >>> 2;
  const tab = u32[f + (F6_HASH >>> 2)]! >>> 2;
  const slots = u32[f + (F6_SLOTS >>> 2)]!;
  const bm = u32[f + (F6_F24 >>> 2)]! >>> 2;
  let chunks = 0;
  let routeSlots = 0;
  for (let i = 0; i < slots; i++) {
    const t = u32[tab + i * 4]!;
    if (t === 0 || t === F6_TOMB) continue;
    if (t >>> F6_ROUTE_SHIFT) routeSlots++;
    else chunks++;
  }
  const addrs = addrs6(specs);
  const dv = new DataView(addrs.buffer, addrs.byteOffset);
  const where = new Map<string, number>();
  let slotReads = 0;
  const answers = new Uint32Array(N_ADDR);
  for (let i = 0; i < N_ADDR; i++) {
    const a0 = dv.getUint32(i * 16);
    const a1 = dv.getUint32(i * 16 + 4);
    let v = u32[tbl + (a0 >>> 16)]!;
    let at = 'tbl16 word';
    let levels = 0;
    if (v >>> 24 !== 0 && bm !== 0 && ((u32[bm + (a0 >>> 13)]! >>> ((a0 >>> 8) & 31)) & 1) === 0) {
      at = '/24 bitmap';
      v &= F6_NH_MASK;
    }
    while (v >>> 24 !== 0 && v >>> 24 !== F6_RADIX) {
      const next = v >>> 24;
      const k0 = mask(a0, next);
      const k1 = mask(a1, next - 32);
      levels++;
      let s = fib6_slot(fib6_hash(k0, k1, next), slots);
      for (;;) {
        slotReads++;
        const w = tab + s * 4;
        const t = u32[w]!;
        if (t === 0) {
          v &= F6_NH_MASK;
          break;
        }
        if ((t & F6_LEN_MASK) === next && mask(u32[w + 2]!, next) === k0 && mask(u32[w + 3]!, next - 32) === k1) {
          const r = t >>> F6_ROUTE_SHIFT;
          const inside = r === 0 || (mask(a0 ^ u32[w + 2]!, r) === 0 && mask(a1 ^ u32[w + 3]!, r - 32) === 0);
          v = inside ? u32[w + 1]! : v & F6_NH_MASK;
          break;
        }
        s = s + 1 === slots ? 0 : s + 1;
      }
      at = `hash, ${levels} level${levels > 1 ? 's' : ''}`;
    }
    if (v >>> 24 === F6_RADIX) at = 'radix tree';
    else answers[i] = v;
    where.set(at, (where.get(at) ?? 0) + 1);
  }
  // the walk must be the kernel's: same answers (radix-settled ones aside)
  const base = L.clusters;
  const out = base + N_ADDR * 16;
  new Uint8Array(k.memory.buffer).set(addrs, base);
  k.fib6_lookup_batch(L.fib6.head, base, out, N_ADDR);
  const got = new Uint32Array(k.memory.buffer, out, N_ADDR);
  for (let i = 0; i < N_ADDR; i++)
    if (answers[i] !== 0 && got[i] !== answers[i]) throw new Error(`walk and fib6_lookup_batch disagree at #${i}`);
  console.log(
    `200k IPv6 routes: ${slots} hash slots (${((slots * 16) / 2 ** 20).toFixed(1)} MiB), ${chunks} chunk entries, ${routeSlots} route slots (${((chunks + routeSlots) / specs.length).toFixed(2)} per route)`,
  );
  const rows = [...where.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([w, c]) => [w, c, `${((100 * c) / N_ADDR).toFixed(1)}%`]);
  console.log(table(['settled at', 'lookups', 'share'], rows));
  console.log(`  hash slots read per lookup: ${(slotReads / N_ADDR).toFixed(2)} (${N_ADDR} random destinations)`);
}

if (isMain(import.meta.url)) await fib6Depth(process.argv[2]);
