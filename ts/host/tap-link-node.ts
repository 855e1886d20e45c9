// The `tap` driver's main-thread side: starts the link's I/O thread (tap-thread-node.ts) and turns
// its messages into the engine's link events. The thread attaches to the device itself, so the first
// message says whether the link could be opened at all.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InterfaceConfig } from '../config/schema.js';
import { RXR_DIRECT, RXR_PAUSES, RXR_POLLED, TXR_DIRECT, TXR_DIRECT_ERRORS } from '../../assembly/layout.js';
import { UserError } from '../errors.js';
import type { Link, LinkEvents } from '../machine/machine.js';
import type { LinkPortSpec } from '../machine/link-port.js';
import { TAP_STATS, type TapMessage, type TapThreadData } from './tap-thread-protocol.js';

function threadPath(name = 'tap-thread-node'): string {
  for (const rel of [`./${name}.js`, `../../dist/ts/host/${name}.js`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`dist/ts/host/${name}.js not found: run \`npm run build\``);
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
  const u32 = new Uint32Array(memory.buffer);
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
      // what the posting CPUs wrote themselves (tap-direct-tx.ts) counts as the link's too
      const direct = port.tx.reduce((n, r) => n + (u32[(r + TXR_DIRECT) >> 2]! >>> 0), 0);
      out['tx-frames'] = (out['tx-frames'] as number) + direct;
      out['tx-errors'] =
        (out['tx-errors'] as number) + port.tx.reduce((n, r) => n + (u32[(r + TXR_DIRECT_ERRORS) >> 2]! >>> 0), 0);
      out['tx-direct'] = direct;
      const rxDirect = port.rx.reduce((n, q) => n + (u32[(q.ring + RXR_DIRECT) >> 2]! >>> 0), 0);
      // and what a busy-polling CPU read (engine.busy_poll_us)
      const rxPolled = port.rx.reduce((n, q) => n + (u32[(q.ring + RXR_POLLED) >> 2]! >>> 0), 0);
      out['rx-frames'] = (out['rx-frames'] as number) + rxDirect + rxPolled;
      out['rx-direct'] = rxDirect;
      out['rx-polled'] = rxPolled;
      // times its RX threads stopped watching the device because such a CPU polled it
      out['rx-pauses'] = port.rx.reduce((n, q) => n + (u32[(q.ring + RXR_PAUSES) >> 2]! >>> 0), 0);
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
  // transmit on a thread of its own unless MPSTACK_TAP_TX_THREAD=0 (then the receive thread's event
  // loop does both, on Atomics.waitAsync)
  const txCtl = process.env['MPSTACK_TAP_TX_THREAD'] === '0' ? null : new Int32Array(new SharedArrayBuffer(8)).fill(-1);
  if (txCtl) txCtl[1] = 0;
  const data: TapThreadData = { memory, port, ifname: ifc.name, device, stats, multiQueue, mtu: ifc.mtu, txCtl };
  const w = new Worker(threadPath(), { workerData: data });
  const tx = txCtl
    ? new Worker(threadPath('tap-tx-thread-node'), { workerData: { memory, port, ctl: txCtl, stats } })
    : null;
  const exited = Promise.all([
    new Promise<void>((res) => w.once('exit', () => res())),
    tx ? new Promise<void>((res) => tx.once('exit', () => res())) : Promise.resolve(),
  ]);
  const thread: TapThread = {
    async close() {
      w.postMessage({ stop: true });
      if (txCtl) Atomics.store(txCtl, 1, 1);
      // the threads close the descriptor and end; a stuck one is ended
      const t = setTimeout(() => {
        void w.terminate();
        void tx?.terminate();
      }, 2000);
      await exited;
      clearTimeout(t);
    },
  };
  tx?.on('error', (err) => events.error(err));
  return new Promise<TapThread>((resolve, rejectOpen) => {
    let opened = false;
    // a queue that never attached takes its transmit thread with it
    const reject = (err: Error) => {
      if (txCtl) Atomics.store(txCtl, 1, 1);
      rejectOpen(err);
    };
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
