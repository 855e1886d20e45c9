#!/usr/bin/env node
// mpstack's command line. Commands in the spirit of the BSD tools — `intrctl`, `route`, `ifconfig`,
// `netstat` — talk to a running engine (`run`) over its control socket; plus `start` (the default:
// the live multi-CPU router and a short RFC 2544 run, what `npm start` runs), `forward` (offline,
// pcap in and out), `route lookup` (offline, over a config), `demo` (the offline default scenario) and
// `serve` (the live page: the router on a browser's Web Workers).
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FIB_BACKENDS, type FibBackend, type HugePagesSetting, MAX_BUSY_POLL_US } from '../config/schema.js';
import { KERNEL_IMPLS, type KernelImpl } from '../stack/kernels.js';
import { ifconfigCommand } from './ctl/ifconfig.js';
import { brconfigCommand } from './ctl/brconfig.js';
import { intrctlAffinityCommand, intrctlListCommand, intrctlNointrCommand } from './ctl/intrctl.js';
import { netstatCommand } from './ctl/netstat.js';
import { routeAddCommand, routeDeleteCommand, routeGetCommand, routeShowCommand } from './ctl/route.js';
import { type NeighborCmdOptions, neighborCommand } from './ctl/arp.js';
import { type CaptureOptions, captureCommand } from './ctl/capture.js';
import { demoCommand } from './demo.js';
import { UserError, reportError } from './errors.js';
import { NodeMachine } from '../host/host-node.js';
import { runStress } from '../machine/stress.js';
import { forwardCommand } from './forward.js';
import { genRoutesCommand } from './gen-routes.js';
import { routeLookupCommand } from './route.js';
import { type RunOptions, runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';
import { compareCommand, rfc2544Command, type Rfc2544Args } from './bench.js';

function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      /* next */
    }
  }
  return 'unknown';
}

function secondsArg(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`expected seconds from ${min} to ${max}`);
    return n;
  };
}

function intArg(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

const fibOption = () =>
  new Option(
    '--fib <backend>',
    "route lookups: the radix tree per packet, or the compiled FIBs (DIR-24-8 for IPv4, the chunk hash for IPv6; default: the config's fib, else compiled)",
  ).choices(FIB_BACKENDS as FibBackend[]);
const engineOption = () =>
  new Option('--engine <engine>', 'hot-path implementation')
    .choices(KERNEL_IMPLS as KernelImpl[])
    .default('wasm' as KernelImpl);
// transparent huge pages for the stack's memory (ts/stack/huge-pages.ts); absent: the config's engine.huge_pages
const hugePagesOption = () =>
  new Option(
    '--huge-pages <mode>',
    "transparent huge pages for the stack's memory: auto (on in Node on Linux where THP is always or madvise), on (an error where they cannot be had), off; default: the config's engine.huge_pages, else auto",
  )
    .choices(['auto', 'on', 'off'])
    .argParser((v: string): HugePagesSetting => {
      if (v === 'auto') return 'auto';
      if (v === 'on' || v === 'off') return v === 'on';
      throw new InvalidArgumentError('auto, on or off');
    });
const collect = (v: string, prev: string[]) => [...prev, v];
// the control commands' shared options
const socketOption = () =>
  new Option('--socket <path>', 'control socket of the instance (default: the only running one)');
const jsonOption = () => new Option('--json', 'machine-readable output');
type Ctl = { socket?: string; json?: boolean };

export function program(): Command {
  const p = new Command('mpstack')
    .description(
      'An MP-safe packet-forwarding stack for JavaScript runtimes (WebAssembly hot path, TypeScript control plane)',
    )
    .version(version())
    .showHelpAfterError('(run with --help for usage)');

  // `mpstack` alone (or with only start's options) runs start; a first word that is not a command
  // is an unknown command, not an argument of the default command, which commander would make of
  // it ("too many arguments for 'start'", or "unknown option" for the word's own options)
  p.hook('preSubcommand', (cmd, sub) => {
    const first = cmd.args[0];
    if (sub.name() === 'start' && first !== undefined && !first.startsWith('-') && first !== 'start') {
      cmd.error(`error: unknown command '${first}'`, { code: 'commander.unknownCommand', exitCode: 1 });
    }
  });

  p.command('start', { isDefault: true })
    .description(
      "the default: the live router, what `npm start` runs (under a minute, ends by itself): the multi-CPU engine on every CPU with generated IPv4, IPv6 and vlan traffic and a live view, then a short RFC 2544 run of fast and normal forwarding at 64 bytes as the talk's table",
    )
    .option('--duration <s>', 'seconds of the live stage', secondsArg(1, 3600), 15)
    .option('--trial-seconds <s>', 'seconds per RFC 2544 trial', secondsArg(0.1, 60), 0.5)
    .option('--cpus <n>', 'worker CPUs (default: every CPU of the machine)', intArg(1, 24))
    .addOption(engineOption())
    .option('--no-rfc2544', 'the live stage only')
    .option('--out <dir>', 'also write the RFC 2544 results there (results.json, results.md, charts)')
    .option('--print-config', 'print the live router (YAML, for `mpstack run --config`) and exit')
    .action(
      (o: {
        duration: number;
        trialSeconds: number;
        cpus?: number;
        engine: KernelImpl;
        rfc2544: boolean;
        out?: string;
        printConfig?: boolean;
      }) => startCommand({ ...o, printConfig: !!o.printConfig }),
    );

  p.command('demo')
    .description(
      'the embedded default scenario offline, on one CPU: forward mixed traffic with both engines, check they agree, and summarise',
    )
    .option('--frames <n>', 'frames of traffic to generate', intArg(1, 5_000_000), 20000)
    .option('--seed <n>', 'traffic seed', intArg(0, 2 ** 31), 1)
    .option('--no-bench', 'skip the throughput measurement')
    .option('--print-config', 'print the embedded config (YAML) and exit')
    .option('--print-routes', 'print the generated routes (iproute2 syntax) and exit')
    .action((o: { frames: number; seed: number; bench: boolean; printConfig?: boolean; printRoutes?: boolean }) =>
      demoCommand({
        frames: o.frames,
        seed: o.seed,
        bench: o.bench,
        printConfig: !!o.printConfig,
        printRoutes: !!o.printRoutes,
      }),
    );

  p.command('forward')
    .description('forward frames from capture files offline; write DIR/<if>.pcap and DIR/trace.jsonl')
    .requiredOption('--config <file>', 'YAML config')
    .requiredOption('--in <IF=FILE>', 'pcap or pcapng received on interface IF (repeatable)', collect, [] as string[])
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .addOption(engineOption())
    .addOption(fibOption())
    .addOption(hugePagesOption())
    .option('--batch <n>', 'frames per batch', intArg(1, 4096), 256)
    .option('-q, --quiet', 'no summary')
    .action(
      (o: {
        config: string;
        in: string[];
        out: string;
        engine: KernelImpl;
        fib?: FibBackend;
        hugePages?: HugePagesSetting;
        batch: number;
        quiet?: boolean;
      }) => forwardCommand(o),
    );

  p.command('gen-routes')
    .description('write a synthetic route table with the prefix-length mix of a public BGP table (iproute2 syntax)')
    .option('--v4 <n>', 'IPv4 routes', intArg(0, 4_000_000), 1000)
    .option('--v6 <n>', 'IPv6 routes', intArg(0, 4_000_000), 0)
    .option('--seed <n>', 'PRNG seed: the same seed gives the same table', intArg(0, 2 ** 32 - 1), 1)
    .option('--via4 <gw,...>', 'IPv4 gateways to spread routes over', '198.51.100.254,203.0.113.254')
    .option('--via6 <gw,...>', 'IPv6 gateways to spread routes over', '2001:db8:1::fe,2001:db8:2::fe')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action((o: { v4: number; v6: number; seed: number; via4: string; via6: string; out?: string }) =>
      genRoutesCommand(o),
    );

  p.command('run')
    .description('run the multi-CPU engine: worker CPUs, NIC queues with RSS, interrupt affinity; summary at the end')
    .requiredOption('--config <file>', 'YAML config (interfaces with driver: gen | sink)')
    .option('--cpus <n>', 'worker CPUs', intArg(1, 24), 2)
    .option('--duration <s>', 'stop after S seconds (default: on SIGINT/SIGTERM)', intArg(1, 86400))
    .addOption(engineOption())
    .addOption(fibOption())
    .addOption(hugePagesOption())
    .option('--socket <path>', 'control socket to listen on (default: $XDG_RUNTIME_DIR/mpstack-UID/mpstack-PID.sock)')
    .option(
      '--web <port>',
      "also serve the live page attached to this engine on 127.0.0.1:PORT (0: any free port); its URL, with the page's token, is printed",
      intArg(0, 65535),
    )
    .option(
      '--busy-poll <us>',
      "busy polling: after its last work each CPU polls its queues and reads its TAP devices for US µs before it sleeps (lower latency; it burns that CPU's core meanwhile, as DPDK's poll mode; 0: off; default: the config's engine.busy_poll_us)",
      intArg(0, MAX_BUSY_POLL_US),
    )
    .action((o: RunOptions) => runCommand(o));

  p.command('serve')
    .description(
      'serve the live page: the router on Web Workers in a browser, emulated hosts pinging, streaming and flooding through it, packets per CPU and queue, an intrctl table you change by clicking, counters and routes',
    )
    .option('--port <n>', 'TCP port (0: any free one)', intArg(0, 65535), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--results <dir>',
      'RFC 2544 results (`mpstack bench rfc2544 --out DIR`) to chart on the page (default: ./rfc2544-results if it has some)',
    )
    .action((o: { port: number; host: string; results?: string }) => serveCommand(o));

  const intrctl = p.command('intrctl').description("interrupt affinity of a running engine, as NetBSD's intrctl(8)");
  intrctl
    .command('list')
    .description('interrupts with their count per CPU; * marks the CPU each is bound to')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((o: Ctl) => intrctlListCommand(o));
  intrctl
    .command('affinity')
    .description('bind an interrupt to a CPU (its queue moves over without losing a frame)')
    .requiredOption('-i, --interrupt <id>', "interrupt id as `intrctl list` shows it, e.g. 'wm0 txrx1'")
    .requiredOption('-c, --cpu <n>', 'CPU', intArg(0, 1023))
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((o: Ctl & { interrupt: string; cpu: number }) => intrctlAffinityCommand(o));
  for (const [name, desc] of [
    ['nointr', 'move every interrupt off a CPU and keep them off'],
    ['intr', 'let a CPU take interrupts again (those nointr moved come back)'],
  ] as const) {
    intrctl
      .command(name)
      .description(desc)
      .requiredOption('-c, --cpu <n>', 'CPU', intArg(0, 1023))
      .addOption(socketOption())
      .addOption(jsonOption())
      .action((o: Ctl & { cpu: number }) => intrctlNointrCommand(o, name === 'intr'));
  }

  p.command('stress')
    .description(
      "the talk's MP-safety soak: route flaps, table churn, interface and affinity changes under full traffic, invariants checked",
    )
    .option('--cpus <n>', 'worker CPUs', intArg(1, 24), 2)
    .option('--duration <s>', 'seconds', intArg(1, 7 * 86400), 60)
    .option('--seed <n>', 'seed of the operation sequence', intArg(0, 2 ** 31), 1)
    .addOption(engineOption())
    .action(async (o: { cpus: number; duration: number; seed: number; engine: KernelImpl }) => {
      const r = await runStress({
        cpus: o.cpus,
        engine: o.engine,
        seconds: o.duration,
        seed: o.seed,
        start: (c, x) => NodeMachine.start(c, x),
      });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      if (!r.ok)
        throw new UserError(
          `stress: invariants violated (violations ${r.violations}, generated ${r.generated}, received ${r.frames}, accounted ${r.accounted})`,
        );
    });

  const bench = p.command('bench').description('measuring instruments over the multi-CPU engine');
  bench
    .command('rfc2544')
    .description(
      "RFC 2544 throughput as ipgen measures it: binary search on the offered rate for zero loss, per scenario, CPU count and frame size; writes results.json, results.md (the talk's table) and charts",
    )
    .option('--scenario <names>', 'fast | normal | vlan | bridge | gif, comma-separated', 'fast')
    .option('--cpus <list>', 'worker CPU counts, one run each, e.g. 1,2', '1')
    .option('--sizes <list>', "frame sizes in bytes (default RFC 2544's: 64,128,256,512,1024,1280,1518; IPv6 from 78)")
    .option('--ip <family>', 'UDP over IPv4 or IPv6 (4 | 6; IPv6: scenarios fast and normal)', '4')
    .option('--runs <n>', 'every search this many times, for the spread (repeatability)', intArg(1, 100), 1)
    .option('--no-back-to-back', "skip RFC 2544's back-to-back test (the longest burst at line rate with no loss)")
    .option('--duration <s>', 'seconds per trial', '2')
    .option('--routes <n>', 'synthetic routes in the table (scenario normal)', intArg(0, 2_000_000), 1000)
    .option('--engine <list>', 'wasm | ts, comma-separated', 'wasm')
    .option('--link <rate>', 'nominal link: 1g | 10g | 25g | 40g | 100g (the search ceiling)', '10g')
    .option('--loss <pct>', 'loss allowed, percent of the frames offered', '0')
    .option(
      '--resolution <pps>',
      'stop when the passing and failing rates are this close',
      intArg(1, 100_000_000),
      10_000,
    )
    .option('--flows <n>', 'UDP flows (address and port ranges, spread by RSS)', intArg(1, 65536), 1024)
    .option('--out <dir>', 'output directory (created if missing)', 'rfc2544-results')
    .option(
      '--generator <where>',
      'thread (a generator thread on a core of its own) | inline (inside the worker CPUs); default: thread when CPUs + 1 <= cores',
    )
    .option('--rx-ring <n>', 'RX descriptors per queue, a power of two (default 2048)', intArg(64, 65536))
    .option(
      '--charge-generator-pauses',
      "the generator thread's own pauses arrive as a burst charged to the router (default: its trial's schedule moves on by them)",
    )
    .action((o: Rfc2544Args) => rfc2544Command(o));
  bench
    .command('compare')
    .description(
      'two rfc2544 results.json side by side: zero-loss fps and the ratio B / A per scenario, IP, engine, CPUs and size',
    )
    .argument('<a>', 'results.json A (e.g. the TS engine, or before a change)')
    .argument('<b>', 'results.json B')
    .addOption(jsonOption())
    .action((a: string, b: string, o: { json?: boolean }) => compareCommand(a, b, o));

  const route = p
    .command('route')
    .description('routing table: lookup over a config (offline); add, delete, show, get on a running engine');
  route
    .command('lookup')
    .description('longest-prefix match, answered like `ip route get` (exit status 2 if any address is unreachable)')
    .argument('[address...]', 'IPv4 or IPv6 addresses')
    .requiredOption('--config <file>', 'YAML config')
    .option('--addresses <file>', 'file with one address per line')
    .addOption(engineOption())
    .addOption(fibOption())
    .addOption(jsonOption())
    .action(
      (
        addrs: string[],
        o: { config: string; addresses?: string; engine: KernelImpl; fib?: FibBackend; json?: boolean },
      ) => routeLookupCommand(addrs, o),
    );
  route
    .command('add')
    .description('add a route to a running engine: the rest of an `ip route add` line')
    .argument('<route...>', 'e.g. 203.0.113.0/24 via 198.51.100.254 dev wm1 | blackhole 198.18.0.0/15')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((words: string[], o: Ctl) => routeAddCommand(words, o));
  route
    .command('delete')
    .description('delete a route from a running engine (its memory is freed after a grace period)')
    .argument('<prefix>', "a prefix, or 'default' (IPv4 unless -6)")
    .option('-4', 'IPv4')
    .option('-6', 'IPv6')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((dst: string, o: Ctl & { '4'?: boolean; '6'?: boolean }) => routeDeleteCommand(dst, o));
  route
    .command('show')
    .description('every route of a running engine, like `ip route show`')
    .option('-4', 'IPv4 only')
    .option('-6', 'IPv6 only')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((o: Ctl & { '4'?: boolean; '6'?: boolean }) => routeShowCommand(o));
  route
    .command('get')
    .description('the route a running engine uses for an address, like `ip route get` (exit status 2 if unreachable)')
    .argument('<address>', 'IPv4 or IPv6 address')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((address: string, o: Ctl) => routeGetCommand(address, o));

  p.command('ifconfig')
    .description(
      'show the interfaces of a running engine; set one up or down, its addresses or its mtu; create and destroy vlans',
    )
    .argument('[interface]', 'e.g. wm0 (default: every interface)')
    .argument(
      '[change...]',
      'up | down | inet[6] ADDR/LEN (replaces the primary address) | inet[6] ADDR/LEN alias | inet[6] ADDR -alias | inet[6] ADDR delete | mtu N | create vlan VID vlanif PARENT | destroy',
    )
    .addOption(socketOption())
    .addOption(jsonOption())
    // NetBSD's `-alias` is a word of the change, not an option: unknown options reach ifconfigCommand,
    // which takes `-alias` and refuses any other as commander would
    .allowUnknownOption()
    .action((ifname: string | undefined, change: string[], o: Ctl) => ifconfigCommand(ifname, change, o));

  p.command('brconfig')
    .description(
      "the bridges of a running engine, as NetBSD's brconfig(8): members with per-port counters, the address cache; add and delete members, flush, static entries",
    )
    .argument('[bridge]', 'e.g. bridge0 (default: every bridge)')
    .argument('[change...]', 'add IF | delete IF | flush | flushall | static ADDR IF | maxaddr N | timeout SECONDS')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((bridge: string | undefined, change: string[], o: Ctl) => brconfigCommand(bridge, change, o));

  for (const tool of ['arp', 'ndp'] as const) {
    p.command(tool)
      .description(
        tool === 'arp'
          ? "the IPv4 neighbor cache of a running engine, as NetBSD's arp(8): -a, -d ADDR, -s ADDR MAC [IF]"
          : "the IPv6 neighbor cache of a running engine, as NetBSD's ndp(8): -a, -d ADDR [IF], -s ADDR MAC IF",
      )
      .argument('[args...]', '-d: ADDR [IF]; -s: ADDR MAC IF')
      .option('-a', 'list every entry (state, expiry, interface)')
      .option('-n', 'numeric addresses (always)')
      .option('-d', 'delete the entry for ADDR')
      .option('-s', 'add a static entry (never expires)')
      .addOption(socketOption())
      .addOption(jsonOption())
      .action((args: string[], o: NeighborCmdOptions) => neighborCommand(tool, args, o));
  }

  p.command('capture')
    .description(
      'live capture of a running engine, as tcpdump -w: the frames passing IF, written as they pass (pcap, or pcapng with directions)',
    )
    .argument('<interface>', 'e.g. wm0 (a physical interface: vlans pass it with their tag)')
    .option('-w <file>', "write to FILE ('-': stdout)", '-')
    .option('-c <count>', 'stop after COUNT frames', intArg(1, 2 ** 31))
    .addOption(
      new Option('--direction <dir>', 'frames received, transmitted, or both')
        .choices(['in', 'out', 'both'])
        .default('both'),
    )
    .option('--pcapng', "pcapng with the interface's name and each frame's direction (epb_flags)")
    .addOption(socketOption())
    .action((ifname: string, o: CaptureOptions) => captureCommand(ifname, o));

  p.command('netstat')
    .description('interface table (-i), counters (-s) or packet clusters (-m) of a running engine')
    .option('-i', 'interfaces')
    .option('-s', 'statistics: every data-path counter, summed over the CPUs')
    .option('-m', 'packet clusters: pool, CPU caches, rings, frames lost for want of room')
    .option('-P, --per-cpu', 'with -s: one column per CPU')
    .addOption(socketOption())
    .addOption(jsonOption())
    .action((o: Ctl & { i?: boolean; s?: boolean; m?: boolean; perCpu?: boolean }) => netstatCommand(o));
  return p;
}

// A reader that goes away (`mpstack demo | head`) ends the output as it ends a BSD tool's (SIGPIPE),
// quietly; a command with its own handler (capture) does its own cleanup instead.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (process.stdout.listenerCount('error') > 1) return;
  if (e.code === 'EPIPE') process.exit(0);
  process.stderr.write(`mpstack: stdout: ${e.message}\n`);
  process.exit(1);
});

program()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.exitCode = reportError(e);
  });
