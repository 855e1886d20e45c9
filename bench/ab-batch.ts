// Alternated A/B of the pipeline's stack-only cost, robust to a loaded machine:
// `node dist/bench/ab-batch.js DIR_A DIR_B [ROUNDS] [ENGINES]` runs, with A's build, then B's, then A's,
// ... (each a built checkout whose dist/bench/pipeline.js exports WORKLOADS and SplitDriver: from
// 6abe8a4 on; add `export` to `const WORKLOADS` in an older one), every pipeline workload, and times
// fwd_batch alone batch by batch (4,000 batches of 256 frames for WASM, 800 for TS, after a quarter as
// many for warm-up), keeping the median batch. pipeline.js's own "stack only" divides total time by
// frames, so a preempted batch counts; at a load average past the core count that moves it by 3x, while
// the median batch moves by a few percent. Prints ns/frame and Mpps per side (median over rounds,
// min-max) and B/A as a rate; writes bench/results/ab-batch.json.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMain, median, num, sig, table, writeResults } from './common.js';
import type * as Pipeline from './pipeline.js';
import type * as StackModule from '../ts/stack/stack.js';
import type { KernelImpl } from '../ts/stack/kernels.js';

const BATCH = 256;

/** One side's run, with the build in `dir` (a process of its own): case/engine -> median ns per frame. */
export async function batchMedians(dir: string, engines: KernelImpl[]): Promise<Record<string, number>> {
  const from = (rel: string) => pathToFileURL(resolve(dir, rel)).href;
  const { SplitDriver, WORKLOADS, clockCostNs } = (await import(from('dist/bench/pipeline.js'))) as typeof Pipeline;
  const { Stack } = (await import(from('dist/ts/stack/stack.js'))) as typeof StackModule;
  const clockNs = clockCostNs();
  const out: Record<string, number> = {};
  for (const w of WORKLOADS)
    for (const engine of engines) {
      const cfg = w.config();
      const stack = new Stack(cfg, { engine, batch: BATCH });
      const d = new SplitDriver(stack, w.templates(cfg));
      const { k } = stack;
      const ctx = d.ctx;
      const clock = process.hrtime.bigint;
      const timed = (nb: number) => {
        const xs = new Float64Array(nb);
        for (let b = 0; b < nb; b++) {
          d.fill();
          k.rss_batch(ctx, BATCH);
          const t0 = clock();
          k.fwd_batch(ctx, BATCH, 1);
          xs[b] = Number(clock() - t0) - clockNs;
        }
        return xs.sort();
      };
      const nb = engine === 'wasm' ? 4000 : 800;
      timed(nb / 4);
      const xs = timed(nb);
      out[`${w.id} ${engine}`] = xs[xs.length >> 1]! / BATCH;
    }
  return out;
}

export function runAbBatch(dirA: string, dirB: string, rounds: number, engines: KernelImpl[]): void {
  const sides = [resolve(dirA), resolve(dirB)];
  const loadBefore = os.loadavg();
  const series: Record<string, number[]>[] = [{}, {}];
  for (let r = 0; r < rounds; r++)
    sides.forEach((dir, s) => {
      const json = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--side', dir, engines.join(',')], {
        cwd: dir,
        encoding: 'utf8',
      });
      const res = JSON.parse(json) as Record<string, number>;
      for (const [key, ns] of Object.entries(res)) (series[s]![key] ??= []).push(ns);
      console.log(
        `  round ${r + 1} ${s ? 'B' : 'A'} done, load ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
      );
    });
  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const [key, a] of Object.entries(series[0]!)) {
    const b = series[1]![key];
    if (!b) continue;
    const [ma, mb] = [median(a), median(b)];
    const spread = (xs: number[]) => `${num(Math.min(...xs))}-${num(Math.max(...xs))}`;
    rows.push([key, num(ma), num(1e3 / ma), spread(a), num(mb), num(1e3 / mb), spread(b), (ma / mb).toFixed(3)]);
    results.push({ case: key, nsA: sig(ma), nsB: sig(mb), rateBA: sig(ma / mb), roundsA: a, roundsB: b });
  }
  console.log(
    table(['case engine', 'A ns/frame', 'A Mpps', 'A min-max', 'B ns/frame', 'B Mpps', 'B min-max', 'B/A rate'], rows),
  );
  const loadAfter = os.loadavg();
  console.log(
    `  median batch of fwd_batch, medians of ${rounds} rounds a side; load before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const path = writeResults('ab-batch', {
    a: dirA,
    b: dirB,
    rounds,
    loadavgBefore: loadBefore.map((x) => sig(x, 3)),
    loadavgAfter: loadAfter.map((x) => sig(x, 3)),
    results,
  });
  console.log(`  results: ${path}`);
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--side') {
    process.stdout.write(JSON.stringify(await batchMedians(args[1]!, (args[2] ?? 'wasm').split(',') as KernelImpl[])));
  } else if (args.length < 2) {
    console.error('usage: node dist/bench/ab-batch.js DIR_A DIR_B [ROUNDS] [ENGINES]   (two built checkouts)');
    process.exit(2);
  } else {
    runAbBatch(args[0]!, args[1]!, args[2] ? Number(args[2]) : 5, (args[3] ?? 'wasm,ts').split(',') as KernelImpl[]);
  }
}
