// Radix tree: unit tests on both engines, and a differential property test against a linear-scan
// reference (and WASM against TS, byte for byte over the whole table memory).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  LAYOUT_BASE,
  NP_SIZE,
  RH_SIZE,
  RN_SIZE,
  RH_ROUTES,
  RH_NODES,
  NP_INUSE,
  NP_LIMBO_COUNT,
  RT_WALK_REC,
} from '../../../assembly/layout.js';
import { Arena } from '../../stack/arena.js';
import { type Kernels, makeKernels } from '../../stack/kernels.js';
import { createMemory } from '../../stack/wasm.js';

interface Tree {
  k: Kernels;
  u8: Uint8Array;
  dv: DataView;
  pool: number;
  h4: number;
  h6: number;
  key: number;
  out: number;
  arena: Arena;
}

function tree(engine: 'wasm' | 'ts', cap = 4096): Tree {
  const memory = createMemory(LAYOUT_BASE + cap * (RN_SIZE + 4) + (1 << 20));
  const k = makeKernels(engine, memory);
  const arena = new Arena(LAYOUT_BASE, memory.buffer.byteLength);
  const pool = arena.alloc(NP_SIZE);
  const nodes = arena.alloc(cap * RN_SIZE);
  const limbo = arena.alloc(cap * 4);
  k.rt_pool_init(pool, nodes, cap, limbo);
  const h4 = arena.alloc(RH_SIZE);
  const h6 = arena.alloc(RH_SIZE);
  k.rt_init(h4, pool, 32);
  k.rt_init(h6, pool, 128);
  const key = arena.alloc(16);
  const out = arena.alloc(RT_WALK_REC * cap);
  return { k, u8: new Uint8Array(memory.buffer), dv: new DataView(memory.buffer), pool, h4, h6, key, out, arena };
}

const ip4 = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
function setKey(t: Tree, bytes: Uint8Array | number[]) {
  t.u8.set(bytes, t.key);
}
function set4(t: Tree, a: number, plen: number, nh: number) {
  t.dv.setUint32(t.key, a, false);
  return t.k.rt_set(t.h4, t.key, plen, nh, 1);
}
function del4(t: Tree, a: number, plen: number) {
  t.dv.setUint32(t.key, a, false);
  return t.k.rt_del(t.h4, t.key, plen);
}
function get4(t: Tree, a: number, plen: number) {
  t.dv.setUint32(t.key, a, false);
  return t.k.rt_get(t.h4, t.key, plen);
}

describe.each(['wasm', 'ts'] as const)('radix (%s)', (engine) => {
  test('empty tree finds nothing', () => {
    const t = tree(engine);
    expect(t.k.rt_lookup4(t.h4, ip4('1.2.3.4'))).toBe(0);
    setKey(t, new Uint8Array(16));
    expect(t.k.rt_lookup6(t.h6, t.key)).toBe(0);
  });

  test('longest prefix wins, default route catches the rest', () => {
    const t = tree(engine);
    expect(set4(t, 0, 0, 1)).toBe(0);
    expect(set4(t, ip4('10.0.0.0'), 8, 2)).toBe(0);
    expect(set4(t, ip4('10.1.0.0'), 16, 3)).toBe(0);
    expect(set4(t, ip4('10.1.2.3'), 32, 4)).toBe(0);
    expect(set4(t, ip4('10.128.0.0'), 9, 5)).toBe(0);
    expect(t.k.rt_lookup4(t.h4, ip4('10.1.2.3'))).toBe(4);
    expect(t.k.rt_lookup4(t.h4, ip4('10.1.2.4'))).toBe(3);
    expect(t.k.rt_lookup4(t.h4, ip4('10.2.0.1'))).toBe(2);
    expect(t.k.rt_lookup4(t.h4, ip4('10.200.0.1'))).toBe(5);
    expect(t.k.rt_lookup4(t.h4, ip4('11.0.0.1'))).toBe(1);
    expect(t.dv.getUint32(t.h4 + RH_ROUTES, true)).toBe(5);
  });

  test('replace returns the old nexthop; delete collapses glue and frees after reclaim', () => {
    const t = tree(engine);
    set4(t, ip4('192.0.2.0'), 24, 7);
    set4(t, ip4('198.51.100.0'), 24, 8); // creates a glue node
    expect(set4(t, ip4('192.0.2.0'), 24, 9)).toBe(7);
    t.dv.setUint32(t.key, ip4('192.0.2.0'), false);
    expect(t.k.rt_set(t.h4, t.key, 24, 11, 0)).toBe(9); // add-if-absent leaves an existing route alone
    expect(get4(t, ip4('192.0.2.0'), 24)).toBe(9);
    expect(get4(t, ip4('192.0.2.0'), 24)).toBe(9);
    expect(get4(t, ip4('192.0.2.0'), 23)).toBe(0);
    expect(t.dv.getUint32(t.h4 + RH_NODES, true)).toBe(3);
    expect(del4(t, ip4('192.0.2.0'), 24)).toBe(9);
    expect(del4(t, ip4('192.0.2.0'), 24)).toBe(0);
    expect(t.dv.getUint32(t.h4 + RH_NODES, true)).toBe(1); // leaf and glue both unlinked
    expect(t.dv.getUint32(t.pool + NP_LIMBO_COUNT, true)).toBe(2);
    expect(t.k.rt_lookup4(t.h4, ip4('198.51.100.7'))).toBe(8);
    expect(t.k.rt_reclaim(t.pool)).toBe(2);
    expect(t.dv.getUint32(t.pool + NP_INUSE, true)).toBe(1);
    expect(t.k.rt_lookup4(t.h4, ip4('198.51.100.7'))).toBe(8);
  });

  test('host bits of the key are ignored', () => {
    const t = tree(engine);
    set4(t, ip4('203.0.113.77'), 24, 3);
    expect(get4(t, ip4('203.0.113.0'), 24)).toBe(3);
    expect(t.k.rt_lookup4(t.h4, ip4('203.0.113.1'))).toBe(3);
  });

  test('IPv6 prefixes across word boundaries', () => {
    const t = tree(engine);
    const v6 = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    setKey(t, v6('20010db8000000000000000000000000'));
    expect(t.k.rt_set(t.h6, t.key, 32, 1, 1)).toBe(0);
    setKey(t, v6('20010db8000100000000000000000000'));
    expect(t.k.rt_set(t.h6, t.key, 48, 2, 1)).toBe(0);
    setKey(t, v6('20010db8000100000000000000000001'));
    expect(t.k.rt_set(t.h6, t.key, 128, 3, 1)).toBe(0);
    setKey(t, v6('20010db8000100008000000000000000'));
    expect(t.k.rt_set(t.h6, t.key, 65, 4, 1)).toBe(0);
    const look = (hex: string) => {
      setKey(t, v6(hex));
      return t.k.rt_lookup6(t.h6, t.key);
    };
    expect(look('20010db8000100000000000000000001')).toBe(3);
    expect(look('20010db8000100000000000000000002')).toBe(2);
    expect(look('20010db8000180000000000000000002')).toBe(2); // bit 64 is 0 here: /65 not matched
    expect(look('20010db8000100008000000000000002')).toBe(4);
    expect(look('20010db8ffff00000000000000000000')).toBe(1);
    expect(look('20010db9000000000000000000000000')).toBe(0);
  });

  test('pool exhaustion is reported and leaves the tree intact', () => {
    const t = tree(engine, 3);
    expect(set4(t, ip4('10.0.0.0'), 8, 1)).toBe(0);
    expect(set4(t, ip4('11.0.0.0'), 8, 2)).toBe(0); // 3 nodes used: leaf, glue, leaf
    expect(set4(t, ip4('12.0.0.0'), 8, 3)).toBe(0xffffffff);
    expect(t.k.rt_lookup4(t.h4, ip4('10.1.1.1'))).toBe(1);
    expect(t.k.rt_lookup4(t.h4, ip4('12.1.1.1'))).toBe(0);
  });
});

// ---- differential: WASM vs TS vs a linear scan ----------------------------------------------------

interface Ref {
  bytes: number[];
  plen: number;
  nh: number;
}
function refLookup(routes: Map<string, Ref>, addr: number[]): number {
  let best = -1;
  let nh = 0;
  for (const r of routes.values()) {
    if (r.plen > best && matches(r.bytes, r.plen, addr)) {
      best = r.plen;
      nh = r.nh;
    }
  }
  return nh;
}
function matches(p: number[], plen: number, a: number[]): boolean {
  for (let i = 0; i < plen; i++) if (((p[i >> 3]! ^ a[i >> 3]!) >> (7 - (i & 7))) & 1) return false;
  return true;
}
function masked(b: number[], plen: number): number[] {
  return b.map((v, i) => (i * 8 >= plen ? 0 : i * 8 + 8 <= plen ? v : v & (0xff << (8 - (plen - i * 8))) & 0xff));
}

type Op =
  | { kind: 'set' | 'del'; bytes: number[]; plen: number; nh: number }
  | { kind: 'look'; bytes: number[] }
  | { kind: 'reclaim' };

function opsArb(len: number) {
  // addresses drawn from a small pool of "networks" so prefixes nest and collide
  const byte = fc.oneof(fc.constantFrom(0, 10, 128, 192, 255), fc.integer({ min: 0, max: 255 }));
  const addr = fc.array(byte, { minLength: len, maxLength: len });
  const plen = fc.oneof(fc.integer({ min: 0, max: len * 8 }), fc.constantFrom(0, 8, 16, 24, len * 8));
  return fc.array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('set' as const),
          bytes: addr,
          plen,
          nh: fc.integer({ min: 1, max: 1000 }),
        }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('del' as const), bytes: addr, plen, nh: fc.constant(0) }) },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('look' as const), bytes: addr }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reclaim' as const) }) },
    ),
    { maxLength: 200 },
  );
}

function run(family: 4 | 6, ops: Op[]) {
  const w = tree('wasm');
  const s = tree('ts');
  const ref = new Map<string, Ref>();
  const dels: Ref[] = [];
  for (const op of ops) {
    for (const t of [w, s]) if (op.kind !== 'reclaim') setKey(t, op.kind === 'look' ? op.bytes : op.bytes);
    const head = (t: Tree) => (family === 4 ? t.h4 : t.h6);
    if (op.kind === 'set') {
      const key = masked(op.bytes, op.plen).join(',') + '/' + op.plen;
      const old = ref.get(key)?.nh ?? 0;
      ref.set(key, { bytes: masked(op.bytes, op.plen), plen: op.plen, nh: op.nh });
      expect(w.k.rt_set(head(w), w.key, op.plen, op.nh, 1)).toBe(old);
      expect(s.k.rt_set(head(s), s.key, op.plen, op.nh, 1)).toBe(old);
    } else if (op.kind === 'del') {
      const key = masked(op.bytes, op.plen).join(',') + '/' + op.plen;
      const old = ref.get(key)?.nh ?? 0;
      if (old) {
        dels.push(ref.get(key)!);
        ref.delete(key);
      }
      expect(w.k.rt_del(head(w), w.key, op.plen)).toBe(old);
      expect(s.k.rt_del(head(s), s.key, op.plen)).toBe(old);
    } else if (op.kind === 'look') {
      const want = refLookup(ref, op.bytes);
      const look = (t: Tree) =>
        family === 4 ? t.k.rt_lookup4(t.h4, t.dv.getUint32(t.key, false)) : t.k.rt_lookup6(t.h6, t.key);
      expect(look(w)).toBe(want);
      expect(look(s)).toBe(want);
    } else {
      expect(w.k.rt_reclaim(w.pool)).toBe(s.k.rt_reclaim(s.pool));
    }
  }
  // every route, and only those, is found by exact get and listed by walk, in key order
  for (const t of [w, s]) {
    const head = family === 4 ? t.h4 : t.h6;
    expect(t.k.rt_walk(head, t.out, 4096)).toBe(ref.size);
    for (const r of ref.values()) {
      setKey(t, r.bytes);
      expect(t.k.rt_get(head, t.key, r.plen)).toBe(r.nh);
    }
  }
  // the two engines leave identical memory
  expect(Buffer.compare(w.u8.subarray(LAYOUT_BASE, w.arena.top), s.u8.subarray(LAYOUT_BASE, s.arena.top))).toBe(0);
}

describe('radix differential (WASM vs TS vs linear scan)', () => {
  test('IPv4: random adds, deletes, lookups, reclaims', () => {
    fc.assert(
      fc.property(opsArb(4), (ops) => run(4, ops)),
      { numRuns: 150 },
    );
  });
  test('IPv6: random adds, deletes, lookups, reclaims', () => {
    fc.assert(
      fc.property(opsArb(16), (ops) => run(6, ops)),
      { numRuns: 100 },
    );
  });
});
