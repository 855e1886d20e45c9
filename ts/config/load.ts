// Loading the YAML config: text -> YAML document -> zod -> cross-checks -> Config.
//
// Every problem becomes one ConfigError naming the file, the line and column of the offending YAML
// node, and its path (interfaces[1].addresses[0]). zod reports paths into the plain JS value; the
// YAML document (parsed with a LineCounter) maps a path back to a node and the node's offset to
// line:col. When several things are wrong, the one first in the file is reported, so fixing errors
// top to bottom converges.
//
// Cross-checks, made here because zod sees one value at a time:
//   - interface names and (non-vlan) MACs are unique; a default MAC counts as a MAC;
//   - a vlan's parent exists, is not a vlan, and has an MTU at least the vlan's; (parent, id) is
//     unique; a vlan without `mac:` takes its parent's, as vlan(4) does;
//   - an interface with an IPv6 address has an MTU >= 1280 (RFC 8200 section 5); no address is
//     configured twice (a link-local one: not twice on one interface);
//   - routes: the same rules as a routes_file line (see routes-file.ts), and `dev` names an interface;
//   - neighbors: a unicast address, an existing dev, one entry per (dev, address);
//   - icmp.burst >= 1 when the rate is limited (a bucket of 0 would send nothing), and so
//     icmp.echo_burst when echo_ratelimit is set.
//
// Not read here: routes_file. parseConfig resolves its path; streamRoutesFile (files.ts, or
// parseRoutesBytes) reads it, because a full table is better streamed into the FIB than held as a
// million objects.
//
// Portable: no file system and no Node module here (the browser and Deno entry, ts/portable/, parses
// configs with it); reading files is files.ts's.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { GIF_MTU } from '../../assembly/layout.js';
import { ConfigError } from './error.js';
import { resolvePath } from './path.js';
import type { RouteSpec } from './routes-file.js';
import {
  type Config,
  configSchema,
  DEFAULT_MTU,
  DEFAULT_RSS_KEY_HEX,
  defaultMac,
  hexBytes,
  type InterfaceConfig,
  type LinkConfig,
  MIN_MTU_IPV6,
  type NeighborConfig,
  type NudConfig,
  type Place,
  type RawConfig,
  RSS_KEY_BYTES,
} from './schema.js';
import {
  formatIP,
  formatMac,
  formatPrefix,
  hostBitsZero,
  ipEqual,
  ipIsLimitedBroadcast,
  ipIsLinkLocal6,
  ipIsMulticast,
  ipIsUnspecified,
  maskPrefix,
  parseIP,
  parsePrefix,
} from '../addr/addr.js';

export { ConfigError } from './error.js';
export type * from './schema.js';

type Path = readonly (string | number)[];

/**
 * `interfaces[1].addresses[0]`; the empty path is `(root)`. A key that is not a plain word (say a
 * typo such as ':mac') is quoted, `interfaces[0][":mac"]`, so the field reads unambiguously.
 */
export function formatField(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

/** Maps paths into the document to positions. */
class Locator {
  constructor(
    readonly doc: Document,
    readonly lc: LineCounter,
    readonly file: string,
  ) {}

  /**
   * The YAML node at `path`, or the deepest ancestor that exists (exact = false), so that "this key
   * is missing" points at the mapping that lacks it. Aliases are followed.
   */
  node(path: Path): { node: unknown; exact: boolean } {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const seg = path[i];
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        // `key:` with nothing after it has no value node: point at the key.
        next = pair === undefined ? undefined : (pair.value ?? pair.key);
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined || next === null) return { node, exact: false };
      node = next;
    }
    return { node, exact: true };
  }

  /** Source offset of the node at path (or of its nearest ancestor). */
  offset(path: Path): number {
    return rangeStart(this.node(path).node);
  }

  /** Source offset of the key `key` in the mapping at `path`. */
  keyOffset(path: Path, key: string): number {
    let { node } = this.node(path);
    if (isAlias(node)) node = node.resolve(this.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === key);
      if (pair !== undefined) return rangeStart(pair.key);
    }
    return rangeStart(node);
  }

  line(path: Path): number {
    return this.lc.linePos(this.offset(path)).line;
  }

  errorAt(offset: number, field: string, detail: string): ConfigError {
    const { line, col } = this.lc.linePos(offset);
    return new ConfigError(this.file, line, col, field, detail);
  }

  /** A ConfigError at the node for `path`. */
  error(path: Path, detail: string): ConfigError {
    return this.errorAt(this.offset(path), formatField(path), detail);
  }
}

/** Offset of the first alias that does not resolve, else of the first alias, else 0. */
function aliasOffset(doc: Document): number {
  let first = -1;
  let bad = -1;
  visit(doc, {
    Alias(_key, node) {
      if (first < 0) first = rangeStart(node);
      if (node.resolve(doc) === undefined) {
        bad = rangeStart(node);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return bad >= 0 ? bad : Math.max(first, 0);
}

function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  return typeof k === 'string' ? k : undefined;
}

function rangeStart(node: unknown): number {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? r[0] : 0;
}

/** The plain value at `path` in `data` (undefined if any step is missing). */
function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** How a value reads in a message. */
function show(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'binary data';
  return 'a mapping';
}

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** One ConfigError per zod issue (one per key for unknown keys), each placed in the source. */
function issueErrors(issue: z.core.$ZodIssue, data: unknown, loc: Locator): { offset: number; err: ConfigError }[] {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const offset = loc.keyOffset(path, key);
      return { offset, err: loc.errorAt(offset, formatField([...path, key]), `unknown key '${key}'`) };
    });
  }
  const { exact } = loc.node(path);
  const v = valueAt(data, path);
  let detail: string;
  switch (issue.code) {
    case 'invalid_type':
      detail =
        !exact && v === undefined
          ? 'is required'
          : `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${show(v)}`;
      // YAML reads an unquoted all-digit RSS key, or a `%YAML 1.1` file's MAC (base 60!), as a number.
      if (issue.expected === 'string' && typeof v === 'number') detail += ' (quote it to make it a string)';
      break;
    case 'too_small':
      if (issue.origin === 'array')
        detail = `needs at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}`;
      else if (issue.origin === 'string') detail = 'must not be empty';
      else detail = `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}, got ${show(v)}`;
      break;
    case 'too_big':
      if (issue.origin === 'array') detail = `has more than ${issue.maximum} entries`;
      else detail = `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${show(v)}`;
      break;
    case 'invalid_value':
      detail = `must be one of ${issue.values.map((x) => String(x)).join(', ')}, got ${show(v)}`;
      break;
    default:
      detail = issue.message;
  }
  const offset = loc.offset(path);
  return [{ offset, err: loc.errorAt(offset, formatField(path), detail) }];
}

/**
 * Parses config text. `file` is used in messages and in Config.file; `baseDir` is where a relative
 * routes_file is resolved from (the config file's directory). Throws ConfigError for anything wrong
 * with the text; never reads a file.
 */
export function parseConfig(text: string, file: string, baseDir: string): Config {
  const lc = new LineCounter();
  // YAML 1.2 core schema: 02:00:00:00:00:01 and 192.0.2.1 are strings (1.1 would read the first as
  // a base-60 integer), yes/no are strings, and duplicate keys are errors.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const loc = new Locator(doc, lc, file);
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    throw loc.errorAt(syntax.pos[0], '(yaml)', syntax.message.replace(/\s+/g, ' ').trim());
  }
  let data: unknown;
  try {
    // maxAliasCount bounds "billion laughs" expansion of aliases.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // toJS fails only on aliases (unresolved, or expanding too far); point at the culprit.
    throw loc.errorAt(aliasOffset(doc), '(yaml)', e instanceof Error ? e.message : String(e));
  }

  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    let first: { offset: number; err: ConfigError } | undefined;
    for (const issue of parsed.error.issues) {
      for (const e of issueErrors(issue, data, loc)) if (first === undefined || e.offset < first.offset) first = e;
    }
    throw first!.err;
  }
  return build(parsed.data, loc, file, baseDir);
}

/* ---------------------------------------------------------------- cross-checks */

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function build(raw: RawConfig, loc: Locator, file: string, baseDir: string): Config {
  const defaultKey = hexBytes(DEFAULT_RSS_KEY_HEX, RSS_KEY_BYTES)!;
  const byName = new Map<string, number>();
  const places = fieldPlaces(raw, loc);
  const warnings: string[] = [];
  const interfaces: InterfaceConfig[] = raw.interfaces.map((ri, i) => {
    const at = ['interfaces', i];
    const prev = byName.get(ri.name);
    if (prev !== undefined) {
      throw loc.error(
        [...at, 'name'],
        `duplicate interface name '${ri.name}' (also interfaces[${prev}], line ${loc.line(['interfaces', prev])})`,
      );
    }
    byName.set(ri.name, i);
    return {
      name: ri.name,
      index: i + 1,
      mac: ri.mac ?? defaultMac(i + 1),
      mtu: ri.mtu ?? (ri.gif ? GIF_MTU : DEFAULT_MTU),
      up: ri.up,
      addresses: ri.addresses ?? [],
      rss: { key: ri.rss.key ?? defaultKey.slice(), queues: ri.rss.queues, udp: ri.rss.udp },
      vlan: ri.vlan ? { parent: ri.vlan.parent, id: ri.vlan.id } : null,
      bridge: ri.bridge
        ? { members: [...ri.bridge.members], maxaddr: ri.bridge.maxaddr, timeout: ri.bridge.timeout }
        : null,
      gif: ri.gif ? { src: ri.gif.src.bytes, dst: ri.gif.dst.bytes, ttl: ri.gif.ttl } : null,
      model: ri.model ?? null,
      driver: ri.driver ?? null,
      link: linkConfig(ri, at, loc),
      poll:
        ri.poll === undefined || ri.poll === false
          ? null
          : ri.poll === true
            ? { budget: 64 }
            : { budget: ri.poll.budget },
      moderation: { frames: ri.moderation.frames, usecs: ri.moderation.usecs },
      sendRedirects: ri.send_redirects,
      directedBroadcast: ri.directed_broadcast,
      rpFilter: ri.rp_filter,
      gen: ri.gen ?? null,
      pcap: ri.pcap ?? null,
      line: loc.line(at),
      file,
      field: formatField(at),
      places,
    };
  });

  // gif(4): a tunnel, not a NIC; its outer source is one of our addresses (RFC 2003 3.1), both ends
  // of one family, and no two gifs with the same pair (the encap table could not tell them apart)
  const tunnels = new Map<string, number>();
  interfaces.forEach((ifc, i) => {
    if (ifc.gif === null) return;
    const at = ['interfaces', i, 'gif'];
    const ri = raw.interfaces[i]!;
    const extra = (
      ['vlan', 'model', 'driver', 'tap', 'udp', 'stream', 'websocket', 'gen', 'pcap', 'poll'] as const
    ).find((k) => ri[k] !== undefined);
    if (extra) throw loc.error(['interfaces', i, extra], `a gif is a tunnel, not a NIC: it takes no '${extra}'`);
    const { src, dst } = ifc.gif;
    if (src.length !== dst.length)
      throw loc.error([...at, 'dst'], 'tunnel source and destination must be both IPv4 or both IPv6');
    if (!interfaces.some((x) => x.addresses.some((a) => ipEqual(a.bytes, src))))
      throw loc.error([...at, 'src'], `tunnel source ${formatIP(src)} is not an address of any interface`);
    const key = `${hex(src)}-${hex(dst)}`;
    const prev = tunnels.get(key);
    if (prev !== undefined)
      throw loc.error(
        [...at, 'dst'],
        `${interfaces[prev]!.name} has the same tunnel (line ${loc.line(['interfaces', prev])})`,
      );
    tunnels.set(key, i);
  });

  // vlan(4): parent, tag, MTU, and the parent's MAC unless one is given.
  const vlanTags = new Map<string, number>();
  interfaces.forEach((ifc, i) => {
    if (ifc.vlan === null) return;
    const at = ['interfaces', i, 'vlan'];
    const pi = byName.get(ifc.vlan.parent);
    if (pi === undefined) throw loc.error([...at, 'parent'], `no interface named '${ifc.vlan.parent}'`);
    if (pi === i) throw loc.error([...at, 'parent'], 'a vlan cannot be its own parent');
    const parent = interfaces[pi]!;
    if (parent.vlan !== null)
      throw loc.error([...at, 'parent'], `'${parent.name}' is itself a vlan; vlans nest only on a physical interface`);
    const tag = `${parent.name}/${ifc.vlan.id}`;
    const prev = vlanTags.get(tag);
    if (prev !== undefined) {
      throw loc.error(
        [...at, 'id'],
        `vlan ${ifc.vlan.id} on ${parent.name} already exists (interfaces[${prev}], line ${loc.line(['interfaces', prev])})`,
      );
    }
    vlanTags.set(tag, i);
    if (ifc.mtu > parent.mtu)
      throw loc.error(
        ['interfaces', i, 'mtu'],
        `mtu ${ifc.mtu} is larger than the parent ${parent.name}'s mtu ${parent.mtu}`,
      );
    if (raw.interfaces[i]!.mac === undefined) ifc.mac = parent.mac.slice();
  });

  // bridge(4): members exist, are NICs (not a vlan, not a bridge), belong to one bridge, and carry
  // no addresses (their frames belong to the bridge, which carries the addresses).
  const memberOf = new Map<string, number>();
  interfaces.forEach((ifc, i) => {
    if (ifc.bridge === null) return;
    const at = ['interfaces', i, 'bridge'];
    if (ifc.vlan !== null) throw loc.error(at, 'an interface is a vlan or a bridge, not both');
    ifc.bridge.members.forEach((name, j) => {
      const mat = [...at, 'members', j];
      const mi = byName.get(name);
      if (mi === undefined) throw loc.error(mat, `no interface named '${name}'`);
      if (mi === i) throw loc.error(mat, 'a bridge cannot be its own member');
      const member = interfaces[mi]!;
      if (member.vlan !== null || raw.interfaces[mi]!.bridge !== undefined)
        throw loc.error(mat, `'${name}' is a ${member.vlan ? 'vlan' : 'bridge'}: a bridge's members are NICs`);
      const prev = memberOf.get(name);
      if (prev !== undefined)
        throw loc.error(
          mat,
          `'${name}' is already a member of ${interfaces[prev]!.name} (line ${interfaces[prev]!.line})`,
        );
      memberOf.set(name, i);
      if (member.addresses.length > 0)
        throw loc.error(
          ['interfaces', mi, 'addresses'],
          `${name} is a member of bridge ${ifc.name} and cannot carry addresses of its own (${member.addresses.map((a) => a.text).join(', ')}): give them to ${ifc.name}`,
        );
    });
  });

  // MACs, addresses, the IPv6 minimum MTU.
  const macs = new Map<string, number>();
  const addrs = new Map<string, [number, number]>();
  interfaces.forEach((ifc, i) => {
    const at = ['interfaces', i];
    const parent = ifc.vlan ? interfaces[byName.get(ifc.vlan.parent)!]! : null;
    if (parent === null || !ipEqual(ifc.mac, parent.mac)) {
      const prev = macs.get(hex(ifc.mac));
      if (prev !== undefined) {
        const which = raw.interfaces[i]!.mac === undefined ? ` (the default for ${ifc.name})` : '';
        throw loc.error(
          [...at, 'mac'],
          `MAC ${formatMac(ifc.mac)}${which} is already used by ${interfaces[prev]!.name} (line ${interfaces[prev]!.line})`,
        );
      }
      macs.set(hex(ifc.mac), i);
    }
    ifc.addresses.forEach((a, j) => {
      // A link-local address is unique only on its link (fe80::1 on every interface is usual).
      const key = ipIsLinkLocal6(a.bytes) ? `${i}%${hex(a.bytes)}` : hex(a.bytes);
      const prev = addrs.get(key);
      if (prev !== undefined) {
        const [pi, pj] = prev;
        throw loc.error(
          [...at, 'addresses', j],
          `address ${formatIP(a.bytes)} is already configured${pi === i ? '' : ` on ${interfaces[pi]!.name}`}, and ${ifc.name} cannot have it too (interfaces[${pi}].addresses[${pj}], line ${loc.line(['interfaces', pi, 'addresses', pj])})`,
        );
      }
      addrs.set(key, [i, j]);
    });
    const v6 = ifc.addresses.find((a) => a.family === 6);
    if (v6 !== undefined && ifc.mtu < MIN_MTU_IPV6) {
      throw loc.error(
        [...at, 'mtu'],
        `mtu ${ifc.mtu} is below ${MIN_MTU_IPV6}, the IPv6 minimum (RFC 8200), and ${ifc.name} has ${v6.text}`,
      );
    }
  });

  // Subnets that overlap across interfaces: legal (the longer prefix wins), but usually a typo.
  // Link-local ones are skipped: every IPv6 interface has fe80::/64.
  interfaces.forEach((ifc, i) => {
    ifc.addresses.forEach((a, j) => {
      if (ipIsLinkLocal6(a.bytes)) return;
      for (let pi = 0; pi < i; pi++) {
        const other = interfaces[pi]!;
        const pj = other.addresses.findIndex(
          (b) =>
            b.family === a.family &&
            !ipIsLinkLocal6(b.bytes) &&
            ipEqual(maskPrefix(a.bytes, Math.min(a.plen, b.plen)), maskPrefix(b.bytes, Math.min(a.plen, b.plen))),
        );
        if (pj < 0) continue;
        const b = other.addresses[pj]!;
        warnings.push(
          loc.error(
            ['interfaces', i, 'addresses', j],
            `subnet ${formatPrefix(maskPrefix(a.bytes, a.plen), a.plen)} of ${ifc.name} overlaps ${formatPrefix(maskPrefix(b.bytes, b.plen), b.plen)} of ${other.name} (interfaces[${pi}].addresses[${pj}], line ${loc.line(['interfaces', pi, 'addresses', pj])})`,
          ).message,
        );
        return;
      }
    });
  });

  const routes = buildRoutes(raw, loc, file, byName);

  const neighbors: NeighborConfig[] = [];
  const neighKeys = new Map<string, number>();
  (raw.neighbors ?? []).forEach((rn, i) => {
    const at = ['neighbors', i];
    const a = parseIP(rn.address);
    if (a === null) throw loc.error([...at, 'address'], `'${rn.address}' is not an IPv4 or IPv6 address`);
    if (ipIsUnspecified(a.bytes) || ipIsMulticast(a.bytes) || ipIsLimitedBroadcast(a.bytes)) {
      throw loc.error([...at, 'address'], `${rn.address} is not a unicast address`);
    }
    if (!byName.has(rn.dev)) throw loc.error([...at, 'dev'], `no interface named '${rn.dev}'`);
    const key = `${rn.dev}/${hex(a.bytes)}`;
    const prev = neighKeys.get(key);
    if (prev !== undefined) {
      throw loc.error(
        [...at, 'address'],
        `${formatIP(a.bytes)} on ${rn.dev} is already a neighbor (neighbors[${prev}], line ${loc.line(['neighbors', prev])})`,
      );
    }
    neighKeys.set(key, i);
    // A neighbor off its interface's subnets is never looked up: gateways and directly reached
    // hosts are on a connected subnet. (IPv6 link-local neighbors are on every link.)
    const dev = interfaces[byName.get(rn.dev)!]!;
    const subnets = dev.addresses.filter((x) => x.family === a.family);
    if (
      !ipIsLinkLocal6(a.bytes) &&
      !subnets.some((x) => ipEqual(maskPrefix(x.bytes, x.plen), maskPrefix(a.bytes, x.plen)))
    ) {
      const have =
        subnets.length === 0
          ? `no IPv${a.family} subnet`
          : `only ${subnets.map((x) => formatPrefix(maskPrefix(x.bytes, x.plen), x.plen)).join(', ')}`;
      warnings.push(
        loc.error(
          [...at, 'address'],
          `${formatIP(a.bytes)} is not on a subnet of ${rn.dev} (it has ${have}): this entry will never be used`,
        ).message,
      );
    }
    neighbors.push({ family: a.family, address: a.bytes, mac: rn.mac, dev: rn.dev, line: loc.line(at) });
  });

  if (raw.icmp.ratelimit > 0 && raw.icmp.burst === 0) {
    throw loc.error(['icmp', 'burst'], 'must be at least 1 when ratelimit is set (0 would send no ICMP errors at all)');
  }
  if (raw.icmp.echo_ratelimit > 0 && raw.icmp.echo_burst === 0) {
    throw loc.error(
      ['icmp', 'echo_burst'],
      'must be at least 1 when echo_ratelimit is set (0 would answer no echo request at all)',
    );
  }

  return {
    file,
    interfaces,
    routes,
    routesFile: raw.routes_file === undefined ? null : resolvePath(baseDir, raw.routes_file),
    neighbors,
    ipflow: { ...raw.ipflow },
    icmp: { ...raw.icmp },
    arp: nudConfig(raw.arp),
    nd: nudConfig(raw.nd),
    fastforward: raw.fastforward,
    ip: { forwardSourceRoute: raw.ip.forward_source_route },
    fib: raw.fib,
    engine: { busyPollUs: raw.engine.busy_poll_us, hugePages: raw.engine.huge_pages },
    places,
    warnings,
  };
}

const LINK_KEYS = ['tap', 'udp', 'stream', 'websocket'] as const;

/**
 * The real link behind an interface: its driver's block (`tap: NAME` defaults to the interface's
 * name, `websocket:` to 127.0.0.1:8086). A block for a driver the interface does not use is an error,
 * so a forgotten `driver:` line is not silently a `sink`.
 */
function linkConfig(ri: RawConfig['interfaces'][number], at: Path, loc: Locator): LinkConfig | null {
  for (const k of LINK_KEYS)
    if (ri[k] !== undefined && ri.driver !== k)
      throw loc.error([...at, k], `'${k}:' needs 'driver: ${k}' (the interface's driver is ${ri.driver ?? 'none'})`);
  switch (ri.driver) {
    case 'tap':
      return { driver: 'tap', device: ri.tap ?? ri.name };
    case 'udp':
      if (!ri.udp)
        throw loc.error([...at, 'driver'], "driver 'udp' needs 'udp: { local: HOST:PORT, remote: HOST:PORT }'");
      return { driver: 'udp', local: ri.udp.local, remote: ri.udp.remote };
    case 'stream':
      if (!ri.stream)
        throw loc.error(
          [...at, 'driver'],
          "driver 'stream' needs 'stream: { listen: HOST:PORT }' or '{ connect: ... }' (or unix:/PATH)",
        );
      return { driver: 'stream', listen: ri.stream.listen ?? null, connect: ri.stream.connect ?? null };
    case 'websocket': {
      const w = ri.websocket ?? { listen: '127.0.0.1:8086', max_clients: 64, queue: 1024 };
      return { driver: 'websocket', listen: w.listen, maxClients: w.max_clients, queue: w.queue };
    }
    case 'port':
      return { driver: 'port' };
    default:
      return null;
  }
}

function nudConfig(n: RawConfig['arp']): NudConfig {
  return {
    reachableMs: n.reachable_ms,
    retransMs: n.retrans_ms,
    mcastSolicit: n.solicit,
    ucastSolicit: n.probes,
    delayMs: n.delay_ms,
    holdQueue: n.hold,
    maxEntries: n.max_entries,
  };
}

/** Where the fields that are read after loading are: routes_file, and the gen:/pcap: driver objects. */
function fieldPlaces(raw: RawConfig, loc: Locator): Record<string, Place> {
  const places: Record<string, Place> = {};
  const put = (path: Path, offset = loc.offset(path)) => {
    places[formatField(path)] = loc.lc.linePos(offset);
  };
  if (raw.routes_file !== undefined) put(['routes_file']);
  raw.interfaces.forEach((ri, i) => {
    put(['interfaces', i]);
    for (const sub of ['gen', 'pcap'] as const) {
      const o = ri[sub];
      if (o === undefined) continue;
      put(['interfaces', i, sub]);
      // a key's place is its value's (or the key's, when it has none)
      for (const k of Object.keys(o)) put(['interfaces', i, sub, k]);
    }
  });
  return places;
}

/** The YAML routes, checked by the rules routes-file.ts applies to a line, plus `dev` existing. */
function buildRoutes(raw: RawConfig, loc: Locator, file: string, byName: Map<string, number>): RouteSpec[] {
  const out: RouteSpec[] = [];
  const seen = new Map<string, number>();
  (raw.routes ?? []).forEach((rr, i) => {
    const at = ['routes', i];
    let via: Uint8Array | null = null;
    let viaFam: 4 | 6 | 0 = 0;
    if (rr.via !== undefined) {
      const v = parseIP(rr.via);
      if (v === null) throw loc.error([...at, 'via'], `'${rr.via}' is not an IPv4 or IPv6 address`);
      via = v.bytes;
      viaFam = v.family;
    }
    let family: 4 | 6;
    let dst: Uint8Array;
    let plen: number;
    if (rr.dst === 'default') {
      if (viaFam === 0)
        throw loc.error([...at, 'dst'], "'default' needs 'via' to tell IPv4 from IPv6; write 0.0.0.0/0 or ::/0");
      family = viaFam;
      dst = new Uint8Array(family === 4 ? 4 : 16);
      plen = 0;
    } else {
      const p = parsePrefix(rr.dst);
      if (p === null)
        throw loc.error([...at, 'dst'], `'${rr.dst}' is not a prefix (like 203.0.113.0/24, 2001:db8::/32 or default)`);
      if (!hostBitsZero(p.bytes, p.plen)) {
        throw loc.error(
          [...at, 'dst'],
          `Invalid prefix for given prefix length: ${rr.dst} has host bits set (the network is ${formatPrefix(maskPrefix(p.bytes, p.plen), p.plen)})`,
        );
      }
      family = p.family;
      dst = p.bytes;
      plen = p.plen;
    }
    if (via !== null) {
      if (rr.type !== 'unicast') throw loc.error([...at, 'via'], `a ${rr.type} route has no gateway`);
      if (viaFam !== family) throw loc.error([...at, 'via'], `IPv${viaFam} gateway for an IPv${family} prefix`);
      if (ipIsUnspecified(via) || ipIsMulticast(via) || ipIsLimitedBroadcast(via))
        throw loc.error([...at, 'via'], `gateway ${formatIP(via)} is not a unicast address`);
      if (ipIsLinkLocal6(via) && rr.dev === undefined)
        throw loc.error([...at, 'via'], `link-local gateway ${formatIP(via)} needs 'dev'`);
    }
    if (rr.dev !== undefined) {
      if (rr.type !== 'unicast') throw loc.error([...at, 'dev'], `a ${rr.type} route has no interface`);
      if (!byName.has(rr.dev)) throw loc.error([...at, 'dev'], `no interface named '${rr.dev}'`);
    } else if (rr.type === 'unicast' && via === null) {
      throw loc.error(at, "a unicast route needs 'via' or 'dev'");
    }
    const key = `${family}/${hex(dst)}/${plen}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw loc.error(
        [...at, 'dst'],
        `route already exists: ${formatPrefix(dst, plen)} is also routes[${prev}] at line ${loc.line(['routes', prev])}`,
      );
    }
    seen.set(key, i);
    out.push({
      family,
      dst,
      plen,
      via,
      dev: rr.dev ?? null,
      type: rr.type,
      mtu: rr.mtu ?? 0,
      metric: 0,
      proto: null,
      file,
      line: loc.line(at),
    });
  });
  return out;
}
