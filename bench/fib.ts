// Internet-scale routing tables: the radix tree (RIB, per-packet lookups as NetBSD does) against the
// compiled DIR-24-8 FIB, WASM against TS, on tables of 1k, 100k and 1M IPv4 prefixes and 200k IPv6
// prefixes from `gen-routes` (prefix-length mix of a public BGP table). Measures:
//   - lookups/s on one core, random and skewed destinations, through the batched lookup kernels
//     (one call per 65,536 addresses, so no JS-to-WASM call per lookup);
//   - longest-prefix-match (npm) at 100k prefixes for comparison;
//   - route update rate (add + delete of IPv4 /24s or IPv6 /48s, RIB and FIB): the first pass
//     (cold: the IPv6 FIB's writer is JavaScript, still being compiled by the JIT) and the median
//     of 5 passes; load time and linear memory;
//   - normal-path forwarding (no flow cache) with the 1M table, stack only and end to end.
import { parseConfig } from '../ts/config/load.js';
import { parseRoutesText } from '../ts/config/routes-file.js';
import type { RouteSpec } from '../ts/config/schema.js';
import type { KernelImpl } from '../ts/stack/kernels.js';
import { Stack } from '../ts/stack/stack.js';
import { buildFrame } from '../ts/packet/build.js';
import { PipelineDriver, measureSplit } from '../ts/scenario/pipeline-driver.js';
import { CTX_FIB4 } from '../assembly/layout.js';
import { generateRoutes, rng } from '../ts/scenario/routes-gen.js';
import {
  isMain,
  machineInfo,
  median,
  num,
  sig,
  sink,
  table,
  writeResults,
  type SuiteOptions,
  type SuiteReport,
} from './common.js';
import LpmLib from 'longest-prefix-match';

export const CONFIG = `interfaces:
  - { name: wm0, mac: 02:00:00:00:00:01, addresses: [192.0.2.1/24, 2001:db8::1/64] }
  - { name: wm1, mac: 02:00:00:00:00:02, addresses: [198.51.100.1/24, 2001:db8:1::1/64] }
  - { name: wm2, mac: 02:00:00:00:00:03, addresses: [203.0.113.1/24, 2001:db8:2::1/64] }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 203.0.113.254, mac: 02:00:00:00:dd:fe, dev: wm2 }
fastforward: false
`;
export const N_ADDR = 65536;
const SEED = 42;

export function routes(v4: number, v6: number): RouteSpec[] {
  const text = [
    ...generateRoutes({
      v4,
      v6,
      seed: SEED,
      via4: ['198.51.100.254', '203.0.113.254'],
      via6: ['2001:db8:1::fe', '2001:db8:2::fe'],
    }),
  ].join('\n');
  const out: RouteSpec[] = [];
  parseRoutesText(text, 'gen-routes', (r) =>
    out.push({ ...r, dst: Uint8Array.from(r.dst), via: r.via ? Uint8Array.from(r.via) : null }),
  );
  return out;
}

function build(engine: KernelImpl, specs: RouteSpec[]): { stack: Stack; ms: number } {
  const cfg = parseConfig(CONFIG, 'bench', process.cwd());
  const t0 = performance.now();
  const stack = new Stack(cfg, {
    engine,
    fib: 'compiled',
    extraRoutes: specs.length,
    extraLongV4: specs.filter((r) => r.family === 4 && r.plen > 24).length,
    extraV6: specs.filter((r) => r.family === 6).length,
    moreRoutes: (add) => {
      for (const r of specs) add(r);
    },
  });
  return { stack, ms: performance.now() - t0 };
}

/** Destinations: `random` = half inside random prefixes, half uniform; `skewed` = 90% into 64 popular prefixes. */
function addrs4(specs: RouteSpec[], kind: 'random' | 'skewed'): Uint32Array {
  const v4 = specs.filter((r) => r.family === 4);
  const r = rng(kind === 'random' ? 7 : 8);
  const hot = Array.from({ length: 64 }, () => v4[Math.floor(r() * v4.length)]!);
  const out = new Uint32Array(N_ADDR);
  for (let i = 0; i < N_ADDR; i++) {
    const x = r();
    const p =
      kind === 'skewed'
        ? x < 0.9
          ? hot[Math.floor(r() * hot.length)]
          : null
        : x < 0.5
          ? v4[Math.floor(r() * v4.length)]
          : null;
    if (p) {
      const net = new DataView(p.dst.buffer, p.dst.byteOffset).getUint32(0);
      out[i] = (net + (p.plen === 32 ? 0 : Math.floor(r() * 2 ** (32 - p.plen)))) >>> 0;
    } else {
      out[i] = (0x01000000 + Math.floor(r() * 0xdf000000)) >>> 0;
    }
  }
  return out;
}

export function addrs6(specs: RouteSpec[]): Uint8Array {
  const v6 = specs.filter((r) => r.family === 6);
  const r = rng(9);
  const out = new Uint8Array(N_ADDR * 16);
  for (let i = 0; i < N_ADDR; i++) {
    const a = out.subarray(i * 16, i * 16 + 16);
    for (let j = 0; j < 16; j++) a[j] = Math.floor(r() * 256);
    a[0] = 0x20 | (a[0]! & 0x1f);
    if (r() < 0.5) {
      const p = v6[Math.floor(r() * v6.length)]!;
      for (let bit = 0; bit < p.plen; bit++) {
        const m = 0x80 >> (bit & 7);
        a[bit >> 3] = (a[bit >> 3]! & ~m) | (p.dst[bit >> 3]! & m);
      }
    }
  }
  return out;
}

/** Median lookups/s of `fn` (which does N_ADDR lookups), 5 samples of >= 150 ms. */
function rate(fn: () => void, samples = 5, ms = 150): number {
  fn();
  const rs: number[] = [];
  for (let s = 0; s < samples; s++) {
    let n = 0;
    const t0 = performance.now();
    let el = 0;
    while (el < ms) {
      fn();
      n++;
      el = performance.now() - t0;
    }
    rs.push((n * N_ADDR) / (el / 1000));
  }
  return median(rs);
}

interface Row {
  table: string;
  backend: string;
  engine: string;
  dest: string;
  mlps: number;
}

/**
 * Route updates/s over `passes` passes of `pass` (each returns updates/s): the first pass, cold (a
 * JS writer is still being compiled and its caches warmed), and the median of all of them. A
 * single pass swings with the order the engines run in: the second engine inherits warm code.
 */
function updatePasses(pass: () => number, passes = 5): { first: number; median: number } {
  const rs: number[] = [];
  for (let i = 0; i < passes; i++) rs.push(pass());
  return { first: rs[0]!, median: median(rs) };
}

function lookupRows(name: string, stack: Stack, specs: RouteSpec[], rows: Row[], v6: boolean): void {
  const { k, L } = stack;
  const base = L.clusters; // the cluster pool is idle while we look up
  const out = base + N_ADDR * 16;
  const u8 = new Uint8Array(k.memory.buffer);
  const check = (want: Uint32Array, got: number) => {
    for (let i = 0; i < 512; i++)
      if (want[i] !== new DataView(k.memory.buffer).getUint32(got + i * 4, true))
        throw new Error(`${name}: FIB and radix disagree at #${i}`);
  };
  if (v6) {
    u8.set(addrs6(specs), base);
    k.rt_lookup6_batch(L.rt6, base, out, N_ADDR);
    const want = new Uint32Array(k.memory.buffer.slice(out, out + 2048));
    k.fib6_lookup_batch(L.fib6.head, base, out, N_ADDR);
    check(want, out);
    rows.push({
      table: name,
      backend: 'compiled',
      engine: k.name,
      dest: 'random',
      mlps: rate(() => k.fib6_lookup_batch(L.fib6.head, base, out, N_ADDR)) / 1e6,
    });
    rows.push({
      table: name,
      backend: 'radix',
      engine: k.name,
      dest: 'random',
      mlps: rate(() => k.rt_lookup6_batch(L.rt6, base, out, N_ADDR)) / 1e6,
    });
    return;
  }
  for (const dest of ['random', 'skewed'] as const) {
    const a = addrs4(specs, dest);
    new Uint32Array(k.memory.buffer, base, N_ADDR).set(a);
    k.rt_lookup4_batch(L.rt4, base, out, N_ADDR);
    const want = new Uint32Array(k.memory.buffer.slice(out, out + 2048));
    k.fib4_lookup_batch(L.fib4.head, base, out, N_ADDR);
    check(want, out);
    rows.push({
      table: name,
      backend: 'compiled',
      engine: k.name,
      dest,
      mlps: rate(() => k.fib4_lookup_batch(L.fib4.head, base, out, N_ADDR)) / 1e6,
    });
    rows.push({
      table: name,
      backend: 'radix',
      engine: k.name,
      dest,
      mlps: rate(() => k.rt_lookup4_batch(L.rt4, base, out, N_ADDR), 3) / 1e6,
    });
  }
}

/** Adds and deletes `n` fresh /24s through the control plane (RIB, nexthops and FIB): updates/s. */
function updateRate(stack: Stack, n: number): number {
  const r = rng(99);
  const pfx: Uint8Array[] = [];
  const seen = new Set<number>();
  while (pfx.length < n) {
    const a = ((10 << 24) | (Math.floor(r() * 65536) << 8)) >>> 0; // 10.0.0.0/8: never generated
    if (seen.has(a)) continue;
    seen.add(a);
    pfx.push(Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, 0));
  }
  const gw = Uint8Array.of(198, 51, 100, 254);
  const t0 = performance.now();
  // rounds of 2,000 adds then 2,000 deletes: churn, within the table's headroom (no reader runs:
  // this thread is the only writer, and reclaims without waiting)
  stack.tables.wlock.runSync('bench updates', () => {
    for (let i = 0; i < n; i += 2000) {
      const round = pfx.slice(i, i + 2000);
      for (const p of round) stack.tables.addRoute(4, p, 24, 'unicast', 2, gw, 0);
      for (const p of round) stack.tables.deleteRoute(4, p, 24);
    }
    stack.tables.reclaim();
  });
  return (2 * n) / ((performance.now() - t0) / 1000);
}

/**
 * As updateRate, for IPv6: fresh /48s, all in one /16 region (2001:db8::/32 is never generated): the
 * writer's worst case. Updates per wall-clock second and per second of the process's CPU time.
 */
export function updateRate6(stack: Stack, n: number): { wall: number; cpu: number } {
  const r = rng(98);
  const pfx: Uint8Array[] = [];
  const seen = new Set<string>();
  while (pfx.length < n) {
    const a = new Uint8Array(16);
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[4] = Math.floor(r() * 256);
    a[5] = Math.floor(r() * 256);
    const key = a.join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    pfx.push(a);
  }
  const gw = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  stack.tables.wlock.runSync('bench updates', () => {
    for (let i = 0; i < n; i += 2000) {
      const round = pfx.slice(i, i + 2000);
      for (const p of round) stack.tables.addRoute(6, p, 48, 'unicast', 2, gw, 0);
      for (const p of round) stack.tables.deleteRoute(6, p, 48);
      stack.tables.reclaim();
    }
  });
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: (2 * n) / wall, cpu: (2 * n) / ((c.user + c.system) / 1e6) };
}

/** Normal-path forwarding (no ipflow) to 4,096 destinations spread over the table: stack only and end to end, Mpps. */
function forwardRate(stack: Stack, specs: RouteSpec[], fib: 'compiled' | 'radix'): { stack: number; e2e: number } {
  const v4 = specs.filter((r) => r.family === 4);
  const r = rng(5);
  const t = Array.from({ length: 4096 }, () => {
    const p = v4[Math.floor(r() * v4.length)]!;
    const dst = Uint8Array.from(p.dst);
    if (p.plen < 32) dst[3] = (dst[3]! | 1) & 0xff;
    return buildFrame({
      dstMac: Uint8Array.of(2, 0, 0, 0, 0, 1),
      srcMac: Uint8Array.of(2, 0, 0, 0, 0xaa, 0x10),
      src: Uint8Array.of(192, 0, 2, 10),
      dst,
      minFrame: 60,
    });
  });
  // the same stack, looking up in the radix tree or in the compiled FIB
  const ctxFib = new DataView(stack.k.memory.buffer);
  const at = stack.L.cpu[0]!.ctx + CTX_FIB4;
  ctxFib.setUint32(at, fib === 'compiled' ? stack.L.fib4.head : 0, true);
  const f = measureSplit(new PipelineDriver(stack, t, 1));
  ctxFib.setUint32(at, stack.L.fib4.head, true);
  const c = stack.counters();
  if ((c['normal'] ?? 0) === 0 || (c['drop'] ?? 0) > 0)
    throw new Error(`forwarding bench did not forward: ${JSON.stringify(c)}`);
  return { stack: f.stackPps / 1e6, e2e: f.e2ePps / 1e6 };
}

export async function runFib(o: SuiteOptions = {}): Promise<SuiteReport> {
  const rows: Row[] = [];
  const loads: { table: string; engine: string; routes: number; loadMs: number; linearMiB: number }[] = [];
  const updates: { table: string; engine: string; updatesPerSec: number; firstPassPerSec: number }[] = [];
  const forwarding: { table: string; backend: string; stackMpps: number; e2eMpps: number }[] = [];
  const libs: { table: string; lib: string; mlps: number }[] = [];
  for (const [name, v4, v6] of [
    ['1k IPv4', 1000, 0],
    ['100k IPv4', 100_000, 0],
    ['1M IPv4', 1_000_000, 0],
    ['200k IPv6', 0, 200_000],
  ] as const) {
    const specs = routes(v4, v6);
    for (const engine of ['wasm', 'ts'] as KernelImpl[]) {
      if (engine === 'ts' && v4 === 1_000_000) continue; // the TS twin at 1M: see 100k (same code, and it would double the run)
      const { stack, ms } = build(engine, specs);
      loads.push({
        table: name,
        engine,
        routes: specs.length,
        loadMs: sig(ms),
        linearMiB: sig(stack.L.bytes / 2 ** 20),
      });
      lookupRows(name, stack, specs, rows, v6 > 0);
      const u =
        v4 >= 100_000
          ? updatePasses(() => updateRate(stack, 20_000))
          : v6 > 0
            ? updatePasses(() => updateRate6(stack, 20_000).wall)
            : null;
      if (u) updates.push({ table: name, engine, updatesPerSec: sig(u.median), firstPassPerSec: sig(u.first) });
      if (v4 === 1_000_000 && engine === 'wasm') {
        for (const fib of ['compiled', 'radix'] as const) {
          const f = forwardRate(stack, specs, fib);
          forwarding.push({ table: name, backend: fib, stackMpps: sig(f.stack), e2eMpps: sig(f.e2e) });
        }
      }
    }
    if (v4 === 100_000) {
      const lib = new LpmLib();
      for (const r of specs) lib.addPrefix(`${r.dst.join('.')}/${r.plen}`, r.plen);
      const a = addrs4(specs, 'random');
      const txt = Array.from(a, (x) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}/32`);
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < 300) {
        for (let i = 0; i < 4096; i++) sink(lib.getMatch(txt[i]!).length);
        n += 4096;
      }
      libs.push({
        table: name,
        lib: 'longest-prefix-match getMatch (string in)',
        mlps: sig(n / ((performance.now() - t0) / 1000) / 1e6),
      });
    }
  }
  const text = [
    'Lookups per second, one core (M lookups/s, median of 5; batched kernel calls of 65,536 addresses):',
    table(
      ['table', 'backend', 'engine', 'destinations', 'M lookups/s'],
      rows.map((r) => [r.table, r.backend, r.engine, r.dest, num(r.mlps)]),
    ),
    'npm library at 100k prefixes:',
    table(
      ['table', 'library', 'M lookups/s'],
      libs.map((l) => [l.table, l.lib, num(l.mlps)]),
    ),
    'Loading (RIB + compiled FIB, routes already parsed) and linear memory:',
    table(
      ['table', 'engine', 'routes', 'load ms', 'linear memory MiB'],
      loads.map((l) => [l.table, l.engine, l.routes, num(l.loadMs), num(l.linearMiB)]),
    ),
    'Route updates (add + delete of fresh IPv4 /24s or IPv6 /48s through RIB, nexthops and FIB), per second; 5 passes of 40,000:',
    table(
      ['table', 'engine', 'first pass updates/s', 'median updates/s'],
      updates.map((u) => [u.table, u.engine, num(u.firstPassPerSec), num(u.updatesPerSec)]),
    ),
    'Normal-path forwarding (no flow cache), 64-byte frames to 4,096 destinations spread over the table, WASM:',
    table(
      ['table', 'lookup', 'stack only Mpps', 'end to end Mpps'],
      forwarding.map((f) => [f.table, f.backend, num(f.stackMpps), num(f.e2eMpps)]),
    ),
    'Targets: compiled IPv4 1M >= 50 M lookups/s (random); radix >= 3 M lookups/s; updates >= 200k/s; normal forwarding with 1M >= 20 Mpps.',
  ].join('\n');
  const jsonPath = writeResults('fib', {
    machine: machineInfo(),
    lookups: rows.map((r) => ({ ...r, mlps: sig(r.mlps) })),
    libs,
    loads,
    updates,
    forwarding,
  });
  if (o.print !== false) console.log(text);
  return { suite: 'fib', text, jsonPath };
}

if (isMain(import.meta.url)) await runFib();
