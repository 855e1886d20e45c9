// One worker CPU of the multi-CPU engine as a Node worker thread (engine.ts starts it): the CPU loop
// is cpu-loop.ts's cpuRun; this entry hands it the thread's workerData and reports back when done.
import { parentPort, workerData } from 'node:worker_threads';
import { type CpuWorkerData, cpuRun } from '../machine/cpu-loop.js';
import { tapBusyPoll, tapDirectTx } from './tap-direct-tx.js';

const d = workerData as CpuWorkerData;
// busy polling (engine.busy_poll_us) spins that long and reads the TAP devices meanwhile;
// MPSTACK_IDLE_SPIN_US, without it, only spins on the queues (no device reads)
const spinUs = d.busyPollUs > 0 ? d.busyPollUs : Number(process.env['MPSTACK_IDLE_SPIN_US'] ?? 0);
// TAP links: short bursts written by this CPU itself, not handed to their transmit threads
cpuRun(
  d,
  () => parentPort?.postMessage({ done: d.cpu }),
  tapDirectTx(d.memory, d.mp, d.linkTx, d.linkRx, d.busyPollUs > 0),
  spinUs / 1000,
  d.busyPollUs > 0 ? tapBusyPoll(d.memory, d.mp, d.linkTx, d.linkRx) : undefined,
);
