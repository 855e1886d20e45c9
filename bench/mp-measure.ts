// One measurement of the multi-CPU engine (mp.ts, mp-ab.ts): a NodeMachine with `cpus` worker CPUs
// over MP_CONFIG for `ms`, optionally under back-to-back route churn. The machine's modules are
// passed in, so mp-ab.ts can measure another checkout's build with the same code.
import type { parseConfig as ParseConfig } from '../ts/config/load.js';
import type { NodeMachine as NodeMachineT } from '../ts/host/host-node.js';

export const MP_CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 1024, size: 64, rate: 0 }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24], rss: { queues: 4 }, driver: sink }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
fastforward: FF
`;

export interface MachineModules {
  parseConfig: typeof ParseConfig;
  NodeMachine: typeof NodeMachineT;
}

export interface Run {
  path: string;
  cpus: number;
  e2eMpps: number;
  perCpuStackMpps: number[];
  stackMpps: number;
  /** per frame, over all CPUs: the pipeline's time and the NIC and driver work around it */
  stackNsPerFrame: number;
  nicNsPerFrame: number;
  /**
   * Of nicNsPerFrame, the generated traffic source's copy into the RX rings (rxr_fill, a real NIC's
   * DMA); NaN from a build that does not time it apart
   */
  sourceNsPerFrame: number;
  /** frames per second of each CPU's wall-clock time less its source copies, summed: the end to end of a NIC that copies for free */
  e2eNoSourceMpps: number;
  /**
   * The process's CPU time (process.cpuUsage: the workers, the main thread, V8's helpers) per frame
   * forwarded: unlike the wall-clock rates, not moved by the OS running other processes instead of
   * this one (on a loaded machine, what tells two builds apart); NaN from an older measurement
   */
  cpuNsPerFrame: number;
  maxBatchUs: number;
  maxGapUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureMachine(
  m: MachineModules,
  config: string,
  fastforward: boolean,
  cpus: number,
  ms: number,
  churn = false,
): Promise<Run> {
  const cfg = m.parseConfig(config.replace('FF', String(fastforward)), 'bench', process.cwd());
  const e = await m.NodeMachine.start(cfg, { cpus, engine: 'wasm', batch: 256 });
  await sleep(300);
  e.stats.resetTimes();
  const before = e.stats.cpuCounters().map((c) => c['rx-frames']!);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (churn) {
    // route changes as fast as the control plane goes: the traffic's own route changes nexthop
    // in place, and 64 unrelated /24s come and go with their grace periods and reclaims, each
    // round one writer (the control plane's lock, held across the grace period)
    const t = e.stack.tables;
    const gws = [Uint8Array.of(198, 51, 100, 254), Uint8Array.of(198, 51, 100, 253)];
    t.wlock.runSync('bench', () => t.setNeighbor(gws[1]!, 2, Uint8Array.of(2, 0, 0, 0, 0xbb, 0xfd)));
    let i = 0;
    while (performance.now() - t0 < ms) {
      await t.wlock.run('bench churn', async () => {
        t.changeRoute(4, Uint8Array.of(203, 0, 113, 0), 24, 'unicast', 2, gws[i++ & 1]!, 0);
        const ps = Array.from({ length: 64 }, (_, j) => Uint8Array.of(10, i & 255, j, 0));
        for (const p of ps) t.addRoute(4, p, 24, 'unicast', 2, gws[0]!, 0);
        for (const p of ps) t.deleteRoute(4, p, 24);
        await e.synchronize();
        t.reclaim();
      });
    }
  } else {
    await sleep(ms);
  }
  const el = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const frames = e.stats.cpuCounters().map((c, i) => c['rx-frames']! - before[i]!);
  const times = e.stats.cpuTimes();
  const [p50Us, p99Us, p999Us] = [0.5, 0.99, 0.999].map((q) => e.stats.batchTimeQuantileNs(q) / 1e3) as [
    number,
    number,
    number,
  ];
  await e.stop();
  const perCpu = frames.map((f, i) => (times[i]!.stackNs ? (f / times[i]!.stackNs) * 1e3 : 0));
  const total = frames.reduce((s, f) => s + f, 0);
  return {
    path: fastforward ? 'fast path' : 'normal path',
    cpus,
    e2eMpps: total / el / 1e6,
    perCpuStackMpps: perCpu,
    stackMpps: perCpu.reduce((s, x) => s + x, 0),
    stackNsPerFrame: times.reduce((s, t) => s + t.stackNs, 0) / Math.max(1, total),
    nicNsPerFrame: times.reduce((s, t) => s + t.nicNs, 0) / Math.max(1, total),
    sourceNsPerFrame: times.reduce((s, t) => s + (t.sourceNs ?? NaN), 0) / Math.max(1, total),
    e2eNoSourceMpps: frames.reduce((s, f, i) => s + f / (el * 1e3 - (times[i]!.sourceNs ?? NaN) / 1e6), 0) / 1e3,
    cpuNsPerFrame: ((cpu.user + cpu.system) * 1e3) / Math.max(1, total),
    maxBatchUs: Math.max(...times.map((t) => t.maxBatchNs)) / 1e3,
    maxGapUs: Math.max(...times.map((t) => t.maxGapNs)) / 1e3,
    p50Us,
    p99Us,
    p999Us,
  };
}
