// Compiled IPv6 FIB: after every route add or delete, the incremental update must answer exactly
// what the radix tree and a linear scan answer, on both engines' readers; a reader that looks up
// between any two of the writer's stores must get the old or the new answer, never a third; a bulk
// build must agree; tombstones must be reclaimed.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { F6_SIZE, F6E_SIZE, LAYOUT_BASE, NP_SIZE, RH_SIZE, RN_SIZE } from '../../../assembly/layout.js';
import { Arena } from '../../stack/arena.js';
import { Fib6Writer } from '../../stack/fib6-writer.js';
import { fib6_hash, fib6_slot } from './fib6.js';
import { type Kernels, makeKernels } from '../../stack/kernels.js';
import { createMemory } from '../../stack/wasm.js';

const CAP = 4096;
const SLOTS = 4096;

function fib(
  slots = SLOTS,
  memory = createMemory(LAYOUT_BASE + 2 * (65536 * 4 + slots * F6E_SIZE + (1 << 21)) + CAP * 40 + (1 << 20)),
) {
  const w = makeKernels('wasm', memory);
  const t = makeKernels('ts', memory);
  const a = new Arena(LAYOUT_BASE, memory.buffer.byteLength);
  const pool = a.alloc(NP_SIZE);
  w.rt_pool_init(pool, a.alloc(CAP * RN_SIZE), CAP, a.alloc(CAP * 4));
  const rt = a.alloc(RH_SIZE);
  w.rt_init(rt, pool, 128);
  const f = a.alloc(F6_SIZE);
  const tbl16 = a.alloc(65536 * 4);
  const hash = a.alloc(slots * F6E_SIZE);
  const f24 = a.alloc(1 << 21);
  const writer = new Fib6Writer(memory, f, tbl16, hash, slots, rt, f24);
  const key = a.alloc(16);
  // a second FIB over the same radix tree, for builds into an empty hash
  const f2 = a.alloc(F6_SIZE);
  const tbl16b = a.alloc(65536 * 4);
  const hash2 = a.alloc(slots * F6E_SIZE);
  const f24b = a.alloc(1 << 21);
  const freshBuild = () => {
    new Fib6Writer(memory, f2, tbl16b, hash2, slots, rt, f24b).build();
    return f2;
  };
  const u8 = new Uint8Array(memory.buffer);
  const put = (addr: bigint) => {
    for (let i = 0; i < 16; i++) u8[key + i] = Number((addr >> BigInt(8 * (15 - i))) & 0xffn);
    return key;
  };
  const k0 = (addr: bigint) => Number(addr >> 96n);
  const k1 = (addr: bigint) => Number((addr >> 64n) & 0xffffffffn);
  const set = (addr: bigint, plen: number, nh: number) => {
    w.rt_set(rt, put(addr), plen, nh, 1);
    writer.update(k0(addr), k1(addr), plen);
  };
  const del = (addr: bigint, plen: number) => {
    const r = w.rt_del(rt, put(addr), plen);
    writer.update(k0(addr), k1(addr), plen, false);
    return r;
  };
  const look = (k: Kernels, addr: bigint, head = f) => k.fib6_lookup(head, put(addr));
  const radix = (addr: bigint) => w.rt_lookup6(rt, put(addr));
  return {
    w,
    t,
    f,
    rt,
    pool,
    writer,
    set,
    del,
    look,
    radix,
    freshBuild,
    u32: new Uint32Array(memory.buffer),
    tbl16,
    hash,
    f24,
    slots,
  };
}

const ALL = (1n << 128n) - 1n;
const mask = (plen: number) => (plen === 0 ? 0n : (ALL << BigInt(128 - plen)) & ALL);
const v6 = (s: string) => {
  const [h, t = ''] = s.split('::');
  const parts = (p: string) => (p ? p.split(':').map((x) => BigInt(parseInt(x, 16))) : []);
  const hi = parts(h!);
  const lo = parts(t);
  const all = [...hi, ...Array(8 - hi.length - lo.length).fill(0n), ...lo];
  return all.reduce((acc, x) => (acc << 16n) | x, 0n);
};

describe('fib6', () => {
  test('nested /32, /48, /64 and host routes; tbl16-only and radix fallbacks', () => {
    const t = fib();
    t.set(v6('2001:db8::'), 32, 1);
    t.set(v6('2001:db8:1::'), 48, 2);
    t.set(v6('2001:db8:1:2::'), 64, 3);
    t.set(v6('2001:db8:1:2::5'), 128, 4); // longer than /64: the radix tree answers below that chunk
    t.set(v6('2000::'), 3, 5);
    t.set(v6('2400::'), 12, 6);
    const probes: [string, number][] = [
      ['2001:db8::1', 1],
      ['2001:db8:1::1', 2],
      ['2001:db8:1:2::1', 3],
      ['2001:db8:1:2::5', 4],
      ['2001:db8:1:2::6', 3],
      ['2001:db8:2::', 1],
      ['2001:db9::', 5],
      ['2400:1::', 6],
      ['3fff::', 5],
      ['fe80::1', 0],
      ['::', 0],
    ];
    for (const [a, want] of probes) {
      expect([a, t.look(t.w, v6(a))]).toEqual([a, want]);
      expect([a, t.look(t.t, v6(a))]).toEqual([a, want]);
    }
    t.del(v6('2001:db8:1::'), 48);
    t.del(v6('2001:db8:1:2::5'), 128);
    expect(t.look(t.w, v6('2001:db8:1::1'))).toBe(1);
    expect(t.look(t.w, v6('2001:db8:1:2::5'))).toBe(3);
    // a default route changes every region's inherited answer
    t.set(0n, 0, 9);
    expect([t.look(t.w, v6('fe80::1')), t.look(t.t, v6('::1')), t.look(t.w, v6('2001:db8:1:2::1'))]).toEqual([9, 9, 3]);
  });

  test('a deleted route that its parent chunk still leads to is gone at once', () => {
    const t = fib();
    t.set(v6('2001:db8::'), 32, 1);
    t.set(v6('2001:db8:1::'), 48, 2);
    t.set(v6('2001:db8:5::'), 48, 3);
    t.del(v6('2001:db8:1::'), 48); // the /32 chunk still probes /48s (for 2001:db8:5::/48)
    expect([
      t.look(t.w, v6('2001:db8:1::9')),
      t.look(t.t, v6('2001:db8:1::9')),
      t.look(t.w, v6('2001:db8:5::9')),
    ]).toEqual([1, 1, 3]);
  });

  test('a reader still on the old path keeps the old answer until a grace period has passed', () => {
    const t = fib();
    t.set(v6('2001:db8::'), 32, 1);
    t.set(v6('2001:db8::'), 40, 2);
    t.set(v6('2001:db8:0:1::'), 64, 3);
    const addr = v6('2001:db8:0:1::9');
    const log = new StoreLog(t.u32);
    t.writer.onStore = (word, value) => log.store(word, value);
    t.del(v6('2001:db8::'), 40); // the /32 chunk now probes /64s; the /40 chunk is only on the old path
    t.writer.onStore = undefined;
    for (let r = 0; r < 200; r++) expect(racingLookup(t, log, addr, 3, 2 + r)).toBe(3);
    expect(t.look(t.w, addr)).toBe(3);
  });

  test('an entry kept for old readers is retired before a later update could lead to it again', () => {
    const t = fib();
    t.set(v6('2001:db8::'), 44, 1);
    t.del(v6('2001:db8::'), 44); // its chunk now waits for a grace period, unreachable
    t.set(v6('2001:db8:10::'), 44, 2); // the region probes /44s again
    expect([
      t.look(t.w, v6('2001:db8::1')),
      t.look(t.t, v6('2001:db8:f::1')),
      t.look(t.w, v6('2001:db8:10::1')),
    ]).toEqual([0, 0, 2]);
  });

  test('deleting everything leaves an empty table once tombstones are reclaimed', () => {
    const t = fib();
    const routes: [bigint, number][] = [];
    for (let i = 0; i < 300; i++) routes.push([v6(`2a00:${i.toString(16)}::`) | (BigInt(i % 7) << 80n), 32 + (i % 33)]);
    routes.forEach(([a, p], i) => t.set(a & mask(p), p, 1 + (i % 5)));
    expect(t.writer.stats().live).toBeGreaterThanOrEqual(300);
    for (const [a, p] of routes) t.del(a & mask(p), p);
    t.writer.reclaim(); // entries only the old structure led to are retired now ...
    t.writer.reclaim(); // ... and freed a grace period later
    expect(t.writer.stats()).toEqual({ slots: SLOTS, live: 0, tombstones: 0 });
    expect(t.look(t.w, v6('2a00:5::'))).toBe(0);
  });

  test('a chunk holding one route is a route slot; a second route there makes it a chunk entry, and back', () => {
    const t = fib();
    const tags = () => {
      const out: number[] = [];
      for (let i = 0; i < t.slots; i++) {
        const tag = t.u32[(t.hash + i * F6E_SIZE) >>> 2]!;
        if (tag !== 0 && tag !== 0xffffffff) out.push(tag);
      }
      return out.sort((x, y) => x - y);
    };
    t.set(v6('2400::'), 29, 1); // the region's chunks are /29s
    t.set(v6('2400:10:1::'), 48, 2); // alone in 2400:10::/29
    expect(tags()).toEqual([29, 29 | (48 << 8)]);
    const probes: [string, number, number][] = [
      // address, answer with one /48 in the chunk, with two
      ['2400:10:1::5', 2, 2],
      ['2400:10:2::5', 0, 3],
      ['2400:11::', 0, 0],
      ['2400::1', 1, 1],
    ];
    const check = (col: 1 | 2) => {
      for (const p of probes) {
        expect([p[0], t.look(t.w, v6(p[0]))]).toEqual([p[0], p[col]]);
        expect([p[0], t.look(t.t, v6(p[0]))]).toEqual([p[0], p[col]]);
      }
    };
    check(1);
    const race = (op: () => void, from: 1 | 2, to: 1 | 2) => {
      const log = new StoreLog(t.u32);
      t.writer.onStore = (word, value) => log.store(word, value);
      op();
      t.writer.onStore = undefined;
      for (const p of probes)
        for (let r = 0; r < 50; r++) expect([p[0], p[from], p[to]]).toContain(racingLookup(t, log, v6(p[0]), 0, r));
    };
    race(() => t.set(v6('2400:10:2::'), 48, 3), 1, 2);
    expect(tags()).toEqual([29, 29, 48, 48]);
    check(2);
    t.writer.reclaim();
    t.writer.reclaim();
    race(() => t.del(v6('2400:10:2::'), 48), 2, 1);
    check(1);
    t.writer.reclaim();
    t.writer.reclaim();
    expect(tags()).toEqual([29, 29 | (48 << 8)]);
  });

  test('the /24 bitmap: set by routes past /16, cleared at reclaim once none overlaps', () => {
    const t = fib();
    const bit = (addr: bigint) => {
      const x = Number(addr >> 104n);
      return (t.u32[(t.f24 >>> 2) + (x >>> 5)]! >>> (x & 31)) & 1;
    };
    t.set(v6('2400::'), 16, 9);
    t.set(v6('2400:1000::'), 20, 1); // 16 /24s: 2400:1000:: to 2400:1f00::
    t.set(v6('2400:1200:0:1::'), 64, 2);
    expect([bit(v6('2400:1000::')), bit(v6('2400:1f00::')), bit(v6('2400:2000::')), bit(v6('2400::'))]).toEqual([
      1, 1, 0, 0,
    ]);
    for (const k of [t.w, t.t]) {
      expect(t.look(k, v6('2400:2000::1'))).toBe(9); // bit clear: the tbl16 word answers
      expect(t.look(k, v6('2400:1200:0:1::1'))).toBe(2);
      expect(t.look(k, v6('2400:1200:0:2::1'))).toBe(1);
    }
    t.del(v6('2400:1000::'), 20);
    expect(bit(v6('2400:1000::'))).toBe(1); // a reader may still be on the old path
    t.writer.reclaim();
    expect([bit(v6('2400:1000::')), bit(v6('2400:1100::')), bit(v6('2400:1200::'))]).toEqual([0, 0, 1]);
    for (const k of [t.w, t.t]) expect([t.look(k, v6('2400:1000::1')), t.look(k, v6('2400:1200::1'))]).toEqual([9, 9]);
  });

  test('a full hash is reported, not overrun', () => {
    const t = fib(1024);
    // one /48 in each of 1,024 /16 regions: the 871st entry passes the 85% fill limit
    expect(() => {
      for (let i = 0; i < 1024; i++) t.set(BigInt(0x2000 + i) << 112n, 48, 1);
    }).toThrow(/compiled IPv6 FIB full \(1024 slots, 870 entries/);
  });
});

type Op = { add: boolean; addr: bigint; plen: number; nh: number };
// A pool of prefixes that nest and sit side by side at the lengths that matter (siblings under one
// chunk, a chunk's only route, routes one level apart), plus random ones of any length.
const POOL: [bigint, number][] = [];
for (const [base, lens] of [
  ['2001:db8::', [29, 32, 33, 40, 44, 48, 56, 64, 80, 128]],
  ['2400:cb00::', [24, 32, 48]],
  ['2a00::', [12, 16, 20]],
] as const) {
  for (const len of lens)
    for (const sub of [0n, 1n, 5n]) POOL.push([(v6(base) | (sub << BigInt(128 - len))) & mask(len), len]);
}
POOL.push([0n, 0], [v6('2000::'), 3]);
const opArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ add: fc.boolean(), i: fc.nat(POOL.length - 1), nh: fc.integer({ min: 1, max: 200 }) })
      .map(({ add, i, nh }) => ({ add, addr: POOL[i]![0], plen: POOL[i]![1], nh })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      add: fc.constant(true),
      addr: fc.bigInt({ min: 0n, max: ALL }),
      plen: fc.integer({ min: 0, max: 128 }),
      nh: fc.integer({ min: 1, max: 200 }),
    }),
  },
);

describe('fib6_slot', () => {
  test('is the high half of hash * slots, exactly, for any table size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 2, max: 0xffffffff }), (h, n) => {
        const want = Number((BigInt(h) * BigInt(n)) >> 32n);
        expect(fib6_slot(h, n)).toBe(want);
        expect(want).toBeLessThan(n);
      }),
      { numRuns: 2000 },
    );
    expect(fib6_slot(0xffffffff, 0xffffffff)).toBe(0xfffffffe);
    expect(fib6_slot(0, 7)).toBe(0);
  });
});

describe('fib6_hash', () => {
  test("is the high word of (k0:k1 ^ len) * 0x7f4a7c159e3779b9 mod 2^64, the WASM kernel's u64 multiply", () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 17, max: 64 }), (k0, k1, len) => {
        expect(fib6_hash(k0, k1, len)).toBe(
          Number((((((BigInt(k0) << 32n) | BigInt(k1)) ^ BigInt(len)) * 0x7f4a7c159e3779b9n) >> 32n) & 0xffffffffn),
        );
      }),
      { numRuns: 2000 },
    );
    expect(fib6_hash(0xffffffff, 0xffffffff, 64)).toBe(
      Number(((0xffffffffffffffbfn * 0x7f4a7c159e3779b9n) >> 32n) & 0xffffffffn),
    );
    expect(fib6_hash(0, 0, 17)).toBe(Number(((17n * 0x7f4a7c159e3779b9n) >> 32n) & 0xffffffffn));
  });
});

describe('fib6 differential (FIB vs radix vs linear scan, WASM and TS readers)', () => {
  test('random adds and deletes; every intermediate state answers old or new', () => {
    // hash tables of any size: a power of two, and prime counts small enough that probes wrap
    const slots = fc.constantFrom(SLOTS, 1531, 997);
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.bigInt({ min: 0n, max: ALL }), { minLength: 12, maxLength: 12 }),
        slots,
        (ops: Op[], probes, n) => {
          const t = fib(n);
          const ref = new Map<string, { a: bigint; plen: number; nh: number }>();
          const lpm = (p: bigint) => {
            let best = -1;
            let want = 0;
            for (const r of ref.values())
              if (r.plen > best && (p & mask(r.plen)) === r.a) {
                best = r.plen;
                want = r.nh;
              }
            return want;
          };
          for (const op of ops) {
            const a = op.addr & mask(op.plen);
            const pts = [...probes, op.addr, a, a | (~mask(op.plen) & ALL), (a - 1n) & ALL];
            for (const r of ref.values()) pts.push(r.a, r.a | (~mask(r.plen) & ALL));
            const before = pts.map(lpm);
            if (op.add) ref.set(`${a}/${op.plen}`, { a, plen: op.plen, nh: op.nh });
            else ref.delete(`${a}/${op.plen}`);
            const after = pts.map(lpm);
            // readers racing the writer: each of a lookup's loads may see any later moment than the last
            const log = new StoreLog(t.u32);
            t.writer.onStore = (word, value) => log.store(word, value);
            if (op.add) t.set(op.addr, op.plen, op.nh);
            else t.del(op.addr, op.plen);
            t.writer.onStore = undefined;
            pts.forEach((p, i) => {
              for (let r = 0; r < 6; r++) {
                const got = racingLookup(t, log, p, after[i]!, r);
                if (got !== before[i] && got !== after[i])
                  throw new Error(
                    `transient answer ${got} for ${p.toString(16)} (old ${before[i]}, new ${after[i]}; ${log.moments} stores)`,
                  );
              }
            });
            pts.forEach((p, i) => {
              expect(t.look(t.w, p)).toBe(after[i]);
              expect(t.look(t.t, p)).toBe(after[i]);
              expect(t.radix(p)).toBe(after[i]);
            });
            // the batched kernels (groups of 32, level by level) answer the same, on both engines
            for (const k of [t.w, t.t]) expect(batch(k, t.f, pts)).toEqual(after);
            if (op.nh % 3 === 0) t.writer.reclaim(); // grace periods come at random points
          }
          // a bulk build from the same radix tree answers the same
          const want = probes.map((p) => t.look(t.w, p));
          t.writer.build();
          expect(probes.map((p) => t.look(t.w, p))).toEqual(want);
          expect(probes.map((p) => t.look(t.t, p))).toEqual(want);
          // and so does a build into an empty hash (start-up's), at every route's edges too
          const f2 = t.freshBuild();
          const edges = [
            ...probes,
            ...[...ref.values()].flatMap((r) => [r.a, r.a | (~mask(r.plen) & ALL), (r.a - 1n) & ALL]),
          ];
          expect(edges.map((p) => t.look(t.w, p, f2))).toEqual(edges.map(lpm));
          expect(edges.map((p) => t.look(t.t, p, f2))).toEqual(edges.map(lpm));
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** fib6_lookup_batch over addresses written at the end of memory (up to 256). */
function batch(k: Kernels, f: number, addrs: bigint[]): number[] {
  const base = k.memory.buffer.byteLength - 8192;
  const u8 = new Uint8Array(k.memory.buffer);
  addrs.forEach((a, i) => {
    for (let j = 0; j < 16; j++) u8[base + i * 16 + j] = Number((a >> BigInt(8 * (15 - j))) & 0xffn);
  });
  k.fib6_lookup_batch(f, base, base + 4096, addrs.length);
  const dv = new DataView(k.memory.buffer);
  return addrs.map((_, i) => dv.getUint32(base + 4096 + i * 4, true));
}

/** Memory before an update plus the writer's stores in order: any word as it was at any moment. */
class StoreLog {
  moments = 0;
  private readonly initial: Uint32Array;
  private readonly words = new Map<number, { at: number; value: number }[]>();
  constructor(now: Uint32Array) {
    this.initial = now.slice();
  }
  store(word: number, value: number): void {
    const h = this.words.get(word) ?? [];
    h.push({ at: ++this.moments, value });
    this.words.set(word, h);
  }
  /** word after the first `at` stores */
  read(word: number, at: number): number {
    let v = this.initial[word]!;
    for (const e of this.words.get(word) ?? []) if (e.at <= at) v = e.value;
    return v;
  }
}

/**
 * The reader of assembly/fib/fib6.ts, load for load, where each load reads memory as it was after
 * some number of the writer's stores, no fewer than for the previous load (schedule r: 0 = all
 * before the update, 1 = all after, others random). The radix fallback answers `radixNow` (the
 * RIB changes before the FIB).
 */
function racingLookup(t: ReturnType<typeof fib>, log: StoreLog, addr: bigint, radixNow: number, r: number): number {
  let at = r === 1 ? log.moments : 0;
  const load = (ptr: number) => {
    if (r >= 2 && Math.random() < 0.4) at += Math.floor(Math.random() * (log.moments - at + 1));
    return log.read(ptr >>> 2, at);
  };
  const a0 = Number(addr >> 96n);
  const a1 = Number((addr >> 64n) & 0xffffffffn);
  const m = (len: number) => (len <= 0 ? 0 : len >= 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0);
  let v = load(t.tbl16 + (a0 >>> 16) * 4);
  let next = v >>> 24;
  if (next !== 0 && ((load(t.f24 + (a0 >>> 13) * 4) >>> ((a0 >>> 8) & 31)) & 1) === 0) return v & 0xffffff;
  while (next !== 0) {
    if (next === 0xff) return radixNow;
    const k0 = next >= 32 ? a0 : (a0 & (0xffffffff << (32 - next))) >>> 0;
    const k1 = next <= 32 ? 0 : next >= 64 ? a1 : (a1 & (0xffffffff << (64 - next))) >>> 0;
    let i = fib6_slot(fib6_hash(k0, k1, next), t.slots);
    let hit = false;
    for (;;) {
      const p = t.hash + i * F6E_SIZE;
      const tag = load(p);
      if (tag === 0) break;
      if ((tag & 0xff) === next) {
        const s0 = load(p + 8);
        const s1 = load(p + 12);
        if ((s0 & m(next)) >>> 0 === k0 && (s1 & m(next - 32)) >>> 0 === k1) {
          const x = load(p + 4);
          const r = tag >>> 8; // a route slot: the route's answer inside it, the parent's elsewhere
          if (r !== 0 && (((a0 ^ s0) & m(r)) !== 0 || ((a1 ^ s1) & m(r - 32)) !== 0)) return v & 0xffffff;
          v = x;
          hit = true;
          break;
        }
      }
      i = i + 1 === t.slots ? 0 : i + 1;
    }
    if (!hit) break;
    next = v >>> 24;
  }
  return v & 0xffffff;
}

describe('fib6 batched lookups', () => {
  test('answer what single lookups answer, on both engines', () => {
    const t = fib();
    t.set(v6('2001:db8::'), 32, 1);
    t.set(v6('2001:db8:1::'), 48, 2);
    t.set(v6('2001:db8:1:2::5'), 128, 3);
    const addrs = ['2001:db8::1', '2001:db8:1::1', '2001:db8:1:2::5', '2001:db8:1:2::6', 'fe80::1'].map(v6);
    const base = t.w.memory.buffer.byteLength - 8192;
    const u8 = new Uint8Array(t.w.memory.buffer);
    addrs.forEach((a, i) => {
      for (let j = 0; j < 16; j++) u8[base + i * 16 + j] = Number((a >> BigInt(8 * (15 - j))) & 0xffn);
    });
    const dv = new DataView(t.w.memory.buffer);
    for (const k of [t.w, t.t]) {
      k.fib6_lookup_batch(t.f, base, base + 4096, addrs.length);
      expect(addrs.map((_, i) => dv.getUint32(base + 4096 + i * 4, true))).toEqual([1, 2, 3, 2, 0]);
    }
  });

  test('over several groups, a partial last one and lookups of every depth mixed', () => {
    const t = fib();
    t.set(v6('2001:db8::'), 32, 1);
    t.set(v6('2001:db8:1::'), 48, 2);
    t.set(v6('2001:db8:1:2::'), 64, 4);
    t.set(v6('2001:db8:1:2::5'), 128, 3);
    t.set(v6('2400::'), 20, 5);
    t.set(v6('2400:0:8::'), 45, 6);
    const pool = [
      '2001:db8::1',
      '2001:db8:1::1',
      '2001:db8:1:2::5',
      '2001:db8:1:2::6',
      'fe80::1',
      '2400::1',
      '2400:0:8::9',
    ];
    const addrs = Array.from({ length: 101 }, (_, i) => v6(pool[(i * 5) % pool.length]!) + BigInt(i % 3));
    const want = addrs.map((a) => t.radix(a));
    expect(new Set(want).size).toBe(7); // every answer, none among them missing
    for (const k of [t.w, t.t]) expect(batch(k, t.f, addrs)).toEqual(want);
  });
});
