// `mpstack run --web PORT`: the live page (web/live.html) attached to this running engine. The page
// and its code are served as `mpstack serve` serves them (ts/web/serve.ts), on 127.0.0.1 only; the
// page, opened with `?attach=TOKEN`, runs no router of its own but asks this process over a
// WebSocket (`/live?token=TOKEN`, same origin) for snapshots of the machine (live-snapshot.ts) and
// for affinity changes, each one the control plane's operation as `mpstack intrctl affinity` runs it.
//
// Protocol: JSON text messages. Request `{ id, op: 'snapshot' }` or `{ id, op: 'affinity', irq, cpu }`;
// answer `{ id, snapshot }`, `{ id, ok: true }` or `{ id, error }` (a UserError's message).
//
// Who may connect: a client on this machine (the listener is 127.0.0.1) that knows the token, a
// random 128-bit value printed by `run` and compared in constant time; a browser page from another
// origin is refused by its Origin header besides, so a site open in the same browser cannot drive it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ControlPlane } from '../control/control-plane.js';
import type { MpMachine } from '../machine/machine.js';
import { liveSnapshot } from '../web/live-snapshot.js';
import { serveDemo } from '../web/serve.js';
import { LIVE_PAGE } from './serve.js';

/** Requests are a few dozen bytes. */
const MAX_REQUEST = 4096;

export interface LiveWeb {
  /** the page's URL, token included */
  url: string;
  close(): Promise<void>;
}

/** Serves the live page for machine `m` on 127.0.0.1:port (0: any free one); resolves once it listens. */
export async function startLiveWeb(m: MpMachine, control: ControlPlane, port: number): Promise<LiveWeb> {
  const token = randomBytes(16).toString('hex');
  const web = await serveDemo(port, '127.0.0.1', { home: LIVE_PAGE });
  const origin = web.url.replace(/\/$/, '');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST, perMessageDeflate: false });

  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  web.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const given = Buffer.from(u.searchParams.get('token') ?? '');
    if (u.pathname !== '/live') return refuse(socket, '404 Not Found');
    if (given.length !== token.length || !timingSafeEqual(given, Buffer.from(token)))
      return refuse(socket, '401 Unauthorized');
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return refuse(socket, '403 Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => answer(ws));
  });

  function answer(ws: WebSocket): void {
    ws.on('message', (data) => {
      let req: { id?: unknown; op?: unknown; irq?: unknown; cpu?: unknown };
      try {
        req = JSON.parse(String(data)) as typeof req;
      } catch {
        ws.close(1007, 'not JSON');
        return;
      }
      const id = req.id;
      const reply = (body: Record<string, unknown>) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ...body }));
      };
      const work =
        req.op === 'snapshot'
          ? liveSnapshot(m, control, () => Date.now()).then((snapshot) => ({ snapshot }))
          : req.op === 'affinity'
            ? control.affinity(String(req.irq), Number(req.cpu)).then(() => ({ ok: true }))
            : Promise.reject(new Error(`unknown op '${String(req.op)}' (snapshot, affinity)`));
      work.then(reply, (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }));
    });
  }

  return {
    url: `${web.url}${LIVE_PAGE.slice(1)}?attach=${token}`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await web.close();
    },
  };
}
