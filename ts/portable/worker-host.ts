// The multi-CPU machine's host on Web Workers: one module worker per CPU (ts/web/cpu-thread-web.ts
// runs cpu-loop.ts's cpuRun there) over the caller's shared WebAssembly.Memory. Browsers and Deno
// have Web Workers; Node 20 has none (its host is worker_threads: ts/host/host-node.ts's NODE_HOST).
//
// The worker is found beside this file (dist/ts/web/cpu-thread-web.js), by URL, so bundlers and
// import maps are not involved: nothing the worker loads imports a package (see ts/stack/wasm.ts).
// No pcap files and no recordings here (no file system), and no real links but the embedding's
// own ports (ts/portable/router-mp.ts adds those).
import { loadedWasmModule } from '../stack/wasm.js';
import type { MpHost } from '../machine/machine.js';

interface WorkerLike {
  onmessage: ((ev: MessageEvent) => void) | null;
  onerror: ((ev: ErrorEvent) => void) | null;
  postMessage(msg: unknown): void;
  terminate(): void;
}
type WorkerCtor = new (url: URL, options: { type: 'module'; name: string }) => WorkerLike;

/** Whether this runtime has module Web Workers (browsers, Deno; not Node 20). */
export function hasWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

/** The Web Worker host: spawn() starts ts/web/cpu-thread-web.js with the loaded core's module. */
export const WORKER_HOST: MpHost = {
  spawn(data, events) {
    const module = loadedWasmModule();
    if (data.engine === 'wasm' && !module) throw new Error('Web Worker CPUs: load the core first (loadWasm)');
    const W = (globalThis as unknown as { Worker: WorkerCtor }).Worker;
    const w = new W(new URL('../web/cpu-thread-web.js', import.meta.url), { type: 'module', name: `cpu${data.cpu}` });
    let gone = false;
    const exit = () => {
      if (!gone) {
        gone = true;
        w.terminate();
        events.exit();
      }
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      events.error(new Error(`${ev.message} (${ev.filename}:${ev.lineno})`));
      exit();
    };
    w.onmessage = (ev: MessageEvent<{ done?: number; error?: string }>) => {
      if (ev.data.error !== undefined) events.error(new Error(ev.data.error));
      else events.done();
      exit();
    };
    w.postMessage({ data, module });
    return { terminate: () => w.terminate() };
  },
  readPcap(_cfg, ifc) {
    throw new Error(`${ifc.name}: the pcap driver reads files: not on Web Workers (use driver: gen)`);
  },
  createFile(path) {
    throw new Error(`${path}: no file system on Web Workers`);
  },
};
