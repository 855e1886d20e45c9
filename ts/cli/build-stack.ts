// Builds a Stack from a loaded config: sizes the tables for the routes_file too, then streams it in.
import { readFileSync } from 'node:fs';
import { streamRoutesFile } from '../config/load.js';
import type { Config, FibBackend } from '../config/schema.js';
import type { EngineName } from '../engine/kernels.js';
import { Stack } from '../engine/stack.js';

/** Lines in the routes file: an upper bound on its routes, to size the radix node pool. */
function countLines(path: string): number {
  const b = readFileSync(path);
  let n = 1;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

export function buildStack(cfg: Config, engine: EngineName, batch = 256, fib?: FibBackend): Stack {
  const extra = cfg.routesFile ? countLines(cfg.routesFile) : 0;
  return new Stack(cfg, {
    engine, batch, fib, extraRoutes: extra,
    moreRoutes: cfg.routesFile ? (add) => { streamRoutesFile(cfg, add); } : undefined,
  });
}
