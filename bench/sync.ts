// Synchronization suite: what the primitives of ts/sync/ and assembly/sync/ cost.
//
//   read section   psz_read_enter + psz_read_exit on one CPU: the TS twin; the WASM exports called
//                  from JS (two JS->WASM calls per section); and inside WASM (psz_bench_sections: a
//                  loop in the module, what the pipeline pays per batch). Target <= 20 ns.
//   psref          psref_acquire + psref_release, the same three ways.
//   perform        psz_perform latency (sync, and psz_perform_async) with no reader, then with N
//                  worker threads doing read sections back to back (each reads 64 words of memory
//                  inside, like a batch of lookups). With more busy threads than cores, a reader is
//                  sometimes preempted inside its section and perform waits for the scheduler: the
//                  p99 and max columns show it.
//
// Short operations: one sample is N_OPS operations timed with process.hrtime; median of SAMPLES.
// Run: `npm run build && node dist/bench/sync.js`. Writes bench/results/sync.json.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import os from 'node:os';
import { LAYOUT_BASE } from '../assembly/layout.js';
import { Mem } from '../ts/kernels/util/mem.js';
import { createMemory, instantiateWasm } from '../ts/stack/wasm.js';
import { psz_init, psz_perform, psz_perform_async, psz_read_enter, psz_read_exit } from '../ts/sync/pserialize.js';
import { psref_acquire, psref_class_init, psref_release, psref_target_init } from '../ts/sync/psref.js';
import {
  type SuiteOptions,
  type SuiteReport,
  isMain,
  median,
  num,
  sig,
  sink,
  sinkRead,
  table,
  writeResults,
} from './common.js';

const PSZ = LAYOUT_BASE;
const CLS = LAYOUT_BASE + 8192;
const TARGET = LAYOUT_BASE + 16384 + 16;
const DATA = LAYOUT_BASE + 32768; // what busy readers read inside their sections
const MAX_READERS = 4;
const NCPU = 1 + MAX_READERS;
const N_OPS = 1 << 20;
const SAMPLES = 9;
const READ_WORDS = 64;

type Fn = (...a: number[]) => number;

interface OpRow {
  op: string;
  engine: string;
  nsPerOp: number;
  samplesNs: number[];
}
interface PerformRow {
  readers: number;
  mode: string;
  performs: number;
  medianUs: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  readerSectionsPerSec: number;
}

const nowNs = (): number => Number(process.hrtime.bigint());

/** ns per operation of `body(n)` (which performs n operations), median over SAMPLES after a warm-up. */
function timeOps(body: (n: number) => void): { ns: number; samples: number[] } {
  body(N_OPS >> 2);
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = nowNs();
    body(N_OPS);
    samples.push((nowNs() - t0) / N_OPS);
  }
  return { ns: median(samples), samples: samples.map((x) => sig(x)) };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

function setup() {
  const memory = createMemory(LAYOUT_BASE + 65536);
  const m = new Mem(memory);
  psz_init(m, PSZ, NCPU);
  psref_class_init(m, CLS, NCPU, 64);
  psref_target_init(m, TARGET, CLS);
  const x = instantiateWasm(memory);
  const raw = (name: string): Fn => {
    const f = x[name] as Fn & { original?: Fn };
    if (typeof f !== 'function') throw new Error(`mpstack.wasm exports no ${name}: rebuild with npm run build:wasm`);
    return f.original ?? f;
  };
  return { memory, m, raw };
}

// Each loop is written out by hand: one shared factory would make every call site polymorphic.
function shortOps(m: Mem, raw: (n: string) => Fn): OpRow[] {
  const rows: OpRow[] = [];
  const add = (op: string, engine: string, r: { ns: number; samples: number[] }) =>
    rows.push({ op, engine, nsPerOp: sig(r.ns), samplesNs: r.samples });
  const SECTION = 'read section (enter + exit)';
  const REF = 'psref acquire + release';

  add(
    SECTION,
    'ts',
    timeOps((n) => {
      for (let i = 0; i < n; i++) {
        psz_read_enter(m, PSZ, 0);
        psz_read_exit(m, PSZ, 0);
      }
    }),
  );
  const enter = raw('psz_read_enter'),
    exit = raw('psz_read_exit');
  add(
    SECTION,
    'wasm, called from JS',
    timeOps((n) => {
      for (let i = 0; i < n; i++) {
        enter(PSZ, 0);
        exit(PSZ, 0);
      }
    }),
  );
  const sections = raw('psz_bench_sections');
  add(
    SECTION,
    'wasm, inside WASM',
    timeOps((n) => {
      sink(sections(PSZ, 0, n));
    }),
  );

  add(
    REF,
    'ts',
    timeOps((n) => {
      let ok = 0;
      for (let i = 0; i < n; i++) ok += psref_acquire(m, TARGET, 0) & psref_release(m, TARGET, 0);
      sink(ok);
    }),
  );
  const acquire = raw('psref_acquire'),
    release = raw('psref_release');
  add(
    REF,
    'wasm, called from JS',
    timeOps((n) => {
      let ok = 0;
      for (let i = 0; i < n; i++) ok += acquire(TARGET, 0) & release(TARGET, 0);
      sink(ok);
    }),
  );
  const pairs = raw('psref_bench_pairs');
  add(
    REF,
    'wasm, inside WASM',
    timeOps((n) => {
      sink(pairs(TARGET, 0, n));
    }),
  );
  return rows;
}

// ---- busy readers (this same file, run as a worker) -----------------------------------------------

const CTL_STOP = 0,
  CTL_READY = 1,
  CTL_SECTIONS = 8; // + cpu: sections done

function busyReader(d: { memory: WebAssembly.Memory; ctl: SharedArrayBuffer; cpu: number }): void {
  const m = new Mem(d.memory);
  const ctl = new Int32Array(d.ctl);
  const u32 = m.u32;
  const base = DATA >>> 2;
  let acc = 0,
    n = 0;
  Atomics.add(ctl, CTL_READY, 1);
  while (Atomics.load(ctl, CTL_STOP) === 0) {
    for (let k = 0; k < 64; k++) {
      psz_read_enter(m, PSZ, d.cpu);
      for (let i = 0; i < READ_WORDS; i++) acc += u32[base + i]!;
      psz_read_exit(m, PSZ, d.cpu);
    }
    n += 64;
  }
  Atomics.store(ctl, CTL_SECTIONS + d.cpu, n);
  parentPort!.postMessage(acc);
}

async function performRows(memory: WebAssembly.Memory, m: Mem): Promise<PerformRow[]> {
  const rows: PerformRow[] = [];
  const row = (readers: number, mode: string, lat: number[], sectionsPerSec: number): PerformRow => ({
    readers,
    mode,
    performs: lat.length,
    medianUs: sig(median(lat)),
    p90Us: sig(quantile(lat, 0.9)),
    p99Us: sig(quantile(lat, 0.99)),
    maxUs: sig(lat.reduce((a, b) => Math.max(a, b), 0)),
    readerSectionsPerSec: sig(sectionsPerSec),
  });

  // no readers
  for (let i = 0; i < 2000; i++) psz_perform(m, PSZ);
  const lat0: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const t0 = nowNs();
    psz_perform(m, PSZ);
    lat0.push((nowNs() - t0) / 1000);
  }
  rows.push(row(0, 'perform', lat0, 0));
  const latA: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t0 = nowNs();
    await psz_perform_async(m, PSZ);
    latA.push((nowNs() - t0) / 1000);
  }
  rows.push(row(0, 'performAsync', latA, 0));

  for (const n of [1, 2, MAX_READERS]) {
    const ctl = new Int32Array(new SharedArrayBuffer(64));
    const workers = Array.from(
      { length: n },
      (_, i) =>
        new Worker(new URL(import.meta.url), {
          workerData: { syncBenchReader: true, memory, ctl: ctl.buffer, cpu: 1 + i },
        }),
    );
    const exited = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    );
    while (Atomics.load(ctl, CTL_READY) < n) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50)); // let them get going
    const lat: number[] = [];
    const latAsync: number[] = [];
    const t0 = nowNs();
    const until = performance.now() + 700;
    while (performance.now() < until) {
      const s = nowNs();
      psz_perform(m, PSZ, { timeoutMs: 10000 });
      lat.push((nowNs() - s) / 1000);
    }
    const until2 = performance.now() + 300;
    while (performance.now() < until2) {
      const s = nowNs();
      await psz_perform_async(m, PSZ, { timeoutMs: 10000 });
      latAsync.push((nowNs() - s) / 1000);
    }
    Atomics.store(ctl, CTL_STOP, 1);
    await Promise.all(exited);
    const secs = (nowNs() - t0) / 1e9;
    let sections = 0;
    for (let i = 0; i < n; i++) sections += Atomics.load(ctl, CTL_SECTIONS + 1 + i);
    rows.push(row(n, 'perform', lat, sections / secs));
    rows.push(row(n, 'performAsync', latAsync, sections / secs));
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return rows;
}

export async function runSync(opts: SuiteOptions = {}): Promise<SuiteReport> {
  const { memory, m, raw } = setup();
  const ops = shortOps(m, raw);
  const perform = await performRows(memory, m);
  const cores = os.cpus().length;
  const text = [
    `Read sections and references, one CPU, no contention (ns per operation, median of ${SAMPLES} x ${N_OPS.toLocaleString('en-US')}):`,
    table(
      ['operation', 'engine', 'ns/op'],
      ops.map((r) => [r.op, r.engine, num(r.nsPerOp)]),
    ),
    `pserialize perform latency (us) with N busy reader threads (TS twin, ${READ_WORDS} words read per section), ${cores} cores:`,
    table(
      ['readers', 'call', 'performs', 'median us', 'p90 us', 'p99 us', 'max us', 'reader sections/s'],
      perform.map((r) => [
        r.readers,
        r.mode,
        r.performs,
        num(r.medianUs),
        num(r.p90Us),
        num(r.p99Us),
        num(r.maxUs),
        r.readers ? num(r.readerSectionsPerSec) : '-',
      ]),
    ),
    'Target: a read section <= 20 ns (TS twin and inside WASM). More busy threads than cores: perform waits for preempted readers.',
  ].join('\n');
  const jsonPath = writeResults('sync', { ops, perform, sink: sinkRead() & 1 });
  if (opts.print !== false) console.log(text);
  return { suite: 'sync', text, jsonPath };
}

const wd = workerData as { syncBenchReader?: boolean } | null;
if (!isMainThread && wd?.syncBenchReader) busyReader(workerData);
else if (isMainThread && isMain(import.meta.url)) await runSync();
