// The multi-CPU engine with real worker threads (needs the built dist/: `npm test` builds first).
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../ts/config/load.js';
import { MpEngine } from '../../ts/mp/engine.js';
import { runSummary } from '../../ts/cli/run.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 64, size: 64, rate: RATE }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: sink
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;
const cfg = (rate: number) => parseConfig(CONFIG.replace('RATE', String(rate)), 'test.yaml', process.cwd());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['wasm', 'ts'] as const)('MpEngine (%s)', (engine) => {
  test('two CPUs share the queues, and every generated frame is accounted for', async () => {
    const e = await MpEngine.start(cfg(0), { cpus: 2, engine, batch: 64 });
    await sleep(400);
    await e.stop();
    const per = e.cpuCounters();
    expect(per.every((c) => c['rx-frames']! > 0)).toBe(true);
    const rx = per.reduce((s, c) => s + c['rx-frames']!, 0);
    expect(e.generated().frames).toBe(rx);
    expect(per.reduce((s, c) => s + c['fast']! + c['normal']!, 0)).toBe(rx);
    expect(runSummary(e)).toMatch(/accounting: .*: ok/);
    // the default affinity spreads the four queues over both CPUs
    expect(e.vectors.filter((v) => v.ifindex === 1).map((v) => e.boundCpu(v))).toEqual([0, 1, 0, 1]);
  });

  test('intrctl affinity moves a queue under traffic without losing a frame; nointr / intr', async () => {
    const e = await MpEngine.start(cfg(200_000), { cpus: 2, engine, batch: 64 });
    await sleep(150);
    const v = e.vector('wm0 txrx1');
    const before = e.interruptCounts(v);
    e.affinity('wm0 txrx1', 0);
    await sleep(150);
    const after = e.interruptCounts(v);
    expect(after[0]!).toBeGreaterThan(before[0]!); // CPU0 now services it
    expect(e.ownerCpu(v)).toBe(0);
    e.nointr(1);
    await sleep(100);
    expect(e.vectors.map((x) => e.boundCpu(x)).every((c) => c === 0)).toBe(true);
    e.intr(1);
    expect(e.intrctlList()).toMatch(/^interrupt id\s+CPU0\s+CPU1/);
    await e.stop();
    const rx = e.cpuCounters().reduce((s, c) => s + c['rx-frames']!, 0);
    expect(rx).toBeGreaterThan(0);
    expect(e.generated().frames).toBe(rx);
  });
});

describe('MpEngine control input', () => {
  test('unknown interrupt, missing CPU, last CPU: clear errors, nothing changes', async () => {
    const e = await MpEngine.start(cfg(100_000), { cpus: 2, engine: 'wasm', batch: 32 });
    try {
      const bound = e.vectors.map((v) => e.boundCpu(v));
      expect(() => e.affinity('wm7 txrx0', 0)).toThrow(/no interrupt 'wm7 txrx0'/);
      expect(() => e.affinity('wm0 txrx0', 5)).toThrow(/no CPU 5/);
      e.nointr(1);
      expect(() => e.nointr(0)).toThrow(/last CPU/);
      expect(() => e.affinity('wm0 txrx0', 1)).toThrow(/takes no interrupts/);
      e.intr(1);
      expect(e.vectors.map((v) => e.boundCpu(v))).toEqual(bound);
    } finally {
      await e.stop();
    }
  });

  test('a bad gen config is a clear error', async () => {
    await expect(MpEngine.start(parseConfig(CONFIG.replace('rate: RATE', 'rate: 0, colour: red'), 't.yaml', '.'), { cpus: 1, engine: 'wasm' })).rejects.toThrow(/wm0: gen: unknown key 'colour'/);
  });
});
