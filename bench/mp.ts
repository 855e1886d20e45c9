// The multi-CPU engine: forwarding capacity with 1 and 2 worker CPUs (fast path and normal path),
// per CPU and in total, and the longest forwarding stall while routes change under full traffic.
//
// On a 2-core machine the traffic source cannot run on cores of its own, so each worker plays the
// NIC for the queues it services (rxr_fill: the DMA copy into RX-ring clusters, with the hash its RSS
// computed for the template in the descriptor) and times that, with the driver's ring, pktq and TX-ring work, apart from the pipeline (fwd_batch).
// Both NICs have 4 queue pairs, as the talk's I354 ports have 8: each CPU transmits on a TX queue
// of its own, reclaimed by itself. "Stack capacity" is frames per second of pipeline time, per CPU,
// summed over the CPUs: the forwarding work the stack can do, with the traffic source's own cost
// kept out. "End to end" is frames per wall-clock second with the source included.
import { parseConfig } from '../ts/config/load.js';
import type { KernelImpl } from '../ts/stack/kernels.js';
import { NodeMachine } from '../ts/host/host-node.js';
import { MP_CONFIG, measureMachine, type Run } from './mp-measure.js';
import { isMain, machineInfo, num, sig, table, writeResults, type SuiteOptions, type SuiteReport } from './common.js';

const measure = (ff: boolean, cpus: number, ms: number, churn = false): Promise<Run> =>
  measureMachine({ parseConfig, NodeMachine }, MP_CONFIG, ff, cpus, ms, churn);

export async function runMp(o: SuiteOptions = {}): Promise<SuiteReport> {
  const engine: KernelImpl = 'wasm';
  const runs: Run[] = [];
  for (const ff of [true, false]) for (const cpus of [1, 2]) runs.push(await measure(ff, cpus, 2000));
  // stalls with 2 workers (they share the 2 cores with the control plane, so the OS preempts them)
  // and with 1 (a core left for the control plane: what route updates themselves cost the worker)
  const stalls = [];
  for (const cpus of [2, 1])
    for (const churn of [false, true]) stalls.push({ cpus, churn, r: await measure(true, cpus, 2000, churn) });
  const base = (r: Run) => runs.find((x) => x.path === r.path && x.cpus === 1)!;
  const text = [
    `Forwarding capacity, ${engine}, 64-byte frames, 1,024 UDP flows over 4 RSS queues (median-free single runs of 2 s; see bench/README.md):`,
    table(
      [
        'path',
        'CPUs',
        'stack Mpps per CPU',
        'stack capacity Mpps',
        'x 1 CPU',
        'end to end Mpps',
        'e2e / stack',
        'source copy ns/frame',
        'e2e less source / stack',
      ],
      runs.map((r) => [
        r.path,
        r.cpus,
        r.perCpuStackMpps.map((x) => num(x)).join(' / '),
        num(r.stackMpps),
        `${(r.stackMpps / base(r).stackMpps).toFixed(2)}x`,
        num(r.e2eMpps),
        (r.e2eMpps / r.stackMpps).toFixed(2),
        num(r.sourceNsPerFrame),
        (r.e2eNoSourceMpps / r.stackMpps).toFixed(2),
      ]),
    ),
    'Target: 2 CPUs >= 1.9x one CPU in stack capacity; end to end >= 0.7 of stack capacity (issue 15).',
    "End to end counts the source's copy (rxr_fill, what a real NIC's DMA does for free); 'less source' takes it out of",
    "each CPU's wall-clock time (it also warms each frame into the CPU's cache, so that figure flatters the stack a little).",
    'Forwarding stalls, fast path: the longest single batch (256 frames in fwd_batch) and the longest gap between two',
    'batches of one worker (which also counts the OS preempting the worker; with 2 workers + the control plane on 2 cores it does):',
    table(
      [
        'workers',
        'control plane',
        'batch p50 us',
        'p99',
        'p99.9',
        'longest batch us',
        'longest gap us',
        'end to end Mpps',
      ],
      stalls.map(({ cpus, churn, r }) => [
        cpus,
        churn ? 'route changes + churn + reclaim, back to back' : 'idle',
        `<= ${num(r.p50Us)}`,
        `<= ${num(r.p99Us)}`,
        `<= ${num(r.p999Us)}`,
        num(r.maxBatchUs),
        num(r.maxGapUs),
        num(r.e2eMpps),
      ]),
    ),
    'Batch-time quantiles come from log2 histograms (each is an upper bound within 2x).',
    'Target: route updates under full traffic cause no stall longer than 1 ms (workers never wait for a writer: no locks on the read side).',
  ].join('\n');
  const jsonPath = writeResults('mp', {
    machine: machineInfo(),
    engine,
    runs: runs.map((r) => ({ ...r, stackMpps: sig(r.stackMpps), e2eMpps: sig(r.e2eMpps) })),
    stall: stalls,
  });
  if (o.print !== false) console.log(text);
  return { suite: 'mp', text, jsonPath };
}

if (isMain(import.meta.url)) await runMp();
