// One worker CPU of the multi-CPU engine as a browser's Web Worker (ts/web/host-web.ts starts it): the
// same CPU loop as Node's worker threads, cpu-loop.ts's cpuRun, with this worker's own instance of
// the core over the page's shared WebAssembly.Memory.
//
// Protocol: the page posts one message { data: CpuWorkerData, module?: WebAssembly.Module } (the
// module the page compiled: a worker cannot reach the page's); the worker answers { done: cpu } once
// the engine stopped it and it gave up its queues, or { error } if it failed. A Web Worker has no
// import map, so nothing this file reaches may import a package (see ts/stack/wasm.ts).
import { useWasmModule } from '../stack/wasm.js';
import { type CpuWorkerData, cpuRun } from '../machine/cpu-loop.js';

interface WorkerScope {
  onmessage: ((ev: MessageEvent<{ data: CpuWorkerData; module?: WebAssembly.Module }>) => void) | null;
  postMessage(msg: unknown): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (ev) => {
  scope.onmessage = null; // one CPU per worker, started once
  const { data, module } = ev.data;
  try {
    if (module) useWasmModule(module);
    // busy polling spins on the queues here (a browser's links are ports its page feeds: no device to read)
    cpuRun(data, () => scope.postMessage({ done: data.cpu }), undefined, (data.busyPollUs ?? 0) / 1000);
  } catch (e) {
    scope.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
};
