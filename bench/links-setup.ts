// The two topologies bench/links.ts measures, built out of Linux network namespaces, and their
// teardown. Both use the same addressing, so a measurement runs the same command line in either:
//
//   M  host A [ns] --TAP-- mpstack run (child process, its own TAP devices) --TAP-- [ns] host B
//   K  host A [ns] --veth-- router R [ns, ip_forward=1, IPv6 forwarding=1] --veth-- [ns] host B
//
//   A 10.93.1.2/24 fd00:93:1::2/64, gateway 10.93.1.1 / fd00:93:1::1 (the router's first interface)
//   B 10.93.2.2/24 fd00:93:2::2/64, gateway 10.93.2.1 / fd00:93:2::1 (the router's second interface)
//
// Every namespace and device name carries this process's pid, so runs of the bench and the end-to-end
// tests (which build the same kind of hosts, test/e2e/hosts.ts) can share a machine. The addresses
// live only inside those namespaces: no traffic leaves them.
//
// Teardown: every resource registers its undo with a Cleanup as soon as it exists; Cleanup.run()
// undoes them newest first (processes killed, the router stopped with SIGINT so its TAP devices go
// with it, namespaces deleted, which deletes their veth pairs). run() is idempotent and is called on
// normal exit, on an exception, and on SIGINT/SIGTERM/SIGHUP (Cleanup.onSignals).
//
// Needs root (namespaces, TAP), /dev/net/tun, iproute2, ping and iperf3: linksUnavailable() names
// the first thing missing.
import { RouterRun } from './router-run.js';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** What this machine lacks for the links bench, or null when everything is there. */
export function linksUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root (namespaces and TAP devices need CAP_SYS_ADMIN and CAP_NET_ADMIN)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['ping', 'iputils-ping'],
    ['iperf3', 'iperf3'],
  ] as const) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (apt-get install -y ${pkg})`;
  }
  return null;
}

// ---- teardown ----------------------------------------------------------------------------------

export class Cleanup {
  private readonly undo: { what: string; fn: () => Promise<void> | void }[] = [];
  private running: Promise<void> | null = null;
  private readonly inFlight = new Set<ChildProcess>();

  /** Tracks a short-lived command (a client, ping) until it exits: run() kills it if it has not. */
  track(child: ChildProcess): void {
    this.inFlight.add(child);
    child.once('exit', () => this.inFlight.delete(child));
  }

  /** Registers `fn` (to undo `what`); run() calls it, newest first. */
  add(what: string, fn: () => Promise<void> | void): void {
    this.undo.push({ what, fn });
  }

  /** Undoes everything registered, newest first, once; an undo that throws is reported and skipped. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const c of this.inFlight) c.kill('SIGKILL');
      while (this.undo.length) {
        const u = this.undo.pop()!;
        try {
          await u.fn();
        } catch (e) {
          console.error(`links: cleanup of ${u.what}: ${(e as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /**
   * On SIGINT/SIGTERM/SIGHUP: clean up, then exit 130. (A Ctrl-C reaches the children too, being in
   * the terminal's process group; the router then stops by itself, which stop() waits for.)
   */
  onSignals(): void {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        console.error(`\nlinks: ${sig}: cleaning up`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }
}

// ---- namespaces and the commands run in them -----------------------------------------------------

function ipSync(args: readonly string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.error?.message ?? r.stderr).trim()}`);
}

/** A network namespace of ours: created (a stale one of the same name deleted first), deleted on cleanup. */
export class Ns {
  private constructor(
    readonly name: string,
    private readonly cleanup: Cleanup,
  ) {}

  static create(base: string, cleanup: Cleanup): Ns {
    // MPSTACK_LINKS_NS_PREFIX: a prefix of the caller's, for machines whose users share out namespace names
    const name = `${process.env['MPSTACK_LINKS_NS_PREFIX'] ?? ''}${base}`;
    spawnSync('ip', ['netns', 'del', name]); // left by a killed run of the same pid
    ipSync(['netns', 'add', name]);
    cleanup.add(`namespace ${name}`, () => {
      spawnSync('ip', ['netns', 'del', name]);
    });
    const ns = new Ns(name, cleanup);
    ns.ip('link set lo up');
    return ns;
  }

  /** `ip -n NAME ...` (the arguments split at spaces); throws with stderr on failure. */
  ip(line: string): void {
    ipSync(['-n', this.name, ...line.split(' ')]);
  }

  /**
   * Runs `cmd` in the namespace; resolves with stdout, rejects with the command and its stderr. With
   * `anyExit`, a command that exits non-zero still resolves with its stdout (ping exits 1 when a reply
   * is missing); a timeout or a failure to start still rejects.
   */
  async run(cmd: string, args: string[], timeoutMs: number, anyExit = false): Promise<string> {
    try {
      const p = execFileP('ip', ['netns', 'exec', this.name, cmd, ...args], {
        encoding: 'utf8',
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      });
      this.cleanup.track(p.child);
      return (await p).stdout;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string; code?: unknown; killed?: boolean };
      if (anyExit && typeof x.code === 'number' && !x.killed && x.stdout !== undefined) return x.stdout;
      const out = x.stdout?.trim() ? `\n${x.stdout.trim().slice(0, 2000)}` : '';
      throw new Error(`[${this.name}] ${cmd} ${args.join(' ')}: ${(x.stderr || x.message).trim()}${out}`);
    }
  }

  /**
   * Starts a long-running `cmd` in the namespace (`ip netns exec` execs it, so the child's pid is the
   * command's own), killed on cleanup; its stdout piped with `stdout`, else ignored.
   */
  spawn(cmd: string, args: string[], stdout = false): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], {
      stdio: ['ignore', stdout ? 'pipe' : 'ignore', 'pipe'],
    });
    this.cleanup.add(`${cmd} in ${this.name}`, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return child;
  }
}

/** A host's addressing; the router side of its link is the gateway. */
export interface HostAddr {
  v4: string;
  gw4: string;
  v6: string;
  gw6: string;
}

export const HOST_A: HostAddr = { v4: '10.93.1.2/24', gw4: '10.93.1.1', v6: 'fd00:93:1::2/64', gw6: 'fd00:93:1::1' };
export const HOST_B: HostAddr = { v4: '10.93.2.2/24', gw4: '10.93.2.1', v6: 'fd00:93:2::2/64', gw6: 'fd00:93:2::1' };
export const addrOf = (cidr: string): string => cidr.split('/')[0]!;

/** Addresses `dev` inside `ns` as `h` and routes everything through the gateways. */
function configureHost(ns: Ns, dev: string, h: HostAddr): void {
  ns.ip(`link set ${dev} up`);
  ns.ip(`addr add ${h.v4} dev ${dev}`);
  ns.ip(`addr add ${h.v6} dev ${dev} nodad`);
  ns.ip(`route add default via ${h.gw4}`);
  ns.ip(`-6 route add default via ${h.gw6}`);
}

/** One topology: two hosts and, between them, a router. */
/** M: mpstack; K: the kernel; P: mpstack with busy polling (links.ts --busy-poll) */
export type TopoId = 'M' | 'K' | 'P';

export interface Topology {
  id: TopoId;
  title: string;
  a: Ns;
  b: Ns;
  /** the host-side devices in A and B (for their `ip -s link` counters) */
  devA: string;
  devB: string;
  /** K: the router's namespace and its two devices */
  r?: { ns: Ns; devs: string[] };
}

// ---- M: mpstack run -----------------------------------------------------------------------------

/**
 * `mpstack run` as a child process, as test/e2e/router-run.ts's RouterRun (which lives under test/,
 * outside the build): its own XDG_RUNTIME_DIR so the CLI finds it without --socket, stopped with
 * SIGINT, its summary kept.
 */
/** `mpstack run` for the bench: RouterRun, stopped by the cleanup. */
export type MpstackRun = RouterRun;

/**
 * Topology M: mpstack with two TAP interfaces (wm0, wm1), each TAP moved into its own namespace with
 * one host, as test/e2e/tap.test.ts does.
 */
export async function setupMpstack(
  tag: string,
  cpus: number,
  cleanup: Cleanup,
  busyPollUs = 0,
): Promise<{ topo: Topology; router: MpstackRun }> {
  // busy polling on: topology P, beside M, with devices and namespaces of its own
  const id = busyPollUs > 0 ? 'P' : 'M';
  const devA = `ml${id === 'P' ? 'p' : 't'}a${tag}`;
  const devB = `ml${id === 'P' ? 'p' : 't'}b${tag}`;
  const yaml = `interfaces:
  - name: wm0
    driver: tap
    tap: ${devA}
    addresses: [${HOST_A.gw4}/24, "${HOST_A.gw6}/64"]
  - name: wm1
    driver: tap
    tap: ${devB}
    addresses: [${HOST_B.gw4}/24, "${HOST_B.gw6}/64"]
`;
  const router = await RouterRun.start(yaml, [
    '--cpus',
    String(cpus),
    ...(busyPollUs > 0 ? ['--busy-poll', String(busyPollUs)] : []),
  ]);
  cleanup.add(`directory ${router.dir}`, () => rmSync(router.dir, { recursive: true, force: true }));
  cleanup.add('mpstack run', async () => {
    await router.stop();
  });
  const a = Ns.create(`ml${id}a-${tag}`, cleanup);
  const b = Ns.create(`ml${id}b-${tag}`, cleanup);
  ipSync(['link', 'set', devA, 'netns', a.name]);
  ipSync(['link', 'set', devB, 'netns', b.name]);
  configureHost(a, devA, HOST_A);
  configureHost(b, devB, HOST_B);
  const title = `mpstack (${cpus} CPU${cpus > 1 ? 's' : ''}, TAP${busyPollUs > 0 ? `, busy poll ${busyPollUs} µs` : ''})`;
  return { topo: { id, title, a, b, devA, devB }, router };
}

// ---- K: the Linux kernel as the router ----------------------------------------------------------

/** Topology K: three namespaces, A - R - B, two veth pairs, R forwarding IPv4 and IPv6. */
export function setupKernel(tag: string, cleanup: Cleanup): Topology {
  const a = Ns.create(`mlKa-${tag}`, cleanup);
  const r = Ns.create(`mlKr-${tag}`, cleanup);
  const b = Ns.create(`mlKb-${tag}`, cleanup);
  const devA = `lka${tag}`;
  const devB = `lkb${tag}`;
  const rA = `lkra${tag}`;
  const rB = `lkrb${tag}`;
  // each pair is made inside its host's namespace with the peer in R: nothing ever sits in the root one
  a.ip(`link add ${devA} type veth peer name ${rA} netns ${r.name}`);
  b.ip(`link add ${devB} type veth peer name ${rB} netns ${r.name}`);
  for (const [dev, gw4, gw6] of [
    [rA, HOST_A.gw4, HOST_A.gw6],
    [rB, HOST_B.gw4, HOST_B.gw6],
  ] as const) {
    r.ip(`link set ${dev} up`);
    r.ip(`addr add ${gw4}/24 dev ${dev}`);
    r.ip(`addr add ${gw6}/64 dev ${dev} nodad`);
  }
  const s = spawnSync(
    'ip',
    ['netns', 'exec', r.name, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'],
    { encoding: 'utf8' },
  );
  if (s.status !== 0) throw new Error(`sysctl in ${r.name}: ${s.stderr.trim()}`);
  configureHost(a, devA, HOST_A);
  configureHost(b, devB, HOST_B);
  return { id: 'K', title: 'Linux kernel (veth, ip_forward)', a, b, devA, devB, r: { ns: r, devs: [rA, rB] } };
}
