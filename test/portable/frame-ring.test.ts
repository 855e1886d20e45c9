// The SharedArrayBuffer frame ring (ts/portable/adapters/frame-ring.ts): its records across the
// wrap, its counted drops, and as a link with a thread on each side: a producer worker fills the
// ring into the router's wm0, the router (on this thread) forwards, and a consumer worker drains
// the ring out of wm1. Every frame arrives once, in order. Needs the build (the workers load dist/).
import { expect, test } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import { attachFrameRings, FrameRing } from '../../ts/portable/adapters/frame-ring.js';
import { createRouter } from '../../ts/portable/router.js';

test('records of every length survive the wrap; a full ring drops and counts', () => {
  const ring = FrameRing.create(4096);
  for (let round = 0; round < 300; round++) {
    const frames = Array.from({ length: 5 }, (_, k) =>
      Uint8Array.from({ length: 14 + ((round * 5 + k) % 97) }, (_, i) => (round + k + i) & 0xff),
    );
    for (const f of frames) expect(ring.push(f)).toBe(true);
    for (const f of frames) expect(ring.pop()).toEqual(f);
    expect(ring.pop()).toBeNull();
  }
  const big = new Uint8Array(1500);
  let pushed = 0;
  while (ring.push(big)) pushed++;
  expect(pushed).toBe(2); // 4096 bytes hold two 1504-byte records
  expect(ring.drops).toBe(1);
  expect(ring.fits(1500)).toBe(false);
  expect(() => new FrameRing(new SharedArrayBuffer(100))).toThrow(/not a frame ring/);
});

test('a worker on each side: every frame once, in order per flow, nothing dropped', async () => {
  const r = await createRouter(
    {
      interfaces: [
        { name: 'wm0', mac: '02:00:00:00:0a:01', addresses: ['192.0.2.1/24'] },
        { name: 'wm1', mac: '02:00:00:00:0a:02', addresses: ['198.51.100.1/24'] },
      ],
      routes: [{ dst: '203.0.113.0/24', via: '198.51.100.2' }],
      neighbors: [
        { address: '198.51.100.2', mac: '02:00:00:00:0b:01', dev: 'wm1' },
        { address: '192.0.2.10', mac: '02:00:00:00:aa:10', dev: 'wm0' },
      ],
    },
    { engine: 'wasm' },
  );
  const count = 20_000;
  const flows = 3;
  const into = FrameRing.create(1 << 16);
  const outOf = FrameRing.create(1 << 20); // holds every frame: the consumer may start late
  const a = attachFrameRings(r.port('wm0'), { rx: into, tx: FrameRing.create() });
  const b = attachFrameRings(r.port('wm1'), { rx: FrameRing.create(), tx: outOf });
  const run = (data: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const w = new Worker(new URL('./workers/ring-end.mjs', import.meta.url), { workerData: data });
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    const [produced, consumed] = await Promise.all([
      run({ role: 'produce', ring: into.buffer, count, flows }),
      run({ role: 'consume', ring: outOf.buffer, count, ms: 20_000 }),
    ]);
    expect(produced).toEqual({ pushed: count, drops: 0 });
    expect(consumed['got']).toBe(count);
    const seq = consumed['seq'] as Record<string, number[]>;
    expect(Object.keys(seq).sort()).toEqual(['1000', '1001', '1002']);
    for (const [sport, ids] of Object.entries(seq)) {
      const f = Number(sport) - 1000;
      expect(ids).toEqual(
        Array.from(
          { length: Math.floor(count / flows) + (f < count % flows ? 1 : 0) },
          (_, k) => (k * flows + f) & 0xffff,
        ),
      );
    }
    expect(outOf.drops).toBe(0);
  } finally {
    await a.close();
    await b.close();
  }
}, 60_000);
