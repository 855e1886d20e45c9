// `mpstack demo`: the embedded default scenario, offline on one CPU. It builds the router, forwards
// a seeded traffic mix with both engines, checks they agree byte for byte, and prints what happened
// and how fast each engine forwards. (`mpstack` alone and `npm start` run `start`, the live
// multi-CPU router on the same config: start.ts.)
import type { Config } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import { Stack, type FrameResult } from '../stack/stack.js';
import { buildFrame } from '../packet/build.js';
import { PipelineDriver, measureRate } from '../scenario/pipeline-driver.js';
import { defaultRouterYaml, defaultRoutesText, defaultScenarioConfig } from '../scenario/default.js';
import { defaultTraffic, type TrafficFrame } from '../scenario/traffic.js';
import { UserError } from './errors.js';
import { pct, printCounters, table } from './summary.js';

export interface DemoOptions {
  frames: number;
  seed: number;
  bench: boolean;
  printConfig: boolean;
  printRoutes: boolean;
}

const say = (s = '') => process.stdout.write(`${s}\n`);

function run(cfg: Config, engine: KernelImpl, traffic: TrafficFrame[]): { stack: Stack; results: FrameResult[] } {
  const stack = new Stack(cfg, { engine, batch: 256 });
  const results: FrameResult[] = [];
  for (let i = 0; i < traffic.length; ) {
    const ms = traffic[i]!.tsMs;
    let j = i + 1;
    while (j < traffic.length && j - i < 256 && traffic[j]!.tsMs === ms) j++;
    results.push(...stack.forward(traffic.slice(i, j), ms % 2 ** 32));
    i = j;
  }
  return { stack, results };
}

function firstDifference(a: FrameResult[], b: FrameResult[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (
      x.path !== y.path ||
      x.reason !== y.reason ||
      x.rss !== y.rss ||
      x.queue !== y.queue ||
      x.out.length !== y.out.length
    )
      return i;
    for (let k = 0; k < x.out.length; k++) {
      if (x.out[k]!.ifindex !== y.out[k]!.ifindex || Buffer.compare(x.out[k]!.data, y.out[k]!.data) !== 0) return i;
    }
  }
  return -1;
}

function rssTable(stack: Stack, traffic: TrafficFrame[], results: FrameResult[]): string {
  const rows = new Map<number, number[]>();
  let maxq = 0;
  results.forEach((r, i) => {
    const ifx = traffic[i]!.ifindex;
    const row = rows.get(ifx) ?? [];
    row[r.queue] = (row[r.queue] ?? 0) + 1;
    rows.set(ifx, row);
    maxq = Math.max(maxq, r.queue);
  });
  const t = table(
    ['rx interface', ...Array.from({ length: maxq + 1 }, (_, q) => `queue ${q}`)],
    Array.from({ length: maxq + 1 }, (_, q) => q + 1),
  );
  for (const [ifx, row] of [...rows].sort((a, b) => a[0] - b[0]))
    t.push([stack.ifName(ifx), ...Array.from({ length: maxq + 1 }, (_, q) => row[q] ?? 0)]);
  return t.toString();
}

function throughput(cfg: Config): string {
  const wm0 = cfg.interfaces.find((i) => i.name === 'wm0')!;
  const v4 = cfg.routes.filter((r) => r.family === 4 && r.type === 'unicast' && r.plen >= 16);
  const templates = Array.from({ length: 64 }, (_, i) => {
    const rt = v4[(i * 7) % v4.length]!;
    const dst = Uint8Array.from(rt.dst);
    dst[3] = 1 + i;
    return buildFrame({
      dstMac: wm0.mac,
      srcMac: Uint8Array.from([2, 0, 0, 0, 0xaa, 0x10]),
      src: Uint8Array.from([192, 0, 2, 10]),
      dst,
      proto: 'udp',
      sport: 1024 + i,
      dport: 9,
      minFrame: 60,
    });
  });
  const t = table(['64-byte frames, one core', 'wasm Mpps', 'ts Mpps', 'wasm/ts'], [1, 2, 3]);
  for (const [name, ff] of [
    ['fast path (ipflow hit)', true],
    [`normal path (radix, ${cfg.routes.length} routes)`, false],
  ] as const) {
    const rate = (engine: KernelImpl) => {
      const stack = new Stack({ ...cfg, fastforward: ff }, { engine, batch: 256 });
      return measureRate(new PipelineDriver(stack, templates, wm0.index), 250, 3, 100).pps;
    };
    const w = rate('wasm');
    const s = rate('ts');
    t.push([name, (w / 1e6).toFixed(2), (s / 1e6).toFixed(2), `${(w / s).toFixed(1)}x`]);
  }
  return t.toString();
}

export function demoCommand(o: DemoOptions): void {
  // the router with its routes inline (the generated table too), so the printed file is the demo's router
  if (o.printConfig) {
    process.stdout.write(defaultRouterYaml());
    return;
  }
  if (o.printRoutes) {
    process.stdout.write(defaultRoutesText());
    return;
  }
  if (!Number.isInteger(o.frames) || o.frames < 1 || o.frames > 5_000_000)
    throw new UserError(`--frames must be an integer from 1 to 5000000, not '${o.frames}'`);
  const t0 = Date.now();
  const cfg = defaultScenarioConfig();
  const traffic = defaultTraffic(cfg, o.frames, o.seed);
  const kinds = new Map<string, number>();
  for (const f of traffic) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const v4 = cfg.routes.filter((r) => r.family === 4).length;
  say('mpstack demo: the embedded default scenario (see it with `mpstack demo --print-config`)');
  say(
    `  router   ${cfg.interfaces.map((i) => i.name).join(' ')}; ${v4} IPv4 + ${cfg.routes.length - v4} IPv6 static routes plus connected ones; ${cfg.neighbors.length} neighbors`,
  );
  say(
    `  traffic  ${traffic.length} frames: ${[...kinds].map(([k, n]) => `${k} ${pct(n, traffic.length)}`).join(', ')}`,
  );
  say();

  const w = run(cfg, 'wasm', traffic);
  const s = run(cfg, 'ts', traffic);
  const diff = firstDifference(w.results, s.results);
  if (diff >= 0)
    throw new UserError(
      `the wasm and ts engines disagree on frame ${diff + 1} (${traffic[diff]!.kind}): this is a bug, please report it`,
    );
  const outFrames = w.results.reduce((n, r) => n + r.out.length, 0);
  say(
    `Forwarded with both engines (WASM and its TypeScript twin): identical verdicts, RSS hashes and ${outFrames} output frames, byte for byte.`,
  );
  say();
  printCounters(w.stack.counters());
  say('Receive-side scaling (Toeplitz over the 5-tuple, 128-entry indirection table):');
  say(rssTable(w.stack, traffic, w.results));
  if (o.bench) {
    say();
    say(
      'Throughput (NIC model + RSS + pipeline in the measured loop, median of 3; `npm run bench` for the full suite):',
    );
    say(throughput(cfg));
  }
  say();
  say(
    `Done in ${((Date.now() - t0) / 1000).toFixed(1)} s. Next: \`mpstack forward --config FILE --in wm0=in.pcap --out DIR\`, \`mpstack route lookup --config FILE ADDRESS\`.`,
  );
}
