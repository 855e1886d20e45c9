// One worker CPU of the multi-CPU engine as a Node worker thread (engine.ts starts it): the CPU loop
// is cpu-loop.ts's cpuRun; this entry hands it the thread's workerData and reports back when done.
import { parentPort, workerData } from 'node:worker_threads';
import { type CpuWorkerData, cpuRun } from '../machine/cpu-loop.js';
import { tapDirectTx } from './tap-direct-tx.js';

const d = workerData as CpuWorkerData;
// TAP links: short bursts written by this CPU itself, not handed to their transmit threads
cpuRun(
  d,
  () => parentPort?.postMessage({ done: d.cpu }),
  tapDirectTx(d.memory, d.mp, d.linkTx, d.linkRx),
  Number(process.env['MPSTACK_IDLE_SPIN_US'] ?? 0) / 1000,
);
