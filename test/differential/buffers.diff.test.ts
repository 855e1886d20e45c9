// Differential and invariant test of the packet-buffer kernels (assembly/nic/mbuf.ts, rxring.ts,
// txring.ts, assembly/net/pktq.ts and their TS twins): random sequences of NIC receives, interrupts,
// polls, batches with random verdicts, TX reclaims and cache balancing, run over two memories, one by
// the WASM kernels and one by the TS twins. After every step both memories must be byte-identical
// and every cluster must be in exactly one place (auditBuffers).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  LAYOUT_BASE,
  CTX_SIZE,
  CTX_PD,
  CTX_TX,
  CTX_TXCAP,
  CTX_NTX,
  CTX_FREE,
  CTX_POOL,
  PD_SIZE,
  PD_BUF,
  PD_NTX,
  PD_TXFIRST,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  BUF_SIZE,
  BUF_HEADROOM,
  RXR_SIZE,
  RXR_HW,
  RXR_NSLOT,
  RXD_SIZE,
  RXD_BUF,
  PD_RSS,
  PD_HTYPE,
  PD_QUEUE,
  MB_COUNT,
  RXR_NOBUFS,
  RXD_DONE,
} from '../../assembly/layout.js';
import { Arena } from '../../ts/stack/arena.js';
import { type Kernels, tsKernels, wasmKernels } from '../../ts/stack/kernels.js';
import { createMemory } from '../../ts/stack/wasm.js';
import { auditBuffers, buildBuffers, buffersBytes, type Buffers, type BufferPlan } from '../../ts/machine/buffers.js';

const BATCH = 16;
const CACHE = 160;
const PLAN: BufferPlan = {
  nics: [
    { ifindex: 1, queues: 2 },
    { ifindex: 2, queues: 1 },
  ],
  ifSlots: 4,
  cpus: 2,
  batch: BATCH,
  cacheCap: CACHE,
};
const LENS = [60, 98, 1514, 342, 64];

interface World {
  k: Kernels;
  dv: DataView;
  b: Buffers;
  ctx: number[];
  tmpl: number;
  stride: number;
  seq: number[];
  /** per template: the NIC's RSS hash and hash type (QS_HASHES) */
  hashes: number;
}

function world(make: (m: WebAssembly.Memory) => Kernels): World {
  const bytes =
    LAYOUT_BASE +
    buffersBytes(PLAN) +
    2 * (CTX_SIZE + BATCH * PD_SIZE + 4 * BATCH * TX_SIZE + 8 + CACHE * 4 + 256) +
    LENS.length * (1600 + 8) +
    65536;
  const memory = createMemory(bytes);
  const k = make(memory);
  const dv = new DataView(memory.buffer);
  const a = new Arena(LAYOUT_BASE, bytes);
  const ctx = [0, 1].map(() => {
    const c = a.alloc(CTX_SIZE);
    dv.setUint32(c + CTX_PD, a.alloc(BATCH * PD_SIZE), true);
    dv.setUint32(c + CTX_TX, a.alloc(4 * BATCH * TX_SIZE), true);
    dv.setUint32(c + CTX_TXCAP, 4 * BATCH, true);
    const fs = a.alloc(8 + CACHE * 4);
    dv.setUint32(fs + 4, CACHE, true);
    dv.setUint32(c + CTX_FREE, fs, true);
    return c;
  });
  const stride = 1600;
  const tmpl = a.alloc(LENS.length * stride);
  LENS.forEach((l, i) => {
    dv.setUint32(tmpl + i * stride, l, true);
    for (let j = 0; j < l; j++) dv.setUint8(tmpl + i * stride + 4 + j, (i * 31 + j) & 255);
  });
  const hashes = a.alloc(LENS.length * 8, 8);
  LENS.forEach((_, i) => {
    dv.setUint32(hashes + i * 8, Math.imul(i + 1, 0x9e3779b9) >>> 0, true);
    dv.setUint32(hashes + i * 8 + 4, 1 + (i % 6), true);
  });
  const b = buildBuffers(dv, a, PLAN);
  for (const c of ctx) dv.setUint32(c + CTX_POOL, b.pool, true);
  return { k, dv, b, ctx, tmpl, stride, seq: [0, 0, 0], hashes };
}

const rings = (w: World) => [...w.b.rx.values()].flat();
const txRings = (w: World) => [...w.b.tx.values()].flat();
const cache = (w: World, cpu: number) => w.dv.getUint32(w.ctx[cpu]! + CTX_FREE, true);

type Op =
  | { op: 'fill'; q: number; n: number }
  | { op: 'intr'; q: number; cpu: number; max: number }
  | { op: 'softint'; cpu: number; verdicts: number[] }
  | { op: 'intrsoft'; q: number; cpu: number; max: number; verdicts: number[] }
  | { op: 'poll'; q: number; cpu: number; verdicts: number[] }
  | { op: 'reclaim'; r: number; cpu: number }
  | { op: 'balance'; cpu: number; low: number };

/**
 * Plays the pipeline for descriptors [0, n): verdict 0 drops the frame, 1 forwards it in place on
 * wm1 or wm2, 2 turns it into two fragments in clusters from the cache (or drops it when the cache
 * has none), 3 forwards it to an interface with no NIC (ifindex 3).
 */
function pipeline(w: World, cpu: number, n: number, verdicts: number[]): void {
  const { dv } = w;
  const c = w.ctx[cpu]!;
  const pd0 = dv.getUint32(c + CTX_PD, true);
  const tx = dv.getUint32(c + CTX_TX, true);
  const fs = dv.getUint32(c + CTX_FREE, true);
  let ntx = 0;
  const put = (buf: number, len: number, ifx: number) => {
    const t = tx + ntx++ * TX_SIZE;
    dv.setUint32(t + TX_BUF, buf, true);
    dv.setUint16(t + TX_LEN, len, true);
    dv.setUint16(t + TX_IF, ifx, true);
  };
  for (let i = 0; i < n; i++) {
    const pd = pd0 + i * PD_SIZE;
    const v = verdicts[i % verdicts.length]!;
    dv.setUint32(pd + PD_TXFIRST, ntx, true);
    const first = ntx;
    if (v === 1)
      put(dv.getUint32(pd + PD_BUF, true) - 4 * (i & 1), 60, 1 + (i & 1)); // a pushed 802.1Q tag moves the frame start left
    else if (v === 3) put(dv.getUint32(pd + PD_BUF, true), 60, 3);
    else if (v === 2 && dv.getUint32(fs, true) >= 2) {
      for (let f = 0; f < 2; f++) {
        const cnt = dv.getUint32(fs, true);
        dv.setUint32(fs, cnt - 1, true);
        put(dv.getUint32(fs + 8 + (cnt - 1) * 4, true) + BUF_HEADROOM, 576, 2);
      }
    }
    dv.setUint16(pd + PD_NTX, ntx - first, true);
  }
  dv.setUint32(c + CTX_NTX, ntx, true);
}

function apply(w: World, o: Op): number {
  const { k } = w;
  switch (o.op) {
    case 'fill': {
      const r = rings(w)[o.q]!;
      // wm2's NIC (queue 2) writes no hash; queue 1's sends one length (64 bytes from each template's
      // start), rxr_place's own loop for the generator's usual case
      const fixed = o.q === 1 ? 64 : 0;
      const got = k.rxr_fill(r, o.n, w.tmpl, w.stride, LENS.length, fixed, w.seq[o.q]!, o.q === 2 ? 0 : w.hashes);
      w.seq[o.q] = (w.seq[o.q]! + o.n) % LENS.length;
      return got;
    }
    case 'intr':
      return k.rxr_intr(rings(w)[o.q]!, w.b.pktq[o.cpu]!, cache(w, o.cpu), w.b.pool, o.max);
    case 'softint': {
      const n = k.pktq_dequeue(w.ctx[o.cpu]!, w.b.pktq[o.cpu]!, BATCH);
      pipeline(w, o.cpu, n, o.verdicts);
      return k.tx_post(w.ctx[o.cpu]!, n, w.b.txmap, o.cpu, w.b.pool);
    }
    case 'intrsoft': {
      const n = k.rxr_intr_softint(w.ctx[o.cpu]!, rings(w)[o.q]!, w.b.pktq[o.cpu]!, w.b.pool, o.max);
      pipeline(w, o.cpu, n, o.verdicts);
      return k.tx_post(w.ctx[o.cpu]!, n, w.b.txmap, o.cpu, w.b.pool);
    }
    case 'poll': {
      const n = k.rxr_poll(w.ctx[o.cpu]!, rings(w)[o.q]!, w.b.pool, BATCH);
      pipeline(w, o.cpu, n, o.verdicts);
      return k.tx_post(w.ctx[o.cpu]!, n, w.b.txmap, o.cpu, w.b.pool);
    }
    case 'reclaim':
      return k.txr_reclaim(txRings(w)[o.r]!, cache(w, o.cpu), w.b.pool, o.cpu);
    case 'balance':
      return k.pool_balance(cache(w, o.cpu), w.b.pool, o.low);
  }
}

const cpu = fc.integer({ min: 0, max: 1 });
const q = fc.integer({ min: 0, max: 2 });
const verdicts = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('fill' as const), q, n: fc.integer({ min: 0, max: 80 }) }),
  fc.record({ op: fc.constant('intr' as const), q, cpu, max: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('softint' as const), cpu, verdicts }),
  fc.record({ op: fc.constant('intrsoft' as const), q, cpu, max: fc.integer({ min: 0, max: BATCH }), verdicts }),
  fc.record({ op: fc.constant('poll' as const), q, cpu, verdicts }),
  fc.record({ op: fc.constant('reclaim' as const), r: q, cpu }),
  fc.record({ op: fc.constant('balance' as const), cpu, low: fc.integer({ min: 0, max: 100 }) }),
);

/** The first byte address at which the two memories differ, or -1. */
function firstDifference(a: World, b: World): number {
  const x = new Uint8Array(a.dv.buffer);
  const y = new Uint8Array(b.dv.buffer);
  if (Buffer.compare(x, y) === 0) return -1;
  let i = 0;
  while (x[i] === y[i]) i++;
  return i;
}

describe('packet buffers: WASM vs TS, and every cluster in one place', () => {
  test('random receive / interrupt / softint / poll / reclaim / balance sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const a = world(wasmKernels);
        const b = world(tsKernels);
        const caches = (w: World) => w.ctx.map((c) => w.dv.getUint32(c + CTX_FREE, true));
        for (const o of ops) {
          expect(apply(a, o)).toBe(apply(b, o));
          expect(firstDifference(a, b)).toBe(-1);
          // between steps no batch is in flight: every cluster sits in one place
          expect(auditBuffers(a.dv, a.b, caches(a))).toMatchObject({ ok: true, total: a.b.total });
        }
      }),
      { numRuns: 60 },
    );
  });

  test('a frame the NIC received comes out of the TX ring with its bytes, and its cluster comes back', () => {
    const w = world(tsKernels);
    const r = rings(w)[0]!;
    expect(w.k.rxr_fill(r, 3, w.tmpl, w.stride, LENS.length, 0, 0, w.hashes)).toBe(3);
    expect(w.k.rxr_intr(r, w.b.pktq[0]!, cache(w, 0), w.b.pool, 8)).toBe(3);
    const n = w.k.pktq_dequeue(w.ctx[0]!, w.b.pktq[0]!, BATCH);
    expect(n).toBe(3);
    const pd0 = w.dv.getUint32(w.ctx[0]! + CTX_PD, true);
    const bufs = [0, 1, 2].map((i) => w.dv.getUint32(pd0 + i * PD_SIZE + PD_BUF, true));
    expect(bufs.map((p) => (p - BUF_HEADROOM - w.b.clusters) % BUF_SIZE)).toEqual([0, 0, 0]);
    // the NIC's hash and type of each template, and the queue, came along in the descriptors
    for (let i = 0; i < 3; i++) {
      const pd = pd0 + i * PD_SIZE;
      expect(w.dv.getUint32(pd + PD_RSS, true)).toBe(w.dv.getUint32(w.hashes + i * 8, true));
      expect(w.dv.getUint8(pd + PD_HTYPE)).toBe(1 + i);
      expect(w.dv.getUint16(pd + PD_QUEUE, true)).toBe(0);
    }
    expect([...new Uint8Array(w.dv.buffer, bufs[1]!, LENS[1]!)]).toEqual(
      Array.from({ length: LENS[1]! }, (_, j) => (31 + j) & 255),
    );
    pipeline(w, 0, n, [1, 0, 1]); // forward, drop, forward
    expect(w.k.tx_post(w.ctx[0]!, n, w.b.txmap, 0, w.b.pool)).toBe(2);
    const freed = w.dv.getUint32(cache(w, 0), true);
    expect(w.dv.getUint32(cache(w, 0) + 8 + (freed - 1) * 4, true)).toBe(bufs[1]! - BUF_HEADROOM); // the dropped frame's cluster
    const wm1 = w.b.tx.get(1)![0]!; // CPU 0 posts to queue 0
    expect(w.k.txr_reclaim(wm1, cache(w, 1), w.b.pool, 1)).toBe(2); // frames 0 and 2 went out on wm1, CPU 1 reclaims them
    expect([0, 1].map((i) => w.dv.getUint32(cache(w, 1) + 8 + i * 4, true))).toEqual([
      bufs[0]! - BUF_HEADROOM,
      bufs[2]! - BUF_HEADROOM,
    ]);
    expect(w.k.txr_reclaim(wm1, cache(w, 1), w.b.pool, 1)).toBe(0);
  });
  test('rxr_place leaves what rxr_fill leaves but RXR_HW, which it does not move; WASM as TS', () => {
    // a ring with a few slots taken, then more placed than it has room for (the overflow counted as missed)
    const run = (make: (m: WebAssembly.Memory) => Kernels, place: boolean) => {
      const w = world(make);
      const r = rings(w)[0]!;
      w.k.rxr_fill(r, 5, w.tmpl, w.stride, LENS.length, 0, 0, w.hashes);
      w.k.rxr_intr(r, w.b.pktq[0]!, cache(w, 0), w.b.pool, 3);
      const hw0 = w.dv.getUint32(r + RXR_HW, true);
      const n = w.dv.getUint32(r + RXR_NSLOT, true) + 7;
      const k = place
        ? w.k.rxr_place(r, n, w.tmpl, w.stride, LENS.length, 0, 5, w.hashes)
        : w.k.rxr_fill(r, n, w.tmpl, w.stride, LENS.length, 0, 5, w.hashes);
      expect(w.dv.getUint32(r + RXR_HW, true)).toBe(place ? hw0 : hw0 + k);
      if (place) w.dv.setUint32(r + RXR_HW, hw0 + k, true); // published by the caller
      return { k, mem: Buffer.from(w.dv.buffer, LAYOUT_BASE) }; // the tables and buffers, not the module's own data
    };
    const want = run(tsKernels, false);
    expect(want.k).toBe(BATCH - 2); // a ring of one batch, 2 frames still in it
    for (const got of [run(tsKernels, true), run(wasmKernels, true), run(wasmKernels, false)]) {
      expect(got.k).toBe(want.k);
      expect(got.mem.equals(want.mem)).toBe(true);
    }
  });
  test('the NIC copies exactly len bytes at every length around the vector moves (1-160), WASM as TS', () => {
    const dump = (make: (m: WebAssembly.Memory) => Kernels) => {
      const w = world(make);
      const r = rings(w)[0]!;
      const out: number[][] = [];
      for (let len = 1; len <= 160; len++) {
        const slot = w.dv.getUint32(r + RXR_HW, true) & (w.dv.getUint32(r + RXR_NSLOT, true) - 1);
        const dst = w.dv.getUint32(r + RXR_SIZE + slot * RXD_SIZE + RXD_BUF, true) + BUF_HEADROOM;
        new Uint8Array(w.dv.buffer, dst, len + 32).fill(0xee);
        // one frame of `len` bytes from template 1 (fixed length: the template's bytes from its start)
        expect(w.k.rxr_fill(r, 1, w.tmpl + w.stride, w.stride, 1, len, 0, 0)).toBe(1);
        const got = [...new Uint8Array(w.dv.buffer, dst, len + 32)];
        const want = [...new Uint8Array(w.dv.buffer, w.tmpl + w.stride, len), ...Array(32).fill(0xee)];
        expect(got).toEqual(want);
        out.push(got);
        w.k.rxr_intr(r, w.b.pktq[0]!, cache(w, 0), w.b.pool, 8);
        w.k.pktq_dequeue(w.ctx[0]!, w.b.pktq[0]!, BATCH);
        w.k.pool_balance(cache(w, 0), w.b.pool, BATCH);
      }
      return out;
    };
    expect(dump(wasmKernels)).toEqual(dump(tsKernels));
  });
  test('rxr_intr_softint leaves what rxr_intr then pktq_dequeue leave (descriptors, rings, pktq counters, caches), pktq empty or not', () => {
    for (const queued of [0, 5]) {
      const [a, b] = [world(wasmKernels), world(wasmKernels)];
      for (const w of [a, b]) {
        const r = rings(w)[0]!;
        if (queued) {
          w.k.rxr_fill(r, queued, w.tmpl, w.stride, LENS.length, 0, 0, w.hashes);
          w.k.rxr_intr(r, w.b.pktq[0]!, cache(w, 0), w.b.pool, BATCH);
        }
        w.k.rxr_fill(r, BATCH, w.tmpl, w.stride, LENS.length, 0, queued, w.hashes);
      }
      const r = (w: World) => rings(w)[0]!;
      a.k.rxr_intr(r(a), a.b.pktq[0]!, cache(a, 0), a.b.pool, BATCH - 3);
      const na = a.k.pktq_dequeue(a.ctx[0]!, a.b.pktq[0]!, BATCH - 3);
      const nb = b.k.rxr_intr_softint(b.ctx[0]!, r(b), b.b.pktq[0]!, b.b.pool, BATCH - 3);
      expect(nb).toBe(na);
      const pd = (w: World) => [...new Uint8Array(w.dv.buffer, w.dv.getUint32(w.ctx[0]! + CTX_PD, true), na * PD_SIZE)];
      expect(pd(b)).toEqual(pd(a));
      const ring = (w: World) => [...new Uint8Array(w.dv.buffer, r(w), RXR_SIZE + BATCH * RXD_SIZE)];
      expect(ring(b)).toEqual(ring(a));
      const pq = (w: World) => [0, 4, 8, 12].map((o) => w.dv.getUint32(w.b.pktq[0]! + o, true));
      expect(pq(b)).toEqual(pq(a));
      const fs = (w: World) => [...new Uint8Array(w.dv.buffer, cache(w, 0), 8 + CACHE * 4)];
      expect(fs(b)).toEqual(fs(a));
    }
  });
  test('tx_post: long runs of frames forwarded in place out of one interface, through full rings, WASM as TS', () => {
    const run = (make: (m: WebAssembly.Memory) => Kernels) => {
      const w = world(make);
      const c = w.ctx[0]!;
      for (let round = 0; round < 4; round++) {
        w.k.rxr_fill(rings(w)[0]!, BATCH, w.tmpl, w.stride, LENS.length, 0, 0, w.hashes);
        const n = w.k.rxr_intr_softint(c, rings(w)[0]!, w.b.pktq[0]!, w.b.pool, BATCH);
        const pd0 = w.dv.getUint32(c + CTX_PD, true);
        const tx = w.dv.getUint32(c + CTX_TX, true);
        for (let i = 0; i < n; i++) {
          const pd = pd0 + i * PD_SIZE;
          w.dv.setUint32(pd + PD_TXFIRST, i, true);
          w.dv.setUint16(pd + PD_NTX, round === 3 && i === 5 ? 0 : 1, true); // one drop in the last round
          w.dv.setUint32(tx + i * TX_SIZE + TX_BUF, w.dv.getUint32(pd + PD_BUF, true), true);
          w.dv.setUint16(tx + i * TX_SIZE + TX_LEN, 60, true);
          w.dv.setUint16(tx + i * TX_SIZE + TX_IF, round === 2 && i > 10 ? 2 : 1, true);
        }
        w.dv.setUint32(c + CTX_NTX, n, true);
        expect(w.k.tx_post(c, n, w.b.txmap, 0, w.b.pool)).toBe(round === 3 ? n - 1 : n);
        w.k.pool_balance(cache(w, 0), w.b.pool, BATCH);
      }
      expect(
        auditBuffers(
          w.dv,
          w.b,
          w.ctx.map((x) => w.dv.getUint32(x + CTX_FREE, true)),
        ),
      ).toMatchObject({ ok: true });
      return w;
    };
    const [a, b] = [run(wasmKernels), run(tsKernels)];
    expect(firstDifference(a, b)).toBe(-1);
  });
  test('no clusters left: the interrupt and poll drop what they take, count it, clear the slots, WASM as TS', () => {
    const run = (make: (m: WebAssembly.Memory) => Kernels) => {
      const w = world(make);
      w.dv.setUint32(w.b.pool + MB_COUNT, 0, true); // the pool and CPU 0's cache empty
      w.dv.setUint32(cache(w, 0), 0, true);
      const [r0, r1] = rings(w);
      w.k.rxr_fill(r0!, 5, w.tmpl, w.stride, LENS.length, 0, 0, w.hashes);
      w.k.rxr_fill(r1!, 5, w.tmpl, w.stride, LENS.length, 0, 0, w.hashes);
      expect(w.k.rxr_intr_softint(w.ctx[0]!, r0!, w.b.pktq[0]!, w.b.pool, BATCH)).toBe(0);
      expect(w.k.rxr_poll(w.ctx[0]!, r1!, w.b.pool, BATCH)).toBe(0);
      for (const r of [r0!, r1!]) {
        expect(w.dv.getUint32(r + RXR_NOBUFS, true)).toBe(5);
        for (let i = 0; i < 5; i++) expect(w.dv.getUint16(r + RXR_SIZE + i * RXD_SIZE + RXD_DONE, true)).toBe(0);
      }
      return w;
    };
    expect(firstDifference(run(wasmKernels), run(tsKernels))).toBe(-1);
  });
});
