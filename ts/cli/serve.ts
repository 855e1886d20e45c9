// `mpstack serve`: the live page (web/live.html, ts/web/live.ts) and the other browser pages, served
// by ts/web/serve.ts with the cross-origin-isolation headers (COOP same-origin, COEP require-corp)
// the page's Web Worker CPUs need for one shared WebAssembly.Memory. Listens on 127.0.0.1 unless told
// otherwise: the pages are this checkout's files, nothing a network should be handed by default.
// Runs until SIGINT or SIGTERM; prints the page's URL first (with --port 0, the port it was given).
//
// RFC 2544 results (`mpstack bench rfc2544 --out DIR`'s results.json) are served under /results/,
// where the page finds them and draws throughput against CPUs: from --results DIR, else from
// ./rfc2544-results (the bench's default --out) when it holds some.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { serveDemo } from '../web/serve.js';

export interface ServeArgs {
  /** 0: any free port */
  port: number;
  host: string;
  /** a directory with `mpstack bench rfc2544`'s results.json */
  results?: string;
}

/** The bench's default output directory (`mpstack bench rfc2544 --out`). */
const BENCH_OUT = 'rfc2544-results';

/** The page `/` opens. */
export const LIVE_PAGE = '/web/live.html';

export async function serveCommand(o: ServeArgs): Promise<void> {
  let results: string | undefined;
  if (o.results !== undefined) {
    results = resolve(o.results);
    if (!existsSync(join(results, 'results.json')))
      throw new UserError(
        `serve: ${o.results} has no results.json (write one with \`mpstack bench rfc2544 --out DIR\`)`,
      );
  } else if (existsSync(join(BENCH_OUT, 'results.json'))) results = resolve(BENCH_OUT);
  const s = await serveDemo(o.port, o.host, { home: LIVE_PAGE, results });
  process.stdout.write(
    `mpstack serve: ${s.url.replace(/\/$/, '')}${LIVE_PAGE}  (the router on Web Workers, live; Ctrl-C to stop)\n` +
      (results ? `  RFC 2544 results from ${results}\n` : '') +
      `  also: ${s.url}web/index.html (the core against Node's digest, the stress test), ${s.url}web/router.html (a router between two VMs)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void s.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
