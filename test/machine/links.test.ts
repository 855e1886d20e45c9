// The link-port protocol under real concurrency: a sending wire thread fills an interface's two RX
// rings (waiting whenever one is full) while two CPU threads take them, forward each frame and post
// it to the other interface's two TX rings, which a receiving wire thread drains while the CPUs
// reclaim behind it. Every frame must arrive once, in order per flow, with nothing dropped, and
// every cluster must be found once afterwards. Both engines.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import { parseConfig } from '../../ts/config/load.js';
import type { Config, InterfaceConfig } from '../../ts/config/schema.js';
import { NODE_HOST } from '../../ts/host/host-node.js';
import type { LinkPortSpec } from '../../ts/machine/link-port.js';
import { type Link, MpMachine, type MpOptions } from '../../ts/machine/machine.js';
import { buildFrame } from '../../ts/packet/build.js';
import { parseMac } from '../../ts/addr/addr.js';

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 2 }
    driver: tap
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    rss: { queues: 2 }
    driver: tap
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
`;
const COUNT = 60_000;
const FLOWS = 4;
const SEQ_AT = 14 + 20 + 8; // the first payload word
const FLOW_AT = 14 + 20; // the UDP source port

type Report = { sent?: number; waits?: number; frames?: number; bad?: number; error?: string };

class WireMachine extends MpMachine {
  static async start(
    cfg: Config,
    o: MpOptions,
    open: (ifc: InterfaceConfig, m: WebAssembly.Memory, p: LinkPortSpec) => Promise<Link>,
  ) {
    return MpMachine.boot(new WireMachine(cfg, o, { ...NODE_HOST, openLink: (ifc, m, p) => open(ifc, m, p) }));
  }
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

describe.each(['wasm', 'ts'] as const)('link ports under two CPUs (%s)', (engine) => {
  test('every frame once, in order per flow, none dropped, every cluster found', async () => {
    const cfg = parseConfig(CONFIG, 'links.yaml', '/');
    const stop = new Int32Array(new SharedArrayBuffer(12));
    const templates = Array.from({ length: FLOWS }, (_, f) => {
      const t = buildFrame({
        dstMac: parseMac('02:00:00:00:00:01')!,
        srcMac: parseMac('02:00:00:00:aa:01')!,
        src: new Uint8Array([192, 0, 2, 10]),
        dst: new Uint8Array([203, 0, 113, 5]),
        sport: 1000 + f,
        dport: 9,
        payload: 18,
      });
      t[14 + 20 + 6] = 0; // no UDP checksum: the wire rewrites the payload
      t[14 + 20 + 7] = 0;
      return t;
    });
    const reports = new Map<string, Promise<Report>>();
    const open = async (ifc: InterfaceConfig, memory: WebAssembly.Memory, port: LinkPortSpec): Promise<Link> => {
      const role = ifc.name === 'wm0' ? 'send' : 'recv';
      const w = new Worker(new URL('./workers/link-wire.mjs', import.meta.url), {
        workerData: {
          role,
          memory,
          port,
          stop: stop.buffer,
          templates,
          count: COUNT,
          flows: FLOWS,
          seqAt: SEQ_AT,
          flowAt: FLOW_AT,
          len: 60,
        },
      });
      workers.push(w);
      reports.set(
        role,
        new Promise<Report>((res, rej) => {
          w.once('message', (m: Report) => (m.error ? rej(new Error(m.error)) : res(m)));
          w.once('error', rej);
        }),
      );
      return { close: async () => undefined, stats: () => ({}) };
    };
    const e = await WireMachine.start(cfg, { cpus: 2, engine }, open);
    Atomics.store(stop, 1, 1);
    Atomics.notify(stop, 1);
    const guard = setTimeout(() => Atomics.store(stop, 0, 1), 60_000);
    const [sent, got] = await Promise.all([reports.get('send')!, reports.get('recv')!]);
    clearTimeout(guard);
    await e.stop();
    expect(sent.sent).toBe(FLOWS * COUNT);
    expect(got.frames).toBe(FLOWS * COUNT);
    expect(got.bad).toBe(0);
    const per = e.stats.cpuCounters();
    expect(per.reduce((n, x) => n + x['fast']! + x['normal']!, 0)).toBe(FLOWS * COUNT);
    expect(e.stats.transmitted(2).drops).toBe(0);
    expect(e.stats.rxLost().missed).toBe(0);
    // both CPUs took part (each flow's queue is bound to one of them)
    expect(per.every((x) => x['rx-frames']! > 0)).toBe(true);
    expect(e.bufferAudit().ok).toBe(true);
  }, 120_000);
});
