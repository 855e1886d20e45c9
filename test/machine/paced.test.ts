// Trial mode of the gen driver (MpOptions.paced, the RFC 2544 bench): an exact frame count at a
// paced rate, idle until asked, and a wire's honesty when the CPU cannot keep up (missed, not unsent).
// Needs the built dist/ (worker threads).
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../ts/config/load.js';
import { NodeMachine } from '../../ts/host/host-node.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 64, size: 64, rate: 0 }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24], driver: sink }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await sleep(2);
}

describe('gen trial mode (paced)', () => {
  test('idle until offered; then exactly the count, at the rate asked; offer(0, 0) ends it', async () => {
    const e = await NodeMachine.start(parseConfig(CONFIG, 'test.yaml', process.cwd()), {
      cpus: 1,
      engine: 'wasm',
      paced: true,
    });
    try {
      await sleep(50);
      expect(e.stats.generated().frames).toBe(0);
      // 6,000 frames at 20,000 frames/s: 0.3 s
      const shares = await e.offer(6000, 20_000);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(6000);
      const t0 = performance.now();
      await until(() => e.offerDone(), 5000);
      const el = (performance.now() - t0) / 1000;
      expect(e.stats.generated().frames).toBe(6000);
      expect(el).toBeGreaterThan(0.27);
      expect(el).toBeLessThan(0.6);
      await until(() => e.stats.transmitted(2).frames === 6000, 2000);
      expect(e.stats.transmitted(2).frames).toBe(6000);
      // a long trial, ended early
      await e.offer(1_000_000, 10_000);
      await sleep(100);
      await e.offer(0, 0);
      const made = e.stats.generated().frames - 6000;
      expect(made).toBeGreaterThan(200);
      expect(made).toBeLessThan(5000);
      await sleep(50);
      expect(e.stats.generated().frames - 6000).toBe(made);
      expect(e.offerDone()).toBe(true);
    } finally {
      await e.stop();
    }
    expect(e.bufferAudit().ok).toBe(true);
  });

  test('more than the CPU takes: frames that find the RX ring full are missed, and still counted as offered', async () => {
    const e = await NodeMachine.start(parseConfig(CONFIG, 'test.yaml', process.cwd()), {
      cpus: 1,
      engine: 'ts',
      paced: true,
    });
    try {
      // 100 Mpps for 1 M frames: far beyond one CPU of the TS engine
      await e.offer(1_000_000, 100_000_000);
      await until(() => e.offerDone(), 10_000);
      await sleep(100);
      const lost = e.stats.rxLost();
      expect(e.stats.generated().frames).toBe(1_000_000);
      expect(lost.missed).toBeGreaterThan(0);
      expect(e.stats.transmitted(2).frames + lost.missed).toBe(1_000_000);
    } finally {
      await e.stop();
    }
  });

  test('a wire that brought more than a batch: what it left in the RX ring is taken with no new arrival', async () => {
    // a 2048-slot ring (as the RFC 2544 bench uses) filled at once, far faster than one CPU takes it:
    // everything placed must be forwarded even after the trial stops bringing frames, so nothing is
    // left to be counted in the next trial (received > offered there before)
    const e = await NodeMachine.start(parseConfig(CONFIG, 'test.yaml', process.cwd()), {
      cpus: 1,
      engine: 'ts',
      paced: true,
      rxRing: 2048,
    });
    try {
      await e.offer(200_000, 100_000_000);
      await sleep(30);
      await e.offer(0, 0); // stopped early, rings full
      const made = e.stats.generated().frames;
      await until(() => e.stats.rxLost().queued === 0, 3000);
      expect(e.stats.rxLost().queued).toBe(0);
      await sleep(50);
      const lost = e.stats.rxLost();
      expect(e.stats.transmitted(2).frames + lost.missed).toBe(made);
    } finally {
      await e.stop();
    }
    expect(e.bufferAudit().ok).toBe(true);
  });
});
