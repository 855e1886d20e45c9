// The `udp` driver: one Ethernet frame (no FCS) per UDP datagram both ways, between `local` (bound
// here) and `remote` (the peer), as QEMU's `-netdev dgram,local.type=inet,...,remote.type=inet,...`
// and the older `-netdev socket,udp=REMOTE,localaddr=LOCAL` send them. Runs on the main thread's
// event loop (sock-link-node.ts: RX per datagram, published per turn; TX on the CPUs' doorbell).
//
// UDP is connectionless: the link has carrier once bound. The socket is not connect(2)ed, so that
// datagrams from any other sender reach us to be counted (rx-stray) and dropped, never injected;
// a connected socket would drop them unseen. Drops, each counted: a datagram shorter than an
// Ethernet header (rx-runts) or longer than a cluster (rx-oversize), one that finds the RX ring
// full (rx-missed, also the ring's RXR_MISSED), and a TX frame while the socket's send queue holds
// more than TX_QUEUE_MAX bytes (tx-full: the kernel is behind, memory stays bounded).
import { type Socket, createSocket } from 'node:dgram';
import { MAX_FRAME } from '../../assembly/layout.js';
import { parseIP } from '../addr/addr.js';
import type { InterfaceConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { LinkPort, type LinkPortSpec } from '../machine/link-port.js';
import type { Link, LinkEvents } from '../machine/machine.js';
import {
  RxPublisher,
  bindFailure,
  counters,
  formatHostPort,
  parseSockEndpoint,
  resolveHost,
  txLoop,
} from './sock-link-node.js';

/** Bytes the socket's send queue may hold before TX frames are dropped. */
const TX_QUEUE_MAX = 1 << 20;

const UDP_STATS = [
  'rx-frames',
  'rx-missed',
  'rx-runts',
  'rx-oversize',
  'rx-stray',
  'tx-frames',
  'tx-full',
  'tx-errors',
] as const;

export async function openUdpLink(
  ifc: InterfaceConfig,
  cfg: { local: string; remote: string },
  memory: WebAssembly.Memory,
  spec: LinkPortSpec,
  events: LinkEvents,
): Promise<Link> {
  const what = `${ifc.name}: udp`;
  const le = parseSockEndpoint(`${what} local`, cfg.local, { port0: true });
  const re = parseSockEndpoint(`${what} remote`, cfg.remote);
  if (le.kind !== 'inet' || re.kind !== 'inet') throw new UserError(`${what}: expected HOST:PORT`);
  const local = await resolveHost(`${what} local`, le.host);
  const remote = await resolveHost(`${what} remote`, re.host);
  if (local.family !== remote.family)
    throw new UserError(
      `${what}: local ${cfg.local} is IPv${local.family} but remote ${cfg.remote} is IPv${remote.family}`,
    );
  const remoteBytes = parseIP(remote.address)!.bytes;
  const peer = formatHostPort(remote.address, re.port);

  const sock = createSocket({ type: local.family === 6 ? 'udp6' : 'udp4', ipv6Only: local.family === 6 });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', (err: NodeJS.ErrnoException) => {
      sock.close();
      reject(new UserError(`${what} local ${cfg.local}: ${bindFailure(err.code, err.message)}`));
    });
    sock.bind({ address: local.address, port: le.port, exclusive: true }, () => {
      sock.removeAllListeners('error');
      resolve();
    });
  });
  const bound = sock.address();
  const port = new LinkPort(memory, spec);
  const st = counters(UDP_STATS);
  const rx = new RxPublisher(port);
  let stopped = false;
  /** the sender address string last seen to be the remote's (rinfo spells it canonically) */
  let remoteSeen: string | null = null;

  const fromRemote = (address: string, p: number): boolean => {
    if (p !== re.port) return false;
    if (address === remoteSeen) return true;
    const b = parseIP(address)?.bytes;
    if (!b || b.length !== remoteBytes.length || b.some((x, i) => x !== remoteBytes[i])) return false;
    remoteSeen = address;
    return true;
  };

  sock.on('message', (msg, rinfo) => {
    if (stopped) return;
    if (!fromRemote(rinfo.address, rinfo.port)) st['rx-stray']++;
    else if (msg.length < 14) st['rx-runts']++;
    else if (msg.length > MAX_FRAME) st['rx-oversize']++;
    else if (port.rxFrame(msg)) st['rx-frames']++;
    else st['rx-missed']++;
    rx.soon();
  });
  // after the bind, errors are the kernel's about single datagrams: counted, the link stays
  sock.on('error', () => st['tx-errors']++);

  const sent = (err: Error | null) => {
    if (err) st['tx-errors']++;
  };
  const send = (u8: Uint8Array, at: number, len: number) => {
    if (sendQueueSize(sock) > TX_QUEUE_MAX) {
      st['tx-full']++;
      return;
    }
    // a copy: the cluster is the CPUs' again once txDrain returns, the send may still be queued
    sock.send(Buffer.from(u8.subarray(at, at + len)), re.port, remote.address, sent);
    st['tx-frames']++;
  };
  const tx = txLoop(port, send, () => stopped);
  events.carrier(true, `bound ${formatHostPort(bound.address, bound.port)}`);

  return {
    async close() {
      stopped = true;
      await tx;
      rx.flush();
      await new Promise<void>((r) => sock.close(() => r()));
    },
    stats() {
      return { ...st, local: formatHostPort(bound.address, bound.port), peer };
    },
  };
}

function sendQueueSize(sock: Socket): number {
  // Node >= 18.8; older ones have no view of the queue (and no bound here)
  return (sock as Socket & { getSendQueueSize?(): number }).getSendQueueSize?.() ?? 0;
}
