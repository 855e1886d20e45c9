// The multi-CPU engine in Node: MpMachine (machine.ts) with worker threads for CPUs and the file
// system for the pcap driver's captures and recordings. Everything else, the layout, vectors,
// affinity, counters and grace periods, is the runtime-neutral MpMachine's.
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { formatIntrctlList } from './control-protocol.js';
import { type CpuThread, type CpuThreadEvents, type MpHost, MpMachine, type MpOptions } from '../machine/machine.js';
import { openLink } from './links-node.js';
import { pcapSource } from './pcap-source.js';

export type { MpOptions, Vector } from '../machine/machine.js';

function workerPath(name = 'cpu-thread-node'): string {
  for (const rel of [`./${name}.js`, `../../dist/ts/host/${name}.js`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`dist/ts/host/${name}.js not found: run \`npm run build\``);
}

/** A worker thread reported to `events` as the engine expects (CpuThreadEvents). */
function startWorker(path: string, data: unknown, events: CpuThreadEvents): CpuThread {
  const w = new Worker(path, { workerData: data });
  w.on('error', (err) => events.error(err));
  w.on('message', () => events.done());
  w.once('exit', () => events.exit());
  return {
    terminate: () => {
      void w.terminate();
    },
  };
}

/** Node's host: worker threads for CPUs, the file system, real links (exported for tests that swap a part). */
export const NODE_HOST: MpHost = {
  spawn: (data, events) => startWorker(workerPath(), data, events),
  spawnGen: (data, events) => startWorker(workerPath('gen-thread-node'), data, events),
  readPcap: pcapSource,
  openLink,
  createFile(path) {
    const fd = openSync(path, 'w');
    let open = true;
    return {
      append(bytes) {
        for (let o = 0; o < bytes.length; ) o += writeSync(fd, bytes, o);
      },
      close() {
        if (open) closeSync(fd);
        open = false;
      },
    };
  },
};

export class NodeMachine extends MpMachine {
  private constructor(cfg: Config, o: MpOptions) {
    super(cfg, o, NODE_HOST);
  }

  /** Builds the stack and starts one worker thread per CPU; resolves once all of them run. */
  static async start(cfg: Config, o: MpOptions): Promise<NodeMachine> {
    return MpMachine.boot(new NodeMachine(cfg, o));
  }

  /** NetBSD-style `intrctl list`: interrupt id, a count column per CPU, `*` on the bound CPU. */
  intrctlList(): string {
    return formatIntrctlList(this.interrupts.list());
  }
}
