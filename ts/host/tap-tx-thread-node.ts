// The transmit half of a TAP queue, on a thread of its own (started by tap-link-node.ts beside the
// receive thread, tap-thread-node.ts): it blocks in Atomics.wait on the CPUs' TX doorbell and sends
// every posted frame from its cluster with write(2). A blocking wait wakes on the futex directly,
// where the receive thread's event loop would have to be woken to run a waitAsync callback.
// The descriptor is the receive thread's (it attaches, reattaches, closes): read from `ctl` at every
// wake; ctl[1] set asks this thread to end.
import { parentPort, workerData } from 'node:worker_threads';
import { LinkPort, type LinkPortSpec } from '../machine/link-port.js';
import { tapLibc } from './tap-device.js';

export interface TapTxThreadData {
  memory: WebAssembly.Memory;
  port: LinkPortSpec;
  /** [descriptor (-1 while detached), stop] */
  ctl: Int32Array;
  /** counters (TAP_STATS order; this thread adds to tx-frames and tx-errors) */
  stats: Float64Array;
}

const d = workerData as TapTxThreadData;
const port = new LinkPort(d.memory, d.port);
const libc = tapLibc();
const st = d.stats;
const bell = port.txBellIndex;
const i32 = port.i32;

function send(u8: Uint8Array, at: number, len: number): void {
  const fd = Atomics.load(d.ctl, 0);
  if (fd < 0 || libc.write(fd, u8.subarray(at, at + len), len) < 0) st[4]!++;
  else st[3]!++;
}

while (Atomics.load(d.ctl, 1) === 0) {
  const seen = Atomics.load(i32, bell);
  if (port.txDrain(send) > 0) continue;
  Atomics.wait(i32, bell, seen, 50);
}
parentPort!.postMessage('done');
