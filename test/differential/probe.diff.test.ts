// Differential and model test of the flow probe (assembly/probe/probe.ts and its TS twin, read back by
// ts/machine/flow-probe.ts): random trials whose stamped frames a random "network" drops, reorders,
// duplicates and mixes with frames of other interfaces and unstamped ones, run over two memories,
// one by the WASM kernels and one by the TS twins. Both memories must stay byte-identical, and the
// probe's per-flow counts must match a model of what the network did.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  LAYOUT_BASE,
  BUF_HEADROOM,
  QS_SIZE,
  QS_COUNT,
  QS_SEQ,
  QS_FRAMES,
  QS_LIMIT,
  RXR_SIZE,
  RXR_NSLOT,
  RXR_HW,
  RXD_SIZE,
  RXD_BUF,
  RXD_LEN,
  TX_SIZE,
  TX_BUF,
  TX_LEN,
  TX_IF,
  PRS_SIZE,
} from '../../assembly/layout.js';
import { Arena } from '../../ts/stack/arena.js';
import { type Kernels, tsKernels, wasmKernels } from '../../ts/stack/kernels.js';
import { createMemory } from '../../ts/stack/wasm.js';
import { FlowProbe, probeBytes } from '../../ts/machine/flow-probe.js';
import { buildFrame } from '../../ts/packet/build.js';

const SLOTS = 64;
const SINK = 2;
const CL = 2048;

interface Sent {
  q: number;
  flow: number;
  seq: number;
  us: number;
  bytes: Uint8Array;
}

/** The ones' complement sum of the UDP datagram (header and payload): what its checksum covers besides the pseudo-header. */
function udpSum(f: Uint8Array): number {
  const l4 = f[12] === 0x86 ? 14 + 40 : 14 + 20;
  let s = 0;
  for (let i = l4; i < f.length; i += 2) s += (f[i]! << 8) | (f[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s % 0xffff;
}

function world(make: (m: WebAssembly.Memory) => Kernels, counts: number[]) {
  const flows = counts.reduce((a, b) => a + b, 0);
  const nq = counts.length;
  const bytes =
    LAYOUT_BASE + nq * (QS_SIZE + RXR_SIZE + SLOTS * (RXD_SIZE + CL)) + probeBytes(nq, flows) + 256 * CL + 65536;
  const memory = createMemory(bytes);
  const k = make(memory);
  const dv = new DataView(memory.buffer);
  const a = new Arena(LAYOUT_BASE, bytes);
  const qs = a.alloc(nq * QS_SIZE);
  const rings = counts.map(() => {
    const r = a.alloc(RXR_SIZE + SLOTS * RXD_SIZE);
    dv.setUint32(r + RXR_NSLOT, SLOTS, true);
    for (let s = 0; s < SLOTS; s++) dv.setUint32(r + RXR_SIZE + s * RXD_SIZE + RXD_BUF, a.alloc(CL), true);
    return r;
  });
  const probe = new FlowProbe(dv, new Int32Array(memory.buffer), a.alloc(probeBytes(nq, flows)), nq, flows);
  const tx = a.alloc(256 * TX_SIZE);
  const txBufs = Array.from({ length: 256 }, () => a.alloc(CL));
  return { k, dv, u8: new Uint8Array(memory.buffer), qs, rings, probe, tx, txBufs };
}

const templates = (counts: number[], v6: boolean, size: number) =>
  counts.map((c, q) =>
    Array.from({ length: c }, (_, t) =>
      buildFrame({
        dstMac: Uint8Array.of(2, 0, 0, 0, 0, 1),
        srcMac: Uint8Array.of(2, 0, 0, 0, 0, 2),
        src: v6 ? Uint8Array.of(0x20, 1, 0xd, 0xb8, ...new Array(11).fill(0), q + 1) : Uint8Array.of(192, 0, 2, q + 1),
        dst: v6
          ? Uint8Array.of(0x20, 1, 0xd, 0xb8, 0, 2, ...new Array(9).fill(0), t + 1)
          : Uint8Array.of(203, 0, 113, t + 1),
        proto: 'udp',
        sport: 1024 + t,
        dport: 9,
        payload: size - 4 - 14 - (v6 ? 48 : 28),
        minFrame: size - 4,
      }),
    ),
  );

describe('flow probe: WASM and TS agree, and the counts match the network', () => {
  test('random trials', () => {
    fc.assert(
      fc.property(
        fc.record({
          counts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
          v6: fc.boolean(),
          size: fc.integer({ min: 0, max: 3 }),
          frames: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 3 }),
          seq0: fc.array(fc.nat(100), { minLength: 3, maxLength: 3 }),
          drops: fc.array(fc.nat(1000), { maxLength: 20 }),
          dups: fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 8 })), { maxLength: 10 }),
          moves: fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 12 })), { maxLength: 10 }),
          t0: fc.nat(),
        }),
        (o) => {
          const size = o.v6 ? [78, 79, 128, 1518][o.size]! : [64, 65, 128, 1518][o.size]!;
          const tmpl = templates(o.counts, o.v6, size);
          const ws = [world(wasmKernels, o.counts), world(tsKernels, o.counts)];
          const sent: Sent[] = [];
          let us = o.t0 >>> 0;
          for (const w of ws) {
            o.counts.forEach((c, q) => {
              const at = w.qs + q * QS_SIZE;
              w.dv.setUint32(at + QS_COUNT, c, true);
              w.dv.setUint32(at + QS_SEQ, o.seq0[q]! % c, true);
            });
            w.probe.arm(
              SINK,
              o.counts.map((_, q) => ({ v: q, qs: w.qs + q * QS_SIZE })),
            );
          }
          // the generator: each queue's frames in chunks, stamped as the CPU's produce() does
          o.counts.forEach((c, q) => {
            const n = o.frames[q % o.frames.length]!;
            for (let j0 = 0; j0 < n; ) {
              const k = Math.min(n - j0, 1 + ((j0 * 7 + q) % 13));
              us = (us + 1 + ((j0 * 31) % 50)) >>> 0;
              const got: Uint8Array[][] = [];
              for (const w of ws) {
                const r = w.rings[q]!;
                const hw0 = w.dv.getUint32(r + RXR_HW, true);
                for (let i = 0; i < k; i++) {
                  const s = r + RXR_SIZE + ((hw0 + i) % SLOTS) * RXD_SIZE;
                  const f = tmpl[q]![((o.seq0[q]! % c) + j0 + i) % c]!;
                  w.u8.set(f, w.dv.getUint32(s + RXD_BUF, true) + BUF_HEADROOM);
                  w.dv.setUint16(s + RXD_LEN, f.length, true);
                }
                w.k.probe_stamp(r, hw0, k, q, j0, us);
                w.dv.setUint32(r + RXR_HW, hw0 + k, true);
                got.push(
                  Array.from({ length: k }, (_, i) => {
                    const s = r + RXR_SIZE + ((hw0 + i) % SLOTS) * RXD_SIZE;
                    const b = w.dv.getUint32(s + RXD_BUF, true) + BUF_HEADROOM;
                    return w.u8.slice(b, b + w.dv.getUint16(s + RXD_LEN, true));
                  }),
                );
              }
              expect(got[0]).toEqual(got[1]);
              got[0]!.forEach((b, i) => {
                const j = j0 + i;
                const orig = tmpl[q]![((o.seq0[q]! % c) + j) % c]!;
                expect(udpSum(b)).toBe(udpSum(orig)); // the checksum still holds
                expect(b.subarray(0, b.length - PRS_SIZE - 1)).toEqual(orig.subarray(0, b.length - PRS_SIZE - 1));
                sent.push({ q, flow: ((o.seq0[q]! % c) + j) % c, seq: Math.floor(j / c), us, bytes: b });
              });
              j0 += k;
            }
            for (const w of ws) w.dv.setUint32(w.qs + q * QS_SIZE + QS_FRAMES, n, true); // QS_LIMIT 0: the trial's first frame
            for (const w of ws) expect(w.dv.getUint32(w.qs + q * QS_SIZE + QS_LIMIT, true)).toBe(0);
          });
          // the network: interleave the queues, drop, duplicate nearby, move frames a little later
          const wire = [...sent].sort((x, y) => x.us - y.us || x.q - y.q);
          for (const d of o.drops) if (wire.length) wire.splice(d % wire.length, 1);
          for (const [at, by] of o.dups)
            if (wire.length) wire.splice(Math.min(wire.length, (at % wire.length) + by), 0, wire[at % wire.length]!);
          for (const [at, by] of o.moves)
            if (wire.length) {
              const [x] = wire.splice(at % wire.length, 1);
              wire.splice(Math.min(wire.length, (at % (wire.length + 1)) + by), 0, x!);
            }
          // the sink's transmit, in batches, with frames for another interface and unstamped ones mixed in
          let foreign = 0;
          const rxUs = (us + 1000) >>> 0;
          for (let i = 0; i < wire.length; i += 16) {
            const batch: { b: Uint8Array; ifx: number }[] = wire
              .slice(i, i + 16)
              .map((s) => ({ b: s.bytes, ifx: SINK }));
            batch.push({ b: wire[i]!.bytes, ifx: SINK + 1 });
            if (i % 32 === 0) {
              batch.push({ b: new Uint8Array(20), ifx: SINK }); // too short for a stamp
              foreign++;
            }
            for (const w of ws) {
              batch.forEach((x, e) => {
                w.u8.set(x.b, w.txBufs[e]!);
                w.dv.setUint32(w.tx + e * TX_SIZE + TX_BUF, w.txBufs[e]!, true);
                w.dv.setUint16(w.tx + e * TX_SIZE + TX_LEN, x.b.length, true);
                w.dv.setUint16(w.tx + e * TX_SIZE + TX_IF, x.ifx, true);
              });
              w.k.probe_tx(w.probe.at, w.tx, batch.length, 1, rxUs);
            }
            expect(Buffer.compare(ws[0]!.u8, ws[1]!.u8)).toBe(0);
          }
          // the model: per flow, distinct numbers received, duplicates, late arrivals, latency
          const sums = ws.map((w) => w.probe.read());
          expect(sums[0]).toEqual(sums[1]);
          const s = sums[0]!;
          expect(s.unrecognized).toBe(foreign);
          for (const f of s.perFlow) {
            const mine = wire.filter((x) => x.q === f.queue && x.flow === f.flow);
            const offered = sent.filter((x) => x.q === f.queue && x.flow === f.flow).length;
            const seen = new Set<number>();
            let next = 0;
            let reordered = 0;
            let dups = 0;
            for (const x of mine) {
              if (seen.has(x.seq)) dups++;
              else if (x.seq < next) reordered++;
              seen.add(x.seq);
              next = Math.max(next, x.seq + 1);
            }
            expect(f).toMatchObject({
              offered,
              received: seen.size,
              lost: offered - seen.size,
              duplicated: dups,
              reordered,
              late: 0,
            });
            if (seen.size) {
              expect(f.latMinUs).toBe(Math.min(...mine.map((x) => (rxUs - x.us) >>> 0)));
              expect(f.latMaxUs).toBe(Math.max(...mine.map((x) => (rxUs - x.us) >>> 0)));
            }
          }
          expect(s.received).toBeLessThanOrEqual(s.offered);
          expect(s.lost).toBe(s.offered - s.received);
        },
      ),
      { numRuns: 40 },
    );
  });
});
