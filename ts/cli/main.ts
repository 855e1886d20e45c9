#!/usr/bin/env node
// mpstack's command line. Commands in the spirit of the BSD tools: `route`, later `ifconfig`,
// `intrctl`, `netstat`; plus `forward` (offline, pcap in and out) and `demo` (the default scenario).
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FIB_BACKENDS, type FibBackend } from '../config/schema.js';
import { ENGINES, type EngineName } from '../engine/kernels.js';
import { demoCommand } from './demo.js';
import { CliError, reportError } from './errors.js';
import { runStress } from '../mp/stress.js';
import { forwardCommand } from './forward.js';
import { genRoutesCommand } from './gen-routes.js';
import { routeLookupCommand } from './route.js';
import { runCommand } from './run.js';

function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try { return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version; } catch { /* next */ }
  }
  return 'unknown';
}

function intArg(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

const fibOption = () => new Option('--fib <backend>', 'IPv4 lookup: radix tree per packet, or the compiled DIR-24-8 FIB (default: the config\'s fib, else compiled)').choices(FIB_BACKENDS as FibBackend[]);
const engineOption = () => new Option('--engine <engine>', 'hot-path implementation').choices(ENGINES as EngineName[]).default('wasm' as EngineName);
const collect = (v: string, prev: string[]) => [...prev, v];

export function program(): Command {
  const p = new Command('mpstack')
    .description('An MP-safe packet-forwarding stack for JavaScript runtimes (WebAssembly hot path, TypeScript control plane)')
    .version(version())
    .showHelpAfterError('(run with --help for usage)');

  p.command('demo', { isDefault: true })
    .description('run the embedded default scenario: forward mixed traffic with both engines and summarise (what `npm start` runs)')
    .option('--frames <n>', 'frames of traffic to generate', intArg(1, 5_000_000), 20000)
    .option('--seed <n>', 'traffic seed', intArg(0, 2 ** 31), 1)
    .option('--no-bench', 'skip the throughput measurement')
    .option('--print-config', 'print the embedded config (YAML) and exit')
    .option('--print-routes', 'print the generated routes (iproute2 syntax) and exit')
    .action((o: { frames: number; seed: number; bench: boolean; printConfig?: boolean; printRoutes?: boolean }) =>
      demoCommand({ frames: o.frames, seed: o.seed, bench: o.bench, printConfig: !!o.printConfig, printRoutes: !!o.printRoutes }));

  p.command('forward')
    .description('forward frames from capture files offline; write DIR/<if>.pcap and DIR/trace.jsonl')
    .requiredOption('--config <file>', 'YAML config')
    .requiredOption('--in <IF=FILE>', 'pcap or pcapng received on interface IF (repeatable)', collect, [] as string[])
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .addOption(engineOption())
    .addOption(fibOption())
    .option('--batch <n>', 'frames per batch', intArg(1, 4096), 256)
    .option('-q, --quiet', 'no summary')
    .action((o: { config: string; in: string[]; out: string; engine: EngineName; fib?: FibBackend; batch: number; quiet?: boolean }) => forwardCommand(o));

  p.command('gen-routes')
    .description('write a synthetic route table with the prefix-length mix of a public BGP table (iproute2 syntax)')
    .option('--v4 <n>', 'IPv4 routes', intArg(0, 4_000_000), 1000)
    .option('--v6 <n>', 'IPv6 routes', intArg(0, 4_000_000), 0)
    .option('--seed <n>', 'PRNG seed: the same seed gives the same table', intArg(0, 2 ** 32 - 1), 1)
    .option('--via4 <gw,...>', 'IPv4 gateways to spread routes over', '198.51.100.254,203.0.113.254')
    .option('--via6 <gw,...>', 'IPv6 gateways to spread routes over', '2001:db8:1::fe,2001:db8:2::fe')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action((o: { v4: number; v6: number; seed: number; via4: string; via6: string; out?: string }) => genRoutesCommand(o));

  p.command('run')
    .description('run the multi-CPU engine: worker CPUs, NIC queues with RSS, interrupt affinity; summary at the end')
    .requiredOption('--config <file>', 'YAML config (interfaces with driver: gen | sink)')
    .option('--cpus <n>', 'worker CPUs', intArg(1, 24), 2)
    .option('--duration <s>', 'stop after S seconds (default: on SIGINT/SIGTERM)', intArg(1, 86400))
    .addOption(engineOption())
    .addOption(fibOption())
    .action((o: { config: string; cpus: number; duration?: number; engine: EngineName; fib?: FibBackend }) => runCommand(o));

  p.command('stress')
    .description('the talk\'s MP-safety soak: route flaps, table churn, interface and affinity changes under full traffic, invariants checked')
    .option('--cpus <n>', 'worker CPUs', intArg(1, 24), 2)
    .option('--duration <s>', 'seconds', intArg(1, 7 * 86400), 60)
    .option('--seed <n>', 'seed of the operation sequence', intArg(0, 2 ** 31), 1)
    .addOption(engineOption())
    .action(async (o: { cpus: number; duration: number; seed: number; engine: EngineName }) => {
      const r = await runStress({ cpus: o.cpus, engine: o.engine, seconds: o.duration, seed: o.seed });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      if (!r.ok) throw new CliError(`stress: invariants violated (violations ${r.violations}, generated ${r.generated}, received ${r.frames}, accounted ${r.accounted})`);
    });

  const route = p.command('route').description('routing table commands');
  route.command('lookup')
    .description('longest-prefix match, answered like `ip route get`')
    .argument('[address...]', 'IPv4 or IPv6 addresses')
    .requiredOption('--config <file>', 'YAML config')
    .option('--addresses <file>', 'file with one address per line')
    .addOption(engineOption())
    .addOption(fibOption())
    .action((addrs: string[], o: { config: string; addresses?: string; engine: EngineName; fib?: FibBackend }) => routeLookupCommand(addrs, o));
  return p;
}

program().parseAsync(process.argv).catch((e: unknown) => { process.exitCode = reportError(e); });
