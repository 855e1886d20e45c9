// Whole-pipeline suite: frames per second through RSS + the forwarding pipeline on one core, WASM
// and TS engines side by side, 64-byte frames (60 bytes without FCS), batches of 256 in cache.
//
// Two numbers per case and engine:
//   stack only   fwd_batch alone. SplitDriver.runSplit reads the clock between the traffic source's
//                steps and fwd_batch (gen_fill | rss_batch | fwd_batch, one read between each), and
//                only fwd_batch's interval counts, minus the measured cost of one clock read. The
//                source's two steps are reported per frame beside it, timed the same way.
//   end to end   gen_fill + rss_batch + fwd_batch with no clock inside the loop: ts/scenario's
//                measureRate over its PipelineDriver where the templates allow it (one length, one
//                ingress port, no vlan tag), otherwise the same method over SplitDriver.run().
// Every number is the median of several timed samples after a warm-up (which also fills the
// ipflow cache). Why not benny here: a benny op would have to be one whole batch (gen_fill +
// rss_batch + fwd_batch), so it cannot leave the traffic source out of "stack only"; and
// benchmark.js's per-case calibration would eat most of the time budget.
//
// The mixed case needs what PipelineDriver cannot do: templates of different lengths, two ingress
// ports, and vlan frames. fwd_batch rewrites a vlan frame's PD_RXIF to the vlan interface (as its
// contract says); PipelineDriver sets PD_RXIF once, so from the second batch on every vlan frame it
// replays arrives "on the vlan interface" and is dropped as vlan-unknown. SplitDriver re-writes
// PD_LEN and PD_RXIF of every descriptor after gen_fill, as a NIC fills its descriptors (timed
// with gen_fill, as traffic source, not as stack).
import { BUF_HEADROOM, BUF_SIZE, PD_SIZE, PD_BUF, PD_LEN, PD_RXIF } from '../assembly/layout.js';
import type { Config } from '../ts/config/schema.js';
import { KERNEL_IMPLS, type KernelImpl } from '../ts/stack/kernels.js';
import { Stack } from '../ts/stack/stack.js';
import { buildFrame } from '../ts/packet/build.js';
import { parseConfig } from '../ts/config/load.js';
import { PipelineDriver, measureRate, type Rate } from '../ts/scenario/pipeline-driver.js';
import { defaultRouterYaml, defaultScenarioConfig } from '../ts/scenario/default.js';
import { rng } from '../ts/scenario/routes-gen.js';
import { defaultTraffic } from '../ts/scenario/traffic.js';
import { type SuiteOptions, type SuiteReport, isMain, median, num, sig, table, writeResults } from './common.js';

const BATCH = 256;
const FRAME = 60; // 64-byte frames on the wire, without the FCS
const SAMPLE_MS = 150;
const SAMPLES = 5;
const WARM_MS = 150;
const NOW_MS = 1; // one batch clock for every batch, as PipelineDriver does

/** Templates up to this length are copied by gen_fill; longer ones are finished by the TS fill-up. */
const SMALL_COPY = 128;

export interface Template {
  data: Uint8Array;
  ifindex: number;
}

/**
 * A traffic source + pipeline driver like ts/scenario/pipeline-driver.ts's, which can also time
 * fwd_batch on its own and replay mixed templates.
 *
 * Templates sit in the cluster pool above the batch's receive clusters, `stride` bytes apart, each
 * holding its first `copyLen` bytes; gen_fill copies copyLen bytes of template (seq + i) % count into
 * descriptor i. With mixed templates (lengths, ingress ports or vlan tags differ), the template
 * count must be a multiple of the batch, so descriptor i of the batch at seq always gets template
 * seq + i: the fill-up then writes each descriptor's true PD_LEN and PD_RXIF from per-phase tables
 * and copies the whole of every template longer than copyLen from its own area. The free-cluster
 * stack is left empty, as PipelineDriver leaves it: ICMP errors and fragments become no-buffers drops.
 */
export class SplitDriver {
  readonly count: number;
  readonly copyLen: number;
  readonly stride: number;
  readonly mixed: boolean;
  private seq = 0;
  readonly ctx: number;
  private readonly pd0: number;
  private readonly tmpl: number;
  private readonly dv: DataView;
  private readonly u8: Uint8Array;
  private readonly lenByPhase: Uint16Array[] = [];
  private readonly rxifByPhase: Uint16Array[] = [];
  /** per phase: (dst buffer, src template, length) triples of the long templates */
  private readonly longByPhase: Uint32Array[] = [];
  /** the port gen_fill writes into every descriptor (mixed templates then rewrite it per frame) */
  private readonly rxif0: number;

  constructor(
    readonly stack: Stack,
    templates: readonly Template[],
  ) {
    const { L, k } = stack;
    const n = stack.batch;
    const cpu = L.cpu[0]!;
    this.ctx = cpu.ctx;
    this.pd0 = cpu.pd;
    this.count = templates.length;
    this.rxif0 = templates[0]!.ifindex;
    const lens = templates.map((t) => t.data.length);
    const small = lens.filter((l) => l <= SMALL_COPY);
    this.copyLen = small.length ? Math.max(...small) : Math.max(...lens);
    const tagged = templates.some((t) => t.data[12] === 0x81 && t.data[13] === 0x00);
    this.mixed =
      tagged || lens.some((l) => l !== lens[0]) || templates.some((t) => t.ifindex !== templates[0]!.ifindex);
    if (this.mixed && this.count % n !== 0)
      throw new Error(`mixed templates: count ${this.count} must be a multiple of the batch ${n}`);
    this.stride = Math.ceil(this.copyLen / 64) * 64;
    this.tmpl = L.clusters + n * BUF_SIZE;
    const limit = L.clusters + L.sizes.clusters * BUF_SIZE;
    this.dv = new DataView(k.memory.buffer);
    this.u8 = new Uint8Array(k.memory.buffer);
    let longTop = this.tmpl + this.count * this.stride;
    const longAt: number[] = [];
    templates.forEach((t, i) => {
      this.u8.set(t.data.subarray(0, Math.min(t.data.length, this.copyLen)), this.tmpl + i * this.stride);
      if (t.data.length > this.copyLen) {
        longAt[i] = longTop;
        this.u8.set(t.data, longTop);
        longTop += Math.ceil(t.data.length / 64) * 64;
      }
    });
    if (longTop > limit)
      throw new Error(`templates need ${longTop - this.tmpl} bytes, the pool has ${limit - this.tmpl}`);
    const bufOf = (i: number) => L.clusters + i * BUF_SIZE + BUF_HEADROOM;
    const phases = this.mixed ? this.count / n : 1;
    for (let p = 0; p < phases; p++) {
      this.lenByPhase.push(Uint16Array.from({ length: n }, (_, i) => lens[(p * n + i) % this.count]!));
      this.rxifByPhase.push(Uint16Array.from({ length: n }, (_, i) => templates[(p * n + i) % this.count]!.ifindex));
      const longs: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = (p * n + i) % this.count;
        if (longAt[t] !== undefined) longs.push(bufOf(i), longAt[t]!, lens[t]!);
      }
      this.longByPhase.push(Uint32Array.from(longs));
    }
    for (let i = 0; i < n; i++) {
      const pd = this.pd0 + i * PD_SIZE;
      this.dv.setUint32(pd + PD_BUF, bufOf(i), true);
      this.dv.setUint16(pd + PD_RXIF, templates[i % this.count]!.ifindex, true);
    }
    this.dv.setUint32(cpu.free, 0, true);
  }

  /** The NIC stand-in: gen_fill, then for mixed templates the descriptor fill-up. */
  fill(): void {
    const { k, batch } = this.stack;
    const seq = this.seq;
    this.seq = k.gen_fill(this.ctx, batch, this.tmpl, this.stride, this.count, this.copyLen, seq, this.rxif0);
    if (this.mixed) {
      const p = seq / batch;
      const lens = this.lenByPhase[p]!;
      const rxif = this.rxifByPhase[p]!;
      const dv = this.dv;
      for (let i = 0, pd = this.pd0; i < batch; i++, pd += PD_SIZE) {
        dv.setUint16(pd + PD_LEN, lens[i]!, true);
        dv.setUint16(pd + PD_RXIF, rxif[i]!, true);
      }
      const lg = this.longByPhase[p]!;
      for (let j = 0; j < lg.length; j += 3) this.u8.copyWithin(lg[j]!, lg[j + 1]!, lg[j + 1]! + lg[j + 2]!);
    }
  }

  /** Runs `batches` batches end to end, no clock inside; returns frames. */
  run(batches: number): number {
    const { k, batch } = this.stack;
    for (let b = 0; b < batches; b++) {
      this.fill();
      k.rss_batch(this.ctx, batch);
      k.fwd_batch(this.ctx, batch, NOW_MS);
    }
    return batches * batch;
  }

  /**
   * Runs `batches` batches, timing the fill (gen_fill + fill-up), rss_batch and fwd_batch apart
   * (ns; each interval includes the cost of one clock read).
   */
  runSplit(batches: number): { frames: number; genNs: number; rssNs: number; fwdNs: number } {
    const { k, batch } = this.stack;
    const clock = process.hrtime.bigint;
    let gen = 0n;
    let rss = 0n;
    let fwd = 0n;
    let t0 = clock();
    for (let b = 0; b < batches; b++) {
      this.fill();
      const t1 = clock();
      k.rss_batch(this.ctx, batch);
      const t2 = clock();
      k.fwd_batch(this.ctx, batch, NOW_MS);
      const t3 = clock();
      gen += t1 - t0;
      rss += t2 - t1;
      fwd += t3 - t2;
      t0 = t3;
    }
    return { frames: batches * batch, genNs: Number(gen), rssNs: Number(rss), fwdNs: Number(fwd) };
  }
}

/** Cost of one process.hrtime.bigint() read as seen between two reads (median, ns). */
export function clockCostNs(): number {
  const clock = process.hrtime.bigint;
  const runs: number[] = [];
  for (let r = 0; r < 41; r++) {
    let acc = 0n;
    for (let i = 0; i < 2000; i++) {
      const a = clock();
      const b = clock();
      acc += b - a;
    }
    runs.push(Number(acc) / 2000);
  }
  return median(runs);
}

/** measureRate (warm-up, growing chunks, median of samples) over any run(batches) loop. */
function measureRun(run: (batches: number) => number, sampleMs = SAMPLE_MS, samples = SAMPLES, warmMs = WARM_MS): Rate {
  return measureRate({ run }, sampleMs, samples, warmMs);
}

interface SplitRate {
  stackPps: number;
  stackSamples: number[];
  genNsPerFrame: number;
  rssNsPerFrame: number;
  genSamples: number[];
  rssSamples: number[];
}

/** Stack-only frames/s: fwd_batch time only, minus one clock read per batch; median of samples. */
function measureSplit(d: SplitDriver, clockNs: number): SplitRate {
  const timed = (ms: number) => {
    let frames = 0,
      gen = 0,
      rss = 0,
      fwd = 0,
      batches = 0,
      chunk = 16;
    const t0 = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - t0) / 1e6 < ms) {
      const r = d.runSplit(chunk);
      frames += r.frames;
      gen += r.genNs;
      rss += r.rssNs;
      fwd += r.fwdNs;
      batches += chunk;
      if (chunk < 1024) chunk *= 2;
    }
    const less = batches * clockNs;
    return { stackPps: frames / ((fwd - less) / 1e9), gen: (gen - less) / frames, rss: (rss - less) / frames };
  };
  timed(WARM_MS);
  const s = Array.from({ length: SAMPLES }, () => timed(SAMPLE_MS));
  const sorted = (f: (x: (typeof s)[number]) => number) => s.map(f).sort((a, b) => a - b);
  const stackSamples = sorted((x) => x.stackPps);
  const genSamples = sorted((x) => x.gen);
  const rssSamples = sorted((x) => x.rss);
  return {
    stackPps: median(stackSamples),
    stackSamples,
    genNsPerFrame: median(genSamples),
    rssNsPerFrame: median(rssSamples),
    genSamples,
    rssSamples,
  };
}

// ---- workloads -----------------------------------------------------------------------------------

export interface Workload {
  id: string;
  title: string;
  config: () => Config;
  templates: (cfg: Config) => Template[];
  kind: 'fast' | 'normal' | 'mixed' | 'bridge' | 'gif';
  describe: (t: Template[]) => string;
}

const HOST_MAC = Uint8Array.of(2, 0, 0, 0, 0xaa, 0x10);
const HOST_IP = Uint8Array.of(192, 0, 2, 10);

/** `n` 60-byte UDP frames from the wm0 host to distinct hosts inside the config's generated IPv4 routes. */
function udpFrames(cfg: Config, n: number, seed: number): Template[] {
  const wm0 = cfg.interfaces.find((i) => i.name === 'wm0')!;
  const routes = cfg.routes.filter((x) => x.family === 4 && x.type === 'unicast' && x.via);
  const r = rng(seed);
  const seen = new Set<string>();
  const out: Template[] = [];
  while (out.length < n) {
    const rt = routes[Math.floor(r() * routes.length)]!;
    const d = Uint8Array.from(rt.dst);
    for (let bit = rt.plen; bit < 32; bit++) if (r() < 0.5) d[bit >> 3]! |= 0x80 >> (bit & 7);
    d[3]! |= 1; // never the network address itself
    if (seen.has(d.join('.'))) continue;
    seen.add(d.join('.'));
    const data = buildFrame({
      dstMac: wm0.mac,
      srcMac: HOST_MAC,
      src: HOST_IP,
      dst: d,
      proto: 'udp',
      sport: 10000 + (out.length & 1023),
      dport: 443,
      minFrame: FRAME,
    });
    out.push({ data, ifindex: wm0.index });
  }
  return out;
}

function fastCase(flows: number): Workload {
  return {
    id: `fast-${flows}`,
    title: `(a) fast path, ${flows} flows`,
    kind: 'fast',
    config: () => defaultScenarioConfig(),
    templates: (cfg) => udpFrames(cfg, flows, 100 + flows),
    describe: (t) =>
      `${t.length} UDP flows (one template each, ${t[0]!.data.length} B), ipflow on; default scenario (400 IPv4 routes, fib compiled), ipflow hashsize 2048 / maxflows 1024`,
  };
}

/** (b): fastforward off, so every frame takes the normal path's IPv4 lookup through `fib`. */
function normalCase(fib: 'compiled' | 'radix'): Workload {
  return {
    id: fib === 'compiled' ? 'normal-1k' : 'normal-1k-radix',
    title: `(b) normal path, 1k routes, fib ${fib}`,
    kind: 'normal',
    config: () => {
      const c = defaultScenarioConfig({ v4Routes: 1000 });
      c.fastforward = false;
      c.fib = fib;
      return c;
    },
    templates: (cfg) => udpFrames(cfg, 1024, 7),
    describe: (t) =>
      `${t.length} templates (${t[0]!.data.length} B UDP), destinations spread over the 1,000 generated IPv4 routes ` +
      `(generateRoutes, seed 2016), fastforward off, IPv4 lookup through fib: ${fib}${fib === 'compiled' ? ' (the default)' : ''}`,
  };
}

/**
 * (d): bridge(4) forwarding between two members, every destination learned: 512 stations behind
 * wm1 talk to 512 behind wm2 and back (1,024 learned MACs after the warm-up's first batches), each
 * frame switched to the member the FDB names (known unicast: no copy).
 */
const BRIDGE_STATIONS = 512;
function bridgeCase(): Workload {
  const station = (side: number, i: number) => Uint8Array.of(2, 0x62, side, 0, i >> 8, i & 0xff);
  return {
    id: 'bridge-1k',
    title: '(d) bridge, 1k learned MACs',
    kind: 'bridge',
    config: () =>
      parseConfig(
        `interfaces:
  - { name: wm1, mac: 02:00:00:00:00:01 }
  - { name: wm2, mac: 02:00:00:00:00:02 }
  - { name: bridge0, bridge: { members: [wm1, wm2], maxaddr: 2048, timeout: 1200 }, addresses: [198.51.100.1/24] }
`,
        '<bench>',
        '.',
      ),
    templates: (cfg) => {
      const [wm1, wm2] = [cfg.interfaces[0]!.index, cfg.interfaces[1]!.index];
      const out: Template[] = [];
      for (let i = 0; i < BRIDGE_STATIONS; i++) {
        const a = station(1, i);
        const b = station(2, i);
        const f = (src: Uint8Array, dst: Uint8Array, sip: number, dip: number) =>
          buildFrame({
            dstMac: dst,
            srcMac: src,
            src: Uint8Array.of(198, 51, 100, sip),
            dst: Uint8Array.of(198, 51, 100, dip),
            proto: 'udp',
            sport: 10000 + i,
            dport: 443,
            minFrame: FRAME,
          });
        out.push({ data: f(a, b, 10, 20), ifindex: wm1 }, { data: f(b, a, 20, 10), ifindex: wm2 });
      }
      return out;
    },
    describe: (t) =>
      `${t.length} templates (${t[0]!.data.length} B UDP), ${BRIDGE_STATIONS} stations behind each of two members of bridge0 ` +
      'sending to each other (alternating ingress ports), every MAC learned after the warm-up: known unicast, switched without a copy; maxaddr 2048',
  };
}

/**
 * The default scenario (its 400 generated IPv4 routes) with gif0, a tunnel from wm1's address to the
 * gateway on wm1 (198.51.100.1 -> 198.51.100.254, a static neighbor), and 10.200.0.0/16 routed into it.
 */
function gifConfig(): Config {
  const yaml = defaultRouterYaml()
    .replace(
      '\nneighbors:',
      '\n  - { name: gif0, gif: { src: 198.51.100.1, dst: 198.51.100.254 }, addresses: [10.20.0.1/30] }\nneighbors:',
    )
    .replace('\nroutes:\n', '\nroutes:\n  - { dst: 10.200.0.0/16, via: 10.20.0.2, dev: gif0 }\n');
  return parseConfig(yaml, '<bench gif>', '.');
}

/** (e) encapsulation: `n` 60-byte UDP frames from the wm0 host to distinct hosts of 10.200.0.0/16, through gif0. */
function gifEncapFrames(cfg: Config, n: number): Template[] {
  const wm0 = cfg.interfaces.find((i) => i.name === 'wm0')!;
  return Array.from({ length: n }, (_, i) => ({
    data: buildFrame({
      dstMac: wm0.mac,
      srcMac: HOST_MAC,
      src: HOST_IP,
      dst: Uint8Array.of(10, 200, i >> 8, (i & 255) | 1),
      proto: 'udp',
      sport: 10000 + i,
      dport: 443,
      minFrame: FRAME,
    }),
    ifindex: wm0.index,
  }));
}

/**
 * (f) decapsulation: the 60-byte frames of udpFrames (46 bytes of IPv4 each: 64-byte frames on the
 * wire once decapsulated) inside an IPv4 header from the tunnel's remote end to wm1's address,
 * protocol 4, received on wm1: 80-byte frames.
 */
function gifDecapFrames(cfg: Config, n: number): Template[] {
  const wm1 = cfg.interfaces.find((i) => i.name === 'wm1')!;
  return udpFrames(cfg, n, 11).map((t) => {
    const l3 = t.data.subarray(14, 14 + ((t.data[16]! << 8) | t.data[17]!));
    const f = new Uint8Array(14 + 20 + l3.length);
    f.set(wm1.mac, 0);
    f.set(Uint8Array.of(2, 0, 0, 0, 0xbb, 0xfe), 6);
    f.set([0x08, 0x00, 0x45, 0, 0, 20 + l3.length, 0, 0, 0, 0, 64, 4, 0, 0, 198, 51, 100, 254, 198, 51, 100, 1], 12);
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (f[i]! << 8) | f[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    f[24] = (~sum >> 8) & 0xff;
    f[25] = ~sum & 0xff;
    f.set(l3, 34);
    return { data: f, ifindex: wm1.index };
  });
}

export const WORKLOADS: Workload[] = [
  fastCase(32),
  fastCase(256),
  normalCase('compiled'),
  normalCase('radix'),
  {
    id: 'mixed',
    title: '(c) default scenario mix',
    kind: 'mixed',
    config: () => defaultScenarioConfig(),
    templates: (cfg) => defaultTraffic(cfg, 1024, 1).map((f) => ({ data: f.data, ifindex: f.ifindex })),
    describe: (t) => {
      const byLen = new Map<string, number>();
      for (const x of t) {
        const l = x.data.length;
        const k = l < 60 ? '<60 (truncated)' : l <= 60 ? '60' : l <= SMALL_COPY ? `61-${SMALL_COPY}` : `>${SMALL_COPY}`;
        byLen.set(k, (byLen.get(k) ?? 0) + 1);
      }
      const lens = [...byLen].map(([k, v]) => `${k} B: ${v}`).join(', ');
      return (
        `defaultTraffic(config, 1024, seed 1), cycled in order with their own lengths and ingress ports (${lens}); ` +
        'not padded: gen_fill copies 80 B, the fill-up sets each PD_LEN/PD_RXIF and copies the long frames whole'
      );
    },
  },
  bridgeCase(),
  {
    id: 'gif-encap',
    title: '(e) gif encapsulation',
    kind: 'gif',
    config: gifConfig,
    templates: (cfg) => gifEncapFrames(cfg, 256),
    describe: (t) =>
      `${t.length} UDP flows (${t[0]!.data.length} B) to 10.200.0.0/16, routed into gif0 (IPv4 in IPv4, 198.51.100.1 -> ` +
      '198.51.100.254 on wm1): inner lookup, encapsulation, outer lookup and neighbor; default scenario, fib compiled, ipflow on (it does not cache tunnel output)',
  },
  {
    id: 'gif-decap',
    title: '(f) gif decapsulation',
    kind: 'gif',
    config: gifConfig,
    templates: (cfg) => gifDecapFrames(cfg, 256),
    describe: (t) =>
      `${t.length} flows of IPv4 in IPv4 (${t[0]!.data.length} B frames, 46-byte inner packets: 64-byte frames once ` +
      'decapsulated) from 198.51.100.254 to 198.51.100.1 on wm1: encap table lookup, then the inner packet takes the ipflow fast path out wm0/wm2',
  },
];

// ---- running -------------------------------------------------------------------------------------

interface EngineResult {
  engine: KernelImpl;
  /** IPv4 lookup backend the stack used */
  fib: string;
  stackOnly: { pps: number; nsPerFrame: number; samples: number[] };
  endToEnd: { pps: number; nsPerFrame: number; samples: number[]; via: string };
  ownDriverEndToEnd?: { pps: number; samples: number[] };
  genNsPerFrame: { median: number; samples: number[] };
  rssNsPerFrame: { median: number; samples: number[] };
  paths: Record<string, number>;
  topDrops: Record<string, number>;
  ipflowHitRatio: number | null;
}

const pct = (x: number) => Math.round(x * 1000) / 10;

function runEngine(w: Workload, engine: KernelImpl, clockNs: number): EngineResult {
  // One stack per case and engine (a compiled FIB alone is 32 MiB of tbl24); the drivers below lay
  // out the same templates and descriptors in it, and the warm-ups re-warm the ipflow cache.
  const cfg = w.config();
  const stack = new Stack(cfg, { engine, batch: BATCH });
  const templates = w.templates(cfg);
  const d = new SplitDriver(stack, templates);
  // end to end
  let endToEnd: EngineResult['endToEnd'];
  let ownDriverEndToEnd: EngineResult['ownDriverEndToEnd'];
  if (!d.mixed) {
    const pdrv = new PipelineDriver(
      stack,
      templates.map((t) => t.data),
      templates[0]!.ifindex,
    );
    const r = measureRate(pdrv, SAMPLE_MS, SAMPLES, WARM_MS);
    endToEnd = {
      pps: r.pps,
      nsPerFrame: r.nsPerFrame,
      samples: r.samples,
      via: 'ts/scenario measureRate(PipelineDriver)',
    };
    const dx = new SplitDriver(stack, templates); // re-lays the descriptors PipelineDriver set up
    const o = measureRun((b) => dx.run(b));
    ownDriverEndToEnd = { pps: o.pps, samples: o.samples };
  } else {
    const r = measureRun((b) => d.run(b));
    endToEnd = { pps: r.pps, nsPerFrame: r.nsPerFrame, samples: r.samples, via: 'SplitDriver.run (mixed templates)' };
  }
  // stack only; the counters' change over this run gives the path mix
  const ds = new SplitDriver(stack, templates);
  const before = stack.counters();
  const sp = measureSplit(ds, clockNs);
  const after = stack.counters();
  const c: Record<string, number> = {};
  for (const k of Object.keys(after)) c[k] = after[k]! - (before[k] ?? 0);
  const rx = c['rx-frames']!;
  const paths = Object.fromEntries(['fast', 'normal', 'bridge', 'local', 'drop'].map((p) => [p, pct(c[p]! / rx)]));
  const drops = Object.entries(c)
    .filter(([k, v]) => k.startsWith('reason:') && v > 0)
    .sort((a, b) => b[1] - a[1]);
  const topDrops = Object.fromEntries(drops.slice(0, 6).map(([k, v]) => [k.slice(7), pct(v / rx)]));
  const hm = c['ipflow-hit']! + c['ipflow-miss']!;
  return {
    engine,
    fib: stack.fib,
    stackOnly: { pps: sp.stackPps, nsPerFrame: 1e9 / sp.stackPps, samples: sp.stackSamples },
    endToEnd,
    ownDriverEndToEnd,
    genNsPerFrame: { median: sp.genNsPerFrame, samples: sp.genSamples },
    rssNsPerFrame: { median: sp.rssNsPerFrame, samples: sp.rssSamples },
    paths,
    topDrops,
    ipflowHitRatio: hm ? pct(c['ipflow-hit']! / hm) : null,
  };
}

export async function runPipeline(opts: SuiteOptions = {}): Promise<SuiteReport> {
  const t0 = Date.now();
  console.log('Running "pipeline" suite...');
  const clockNs = clockCostNs();
  const cases: { workload: Workload; description: string; engines: EngineResult[] }[] = [];
  for (const w of WORKLOADS) {
    const probe = w.templates(w.config());
    const description = w.describe(probe);
    const engines: EngineResult[] = [];
    for (const engine of KERNEL_IMPLS) {
      const r = runEngine(w, engine, clockNs);
      engines.push(r);
      console.log(
        `  ${w.title} [${engine}]: stack only ${num(r.stackOnly.pps / 1e6)} Mpps, end to end ${num(r.endToEnd.pps / 1e6)} Mpps`,
      );
    }
    cases.push({ workload: w, description, engines });
  }

  // ---- tables --------------------------------------------------------------------------------------
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    const [wa, ts] = [c.engines.find((e) => e.engine === 'wasm')!, c.engines.find((e) => e.engine === 'ts')!];
    for (const e of [wa, ts]) {
      rows.push([
        e.engine === 'wasm' ? c.workload.title : '',
        e.engine,
        num(e.stackOnly.pps / 1e6),
        num(e.stackOnly.nsPerFrame),
        num(e.endToEnd.pps / 1e6),
        num(e.endToEnd.nsPerFrame),
        num(e.genNsPerFrame.median),
        num(e.rssNsPerFrame.median),
        `${e.paths.bridge ? `bridge ${e.paths.bridge} + ` : ''}${e.paths.fast}/${e.paths.normal}/${e.paths.local}/${e.paths.drop}`,
      ]);
    }
    rows.push([
      '',
      'WASM/TS',
      `${num(wa.stackOnly.pps / ts.stackOnly.pps)}x`,
      '',
      `${num(wa.endToEnd.pps / ts.endToEnd.pps)}x`,
      '',
      '',
      '',
      '',
    ]);
  }

  const wasm = (id: string) => cases.find((c) => c.workload.id === id)!.engines.find((e) => e.engine === 'wasm')!;
  const tsE = (id: string) => cases.find((c) => c.workload.id === id)!.engines.find((e) => e.engine === 'ts')!;
  const targets: {
    target: string;
    caseId: string;
    metric: 'stack only' | 'end to end';
    value: number;
    goal: number;
    unit: string;
  }[] = [];
  for (const id of ['fast-32', 'fast-256']) {
    targets.push({
      target: 'fast path >= 50 Mpps (WASM)',
      caseId: id,
      metric: 'stack only',
      value: wasm(id).stackOnly.pps / 1e6,
      goal: 50,
      unit: 'Mpps',
    });
    targets.push({
      target: 'fast path >= 50 Mpps (WASM)',
      caseId: id,
      metric: 'end to end',
      value: wasm(id).endToEnd.pps / 1e6,
      goal: 50,
      unit: 'Mpps',
    });
  }
  targets.push({
    target: 'bridge, 1,000 learned MACs >= 30 Mpps (WASM)',
    caseId: 'bridge-1k',
    metric: 'stack only',
    value: wasm('bridge-1k').stackOnly.pps / 1e6,
    goal: 30,
    unit: 'Mpps',
  });
  for (const id of ['normal-1k', 'normal-1k-radix']) {
    targets.push({
      target: 'normal path, 1k routes >= 20 Mpps (WASM)',
      caseId: id,
      metric: 'stack only',
      value: wasm(id).stackOnly.pps / 1e6,
      goal: 20,
      unit: 'Mpps',
    });
    targets.push({
      target: 'normal path, 1k routes >= 20 Mpps (WASM)',
      caseId: id,
      metric: 'end to end',
      value: wasm(id).endToEnd.pps / 1e6,
      goal: 20,
      unit: 'Mpps',
    });
  }
  for (const id of ['gif-encap', 'gif-decap']) {
    targets.push({
      target: 'gif encapsulation and decapsulation >= 15 Mpps each (WASM)',
      caseId: id,
      metric: 'stack only',
      value: wasm(id).stackOnly.pps / 1e6,
      goal: 15,
      unit: 'Mpps',
    });
  }
  for (const c of cases) {
    const id = c.workload.id;
    targets.push({
      target: 'WASM >= 2x TS',
      caseId: id,
      metric: 'stack only',
      value: wasm(id).stackOnly.pps / tsE(id).stackOnly.pps,
      goal: 2,
      unit: 'x',
    });
    targets.push({
      target: 'WASM >= 2x TS',
      caseId: id,
      metric: 'end to end',
      value: wasm(id).endToEnd.pps / tsE(id).endToEnd.pps,
      goal: 2,
      unit: 'x',
    });
  }
  const targetRows = targets.map((t) => [
    t.target,
    t.caseId,
    t.metric,
    `${num(t.value)} ${t.unit}`,
    `${t.goal} ${t.unit}`,
    t.value >= t.goal ? 'met' : 'NOT MET',
  ]);

  const notes: string[] = [];
  for (const c of cases) {
    notes.push(`${c.workload.title}: ${c.description}`);
    for (const e of c.engines) {
      const drops = Object.entries(e.topDrops)
        .map(([k, v]) => `${k} ${v}%`)
        .join(', ');
      notes.push(
        `    [${e.engine}] IPv4 lookup: ${e.fib}; ipflow hit ${e.ipflowHitRatio ?? '-'}%${drops ? `; drop/local reasons: ${drops}` : ''}` +
          (e.ownDriverEndToEnd
            ? `; cross-check, SplitDriver end to end: ${num(e.ownDriverEndToEnd.pps / 1e6)} Mpps`
            : ''),
      );
    }
  }
  const text = [
    `Pipeline: one core, batch ${BATCH}, ${FRAME}-byte frames unless noted; median of ${SAMPLES} samples x ${SAMPLE_MS} ms after ${WARM_MS} ms warm-up`,
    table(
      [
        'case',
        'engine',
        'stack only Mpps',
        'ns/frame',
        'end to end Mpps',
        'ns/frame',
        'gen_fill ns/frame',
        'rss_batch ns/frame',
        'fast/normal/local/drop %',
      ],
      rows,
    ),
    'Targets',
    table(['target', 'case', 'metric', 'measured', 'goal', ''], targetRows),
    ...notes.map((n) => `  ${n}`),
    `  stack only = fwd_batch alone (per-batch clock reads around it, minus ${num(clockNs)} ns per read); end to end = gen_fill + rss_batch + fwd_batch, ` +
      "via ts/scenario measureRate(PipelineDriver) except the mixed case (SplitDriver.run); gen_fill (with the mixed case's fill-up) and rss_batch timed like fwd_batch",
  ].join('\n');

  const jsonPath = writeResults('pipeline', {
    method: {
      batch: BATCH,
      frameBytes: FRAME,
      sampleMs: SAMPLE_MS,
      samples: SAMPLES,
      warmMs: WARM_MS,
      nowMs: NOW_MS,
      clockReadNs: sig(clockNs),
      stackOnly:
        'fwd_batch time from per-batch process.hrtime.bigint() reads, minus one clock read per batch; frames / that time',
      endToEnd:
        'gen_fill + rss_batch + fwd_batch with no clock in the loop (ts/scenario measureRate over PipelineDriver; mixed case: SplitDriver.run with the same method)',
      genFill:
        'gen_fill + descriptor fill-up (mixed case) per frame, from the same split run, minus one clock read per batch',
      rssBatch: 'rss_batch per frame, from the same split run, minus one clock read per batch',
      benny: 'not used here: one benny op would be a whole batch including the traffic source',
    },
    cases: cases.map((c) => ({
      id: c.workload.id,
      title: c.workload.title,
      description: c.description,
      engines: c.engines.map((e) => ({
        engine: e.engine,
        ipv4Lookup: e.fib,
        stackOnlyMpps: sig(e.stackOnly.pps / 1e6),
        stackOnlySamplesMpps: e.stackOnly.samples.map((x) => sig(x / 1e6)),
        endToEndMpps: sig(e.endToEnd.pps / 1e6),
        endToEndSamplesMpps: e.endToEnd.samples.map((x) => sig(x / 1e6)),
        endToEndVia: e.endToEnd.via,
        ownDriverEndToEndMpps: e.ownDriverEndToEnd ? sig(e.ownDriverEndToEnd.pps / 1e6) : undefined,
        ownDriverEndToEndSamplesMpps: e.ownDriverEndToEnd?.samples.map((x) => sig(x / 1e6)),
        genFillNsPerFrame: sig(e.genNsPerFrame.median),
        genFillSamplesNsPerFrame: e.genNsPerFrame.samples.map((x) => sig(x)),
        rssBatchNsPerFrame: sig(e.rssNsPerFrame.median),
        rssBatchSamplesNsPerFrame: e.rssNsPerFrame.samples.map((x) => sig(x)),
        pathsPercent: e.paths,
        topReasonsPercent: e.topDrops,
        ipflowHitPercent: e.ipflowHitRatio,
      })),
    })),
    targets: targets.map((t) => ({ ...t, value: sig(t.value), met: t.value >= t.goal })),
    durationS: (Date.now() - t0) / 1000,
  });
  if (opts.print !== false) console.log('\n' + text + `\n  results: ${jsonPath}\n`);
  return { suite: 'pipeline', text, jsonPath };
}

if (isMain(import.meta.url)) await runPipeline();
