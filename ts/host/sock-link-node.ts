// What the socket drivers (udp-link-node.ts, stream-link-node.ts) share: their endpoints' syntax, and
// the two halves of a link's work on the main thread's event loop.
//   RX  a socket's data callback copies each frame into the RX ring (LinkPort.rxFrame); the frames
//       of one turn of the loop are published together (RxPublisher: one release store and one
//       doorbell per burst, not per frame).
//   TX  txLoop sleeps on the CPUs' TX doorbell (Atomics.waitAsync, so the loop goes on meanwhile)
//       and hands every posted frame to the driver's send, which copies it out of its cluster.
// Neither half ever blocks the loop; what a driver cannot place or send is a counted drop.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { UserError } from '../errors.js';
import type { LinkPort } from '../machine/link-port.js';

/** An internet endpoint, or a unix socket's path. */
export type SockEndpoint = { kind: 'inet'; host: string; port: number } | { kind: 'unix'; path: string };

/**
 * Parses `HOST:PORT` (an IPv6 host in brackets: `[::1]:10001`) or, when `unix` is allowed,
 * `unix:/PATH`. Throws a UserError that starts with `what` (the interface and the setting).
 * `port0` allows port 0 (a local port the kernel picks).
 */
export function parseSockEndpoint(
  what: string,
  text: string,
  o: { unix?: boolean; port0?: boolean } = {},
): SockEndpoint {
  if (text.startsWith('unix:')) {
    if (!o.unix) throw new UserError(`${what}: '${text}': a unix socket is not possible here (expected HOST:PORT)`);
    const path = text.slice(5);
    if (path === '') throw new UserError(`${what}: '${text}': expected unix:/PATH`);
    return { kind: 'unix', path };
  }
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new UserError(`${what}: '${text}' is not HOST:PORT (an IPv6 host in brackets: [::1]:10001)`);
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6)
    throw new UserError(`${what}: '${text}': [${host}] is not an IPv6 address`);
  const port = Number(m[3]);
  if (port > 65535 || (port === 0 && !o.port0)) throw new UserError(`${what}: '${text}': port ${port} is out of range`);
  return { kind: 'inet', host, port };
}

/** `host:port` as a user writes it back (IPv6 in brackets). */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A host name or address resolved to one address (the first the resolver gives); UserError when it has none. */
export async function resolveHost(what: string, host: string): Promise<{ address: string; family: 4 | 6 }> {
  const f = isIP(host);
  if (f) return { address: host, family: f as 4 | 6 };
  try {
    const r = await lookup(host);
    return { address: r.address, family: r.family as 4 | 6 };
  } catch (err) {
    throw new UserError(`${what}: cannot resolve '${host}' (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Why a bind or listen failed, in the user's words. */
export function bindFailure(code: string | undefined, message: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EADDRNOTAVAIL':
      return 'not an address of this host';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such directory';
    default:
      return message;
  }
}

/**
 * Publishes the RX frames placed during one turn of the event loop at once: a driver calls `soon()`
 * after placing frames; the publish runs after the loop's I/O callbacks of this turn (setImmediate).
 */
export class RxPublisher {
  private pending: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly port: LinkPort) {}

  soon(): void {
    this.pending ??= setImmediate(() => {
      this.pending = undefined;
      this.port.rxPublish();
    });
  }

  /** Publishes now what is placed (a closing link's last frames) and cancels the pending turn. */
  flush(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.port.rxPublish();
  }
}

/**
 * Sends what the CPUs post, until `stopped()`: each posted frame goes to `send(u8, at, len)` (which
 * must copy what it keeps: the cluster is reclaimed once txDrain returns), a burst at a time with
 * `batch` around it (a stream corks its socket). Resolves once stopped, after which nothing more is
 * taken from the TX rings. A drain that found frames yields a turn (setImmediate) so RX runs too.
 */
export async function txLoop(
  port: LinkPort,
  send: (u8: Uint8Array, at: number, len: number) => void,
  stopped: () => boolean,
  batch: (drain: () => number) => number = (drain) => drain(),
): Promise<void> {
  while (!stopped()) {
    const seen = port.txBell();
    if (batch(() => port.txDrain(send)) > 0) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    await port.waitTx(seen, 100);
  }
}

/** A driver's counters: named numbers, plus strings (its peer), as Link.stats() reports them. */
export type LinkCounters<K extends string> = Record<K, number>;

/** A fresh set of counters, every one 0. */
export function counters<K extends string>(names: readonly K[]): LinkCounters<K> {
  return Object.fromEntries(names.map((k) => [k, 0])) as LinkCounters<K>;
}
