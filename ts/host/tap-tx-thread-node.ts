// The transmit half of a TAP queue, on a thread of its own (started by tap-link-node.ts beside the
// receive thread, tap-thread-node.ts): it blocks in Atomics.wait on its TX ring's head word, which a
// CPU notifies when its post moved it (cpu-loop.ts), and sends every posted frame from its cluster
// with write(2). A blocking wait wakes on the futex directly, where the receive thread's event loop
// would have to be woken to run a waitAsync callback; and waiting on the ring, not on the engine's
// one TX doorbell, wakes only the thread whose link has frames (on 2 cores, the other link's thread
// waking for nothing took a core from the one that had work).
// The descriptor is the receive thread's (it attaches, reattaches, closes): it publishes it in the
// ring (TXR_FD), read under the ring's sender lock (LinkPort.txSendExclusive), which a posting CPU
// may hold while it writes a short burst itself (tap-direct-tx.ts). ctl[1] set asks this thread to end.
import { parentPort, workerData } from 'node:worker_threads';
import { LinkPort, type LinkPortSpec } from '../machine/link-port.js';
import { tapLibc } from './tap-device.js';

export interface TapTxThreadData {
  memory: WebAssembly.Memory;
  port: LinkPortSpec;
  /** [unused, stop] */
  ctl: Int32Array;
  /** counters (TAP_STATS order; this thread adds to tx-frames and tx-errors) */
  stats: Float64Array;
}

const d = workerData as TapTxThreadData;
const port = new LinkPort(d.memory, d.port);
const libc = tapLibc();
const st = d.stats;
const i32 = port.i32;
// one ring per queue thread (tap-link-node.ts gives each its queue's ring); none: nothing to send
const head = d.port.tx.length > 0 ? port.txHeadIndex(0) : -1;

function send(fd: number, u8: Uint8Array, at: number, len: number): void {
  if (fd < 0 || libc.write(fd, u8.subarray(at, at + len), len) < 0) st[4]!++;
  else st[3]!++;
}

while (Atomics.load(d.ctl, 1) === 0) {
  if (head < 0) {
    Atomics.wait(d.ctl, 1, 0, 50);
    continue;
  }
  const seen = Atomics.load(i32, head);
  // -1: the sender lock is a CPU's (it looks at the head again when done)
  if (port.txSendExclusive(send) > 0) continue;
  Atomics.wait(i32, head, seen, 50);
}
parentPort!.postMessage('done');
