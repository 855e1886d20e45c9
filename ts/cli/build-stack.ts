// From a config file to a Stack, for every command that loads one (forward, route lookup, run): the
// config with its warnings shown, and the routes_file counted (to size the tables) then streamed in.
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, streamRoutesFile } from '../config/files.js';
import type { RouteSpec } from '../config/routes-file.js';
import type { Config, FibBackend, HugePagesSetting } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import { Stack, type StackOptions } from '../stack/stack.js';

/** Routes above which a terminal gets a progress bar (a load of this size takes about a second). */
const PROGRESS_MIN = 300_000;

/** Loads a config file and prints its warnings (overlapping subnets, ...) to stderr. */
export function loadConfigWarn(path: string): Config {
  const cfg = loadConfig(path);
  for (const w of cfg.warnings) process.stderr.write(`mpstack: warning: ${w}\n`);
  return cfg;
}

/** What a routes_file adds to the Stack's options: its counts, which size the tables, and its loader. */
export type RoutesFileLoad = Pick<
  StackOptions,
  'extraRoutes' | 'extraLongV4' | 'extraV6' | 'extraNexthops' | 'moreRoutes'
>;

/**
 * Distinct nexthops a table's routes need, at most: a unicast route with a gateway takes its
 * interface from the gateway (Stack.addRouteSpec), so (gateway, mtu) tells its nexthops apart; one
 * without takes (dev, mtu); the others one per (type, family). An IPv4 gateway without an MTU, most
 * of a big table, is counted as a number, so the counting pass allocates nothing per route for it.
 */
class NexthopTally {
  private readonly gw4 = new Set<number>();
  private readonly other = new Set<string>();

  add(r: RouteSpec): void {
    const via = r.type === 'unicast' ? r.via : null;
    if (via !== null && via.length === 4 && r.mtu === 0)
      this.gw4.add(((via[0]! << 24) | (via[1]! << 16) | (via[2]! << 8) | via[3]!) >>> 0);
    else this.other.add(`${r.type}|${r.family}|${via !== null ? via.join(',') : r.dev}|${r.mtu}`);
  }

  get size(): number {
    return this.gw4.size + this.other.size;
  }
}

/**
 * Counts cfg's routes_file (a first pass: routes, IPv4 longer than /24, IPv6, distinct nexthops)
 * and calls build with the Stack options that size the tables for it and stream it in (a second
 * pass, during build). A terminal gets a progress bar for a big file while build runs; build must
 * create the Stack before it returns (MpMachine does, in its constructor). Without a routes_file,
 * build gets {}. A missing routes_file is a ConfigError naming it.
 */
export function withRoutesFile<T>(cfg: Config, build: (routes: RoutesFileLoad) => T): T {
  if (!cfg.routesFile) return build({});
  let extra = 0;
  let longV4 = 0;
  let v6 = 0;
  const nexthops = new NexthopTally();
  streamRoutesFile(cfg, (r) => {
    extra++;
    if (r.family === 4 && r.plen > 24) longV4++;
    if (r.family === 6) v6++;
    nexthops.add(r);
  });
  const bar =
    extra >= PROGRESS_MIN && process.stderr.isTTY
      ? new SingleBar(
          { format: 'loading routes [{bar}] {value}/{total} {duration}s', stream: process.stderr, hideCursor: true },
          Presets.shades_classic,
        )
      : null;
  bar?.start(extra, 0);
  try {
    return build({
      extraRoutes: extra,
      extraLongV4: longV4,
      extraV6: v6,
      extraNexthops: nexthops.size,
      moreRoutes: (add) => {
        let n = 0;
        streamRoutesFile(cfg, (r) => {
          add(r);
          if (bar && (++n & 16383) === 0) bar.update(n);
        });
        bar?.update(n);
      },
    });
  } finally {
    bar?.stop();
  }
}

/** A single-CPU Stack for cfg, its routes_file loaded. */
export function buildStack(
  cfg: Config,
  engine: KernelImpl,
  batch = 256,
  fib?: FibBackend,
  hugePages?: HugePagesSetting,
): Stack {
  return withRoutesFile(cfg, (routes) => new Stack(cfg, { ...routes, engine, batch, fib, hugePages }));
}
