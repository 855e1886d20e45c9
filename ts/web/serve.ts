// A tiny static server for the browser pages (web/index.html, the demo; web/live.html, the live page
// `mpstack serve` shows; web/router.html): the pages, the built core (dist/, build/mpstack.wasm) and
// the two packages the pages map (yaml, zod), from this checkout, on localhost by default. Every response carries the headers that make the page cross-origin isolated
// (COOP same-origin + COEP require-corp), without which browsers give it no SharedArrayBuffer and
// the Web Worker CPUs could not share one WebAssembly.Memory.
//
//   npm run build && node dist/ts/web/serve.js [--port 8080]   then open http://localhost:8080/
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';

/** Folders of the checkout (or the installed package) served under their own names: the pages, the built code. */
const SERVED = ['web', 'dist', 'build'];
/** The packages the pages map (their import maps say /node_modules/NAME/…), served from where Node finds them. */
const MAPPED = ['yaml', 'zod'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.wat': 'text/plain; charset=utf-8',
};

/** The checkout's (or installed package's) root: two levels up from ts/web/ (tests) or three from dist/ts/web/ (built). */
function repoRoot(): string {
  for (const rel of ['../../', '../../../']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'web', 'index.html'))) return dir;
  }
  throw new Error('serve: cannot find the checkout (web/index.html)');
}

export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** where `/` redirects (default: the demo, /web/index.html) */
  home?: string;
  /** a directory of `mpstack bench rfc2544` output (results.json, charts), served under /results/ */
  results?: string;
}

/**
 * Serves the pages on host:port (port 0: any free one); resolves once it listens, with the URL of
 * the root. Rejects with a UserError when the address is taken or not ours to bind.
 */
export function serveDemo(port = 0, host = '127.0.0.1', o: ServeOptions = {}): Promise<WebServer> {
  const root = repoRoot();
  // URL prefix -> folder; a package the pages map is wherever Node resolves it from here: under the
  // checkout, or beside an installed mpstack in the user's node_modules
  const require = createRequire(import.meta.url);
  const mounts: [string, string][] = [
    ...SERVED.map((d): [string, string] => [`/${d}/`, join(root, d)]),
    ...MAPPED.map((p): [string, string] => [`/node_modules/${p}/`, dirname(require.resolve(`${p}/package.json`))]),
    ...(o.results ? [['/results/', normalize(o.results)] as [string, string]] : []),
  ];
  const home = o.home ?? '/web/index.html';
  const server = createServer((req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(302, { ...headers, Location: home }).end();
      return;
    }
    if (path === '/results/results.json' && !o.results) {
      // no results to chart: an empty list, which the live page reads as such (a 404 would be a console error there)
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end('[]\n');
      return;
    }
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    const file = mount ? normalize(join(mount[1], path.slice(mount[0].length))) : '';
    // the resolved file, not just the asked path, must lie under a served folder (no '..' escapes)
    const ok =
      (req.method === 'GET' || req.method === 'HEAD') &&
      mount !== undefined &&
      file.startsWith(mount[1] + sep) &&
      existsSync(file) &&
      statSync(file).isFile();
    if (!ok) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (e.code === 'EADDRINUSE')
        reject(new UserError(`serve: ${where} is in use (another server listens there): choose another port`));
      else if (e.code === 'EACCES') reject(new UserError(`serve: no permission to listen on ${where}`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
        reject(new UserError(`serve: ${host} is not an address of this machine`));
      else reject(e);
    });
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}/`,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const s = await serveDemo(port);
  process.stdout.write(`mpstack browser demo: ${s.url}  (Ctrl-C to stop)\n`);
}
