// What the three benchmark suites share: where results go and what they record about the machine,
// the statistics (medians of samples), the 1,000-prefix route tables and random addresses that
// bench/kernels.ts and bench/lpm.ts both look up, and the printed tables.
//
// Numbers from these suites are medians of several samples on a shared, noisy machine: compare runs
// from one machine and one load, never a single sample, and never across machines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import { formatIPv4, getIPv4, parsePrefix } from '../ts/addr/addr.js';
import { generateRoutes, rng } from '../ts/scenario/routes-gen.js';

// ---- running a suite ---------------------------------------------------------------------------

/** True when the module at `moduleUrl` is the script node was started with (not imported). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

/** What every suite hands back to bench/run-all.ts. */
export interface SuiteReport {
  suite: string;
  /** the rendered result table(s), ready to print */
  text: string;
  /** where the JSON went */
  jsonPath: string;
}

export interface SuiteOptions {
  /** print the result table when done (run-all prints them together at the end instead) */
  print?: boolean;
}

/** bench/results/ of the repository, from both bench/ (source) and dist/bench/ (built). */
export function resultsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const rel = /[\\/]dist[\\/]bench[\\/]?$/.test(here) ? '../../bench/results/' : './results/';
  const dir = fileURLToPath(new URL(rel, import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  mhz: number;
  totalMemGiB: number;
  loadavg: number[];
  node: string;
  v8: string;
  platform: string;
  arch: string;
  date: string;
  commit: string | null;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let commit: string | null = null;
  try {
    const cwd = fileURLToPath(new URL('.', import.meta.url));
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    if (dirty) commit += '+dirty';
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    mhz: cpus[0]?.speed ?? 0,
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    v8: process.versions.v8,
    platform: os.platform(),
    arch: os.arch(),
    date: new Date().toISOString(),
    commit,
  };
}

/** Writes bench/results/<suite>.json: machine info first, then the suite's own record. */
export function writeResults(suite: string, body: Record<string, unknown>): string {
  const path = `${resultsDir()}${suite}.json`;
  writeFileSync(path, JSON.stringify({ suite, machine: machineInfo(), ...body }, null, 2) + '\n');
  return path;
}

/** benny's per-case options (benchmark.js: seconds; see benny's README, "Tweaking benchmarks"). */
export interface BennyCaseOptions {
  minSamples?: number;
  minTime?: number;
  maxTime?: number;
  delay?: number;
  initCount?: number;
}

/** Benny case options: short runs (a suite must stay well under a minute), still >= 8 samples. */
export const BENNY_CASE: BennyCaseOptions = { minSamples: 8, minTime: 0.03, maxTime: 0.6, delay: 0.002 };

// ---- statistics --------------------------------------------------------------------------------

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rounds for JSON: 4 significant digits is far more than the noise allows. */
export function sig(x: number, digits = 4): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}

// Result sink: every timed loop folds its results in here so no call can be optimised away.
let sinkValue = 0;
export function sink(v: number): void {
  sinkValue ^= v;
}
export function sinkRead(): number {
  return sinkValue;
}

// ---- the 1,000-prefix tables -------------------------------------------------------------------

/** Seed of the default scenario's route generator (ts/scenario/default.ts). */
export const ROUTE_SEED = 2016;

export interface Prefix4 {
  net: number;
  plen: number;
  text: string;
  bytes: Uint8Array;
}
export interface Prefix6 {
  bytes: Uint8Array;
  plen: number;
  text: string;
}

/**
 * The default scenario's generated IPv4 routes (generateRoutes, seed 2016), as prefixes. The first
 * `n` IPv4 routes do not depend on how many IPv6 routes are generated after them, so these are the
 * IPv4 routes of defaultScenarioConfig({ v4Routes: n }) exactly.
 */
export function genPrefixes4(n: number): Prefix4[] {
  const out: Prefix4[] = [];
  for (const line of generateRoutes({ v4: n, v6: 0, seed: ROUTE_SEED, via4: ['198.51.100.254'], via6: [] })) {
    const text = line.slice(0, line.indexOf(' '));
    const p = parsePrefix(text)!;
    out.push({ net: getIPv4(p.bytes), plen: p.plen, text, bytes: p.bytes });
  }
  return out;
}

/** The generated IPv6 routes of defaultScenarioConfig({ v4Routes: v4, v6Routes: n }). */
export function genPrefixes6(n: number, v4 = 0): Prefix6[] {
  const out: Prefix6[] = [];
  for (const line of generateRoutes({
    v4,
    v6: n,
    seed: ROUTE_SEED,
    via4: ['198.51.100.254'],
    via6: ['2001:db8:1::fe'],
  })) {
    const text = line.slice(0, line.indexOf(' '));
    const p = parsePrefix(text)!;
    if (p.family === 6) out.push({ bytes: p.bytes, plen: p.plen, text });
  }
  return out;
}

/** A random address inside net/plen (host bits random). */
function inside4(p: Prefix4, r: () => number): number {
  const host = p.plen === 32 ? 0 : Math.floor(r() * 2 ** (32 - p.plen));
  return (p.net + host) >>> 0;
}

/**
 * `n` random IPv4 addresses (host-order u32): half drawn inside a random prefix of the table (so
 * they hit, and nested prefixes make the longest match matter), half uniform over 1.0.0.0-
 * 223.255.255.255 (mostly misses, which walk the tree too). Shuffled together, seeded.
 */
export function randomAddrs4(prefixes: readonly Prefix4[], n: number, seed = 7): Uint32Array {
  const r = rng(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      r() < 0.5
        ? inside4(prefixes[Math.floor(r() * prefixes.length)]!, r)
        : (0x01000000 + Math.floor(r() * (0xe0000000 - 0x01000000))) >>> 0;
  }
  return out;
}

/** `n` random IPv6 addresses (16 bytes each, wire order), split between hits and misses as above. */
export function randomAddrs6(prefixes: readonly Prefix6[], n: number, seed = 11): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) {
    const a = out.subarray(i * 16, i * 16 + 16);
    for (let j = 0; j < 16; j++) a[j] = Math.floor(r() * 256);
    if (r() < 0.5) {
      const p = prefixes[Math.floor(r() * prefixes.length)]!;
      for (let bit = 0; bit < p.plen; bit++) {
        const m = 0x80 >> (bit & 7);
        a[bit >> 3] = (a[bit >> 3]! & ~m) | (p.bytes[bit >> 3]! & m);
      }
    } else {
      a[0] = 0x20 | (a[0]! & 0x1f); // 2000::/3, like the generated routes
    }
  }
  return out;
}

export const fmt4 = formatIPv4;

// ---- printing ----------------------------------------------------------------------------------

/** A cli-table3 table without colours (the output is pasted into reports and CI logs). */
export function table(head: string[], rows: (string | number)[][], aligns?: ('left' | 'right')[]): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: aligns ?? head.map((_, i) => (i === 0 ? 'left' : 'right')),
  });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
}

/** 12.3 / 1.23 / 0.123: three significant digits for table cells. */
export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return x.toPrecision(digits);
}
