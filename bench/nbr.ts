// Neighbor discovery suite (issue 10): how fast the router answers ARP requests and neighbor
// solicitations for its own addresses, and how long the multi-CPU engine takes to resolve a next hop.
//
// 1. Answers per second, single-CPU Stack, WASM and TS: batches of 256 requests for the router's
//    wm0 address (ARP requests, broadcast; NS to the solicited-node group with a source link-layer
//    option), from 128 hosts in turn.
//      Stack.forward   the whole call: frames copied into the descriptors, rss_batch + fwd_batch (the
//                      data path answers), the results read back, and the neighbor cache's step (the
//                      timers, then the event ring drained: each request's sender learned, RFC 826 /
//                      RFC 4861 7.2.3). Only the call is timed; the answers are counted after it and
//                      must be one per request (ARP reply / NA), or the suite fails.
//      fwd_batch       the data path alone, timed as bench/pipeline.ts's "stack only" (SplitDriver:
//                      clock reads around fwd_batch, minus one read). No one drains the event ring
//                      here, so learning is left out; answers counted from tx-frames and the
//                      arp-replies-out / nd-adverts-out counters.
// 2. Resolution latency in the engine (NodeMachine, 2 CPUs, WASM): the wm0 host sends one packet to a
//    destination behind a gateway on wm1 that has no entry; the gateway answers the request a fixed
//    20 ms later (the "wire"). Times from the engine's own clock, as the pcap driver records them:
//      miss       the packet's batch (a marker that the data path answers at once rides in the same
//                 batch: an ARP request from the host, whose reply is stamped with the batch time)
//      request    the ARP request / NS leaving wm1 (sent by the neighbor cache's step on the main
//                 thread, every 5 ms, through a CPU's down ring)
//      reply      the reply's batch on wm1 (with a marker the same way)
//      release    the held packet leaving wm1, rewritten to the gateway's MAC
//    The bench plays the NIC's wire: each queue's capture is replayed once, and the bench raises the
//    queue's frame limit (QS_LIMIT) by two to let the next pair of frames arrive together.
import { QS_LIMIT, QS_SIZE } from '../assembly/layout.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { linkLocalFromMac } from '../ts/addr/addr.js';
import { parseConfig } from '../ts/config/load.js';
import type { Config } from '../ts/config/schema.js';
import { readCapture } from '../ts/io/capture.js';
import type { CapturedFrame } from '../ts/io/frame.js';
import { type MpHost, MpMachine, type MpOptions } from '../ts/machine/machine.js';
import { buildArp, buildFrame, buildNd } from '../ts/packet/build.js';
import { KERNEL_IMPLS, type KernelImpl } from '../ts/stack/kernels.js';
import { type RxFrame, Stack } from '../ts/stack/stack.js';
import { type SuiteOptions, type SuiteReport, isMain, median, num, sig, table, writeResults } from './common.js';
import { SplitDriver, clockCostNs } from './pipeline.js';

const BATCH = 256;
const HOSTS = 128;
const SAMPLE_MS = 150;
const SAMPLES = 7;
const WARM_MS = 150;

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
`;

const BCAST = new Uint8Array(6).fill(0xff);
const ROUTER_MAC = Uint8Array.of(2, 0, 0, 0, 0, 1);
const ROUTER_MAC1 = Uint8Array.of(2, 0, 0, 0, 0, 2);
const hostMac = (i: number) => Uint8Array.of(2, 0, 0, 1, i >> 8, i & 255);
const v6 = (words: number[]) => {
  const b = new Uint8Array(16);
  words.forEach((w, i) => {
    b[i * 2] = w >> 8;
    b[i * 2 + 1] = w & 255;
  });
  return b;
};
/** 2001:db8:<a>::<b> */
const addr6 = (a: number, b: number) => v6([0x2001, 0xdb8, a, 0, 0, 0, 0, b]);
const ROUTER4 = Uint8Array.of(192, 0, 2, 1);
const ROUTER6 = addr6(0, 1);
const solicitedNode = (t: Uint8Array) =>
  Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13]!, t[14]!, t[15]!);
const solicitedMac = (t: Uint8Array) => Uint8Array.of(0x33, 0x33, 0xff, t[13]!, t[14]!, t[15]!);

/** An ARP request (broadcast) from `mac`/`ip` for `target`. */
function arpRequest(mac: Uint8Array, ip: Uint8Array, target: Uint8Array): Uint8Array {
  return buildArp({ dstMac: BCAST, srcMac: mac, op: 1, senderMac: mac, senderIp: ip, targetIp: target });
}

/** An NS for `target` from `src` to its solicited-node group, with the source link-layer option. */
function nsRequest(mac: Uint8Array, src: Uint8Array, target: Uint8Array): Uint8Array {
  return buildNd({
    dstMac: solicitedMac(target),
    srcMac: mac,
    src,
    dst: solicitedNode(target),
    type: 135,
    target,
    options: [[1, mac]],
  });
}

// ---- 1. answers per second ---------------------------------------------------------------------

type Kind = 'arp' | 'ns';

/** 256 requests for the router's wm0 address from HOSTS hosts in turn. */
function requests(kind: Kind, ifindex: number): RxFrame[] {
  return Array.from({ length: BATCH }, (_, j) => {
    const h = j % HOSTS;
    const mac = hostMac(h);
    const data =
      kind === 'arp'
        ? arpRequest(mac, Uint8Array.of(192, 0, 2, 10 + h), ROUTER4)
        : nsRequest(mac, addr6(0, 0x100 + h), ROUTER6);
    return { data, ifindex };
  });
}

/** True when `f` is the answer to a request of `kind`: an ARP reply, or an NA for the router's address. */
function isAnswer(kind: Kind, f: Uint8Array): boolean {
  if (kind === 'arp') return f[12] === 0x08 && f[13] === 0x06 && f[21] === 2;
  return f[12] === 0x86 && f[13] === 0xdd && f[20] === 58 && f[54] === 136;
}

interface AnswerRate {
  kind: Kind;
  engine: KernelImpl;
  /** Stack.forward: requests answered per second, median, and the samples (sorted) */
  forwardPps: number;
  forwardSamples: number[];
  /** answers counted over the whole Stack.forward run / requests sent (must be 1) */
  forwardAnswered: number;
  forwardRequests: number;
  /** fwd_batch alone */
  dataPathPps: number;
  dataPathSamples: number[];
  dataPathTxPerRx: number;
  dataPathRepliesPerRx: number;
  /** the stack's neighbor table after the run (entries learned from the requests' senders) */
  learned: number;
  /** Stack.forward: learn events lost to the full event ring (64 slots), per request */
  eventsLostPerRequest: number;
}

function timedSamples(once: () => { frames: number; ns: number }): number[] {
  const window = (ms: number) => {
    let frames = 0;
    let ns = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      const r = once();
      frames += r.frames;
      ns += r.ns;
    }
    return frames / (ns / 1e9);
  };
  window(WARM_MS);
  return Array.from({ length: SAMPLES }, () => window(SAMPLE_MS)).sort((a, b) => a - b);
}

function answerRate(kind: Kind, engine: KernelImpl, clockNs: number): AnswerRate {
  const cfg = parseConfig(CONFIG, 'bench/nbr', process.cwd());
  const wm0 = cfg.interfaces.find((i) => i.name === 'wm0')!.index;
  // Stack.forward
  const stack = new Stack(cfg, { engine, batch: BATCH });
  const frames = requests(kind, wm0);
  let now = 1000;
  let answered = 0;
  let sent = 0;
  const lost0 = stack.counters()['nbr-events-lost']!;
  const fwdSamples = timedSamples(() => {
    now += 1; // a millisecond a batch: the cache's timers run as they would
    const t0 = process.hrtime.bigint();
    const res = stack.forward(frames, now);
    const ns = Number(process.hrtime.bigint() - t0);
    for (const r of res) for (const o of r.out) if (isAnswer(kind, o.data)) answered++;
    sent += frames.length;
    return { frames: frames.length, ns };
  });
  if (answered !== sent) throw new Error(`${kind} [${engine}]: ${answered} answers to ${sent} requests`);
  const learned = stack.neighborList(kind === 'arp' ? 4 : 6).length;
  const eventsLostPerRequest = (stack.counters()['nbr-events-lost']! - lost0) / sent;
  // fwd_batch alone
  const s2 = new Stack(cfg, { engine, batch: BATCH });
  const d = new SplitDriver(
    s2,
    frames.map((f) => ({ data: f.data, ifindex: f.ifindex })),
  );
  const before = s2.counters();
  const dpSamples = timedSamples(() => {
    const r = d.runSplit(16);
    return { frames: r.frames, ns: r.fwdNs - 16 * clockNs };
  });
  const after = s2.counters();
  const delta = (k: string) => after[k]! - before[k]!;
  const rx = delta('rx-frames');
  return {
    kind,
    engine,
    forwardPps: median(fwdSamples),
    forwardSamples: fwdSamples,
    forwardAnswered: answered,
    forwardRequests: sent,
    dataPathPps: median(dpSamples),
    dataPathSamples: dpSamples,
    dataPathTxPerRx: delta('tx-frames') / rx,
    dataPathRepliesPerRx: delta(kind === 'arp' ? 'arp-replies-out' : 'nd-adverts-out') / rx,
    learned,
    eventsLostPerRequest,
  };
}

// ---- 2. resolution latency in the engine -----------------------------------------------------------

const STEPS = 40; // resolutions: even steps IPv4 (ARP), odd steps IPv6 (NS)
const STEP_MS = 60;
const WIRE_MS = 20; // when the gateway's reply arrives after the packet that missed
const HOST0 = { mac: Uint8Array.of(2, 0, 0, 0, 0xaa, 0x10), ip4: Uint8Array.of(192, 0, 2, 10), ip6: addr6(0, 0x10) };
const MARK1 = { mac: Uint8Array.of(2, 0, 0, 0, 0xcc, 0xc8), ip4: Uint8Array.of(198, 51, 100, 200) };
const gwMac = (k: number) => Uint8Array.of(2, 0, 0, 0, 0xbb, k);
const gw4 = (k: number) => Uint8Array.of(198, 51, 100, 100 + k);
const gw6 = (k: number) => addr6(1, 0x100 + k);
const dst4 = (k: number) => Uint8Array.of(10, 0, k, 1);
const dst6 = (k: number) => v6([0x2001, 0xdb8, 0x100, k, 0, 0, 0, 1]);

function engineConfig(): string {
  const routes: string[] = [];
  for (let k = 0; k < STEPS; k++)
    routes.push(
      k % 2 === 0
        ? `  - { dst: 10.0.${k}.0/24, via: 198.51.100.${100 + k} }`
        : `  - { dst: "2001:db8:100:${k.toString(16)}::/64", via: "2001:db8:1::${(0x100 + k).toString(16)}" }`,
    );
  return `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
    driver: pcap
    pcap: { in: in0.pcap, loop: false, out: out0.pcap }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
    driver: pcap
    pcap: { in: in1.pcap, loop: false, out: out1.pcap }
routes:
${routes.join('\n')}
icmp: { ratelimit: 0 }
`;
}

/** wm0's wire: a marker, then per step the packet that misses and a marker behind it. */
function wire0(): Uint8Array[] {
  const mark = () => arpRequest(HOST0.mac, HOST0.ip4, ROUTER4);
  const out = [mark()];
  for (let k = 0; k < STEPS; k++) {
    const spec = k % 2 === 0 ? { src: HOST0.ip4, dst: dst4(k) } : { src: HOST0.ip6, dst: dst6(k) };
    out.push(
      buildFrame({
        dstMac: ROUTER_MAC,
        srcMac: HOST0.mac,
        ...spec,
        proto: 'udp',
        sport: 4000 + k,
        dport: 53,
        minFrame: 60,
      }),
      mark(),
    );
  }
  return out;
}

/** wm1's wire: a marker, then per step the gateway's reply and a marker behind it. */
function wire1(): Uint8Array[] {
  const mark = () => arpRequest(MARK1.mac, MARK1.ip4, Uint8Array.of(198, 51, 100, 1));
  const ll1 = linkLocalFromMac(ROUTER_MAC1);
  const out = [mark()];
  for (let k = 0; k < STEPS; k++) {
    const reply =
      k % 2 === 0
        ? buildArp({
            dstMac: ROUTER_MAC1,
            srcMac: gwMac(k),
            op: 2,
            senderMac: gwMac(k),
            senderIp: gw4(k),
            targetMac: ROUTER_MAC1,
            targetIp: Uint8Array.of(198, 51, 100, 1),
          })
        : buildNd({
            dstMac: ROUTER_MAC1,
            srcMac: gwMac(k),
            src: gw6(k),
            dst: ll1,
            type: 136,
            flags: 0x60000000, // S, O
            target: gw6(k),
            options: [[2, gwMac(k)]],
          });
    out.push(reply, mark());
  }
  return out;
}

/**
 * A Node host whose pcap driver reads its captures from memory and records into memory, and an
 * engine that starts each queue with a frame limit of one (its marker) so the bench decides when
 * the rest arrive.
 */
class BenchMachine extends MpMachine {
  private constructor(
    cfg: Config,
    o: MpOptions,
    host: MpHost,
    /** what the pcap driver recorded, by interface name (complete at stop) */
    readonly recorded: Map<string, Uint8Array>,
  ) {
    super(cfg, o, host);
    for (const name of ['wm0 txrx0', 'wm1 txrx0']) this.setLimit(name, 1);
  }

  /** The queue state of vector `name` (MpMachine keeps the base private: the bench reaches in). */
  private qsOf(name: string): number {
    const base = (this as unknown as { qs: number }).qs;
    return base + this.interrupts.vector(name).id * QS_SIZE;
  }
  private dvm(): DataView {
    return new DataView(this.stack.k.memory.buffer);
  }
  limit(name: string): number {
    return this.dvm().getUint32(this.qsOf(name) + QS_LIMIT, true);
  }
  setLimit(name: string, n: number): void {
    this.dvm().setUint32(this.qsOf(name) + QS_LIMIT, n, true);
  }

  static async start(cfg: Config, o: MpOptions, wires: Map<string, Uint8Array[]>): Promise<BenchMachine> {
    const recorded = new Map<string, Uint8Array>();
    const worker = (() => {
      for (const rel of ['../ts/host/cpu-thread-node.js', '../dist/ts/host/cpu-thread-node.js']) {
        const p = fileURLToPath(new URL(rel, import.meta.url));
        if (existsSync(p)) return p;
      }
      throw new Error('dist/ts/host/cpu-thread-node.js not found: run `npm run build`');
    })();
    const host: MpHost = {
      spawn(data, events) {
        const w = new Worker(worker, { workerData: data });
        w.on('error', (err) => events.error(err));
        w.on('message', () => events.done());
        w.once('exit', () => events.exit());
        return { terminate: () => void w.terminate() };
      },
      readPcap: (_cfg, ifc) => ({ frames: wires.get(ifc.name)!, loop: false, rate: 0, out: ifc.name }),
      // a recording kept in memory: its appends, joined when the engine closes it at stop
      createFile: (path) => {
        const parts: Uint8Array[] = [];
        return {
          append: (bytes) => parts.push(bytes),
          close: () => recorded.set(path, Buffer.concat(parts)),
        };
      },
    };
    return MpMachine.boot(new BenchMachine(cfg, o, host, recorded));
  }
}

interface Resolution {
  step: number;
  family: 4 | 6;
  /** ms from the packet's batch */
  requestMs: number;
  replyMs: number;
  releaseMs: number;
}

const tsMs = (f: CapturedFrame) => f.tsSec * 1000 + f.tsNsec / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function resolutionLatency(): Promise<{
  runs: Resolution[];
  counters: Record<string, number>;
  downDrops: number;
}> {
  const cfg = parseConfig(engineConfig(), 'bench/nbr-engine.yaml', process.cwd());
  const wires = new Map([
    ['wm0', wire0()],
    ['wm1', wire1()],
  ]);
  const e = await BenchMachine.start(cfg, { cpus: 2, engine: 'wasm', batch: 256 }, wires);
  e.interrupts.affinity('wm1 txrx0', 1); // the request leaves one CPU, the reply comes in on the other
  await sleep(200);
  for (let k = 0; k < STEPS; k++) {
    e.setLimit('wm0 txrx0', 1 + 2 * (k + 1)); // the packet and its marker, in one batch
    await sleep(WIRE_MS);
    e.setLimit('wm1 txrx0', 1 + 2 * (k + 1)); // the gateway's reply and its marker
    await sleep(STEP_MS - WIRE_MS);
  }
  await sleep(200);
  await e.stop();
  const counters = e.stats.netstatS(false).counters;
  const cap = (name: string) => readCapture(e.recorded.get(name)!, name).frames;
  const out0 = cap('wm0');
  const out1 = cap('wm1');
  const isArpReplyTo = (f: Uint8Array, ip: Uint8Array) =>
    f[12] === 0x08 && f[13] === 0x06 && f[21] === 2 && f.subarray(38, 42).join('.') === ip.join('.');
  const marks0 = out0.filter((f) => isArpReplyTo(f.data, HOST0.ip4)).map(tsMs);
  const marks1 = out1.filter((f) => isArpReplyTo(f.data, MARK1.ip4)).map(tsMs);
  if (marks0.length !== STEPS + 1 || marks1.length !== STEPS + 1)
    throw new Error(`markers answered: wm0 ${marks0.length}, wm1 ${marks1.length}, expected ${STEPS + 1} each`);
  const runs: Resolution[] = [];
  for (let k = 0; k < STEPS; k++) {
    const family = k % 2 === 0 ? 4 : 6;
    const miss = marks0[k + 1]!;
    const reply = marks1[k + 1]!;
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
    const request = out1.find((f) =>
      family === 4
        ? f.data[12] === 0x08 && f.data[13] === 0x06 && f.data[21] === 1 && same(f.data.subarray(38, 42), gw4(k))
        : f.data[12] === 0x86 && f.data[13] === 0xdd && f.data[54] === 135 && same(f.data.subarray(62, 78), gw6(k)),
    );
    const released = out1.find((f) =>
      family === 4
        ? f.data[12] === 0x08 && f.data[13] === 0x00 && same(f.data.subarray(30, 34), dst4(k))
        : f.data[12] === 0x86 && f.data[13] === 0xdd && same(f.data.subarray(38, 54), dst6(k)),
    );
    if (!request || !released) throw new Error(`step ${k}: request ${!!request}, release ${!!released}`);
    if (!same(released.data.subarray(0, 6), gwMac(k))) throw new Error(`step ${k}: released to the wrong MAC`);
    const requestMs = tsMs(request) - miss;
    if (tsMs(request) > reply) throw new Error(`step ${k}: the reply came before the request left; raise WIRE_MS`);
    runs.push({ step: k, family, requestMs, replyMs: reply - miss, releaseMs: tsMs(released) - miss });
  }
  return { runs, counters, downDrops: e.nbrDownDrops };
}

// ---- the suite ------------------------------------------------------------------------------------

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

export async function runNbr(opts: SuiteOptions = {}): Promise<SuiteReport> {
  const t0 = Date.now();
  console.log('Running "nbr" suite...');
  const clockNs = clockCostNs();
  const rates: AnswerRate[] = [];
  for (const kind of ['arp', 'ns'] as const)
    for (const engine of KERNEL_IMPLS) {
      const r = answerRate(kind, engine, clockNs);
      rates.push(r);
      console.log(
        `  ${kind} [${engine}]: Stack.forward ${num(r.forwardPps / 1e6)} M answers/s, fwd_batch ${num(r.dataPathPps / 1e6)} M/s`,
      );
    }
  const lat = await resolutionLatency();
  const stat = (f: (r: Resolution) => number, fam?: 4 | 6) => {
    const xs = lat.runs.filter((r) => !fam || r.family === fam).map(f);
    return { median: median(xs), p90: quantile(xs, 0.9), max: Math.max(...xs), min: Math.min(...xs), n: xs.length };
  };
  const latRows: (string | number)[][] = [];
  const latJson: Record<string, unknown> = {};
  for (const fam of [4, 6] as const) {
    const parts = {
      'miss -> request out': stat((r) => r.requestMs, fam),
      'reply in -> release': stat((r) => r.releaseMs - r.replyMs, fam),
      'miss -> release (engine only: less the wire wait)': stat((r) => r.requestMs + r.releaseMs - r.replyMs, fam),
      [`miss -> release (with the ${WIRE_MS} ms wire)`]: stat((r) => r.releaseMs, fam),
    };
    for (const [what, s] of Object.entries(parts)) {
      latRows.push([
        fam === 4 ? 'IPv4 (ARP)' : 'IPv6 (NS)',
        what,
        s.n,
        num(s.min),
        num(s.median),
        num(s.p90),
        num(s.max),
      ]);
      latJson[`v${fam} ${what}`] = {
        n: s.n,
        minMs: sig(s.min),
        medianMs: sig(s.median),
        p90Ms: sig(s.p90),
        maxMs: sig(s.max),
      };
    }
  }
  const rateRows = rates.map((r) => [
    r.kind === 'arp' ? 'ARP request -> reply' : 'NS -> NA',
    r.engine,
    num(r.forwardPps / 1e6),
    num(1e9 / r.forwardPps),
    `${num(r.forwardSamples[0]! / 1e6)}-${num(r.forwardSamples.at(-1)! / 1e6)}`,
    `${r.forwardAnswered}/${r.forwardRequests}`,
    num(r.dataPathPps / 1e6),
    num(1e9 / r.dataPathPps),
    `${num(r.dataPathRepliesPerRx)}`,
    r.learned,
    num(r.eventsLostPerRequest),
  ]);
  const c = lat.counters;
  const text = [
    `Neighbor discovery: answers per second, one core, batches of ${BATCH} requests for the router's wm0 address from ${HOSTS} hosts; median of ${SAMPLES} samples x ${SAMPLE_MS} ms`,
    table(
      [
        'request',
        'engine',
        'Stack.forward M/s',
        'ns/request',
        'spread M/s',
        'answered',
        'fwd_batch M/s',
        'ns/request',
        'answers/request',
        'learned',
        'events lost/request',
      ],
      rateRows,
    ),
    `  Stack.forward: the whole call (copy in, rss_batch + fwd_batch, results read back, the neighbor cache's step: senders learned);`,
    `  learned: entries in the table after the run; events lost: learn events the 64-slot event ring had no room for (nbr-events-lost), per request;`,
    `  fwd_batch: the data path alone (as pipeline's stack only, minus ${num(clockNs)} ns per clock read), nothing drains the event ring`,
    `Resolution in the engine (2 CPUs, WASM; request out of CPU 0's wm1 TX, reply in on CPU 1), ${STEPS} resolutions, ms:`,
    table(['family', 'interval', 'n', 'min', 'median', 'p90', 'max'], latRows),
    `  the gateway answers ${WIRE_MS} ms after the packet; the neighbor cache's step runs every 5 ms on the main thread;` +
      ` counters: arp-requests-out ${c['arp-requests-out']}, nd-solicits-out ${c['nd-solicits-out']}, nbr-held ${c['nbr-held']},` +
      ` nbr-released ${c['nbr-released']}, nbr-hold-overflow ${c['nbr-hold-overflow']}, down-ring drops ${lat.downDrops}`,
  ].join('\n');
  const jsonPath = writeResults('nbr', {
    method: {
      batch: BATCH,
      hosts: HOSTS,
      sampleMs: SAMPLE_MS,
      samples: SAMPLES,
      warmMs: WARM_MS,
      clockReadNs: sig(clockNs),
      forward:
        'Stack.forward(256 requests, now) timed alone (process.hrtime.bigint around the call); answers counted after each call, one per request required',
      dataPath: 'fwd_batch alone via SplitDriver.runSplit (as pipeline.ts stack only); the event ring is not drained',
      engine: `NodeMachine-like engine (2 CPUs, wasm, batch 256), pcap driver from memory; ${STEPS} resolutions ${STEP_MS} ms apart, alternately ARP and NS; the gateway's reply ${WIRE_MS} ms after the packet; times from the capture rings' stamps (the CPUs' batch clocks), a data-path-answered marker in the packet's and the reply's batch`,
    },
    answers: rates.map((r) => ({
      request: r.kind,
      engine: r.engine,
      forwardPerS: sig(r.forwardPps),
      forwardSamplesPerS: r.forwardSamples.map((x) => sig(x)),
      forwardAnswered: r.forwardAnswered,
      forwardRequests: r.forwardRequests,
      dataPathPerS: sig(r.dataPathPps),
      dataPathSamplesPerS: r.dataPathSamples.map((x) => sig(x)),
      dataPathTxPerRx: sig(r.dataPathTxPerRx),
      dataPathAnswersPerRx: sig(r.dataPathRepliesPerRx),
      learned: r.learned,
      learnEventsLostPerRequest: sig(r.eventsLostPerRequest),
    })),
    resolution: {
      summary: latJson,
      samples: lat.runs.map((r) => ({
        ...r,
        requestMs: sig(r.requestMs),
        replyMs: sig(r.replyMs),
        releaseMs: sig(r.releaseMs),
      })),
      counters: Object.fromEntries(
        ['arp-requests-out', 'nd-solicits-out', 'nbr-held', 'nbr-released', 'nbr-hold-overflow', 'nbr-timeouts'].map(
          (k) => [k, c[k]],
        ),
      ),
      downRingDrops: lat.downDrops,
    },
    durationS: (Date.now() - t0) / 1000,
  });
  if (opts.print !== false) console.log('\n' + text + `\n  results: ${jsonPath}\n`);
  return { suite: 'nbr', text, jsonPath };
}

if (isMain(import.meta.url)) await runNbr();
