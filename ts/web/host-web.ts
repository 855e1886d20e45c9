// The multi-CPU engine in a browser: MpMachine (ts/machine/machine.ts) with a Web Worker per CPU, all
// over one shared WebAssembly.Memory. Shared memory needs a cross-origin-isolated page (served with
// Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, as
// ts/web/serve.ts does); without it SharedArrayBuffer does not exist and start() says so.
//
// Everything but the threads is the Node engine's own code: the layout, vectors and queues, the CPU
// loop, pserialize. One difference follows from the platform: the page's main thread may not block,
// so a grace period a writer waits for synchronously (Tables' graceWait) spins there instead of
// sleeping; synchronize() (Atomics.waitAsync) never blocks and is the one to use.
import type { Config } from '../config/schema.js';
import { loadedWasmModule } from '../stack/wasm.js';
import type { MpHost, MpOptions } from '../machine/machine.js';
import { MpMachine } from '../machine/machine.js';

interface WorkerLike {
  onmessage: ((ev: MessageEvent) => void) | null;
  onerror: ((ev: ErrorEvent) => void) | null;
  postMessage(msg: unknown): void;
  terminate(): void;
}
type WorkerCtor = new (url: URL, options: { type: 'module'; name: string }) => WorkerLike;

const WEB_HOST: MpHost = {
  spawn(data, events) {
    const module = loadedWasmModule();
    if (data.engine === 'wasm' && !module) throw new Error('WebMachine: load the core first (loadWasm)');
    const W = (globalThis as unknown as { Worker: WorkerCtor }).Worker;
    const w = new W(new URL('./cpu-thread-web.js', import.meta.url), { type: 'module', name: `cpu${data.cpu}` });
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
    throw new Error(`${ifc.name}: the pcap driver reads files: not in a browser (use driver: gen)`);
  },
  createFile(path) {
    throw new Error(`${path}: no file system in a browser`);
  },
};

export class WebMachine extends MpMachine {
  private constructor(cfg: Config, o: MpOptions) {
    super(cfg, o, WEB_HOST);
  }

  /** Builds the stack in a new shared memory and starts one Web Worker per CPU; resolves once all run. */
  static async start(cfg: Config, o: MpOptions): Promise<WebMachine> {
    if (
      typeof SharedArrayBuffer === 'undefined' ||
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false
    ) {
      throw new Error(
        'WebMachine: shared memory needs a cross-origin-isolated page (COOP same-origin + COEP require-corp)',
      );
    }
    return MpMachine.boot(new WebMachine(cfg, o));
  }
}
