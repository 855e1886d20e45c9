// The `tap` driver's main-thread side: starts the link's I/O thread (tap-thread-node.ts) and turns
// its messages into the engine's link events. The thread attaches to the device itself, so the first
// message says whether the link could be opened at all.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InterfaceConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { Link, LinkEvents } from '../machine/machine.js';
import type { LinkPortSpec } from '../machine/link-port.js';
import { TAP_STATS, type TapMessage, type TapThreadData } from './tap-thread-protocol.js';

function threadPath(): string {
  for (const rel of ['./tap-thread-node.js', '../../dist/ts/host/tap-thread-node.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('dist/ts/host/tap-thread-node.js not found: run `npm run build`');
}

export function openTapLink(
  ifc: InterfaceConfig,
  device: string,
  memory: WebAssembly.Memory,
  port: LinkPortSpec,
  events: LinkEvents,
): Promise<Link> {
  const stats = new Float64Array(new SharedArrayBuffer(8 * TAP_STATS.length));
  const data: TapThreadData = { memory, port, ifname: ifc.name, device, stats };
  const w = new Worker(threadPath(), { workerData: data });
  const exited = new Promise<void>((res) => w.once('exit', () => res()));
  const link: Link = {
    async close() {
      w.postMessage({ stop: true });
      // the thread closes its descriptor and lets its loop end; a stuck one is ended
      const t = setTimeout(() => void w.terminate(), 2000);
      await exited;
      clearTimeout(t);
    },
    stats() {
      return Object.fromEntries(TAP_STATS.map((k, i) => [k, stats[i]!]));
    },
  };
  return new Promise<Link>((resolve, reject) => {
    let opened = false;
    w.on('message', (m: TapMessage) => {
      if (m.kind === 'error') {
        if (!opened) reject(new UserError(m.message));
        else events.error(new Error(m.message));
        return;
      }
      events.carrier(m.up, m.why);
      if (!opened && m.up) {
        opened = true;
        resolve(link);
      }
    });
    w.on('error', (err) => (opened ? events.error(err) : reject(err)));
    w.once('exit', () => {
      if (!opened) reject(new UserError(`${ifc.name}: tap ${device}: its I/O thread ended before attaching`));
    });
  });
}
