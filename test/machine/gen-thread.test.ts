// The generator thread (MpOptions.generator 'thread', gen-loop.ts): the trial sources' NIC on a core
// of its own. Exactly the frames asked, at the rate asked, over every flow; a trial's accounting
// (offered, received, loss, per flow) right at a low rate; more than one CPU takes, and no CPU at all,
// lose frames that are counted as missed at the RX ring. Needs the built dist/ (worker threads).
import { describe, expect, test } from '@jest/globals';
import { MP_RUNNING } from '../../assembly/layout.js';
import type { Config } from '../../ts/config/schema.js';
import { NODE_HOST, NodeMachine } from '../../ts/host/host-node.js';
import { MpMachine, type MpOptions } from '../../ts/machine/machine.js';
import { runTrial } from '../../ts/rfc2544/runner.js';
import { buildScenario } from '../../ts/rfc2544/scenarios.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FLOWS = 64;

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await sleep(2);
}

/** The machine with its CPU threads absent: they report running but never service a queue; the generator thread is real. */
class NoCpuMachine extends MpMachine {
  static async start(cfg: Config, o: MpOptions): Promise<NoCpuMachine> {
    const host = {
      ...NODE_HOST,
      spawn: (data: { memory: WebAssembly.Memory; mp: number }, events: { exit(): void }) => {
        Atomics.add(new Int32Array(data.memory.buffer), (data.mp + MP_RUNNING) >> 2, 1);
        events.exit();
        return { terminate: () => undefined };
      },
    };
    return MpMachine.boot(new NoCpuMachine(cfg, o, host));
  }
}

describe('generator thread', () => {
  test.each(['wasm', 'ts'] as const)(
    '%s: exactly N frames at the paced rate over every flow; a low-rate trial loses nothing',
    async (engine) => {
      const sc = buildScenario('fast', { size: 64, flows: FLOWS, queues: 4, routes: 0 });
      const e = await NodeMachine.start(sc.cfg, {
        cpus: 1,
        engine,
        paced: true,
        routes: sc.routes,
        rxRing: 2048,
        probe: true,
        generator: 'thread',
      });
      try {
        await sleep(50);
        expect(e.stats.generated().frames).toBe(0); // idle until offered
        await e.offer(2000, 0, sc.source); // warm-up (rate 0: no more than the rings hold, nothing missed)
        await until(() => e.offerDone(), 5000);
        await until(() => e.stats.transmitted(sc.sink).frames >= 2000, 3000);
        expect(e.stats.rxLost().missed).toBe(0);
        const g0 = e.stats.generated().frames;
        // 6,000 frames at 20,000 frames/s: 0.3 s, counted per flow
        e.probeArm(sc.sink, sc.source);
        const t0 = performance.now();
        const t = await runTrial(e, sc.sink, 20_000, 6000, 0, sc.source);
        const el = (performance.now() - t0) / 1000;
        const p = e.probeRead();
        expect(e.stats.generated().frames - g0).toBe(6000);
        expect(t).toMatchObject({ offered: 6000, received: 6000, loss: 0, early: false });
        expect(el).toBeGreaterThan(0.27);
        expect(t.measuredRate).toBeGreaterThan(15_000);
        expect(t.measuredRate).toBeLessThan(22_000);
        expect(p).toMatchObject({
          flows: FLOWS,
          offered: 6000,
          received: 6000,
          lost: 0,
          unrecognized: 0,
          duplicated: 0,
        });
        expect(p.perFlow).toHaveLength(FLOWS);
        for (const f of p.perFlow) {
          expect(f.received).toBeGreaterThan(0);
          expect(f.received).toBe(f.offered);
        }
        // the stamps were made on the generator's clock and read on the CPU's: latency stays sane
        expect(p.latency!.minUs).toBeLessThanOrEqual(p.latency!.maxUs);
        expect(p.latency!.maxUs).toBeLessThan(1_000_000);
      } finally {
        await e.stop();
      }
      expect(e.bufferAudit().ok).toBe(true);
    },
    30_000,
  );

  test('more than the CPU takes: the ring overflows, the misses counted as offered and lost', async () => {
    const sc = buildScenario('fast', { size: 64, flows: FLOWS, queues: 4, routes: 0 });
    const e = await NodeMachine.start(sc.cfg, {
      cpus: 1,
      engine: 'ts',
      paced: true,
      routes: sc.routes,
      rxRing: 256,
      generator: 'thread',
    });
    try {
      const t = await runTrial(e, sc.sink, 100_000_000, 1_000_000, Infinity, sc.source);
      const lost = e.stats.rxLost();
      expect(t.offered).toBe(1_000_000);
      expect(lost.missed).toBeGreaterThan(0);
      expect(t.loss).toBe(t.offered - t.received);
      expect(t.received + lost.missed + lost.nobufs + lost.pktqDrops + e.stats.transmitted(sc.sink).drops).toBe(
        1_000_000,
      );
    } finally {
      await e.stop();
    }
    expect(e.bufferAudit().ok).toBe(true);
  }, 30_000);

  test('no CPU servicing the queues: the rings fill, every later frame is missed, nothing is received', async () => {
    const sc = buildScenario('fast', { size: 64, flows: FLOWS, queues: 4, routes: 0 });
    const e = await NoCpuMachine.start(sc.cfg, {
      cpus: 1,
      engine: 'wasm',
      paced: true,
      routes: sc.routes,
      rxRing: 256,
      generator: 'thread',
    });
    try {
      await e.offer(20_000, 200_000, sc.source);
      await until(() => e.offerDone(), 5000);
      expect(e.offerDone()).toBe(true);
      const lost = e.stats.rxLost();
      expect(e.stats.generated().frames).toBe(20_000);
      expect(e.stats.transmitted(sc.sink).frames).toBe(0);
      expect(lost.queued).toBe(4 * 256); // every ring full
      expect(lost.missed).toBe(20_000 - 4 * 256);
    } finally {
      await e.stop();
    }
  }, 30_000);
});
