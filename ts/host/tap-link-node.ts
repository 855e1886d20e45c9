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

/**
 * Opens the TAP link of `ifc`: one I/O thread per RX queue. With more than one queue the device is
 * opened IFF_MULTI_QUEUE, one descriptor per queue: the kernel spreads the flows it sends over them
 * by its own flow hash (as a multi-queue NIC's RSS would), and each thread serves its queue's RX
 * ring and TX ring, so the queues run in parallel on the CPUs their vectors are bound to.
 */
export async function openTapLink(
  ifc: InterfaceConfig,
  device: string,
  memory: WebAssembly.Memory,
  port: LinkPortSpec,
  events: LinkEvents,
): Promise<Link> {
  const queues = port.rx.length;
  const stats = Array.from({ length: queues }, () => new Float64Array(new SharedArrayBuffer(8 * TAP_STATS.length)));
  const threads: TapThread[] = [];
  try {
    // one after the other: the first attach creates the device, the others join it
    for (let q = 0; q < queues; q++) {
      const sub: LinkPortSpec = { ...port, rx: [port.rx[q]!], tx: port.tx[q] !== undefined ? [port.tx[q]!] : [] };
      threads.push(await startThread(ifc, device, memory, sub, stats[q]!, queues > 1, q === 0 ? events : null, events));
    }
  } catch (err) {
    await Promise.all(threads.map((t) => t.close()));
    throw err;
  }
  return {
    async close() {
      await Promise.all(threads.map((t) => t.close()));
    },
    stats() {
      const out: Record<string, number | string> = {};
      TAP_STATS.forEach((k, i) => {
        out[k] = stats.reduce((n, s) => n + s[i]!, 0);
      });
      if (queues > 1) out['queues'] = queues;
      return out;
    },
  };
}

interface TapThread {
  close(): Promise<void>;
}

/** Starts one queue's thread; resolves once it attached. Only queue 0's thread reports the carrier. */
function startThread(
  ifc: InterfaceConfig,
  device: string,
  memory: WebAssembly.Memory,
  port: LinkPortSpec,
  stats: Float64Array,
  multiQueue: boolean,
  carrier: LinkEvents | null,
  events: LinkEvents,
): Promise<TapThread> {
  const data: TapThreadData = { memory, port, ifname: ifc.name, device, stats, multiQueue, mtu: ifc.mtu };
  const w = new Worker(threadPath(), { workerData: data });
  const exited = new Promise<void>((res) => w.once('exit', () => res()));
  const thread: TapThread = {
    async close() {
      w.postMessage({ stop: true });
      // the thread closes its descriptor and lets its loop end; a stuck one is ended
      const t = setTimeout(() => void w.terminate(), 2000);
      await exited;
      clearTimeout(t);
    },
  };
  return new Promise<TapThread>((resolve, reject) => {
    let opened = false;
    w.on('message', (m: TapMessage) => {
      if (m.kind === 'error') {
        if (!opened) reject(new UserError(m.message));
        else events.error(new Error(m.message));
        return;
      }
      carrier?.carrier(m.up, m.why);
      if (!opened && m.up) {
        opened = true;
        resolve(thread);
      }
    });
    w.on('error', (err) => (opened ? events.error(err) : reject(err)));
    w.once('exit', () => {
      if (!opened) reject(new UserError(`${ifc.name}: tap ${device}: its I/O thread ended before attaching`));
    });
  });
}
