// The `stream` driver: frames over TCP or a unix socket in QEMU's stream framing (stream-framing.ts),
// as `-netdev stream,server=on|off,addr.type=inet|unix,...` and `-netdev socket,listen=|connect=`
// carry them. Runs on the main thread's event loop (sock-link-node.ts).
//
//   listen   one peer at a time: a second connection while one is up is closed at once and counted
//            (refused), as QEMU's listener takes no second peer. The carrier follows the peer: up
//            on its connection, down when it goes; the listener stays for the next one.
//   connect  connects, and when the peer goes (or is not there yet) tries again every RECONNECT_MS;
//            the carrier is up while connected.
// The interface is down (no carrier) until the first peer comes.
//
// Drops, each counted: a frame shorter than an Ethernet header (rx-runts, the stream stays in
// step), one that finds the RX ring full (rx-missed, also the ring's RXR_MISSED), a bad length
// (framing-errors: the connection is dropped, the stream cannot be resynchronised), a TX frame with
// no peer (tx-nopeer) or while the socket's write buffer holds more than TX_QUEUE_MAX bytes
// (tx-full: a slow peer costs frames, never unbounded memory).
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { dirname } from 'node:path';
import type { InterfaceConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { LinkPort, type LinkPortSpec } from '../machine/link-port.js';
import type { Link, LinkEvents } from '../machine/machine.js';
import {
  RxPublisher,
  type SockEndpoint,
  bindFailure,
  counters,
  formatHostPort,
  parseSockEndpoint,
  resolveHost,
  txLoop,
} from './sock-link-node.js';
import { StreamDeframer, streamFrame } from './stream-framing.js';

/** Bytes a peer's socket may have waiting to be written before TX frames are dropped. */
const TX_QUEUE_MAX = 1 << 20;
/** The client's wait before connecting again. */
const RECONNECT_MS = 1000;

const STREAM_STATS = [
  'rx-frames',
  'rx-missed',
  'rx-runts',
  'framing-errors',
  'tx-frames',
  'tx-full',
  'tx-nopeer',
  'connects',
  'refused',
] as const;

const endpointText = (e: SockEndpoint) => (e.kind === 'unix' ? `unix:${e.path}` : formatHostPort(e.host, e.port));

export async function openStreamLink(
  ifc: InterfaceConfig,
  cfg: { listen: string | null; connect: string | null },
  memory: WebAssembly.Memory,
  spec: LinkPortSpec,
  events: LinkEvents,
): Promise<Link> {
  const what = `${ifc.name}: stream`;
  if ((cfg.listen === null) === (cfg.connect === null))
    throw new UserError(`${what}: give one of 'listen:' and 'connect:'`);
  const listening = cfg.listen !== null;
  const ep = parseSockEndpoint(`${what} ${listening ? 'listen' : 'connect'}`, (cfg.listen ?? cfg.connect)!, {
    unix: true,
  });
  const port = new LinkPort(memory, spec);
  const st = counters(STREAM_STATS);
  const rx = new RxPublisher(port);
  let stopped = false;
  let peer: Socket | null = null;
  let peerName = '-';
  let lastError = '';

  /** Takes `s` as the link's peer: its frames go to the RX ring until it closes. */
  const attach = (s: Socket, name: string, onClose: () => void) => {
    peer = s;
    peerName = name;
    st.connects++;
    s.setNoDelay(true);
    const d = new StreamDeframer();
    /** why this connection ended, when it did not just close */
    let why = '';
    const onFrame = (f: Uint8Array) => {
      if (f.length < 14) st['rx-runts']++;
      else if (port.rxFrame(f)) st['rx-frames']++;
      else st['rx-missed']++;
    };
    s.on('data', (chunk: Buffer) => {
      if (stopped) return;
      if (!d.push(chunk, onFrame)) {
        st['framing-errors']++;
        why = lastError = `framing error: length ${d.failed}`;
        s.destroy();
      }
      rx.soon();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      why ||= lastError = err.code ?? err.message;
    });
    s.once('close', () => {
      if (peer === s) {
        peer = null;
        peerName = '-';
      }
      if (stopped) return;
      events.carrier(false, `peer ${name} went away${why ? ` (${why})` : ''}`);
      onClose();
    });
    events.carrier(true, `peer ${name} connected`);
  };

  let server: Server | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** the client's connection while it is being made */
  let dialing: Socket | null = null;
  if (listening) {
    server = await listen(what, ep, cfg.listen!);
    server.on('connection', (s) => {
      const name = s.remoteAddress ? formatHostPort(s.remoteAddress, s.remotePort ?? 0) : 'unix peer';
      if (stopped || peer) {
        st.refused++;
        s.destroy();
        return;
      }
      attach(s, name, () => undefined);
    });
    events.carrier(false, `listening on ${endpointText(ep)}, no peer yet`);
  } else {
    const target = ep.kind === 'inet' ? { ...ep, ...(await resolveHost(`${what} connect`, ep.host)) } : ep;
    const dial = () => {
      retry = undefined;
      if (stopped) return;
      const s =
        target.kind === 'unix' ? connect({ path: target.path }) : connect({ host: target.address, port: target.port });
      dialing = s;
      const again = () => {
        if (!stopped) retry = setTimeout(dial, RECONNECT_MS);
      };
      s.once('connect', () => {
        dialing = null;
        attach(s, endpointText(ep), again);
      });
      s.on('error', (err: NodeJS.ErrnoException) => {
        lastError = err.code ?? err.message;
        if (dialing !== s) return; // connected: attach's close handler connects again
        dialing = null;
        s.destroy();
        again();
      });
    };
    dial();
    events.carrier(false, `connecting to ${endpointText(ep)}`);
  }

  const send = (u8: Uint8Array, at: number, len: number) => {
    const s = peer;
    if (!s || s.destroyed) st['tx-nopeer']++;
    else if (s.writableLength > TX_QUEUE_MAX) st['tx-full']++;
    else {
      s.write(streamFrame(u8, at, len));
      st['tx-frames']++;
    }
  };
  const tx = txLoop(
    port,
    send,
    () => stopped,
    (drain) => {
      const s = peer;
      s?.cork();
      const n = drain();
      s?.uncork();
      return n;
    },
  );

  return {
    async close() {
      stopped = true;
      clearTimeout(retry);
      dialing?.destroy();
      await tx;
      rx.flush();
      peer?.destroy();
      if (server) {
        await new Promise<void>((r) => server!.close(() => r()));
        if (ep.kind === 'unix') removeSocketFile(ep.path);
      }
    },
    stats() {
      return {
        ...st,
        [listening ? 'listen' : 'connect']: endpointText(ep),
        peer: peerName,
        ...(lastError ? { 'last-error': lastError } : {}),
      };
    },
  };
}

/**
 * Listens on `ep`. A unix socket's path left by a process that is gone (nobody accepts on it) is
 * replaced; one with a live listener is in use. Rejects with a UserError naming the setting.
 */
async function listen(what: string, ep: SockEndpoint, text: string): Promise<Server> {
  const once = (): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer({ pauseOnConnect: false });
      server.once('error', reject);
      const ready = () => {
        server.off('error', reject);
        resolve(server);
      };
      if (ep.kind === 'unix') server.listen({ path: ep.path, exclusive: true }, ready);
      else server.listen({ host: ep.host, port: ep.port, exclusive: true }, ready);
    });
  const failed = (err: NodeJS.ErrnoException) => {
    // libuv reports a unix path in a missing directory as EACCES
    const code = ep.kind === 'unix' && !existsSync(dirname(ep.path)) ? 'ENOENT' : err.code;
    const why =
      code === 'ENOTFOUND' ? `cannot resolve '${(ep as { host: string }).host}'` : bindFailure(code, err.message);
    return new UserError(`${what} listen ${text}: ${why}`);
  };
  try {
    return await once();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (ep.kind !== 'unix' || e.code !== 'EADDRINUSE' || (await unixListenerAlive(ep.path))) throw failed(e);
    removeSocketFile(ep.path);
    return await once().catch((e2: NodeJS.ErrnoException) => {
      throw failed(e2);
    });
  }
}

/** Whether something accepts connections on the unix socket at `path`. */
function unixListenerAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function removeSocketFile(path: string): void {
  try {
    if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}
