// The generator thread (gen-loop.ts's genRun) as a Node worker thread; NodeMachine starts it for
// MpOptions.generator 'thread'.
import { parentPort, workerData } from 'node:worker_threads';
import { type GenWorkerData, genRun } from '../machine/gen-loop.js';

genRun(workerData as GenWorkerData, () => parentPort?.postMessage({ done: 'gen' }));
