// Builds a Stack from a loaded config: sizes the tables for the routes_file too, then streams it in.
import { Presets, SingleBar } from 'cli-progress';
import { streamRoutesFile } from '../config/files.js';
import type { Config, FibBackend } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import { Stack } from '../stack/stack.js';

/** Routes above which a terminal gets a progress bar (a load of this size takes about a second). */
const PROGRESS_MIN = 300_000;

export function buildStack(cfg: Config, engine: KernelImpl, batch = 256, fib?: FibBackend): Stack {
  // a counting pass sizes the tables exactly (radix nodes, tbl8 groups); the second pass loads
  let extra = 0;
  let longV4 = 0;
  let v6 = 0;
  if (cfg.routesFile) streamRoutesFile(cfg, (r) => { extra++; if (r.family === 4 && r.plen > 24) longV4++; if (r.family === 6) v6++; });
  const bar = extra >= PROGRESS_MIN && process.stderr.isTTY
    ? new SingleBar({ format: 'loading routes [{bar}] {value}/{total} {duration}s', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
    : null;
  bar?.start(extra, 0);
  try {
    return new Stack(cfg, {
      engine, batch, fib, extraRoutes: extra, extraLongV4: longV4, extraV6: v6,
      moreRoutes: cfg.routesFile ? (add) => {
        let n = 0;
        streamRoutesFile(cfg, (r) => { add(r); if (bar && (++n & 16383) === 0) bar.update(n); });
        bar?.update(n);
      } : undefined,
    });
  } finally {
    bar?.stop();
  }
}
