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
import type { MpOptions } from '../machine/machine.js';
import { MpMachine } from '../machine/machine.js';
import { WORKER_HOST } from '../portable/worker-host.js';

export class WebMachine extends MpMachine {
  private constructor(cfg: Config, o: MpOptions) {
    super(cfg, o, WORKER_HOST);
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
