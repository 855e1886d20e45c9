// Alternated A/B runs of the multi-CPU engine's capacity rows (mp.ts's first table) between two
// built checkouts: `node dist/bench/mp-ab.js DIR_A DIR_B [ROUNDS] [CPUS]` (default 5 rounds, CPU
// counts "1", or e.g. "1,2"). Each run is a child process of this script that loads the machine
// from that checkout's dist/ (NodeMachine.start, the stats it reads exist on both sides), so the
// old side needs no copy of this bench. Runs go A, B, A, B, ... one at a time.
//
// Prints per case the median over the rounds of stack capacity, end to end and their ratio on
// each side, B/A, and each side's spread (min-max); writes every round's numbers, the load average
// before and after and both commits to bench/results/mp-ab.json of the checkout this runs from.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMain, machineInfo, median, num, sig, table, writeResults } from './common.js';
import { MP_CONFIG, measureMachine, type MachineModules, type Run } from './mp-measure.js';

const MS = 2000;

/** Child: one case in checkout `dir`, printed as one JSON line. */
async function child(dir: string, ff: boolean, cpus: number): Promise<void> {
  const load = (p: string) => import(pathToFileURL(resolve(dir, 'dist', p)).href);
  const m: MachineModules = {
    parseConfig: (await load('ts/config/load.js')).parseConfig,
    NodeMachine: (await load('ts/host/host-node.js')).NodeMachine,
  };
  const r = await measureMachine(m, MP_CONFIG, ff, cpus, MS);
  console.log(JSON.stringify(r));
}

function runOnce(dir: string, ff: boolean, cpus: number): Run {
  const out = execFileSync(process.execPath, [process.argv[1]!, '--child', dir, String(ff), String(cpus)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const commitOf = (dir: string) => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};

export function runMpAb(dirA: string, dirB: string, rounds: number, cpuList: number[]): void {
  const sides = [
    { name: 'A', dir: resolve(dirA), runs: [] as Run[] },
    { name: 'B', dir: resolve(dirB), runs: [] as Run[] },
  ];
  const cases = [true, false].flatMap((ff) => cpuList.map((cpus) => ({ ff, cpus })));
  const loadBefore = os.loadavg();
  console.log(
    `A/B of mp capacity: A=${sides[0]!.dir} (${commitOf(dirA)}) B=${sides[1]!.dir} (${commitOf(dirB)}), ${rounds} rounds, alternated; load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
  );
  for (let r = 0; r < rounds; r++)
    for (const c of cases)
      for (const s of sides) {
        const x = runOnce(s.dir, c.ff, c.cpus);
        s.runs.push(x);
        console.log(
          `  round ${r + 1} ${s.name} ${x.path} ${x.cpus} CPU: stack ${num(x.stackMpps)} e2e ${num(x.e2eMpps)} (${(x.e2eMpps / x.stackMpps).toFixed(2)}), load ${os.loadavg()[0]!.toFixed(2)}`,
        );
      }
  const rows: (string | number)[][] = [];
  const out: Record<string, unknown>[] = [];
  const spread = (xs: number[]) => `${num(Math.min(...xs))}-${num(Math.max(...xs))}`;
  for (const c of cases) {
    const pick = (s: (typeof sides)[number]) =>
      s.runs.filter((x) => x.cpus === c.cpus && x.path === (c.ff ? 'fast path' : 'normal path'));
    const [a, b] = [pick(sides[0]!), pick(sides[1]!)];
    for (const [label, f] of [
      ['stack capacity', (x: Run) => x.stackMpps],
      ['end to end', (x: Run) => x.e2eMpps],
      ['end to end / stack', (x: Run) => x.e2eMpps / x.stackMpps],
      ['source ns/frame', (x: Run) => x.sourceNsPerFrame ?? NaN],
      ['e2e less source / stack', (x: Run) => (x.e2eNoSourceMpps ?? NaN) / x.stackMpps],
      ['process CPU ns/frame', (x: Run) => x.cpuNsPerFrame ?? NaN],
      ['stack ns/frame', (x: Run) => x.stackNsPerFrame],
    ] as const) {
      const [va, vb] = [a.map(f), b.map(f)];
      const [ma, mb] = [median(va), median(vb)];
      rows.push([a[0]!.path, c.cpus, label, num(ma), spread(va), num(mb), spread(vb), (mb / ma).toFixed(3)]);
      out.push({ path: a[0]!.path, cpus: c.cpus, metric: label, a: va.map((x) => sig(x)), b: vb.map((x) => sig(x)) });
    }
  }
  const loadAfter = os.loadavg();
  console.log(table(['path', 'CPUs', 'metric', 'A median', 'A spread', 'B median', 'B spread', 'B/A'], rows));
  console.log(
    `load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  writeResults('mp-ab', {
    machine: machineInfo(),
    a: { dir: sides[0]!.dir, commit: commitOf(dirA) },
    b: { dir: sides[1]!.dir, commit: commitOf(dirB) },
    rounds,
    loadBefore,
    loadAfter,
    results: out,
  });
}

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') await child(argv[1]!, argv[2] === 'true', Number(argv[3]));
  else if (argv.length < 2) {
    console.error('usage: node dist/bench/mp-ab.js DIR_A DIR_B [ROUNDS] [CPUS, e.g. 1,2]');
    process.exit(1);
  } else
    runMpAb(
      argv[0]!,
      argv[1]!,
      Number(argv[2] ?? 5),
      (argv[3] ?? '1').split(',').map((x) => Number(x)),
    );
}
