// `mpstack start` (what `npm start` and a bare `mpstack` run): the multi-CPU router live, then the
// talk's table for this machine. Two stages, ending by themselves in under a minute:
//
//   1. the live scenario (ts/scenario/live.ts: the default router, every port a `gen` NIC) on every
//      CPU of the machine for --duration seconds, with the live view (live-view.ts) redrawn four
//      times a second on a terminal, one plain line a second otherwise; then `mpstack run`'s summary
//      (per-CPU totals, intrctl, the frame and buffer accounting);
//   2. a short RFC 2544 run (ts/rfc2544/) of fast and normal forwarding at 64 bytes, on 1 worker CPU
//      and on all of them, printed as results.md renders it: the talk's table with its own rows beside.
//
// Honesty (issue 14): every stage says where its traffic came from and what was timed. The generator
// here is no separate machine: it runs inside the worker CPUs that forward, so the figures are what
// those CPUs do while also making their traffic, on a machine shared with whatever else runs on it.
import { availableParallelism, cpus as osCpus, loadavg } from 'node:os';
import { NodeMachine } from '../host/host-node.js';
import { resultsMarkdown, writeOutputs } from '../rfc2544/report.js';
import { type BenchOptions, defaultGenerator, generatorHow, runBench } from '../rfc2544/runner.js';
import { liveRouterYaml, liveScenarioConfig, liveTraffic } from '../scenario/live.js';
import type { KernelImpl } from '../stack/kernels.js';
import { rfc2544Progress } from './bench.js';
import { type LiveSnapshot, liveLine, liveView, takeSnapshot } from './live-view.js';
import { runSummary } from './run.js';

export interface StartOptions {
  /** seconds of the live stage */
  duration: number;
  /** seconds per RFC 2544 trial */
  trialSeconds: number;
  /** worker CPUs (default: every CPU of the machine) */
  cpus?: number;
  engine: KernelImpl;
  /** false: the live stage only */
  rfc2544: boolean;
  /** also write the RFC 2544 results (results.json, results.md, charts) into this directory */
  out?: string;
  printConfig: boolean;
}

/** The most worker CPUs `run` and the bench take. */
const MAX_CPUS = 24;
/** The RFC 2544 stage's search resolution, fps: about a dozen trials per search from 14.88 Mpps. */
const RESOLUTION = 10_000;

const say = (s = '') => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function machineWords(): string {
  const c = osCpus();
  return `${c.length} CPU${c.length === 1 ? '' : 's'} (${c[0]?.model?.trim() ?? 'unknown model'}), load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

/** The lines printed once above the live view: what runs, where the traffic comes from, what the rates are. */
export function liveHeader(cpus: number, engine: KernelImpl, durationS: number, machine: string): string[] {
  return [
    `mpstack start: the multi-CPU router on ${cpus} worker CPU${cpus === 1 ? '' : 's'} (${engine} engine) for ${durationS} s,`,
    '  then a short RFC 2544 run of fast and normal forwarding',
    `machine: ${machine}`,
    'router: the embedded default: wm0, wm1, wm2, vlan100 on wm0; IPv4 and IPv6; ~500 routes',
    '  (`mpstack start --print-config` prints it, for `mpstack run --config`)',
    'traffic: made by the `gen` driver inside the same worker CPUs that forward, no other machine',
    '  and no real NIC, so making it counts against them; as fast as the CPUs go:',
    ...liveTraffic().map(
      (t) => `  ${t.ifname}: ${t.flows} UDP/IPv${t.family} flows ${t.src} -> ${t.dst}, ${t.size} B, out ${t.out}`,
    ),
    'rates: differences of the counters the CPUs keep over the wall-clock time between two reads;',
    '  "in pipeline": the share of that time a CPU spent in the stack. Best-effort rates, not',
    '  zero-loss throughput: a source fills only the RX ring room its CPU has freed, so it slows',
    '  with the CPU rather than lose frames (the RFC 2544 run offers fixed rates, zero loss or fail)',
    '',
  ];
}

/** Up `n` lines and clear to the end of the screen: the previous view is overwritten in place. */
const redraw = (n: number) => (n > 0 ? `\x1b[${n}F\x1b[J` : '');

async function liveStage(o: StartOptions, cpus: number): Promise<boolean> {
  const tty = !!process.stdout.isTTY;
  const everyMs = tty ? 250 : 1000;
  for (const l of liveHeader(cpus, o.engine, o.duration, machineWords())) say(l);
  const e = await NodeMachine.start(liveScenarioConfig(), { cpus, engine: o.engine });
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t0 = performance.now();
  const title = `live: ${cpus} CPU${cpus === 1 ? '' : 's'}, ${o.engine}`;
  let drawn = 0;
  if (tty) process.stdout.write('\x1b[?25l'); // no cursor blinking over the view
  try {
    let prev: LiveSnapshot = takeSnapshot(e);
    for (;;) {
      const left = o.duration * 1000 - (performance.now() - t0);
      if (left <= 0 || interrupted) break;
      // ticks on the wall clock, the last one at the end of the stage
      await sleep(Math.min(everyMs, left));
      if (interrupted) break;
      const cur = takeSnapshot(e);
      const elapsedS = (performance.now() - t0) / 1000;
      if (tty) {
        const width = process.stdout.columns || 120;
        const lines = liveView(prev, cur, { title, elapsedS, durationS: o.duration }).map((l) => l.slice(0, width - 1));
        process.stdout.write(`${redraw(drawn)}${lines.join('\n')}\n`);
        drawn = lines.length;
      } else say(liveLine(prev, cur, elapsedS));
      prev = cur;
    }
  } finally {
    if (tty) process.stdout.write('\x1b[?25h');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await e.stop();
  }
  say();
  say(`live run totals${interrupted ? ' (stopped by a signal)' : ''}:`);
  say(runSummary(e));
  return !interrupted;
}

async function rfc2544Stage(o: StartOptions, cpus: number): Promise<void> {
  const counts = [...new Set([1, cpus])];
  const b: BenchOptions = {
    scenarios: ['fast', 'normal'],
    engines: [o.engine],
    cpus: counts,
    sizes: [64],
    duration: o.trialSeconds,
    routes: 1000,
    link: '10g',
    lossPct: 0,
    resolution: RESOLUTION,
    flows: 1024,
    family: 4,
    runs: 1,
    backToBack: false,
    generator: 'auto', // the instrument's own default: a thread when a core is left for it
  };
  say();
  say(
    `RFC 2544 throughput, short: fast and normal forwarding, 64-byte UDP/IPv4, ${counts.join(' and ')} worker CPU(s), trials of ${o.trialSeconds} s, zero loss.`,
  );
  say(
    `Each scenario builds its own two-port router (ts/rfc2544/scenarios.ts); the same run as \`mpstack bench rfc2544 --scenario fast,normal --cpus ${counts.join(',')} --sizes 64 --duration ${o.trialSeconds} --resolution ${RESOLUTION} --no-back-to-back\`.`,
  );
  say(`${generatorHow('auto')} Here: ${counts.map((c) => defaultGenerator(c).why).join('; ')}.`);
  say(
    'Trials this short on a shared machine are noisy: one stall loses frames and fails a trial, so these are lower bounds; the instrument itself defaults to 2 s trials and every size.',
  );
  say();
  const rs = await runBench(b, rfc2544Progress(!!process.stderr.isTTY));
  say();
  say(resultsMarkdown(rs, b, true));
  say(
    o.out
      ? `wrote ${(await writeOutputs(o.out, rs, b)).join(', ')} (results.md in full: every size, per-flow loss and latency, the charts)`
      : 'The full results (per-flow loss and latency at the throughput rate, results.json, charts): `mpstack start --out DIR`, or `mpstack bench rfc2544 ... --out DIR`.',
  );
}

export async function startCommand(o: StartOptions): Promise<void> {
  if (o.printConfig) {
    process.stdout.write(liveRouterYaml());
    return;
  }
  const cpus = o.cpus ?? Math.min(MAX_CPUS, Math.max(1, availableParallelism()));
  const t0 = performance.now();
  const finished = await liveStage(o, cpus);
  if (finished && o.rfc2544) await rfc2544Stage(o, cpus);
  say(`mpstack start: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
