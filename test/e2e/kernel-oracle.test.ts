// The Linux kernel as the oracle for `mpstack route lookup`.
//
// One table, two routers: a network namespace whose interfaces carry the addresses of our config and
// whose main table is loaded with our routes_file (`ip -batch`, each line given a `route add`
// prefix), and mpstack reading the same config and file. A few thousand addresses (inside, at the
// edges of and just outside generated prefixes, more-specifics and special routes; our own
// addresses and networks; uniformly random ones) are then asked of both, and every answer must
// agree: kind, gateway and device against `ip route get`, and the matched prefix as well against
// `ip route get fibmatch`, which returns the FIB entry the kernel chose.
//
// How the kernel answers, found by asking it (iproute2 6.1, Linux 6.x):
//   - a unicast route: JSON without "type", with "gateway" when the route has one, and "dev";
//     fibmatch gives the route's "dst" as a prefix (a host route without "/32" or "/128");
//   - our own address: "type":"local"; `route get` says "dev lo" (the packet would be looped back),
//     fibmatch names the interface that holds the address, as mpstack does;
//   - an IPv4 directed broadcast: "type":"broadcast" with the interface;
//   - reject routes and misses are errors ("RTNETLINK answers: ..."), mapped by KERNEL_ERRORS; the
//     kernel names no prefix then, so for those only the kind is compared.
// Linux consults its local table (local and broadcast routes) before the main table; mpstack has one
// table in which those are /32 and /128 host routes, so both give the same longest match as long as
// no configured route is itself a /32 or /128 equal to one of our addresses (mpstack refuses that
// as "route already exists"; none of ours is).
//
// What is left out on purpose: 0.0.0.0/8 (the kernel's output path reads 0.0.0.0 as "this host"),
// fe80::/10 and ff00::/8 (the kernel adds link-local and multicast routes on every interface; mpstack
// routes neither). IPv6 forwarding stays off in the namespace, so the kernel adds no subnet-router
// anycast routes, which mpstack does not have either.
//
// The interfaces are veth pairs (both ends in the namespace, up, so the carrier is up) rather than
// dummies: the dummy driver is not built into every kernel (the VM kernel this test was written on
// has veth, bridge and ifb, but no dummy).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRoutesText } from '../../ts/config/routes-file.js';
import { type Family, formatIP, formatPrefix, parseIP, parsePrefix } from '../../ts/addr/addr.js';
import { rng } from '../../ts/scenario/routes-gen.js';
import { type BatchResult, Netns } from './netns.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');

/** Table size: generated routes, plus the special routes and more-specifics below. */
const GEN_V4 = 20000;
const GEN_V6 = 5000;
const SEED = 20240917;

const GW4 = ['198.51.100.254', '203.0.113.254'];
const GW6 = ['2001:db8:1::fe', '2001:db8:2::fe'];
const GW_DEV: Record<string, string> = {
  '198.51.100.254': 'wm1',
  '203.0.113.254': 'wm2',
  '2001:db8:1::fe': 'wm1',
  '2001:db8:2::fe': 'wm2',
};

/**
 * The interfaces, written both to the config and into the namespace. wm1 has a secondary address in
 * its own network; wm3 has the short and host-length cases: /30, /31 (no broadcast), /32 and /128
 * (which Linux makes a local route and no connected one), and an IPv6 /127.
 */
const IFACES: { name: string; addresses: string[] }[] = [
  { name: 'wm0', addresses: ['192.0.2.1/24', '10.9.0.1/16', '2001:db8::1/64'] },
  { name: 'wm1', addresses: ['198.51.100.1/24', '198.51.100.2/24', '2001:db8:1::1/64'] },
  { name: 'wm2', addresses: ['203.0.113.1/24', '2001:db8:2::1/64', '2001:db8:20::1/56'] },
  {
    name: 'wm3',
    addresses: ['100.64.0.1/30', '100.64.0.8/31', '100.64.0.20/32', '2001:db8:3::1/128', '2001:db8:4::/127'],
  },
];

/** Routes beside the generated ones, each there for the case its comment names. */
const SPECIAL = [
  'blackhole 100.64.0.0/10', // holds wm3's networks, which are longer
  'unreachable 100.128.0.0/9',
  'prohibit 172.16.0.0/12',
  '172.32.0.0/16 dev wm2', // on-link: a device and no gateway
  '10.0.0.0/8 via 203.0.113.254 dev wm2', // holds wm0's 10.9.0.0/16
  'blackhole 10.66.0.0/16',
  '10.66.77.0/24 via 198.51.100.254', // unicast in a blackhole in a unicast
  'unreachable 10.66.77.128/25',
  '10.66.77.5 via 203.0.113.254', // a bare address: the host route /32
  'blackhole 192.0.2.0/28', // holds our own 192.0.2.1: the local route wins
  'prohibit 192.0.2.192/26', // holds the directed broadcast 192.0.2.255
  'unreachable 198.51.100.0/28', // in wm1's network, holding its addresses but not its gateway
  'blackhole 240.0.0.0/4', // class E, and 255.255.255.255
  'blackhole 2001:db8:5::/48',
  'unreachable 2001:db8:6::/48',
  'prohibit 2001:db8:7::/48',
  '2001:db8:8::/48 dev wm1',
  '2001:db8:9::/48 via 2001:db8:2::fe dev wm2',
  'unreachable 2001:db8:9:8000::/49',
  '2001:db8:9:8000::1 via 2001:db8:1::fe', // the host route /128
  'blackhole 2001:db8::/120', // holds our own 2001:db8::1
  'prohibit 2001:db8:0:0:8000::/65', // the upper half of wm0's /64
  'prohibit 2001:db8:4::/64', // holds wm3's /127
  'unreachable 4000::/3',
];

/** Addresses whose answers are fixed by rules rather than by routes we chose. */
const EDGE = [
  '255.255.255.255',
  '224.0.0.1',
  '239.255.255.250',
  '127.0.0.1',
  '::ffff:192.0.2.1',
  '64:ff9b::c000:201',
  '2002:c000:201::1',
];

/**
 * The kernel's error for each answer kind of ours (errno via strerror): ENETUNREACH when nothing
 * matches (IPv4: the FIB misses; IPv6: the lookup ends on ip6_null_entry), then the error each
 * reject route type carries in fib_props / ip6_rt_type_to_error.
 */
const KERNEL_ERRORS: Record<string, Kind> = {
  'Network is unreachable': 'none',
  'No route to host': 'unreachable',
  'Invalid argument': 'blackhole',
  'Permission denied': 'prohibit',
};

type Kind = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit' | 'none';

/** One router's answer for one address; prefix is null where the router does not say. */
interface Answer {
  kind: string;
  prefix: string | null;
  gw: string | null;
  dev: string | null;
}

interface Query {
  addr: string;
  family: Family;
  group: string;
}

/** A prefix as numbers, for arithmetic on addresses of either family. */
interface Net {
  family: Family;
  net: bigint;
  plen: number;
}

const bits = (f: Family) => (f === 4 ? 32 : 128);
const hostMask = (f: Family, plen: number) => (1n << BigInt(bits(f) - plen)) - 1n;

function toBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function fromBig(n: bigint, f: Family): Uint8Array {
  const b = new Uint8Array(f === 4 ? 4 : 16);
  for (let i = b.length - 1; i >= 0; i--, n >>= 8n) b[i] = Number(n & 0xffn);
  return b;
}

const addrText = (n: bigint, f: Family) => formatIP(fromBig(n, f));

function randBig(r: () => number, nbits: number): bigint {
  let n = 0n;
  for (let i = 0; i < nbits; i += 32) n = (n << 32n) | BigInt(Math.floor(r() * 2 ** 32));
  return n & ((1n << BigInt(nbits)) - 1n);
}

/** Every route of a routes_file text as a Net, in file order. */
function netsOf(text: string): Net[] {
  const out: Net[] = [];
  parseRoutesText(text, 'routes', (r) => {
    out.push({ family: r.family, net: toBig(r.dst), plen: r.plen });
  });
  return out;
}

/** A prefix text in canonical form: 'a.b.c.d/n' or RFC 5952 IPv6; a bare address is /32 or /128. */
function canonPrefix(s: string): string {
  const p = parsePrefix(s);
  if (!p) throw new Error(`not a prefix: '${s}'`);
  return formatPrefix(p.bytes, p.plen);
}

function canonAddr(s: string): string {
  const a = parseIP(s);
  if (!a) throw new Error(`not an address: '${s}'`);
  return formatIP(a.bytes);
}

/**
 * More-specifics inside generated prefixes: IPv4 /25../32 (the compiled FIB's second level) and
 * IPv6 /60../128, of every route type, a third of them with one more level nested inside. `taken`
 * (canonical prefixes already in the table) is extended; a prefix already there is skipped.
 */
function moreSpecifics(r: () => number, gen: { net: Net; gw: string }[], taken: Set<string>): string[] {
  const lines: string[] = [];
  const kinds = (p: string, net: Net, parentGw: string, i: number): string => {
    const gws = net.family === 4 ? GW4 : GW6;
    const other = gws.find((g) => g !== parentGw) ?? gws[0]!;
    switch (i % 6) {
      case 0:
        return `${p} via ${other}`;
      case 1:
        return `blackhole ${p}`;
      case 2:
        return `unreachable ${p}`;
      case 3:
        return `prohibit ${p}`;
      case 4:
        return `${p} dev wm0`;
      default:
        return `${p} via ${other} dev ${GW_DEV[other]}`;
    }
  };
  const add = (parent: Net, plen: number, gw: string, i: number): Net | null => {
    const sub: Net = {
      family: parent.family,
      net:
        parent.net |
        (randBig(r, bits(parent.family)) & hostMask(parent.family, parent.plen) & ~hostMask(parent.family, plen)),
      plen,
    };
    const p = formatPrefix(fromBig(sub.net, sub.family), plen);
    if (taken.has(p)) return null;
    taken.add(p);
    lines.push(kinds(p, sub, gw, i));
    return sub;
  };
  const v4 = gen.filter((g) => g.net.family === 4);
  const v6 = gen.filter((g) => g.net.family === 6 && g.net.plen <= 56);
  const V6_LENS = [60, 64, 72, 96, 112, 127, 128];
  for (let i = 0; i < 60; i++) {
    const g = v4[Math.floor(r() * v4.length)]!;
    const sub = add(g.net, 25 + Math.floor(r() * 8), g.gw, i);
    if (sub && i % 3 === 0 && sub.plen <= 30) add(sub, sub.plen + 2, g.gw, i + 1);
  }
  for (let i = 0; i < 30; i++) {
    const g = v6[Math.floor(r() * v6.length)]!;
    const sub = add(g.net, V6_LENS[Math.floor(r() * V6_LENS.length)]!, g.gw, i);
    if (sub && i % 3 === 0 && sub.plen <= 112) add(sub, sub.plen + 8, g.gw, i + 1);
  }
  return lines;
}

/** Builds the query set (deduplicated, the first group to name an address keeps it). */
function buildQueries(r: () => number, genNets: Net[], specificNets: Net[], specialNets: Net[]): Query[] {
  const out: Query[] = [];
  const seen = new Set<string>();
  const put = (n: bigint, f: Family, group: string) => {
    if (n < 0n || n >= 1n << BigInt(bits(f))) return;
    const addr = addrText(n, f);
    if (seen.has(addr)) return;
    seen.add(addr);
    out.push({ addr, family: f, group });
  };
  /** First, last and a random address of the prefix; with `around`, the neighbours outside it too. */
  const inside = (p: Net, group: string, around: boolean) => {
    const last = p.net | hostMask(p.family, p.plen);
    put(p.net, p.family, group);
    put(last, p.family, group);
    put(p.net | (randBig(r, bits(p.family)) & hostMask(p.family, p.plen)), p.family, group);
    if (around) {
      put(p.net - 1n, p.family, group);
      put(last + 1n, p.family, group);
    }
  };
  for (const i of IFACES) {
    for (const a of i.addresses) {
      const p = parsePrefix(a)!;
      put(toBig(p.bytes), p.family, 'interface');
      inside({ family: p.family, net: toBig(p.bytes) & ~hostMask(p.family, p.plen), plen: p.plen }, 'interface', true);
    }
  }
  for (const a of EDGE) put(toBig(parseIP(a)!.bytes), parseIP(a)!.family, 'edge');
  for (const p of specialNets) inside(p, 'special', true);
  for (const p of specificNets) inside(p, 'more-specific', true);
  const gen4 = genNets.filter((p) => p.family === 4);
  const gen6 = genNets.filter((p) => p.family === 6);
  for (let i = 0; i < 700; i++) inside(gen4[Math.floor(r() * gen4.length)]!, 'generated', false);
  for (let i = 0; i < 300; i++) inside(gen6[Math.floor(r() * gen6.length)]!, 'generated', false);
  for (let i = 0; i < 1500; i++) {
    const n = randBig(r, 32);
    if (n >> 24n !== 0n) put(n, 4, 'random');
  }
  for (let i = 0; i < 500; i++) put((1n << 125n) | randBig(r, 125), 6, 'random'); // 2000::/3
  for (let i = 0; i < 200; i++) {
    const n = randBig(r, 128);
    const top = n >> 118n; // ten bits: fe80::/10 is 0x3fa, ff00::/8 is 0x3fc..0x3ff
    if (top !== 0x3fan && top < 0x3fcn && n > 1n) put(n, 6, 'random');
  }
  return out;
}

/** The kernel's answer to `route get [fibmatch] ADDR`, from its JSON or its error. */
function kernelAnswer(q: Query, res: BatchResult, fibmatch: boolean): Answer {
  if (!res.ok) {
    const kind = KERNEL_ERRORS[res.error];
    if (!kind)
      throw new Error(
        `ip route get ${fibmatch ? 'fibmatch ' : ''}${q.addr}: unexpected kernel error '${res.error}' (add it to KERNEL_ERRORS if it has a meaning)`,
      );
    return { kind, prefix: null, gw: null, dev: null };
  }
  const list = res.json as { type?: string; dst?: string; gateway?: string; dev?: string }[];
  if (!Array.isArray(list) || list.length !== 1 || !list[0]!.dst)
    throw new Error(`ip route get ${q.addr}: unexpected answer ${JSON.stringify(res.json)}`);
  const j = list[0]!;
  // The batch answers in order; check that this answer is about this address.
  let prefix: string | null = null;
  if (fibmatch) {
    prefix = canonPrefix(j.dst!);
    const p = parsePrefix(prefix)!;
    const a = toBig(parseIP(q.addr)!.bytes);
    if (p.family !== q.family || (a & ~hostMask(p.family, p.plen)) !== toBig(p.bytes))
      throw new Error(`ip route get fibmatch ${q.addr} answered for ${prefix}: batch out of step`);
  } else if (canonAddr(j.dst!) !== q.addr) {
    throw new Error(`ip route get ${q.addr} answered for ${j.dst}: batch out of step`);
  }
  return { kind: j.type ?? 'unicast', prefix, gw: j.gateway ? canonAddr(j.gateway) : null, dev: j.dev ?? null };
}

/** Our answer, from one line of `route lookup` (formats in ts/cli/route.ts). */
function ourAnswer(q: Query, line: string): Answer {
  const w = line.split(' ');
  if (w[0] !== q.addr) throw new Error(`route lookup answered '${line}' for ${q.addr}: output out of step`);
  let m: RegExpExecArray | null;
  const rest = w.slice(1).join(' ');
  if (rest === 'unreachable') return { kind: 'none', prefix: null, gw: null, dev: null };
  if ((m = /^(\S+) via (\S+) dev (\S+)$/.exec(rest)))
    return { kind: 'unicast', prefix: canonPrefix(m[1]!), gw: canonAddr(m[2]!), dev: m[3]! };
  if ((m = /^(\S+) dev (\S+)$/.exec(rest)))
    return { kind: 'unicast', prefix: canonPrefix(m[1]!), gw: null, dev: m[2]! };
  if ((m = /^(\S+) (local|broadcast) dev (\S+)$/.exec(rest)))
    return { kind: m[2]!, prefix: canonPrefix(m[1]!), gw: null, dev: m[3]! };
  if ((m = /^(\S+) (blackhole|unreachable|prohibit)$/.exec(rest)))
    return { kind: m[2]!, prefix: canonPrefix(m[1]!), gw: null, dev: null };
  throw new Error(`route lookup: cannot read '${line}'`);
}

/**
 * What of an answer can be compared with the kernel's `route get` (fibmatch false) or
 * `route get fibmatch` (true): rejects and misses by kind alone, local by kind alone against plain
 * `route get` (which says "dev lo"), everything else in full.
 */
function view(a: Answer, fibmatch: boolean): string {
  if (a.kind === 'none') return 'no route';
  if (a.kind === 'blackhole' || a.kind === 'unreachable' || a.kind === 'prohibit') return a.kind;
  if (a.kind === 'local' && !fibmatch) return 'local';
  return [a.kind, fibmatch ? a.prefix : null, a.gw && `via ${a.gw}`, a.dev && `dev ${a.dev}`].filter(Boolean).join(' ');
}

const BACKENDS = [
  { name: 'wasm engine, compiled FIB', args: ['--engine', 'wasm', '--fib', 'compiled'] },
  { name: 'wasm engine, radix tree', args: ['--engine', 'wasm', '--fib', 'radix'] },
  { name: 'ts engine, compiled FIB', args: ['--engine', 'ts', '--fib', 'compiled'] },
];

let ns: Netns | null = null;
let dir = '';
let queries: Query[] = [];
let kernelGet: Answer[] = [];
let kernelFib: Answer[] = [];
let routeLines = { 4: 0, 6: 0 };

function mpstack(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // `route lookup` exits 2 when some address is unreachable, having answered every one
  if (r.error || (r.status !== 0 && !(r.status === 2 && args[1] === 'lookup' && r.stderr === '')))
    throw new Error(`mpstack ${args.join(' ')}: exit ${r.status}: ${(r.error?.message ?? r.stderr).trim()}`);
  return r.stdout;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  // First, so that a machine without namespaces fails here, with the reason, and nowhere else.
  ns = Netns.create(`mpstack-oracle-${process.pid}`);
  dir = mkdtempSync(join(tmpdir(), 'mpstack-oracle-'));

  for (const i of IFACES) {
    ns.ip(['link', 'add', i.name, 'type', 'veth', 'peer', 'name', `${i.name}p`]);
    ns.ip(['link', 'set', `${i.name}p`, 'up']);
    ns.ip(['link', 'set', i.name, 'up']);
    // nodad: an IPv6 address is usable at once instead of tentative for a second
    for (const a of i.addresses) ns.ip(['addr', 'add', a, 'dev', i.name, ...(a.includes(':') ? ['nodad'] : [])]);
  }

  const genFile = join(dir, 'generated.txt');
  mpstack([
    'gen-routes',
    '--v4',
    String(GEN_V4),
    '--v6',
    String(GEN_V6),
    '--seed',
    String(SEED),
    '--via4',
    GW4.join(','),
    '--via6',
    GW6.join(','),
    '-o',
    genFile,
  ]);
  const genText = readFileSync(genFile, 'utf8');
  const gen: { net: Net; gw: string }[] = [];
  parseRoutesText(genText, genFile, (r) => {
    gen.push({ net: { family: r.family, net: toBig(r.dst), plen: r.plen }, gw: formatIP(r.via!) });
  });
  const taken = new Set(gen.map((g) => formatPrefix(fromBig(g.net.net, g.net.family), g.net.plen)));
  const r = rng(SEED);
  const specific = moreSpecifics(r, gen, taken);
  const text = `${genText}# special routes\n${SPECIAL.join('\n')}\n# more-specifics inside generated prefixes\n${specific.join('\n')}\n`;
  writeFileSync(join(dir, 'routes.txt'), text);
  const all = netsOf(text);
  routeLines = { 4: all.filter((n) => n.family === 4).length, 6: all.filter((n) => n.family === 6).length };

  writeFileSync(
    join(dir, 'router.yaml'),
    [
      'interfaces:',
      ...IFACES.flatMap((i) => [`  - name: ${i.name}`, `    addresses: [${i.addresses.join(', ')}]`]),
      'routes_file: routes.txt',
      '',
    ].join('\n'),
  );

  // No -force: the first refused route stops the load and fails the test with its line.
  ns.batch(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => `route add ${l}`),
  );

  queries = buildQueries(
    r,
    gen.map((g) => g.net),
    netsOf(specific.join('\n')),
    netsOf(SPECIAL.join('\n')),
  );
  writeFileSync(join(dir, 'addresses.txt'), queries.map((q) => q.addr).join('\n') + '\n');
  const get = ns.batchJson(queries.map((q) => `route get ${q.addr}`));
  const fib = ns.batchJson(queries.map((q) => `route get fibmatch ${q.addr}`));
  kernelGet = queries.map((q, i) => kernelAnswer(q, get[i]!, false));
  kernelFib = queries.map((q, i) => kernelAnswer(q, fib[i]!, true));
});

afterAll(() => {
  ns?.delete();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('route lookup against the Linux kernel', () => {
  test('the kernel holds every route of the routes_file', () => {
    for (const f of [4, 6] as const) {
      const routes = JSON.parse(ns!.ip([`-${f}`, '-j', 'route', 'show', 'table', 'main'])) as { protocol?: string }[];
      expect(routes.filter((x) => x.protocol !== 'kernel').length).toBe(routeLines[f]);
    }
  });

  test('the queries reach every kind of answer, in both families', () => {
    const count = new Map<string, number>();
    queries.forEach((q, i) => {
      const a = kernelFib[i]!;
      const k = `v${q.family} ${a.kind}${a.kind === 'unicast' ? (a.gw ? ' via' : ' on-link') : ''}`;
      count.set(k, (count.get(k) ?? 0) + 1);
    });
    const want = ['unicast via', 'unicast on-link', 'local', 'blackhole', 'unreachable', 'prohibit', 'none'];
    const missing = [...want.map((k) => `v4 ${k}`), 'v4 broadcast', ...want.map((k) => `v6 ${k}`)].filter(
      (k) => (count.get(k) ?? 0) < 3,
    );
    if (missing.length)
      throw new Error(
        `fewer than 3 kernel answers of kind ${missing.join(', ')}; counts: ${JSON.stringify(Object.fromEntries(count))}`,
      );
  });

  for (const b of BACKENDS) {
    test(`mpstack route lookup (${b.name}) agrees with ip route get and ip route get fibmatch on every address`, () => {
      const out = mpstack([
        'route',
        'lookup',
        '--config',
        join(dir, 'router.yaml'),
        '--addresses',
        join(dir, 'addresses.txt'),
        ...b.args,
      ])
        .trimEnd()
        .split('\n');
      expect(out.length).toBe(queries.length);
      const bad: string[] = [];
      const byGroup = new Map<string, number>();
      queries.forEach((q, i) => {
        const ours = ourAnswer(q, out[i]!);
        const get = [view(kernelGet[i]!, false), view(ours, false)];
        const fib = [view(kernelFib[i]!, true), view(ours, true)];
        if (get[0] !== get[1] || fib[0] !== fib[1]) {
          byGroup.set(q.group, (byGroup.get(q.group) ?? 0) + 1);
          bad.push(`${q.addr} (${q.group}): kernel fibmatch '${fib[0]}', route get '${get[0]}'; mpstack '${out[i]}'`);
        }
      });
      if (bad.length) {
        throw new Error(
          `${bad.length} of ${queries.length} addresses disagree with the kernel (by group: ${[...byGroup].map(([g, n]) => `${g} ${n}`).join(', ')}); the first ${Math.min(10, bad.length)}:\n  ${bad.slice(0, 10).join('\n  ')}`,
        );
      }
    });
  }
});
