// The RFC 2544 bench's per-flow accounting on the running machine (MpOptions.probe, flowTrial): every
// frame of a trial stamped by the generator and counted per flow at the sink's transmit, with both
// engines; and a trial forced to lose frames (offered far beyond what one CPU takes, the RX rings
// overflow) where each flow's lost is its offered less its received. Needs the built dist/.
import { describe, expect, test } from '@jest/globals';
import { NodeMachine } from '../../ts/host/host-node.js';
import { flowTrial } from '../../ts/rfc2544/runner.js';
import { buildScenario } from '../../ts/rfc2544/scenarios.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('flow probe on the machine', () => {
  test.each(['wasm', 'ts'] as const)(
    '%s: a clean trial, then a forced loss; the counts add up per flow',
    async (engine) => {
      const sc = buildScenario('gif', { size: 64, flows: 64, queues: 2, routes: 0 });
      const e = await NodeMachine.start(sc.cfg, {
        cpus: 1,
        engine,
        paced: true,
        routes: sc.routes,
        rxRing: 256,
        probe: true,
      });
      try {
        // warm-up, unstamped
        await e.offer(2000, 0, sc.source);
        while (!e.offerDone()) await sleep(2);
        await sleep(50);
        const clean = await flowTrial(e, sc.sink, sc.source, 20_000, 0.2);
        expect(clean).toMatchObject({ flows: 64, offered: 4000, trialOffered: 4000, unrecognized: 0 });
        expect(clean.received).toBe(clean.sinkReceived);
        expect(clean.lost).toBe(clean.offered - clean.received);
        expect(clean.duplicated).toBe(0);
        const l = clean.latency!;
        expect(l.minUs).toBeLessThanOrEqual(l.avgUs);
        expect(l.avgUs).toBeLessThanOrEqual(l.maxUs);
        expect(l.p99Us).toBeLessThanOrEqual(l.maxUs);
        // 200,000 frames due within 10 ms: far more than 256-slot rings hold while the CPU forwards
        const lossy = await flowTrial(e, sc.sink, sc.source, 20_000_000, 0.01);
        expect(lossy.offered).toBe(200_000);
        expect(lossy.lost).toBeGreaterThan(0);
        expect(lossy.lost).toBe(lossy.offered - lossy.received);
        expect(lossy.received).toBeGreaterThanOrEqual(lossy.sinkReceived); // counted as handed to the TX ring
        expect(lossy.flowsWithLoss).toBeGreaterThan(0);
        for (const f of lossy.worstFlows) {
          expect(f.lost).toBe(f.offered - f.received);
          expect(f.received).toBeLessThanOrEqual(f.offered);
        }
      } finally {
        await e.stop();
      }
    },
    30_000,
  );
});
