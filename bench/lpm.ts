// Longest-prefix match: mpstack's radix lookup against the npm libraries a JS user would reach for,
// over one 1,000-prefix IPv4 table and one set of random addresses, timed with benny.
//
// The table is the default scenario's generator output (generateRoutes, seed 2016: the same 1,000
// IPv4 prefixes as defaultScenarioConfig({ v4Routes: 1000 })), loaded into a Stack as blackhole
// routes, each with its own nexthop (a distinct route MTU makes it one), so the nexthop id a lookup
// returns names the matched prefix. Both of the stack's IPv4 lookups are timed: the radix tree
// (rt_lookup4, the RIB) and the compiled DIR-24-8 FIB (fib4_lookup, the data path's default). Every
// library is built from the same prefix texts. Addresses: half inside a random table prefix, half
// uniform over 1.0.0.0-223.255.255.255.
//
// What each library can answer:
//   longest-prefix-match  LPM (getMatch wants CIDR text, so it gets 'a.b.c.d/32')
//   netmask               Netmask#contains over the list sorted longest prefix first: the first hit
//                         is the longest match
//   ipaddr.js             IPv4.parse once, then IPv4#match over [addr, bits] pairs from parseCIDR,
//                         sorted longest first: LPM
//   cidr-matcher          membership only (is the address inside any range)
//   net.BlockList         membership only (node's built-in; check() says blocked or not)
// LPM answers are compared with ours as prefix text; membership answers with "ours matched a route".
// The libraries take address strings, ours a host-order u32; "string in" times our own parser
// (ts/addr/addr.js parseIPv4) plus the lookup, to compare like with like.
import net from 'node:net';
import { add, cycle, save, suite } from 'benny';
import CIDRMatcher from 'cidr-matcher';
import ipaddr from 'ipaddr.js';
import LongestPrefixMatch from 'longest-prefix-match';
import { Netmask } from 'netmask';
import type { RouteSpec } from '../ts/config/routes-file.js';
import { type WasmKernels, tsKernels } from '../ts/stack/kernels.js';
import { Stack, type StackConfig } from '../ts/stack/stack.js';
import * as dir24 from '../ts/kernels/fib/dir24.js';
import * as radix from '../ts/kernels/fib/radix.js';
import { parseIPv4 } from '../ts/addr/addr.js';
import {
  BENNY_CASE,
  type SuiteOptions,
  type SuiteReport,
  fmt4,
  genPrefixes4,
  isMain,
  num,
  randomAddrs4,
  resultsDir,
  sig,
  sink,
  table,
  writeResults,
} from './common.js';

const PREFIXES = 1000;
const POOL = 4096; // addresses
const PER_OP = 64; // lookups per benny op
const SAMPLE = 2000; // addresses checked for agreement

type Fn = (...a: number[]) => number;

export async function runLpm(opts: SuiteOptions = {}): Promise<SuiteReport> {
  const t0 = Date.now();
  const prefixes = genPrefixes4(PREFIXES);
  const routes: RouteSpec[] = prefixes.map((p, i) => ({
    family: 4,
    dst: p.bytes,
    plen: p.plen,
    via: null,
    dev: null,
    type: 'blackhole',
    mtu: 1000 + i,
    metric: 0,
    proto: null,
    file: '<bench>',
    line: i + 1,
  }));
  const config: StackConfig = {
    interfaces: [],
    routes,
    neighbors: [],
    ipflow: { hashsize: 64, maxflows: 256, idle: 5 },
    icmp: { ratelimit: 0, burst: 1 },
    fastforward: false,
    fib: 'compiled',
  };
  const stack = new Stack(config, { engine: 'wasm' });
  const x = (stack.k as WasmKernels).exports;
  const raw = (name: string): Fn => {
    const f = x[name] as Fn & { original?: Fn };
    return f.original ?? f;
  };
  const wLookup = raw('rt_lookup4');
  const wFib = raw('fib4_lookup');
  const m = tsKernels(stack.k.memory).mem;
  const rt4 = stack.L.rt4;
  const fib4 = stack.L.fib4.head;
  if (stack.tables.routeCount(4) !== PREFIXES)
    throw new Error(`expected ${PREFIXES} routes, table has ${stack.tables.routeCount(4)}`);
  const prefixOfNh: string[] = [''];
  stack.tables.wlock.runSync('bench', () => {
    for (const p of prefixes) prefixOfNh[stack.tables.getRoute(4, p.bytes, p.plen)!.id] = p.text;
  });
  if (new Set(prefixOfNh).size !== PREFIXES + 1) throw new Error('expected one nexthop per prefix');

  const addrs = randomAddrs4(prefixes, POOL);
  const strs = Array.from(addrs, (a) => fmt4(a));
  const cidr32 = strs.map((s) => `${s}/32`);
  const texts = prefixes.map((p) => p.text);
  const longestFirst = [...prefixes].sort((a, b) => b.plen - a.plen);

  // the libraries' tables
  const lpmLib = new LongestPrefixMatch();
  for (const t of texts) lpmLib.addPrefix(t, t);
  const netmasks = longestFirst.map((p) => new Netmask(p.text));
  const ipaddrList = longestFirst.map((p) => ipaddr.IPv4.parseCIDR(p.text));
  const ipaddrText = longestFirst.map((p) => p.text);
  const matcher = new CIDRMatcher(texts);
  const blockList = new net.BlockList();
  for (const p of prefixes) blockList.addSubnet(fmt4(p.net), p.plen, 'ipv4');

  // one answer per implementation: the matched prefix text ('' = none), or for membership '1'/''
  const ours = (a: number): string => prefixOfNh[wLookup(rt4, a) >>> 0]!;
  const netmaskLpm = (s: string): string => {
    for (const nm of netmasks) if (nm.contains(s)) return `${nm.base}/${nm.bitmask}`;
    return '';
  };
  const ipaddrLpm = (s: string): string => {
    const a = ipaddr.IPv4.parse(s);
    for (let i = 0; i < ipaddrList.length; i++) {
      const r = ipaddrList[i]!;
      if (a.match(r[0], r[1])) return ipaddrText[i]!;
    }
    return '';
  };
  const lpmLibAnswer = (s: string): string => (lpmLib.getMatch(`${s}/32`)[0] as string | undefined) ?? '';

  // ---- agreement on a sample -------------------------------------------------------------------
  const n = Math.min(SAMPLE, POOL);
  const disagree: Record<string, number> = {};
  const examples: Record<string, string[]> = {};
  const count = (name: string, bad: boolean, what: string) => {
    disagree[name] = (disagree[name] ?? 0) + (bad ? 1 : 0);
    if (bad && (examples[name] ??= []).length < 3) examples[name]!.push(what);
  };
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const a = addrs[i]!;
    const s = strs[i]!;
    const o = ours(a);
    if (o) hits++;
    const w = wLookup(rt4, a) >>> 0;
    const t = radix.rt_lookup4(m, rt4, a) >>> 0;
    const f = wFib(fib4, a) >>> 0;
    const ft = dir24.fib4_lookup(m, fib4, a) >>> 0;
    count('mpstack rt_lookup4 TS', t !== w, `${s}: ts ${t}, wasm ${w}`);
    count('mpstack fib4_lookup WASM', f !== w, `${s}: fib ${prefixOfNh[f] || '-'}, radix ${o || '-'}`);
    count('mpstack fib4_lookup TS', ft !== w, `${s}: fib ${prefixOfNh[ft] || '-'}, radix ${o || '-'}`);
    const l = lpmLibAnswer(s);
    count('longest-prefix-match', l !== o, `${s}: lib ${l || '-'}, ours ${o || '-'}`);
    const nm = netmaskLpm(s);
    count('netmask', nm !== o, `${s}: lib ${nm || '-'}, ours ${o || '-'}`);
    const ia = ipaddrLpm(s);
    count('ipaddr.js', ia !== o, `${s}: lib ${ia || '-'}, ours ${o || '-'}`);
    const cm = matcher.contains(s);
    count('cidr-matcher', cm !== (o !== ''), `${s}: lib ${cm}, ours ${o || '-'}`);
    const bl = blockList.check(s, 'ipv4');
    count('net.BlockList', bl !== (o !== ''), `${s}: lib ${bl}, ours ${o || '-'}`);
  }

  // ---- timing --------------------------------------------------------------------------------------
  const MASK = POOL - 1;
  let c = 0;
  const cases: { name: string; answers: 'LPM' | 'membership'; agreeKey: string | null; body: () => void }[] = [
    {
      name: 'mpstack rt_lookup4, WASM (u32 in)',
      answers: 'LPM',
      agreeKey: null,
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a ^= wLookup(rt4, addrs[(b + i) & MASK]!);
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'mpstack rt_lookup4, TS twin (u32 in)',
      answers: 'LPM',
      agreeKey: 'mpstack rt_lookup4 TS',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a ^= radix.rt_lookup4(m, rt4, addrs[(b + i) & MASK]!);
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'mpstack fib4_lookup (DIR-24-8), WASM (u32 in)',
      answers: 'LPM',
      agreeKey: 'mpstack fib4_lookup WASM',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a ^= wFib(fib4, addrs[(b + i) & MASK]!);
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'mpstack fib4_lookup (DIR-24-8), TS twin (u32 in)',
      answers: 'LPM',
      agreeKey: 'mpstack fib4_lookup TS',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a ^= dir24.fib4_lookup(m, fib4, addrs[(b + i) & MASK]!);
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'mpstack WASM, string in (parseIPv4 + rt_lookup4)',
      answers: 'LPM',
      agreeKey: null,
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a ^= wLookup(rt4, parseIPv4(strs[(b + i) & MASK]!)!);
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'longest-prefix-match getMatch',
      answers: 'LPM',
      agreeKey: 'longest-prefix-match',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a += lpmLib.getMatch(cidr32[(b + i) & MASK]!).length;
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'netmask Netmask#contains, list longest-first',
      answers: 'LPM',
      agreeKey: 'netmask',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a += netmaskLpm(strs[(b + i) & MASK]!).length;
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'ipaddr.js parse + IPv4#match, list longest-first',
      answers: 'LPM',
      agreeKey: 'ipaddr.js',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a += ipaddrLpm(strs[(b + i) & MASK]!).length;
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'cidr-matcher contains',
      answers: 'membership',
      agreeKey: 'cidr-matcher',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a += matcher.contains(strs[(b + i) & MASK]!) ? 1 : 0;
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
    {
      name: 'node net.BlockList check',
      answers: 'membership',
      agreeKey: 'net.BlockList',
      body: () => {
        let a = 0;
        const b = c;
        for (let i = 0; i < PER_OP; i++) a += blockList.check(strs[(b + i) & MASK]!, 'ipv4') ? 1 : 0;
        c = (b + PER_OP) & MASK;
        sink(a);
      },
    },
  ];
  const summary = await suite(
    `LPM: ${PREFIXES} IPv4 prefixes, random addresses (one op = ${PER_OP} lookups)`,
    ...cases.map((cs) => add(cs.name, cs.body, BENNY_CASE)),
    cycle((res) => {
      console.log(`  ${res.name}: ${num(PER_OP / res.details.median)} lookups/s (±${res.margin}%)`);
    }),
    save({ file: 'lpm', folder: resultsDir(), format: 'chart.html' }),
  );

  const results = summary.results.map((res, i) => ({
    name: res.name,
    answers: cases[i]!.answers,
    lookupsPerS: sig(PER_OP / res.details.median),
    nsPerLookup: sig((res.details.median * 1e9) / PER_OP),
    rmePercent: res.margin,
    samplesNsPerLookup: res.details.sampleResults.map((s) => sig((s * 1e9) / PER_OP)),
    disagreements: cases[i]!.agreeKey ? (disagree[cases[i]!.agreeKey!] ?? 0) : null,
    disagreementExamples: cases[i]!.agreeKey ? (examples[cases[i]!.agreeKey!] ?? []) : [],
  }));
  const base = results[0]!.nsPerLookup;
  const rows = results.map((r) => [
    r.name,
    r.answers,
    num(r.lookupsPerS),
    num(r.nsPerLookup),
    r === results[0] ? '1x' : `${num(r.nsPerLookup / base)}x`,
    r.disagreements === null ? '-' : `${r.disagreements} / ${n}`,
  ]);
  const notes = [
    `table: ${PREFIXES} generated IPv4 prefixes (generateRoutes seed 2016; /16-/24); ${POOL} addresses, ${((100 * hits) / n).toFixed(0)}% of the ${n}-address agreement sample match a prefix`,
    'reference answer: mpstack rt_lookup4 (WASM), whose nexthop id names the matched prefix; LPM rows are checked against it as prefix text, membership rows (cidr-matcher, net.BlockList cannot answer LPM) as matched / not matched',
    'libraries take address strings; mpstack u32 rows exclude parsing, the "string in" row includes ts/addr/addr.js parseIPv4',
    ...Object.entries(examples)
      .filter(([, v]) => v.length)
      .map(([k, v]) => `disagreement examples, ${k}: ${v.join('; ')}`),
  ];
  const text = [
    'LPM: lookups/s, median of benny samples',
    table(['implementation', 'answers', 'lookups/s', 'ns/lookup', 'time vs rt_lookup4 WASM', 'disagreements'], rows),
    ...notes.map((q) => `  note: ${q}`),
  ].join('\n');
  const jsonPath = writeResults('lpm', {
    tool: 'benny 3.7 (benchmark.js); per case: median of samples, each sample = seconds per op / lookups per op',
    prefixes: PREFIXES,
    addresses: POOL,
    lookupsPerOp: PER_OP,
    agreementSample: n,
    bennyOptions: BENNY_CASE,
    notes,
    results,
    durationS: (Date.now() - t0) / 1000,
  });
  if (opts.print !== false) console.log('\n' + text + `\n  results: ${jsonPath}\n`);
  return { suite: 'lpm', text, jsonPath };
}

if (isMain(import.meta.url)) await runLpm();
