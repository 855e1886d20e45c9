// The browser demo (web/index.html): the forwarding core in a page, then in Web Workers.
//
//  1. single CPU: the default scenario's router forwards a seeded traffic mix through the WASM core
//     (ts/scenario/digest.ts: the run Node and Deno make too); the page shows the counters and the
//     SHA-256 of every verdict and output byte, which must equal Node's.
//  2. multi-CPU: the talk's stress test (ts/machine/stress.ts) with one Web Worker per CPU over one shared
//     WebAssembly.Memory: the CPUs forward generated traffic, each batch a pserialize read section,
//     while this thread flaps and churns routes and frees what it unlinked only after a grace period;
//     every worker checks inside its section that no frame used a freed nexthop.
//
// Query parameters: frames, seed (part 1); cpus, seconds (part 2; cpus=0 skips it). The outcome is
// also left in globalThis.mpstackDemo for test/runtimes/browser.test.ts.
import { loadWasm } from '../stack/wasm.js';
import { runStress, type StressReport } from '../machine/stress.js';
import { runScenario, type ScenarioResult } from '../scenario/digest.js';
import { WebMachine } from './host-web.js';

export interface DemoOutcome {
  state: 'running' | 'done' | 'error';
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  single?: ScenarioResult;
  mp?: StressReport & {
    cpus: number;
    perCpu: { frames: number; fast: number; normal: number; drop: number }[];
    /** grace periods the page waited out (pserialize performs) */
    pszEpoch: number;
    /** per CPU: how often, of `samples` looks from the page, the worker was inside a read section */
    sectionsSeen: number[];
    samples: number;
  };
  error?: string;
}

const outcome: DemoOutcome = {
  state: 'running',
  crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  hardwareConcurrency: navigator.hardwareConcurrency,
};
(globalThis as { mpstackDemo?: DemoOutcome }).mpstackDemo = outcome;

const params = new URLSearchParams(location.search);
const num = (k: string, d: number) => {
  const v = Number(params.get(k) ?? d);
  return Number.isFinite(v) ? v : d;
};

function el(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`web/index.html lacks #${id}`);
  return e;
}

function table(rows: [string, string | number][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${typeof v === 'number' ? v.toLocaleString('en') : v}</td></tr>`).join('')}</table>`;
}

function say(id: string, html: string): void {
  el(id).innerHTML = html;
}

async function main(): Promise<void> {
  say('status', 'loading the core…');
  // dist/ts/web/page.js -> <root>/build/mpstack.wasm
  await loadWasm(new URL('../../../build/mpstack.wasm', import.meta.url));

  const frames = num('frames', 4000);
  const seed = num('seed', 1);
  say('status', `forwarding ${frames} frames…`);
  const single = await runScenario({ frames, seed, engine: 'wasm' });
  outcome.single = single;
  say(
    'single',
    `<p>${single.frames.toLocaleString('en')} frames in ${single.ms.toFixed(1)} ms; ${single.txFrames.toLocaleString('en')} transmitted (${single.txBytes.toLocaleString('en')} bytes)</p>` +
      `<p>SHA-256 of verdicts and output frames: <code id="digest">${single.sha256}</code></p>` +
      table(Object.entries(single.paths).map(([k, v]) => [`path ${k}`, v])) +
      table(Object.entries(single.counters).filter(([, v]) => v !== 0)),
  );

  const cpus = num('cpus', 2);
  if (cpus > 0) {
    if (!outcome.crossOriginIsolated)
      throw new Error(
        'this page is not cross-origin isolated: serve it with COOP/COEP headers (node dist/ts/web/serve.js)',
      );
    const seconds = num('seconds', 1.5);
    say('status', `multi-CPU: ${cpus} Web Workers for ${seconds} s…`);
    let engine: WebMachine | undefined;
    // from this thread, look at the workers' pserialize slots now and then: the sections the WASM
    // reader (assembly/sync/pserialize.ts) opens in a worker are what a perform here waits for
    const sectionsSeen = Array.from({ length: cpus }, () => 0);
    let samples = 0;
    const sampler = setInterval(() => {
      if (!engine) return;
      samples++;
      for (let c = 0; c < cpus; c++) if (engine.psz.depth(c) > 0) sectionsSeen[c]!++;
    }, 1);
    let report: StressReport;
    try {
      report = await runStress({
        cpus,
        engine: 'wasm',
        seconds,
        start: async (c, o) => (engine = await WebMachine.start(c, o)),
      });
    } finally {
      clearInterval(sampler);
    }
    const perCpu = engine!.stats.cpuCounters().map((c) => ({
      frames: c['rx-frames'] ?? 0,
      fast: c['fast'] ?? 0,
      normal: c['normal'] ?? 0,
      drop: c['drop'] ?? 0,
    }));
    outcome.mp = { ...report, cpus, perCpu, pszEpoch: engine!.psz.epoch, sectionsSeen, samples };
    say(
      'mp',
      table([
        ['CPUs (Web Workers)', cpus],
        ...perCpu.map((c, i): [string, string] => [
          `cpu${i} frames (fast / normal / drop)`,
          `${c.frames.toLocaleString('en')} (${c.fast.toLocaleString('en')} / ${c.normal.toLocaleString('en')} / ${c.drop.toLocaleString('en')})`,
        ]),
        [
          'generated = received = accounted',
          `${report.generated.toLocaleString('en')} = ${report.frames.toLocaleString('en')} = ${report.accounted.toLocaleString('en')}`,
        ],
        [
          'control-plane operations',
          Object.entries(report.ops)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        ['grace periods (pserialize performs)', engine!.psz.epoch],
        ...sectionsSeen.map((n, i): [string, string] => [
          `cpu${i} seen inside a read section`,
          `${n} of ${samples} looks`,
        ]),
        ['frames forwarded with a freed nexthop', report.violations],
        ['longest operation incl. grace period', `${report.maxOpMs.toFixed(1)} ms`],
        ['invariants', report.ok ? 'ok' : 'VIOLATED'],
      ]),
    );
  }
  outcome.state = 'done';
  say('status', 'done');
}

main().catch((e: unknown) => {
  outcome.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  outcome.state = 'error';
  say('status', `failed: ${outcome.error}`);
});
