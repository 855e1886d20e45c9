// Builds a Stack from a loaded config: sizes the tables for the routes_file too, then streams it in.
import { streamRoutesFile } from '../config/load.js';
import type { Config, FibBackend } from '../config/schema.js';
import type { EngineName } from '../engine/kernels.js';
import { Stack } from '../engine/stack.js';

export function buildStack(cfg: Config, engine: EngineName, batch = 256, fib?: FibBackend): Stack {
  // a counting pass sizes the tables exactly (radix nodes, tbl8 groups); the second pass loads
  let extra = 0;
  let longV4 = 0;
  if (cfg.routesFile) streamRoutesFile(cfg, (r) => { extra++; if (r.family === 4 && r.plen > 24) longV4++; });
  return new Stack(cfg, {
    engine, batch, fib, extraRoutes: extra, extraLongV4: longV4,
    moreRoutes: cfg.routesFile ? (add) => { streamRoutesFile(cfg, add); } : undefined,
  });
}
