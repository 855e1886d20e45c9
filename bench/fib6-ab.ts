// Alternated A/B of the 200k-route IPv6 FIB between two built checkouts (each with its own
// `npm run build` done): `node dist/bench/fib6-ab.js DIR_A DIR_B [ROUNDS]` runs one child process per
// side and round, A, B, A, B, ... (default 5 rounds each). A child loads that checkout's Stack (its
// dist/) with bench/fib.ts's 200k generated IPv6 routes, addresses and update rounds (this
// checkout's harness, so both sides run the same test) and measures: load time (RIB + FIB), linear
// memory, fib6_lookup_batch over 65,536 random destinations (median of 5 samples of >= 150 ms), and
// route updates (fib.ts's updateRate6: 5 passes of 40,000 adds and deletes of /48s under one /32;
// the median pass). Rates are given per wall-clock second and per second of the process's CPU
// time: on a shared machine the second stays meaningful when other jobs take the core away.
//
// Prints per metric the median over the rounds on each side, the spread (min-max) and B/A, with
// the load average before and after; writes bench/results/fib6-ab.json.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Stack } from '../ts/stack/stack.js';
import { isMain, machineInfo, median, num, sig, table, writeResults } from './common.js';
import { CONFIG, N_ADDR, addrs6, routes, updateRate6 } from './fib.js';

interface Side {
  loadMs: number;
  linearMiB: number;
  lookupsWall: number;
  lookupsCpu: number;
  updatesWall: number;
  updatesCpu: number;
}

const METRICS: [keyof Side, string][] = [
  ['lookupsWall', 'M lookups/s (wall)'],
  ['lookupsCpu', 'M lookups/s (CPU time)'],
  ['updatesWall', 'k updates/s (wall)'],
  ['updatesCpu', 'k updates/s (CPU time)'],
  ['loadMs', 'load ms'],
  ['linearMiB', 'linear memory MiB'],
];

/** Runs f, then returns its rate per wall second and per CPU second for `units` units of work. */
function timed(f: () => number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const units = f();
  const el = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: units / el, cpu: units / ((c.user + c.system) / 1e6) };
}

/** One side's measurements, in this process, with the Stack of checkout `dir`. */
/**
 * The build in `dir` (its dist/) loaded with bench/fib.ts's 200k IPv6 routes (`specs`), compiled FIB,
 * WASM; `loadMs`: the Stack's construction (RIB and FIB) alone.
 */
export async function loadStack6(
  dir: string,
): Promise<{ stack: Stack; specs: ReturnType<typeof routes>; loadMs: number }> {
  const url = (p: string) => pathToFileURL(resolve(dir, 'dist', p)).href;
  const { Stack: SideStack } = (await import(url('ts/stack/stack.js'))) as { Stack: typeof Stack };
  const { parseConfig } = (await import(url('ts/config/load.js'))) as typeof import('../ts/config/load.js');
  const specs = routes(0, 200_000);
  const t0 = performance.now();
  const stack = new SideStack(parseConfig(CONFIG, 'bench', process.cwd()), {
    engine: 'wasm',
    fib: 'compiled',
    extraRoutes: specs.length,
    extraLongV4: 0,
    extraV6: specs.length,
    moreRoutes: (add) => {
      for (const r of specs) add(r);
    },
  });
  return { stack, specs, loadMs: performance.now() - t0 };
}

async function measure(dir: string): Promise<Side> {
  const { stack, specs, loadMs } = await loadStack6(dir);
  const { k, L } = stack;
  const base = L.clusters;
  const out = base + N_ADDR * 16;
  new Uint8Array(k.memory.buffer).set(addrs6(specs), base);
  k.rt_lookup6_batch(L.rt6, base, out, N_ADDR);
  const want = new Uint32Array(k.memory.buffer.slice(out, out + N_ADDR * 4));
  k.fib6_lookup_batch(L.fib6.head, base, out, N_ADDR);
  const got = new Uint32Array(k.memory.buffer, out, N_ADDR);
  for (let i = 0; i < N_ADDR; i++) if (got[i] !== want[i]) throw new Error(`${dir}: FIB and radix disagree at #${i}`);
  const look = [];
  for (let s = 0; s < 5; s++)
    look.push(
      timed(() => {
        let n = 0;
        const t = performance.now();
        while (performance.now() - t < 150) {
          k.fib6_lookup_batch(L.fib6.head, base, out, N_ADDR);
          n += N_ADDR;
        }
        return n;
      }),
    );
  const upd = [];
  for (let s = 0; s < 5; s++) upd.push(updateRate6(stack, 20_000)); // timed around the updates only
  return {
    loadMs,
    linearMiB: L.bytes / 2 ** 20,
    lookupsWall: median(look.map((x) => x.wall)) / 1e6,
    lookupsCpu: median(look.map((x) => x.cpu)) / 1e6,
    updatesWall: median(upd.map((x) => x.wall)) / 1e3,
    updatesCpu: median(upd.map((x) => x.cpu)) / 1e3,
  };
}

export function runFib6Ab(dirA: string, dirB: string, rounds = 5): void {
  const sides = [
    { name: 'A', dir: resolve(dirA), runs: [] as Side[], commit: '' },
    { name: 'B', dir: resolve(dirB), runs: [] as Side[], commit: '' },
  ];
  const gitRev = (dir: string) =>
    execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  for (const s of sides) s.commit = gitRev(s.dir);
  const loadBefore = os.loadavg();
  console.log(
    `A/B of the 200k IPv6 FIB: A=${sides[0]!.dir} (${sides[0]!.commit}) B=${sides[1]!.dir} (${sides[1]!.commit}), ${rounds} rounds each, alternated; load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
  );
  for (let r = 0; r < rounds; r++)
    for (const s of sides) {
      const j = execFileSync(process.execPath, [process.argv[1]!, '--side', s.dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }).toString();
      const x = JSON.parse(j) as Side;
      s.runs.push(x);
      console.log(
        `  round ${r + 1} ${s.name}: ${num(x.lookupsCpu)} M lookups/s, ${num(x.updatesCpu)} k updates/s (CPU time), load ${os
          .loadavg()
          .map((v) => v.toFixed(2))
          .join(' ')}`,
      );
    }
  const [a, b] = [sides[0]!, sides[1]!];
  const spread = (xs: number[]) => `${num(Math.min(...xs))}-${num(Math.max(...xs))}`;
  const rows = METRICS.map(([m, label]) => {
    const [va, vb] = [a.runs.map((x) => x[m]), b.runs.map((x) => x[m])];
    return [label, num(median(va)), spread(va), num(median(vb)), spread(vb), (median(vb) / median(va)).toFixed(2)];
  });
  const loadAfter = os.loadavg();
  console.log(table(['metric', `A (${a.commit})`, 'A min-max', `B (${b.commit})`, 'B min-max', 'B/A'], rows));
  console.log(
    `  medians of ${rounds} runs per side; load before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const path = writeResults('fib6-ab', {
    a: { dir: a.dir, commit: a.commit, runs: a.runs },
    b: { dir: b.dir, commit: b.commit, runs: b.runs },
    rounds,
    loadavgBefore: loadBefore.map((x) => sig(x, 3)),
    loadavgAfter: loadAfter.map((x) => sig(x, 3)),
    runner: machineInfo().commit,
  });
  console.log(`  results: ${path}`);
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--side' && args[1]) {
    process.stdout.write(JSON.stringify(await measure(args[1])));
  } else {
    const [dirA, dirB, rounds] = args;
    if (!dirA || !dirB) {
      console.error('usage: node dist/bench/fib6-ab.js DIR_A DIR_B [ROUNDS]   (two built checkouts, alternated)');
      process.exit(2);
    }
    runFib6Ab(dirA, dirB, rounds ? Number(rounds) : 5);
  }
}
