// The machine's own pauses (issue 14): what a zero-loss RFC 2544 trial can survive here, apart from
// mpstack. Threads that do nothing but read the clock in a loop, as the generator thread and a
// polling CPU do, record every gap between two reads: a gap is time the thread did not run (the OS
// or the hypervisor ran something else). A trial at `rate` frames/s over `queues` RX rings of
// `ring` slots loses frames for certain when its consumer pauses longer than queues * ring / rate
// (nothing drains the rings meanwhile), so the longest pause in each trial-long window bounds the
// zero-loss rate any software could reach on this machine with those rings: printed per window
// length and ring size, medians over the windows. Like cyclictest, without a real-time scheduler.
//   node dist/bench/hiccups.js [--seconds 20] [--threads 1,2] [--window 2] [--queues 4] [--rings 2048,4096]
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { isMain, median, table, writeResults } from './common.js';

/** Gaps of at least this many µs are kept one by one (shorter ones only counted by size class). */
const KEEP_US = 20;

interface ThreadRecord {
  /** [time since start in µs, gap in µs] of every gap ≥ KEEP_US */
  gaps: [number, number][];
  /** how many gaps fell in [2^i, 2^(i+1)) µs */
  log2: number[];
  reads: number;
}

// The spinning thread, as source text (runs the same under dist/ and ts-jest: no module path).
const SPIN = `
const { parentPort, workerData } = require('node:worker_threads');
const end = performance.now() + workerData.ms;
const t0 = performance.now();
const gaps = [];
const log2 = new Array(32).fill(0);
let last = t0;
let reads = 0;
for (;;) {
  const t = performance.now();
  reads++;
  const us = (t - last) * 1000;
  if (us >= 1) log2[31 - Math.clz32(Math.floor(us))]++;
  if (us >= ${KEEP_US}) gaps.push([(last - t0) * 1000, us]);
  last = t;
  if (t >= end) break;
}
parentPort.postMessage({ gaps, log2, reads });
`;

function spin(ms: number): Promise<ThreadRecord> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SPIN, { eval: true, workerData: { ms } });
    w.once('message', (m: ThreadRecord) => resolve(m));
    w.once('error', reject);
  });
}

export interface HiccupOptions {
  seconds: number;
  threads: number[];
  /** the trial length the windows stand for, s */
  window: number;
  queues: number;
  rings: number[];
}

/** Per thread count: pause statistics and the zero-loss ceilings they imply. */
export async function measureHiccups(o: HiccupOptions) {
  const out = [];
  for (const n of o.threads) {
    const recs = await Promise.all(Array.from({ length: n }, () => spin(o.seconds * 1000)));
    // a trial needs every thread (generator and CPU) running: a window's worst pause is any thread's
    const windows = Math.max(1, Math.floor(o.seconds / o.window));
    const worst = new Array<number>(windows).fill(0);
    let over = { 100: 0, 500: 0, 1000: 0, 5000: 0 } as Record<number, number>;
    let lostUs = 0;
    for (const r of recs)
      for (const [at, us] of r.gaps) {
        const w = Math.min(windows - 1, Math.floor(at / 1e6 / o.window));
        worst[w] = Math.max(worst[w]!, us);
        lostUs += us;
        for (const k of Object.keys(over)) if (us >= Number(k)) over[Number(k)]!++;
      }
    over = Object.fromEntries(Object.entries(over).map(([k, v]) => [k, v / o.seconds / n]));
    const all = recs.flatMap((r) => r.gaps.map((g) => g[1]));
    const ceilings = o.rings.map((ring) => ({
      ring,
      // per window: the rate at which the window's worst pause just fills every ring
      fps: median(worst.map((us) => (o.queues * ring) / (Math.max(us, 1) / 1e6))),
    }));
    out.push({
      threads: n,
      reads: recs.reduce((s, r) => s + r.reads, 0),
      maxUs: Math.max(0, ...all),
      worstPerWindowUs: { median: median(worst), min: Math.min(...worst), max: Math.max(...worst) },
      perSecondPerThread: over,
      stolenShare: lostUs / 1e6 / o.seconds / n,
      ceilings,
    });
  }
  return out;
}

function parseList(s: string | undefined, d: number[]): number[] {
  if (s === undefined) return d;
  const xs = s.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`not a list of positive integers: ${s}`);
  return xs;
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const o: HiccupOptions = {
    seconds: Number(arg('seconds') ?? 20),
    threads: parseList(arg('threads'), [1, 2]),
    window: Number(arg('window') ?? 2),
    queues: Number(arg('queues') ?? 4),
    rings: parseList(arg('rings'), [2048, 4096]),
  };
  if (!(o.seconds >= 1 && o.window > 0 && o.window <= o.seconds))
    throw new Error('--seconds ≥ 1, 0 < --window ≤ --seconds');
  const load = os.loadavg()[0]!;
  const res = await measureHiccups(o);
  const rows = res.map((r) => [
    r.threads,
    r.maxUs.toFixed(0),
    `${r.worstPerWindowUs.median.toFixed(0)} (${r.worstPerWindowUs.min.toFixed(0)}-${r.worstPerWindowUs.max.toFixed(0)})`,
    ...[100, 500, 1000, 5000].map((k) => r.perSecondPerThread[k]!.toFixed(1)),
    `${(r.stolenShare * 100).toFixed(2)}%`,
    ...r.ceilings.map((c) => (c.fps / 1e6).toFixed(2)),
  ]);
  console.log(
    `pauses of spinning threads, ${o.seconds} s, windows of ${o.window} s (a trial), ${o.queues} RX rings; load ${load.toFixed(2)}, ${os.cpus().length} cores`,
  );
  console.log(
    table(
      [
        'threads',
        'max µs',
        `worst per ${o.window} s, µs: median (min-max)`,
        '≥100 µs /s',
        '≥500 µs /s',
        '≥1 ms /s',
        '≥5 ms /s',
        'time lost',
        ...o.rings.map((r) => `zero-loss ceiling, ${r}-slot rings, Mfps`),
      ],
      rows,
    ),
  );
  const path = writeResults('hiccups', { load, options: o, results: res });
  console.log(`wrote ${path}`);
}

if (isMain(import.meta.url)) await main();
