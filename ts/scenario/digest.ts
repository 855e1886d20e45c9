// The reference run every runtime makes: the embedded default scenario (the three-port router with
// its generated routes, `mpstack demo`'s) forwarding a seeded traffic mix, summarised as counters and
// a SHA-256 over every verdict and every output byte. Node, Deno and the browser each build the
// router through the portable entry (createStack: config text + routes text) and the frames from the
// seed, and must arrive at the same digest (test/runtimes/).
import type { KernelImpl } from '../stack/kernels.js';
import type { FrameResult, Stack } from '../stack/stack.js';
import { DEFAULT_CONFIG_NAME, DEFAULT_CONFIG_YAML } from './default-config.js';
import { defaultRoutesText, defaultScenarioConfig } from './default.js';
import { defaultTraffic, type TrafficFrame } from './traffic.js';
import { createStack } from '../portable/index.js';

export interface ScenarioOptions {
  /** frames of the traffic mix (default 4,000) */
  frames?: number;
  /** traffic seed (default 1) */
  seed?: number;
  engine?: KernelImpl;
}

export interface ScenarioResult {
  engine: KernelImpl;
  frames: number;
  /** frames transmitted (forwarded, fragments, ICMP errors) and their bytes */
  txFrames: number;
  txBytes: number;
  /** input frames by path (fast, normal, local, drop) */
  paths: Record<string, number>;
  /** the stack's counters, by name */
  counters: Record<string, number>;
  /** SHA-256 (hex) of resultBytes(): verdicts and output frames, byte for byte */
  sha256: string;
  /** wall time of the forwarding alone, ms */
  ms: number;
}

/**
 * Forwards traffic in the demo's batches: consecutive frames with one timestamp, at most `batch`,
 * each batch at its frames' time (ms, mod 2^32), so ICMP rate limits and ipflow ageing see the same
 * clock in every runtime.
 */
export function forwardTrace(stack: Stack, traffic: readonly TrafficFrame[]): FrameResult[] {
  const out: FrameResult[] = [];
  for (let i = 0; i < traffic.length; ) {
    const ms = traffic[i]!.tsMs;
    let j = i + 1;
    while (j < traffic.length && j - i < stack.batch && traffic[j]!.tsMs === ms) j++;
    for (const r of stack.forward(traffic.slice(i, j), ms % 2 ** 32)) out.push(r);
    i = j;
  }
  return out;
}

/**
 * The canonical bytes of a run: per input frame one text line (path, reason, RSS hash, queue, header
 * type, tx interface, nexthop, number of outputs), then per output frame a line `ifindex length`
 * and the frame's bytes.
 */
export function resultBytes(results: readonly FrameResult[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let n = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    n += b.length;
  };
  for (const r of results) {
    push(
      enc.encode(
        `${r.path} ${r.reason ?? '-'} ${r.rss >>> 0} ${r.queue} ${r.htype} ${r.txif} ${r.nh} ${r.out.length}\n`,
      ),
    );
    for (const o of r.out) {
      push(enc.encode(`${o.ifindex} ${o.data.length}\n`));
      push(o.data);
    }
  }
  const all = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** SHA-256 of `bytes` as hex (WebCrypto: Node >= 20, Deno, browsers in a secure context such as localhost). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the default scenario's router and traffic, forwards it, and summarises the run. */
export async function runScenario(o: ScenarioOptions = {}): Promise<ScenarioResult> {
  const engine = o.engine ?? 'wasm';
  const traffic = defaultTraffic(defaultScenarioConfig(), o.frames ?? 4000, o.seed ?? 1);
  const stack = createStack(DEFAULT_CONFIG_YAML, {
    engine,
    batch: 256,
    routes: defaultRoutesText(),
    name: DEFAULT_CONFIG_NAME,
  });
  const t0 = performance.now();
  const results = forwardTrace(stack, traffic);
  const ms = performance.now() - t0;
  const paths: Record<string, number> = {};
  let txFrames = 0;
  let txBytes = 0;
  for (const r of results) {
    paths[r.path] = (paths[r.path] ?? 0) + 1;
    txFrames += r.out.length;
    for (const x of r.out) txBytes += x.data.length;
  }
  return {
    engine,
    frames: results.length,
    txFrames,
    txBytes,
    paths,
    counters: stack.counters(),
    sha256: await sha256Hex(resultBytes(results)),
    ms,
  };
}
