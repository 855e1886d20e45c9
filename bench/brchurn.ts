// bridge(4) member churn under traffic: the time of each worker batch (fwd_batch over 256 frames)
// while `brconfig bridge0 add wm2` / `delete wm2` run back to back, against the same traffic with
// an idle control plane. Issue 13's target: member add/remove under traffic causes no stall over
// 1 ms (workers never wait for a writer: the member list is a pslist read under pserialize).
//
// The engine is the multi-CPU machine (NodeMachine, WASM): wm0 is a gen interface and a member of
// bridge0, wm1 and wm2 are sinks and members. Two traffic kinds:
// - flood: the gen's frames are for wm0's own MAC, which the bridge never learns, so every frame is
//   unknown unicast, flooded over the member list (the pslist the churn changes) to wm1 and wm2;
// - unicast: a static FDB entry puts that MAC behind wm1, so every frame is switched to wm1 alone
//   (the FDB entries of wm2 come and go with it).
// The churn is the control plane's own brAdd / brDelete (what `mpstack brconfig` calls), each
// delete with its grace period: back to back (the control plane takes a core) and paced (a pair
// every 10 ms, as an operator or a script would). Rounds alternate the three so load changes hit
// all alike;
// the batch-time statistics are the machine's own (ts/machine/machine-stats.ts: the longest batch,
// and a log2 histogram whose quantiles are upper bounds within 2x).
//
//   node dist/bench/brchurn.js [ROUNDS=3] [MS=2000]
import { parseConfig } from '../ts/config/load.js';
import { ControlPlane } from '../ts/control/control-plane.js';
import { NodeMachine } from '../ts/host/host-node.js';
import { buildFrame } from '../ts/packet/build.js';
import { Stack } from '../ts/stack/stack.js';
import { SplitDriver, type Template } from './pipeline.js';
import {
  isMain,
  machineInfo,
  median,
  num,
  table,
  writeResults,
  type SuiteOptions,
  type SuiteReport,
} from './common.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 1024, size: 64, rate: 0 }
  - { name: wm1, mac: 02:00:00:00:00:02, rss: { queues: 4 }, driver: sink }
  - { name: wm2, mac: 02:00:00:00:00:03, rss: { queues: 4 }, driver: sink }
  - name: bridge0
    bridge: { members: [wm0, wm1, wm2] }
    addresses: [198.51.100.1/24]
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Traffic = 'flood' | 'unicast';
/** the control plane: idle, add/delete pairs back to back (a whole core), or one pair every PACE_MS */
type Churn = 'idle' | 'burst' | 'paced';
const PACE_MS = 10;

interface Sample {
  traffic: Traffic;
  workers: number;
  churn: Churn;
  /** brconfig add + delete pairs done (0 idle) */
  pairs: number;
  maxBatchUs: number;
  p99Us: number;
  p999Us: number;
  e2eMpps: number;
  bridged: number;
  batches: number;
  /** batches in histogram buckets from 2^20 ns (1.05 ms) up */
  over1ms: number;
}

async function measure(traffic: Traffic, workers: number, churn: Churn, ms: number): Promise<Sample> {
  const e = await NodeMachine.start(parseConfig(CONFIG, 'bench', process.cwd()), {
    cpus: workers,
    engine: 'wasm',
    batch: 256,
  });
  const cp = new ControlPlane(e);
  if (traffic === 'unicast') await cp.brStatic('bridge0', '02:00:00:00:00:01', 'wm1');
  await sleep(300); // warm-up
  e.stats.resetTimes();
  const rx0 = e.stats.cpuCounters().reduce((s, c) => s + c['rx-frames']!, 0);
  const br0 = e.stack.counters()['bridge'] ?? 0;
  const t0 = performance.now();
  let pairs = 0;
  if (churn !== 'idle') {
    while (performance.now() - t0 < ms) {
      await cp.brDelete('bridge0', 'wm2'); // returns after its grace period
      await cp.brAdd('bridge0', 'wm2');
      pairs++;
      if (churn === 'paced') await sleep(PACE_MS);
    }
  } else await sleep(ms);
  const el = (performance.now() - t0) / 1000;
  const rx = e.stats.cpuCounters().reduce((s, c) => s + c['rx-frames']!, 0) - rx0;
  const bridged = (e.stack.counters()['bridge'] ?? 0) - br0;
  const times = e.stats.cpuTimes();
  const [p99Us, p999Us] = [0.99, 0.999].map((q) => e.stats.batchTimeQuantileNs(q) / 1e3) as [number, number];
  const { total: batches, over: over1ms } = e.stats.batchesOver(2 ** 20);
  await e.stop();
  return {
    traffic,
    workers,
    churn,
    pairs,
    maxBatchUs: Math.max(...times.map((t) => t.maxBatchNs)) / 1e3,
    p99Us,
    p999Us,
    e2eMpps: rx / el / 1e6,
    bridged,
    batches,
    over1ms,
  };
}

/**
 * The data path alone, one core, no worker thread to preempt: a single-CPU stack (WASM) with bridge0
 * over wm1, wm2 and wm3, pipeline.ts's SplitDriver timing each fwd_batch of 256 frames (512 stations
 * behind wm1 and 512 behind wm2 sending to each other: known unicast after the first batches; or
 * flood: to MACs nobody has, every frame walking the member list). With churn, wm3 is deleted and
 * added back (the stack's steps of `brconfig delete` / `add` under the writer lock; the grace period
 * is immediate, as no batch runs meanwhile) between every two batches, so each timed batch is the
 * first after a change: what an add or delete costs the batches that follow it.
 */
function dataPathOnly(flood: boolean, churn: boolean, batches: number): number[] {
  const cfg = parseConfig(
    `interfaces:
  - { name: wm1, mac: 02:00:00:00:00:01 }
  - { name: wm2, mac: 02:00:00:00:00:02 }
  - { name: wm3, mac: 02:00:00:00:00:03 }
  - { name: bridge0, bridge: { members: [wm1, wm2, wm3], maxaddr: 2048, timeout: 1200 }, addresses: [198.51.100.1/24] }
`,
    '<bench brchurn>',
    '.',
  );
  const stack = new Stack(cfg, { engine: 'wasm', batch: 256 });
  const station = (side: number, i: number) => Uint8Array.of(2, 0x62, side, 0, i >> 8, i & 0xff);
  const templates: Template[] = [];
  for (let i = 0; i < 512; i++) {
    const f = (src: Uint8Array, dst: Uint8Array) =>
      buildFrame({
        dstMac: flood ? Uint8Array.of(2, 0x6e, 0, 0, i >> 8, i & 0xff) : dst,
        srcMac: src,
        src: Uint8Array.of(198, 51, 100, 10),
        dst: Uint8Array.of(198, 51, 100, 20),
        proto: 'udp',
        sport: 10000 + i,
        dport: 443,
        minFrame: 60,
      });
    templates.push(
      { data: f(station(1, i), station(2, i)), ifindex: 1 },
      { data: f(station(2, i), station(1, i)), ifindex: 2 },
    );
  }
  const d = new SplitDriver(stack, templates);
  d.run(64); // warm-up: every station learned, the JIT settled
  const ns: number[] = [];
  for (let b = 0; b < batches; b++) {
    if (churn)
      // the control plane's brDelete and brAdd without the brconfig listing they return (a scan and
      // sort of the whole FDB, which would evict the data path's cache lines on this one core)
      stack.tables.wlock.runSync('bench churn', () => {
        const { index } = stack.bridgeUnpublishMember('bridge0', 'wm3');
        stack.bridgeFreeMember('bridge0', index); // the grace period: no batch runs in between
        stack.bridgeAdd('bridge0', 'wm3');
      });
    ns.push(d.runSplit(1).fwdNs);
  }
  if ((stack.counters()['bridge'] ?? 0) === 0) throw new Error('no frame was bridged: not measured');
  return ns;
}

export async function runBrchurn(o: SuiteOptions & { rounds?: number; ms?: number } = {}): Promise<SuiteReport> {
  const rounds = o.rounds ?? 3;
  const ms = o.ms ?? 2000;
  const samples: Sample[] = [];
  for (let r = 0; r < rounds; r++)
    for (const traffic of ['flood', 'unicast'] as const)
      for (const workers of [1, 2])
        for (const churn of ['idle', 'burst', 'paced'] as const) {
          const s = await measure(traffic, workers, churn, ms);
          if (s.bridged === 0) throw new Error(`no frame was bridged (${traffic}, ${workers} workers): not measured`);
          samples.push(s);
        }
  const groups = (['flood', 'unicast'] as const).flatMap((traffic) =>
    [1, 2].flatMap((workers) =>
      (['idle', 'burst', 'paced'] as const).map((churn) => ({
        traffic,
        workers,
        churn,
        s: samples.filter((x) => x.traffic === traffic && x.workers === workers && x.churn === churn),
      })),
    ),
  );
  const spread = (xs: number[]) => `${num(Math.min(...xs))}-${num(Math.max(...xs))}`;
  // the data path alone: rounds alternate no churn and churn
  const BATCHES = 10_000;
  const dp: { traffic: Traffic; churn: boolean; ns: number[] }[] = [];
  for (let r = 0; r < rounds; r++)
    for (const flood of [true, false])
      for (const churn of [false, true])
        dp.push({ traffic: flood ? 'flood' : 'unicast', churn, ns: dataPathOnly(flood, churn, BATCHES) });
  const q = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const dpRows = (['flood', 'unicast'] as const).flatMap((traffic) =>
    [false, true].map((churn) => {
      const runs = dp.filter((x) => x.traffic === traffic && x.churn === churn).map((x) => x.ns);
      const stat = (f: (ns: number[]) => number) => runs.map(f).map((v) => v / 1e3);
      return {
        traffic,
        churn,
        p50Us: stat((ns) => q(ns, 0.5)),
        p999Us: stat((ns) => q(ns, 0.999)),
        maxUs: stat((ns) => Math.max(...ns)),
      };
    }),
  );
  const text = [
    `bridge(4) member churn under traffic, WASM, 64-byte frames, 1,024 UDP flows over 4 RSS queues; ${rounds} rounds of ${ms} ms, medians (range); load average ${machineInfo().loadavg.join(' ')}:`,
    table(
      [
        'traffic',
        'workers',
        'control plane',
        'add+delete pairs/s',
        'batch p99 us',
        'p99.9 us',
        'longest batch us',
        'batches >= 1.05 ms per 100k',
        'end to end Mpps',
      ],
      groups.map(({ traffic, workers, churn, s }) => [
        traffic,
        workers,
        churn === 'idle'
          ? 'idle'
          : churn === 'burst'
            ? 'brconfig delete wm2 / add wm2, back to back'
            : `the same, a pair every ${PACE_MS} ms`,
        churn === 'idle' ? '-' : num(median(s.map((x) => x.pairs)) / (ms / 1000)),
        `<= ${num(median(s.map((x) => x.p99Us)))}`,
        `<= ${num(median(s.map((x) => x.p999Us)))} (${spread(s.map((x) => x.p999Us))})`,
        `${num(median(s.map((x) => x.maxBatchUs)))} (${spread(s.map((x) => x.maxBatchUs))})`,
        (() => {
          const per = s.map((x) => (x.over1ms / Math.max(1, x.batches)) * 1e5);
          return `${num(median(per))} (${spread(per)})`;
        })(),
        num(median(s.map((x) => x.e2eMpps))),
      ]),
    ),
    'Quantiles: upper edges of log2 buckets (within 2x). The longest batch with 2 workers includes the OS preempting a',
    'worker (2 workers + the control plane on 2 cores); 1 worker leaves a core to the control plane. The share of batches',
    'of 1 ms and more, idle against churn, tells preemption (in both) from stalls the churn would cause (in churn only).',
    '',
    `The data path alone: one core, a single-CPU stack, fwd_batch of 256 frames timed by SplitDriver (one clock read included), ${num(BATCHES)} batches a run, ${rounds} runs each; medians (range over runs):`,
    table(
      ['traffic', 'between every two batches', 'fwd_batch p50 us', 'p99.9 us', 'longest us'],
      dpRows.map((r) => [
        r.traffic,
        r.churn ? 'brconfig delete wm3 + add wm3' : 'nothing',
        `${num(median(r.p50Us))} (${spread(r.p50Us)})`,
        `${num(median(r.p999Us))} (${spread(r.p999Us)})`,
        `${num(median(r.maxUs))} (${spread(r.maxUs)})`,
      ]),
    ),
    'Target: member add/remove under traffic causes no stall over 1 ms.',
  ].join('\n');
  const jsonPath = writeResults('brchurn', {
    machine: machineInfo(),
    rounds,
    ms,
    samples,
    dataPath: dpRows,
  });
  if (o.print !== false) console.log(text);
  return { suite: 'brchurn', text, jsonPath };
}

if (isMain(import.meta.url)) {
  const [rounds, ms] = process.argv.slice(2).map(Number);
  await runBrchurn({ rounds: rounds || undefined, ms: ms || undefined });
}
