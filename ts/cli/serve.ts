// `mpstack serve`: the live page (web/live.html, ts/web/live.ts) and the other browser pages, served
// by ts/web/serve.ts with the cross-origin-isolation headers (COOP same-origin, COEP require-corp)
// the page's Web Worker CPUs need for one shared WebAssembly.Memory. Listens on 127.0.0.1 unless told
// otherwise: the pages are this checkout's files, nothing a network should be handed by default.
// Runs until SIGINT or SIGTERM; prints the page's URL first (with --port 0, the port it was given).
import { serveDemo } from '../web/serve.js';

export interface ServeArgs {
  /** 0: any free port */
  port: number;
  host: string;
}

/** The page `/` opens. */
export const LIVE_PAGE = '/web/live.html';

export async function serveCommand(o: ServeArgs): Promise<void> {
  const s = await serveDemo(o.port, o.host, { home: LIVE_PAGE });
  process.stdout.write(
    `mpstack serve: ${s.url.replace(/\/$/, '')}${LIVE_PAGE}  (the router on Web Workers, live; Ctrl-C to stop)\n` +
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
