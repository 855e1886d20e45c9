// `mpstack run`: the multi-CPU engine on a config, until stopped (SIGINT/SIGTERM) or for --duration
// seconds; then a summary: per-CPU work, the interrupt table, and whether every frame is accounted for.
import type { FibBackend, HugePagesSetting } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import { loadConfig } from '../config/files.js';
import type { Config } from '../config/schema.js';
import { ControlPlane } from '../control/control-plane.js';
import { applyReload, planReload } from '../control/reload.js';
import { startControlServer } from '../host/control-server.js';
import { NodeMachine } from '../host/host-node.js';
import { loadConfigWarn, withRoutesFile } from './build-stack.js';
import { type LiveWeb, startLiveWeb } from './live-web.js';
import { num, table } from './summary.js';

export interface RunOptions {
  config: string;
  cpus: number;
  duration?: number;
  engine: KernelImpl;
  fib?: FibBackend;
  socket?: string;
  /** also serve the live page attached to this engine on 127.0.0.1:web (0: any free port) */
  web?: number;
  /** busy polling, µs (0: off); overrides the config's engine.busy_poll_us */
  busyPoll?: number;
  /** overrides the config's engine.huge_pages */
  hugePages?: HugePagesSetting;
}

export function runSummary(e: NodeMachine): string {
  const per = e.stats.cpuCounters();
  const times = e.stats.cpuTimes();
  const secs = e.elapsedMs / 1000;
  // a bridge(4)'s switched frames get a column of their own, only when there is a bridge
  const br = e.stack.tables.bridges.size > 0;
  const t = table(
    [
      'CPU',
      'rx frames',
      'fast',
      'normal',
      ...(br ? ['bridge'] : []),
      'local',
      'drop',
      'tx frames',
      'stack Mpps',
      'stack busy',
    ],
    br ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 3, 4, 5, 6, 7, 8],
  );
  let rx = 0;
  per.forEach((c, i) => {
    rx += c['rx-frames']!;
    const tm = times[i]!;
    t.push([
      `cpu${i}`,
      c['rx-frames']!,
      c['fast']!,
      c['normal']!,
      ...(br ? [c['bridge']!] : []),
      c['local']!,
      c['drop']!,
      c['tx-frames']!,
      tm.stackNs ? num((c['rx-frames']! / tm.stackNs) * 1e3) : '-',
      `${((100 * tm.stackNs) / 1e9 / secs).toFixed(0)}%`,
    ]);
  });
  const gen = e.stats.generated();
  const sum = (k: string) => per.reduce((s, c) => s + (c[k] ?? 0), 0);
  const accounted = sum('fast') + sum('normal') + sum('bridge') + sum('local') + sum('drop');
  const stackNs = times.reduce((s, x) => s + x.stackNs, 0);
  const lost = e.stats.rxLost();
  const lostIn = lost.missed + lost.nobufs + lost.pktqDrops + lost.queued;
  const audit = e.bufferAudit();
  return [
    `ran ${secs.toFixed(1)} s on ${per.length} CPU${per.length > 1 ? 's' : ''}: ${rx} frames received, ${num(rx / secs / 1e6)} Mpps in all; stack-only capacity ${num((rx / stackNs) * 1e3 * per.length)} Mpps (frames per pipeline-second, times CPUs)`,
    t.toString(),
    e.intrctlList(),
    `accounting: generated ${gen.frames} = received ${rx}${lostIn ? ` + lost before the stack ${lostIn} (ring full ${lost.missed}, no cluster ${lost.nobufs}, pktq full ${lost.pktqDrops}, still queued ${lost.queued})` : ''}; received = fast + normal + ${br ? 'bridge + ' : ''}local + drop ${accounted}: ${gen.frames === rx + lostIn && rx === accounted ? 'ok' : 'MISMATCH'}`,
    `buffers: ${audit.total} clusters, ${audit.ok ? 'each found once' : `LOST OR DOUBLED (missing ${audit.missing}, twice ${audit.duplicates}, not a cluster ${audit.foreign})`}: pool ${audit.pool}, CPU caches ${audit.caches}, RX rings ${audit.rxRings}, pktqs ${audit.pktqs}, TX rings ${audit.txRings}`,
    ...e.stats
      .ifSnd()
      .map(
        (q) =>
          `if_snd ${q.name} (one TX queue for all CPUs): ${q.frames} frames; its lock was found held ${q.contended} times`,
      ),
    ...e
      .recordings()
      .map(
        (r) =>
          `recorded ${r.frames} frames sent on ${r.name} to ${r.path}${r.overruns ? ` (${r.overruns} lost: the capture rings were full)` : ''}`,
      ),
  ].join('\n');
}

export async function runCommand(o: RunOptions): Promise<void> {
  const cfg = loadConfigWarn(o.config);
  // the routes_file is loaded as forward and route lookup load it, into the machine's Stack
  const e = await withRoutesFile(cfg, (routes) =>
    NodeMachine.start(cfg, {
      cpus: o.cpus,
      engine: o.engine,
      fib: o.fib,
      routes,
      busyPollUs: o.busyPoll,
      hugePages: o.hugePages,
    }),
  );
  // the control socket: intrctl, route, ifconfig, netstat from another shell
  const ctl = await startControlServer(e, o.socket).catch(async (err: unknown) => {
    await e.stop();
    throw err;
  });
  process.stderr.write(
    `mpstack: running on ${o.cpus} CPU(s) with the ${o.engine} engine${o.duration ? ` for ${o.duration} s` : ' (Ctrl-C stops)'}\n`,
  );
  process.stderr.write(`mpstack: control socket ${ctl.path}\n`);
  let web: LiveWeb | null = null;
  if (o.web !== undefined) {
    web = await startLiveWeb(e, new ControlPlane(e), o.web).catch(async (err: unknown) => {
      await ctl.close();
      await e.stop();
      throw err;
    });
    process.stderr.write(`mpstack: live page ${web.url}\n`);
  }
  const reloader = reloadOnHup(o.config, cfg, new ControlPlane(e));
  process.on('SIGHUP', reloader);
  await new Promise<void>((res) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      process.off('SIGHUP', reloader);
      clearTimeout(timer);
      res();
    };
    const timer = o.duration ? setTimeout(done, o.duration * 1000) : undefined;
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await web?.close();
  await ctl.close();
  await e.stop();
  process.stdout.write(runSummary(e) + '\n');
}

/**
 * SIGHUP: re-reads the config and applies the differences (ts/control/reload.ts) without stopping
 * forwarding. A config that does not load, or changes what only a restart can, changes nothing; each
 * step applied is logged. Reloads run one at a time, in the order the signals came.
 */
function reloadOnHup(path: string, first: Config, cp: ControlPlane): () => void {
  let current = first;
  let queue: Promise<void> = Promise.resolve();
  const say = (s: string) => process.stderr.write(`mpstack: reload: ${s}\n`);
  return () => {
    queue = queue.then(async () => {
      let next: Config;
      try {
        next = loadConfig(path);
      } catch (err) {
        say(`${(err as Error).message}; nothing changed`);
        return;
      }
      for (const w of next.warnings) say(`warning: ${w}`);
      const plan = planReload(current, next);
      if (plan.refused.length) {
        say(`these changes need a restart: ${plan.refused.join('; ')}; nothing changed`);
        return;
      }
      const r = await applyReload(cp, plan);
      for (const d of r.done) say(d);
      if (r.error) {
        say(`failed at ${r.error}; ${r.done.length} of ${plan.steps.length} changes applied before it`);
        return;
      }
      current = next;
      say(plan.steps.length ? `${plan.steps.length} changes applied` : 'no changes');
    });
  };
}
