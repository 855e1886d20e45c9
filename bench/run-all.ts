// Runs the benchmark suites one after another in this process and prints their tables
// together at the end. Each suite also writes bench/results/<suite>.json itself; the benny suites
// (kernels, lpm) write bench/results/<suite>.chart.html. `npm run bench` runs this file.
import { isMain, machineInfo } from './common.js';
import { runKernels } from './kernels.js';
import { runLpm } from './lpm.js';
import { runPipeline } from './pipeline.js';
import { runFib } from './fib.js';
import { runMp } from './mp.js';
import { runNbr } from './nbr.js';
import { runSync } from './sync.js';

export async function runAll(): Promise<void> {
  const t0 = Date.now();
  const mi = machineInfo();
  console.log(
    `mpstack benchmarks: ${mi.cpu}, ${mi.cores} cores, node ${mi.node}, commit ${mi.commit ?? '?'}, load ${mi.loadavg.join(' ')}\n`,
  );
  // the pipeline first, in a process whose JIT has not yet seen the kernel suites' call sites
  const reports = [];
  reports.push(await runPipeline({ print: false }));
  reports.push(await runKernels({ print: false }));
  reports.push(await runLpm({ print: false }));
  reports.push(await runFib({ print: false }));
  reports.push(await runMp({ print: false }));
  reports.push(await runSync({ print: false }));
  reports.push(await runNbr({ print: false }));
  console.log('\n' + '='.repeat(100));
  for (const r of reports) console.log(`\n${r.text}\n  results: ${r.jsonPath}`);
  console.log(`\nall suites: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (isMain(import.meta.url)) await runAll();
