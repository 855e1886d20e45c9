// Per-kernel suite: each hot kernel's WASM build against its TypeScript twin, both over the same
// linear memory with the same inputs, timed with benny (benchmark.js underneath).
//
// How a case is timed: one benny "op" is N_CALLS calls over a pool of prepared inputs (a cursor
// walks the pool, so consecutive ops see different inputs); ns/call = seconds per op / N_CALLS,
// median over benny's samples. Every result is folded into a sink so no call can be dropped.
//
// WASM is called through the module's raw exports (ts/stack/wasm.ts hands them out as they are).
// @assemblyscript/loader would hand out a wrapper, `(...args) => { setArgumentsLength(args.length);
// return fn(...args) }`; we time the raw function and also report an empty call through such a
// wrapper (made with the loader's own demangle), so a reader can see which part of a small kernel's
// time is the JS->WASM call and what the loader's glue would add. The TS twins are called directly (module functions
// taking the Mem), not through the Kernels object's rest-argument adapters.
//
// Each case body is written out by hand: closures made by one factory share V8's feedback, which
// would make every call site polymorphic and time the dispatch instead of the kernel.
import * as loader from '@assemblyscript/loader';
import { add, cycle, save, suite } from 'benny';
import { FE_HNEXT, FT_BUCKETS, FT_HASHSIZE, FT_MAX } from '../assembly/layout.js';
import { type WasmKernels, tsKernels } from '../ts/stack/kernels.js';
import { Stack } from '../ts/stack/stack.js';
import * as dir24 from '../ts/kernels/fib/dir24.js';
import * as radix from '../ts/kernels/fib/radix.js';
import * as ipflow from '../ts/kernels/flow/ipflow.js';
import * as toeplitz from '../ts/kernels/rss/toeplitz.js';
import * as cksum from '../ts/kernels/wire/cksum.js';
import { buildFrame } from '../ts/packet/build.js';
import { defaultScenarioConfig } from '../ts/scenario/default.js';
import { rng } from '../ts/scenario/routes-gen.js';
import {
  BENNY_CASE,
  type SuiteOptions,
  type SuiteReport,
  genPrefixes4,
  genPrefixes6,
  isMain,
  num,
  randomAddrs4,
  randomAddrs6,
  resultsDir,
  sig,
  sink,
  sinkRead,
  table,
  writeResults,
} from './common.js';

/** Calls per benny op. */
const N_CALLS = 1024;
/** Routes in each family's table. */
const ROUTES = 1000;
/** Flows in the ipflow table for the hit case (the default scenario's maxflows). */
const FLOWS = 256;

type Fn = (...a: number[]) => number;

const K_EMPTY = 'empty call: heap_base()';
const K_HDR = 'in_cksum_hdr20 (20 B IPv4 header)';
const K_C64 = 'in_cksum 64 B';
const K_C1500 = 'in_cksum 1500 B';
const K_TOE12 = 'toe_hash 12 B (IPv4 4-tuple)';
const K_TOE36 = 'toe_hash 36 B (IPv6 4-tuple)';
const K_LK4 = `rt_lookup4 (${ROUTES} routes, random addr)`;
const K_LK6 = `rt_lookup6 (${ROUTES} routes, random addr)`;
const K_FIB4 = `fib4_lookup (${ROUTES} routes, DIR-24-8)`;
const K_FLOW = `ipflow_lookup hit (${FLOWS} flows)`;

interface CaseResult {
  kernel: string;
  engine: 'wasm' | 'ts' | 'wasm-loader';
  name: string;
  nsPerCall: number;
  meanNs: number;
  rmePercent: number;
  samplesNsPerCall: number[];
}

interface KernelFixture {
  stack: Stack;
  x: WasmKernels['exports'];
  raw: (name: string) => Fn;
  notes: string[];
  mismatches: Record<string, number>;
}

/** Builds the memory every case runs over: the default scenario with 1,000 IPv4 + 1,000 IPv6 routes. */
function fixture(): KernelFixture {
  // fib: compiled (the default) builds the DIR-24-8 FIB beside the radix RIB: both are timed
  const cfg = defaultScenarioConfig({ v4Routes: ROUTES, v6Routes: ROUTES });
  cfg.fib = 'compiled';
  const stack = new Stack(cfg, { engine: 'wasm' });
  const k = stack.k as WasmKernels;
  const x = k.exports;
  const raw = (name: string): Fn => {
    const f = x[name] as Fn & { original?: Fn };
    if (typeof f !== 'function') throw new Error(`mpstack.wasm exports no ${name}`);
    return f.original ?? f;
  };
  return { stack, x, raw, notes: [], mismatches: {} };
}

export async function runKernels(opts: SuiteOptions = {}): Promise<SuiteReport> {
  const t0 = Date.now();
  const F = fixture();
  const { stack, raw } = F;
  const L = stack.L;
  const m = tsKernels(stack.k.memory).mem;
  const u8 = m.u8;
  const r = rng(42);

  // Scratch inputs live in the cluster pool (nothing forwards during this suite). Packet-shaped
  // inputs start 14 bytes into a 64-byte-aligned block, 2 bytes off 4-byte alignment, as an IP
  // header after a 14-byte Ethernet header does in a received frame.
  let top = L.clusters;
  const alloc = (bytes: number): number => {
    const p = top;
    top += Math.ceil(bytes / 64) * 64;
    return p;
  };

  // in_cksum_hdr20: 1024 distinct valid IPv4 headers
  const HDR_POOL = 1024;
  const hdrPtrs = new Uint32Array(HDR_POOL);
  const pr4 = genPrefixes4(ROUTES);
  for (let i = 0; i < HDR_POOL; i++) {
    const p = pr4[Math.floor(r() * pr4.length)]!;
    const f = buildFrame({
      dstMac: new Uint8Array(6),
      srcMac: new Uint8Array(6),
      src: Uint8Array.of(192, 0, 2, 10),
      dst: p.bytes,
      proto: 'udp',
      sport: 1024 + i,
      ttl: 2 + (i & 63),
      minFrame: 60,
    });
    const at = alloc(128) + 14; // 2 mod 4, like buf + 14 in a cluster
    u8.set(f.subarray(14, 34), at);
    hdrPtrs[i] = at;
  }
  // in_cksum over 64 and 1500 bytes of random data
  const fillRandom = (p: number, n: number) => {
    for (let j = 0; j < n; j++) u8[p + j] = Math.floor(r() * 256);
  };
  const C64_POOL = 1024;
  const c64Ptrs = new Uint32Array(C64_POOL);
  for (let i = 0; i < C64_POOL; i++) {
    const p = alloc(128) + 14;
    fillRandom(p, 64);
    c64Ptrs[i] = p;
  }
  const C1500_POOL = 64; // 64 x 1.5 KB: L2-resident
  const c1500Ptrs = new Uint32Array(C1500_POOL);
  for (let i = 0; i < C1500_POOL; i++) {
    const p = alloc(1536 + 64) + 14;
    fillRandom(p, 1500);
    c1500Ptrs[i] = p;
  }
  // toe_hash over 12 bytes (IPv4 src, dst, ports) and 36 bytes (IPv6 src, dst, ports), wm0's key table
  const toeTable = L.rss[0]!.table;
  const TOE_POOL = 1024;
  const toe12Ptrs = new Uint32Array(TOE_POOL);
  const toe36Ptrs = new Uint32Array(TOE_POOL);
  for (let i = 0; i < TOE_POOL; i++) {
    const p = alloc(64);
    fillRandom(p, 12);
    toe12Ptrs[i] = p;
    const q = alloc(64);
    fillRandom(q, 36);
    toe36Ptrs[i] = q;
  }
  // rt_lookup4 / rt_lookup6: random addresses, half inside the table's prefixes, half uniform
  const LK_POOL = 4096;
  const addrs4 = randomAddrs4(pr4, LK_POOL);
  const a6 = randomAddrs6(genPrefixes6(ROUTES, ROUTES), LK_POOL);
  const a6base = alloc(LK_POOL * 16);
  u8.set(a6, a6base);
  const addr6Ptrs = Uint32Array.from({ length: LK_POOL }, (_, i) => a6base + i * 16);
  const rt4 = L.rt4;
  const rt6 = L.rt6;
  const fib4 = L.fib4.head;
  // ipflow_lookup hit: FLOWS flows inserted, then looked up in random order
  const cpu = L.cpu[0]!;
  const ft = cpu.flow;
  const cnt = cpu.counters;
  const flowKey: number[] = [];
  const dsts = new Set<number>();
  for (let i = 0; dsts.size < FLOWS; i++) dsts.add((pr4[i]!.net + 1) >>> 0); // distinct keys
  for (const dst of dsts) {
    const p = alloc(64) + 14 + 12; // src at IP header + 12, dst at + 16
    u8.set([192, 0, 2, 10], p);
    u8.set([dst >>> 24, (dst >>> 16) & 255, (dst >>> 8) & 255, dst & 255], p + 4);
    const mac = alloc(64);
    if (raw('ipflow_insert')(ft, p, p + 4, 0, 1, 2, 1500, mac, mac, 1, cnt) === 0)
      throw new Error('ipflow_insert failed');
    flowKey.push(p);
  }
  const FL_POOL = 4096;
  const flowSrc = Uint32Array.from({ length: FL_POOL }, () => flowKey[Math.floor(r() * FLOWS)]!);
  const flowDst = flowSrc.map((p) => p + 4);
  const NOW = 1;
  const hashsize = m.dv.getUint32(ft + FT_HASHSIZE, true);
  const buckets = m.dv.getUint32(ft + FT_BUCKETS, true);
  const chains: number[] = [];
  for (let b = 0; b < hashsize; b++) {
    let len = 0;
    for (let e = m.dv.getUint32(buckets + b * 4, true); e !== 0; e = m.dv.getUint32(e + FE_HNEXT, true)) len++;
    chains.push(len);
  }
  const probes = chains.reduce((s, l) => s + (l * (l + 1)) / 2, 0) / FLOWS; // mean entries compared per hit
  F.notes.push(
    `ipflow table: ${FLOWS} flows in ${hashsize} buckets (maxflows ${m.dv.getUint32(ft + FT_MAX, true)}, the default scenario's): ` +
      `longest chain ${Math.max(...chains)}, empty buckets ${chains.filter((l) => l === 0).length}, a hit compares ${probes.toFixed(1)} entries on average`,
  );

  // ---- twins agree on every input? (same memory, same inputs: they must) --------------------
  const agree = (kname: string, w: (i: number) => number, t: (i: number) => number, n: number, needNonZero = false) => {
    let bad = 0;
    let zero = 0;
    for (let i = 0; i < n; i++) {
      const a = w(i) >>> 0;
      if (a !== t(i) >>> 0) bad++;
      if (a === 0) zero++;
    }
    if (needNonZero && zero) bad += zero;
    F.mismatches[kname] = bad;
  };
  const wHdr = raw('in_cksum_hdr20'),
    wCk = raw('in_cksum'),
    wToe = raw('toe_hash');
  const wLk4 = raw('rt_lookup4'),
    wLk6 = raw('rt_lookup6'),
    wFib4 = raw('fib4_lookup');
  const wFlow = raw('ipflow_lookup'),
    wHeap = raw('heap_base');
  const loaderHeap = (loader.demangle({ heap_base: wHeap }) as unknown as { heap_base: Fn }).heap_base;
  agree(
    K_HDR,
    (i) => wHdr(hdrPtrs[i]!),
    (i) => cksum.in_cksum_hdr20(m, hdrPtrs[i]!),
    HDR_POOL,
  );
  agree(
    K_C64,
    (i) => wCk(c64Ptrs[i]!, 64),
    (i) => cksum.in_cksum(m, c64Ptrs[i]!, 64),
    C64_POOL,
  );
  agree(
    K_C1500,
    (i) => wCk(c1500Ptrs[i]!, 1500),
    (i) => cksum.in_cksum(m, c1500Ptrs[i]!, 1500),
    C1500_POOL,
  );
  agree(
    K_TOE12,
    (i) => wToe(toeTable, toe12Ptrs[i]!, 12),
    (i) => toeplitz.toe_hash(m, toeTable, toe12Ptrs[i]!, 12),
    TOE_POOL,
  );
  agree(
    K_TOE36,
    (i) => wToe(toeTable, toe36Ptrs[i]!, 36),
    (i) => toeplitz.toe_hash(m, toeTable, toe36Ptrs[i]!, 36),
    TOE_POOL,
  );
  agree(
    K_LK4,
    (i) => wLk4(rt4, addrs4[i]!),
    (i) => radix.rt_lookup4(m, rt4, addrs4[i]!),
    LK_POOL,
  );
  agree(
    K_FIB4,
    (i) => wFib4(fib4, addrs4[i]!),
    (i) => dir24.fib4_lookup(m, fib4, addrs4[i]!),
    LK_POOL,
  );
  const fibVsRadix = addrs4.reduce((n, a) => n + (wFib4(fib4, a) >>> 0 !== wLk4(rt4, a) >>> 0 ? 1 : 0), 0);
  F.notes.push(
    `fib4_lookup: the compiled FIB of the same IPv4 table; its tbl24 is 32 MiB, but the ${LK_POOL}-address pool touches at most ${LK_POOL} of its cache lines, which stay in L2 once warm; answers differing from rt_lookup4: ${fibVsRadix} of ${LK_POOL}`,
  );
  agree(
    K_LK6,
    (i) => wLk6(rt6, addr6Ptrs[i]!),
    (i) => radix.rt_lookup6(m, rt6, addr6Ptrs[i]!),
    LK_POOL,
  );
  agree(
    K_FLOW,
    (i) => wFlow(ft, flowSrc[i]!, flowDst[i]!, 0, NOW, cnt),
    (i) => ipflow.ipflow_lookup(m, ft, flowSrc[i]!, flowDst[i]!, 0, NOW, cnt),
    FL_POOL,
    true,
  );
  const hits4 = addrs4.reduce((s, a) => s + (wLk4(rt4, a) !== 0 ? 1 : 0), 0);
  const hits6 = addr6Ptrs.reduce((s, p) => s + (wLk6(rt6, p) !== 0 ? 1 : 0), 0);
  F.notes.push(
    `rt_lookup4: ${stack.tables.routeCount(4)} IPv4 routes (1,000 generated + the scenario's connected/local/special ones); ${((100 * hits4) / LK_POOL).toFixed(0)}% of the ${LK_POOL} addresses match a route`,
  );
  F.notes.push(
    `rt_lookup6: ${stack.tables.routeCount(6)} IPv6 routes (1,000 generated + connected/local); ${((100 * hits6) / LK_POOL).toFixed(0)}% of the ${LK_POOL} addresses match a route`,
  );

  // ---- the cases --------------------------------------------------------------------------------
  const N = N_CALLS;
  const M_HDR = HDR_POOL - 1,
    M_C64 = C64_POOL - 1,
    M_C1500 = C1500_POOL - 1,
    M_TOE = TOE_POOL - 1,
    M_LK = LK_POOL - 1,
    M_FL = FL_POOL - 1;
  let c = 0; // input cursor, shared (every case walks its own pool with it)
  const noop = (): number => 0;

  const cases: { kernel: string; engine: CaseResult['engine']; body: () => void }[] = [
    {
      kernel: K_EMPTY,
      engine: 'wasm',
      body: () => {
        let a = 0;
        for (let i = 0; i < N; i++) a ^= wHeap();
        sink(a);
      },
    },
    {
      kernel: K_EMPTY,
      engine: 'wasm-loader',
      body: () => {
        let a = 0;
        for (let i = 0; i < N; i++) a ^= loaderHeap();
        sink(a);
      },
    },
    {
      kernel: K_EMPTY,
      engine: 'ts',
      body: () => {
        let a = 0;
        for (let i = 0; i < N; i++) a ^= noop();
        sink(a);
      },
    },

    {
      kernel: K_HDR,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wHdr(hdrPtrs[(b + i) & M_HDR]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_HDR,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= cksum.in_cksum_hdr20(m, hdrPtrs[(b + i) & M_HDR]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_C64,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wCk(c64Ptrs[(b + i) & M_C64]!, 64);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_C64,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= cksum.in_cksum(m, c64Ptrs[(b + i) & M_C64]!, 64);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_C1500,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wCk(c1500Ptrs[(b + i) & M_C1500]!, 1500);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_C1500,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= cksum.in_cksum(m, c1500Ptrs[(b + i) & M_C1500]!, 1500);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_TOE12,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wToe(toeTable, toe12Ptrs[(b + i) & M_TOE]!, 12);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_TOE12,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= toeplitz.toe_hash(m, toeTable, toe12Ptrs[(b + i) & M_TOE]!, 12);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_TOE36,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wToe(toeTable, toe36Ptrs[(b + i) & M_TOE]!, 36);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_TOE36,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= toeplitz.toe_hash(m, toeTable, toe36Ptrs[(b + i) & M_TOE]!, 36);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_LK4,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wLk4(rt4, addrs4[(b + i) & M_LK]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_LK4,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= radix.rt_lookup4(m, rt4, addrs4[(b + i) & M_LK]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_FIB4,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wFib4(fib4, addrs4[(b + i) & M_LK]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_FIB4,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= dir24.fib4_lookup(m, fib4, addrs4[(b + i) & M_LK]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_LK6,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= wLk6(rt6, addr6Ptrs[(b + i) & M_LK]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_LK6,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) a ^= radix.rt_lookup6(m, rt6, addr6Ptrs[(b + i) & M_LK]!);
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },

    {
      kernel: K_FLOW,
      engine: 'wasm',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) {
          const j = (b + i) & M_FL;
          a ^= wFlow(ft, flowSrc[j]!, flowDst[j]!, 0, NOW, cnt);
        }
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
    {
      kernel: K_FLOW,
      engine: 'ts',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < N; i++) {
          const j = (b + i) & M_FL;
          a ^= ipflow.ipflow_lookup(m, ft, flowSrc[j]!, flowDst[j]!, 0, NOW, cnt);
        }
        c = (b + N) & 0xfffff;
        sink(a);
      },
    },
  ];

  const caseName = (cs: { kernel: string; engine: string }) => `${cs.kernel} [${cs.engine}]`;
  const summary = await suite(
    'mpstack kernels: WASM vs TS (one op = 1024 calls)',
    ...cases.map((cs) => add(caseName(cs), cs.body, BENNY_CASE)),
    // print plain lines (benny's default rewrites the terminal in place, which garbles logs)
    cycle((res) => {
      console.log(`  ${res.name}: ${num((res.details.median * 1e9) / N)} ns/call (±${res.margin}%)`);
    }),
    save({ file: 'kernels', folder: resultsDir(), format: 'chart.html' }),
  );

  const results: CaseResult[] = summary.results.map((res, i) => ({
    kernel: cases[i]!.kernel,
    engine: cases[i]!.engine,
    name: res.name,
    nsPerCall: sig((res.details.median * 1e9) / N),
    meanNs: sig((res.details.mean * 1e9) / N),
    rmePercent: res.margin,
    samplesNsPerCall: res.details.sampleResults.map((s) => sig((s * 1e9) / N)),
  }));
  const get = (kernel: string, engine: CaseResult['engine']) =>
    results.find((q) => q.kernel === kernel && q.engine === engine)?.nsPerCall ?? null;
  const emptyWasm = get(K_EMPTY, 'wasm')!;
  const emptyLoader = get(K_EMPTY, 'wasm-loader')!;
  const emptyTs = get(K_EMPTY, 'ts')!;

  const rows: (string | number)[][] = [];
  rows.push(['empty call: raw export heap_base()', num(emptyWasm), '(call overhead)', '-', '-', '-']);
  const wrapperNs = emptyLoader - emptyWasm;
  rows.push([
    'empty call: k.exports.heap_base (loader wrapper)',
    num(emptyLoader),
    `(${wrapperNs >= 0 ? '+' : ''}${wrapperNs.toFixed(2)} wrapper)`,
    '-',
    '-',
    '-',
  ]);
  rows.push(['empty loop, inlined TS no-op', '-', '-', num(emptyTs), '-', '-']);
  const kernels = [...new Set(cases.map((q) => q.kernel))].filter((k) => !k.startsWith('empty'));
  const ratios: Record<string, number> = {};
  for (const kn of kernels) {
    const w = get(kn, 'wasm')!;
    const t = get(kn, 'ts')!;
    ratios[kn] = sig(t / w, 3);
    rows.push([kn, num(w), num(Math.max(0, w - emptyWasm)), num(t), `${num(t / w)}x`, F.mismatches[kn] ?? '-']);
  }
  const text = [
    'Kernels: WASM (raw export) vs TS twin, same memory, same inputs; median ns per call',
    table(['kernel', 'WASM ns', 'WASM - call', 'TS ns', 'TS/WASM', 'twin mismatches'], rows),
    ...F.notes.map((n) => `  note: ${n}`),
    `  note: WASM - call = WASM ns/call minus the raw empty-call time (${num(emptyWasm)} ns): the kernel's own work, roughly`,
    `  note: benny (benchmark.js) samples, ${BENNY_CASE.maxTime}s per case; one op = ${N} calls over a pool of inputs; chart: bench/results/kernels.chart.html`,
  ].join('\n');

  const jsonPath = writeResults('kernels', {
    tool: 'benny 3.7 (benchmark.js); per case: median of samples, each sample = seconds per op / calls per op',
    callsPerOp: N,
    bennyOptions: BENNY_CASE,
    units: 'ns per call',
    emptyCallNs: { rawExport: emptyWasm, loaderWrapper: emptyLoader, tsInlinedNoop: emptyTs },
    tsOverWasm: ratios,
    twinMismatches: F.mismatches,
    notes: F.notes,
    results,
    sink: sinkRead(),
    durationS: (Date.now() - t0) / 1000,
  });
  if (opts.print !== false) console.log('\n' + text + `\n  results: ${jsonPath}\n`);
  return { suite: 'kernels', text, jsonPath };
}

if (isMain(import.meta.url)) await runKernels();
