// Alternated A/B runs of the pipeline suite between two built checkouts (each with its own
// `npm run build` done): `node dist/bench/ab.js DIR_A DIR_B [ROUNDS]` runs `node dist/bench/pipeline.js`
// in A, then B, then A, ... ROUNDS times each (default 5), one at a time, and after each run reads
// that checkout's bench/results/pipeline.json. Alternating spreads the machine's drift (other load,
// thermal, frequency) over both sides instead of charging it to one.
//
// Prints per case and engine: the median over the rounds of stackOnlyMpps and endToEndMpps on
// each side, B/A, and each side's spread (min-max over the rounds); writes every round's numbers,
// the load average before and after and both commits to bench/results/ab.json of the checkout
// this script runs from. Run it when nothing else heavy runs (`uptime`).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { isMain, machineInfo, median, num, sig, table, writeResults } from './common.js';

interface PipelineJson {
  machine: { commit: string | null; loadavg: number[] };
  cases: { id: string; engines: { engine: string; stackOnlyMpps: number; endToEndMpps: number }[] }[];
}

/** case/engine -> metric -> values, one per round */
type Series = Map<string, { stackOnly: number[]; endToEnd: number[] }>;

function runOnce(dir: string): PipelineJson {
  execFileSync(process.execPath, ['dist/bench/pipeline.js'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(resolve(dir, 'bench/results/pipeline.json'), 'utf8')) as PipelineJson;
}

function add(s: Series, j: PipelineJson): void {
  for (const c of j.cases)
    for (const e of c.engines) {
      const key = `${c.id} ${e.engine}`;
      const x = s.get(key) ?? { stackOnly: [], endToEnd: [] };
      x.stackOnly.push(e.stackOnlyMpps);
      x.endToEnd.push(e.endToEndMpps);
      s.set(key, x);
    }
}

export function runAb(dirA: string, dirB: string, rounds = 5): void {
  const sides = [
    { name: 'A', dir: resolve(dirA), series: new Map() as Series, commit: '', loads: [] as number[][] },
    { name: 'B', dir: resolve(dirB), series: new Map() as Series, commit: '', loads: [] as number[][] },
  ];
  const loadBefore = os.loadavg();
  console.log(
    `A/B of pipeline: A=${sides[0]!.dir} B=${sides[1]!.dir}, ${rounds} rounds each, alternated; load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
  );
  for (let r = 0; r < rounds; r++)
    for (const s of sides) {
      const t0 = Date.now();
      const j = runOnce(s.dir);
      add(s.series, j);
      s.commit = j.machine.commit ?? '?';
      s.loads.push(j.machine.loadavg);
      console.log(
        `  round ${r + 1} ${s.name} (${s.commit}): ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${j.machine.loadavg.join(' ')}`,
      );
    }
  const [a, b] = [sides[0]!, sides[1]!];
  const rows: string[][] = [];
  const out: Record<string, unknown>[] = [];
  for (const [key, va] of a.series) {
    const vb = b.series.get(key);
    if (!vb) continue;
    for (const m of ['stackOnly', 'endToEnd'] as const) {
      const [ma, mb] = [median(va[m]), median(vb[m])];
      const spread = (xs: number[]) => `${num(Math.min(...xs))}-${num(Math.max(...xs))}`;
      rows.push([
        key,
        m === 'stackOnly' ? 'stack only' : 'end to end',
        num(ma),
        spread(va[m]),
        num(mb),
        spread(vb[m]),
        `${(mb / ma).toFixed(3)}`,
      ]);
      out.push({
        case: key,
        metric: `${m}Mpps`,
        medianA: sig(ma),
        medianB: sig(mb),
        ratioBA: sig(mb / ma),
        roundsA: va[m],
        roundsB: vb[m],
      });
    }
  }
  const loadAfter = os.loadavg();
  console.log(
    table(
      ['case engine', 'metric', `A Mpps (${a.commit})`, 'A min-max', `B Mpps (${b.commit})`, 'B min-max', 'B/A'],
      rows,
    ),
  );
  console.log(
    `  medians of ${rounds} runs per side (each run's number is itself a median of 5 samples); load before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const path = writeResults('ab', {
    a: { dir: a.dir, commit: a.commit, loadavgPerRound: a.loads },
    b: { dir: b.dir, commit: b.commit, loadavgPerRound: b.loads },
    rounds,
    loadavgBefore: loadBefore.map((x) => sig(x, 3)),
    loadavgAfter: loadAfter.map((x) => sig(x, 3)),
    results: out,
    runner: machineInfo().commit,
  });
  console.log(`  results: ${path}`);
}

if (isMain(import.meta.url)) {
  const [dirA, dirB, rounds] = process.argv.slice(2);
  if (!dirA || !dirB) {
    console.error(
      'usage: node dist/bench/ab.js DIR_A DIR_B [ROUNDS]   (two built checkouts; runs dist/bench/pipeline.js in each, alternated)',
    );
    process.exit(2);
  }
  runAb(dirA, dirB, rounds ? Number(rounds) : 5);
}
