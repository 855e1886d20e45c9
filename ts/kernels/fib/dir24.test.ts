// Compiled IPv4 FIB (DIR-24-8): after every route add or delete, incremental updates must answer
// exactly what the radix tree answers (and what a linear scan answers), on both engines; a bulk
// build must agree too; and the two engines must leave the same memory.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { F4_SIZE, LAYOUT_BASE, NP_SIZE, RH_SIZE, RN_SIZE } from '../../../assembly/layout.js';
import { Arena } from '../../stack/arena.js';
import { type Kernels, makeKernels } from '../../stack/kernels.js';
import { createMemory } from '../../stack/wasm.js';

const GROUPS = 64;
const CAP = 4096;

function fib(engine: 'wasm' | 'ts') {
  const memory = createMemory(LAYOUT_BASE + (1 << 25) + GROUPS * 520 + CAP * 40 + (1 << 20));
  const k: Kernels = makeKernels(engine, memory);
  const a = new Arena(LAYOUT_BASE, memory.buffer.byteLength);
  const pool = a.alloc(NP_SIZE);
  k.rt_pool_init(pool, a.alloc(CAP * RN_SIZE), CAP, a.alloc(CAP * 4));
  const rt = a.alloc(RH_SIZE);
  k.rt_init(rt, pool, 32);
  const f = a.alloc(F4_SIZE);
  k.fib4_init(f, a.alloc(1 << 25), a.alloc(GROUPS * 512), GROUPS, a.alloc(GROUPS * 4), a.alloc(GROUPS * 4), rt);
  const key = a.alloc(4);
  const dv = new DataView(memory.buffer);
  const set = (addr: number, plen: number, nh: number) => {
    dv.setUint32(key, addr, false);
    const r = k.rt_set(rt, key, plen, nh, 1);
    return [r, k.fib4_update(f, key, plen)];
  };
  const del = (addr: number, plen: number) => {
    dv.setUint32(key, addr, false);
    const r = k.rt_del(rt, key, plen);
    return [r, k.fib4_update(f, key, plen)];
  };
  return { k, f, rt, pool, set, del, mem: new Uint8Array(memory.buffer), top: a.top };
}

const mask = (plen: number) => (plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0);

describe.each(['wasm', 'ts'] as const)('dir24 (%s)', (engine) => {
  test('short, /24 and longer prefixes; groups are made and folded back', () => {
    const t = fib(engine);
    t.set(0x0a000000, 8, 1);
    t.set(0x0a010200, 24, 2);
    t.set(0x0a010280, 25, 3);
    t.set(0x0a0102f0, 28, 4);
    t.set(0x0a0102f7, 32, 5);
    const L = (a: number) => t.k.fib4_lookup(t.f, a);
    expect([L(0x0a000001), L(0x0a010201), L(0x0a010281), L(0x0a0102f1), L(0x0a0102f7), L(0x0b000000)]).toEqual([
      1, 2, 3, 4, 5, 0,
    ]);
    t.del(0x0a010280, 25);
    t.del(0x0a0102f0, 28);
    t.del(0x0a0102f7, 32);
    expect([L(0x0a010281), L(0x0a0102f7)]).toEqual([2, 2]);
    expect(t.k.fib4_reclaim(t.f)).toBe(1); // the /24's group was folded back and freed
    t.set(0, 0, 9);
    expect([L(0x0b000000), L(0x0a000001), L(0xffffffff)]).toEqual([9, 1, 9]);
  });

  test('running out of groups is reported', () => {
    const t = fib(engine);
    let r = 0;
    for (let i = 0; i <= GROUPS && r === 0; i++) r = t.set(0x0a000080 + i * 256, 25, 7)[1]!;
    expect(r).toBe(1);
  });
});

type Op = { add: boolean; addr: number; plen: number; nh: number };
const opArb = fc.record({
  add: fc.boolean(),
  // a few networks, so prefixes nest; lengths weighted to /16-/32, occasionally very short
  addr: fc
    .oneof(fc.constantFrom(0x0a000000, 0x0a010200, 0xc0a80000, 0xc0a801f0), fc.integer({ min: 0, max: 0xffffffff }))
    .map((x) => x >>> 0),
  plen: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 16, max: 32 }) },
    { weight: 2, arbitrary: fc.integer({ min: 8, max: 15 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) },
  ),
  nh: fc.integer({ min: 1, max: 200 }),
});

describe('dir24 differential (FIB vs radix vs linear scan, WASM vs TS)', () => {
  test('random adds and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 20, maxLength: 20 }),
        (ops: Op[], probes) => {
          const w = fib('wasm');
          const s = fib('ts');
          const ref = new Map<string, { a: number; plen: number; nh: number }>();
          for (const op of ops) {
            const a = (op.addr & mask(op.plen)) >>> 0;
            if (op.add) {
              expect(w.set(op.addr, op.plen, op.nh)).toEqual(s.set(op.addr, op.plen, op.nh));
              ref.set(`${a}/${op.plen}`, { a, plen: op.plen, nh: op.nh });
            } else {
              expect(w.del(op.addr, op.plen)).toEqual(s.del(op.addr, op.plen));
              ref.delete(`${a}/${op.plen}`);
            }
            // probe random addresses and the edges of every route
            const pts = [...probes];
            for (const r of ref.values())
              pts.push(r.a, (r.a | ~mask(r.plen)) >>> 0, (r.a - 1) >>> 0, (r.a + 2 ** (32 - r.plen)) >>> 0);
            for (const p of pts) {
              let best = -1;
              let want = 0;
              for (const r of ref.values())
                if (r.plen > best && (p & mask(r.plen)) >>> 0 === r.a) {
                  best = r.plen;
                  want = r.nh;
                }
              expect(w.k.fib4_lookup(w.f, p)).toBe(want);
              expect(s.k.fib4_lookup(s.f, p)).toBe(want);
              expect(w.k.rt_lookup4(w.rt, p)).toBe(want);
            }
          }
          expect(Buffer.compare(w.mem.subarray(LAYOUT_BASE, w.top), s.mem.subarray(LAYOUT_BASE, s.top))).toBe(0);
          // a bulk build from the same radix tree answers the same
          const before = probes.map((p) => w.k.fib4_lookup(w.f, p));
          expect(w.k.fib4_build(w.f)).toBe(0);
          expect(s.k.fib4_build(s.f)).toBe(0);
          expect(probes.map((p) => w.k.fib4_lookup(w.f, p))).toEqual(before);
          expect(probes.map((p) => s.k.fib4_lookup(s.f, p))).toEqual(before);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('batched lookups', () => {
  test('random trees (also empty, also with a default route) and batch sizes: each slot of the radix batch answers what a single walk answers', () => {
    const t = fib('wasm');
    const base = LAYOUT_BASE + (1 << 25) + (1 << 19);
    const dv = new DataView(t.k.memory.buffer);
    const route = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
    fc.assert(
      fc.property(
        fc.array(route, { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 100 }),
        (routes, addrs) => {
          const added = routes.map(([a, p], i) => {
            const k = p === 0 ? 0 : (a & (0xffffffff << (32 - p))) >>> 0;
            t.set(k, p, 1 + (i % 30));
            return [k, p] as const;
          });
          addrs.forEach((a, i) => dv.setUint32(base + i * 4, a, true));
          dv.setUint32(base + 8192 + addrs.length * 4, 0xdeadbeef, true); // nothing is written past n
          t.k.rt_lookup4_batch(t.rt, base, base + 8192, addrs.length);
          for (let i = 0; i < addrs.length; i++)
            expect(dv.getUint32(base + 8192 + i * 4, true)).toBe(t.k.rt_lookup4(t.rt, addrs[i]!));
          expect(dv.getUint32(base + 8192 + addrs.length * 4, true)).toBe(0xdeadbeef);
          for (const [k, p] of added) t.del(k, p);
          t.k.rt_reclaim(t.pool);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('answer what single lookups answer, on both engines', () => {
    for (const engine of ['wasm', 'ts'] as const) {
      const t = fib(engine);
      t.set(0x0a000000, 8, 1);
      t.set(0x0a010280, 25, 2);
      t.set(0xc0000200, 24, 3);
      const n = 67; // not a multiple of the 8 interleaved lanes: the tail runs too
      const addrs = Array.from(
        { length: n },
        (_, i) => [0x0a000001, 0x0a010281, 0x0a010201, 0xc0000207, 0x08080808][i % 5]! + (i >> 3),
      );
      const base = LAYOUT_BASE + (1 << 25) + (1 << 19); // scratch beyond the tables
      const dv = new DataView(t.k.memory.buffer);
      addrs.forEach((a, i) => dv.setUint32(base + i * 4, a >>> 0, true));
      t.k.fib4_lookup_batch(t.f, base, base + 4096, n);
      t.k.rt_lookup4_batch(t.rt, base, base + 8192, n);
      for (let i = 0; i < n; i++) {
        const want = t.k.rt_lookup4(t.rt, addrs[i]! >>> 0);
        expect(dv.getUint32(base + 4096 + i * 4, true)).toBe(want);
        expect(dv.getUint32(base + 8192 + i * 4, true)).toBe(want);
      }
    }
  });
});
