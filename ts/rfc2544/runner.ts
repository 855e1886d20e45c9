// The RFC 2544 throughput test on the multi-CPU machine: for each scenario, engine, CPU count and
// frame size, a machine in trial mode (MpOptions.paced), a warm-up, then ipgen's search (search.ts)
// over trials that each offer rate x duration frames and count what the sink NIC transmitted.
//
// Where the generator runs (BenchOptions.generator): 'thread', a generator thread of its own on
// another core (gen-loop.ts: the RX rings' producer, as a NIC fed by ipgen on another machine), or
// 'inline', the `gen` driver inside each worker CPU's loop (cpu-loop.ts), so the CPUs that forward also
// generate and the generator's copying is part of what limits them. Both copy with rxr_fill and pace
// on a microsecond clock (gen-wire.ts). Offered = frames the sources made (those that found the RX ring full included);
// received = frames the sink NIC's TX rings sent; loss = offered - received, wherever it happened.
import { availableParallelism } from 'node:os';
import { NodeMachine } from '../host/host-node.js';
import type { KernelImpl } from '../stack/kernels.js';
import type { FlowStats, ProbeSummary } from '../machine/flow-probe.js';
import { lineRateFps, LINKS, type Link } from './line-rate.js';
import { buildScenario, type Family, type Scenario } from './scenarios.js';
import { searchThroughput, type TrialResult } from './search.js';

export interface BenchOptions {
  scenarios: Scenario[];
  engines: KernelImpl[];
  cpus: number[];
  sizes: number[];
  /** seconds per trial */
  duration: number;
  routes: number;
  link: Link;
  lossPct: number;
  resolution: number;
  flows: number;
  /** UDP over IPv4 or IPv6 */
  family: Family;
  /** each search this many times, one after the other (repeatability) */
  runs: number;
  /** after each search, RFC 2544's back-to-back test (26.4): the longest burst at line rate with no loss */
  backToBack: boolean;
  /** where the traffic source runs: its own thread, inside the worker CPUs, or 'auto': per CPU count, defaultGenerator */
  generator: Generator | 'auto';
  /** RX descriptors per queue (a power of two; RX_RING by default) */
  rxRing?: number;
  /** the generator thread's own pauses charged to the router as a burst (MpOptions.genStallShift false); default not */
  chargeGeneratorPauses?: boolean;
}

export type Generator = 'thread' | 'inline';

/**
 * The generator on a core of its own when there is one beside `cpus` worker CPUs, else inline;
 * `why` says which and why, for the outputs.
 */
export function defaultGenerator(cpus: number, cores = availableParallelism()): { generator: Generator; why: string } {
  return cpus + 1 <= cores
    ? { generator: 'thread', why: `generator thread by default: ${cpus} worker CPU(s) + 1 <= ${cores} cores` }
    : {
        generator: 'inline',
        why: `generator inline by default: ${cpus} worker CPU(s) + 1 > ${cores} cores, no core left for it`,
      };
}

/** One sentence for the outputs: where the frames were made. */
export function generatorHow(g: Generator | 'auto'): string {
  if (g === 'auto')
    return `Generator: per CPU count, a thread of its own when CPUs + 1 <= ${availableParallelism()} cores (gen-loop.ts, the RX rings' producer as a NIC, paced on its own clock), else inline inside the worker CPUs that forward (cpu-loop.ts); results.json's generator and the every-size table's column say which.`;
  return g === 'thread'
    ? "Generator: a thread of its own beside the worker CPUs (gen-loop.ts), the RX rings' producer as a NIC, paced on its own clock."
    : 'Generator: inline, inside the worker CPUs that forward (cpu-loop.ts), paced on their clock; its copying counts against them.';
}

export interface BenchResult {
  scenario: Scenario;
  /** 4 or 6: UDP over IPv4 or IPv6 */
  family: Family;
  /** which of the --runs repetitions (1..runs) */
  run: number;
  engine: KernelImpl;
  cpus: number;
  size: number;
  /** RFC 2544 throughput: the highest offered rate with loss within the allowance, frames/s */
  fps: number;
  /** frames lost in that trial */
  loss: number;
  /** percent of the frames allowed to be lost */
  lossPct: number;
  link: Link;
  /** the link's rate at this size, frames/s (the search's ceiling) */
  lineRate: number;
  pctOf1g: number;
  pctOf10g: number;
  lineRatePassed: boolean;
  /** every trial in order */
  trials: TrialResult[];
  duration: number;
  resolution: number;
  flows: number;
  queues: number;
  describe: string;
  /** where the traffic source ran, and the RX ring's descriptors per queue */
  generator: Generator;
  rxRing: number;
  /**
   * The generator thread's own pauses over the search (the OS ran something else on its core): how
   * many and their µs, and whether they were charged to the router (a burst after each) or moved the
   * trial's schedule on (the default). Null for the inline generator, whose pauses are the router's.
   */
  generatorPauses: { count: number; us: number; charged: boolean } | null;
  /**
   * The trial at the throughput rate with every frame stamped and counted per flow as the sink
   * transmits it (flow-probe.ts): lost, reordered, duplicated, latency. Null if the search passed nothing.
   */
  atThroughput: FlowTrial | null;
  /** RFC 2544 26.4, when asked (BenchOptions.backToBack) */
  backToBack: BackToBack | null;
  /** ms to build the stack and start the CPUs; ms of warm-up; s of the whole search */
  bootMs: number;
  warmupMs: number;
  searchS: number;
}

/** The per-flow accounting of one trial, the per-flow list cut to the flows that lost the most. */
export interface FlowTrial extends Omit<ProbeSummary, 'perFlow'> {
  rate: number;
  /** the trial's aggregate: frames the sources made and the sink transmitted (TX ring drops counted there, not per flow) */
  trialOffered: number;
  sinkReceived: number;
  /** the flows with the most loss (at most 5), then the slowest */
  worstFlows: FlowStats[];
}

/** RFC 2544's back-to-back frames: bursts at line rate, the longest with no frame lost. */
export interface BackToBack {
  /** the longest burst that lost nothing (0: even the first, shortest, lost) */
  frames: number;
  /** the longest burst tried: a pass there means the device kept up for that long (a lower bound) */
  limit: number;
  reachedLimit: boolean;
  /** frames/s of the bursts: the link's line rate at this size */
  rate: number;
  bursts: { frames: number; pass: boolean; loss: number }[];
}

/** The shortest burst tried, and the first of the doubling. */
export const B2B_FIRST = 64;

/**
 * RFC 2544 26.4 on a drained machine: bursts at `rate` (line rate), doubling from B2B_FIRST frames
 * while none is lost, then a binary search between the longest that passed and the shortest that
 * failed, to within 1% (and 8 frames). A burst stops early once it has certainly lost a frame.
 */
export async function backToBack(
  e: NodeMachine,
  sink: number,
  source: number,
  rate: number,
  limit: number,
): Promise<BackToBack> {
  const bursts: BackToBack['bursts'] = [];
  const burst = async (n: number) => {
    const t = await runTrial(e, sink, rate, n, 0, source);
    const pass = t.offered === n && t.loss === 0;
    bursts.push({ frames: n, pass, loss: t.loss });
    return pass;
  };
  let pass = 0;
  let fail = 0;
  for (let n = Math.min(B2B_FIRST, limit); ; n = Math.min(limit, n * 2)) {
    if (!(await burst(n))) {
      fail = n;
      break;
    }
    pass = n;
    if (n >= limit) break;
  }
  while (fail !== 0 && fail - pass > Math.max(8, pass / 100)) {
    const n = Math.round((pass + fail) / 2);
    if (await burst(n)) pass = n;
    else fail = n;
  }
  return { frames: pass, limit, reachedLimit: pass >= limit, rate, bursts };
}

export const LATENCY_HOW =
  'Per-flow accounting: each generated frame carries its queue, its number and a microsecond timestamp in its ' +
  "last 12 bytes (the UDP checksum kept right); the CPU that forwarded it reads them back as it hands the frame to the sink NIC's " +
  "transmit (probe_tx, every frame, no sampling). Latency = that moment minus the stamp, on the system clock (one CPU's, or the generator thread's and the CPU's): from the " +
  'generator writing the frame into the RX ring to its transmit, RX ring and pktq waits included; p99 is the top of its ' +
  'histogram bucket (12.5% wide). Lost = offered - received per flow; reordered = arrived after a later frame of its flow; ' +
  'duplicated = a number seen twice (a 32-frame window).';

export type BenchEvent =
  | { kind: 'start'; searches: number; trialsPerSearch: number }
  | { kind: 'search'; index: number; label: string }
  | { kind: 'trial'; label: string; t: TrialResult; pass: number; fail: number }
  | { kind: 'done'; r: BenchResult };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RX descriptors per queue in trials (see NodeMachine.start below). */
export const RX_RING = 2048;

/**
 * Waits until the machine holds no frames of the trial: no frame in an RX ring, a pktq or a TX ring
 * not yet reclaimed, and none in a batch a CPU is working on (a grace period: every batch under way
 * when it began has ended and posted what it sent). Two quiet reads around the grace period, or
 * `maxMs`. A frame still in flight when the next trial's counters are read would count there.
 */
async function drain(e: NodeMachine, sink: number, maxMs = 2000): Promise<void> {
  const end = performance.now() + maxMs;
  const held = () => e.stats.rxLost().queued + e.stats.transmitted(sink).queued;
  while (performance.now() < end) {
    if (held() === 0) {
      const before = e.stats.transmitted(sink).frames;
      await e.synchronize();
      if (held() === 0 && e.stats.transmitted(sink).frames === before) return;
    }
    await sleep(2);
  }
}

/** The generator thread's pauses since `p0` (stats.generatorPauses() then). */
function pausesSince(e: NodeMachine, p0: { count: number; us: number }, charged: boolean) {
  const p = e.stats.generatorPauses();
  return { count: p.count - p0.count, us: p.us - p0.us, charged };
}

/** One trial: `frames` at `rate` frames/s; stops early once its loss is certainly beyond `allowed`. */
export async function runTrial(
  e: NodeMachine,
  sink: number,
  rate: number,
  frames: number,
  allowed: number,
  source?: number,
): Promise<Omit<TrialResult, 'pass'>> {
  const g0 = e.stats.generated().frames;
  const r0 = e.stats.transmitted(sink);
  const l0 = e.stats.rxLost();
  const lost0 = l0.missed + l0.nobufs + l0.pktqDrops + r0.drops;
  const inFlight = e.bufs.clusters; // no more frames than clusters can be anywhere but lost or sent
  await e.offer(frames, rate, source);
  const t0 = performance.now();
  const deadline = t0 + (frames / rate) * 2000 + 2000;
  let early = false;
  let t1 = t0;
  for (;;) {
    await sleep(2);
    t1 = performance.now();
    if (e.offerDone()) break;
    const made = e.stats.generated().frames - g0;
    const tx = e.stats.transmitted(sink);
    const l = e.stats.rxLost();
    const certain = Math.max(
      made - (tx.frames - r0.frames) - inFlight,
      l.missed + l.nobufs + l.pktqDrops + tx.drops - lost0,
    );
    if (certain > allowed || t1 > deadline) {
      await e.offer(0, 0);
      early = true;
      break;
    }
  }
  await drain(e, sink);
  const offered = e.stats.generated().frames - g0;
  const received = e.stats.transmitted(sink).frames - r0.frames;
  return {
    rate,
    offered,
    received,
    loss: offered - received,
    early,
    measuredRate: Math.round(offered / Math.max(1e-6, (t1 - t0) / 1000)),
  };
}

/** One trial at `rate` with the probe armed: every frame of it counted per flow (never stopped early). */
export async function flowTrial(
  e: NodeMachine,
  sink: number,
  source: number,
  rate: number,
  duration: number,
): Promise<FlowTrial> {
  e.probeArm(sink, source);
  const t = await runTrial(e, sink, rate, Math.max(1, Math.round(rate * duration)), Infinity, source);
  const { perFlow, ...sum } = e.probeRead();
  const worstFlows = [...perFlow].sort((a, b) => b.lost - a.lost || (b.latMaxUs ?? 0) - (a.latMaxUs ?? 0)).slice(0, 5);
  return { rate, trialOffered: t.offered, sinkReceived: t.received, ...sum, worstFlows };
}

export async function runBench(o: BenchOptions, on: (ev: BenchEvent) => void = () => {}): Promise<BenchResult[]> {
  const runs = Math.max(1, o.runs);
  const jobs = Array.from({ length: runs }, (_, r) => r + 1).flatMap((run) =>
    o.scenarios.flatMap((scenario) =>
      o.engines.flatMap((engine) =>
        o.cpus.flatMap((cpus) => o.sizes.map((size) => ({ run, scenario, engine, cpus, size }))),
      ),
    ),
  );
  const perSearch = Math.ceil(Math.log2(lineRateFps(64, LINKS[o.link]) / o.resolution)) + 1;
  on({ kind: 'start', searches: jobs.length, trialsPerSearch: perSearch });
  const out: BenchResult[] = [];
  for (const [index, j] of jobs.entries()) {
    const label =
      `${j.scenario}${o.family === 6 ? ' IPv6' : ''} ${j.engine} ${j.cpus} CPU${j.cpus > 1 ? 's' : ''} ${j.size} B` +
      (runs > 1 ? ` (run ${j.run} of ${runs})` : '');
    on({ kind: 'search', index, label });
    const queues = Math.max(4, j.cpus);
    const gen = o.generator === 'auto' ? defaultGenerator(j.cpus).generator : o.generator;
    const sc = buildScenario(j.scenario, {
      size: j.size,
      flows: o.flows,
      queues,
      routes: o.routes,
      family: o.family,
    });
    const tb = performance.now();
    // RX rings of 2048 descriptors, the ixgbe drivers' PERFORM_RXD (their DEFAULT_RXD is 256): the
    // generator shares the CPUs, so a ring must ride out the moments another thread has the core
    const e = await NodeMachine.start(sc.cfg, {
      cpus: j.cpus,
      engine: j.engine,
      paced: true,
      routes: sc.routes,
      rxRing: o.rxRing ?? RX_RING,
      probe: true,
      generator: gen,
      genStallShift: o.chargeGeneratorPauses !== true,
    });
    const bootMs = performance.now() - tb;
    try {
      // warm-up: every flow seen a few times (flow caches and the FIB's paths filled), then drained
      // (a scenario's other gen ports first: a bridge learns its far side's stations)
      const tw = performance.now();
      for (const src of [...sc.teach, sc.source]) {
        await e.offer(Math.max(10_000, o.flows * 16), 0, src);
        while (!e.offerDone()) await sleep(2);
        await drain(e, sc.sink);
      }
      const warmupMs = performance.now() - tw;
      const lineRate = lineRateFps(j.size, LINKS[o.link]);
      const p0 = e.stats.generatorPauses();
      const ts = performance.now();
      const s = await searchThroughput({
        lineRate,
        resolution: o.resolution,
        lossPct: o.lossPct,
        trial: (rate, allowed) => {
          const frames = Math.max(1, Math.round(rate * o.duration));
          return runTrial(e, sc.sink, rate, frames, allowed(frames), sc.source);
        },
        onTrial: (t, b) => on({ kind: 'trial', label, t, pass: b.pass, fail: b.fail }),
      });
      const atThroughput = s.fps > 0 ? await flowTrial(e, sc.sink, sc.source, s.fps, o.duration) : null;
      // bursts of up to a trial's length at line rate (a pass at the limit: the throughput test's line-rate pass, in short)
      const b2b = o.backToBack
        ? await backToBack(e, sc.sink, sc.source, lineRate, Math.max(B2B_FIRST, Math.round(lineRate * o.duration)))
        : null;
      const r: BenchResult = {
        scenario: j.scenario,
        family: o.family,
        run: j.run,
        engine: j.engine,
        cpus: j.cpus,
        size: j.size,
        fps: s.fps,
        loss: s.loss,
        lossPct: o.lossPct,
        link: o.link,
        lineRate,
        pctOf1g: (100 * s.fps) / lineRateFps(j.size, LINKS['1g']),
        pctOf10g: (100 * s.fps) / lineRateFps(j.size, LINKS['10g']),
        lineRatePassed: s.lineRatePassed,
        trials: s.trials,
        duration: o.duration,
        resolution: o.resolution,
        flows: o.flows,
        queues,
        describe: sc.describe,
        generator: gen,
        rxRing: o.rxRing ?? RX_RING,
        generatorPauses: gen === 'thread' ? pausesSince(e, p0, o.chargeGeneratorPauses === true) : null,
        atThroughput,
        backToBack: b2b,
        bootMs: Math.round(bootMs),
        warmupMs: Math.round(warmupMs),
        searchS: Math.round(performance.now() - ts) / 1000,
      };
      out.push(r);
      on({ kind: 'done', r });
    } finally {
      await e.stop();
    }
  }
  return out;
}
