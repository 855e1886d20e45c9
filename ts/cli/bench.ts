// `mpstack bench rfc2544`: the option checks (one clear line each), the progress display (a bar with
// ETA on a terminal, plain lines otherwise) and the outputs; the test itself is ts/rfc2544/.
import { Presets, SingleBar } from 'cli-progress';
import { UserError } from '../errors.js';
import type { KernelImpl } from '../stack/kernels.js';
import { KERNEL_IMPLS } from '../stack/kernels.js';
import { linkBps, LINKS, RFC2544_SIZES, type Link } from '../rfc2544/line-rate.js';
import { compareResults, compareTable, readResults } from '../rfc2544/compare.js';
import { writeOutputs } from '../rfc2544/report.js';
import { type BenchEvent, type BenchOptions, defaultGenerator, type Generator, runBench } from '../rfc2544/runner.js';
import { checkScenario, type Family, MIN_SIZE } from '../rfc2544/scenarios.js';

export interface Rfc2544Args {
  scenario: string;
  cpus: string;
  /** default: RFC 2544's sizes, from 78 bytes for IPv6 */
  sizes?: string;
  ip: string;
  runs: number;
  backToBack: boolean;
  duration: string;
  routes: number;
  engine: string;
  link: string;
  loss: string;
  resolution: number;
  flows: number;
  out: string;
  /** thread | inline; default: defaultGenerator */
  generator?: string;
  rxRing?: number;
  chargeGeneratorPauses?: boolean;
}

function list(name: string, v: string, min: number, max: number): number[] {
  const xs = v.split(',').map((s) => s.trim());
  const ns = xs.map(Number);
  ns.forEach((n, i) => {
    if (!/^\d+$/.test(xs[i]!) || n < min || n > max)
      throw new UserError(`--${name}: '${xs[i]}' is not an integer from ${min} to ${max}`);
  });
  if (ns.length === 0) throw new UserError(`--${name}: empty`);
  return [...new Set(ns)];
}

export function benchOptions(a: Rfc2544Args): BenchOptions {
  if (a.ip !== '4' && a.ip !== '6') throw new UserError(`--ip: '${a.ip}' is not 4 or 6`);
  const family = Number(a.ip) as Family;
  const scenarios = [...new Set(a.scenario.split(',').map((s) => checkScenario(s.trim(), family)))];
  const engines = [...new Set(a.engine.split(',').map((s) => s.trim()))];
  for (const e of engines)
    if (!(KERNEL_IMPLS as readonly string[]).includes(e))
      throw new UserError(`--engine: '${e}' is not one of ${KERNEL_IMPLS.join(', ')}`);
  const cpus = list('cpus', a.cpus, 1, 24);
  const min = MIN_SIZE[family];
  const sizes = list('sizes', a.sizes ?? RFC2544_SIZES.map((x) => Math.max(x, min)).join(','), 64, 1518);
  for (const x of sizes)
    if (x < min) throw new UserError(`--sizes: ${x} is below ${min}, the smallest UDP/IPv6 frame (CSIT's minimum)`);
  if (!Number.isInteger(a.runs) || a.runs < 1 || a.runs > 100)
    throw new UserError(`--runs: '${a.runs}' is not an integer from 1 to 100`);
  const duration = Number(a.duration);
  if (!(duration >= 0.1 && duration <= 3600)) throw new UserError(`--duration: '${a.duration}' is not 0.1 to 3600 s`);
  if (linkBps(a.link) === undefined)
    throw new UserError(`--link: '${a.link}' is not one of ${Object.keys(LINKS).join(', ')}`);
  const lossPct = Number(a.loss);
  if (!(lossPct >= 0 && lossPct < 100)) throw new UserError(`--loss: '${a.loss}' is not a percentage from 0 to 100`);
  return {
    scenarios,
    engines: engines as KernelImpl[],
    cpus,
    sizes,
    duration,
    routes: a.routes,
    link: a.link.toLowerCase() as Link,
    lossPct,
    resolution: a.resolution,
    flows: a.flows,
    family,
    runs: a.runs,
    backToBack: a.backToBack,
    generator: generatorOption(a.generator, cpus),
    ...(a.rxRing !== undefined ? { rxRing: a.rxRing } : {}),
    ...(a.chargeGeneratorPauses === true ? { chargeGeneratorPauses: true } : {}),
  };
}

/** --generator, or the default for this machine (said on stderr, and in results.md by its Generator line). */
function generatorOption(g: string | undefined, cpus: number[]): Generator | 'auto' {
  if (g === undefined) {
    for (const c of cpus) process.stderr.write(`rfc2544: ${defaultGenerator(c).why}\n`);
    return 'auto';
  }
  if (g !== 'thread' && g !== 'inline') throw new UserError(`--generator: '${g}' is not thread or inline`);
  return g;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** A bar with ETA on a terminal (counting trials, the total an estimate that shrinks as searches end), plain lines otherwise. */
export function rfc2544Progress(tty: boolean): (ev: BenchEvent) => void {
  let bar: SingleBar | null = null;
  let total = 0;
  let perSearch = 0;
  let done = 0;
  let searchTrials = 0;
  let searches = 0;
  let ended = 0;
  const line = (s: string) => process.stderr.write(`${s}\n`);
  return (ev) => {
    if (ev.kind === 'start') {
      perSearch = ev.trialsPerSearch;
      searches = ev.searches;
      total = ev.searches * perSearch;
      if (tty) {
        bar = new SingleBar(
          {
            format: 'rfc2544 [{bar}] {value}/{total} trials | ETA {eta_formatted} | {what}',
            stream: process.stderr,
            hideCursor: true,
            etaBuffer: 8,
          },
          Presets.shades_classic,
        );
        bar.start(total, 0, { what: '' });
      } else line(`rfc2544: ${ev.searches} searches, up to about ${perSearch} trials each`);
    } else if (ev.kind === 'search') {
      searchTrials = 0;
      if (!tty) line(`rfc2544: ${ev.label}`);
    } else if (ev.kind === 'trial') {
      done++;
      searchTrials++;
      if (searchTrials > perSearch) total++;
      const t = ev.t;
      const what = `${ev.label}: ${int(t.rate)} fps ${t.pass ? 'pass' : `fail (lost ${int(t.loss)} of ${int(t.offered)})`}`;
      if (bar) {
        bar.setTotal(total);
        bar.update(done, { what });
      } else
        line(
          `  trial ${int(t.rate)} fps: offered ${int(t.offered)}, received ${int(t.received)}, ${t.pass ? 'pass' : `FAIL${t.early ? ' (stopped early)' : ''}`}`,
        );
    } else {
      // a search ended: its unused trials leave the estimate
      total -= Math.max(0, perSearch - searchTrials);
      bar?.setTotal(total);
      const r = ev.r;
      const f = r.atThroughput;
      const lat = f?.latency
        ? `; at that rate: lost ${int(f.lost)} of ${int(f.offered)}, latency min/avg/max ${f.latency.minUs}/${f.latency.avgUs.toFixed(0)}/${f.latency.maxUs} us, p99 <= ${f.latency.p99Us} us`
        : '';
      const b = r.backToBack;
      const b2b = b
        ? `; back-to-back: ${b.reachedLimit ? '>= ' : ''}${int(b.frames)} frames at ${int(b.rate)} fps (${b.bursts.length} bursts)`
        : '';
      const msg = `${r.scenario}${r.family === 6 ? ' IPv6' : ''} ${r.engine} ${r.cpus} CPU ${r.size} B${r.run > 1 ? ` run ${r.run}` : ''}: ${int(r.fps)} fps (${r.pctOf10g.toFixed(1)}% of 10 GbE), ${r.trials.length} trials, ${r.searchS} s${lat}${b2b}`;
      if (bar) {
        bar.stop();
        line(msg);
        // after the last search the bar stays stopped: its timer ends and the terminal gets its
        // line wrapping back (the bar turns it off while it runs) for what is printed next
        if (++ended < searches) bar.start(total, done, { what: '' });
        else bar = null;
      } else line(`  => ${msg}`);
    }
  };
}

export async function rfc2544Command(a: Rfc2544Args): Promise<void> {
  const o = benchOptions(a);
  const tty = !!process.stderr.isTTY;
  const t0 = performance.now();
  const on = rfc2544Progress(tty);
  const rs = await runBench(o, on);
  const files = await writeOutputs(a.out, rs, o);
  process.stderr.write(`rfc2544: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  for (const r of rs)
    process.stdout.write(
      `${r.scenario}\tIPv${r.family}\trun ${r.run}\t${r.engine}\t${r.cpus} CPU\t${r.size} B\t${int(r.fps)} fps\t${r.pctOf1g.toFixed(1)}% of 1 GbE\t${r.pctOf10g.toFixed(1)}% of 10 GbE\n`,
    );
  process.stdout.write(`wrote ${files.join(', ')}\n`);
}

/** `mpstack bench compare A.json B.json [--json]`: ratios B / A per search. */
export function compareCommand(a: string, b: string, o: { json?: boolean }): void {
  const rows = compareResults(readResults(a), readResults(b));
  if (rows.every((r) => r.ratio === null))
    throw new UserError(`${a} and ${b} have no search in common (scenario, IP, engine, CPUs and size)`);
  process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${compareTable(rows, a, b)}\n`);
}
