// The `websocket` driver: a WebSocket listener (the `ws` package) on Node's main-thread event loop,
// where every connected client is a station on one switched Ethernet segment with the router's
// interface. One binary message is one Ethernet frame (no FCS), both ways, as the wsproxy and
// websockproxy relays that v86 connects to (`network_relay_url: "ws://127.0.0.1:8086/"`): any path is
// accepted, there is no handshake beyond WebSocket's own.
//
// Data path (ws-switch.ts decides where each frame goes):
//   client → switch → router   the message is copied into the RX ring of queue (client id mod queues)
//                              (LinkPort.rxFrame; a full ring is the ring's counted miss), published
//                              once the messages of one socket read are handled (a microtask).
//   client → switch → client   the received buffer itself is queued to the other client(s).
//   router → switch → client   Atomics.waitAsync on the CPUs' TX doorbell; each posted frame is copied
//                              out of its cluster (the CPUs reclaim it once txDrain returns, while the
//                              socket writes later) and queued to its client(s).
// Back-pressure: a client's queue is the frames handed to ws.send whose write has not completed; at
// `queue` frames the next one for it is a counted drop (txDrops), so a slow or stalled client holds at
// most queue × MAX_FRAME bytes of this process (beside what the kernel's socket buffer holds). Messages that are no frame (text, empty, shorter than 14 bytes, longer
// than MAX_FRAME) are counted drops (rxBad); one longer than WS_MAX_PAYLOAD is not even buffered:
// ws closes that client with 1009 (counted in `oversize_closed`).
//
// The link's carrier is the listener: up once it listens, and it stays up with no client connected
// (a switch with no station plugged in). The (max_clients + 1)th client is closed with 1013 (try again
// later) and counted.
import type { IncomingMessage } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { MAX_FRAME } from '../../assembly/layout.js';
import type { InterfaceConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { LinkPort, type LinkPortSpec } from '../machine/link-port.js';
import type { Link, LinkEvents } from '../machine/machine.js';
import { EtherSwitch } from './ws-switch.js';

/** Messages up to this are read and, past MAX_FRAME, dropped as counted; a longer one closes its client (1009). */
export const WS_MAX_PAYLOAD = 65536;
/** The close code for a client over max_clients (RFC 6455 7.4.1's registry: "Try Again Later"). */
export const WS_CLOSE_FULL = 1013;
/** How often aged MACs are swept (lookups already ignore them). */
const AGE_SWEEP_MS = 10_000;

/** `HOST:PORT` or `[V6]:PORT` as the config gives it. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(listen) ?? /^([^:]+):(\d+)$/.exec(listen);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UserError(`'${listen}' is not HOST:PORT (port 0-65535)`);
  return { host: m[1]!, port };
}

export interface WsLinkConfig {
  listen: string;
  maxClients: number;
  queue: number;
}

/**
 * Opens the listener of interface `ifc` and its switch over the interface's rings. Resolves once it
 * listens (the carrier is then up); rejects with a UserError naming the interface when it cannot
 * (port in use, address not local).
 */
export function openWsLink(
  ifc: InterfaceConfig,
  cfg: WsLinkConfig,
  memory: WebAssembly.Memory,
  spec: LinkPortSpec,
  events: LinkEvents,
): Promise<Link> {
  const { host, port: wantPort } = parseListen(cfg.listen);
  const nic = new LinkPort(memory, spec);
  const queues = spec.rx.length;
  let stopped = false;

  let publishing = false;
  const publish = () => {
    publishing = false;
    nic.rxPublish();
  };
  const sw = new EtherSwitch({
    routerMac: ifc.mac,
    maxClients: cfg.maxClients,
    toRouter(frame, from) {
      if (!publishing) {
        publishing = true;
        queueMicrotask(publish);
      }
      return nic.rxFrame(frame, from.id % queues);
    },
  });

  const sockets = new Set<WebSocket>();
  /** counters of clients that have gone, so the link's totals never go backwards */
  const gone = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, txDrops: 0, rxBad: 0, rxSpoofed: 0 };
  let oversizeClosed = 0;
  let socketErrors = 0;

  const wss = new WebSocketServer({ host, port: wantPort, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    if (stopped) {
      ws.terminate();
      return;
    }
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    let inflight = 0;
    const p = sw.attach(peer, {
      send(frame) {
        if (inflight >= cfg.queue || ws.readyState !== ws.OPEN) return false;
        inflight++;
        ws.send(frame, { binary: true }, () => {
          inflight--;
        });
        return true;
      },
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') oversizeClosed++;
      else socketErrors++;
    });
    // every socket until it is closed, refused ones too: close() cuts those that linger
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    if (!p) {
      ws.close(WS_CLOSE_FULL, `mpstack ${ifc.name}: ${cfg.maxClients} clients connected`);
      return;
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (stopped) return;
      if (!isBinary || data.length > MAX_FRAME) sw.inputBad(p);
      else sw.input(p, data);
    });
    ws.on('close', () => {
      sw.detach(p);
      for (const k of Object.keys(gone) as (keyof typeof gone)[]) gone[k] += p[k];
    });
  });

  const sweep = setInterval(() => sw.age(), AGE_SWEEP_MS);
  sweep.unref();

  const send = (u8: Uint8Array, at: number, len: number) => sw.output(u8.slice(at, at + len));
  let txLoop: Promise<void> = Promise.resolve();
  const runTx = async () => {
    while (!stopped) {
      const seen = nic.txBell();
      if (nic.txDrain(send) > 0) {
        await new Promise((r) => setImmediate(r)); // the sockets' events have their turn
        continue;
      }
      await nic.waitTx(seen, 100);
    }
  };

  const totals = () => {
    const t = { ...gone };
    for (const p of sw.ports.values()) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += p[k];
    return t;
  };
  let bound = cfg.listen;

  const link: Link = {
    async close() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      for (const ws of sockets) ws.close(1001, 'mpstack stopping');
      const closed = new Promise<void>((r) => wss.close(() => r()));
      // clients that do not answer the close within half a second are cut
      const cut = setTimeout(() => {
        for (const ws of sockets) ws.terminate();
      }, 500);
      await Promise.all([closed, txLoop]);
      clearTimeout(cut);
      nic.rxPublish();
    },
    stats() {
      const t = totals();
      const s: Record<string, number | string> = {
        listen: bound,
        clients: sw.ports.size,
        'max-clients': cfg.maxClients,
        macs: sw.macs,
        rejected: sw.rejected,
        'rx-frames': t.rxFrames,
        'rx-bytes': t.rxBytes,
        'tx-frames': t.txFrames,
        'tx-bytes': t.txBytes,
        'tx-drops': t.txDrops,
        'rx-bad': t.rxBad,
        'rx-spoofed': t.rxSpoofed,
        'oversize-closed': oversizeClosed,
        'socket-errors': socketErrors,
        'to-router': sw.toRouter,
        'to-router-missed': sw.toRouterMissed,
        'from-router': sw.fromRouter,
        flooded: sw.flooded,
        filtered: sw.filtered,
        moves: sw.moves,
        'learn-full': sw.learnFull,
      };
      for (const p of sw.ports.values())
        s[`client${p.id}`] =
          `${p.peer} macs ${p.macs} rx ${p.rxFrames}/${p.rxBytes} tx ${p.txFrames}/${p.txBytes}` +
          ` drops ${p.txDrops} bad ${p.rxBad} spoofed ${p.rxSpoofed}`;
      return s;
    },
  };

  return new Promise<Link>((resolve, reject) => {
    let listening = false;
    wss.on('error', (err: Error) => {
      if (listening) {
        events.error(err);
        return;
      }
      stopped = true;
      clearInterval(sweep);
      reject(new UserError(`${ifc.name}: websocket cannot listen on ${cfg.listen}: ${err.message}`));
    });
    wss.on('listening', () => {
      listening = true;
      const a = wss.address();
      if (typeof a === 'object' && a)
        bound = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
      events.carrier(true, `listening on ${bound}`);
      txLoop = runTx().catch((err: unknown) => events.error(err instanceof Error ? err : new Error(String(err))));
      resolve(link);
    });
  });
}
