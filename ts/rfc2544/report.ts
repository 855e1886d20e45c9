// The bench's outputs: results.json (every result with its trials), results.md (the talk's table:
// fps and percent of 1 GbE and 10 GbE per CPU count, the talk's own 64-byte figures beside ours) and
// charts (throughput against CPUs and against frame size) as SVG, and PNG when @resvg/resvg-js loads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus as osCpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { B2B_FIRST, type BenchOptions, type BenchResult, generatorHow, LATENCY_HOW, RX_RING } from './runner.js';

/** The talk's table: 64-byte frames/s for 1, 2, 4, 5 and 8 cores (ipgen's RFC 2544 throughput; 1,488,095 = 1 GbE). */
export const TALK: Record<string, Record<number, number | null>> = {
  fast: { 1: 455_727, 2: 688_241, 4: 1_190_617, 5: 1_460_193, 8: 1_488_095 },
  normal: { 1: 224_375, 2: 372_022, 4: 674_290, 5: 762_646, 8: 1_078_865 },
  bridge: { 1: 381_322, 2: 613_837, 4: 1_191_634, 5: 1_488_095, 8: 1_488_095 },
  gif: { 1: 138_492, 2: 242_251, 4: 425_502, 5: null, 8: 772_528 },
};
const TALK_CPUS = [1, 2, 4, 5, 8];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${n.toFixed(1)}%`;

export const HOW =
  'How measured: the traffic source is the `gen` driver, on a thread of its own or inside the worker CPUs ' +
  '(the Generator line above); offered = frames the sources made (including those that found ' +
  'an RX ring full), received = frames the sink NIC transmitted, loss = offered - received. Nothing is extrapolated.';

export function machineLine(): string {
  const c = osCpus();
  const l = loadavg();
  return `${c.length} x ${c[0]?.model ?? 'CPU'}; load average ${l.map((x) => x.toFixed(2)).join(' ')} at the end; Node ${process.version}`;
}

/** The median of a sorted-or-not list (the lower middle of an even one: a run that happened). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1]!;
}

/** One result per (scenario, engine, cpus, size): the run with the median fps when a search ran several times. */
export function medianRuns(rs: BenchResult[]): BenchResult[] {
  const groups = new Map<string, BenchResult[]>();
  for (const r of rs) {
    const k = `${r.scenario}|${r.family}|${r.engine}|${r.cpus}|${r.size}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const m = median(g.map((r) => r.fps));
    return g.find((r) => r.fps === m)!;
  });
}

/** The repeatability table: every run's fps of each search, its median and spread ((max - min) / median). */
export function spreadMarkdown(rs: BenchResult[]): string[] {
  const runs = Math.max(...rs.map((r) => r.run));
  if (runs < 2) return [];
  const lines = [
    `## Repeatability: ${runs} runs of the same trial set`,
    '',
    'Each search ran again from a fresh machine, one after the other; the tables above show the median run. ' +
      'Spread = (highest - lowest) / median. The target is agreement within 5%.',
    '',
    `| scenario | engine | CPUs | size B | ${Array.from({ length: runs }, (_, i) => `run ${i + 1}`).join(' | ')} | median | spread |`,
    `|---|---|---:|---:|${'---:|'.repeat(runs)}---:|---:|`,
  ];
  for (const m of medianRuns(rs)) {
    const g = rs.filter(
      (r) =>
        r.scenario === m.scenario &&
        r.family === m.family &&
        r.engine === m.engine &&
        r.cpus === m.cpus &&
        r.size === m.size,
    );
    const fps = g.map((r) => r.fps);
    const spread = m.fps > 0 ? (100 * (Math.max(...fps) - Math.min(...fps))) / m.fps : 0;
    const cells = Array.from({ length: runs }, (_, i) => {
      const r = g.find((x) => x.run === i + 1);
      return r ? int(r.fps) : '';
    });
    lines.push(
      `| ${m.scenario}${m.family === 6 ? ' (IPv6)' : ''} | ${m.engine} | ${m.cpus} | ${m.size} | ${cells.join(' | ')} | ${int(m.fps)} | ${pct(spread)} |`,
    );
  }
  lines.push('');
  return lines;
}

/** Per-flow accounting and latency of the trial at each result's throughput rate. */
export function flowMarkdown(rs: BenchResult[]): string[] {
  const with_ = rs.filter((r) => r.atThroughput);
  if (with_.length === 0) return [];
  const lines = [
    'At the throughput rate, every frame counted per flow (a trial of its own after the search; latency in microseconds):',
    '',
    '| CPUs | size B | rate fps | flows | offered | received | lost | flows with loss | reordered | duplicated | latency min | avg | p99 ≤ | max |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of [...with_].sort((a, b) => a.cpus - b.cpus || a.size - b.size)) {
    const f = r.atThroughput!;
    const l = f.latency;
    lines.push(
      `| ${r.cpus} | ${r.size} | ${int(f.rate)} | ${f.flows} | ${int(f.offered)} | ${int(f.received)} | ${int(f.lost)} | ${f.flowsWithLoss} | ${int(f.reordered)} | ${int(f.duplicated)} | ${
        l ? `${l.minUs} | ${l.avgUs.toFixed(1)} | ${l.p99Us} | ${l.maxUs}` : '– | – | – | –'
      } |`,
    );
  }
  lines.push('');
  return lines;
}

/** RFC 2544 26.4: the longest burst at line rate with no loss, per result. */
export function backToBackMarkdown(rs: BenchResult[]): string[] {
  const with_ = rs.filter((r) => r.backToBack);
  if (with_.length === 0) return [];
  const lines = [
    `Back-to-back frames (RFC 2544 26.4): bursts at the ${with_[0]!.link} line rate, doubling from ${B2B_FIRST} frames, then a binary search to 1%; ` +
      'the longest burst with no frame lost (≥: no loss up to the longest tried, a trial duration of line rate):',
    '',
    '| CPUs | size B | burst rate fps | longest burst, frames | its length | bursts tried |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of [...with_].sort((a, b) => a.cpus - b.cpus || a.size - b.size)) {
    const b = r.backToBack!;
    lines.push(
      `| ${r.cpus} | ${r.size} | ${int(b.rate)} | ${b.reachedLimit ? '≥ ' : ''}${int(b.frames)} | ${((1e6 * b.frames) / b.rate).toFixed(0)} µs | ${b.bursts.length} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The generator thread's pauses over a search, for the every-size table. */
function pausesNote(r: BenchResult): string {
  const p = r.generatorPauses;
  if (!p) return '';
  return ` (${int(p.count)} pauses, ${(p.us / 1000).toFixed(1)} ms ${p.charged ? 'charged' : 'moved on'})`;
}

/**
 * results.md. `brief`: the talk's table per scenario only (what `mpstack start` prints), without the
 * every-size, per-flow, back-to-back and repeatability tables.
 */
export function resultsMarkdown(all: BenchResult[], o: BenchOptions, brief = false): string {
  const rs = medianRuns(all);
  const lines: string[] = ['# RFC 2544 throughput (mpstack bench rfc2544)', ''];
  lines.push(
    `Trials of ${o.duration} s after a warm-up; binary search from half the ${o.link} line rate, resolution ${int(o.resolution)} fps, ` +
      `loss allowed ${o.lossPct}%; ${o.flows} UDP/IPv${o.family} flows spread by RSS` +
      `${o.runs > 1 ? `; every search ${o.runs} times (the median run below, the spread at the end)` : ''}. Machine: ${machineLine()}.`,
    '',
    `${generatorHow(o.generator)} RX rings of ${o.rxRing ?? RX_RING} descriptors per queue.` +
      (o.generator === 'inline'
        ? ''
        : o.chargeGeneratorPauses
          ? " The generator thread's own pauses (the OS running something else on its core) were charged to the router: the frames due meanwhile came as one burst."
          : " The generator thread's own pauses (the OS running something else on its core, 20 µs or more) moved its trial's schedule on, as a generator on a machine of its own has none: the frames due meanwhile came after the pause at the trial's rate, counted in the every-size table."),
    '',
    HOW,
    '',
    ...(brief ? [] : [LATENCY_HOW, '']),
  );
  for (const scenario of [...new Set(rs.map((r) => r.scenario))]) {
    for (const engine of [...new Set(rs.map((r) => r.engine))]) {
      const mine = rs.filter((r) => r.scenario === scenario && r.engine === engine);
      if (mine.length === 0) continue;
      lines.push(`## ${scenario} (${engine}): ${mine[0]!.describe}`, '');
      // the talk's table is 64-byte UDP/IPv4; an IPv6 run's smallest frames stand in its place, the talk's rows beside them
      const at64 = mine.filter((r) => r.size === (o.family === 6 ? 78 : 64));
      if (at64.length) {
        const cpus = [...new Set([...TALK_CPUS, ...at64.map((r) => r.cpus)])].sort((a, b) => a - b);
        lines.push(
          o.family === 6
            ? "78-byte UDP/IPv6 frames (the talk's figures are 64-byte UDP/IPv4, for orientation only):"
            : "64-byte frames, as the talk's table:",
          '',
        );
        lines.push('| CPUs | mpstack fps | % of 1 GbE | % of 10 GbE | talk fps | talk % of 1 GbE |');
        lines.push('|---:|---:|---:|---:|---:|---:|');
        for (const c of cpus) {
          const r = at64.find((x) => x.cpus === c);
          const t = TALK[scenario]?.[c];
          lines.push(
            `| ${c} | ${r ? int(r.fps) : 'not run'} | ${r ? pct(r.pctOf1g) : ''} | ${r ? pct(r.pctOf10g) : ''} | ${t ? int(t) : t === null ? '–' : ''} | ${t ? pct((100 * t) / 1_488_095) : ''} |`,
          );
        }
        lines.push('');
      }
      if (brief) continue;
      lines.push('Every size:', '');
      lines.push('| CPUs | size B | fps | % of 1 GbE | % of 10 GbE | line rate passed | trials | loss | generator |');
      lines.push('|---:|---:|---:|---:|---:|:---:|---:|---:|---|');
      for (const r of [...mine].sort((a, b) => a.cpus - b.cpus || a.size - b.size))
        lines.push(
          `| ${r.cpus} | ${r.size} | ${int(r.fps)} | ${pct(r.pctOf1g)} | ${pct(r.pctOf10g)} | ${r.lineRatePassed ? 'yes' : 'no'} | ${r.trials.length} | ${r.loss} | ${r.generator}${pausesNote(r)} |`,
        );
      lines.push('');
      lines.push(...flowMarkdown(mine), ...backToBackMarkdown(mine));
    }
  }
  if (!brief) lines.push(...spreadMarkdown(all));
  return lines.join('\n');
}

async function charts(rs: BenchResult[]): Promise<{ name: string; svg: string }[]> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const values = medianRuns(rs).map((r) => ({
    series: `${r.scenario} ${r.engine}`,
    cpus: r.cpus,
    size: r.size,
    Mpps: r.fps / 1e6,
  }));
  const specs: { name: string; spec: unknown }[] = [];
  const smallest = Math.min(...values.map((v) => v.size));
  const at64 = values.filter((v) => v.size === smallest);
  if (at64.length)
    specs.push({
      name: 'throughput-vs-cpus',
      spec: {
        title: `RFC 2544 throughput, ${smallest}-byte frames`,
        width: 480,
        height: 300,
        data: { values: at64 },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'cpus', type: 'quantitative', title: 'worker CPUs', axis: { tickMinStep: 1 } },
          y: { field: 'Mpps', type: 'quantitative', title: 'zero-loss Mpps' },
          color: { field: 'series', type: 'nominal' },
        },
      },
    });
  specs.push({
    name: 'throughput-vs-size',
    spec: {
      title: 'RFC 2544 throughput by frame size',
      width: 480,
      height: 300,
      data: { values: values.map((v) => ({ ...v, series: `${v.series} ${v.cpus} CPU` })) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'size', type: 'quantitative', title: 'frame size (bytes)' },
        y: { field: 'Mpps', type: 'quantitative', title: 'zero-loss Mpps' },
        color: { field: 'series', type: 'nominal' },
      },
    },
  });
  const out: { name: string; svg: string }[] = [];
  for (const s of specs) {
    // biome-ignore lint/suspicious/noExplicitAny: vega-lite's TopLevelSpec is wide; the specs above are plain
    const compiled = vl.compile(s.spec as any).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    out.push({ name: s.name, svg: await view.toSVG() });
    view.finalize();
  }
  return out;
}

/** Writes results.json, results.md and the charts into dir; returns the files written. */
export async function writeOutputs(dir: string, rs: BenchResult[], o: BenchOptions): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeFileSync(join(dir, name), data);
    files.push(join(dir, name));
  };
  put(
    'results.json',
    `${JSON.stringify(
      rs.map((r) => ({ ...r, machine: machineLine(), how: HOW })),
      null,
      2,
    )}\n`,
  );
  put('results.md', `${resultsMarkdown(rs, o)}\n`);
  if (rs.length) {
    for (const c of await charts(rs)) {
      put(`${c.name}.svg`, c.svg);
      try {
        const { Resvg } = await import('@resvg/resvg-js');
        put(`${c.name}.png`, new Resvg(c.svg, { background: 'white' }).render().asPng());
      } catch {
        /* no PNG renderer here: the SVG stands */
      }
    }
  }
  return files;
}
