// routes_file: a table of static routes in iproute2 syntax, one route per line, streamed to a callback.
//
// A full Internet table is ~1M IPv4 and ~200k IPv6 prefixes, and this runs before the stack can
// forward, so the parser is a single pass over the file's UTF-8 bytes: no regex, no split(), no
// substring per word, and one reused RouteSpec whose address buffers are overwritten line after line.
// Bytes rather than a string because indexing a Uint8Array is about twice as fast as charCodeAt, and
// a file read without decoding skips a pass. The `dev` and `proto` strings are interned (a table has
// few distinct values), so nothing is allocated per line. Measured: 1M IPv4 lines (39 MB) in ~0.3 s
// on a 2-vCPU VM, sorted or shuffled; most of what is left is touching every byte once.
//
// Grammar (a subset of `ip route add`, so a file can be fed to `ip -batch` once each line is given a
// `route add` prefix, and a line copied from a shell history works as is):
//
//   line    := [command] [type] ['to'] prefix option* | '' ;  '#' at the start of a word ends the line
//   command := 'route' verb | 'ip' ['-4' | '-6'] 'route' verb
//   verb    := 'add' | 'replace' | 'append'
//   type    := 'unicast' | 'blackhole' | 'unreachable' | 'prohibit'
//   prefix  := 'default' | ADDR '/' PLEN | ADDR          (a bare ADDR is the host route /32 or /128)
//   option  := 'via' ADDR | 'dev' IFNAME | 'mtu' N | 'metric' N | 'proto' (NAME | N)
//
// Words are separated by spaces, tabs or CRs (so CRLF files read the same). Each option may appear
// once, in any order. The rules `ip route` and the kernel would enforce are enforced here, with the
// file:line:col of the word at fault:
//   - the prefix must have no host bits set ("Invalid prefix for given prefix length");
//   - `via` must be of the prefix's family, a unicast address, and an IPv6 link-local gateway needs
//     `dev` (fe80::1 means nothing without a link);
//   - `default` takes its family from `via` or from `ip -4/-6`; with neither it is refused rather than
//     guessed (write 0.0.0.0/0 or ::/0);
//   - a unicast route needs `via` or `dev`; blackhole/unreachable/prohibit routes take neither;
//   - `metric` is recorded but must be 0: the FIB has one route per prefix, so a metric could only
//     mislead; for the same reason a prefix seen twice in one file is an error ("route already
//     exists"), whatever the verb, since replace/append cannot mean anything within a single table.
//   - `mtu` is 68..65535 (RFC 791's minimum; 0 in RouteSpec means "not set").

import { ConfigError } from './error.js';
import { isIfNameBytes } from './ifname.js';
import {
  type Family,
  formatIP,
  formatPrefix,
  getIPv4,
  hostBitsZero,
  ipEqual,
  ipIsLinkLocal6,
  ipIsLimitedBroadcast,
  ipIsMulticast,
  ipIsUnspecified,
  maskPrefix,
  parseIPv4Bytes,
  parseIPv6Bytes,
  parsePlenBytes,
  prefixMask4,
  putIPv4,
} from '../addr/addr.js';

export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';

/** One static route, from a routes_file line or from the YAML `routes:` list. */
export interface RouteSpec {
  family: Family;
  /** Destination, wire order: 4 bytes for IPv4, 16 for IPv6. Host bits are zero. */
  dst: Uint8Array;
  plen: number;
  /** Gateway of the destination's family, wire order, or null for an on-link or non-unicast route. */
  via: Uint8Array | null;
  dev: string | null;
  type: RouteType;
  /** Path MTU for the route, or 0 if not set. */
  mtu: number;
  /** Always 0: accepted for `ip route` compatibility, anything else is refused. */
  metric: number;
  /** The `proto` word as written (a name such as 'static' or a number), or null. */
  proto: string | null;
  /** Where the route was written, for messages: file and 1-based line. */
  file: string;
  line: number;
}

/** Optional checks for parseRoutesBytes/Text. */
export interface RoutesFileOptions {
  /** If given, `dev NAME` must be one of these (the configured interfaces). */
  devs?: ReadonlySet<string>;
}

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const HASH = 0x23;
const SLASH = 0x2f;

/** Does s[a, b) spell `word` (an ASCII keyword)? Allocates nothing. */
function wordIs(s: Uint8Array, a: number, b: number, word: string): boolean {
  if (b - a !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (s[a + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** s[a, b) as a string; the bytes are ASCII wherever this is used for a value, UTF-8 in messages. */
function text(s: Uint8Array, a: number, b: number): string {
  return utf8.decode(s.subarray(a, b));
}

const utf8 = new TextDecoder();

/** Decimal s[a, b) with no sign, at most 10 digits; -1 if not that. Leading zeros are allowed. */
function parseUint(s: Uint8Array, a: number, b: number): number {
  if (b <= a || b - a > 10) return -1;
  let v = 0;
  for (let p = a; p < b; p++) {
    const c = s[p]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Hash of a prefix key (murmur3-style multiply/xorshift rounds; the low bits index the table). */
function prefixHash(w0: number, w1: number, w2: number, w3: number, plen: number): number {
  let h = Math.imul(w0 ^ Math.imul(plen + 1, 0x27d4eb2f), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16) ^ w1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * An open-addressing set of prefixes of one family, for the duplicate check. A million-route file
 * would otherwise mean a million Map entries and key strings; here a slot is `words + 1` int32s: the
 * address as host-order words (one for IPv4, four for IPv6) and plen + 1 (0 marks an empty slot).
 * Linear probing, grown at half full. Slots are kept small because every insert of a big table is a
 * cache miss; the line that added a key is not stored (finding it again is the error path's job).
 */
class PrefixSet {
  private readonly stride: number;
  private keys: Int32Array;
  private mask: number;
  private count = 0;

  /** words: 1 for IPv4, 4 for IPv6; expect: how many keys to size for up front. */
  constructor(
    private readonly words: 1 | 4,
    expect: number,
  ) {
    this.stride = words + 1;
    let cap = 1024;
    while (cap < expect * 2 && cap < 1 << 26) cap *= 2;
    this.keys = new Int32Array(this.stride * cap);
    this.mask = cap - 1;
  }

  /** Adds the key; returns false if it was already there. Unused words must be 0. */
  add(w0: number, w1: number, w2: number, w3: number, plen: number): boolean {
    const keys = this.keys;
    const stride = this.stride;
    const tag = plen + 1;
    let i = prefixHash(w0, w1, w2, w3, plen) & this.mask;
    for (;;) {
      const k = stride * i;
      const t = keys[k + this.words]!;
      if (t === 0) break;
      if (
        t === tag &&
        keys[k] === (w0 | 0) &&
        (stride === 2 || (keys[k + 1] === (w1 | 0) && keys[k + 2] === (w2 | 0) && keys[k + 3] === (w3 | 0)))
      ) {
        return false;
      }
      i = (i + 1) & this.mask;
    }
    const k = stride * i;
    keys[k] = w0;
    if (stride === 5) {
      keys[k + 1] = w1;
      keys[k + 2] = w2;
      keys[k + 3] = w3;
    }
    keys[k + this.words] = tag;
    if (++this.count * 2 > this.mask) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.keys;
    const stride = this.stride;
    const w = this.words;
    this.keys = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.count = 0;
    for (let k = 0; k < old.length; k += stride) {
      const t = old[k + w]!;
      if (t !== 0)
        this.add(old[k]!, w === 4 ? old[k + 1]! : 0, w === 4 ? old[k + 2]! : 0, w === 4 ? old[k + 3]! : 0, t - 1);
    }
  }
}

/**
 * The IPv4 duplicate check. A prefix of length <= 24 is one bit in a per-length bitmap (2^plen bits,
 * allocated when the length is first seen: 2 MB for /24, the most common length in a full table);
 * longer prefixes go to a PrefixSet. The bitmaps are why a million-route file loads fast: a table
 * that is mostly sorted touches them in order, and even a shuffled one hits a few MB instead of the
 * tens of MB a hash set of a million keys spans, where every insert is a cache miss.
 */
class PrefixSet4 {
  private readonly bitmaps: (Uint8Array | null)[] = new Array<Uint8Array | null>(25).fill(null);
  private readonly long: PrefixSet;

  constructor(expect: number) {
    this.long = new PrefixSet(1, expect >>> 4);
  }

  /** Adds a (host-order address, plen) key whose host bits are zero; false if already there. */
  add(a: number, plen: number): boolean {
    if (plen > 24) return this.long.add(a, 0, 0, 0, plen);
    let bm = this.bitmaps[plen];
    if (bm == null) bm = this.bitmaps[plen] = new Uint8Array(plen < 3 ? 1 : 1 << (plen - 3));
    const i = plen === 0 ? 0 : a >>> (32 - plen);
    const byte = bm[i >>> 3]!;
    const bit = 1 << (i & 7);
    if ((byte & bit) !== 0) return false;
    bm[i >>> 3] = byte | bit;
    return true;
  }
}

/** Interns short strings cut from the text so repeated `dev wm1` does not allocate per line. */
class Interner {
  private strs: string[] = [];
  private last = '';

  get(s: Uint8Array, a: number, b: number): string {
    if (Interner.same(this.last, s, a, b)) return this.last;
    for (let i = 0; i < this.strs.length; i++) {
      const t = this.strs[i]!;
      if (Interner.same(t, s, a, b)) return (this.last = t);
    }
    const t = text(s, a, b);
    if (this.strs.length < 64) this.strs.push(t);
    return (this.last = t);
  }

  private static same(t: string, s: Uint8Array, a: number, b: number): boolean {
    if (t.length !== b - a) return false;
    for (let j = 0; j < t.length; j++) if (t.charCodeAt(j) !== s[a + j]) return false;
    return true;
  }
}

const OPT_VIA = 1;
const OPT_DEV = 2;
const OPT_MTU = 4;
const OPT_METRIC = 8;
const OPT_PROTO = 16;

/** The OPT_ bit for the option keyword s[a, b), or 0. */
function optionOf(s: Uint8Array, a: number, b: number): number {
  switch (b - a) {
    case 3:
      if (wordIs(s, a, b, 'via')) return OPT_VIA;
      if (wordIs(s, a, b, 'dev')) return OPT_DEV;
      if (wordIs(s, a, b, 'mtu')) return OPT_MTU;
      return 0;
    case 5:
      return wordIs(s, a, b, 'proto') ? OPT_PROTO : 0;
    case 6:
      return wordIs(s, a, b, 'metric') ? OPT_METRIC : 0;
    default:
      return 0;
  }
}

/**
 * The scanner: s is the whole text, p the cursor, [ts, te) the current word, line/ls the current
 * line number and its start offset, le the end of the line's content (before '\n').
 */
class RoutesParser {
  p = 0;
  ts = 0;
  te = 0;
  line = 0;
  ls = 0;
  le = 0;
  readonly dst4 = new Uint8Array(4);
  readonly dst6 = new Uint8Array(16);
  readonly via4 = new Uint8Array(4);
  readonly via6 = new Uint8Array(16);
  readonly seen4: PrefixSet4 | null;
  readonly seen6: PrefixSet | null;
  readonly devNames = new Interner();
  readonly protos = new Interner();
  readonly r: RouteSpec;
  devs: ReadonlySet<string> | null = null;

  /** checkDups false: skip the duplicate check (used to find the first of two duplicates). */
  constructor(
    readonly s: Uint8Array,
    readonly file: string,
    checkDups: boolean,
  ) {
    // Size for a table of ~32-character lines, so that a big one does not keep regrowing.
    this.seen4 = checkDups ? new PrefixSet4(s.length >>> 5) : null;
    this.seen6 = checkDups ? new PrefixSet(4, s.length >>> 7) : null;
    this.r = {
      family: 4,
      dst: this.dst4,
      plen: 0,
      via: null,
      dev: null,
      type: 'unicast',
      mtu: 0,
      metric: 0,
      proto: null,
      file,
      line: 0,
    };
  }

  /** Moves to the next word of the line; false at the end of the line or at a '#' comment. */
  next(): boolean {
    const s = this.s;
    let p = this.p;
    const le = this.le;
    while (p < le) {
      const c = s[p]!;
      if (c !== SP && c !== TAB && c !== CR) break;
      p++;
    }
    if (p >= le || s[p]! === HASH) {
      this.p = this.ts = this.te = le;
      return false;
    }
    this.ts = p;
    while (p < le) {
      const c = s[p]!;
      if (c === SP || c === TAB || c === CR) break;
      p++;
    }
    this.te = this.p = p;
    return true;
  }

  word(): string {
    return text(this.s, this.ts, this.te);
  }

  /** Throws a ConfigError at the current word (or at the end of the line if there is none). */
  fail(field: string, detail: string, at = this.ts): never {
    throw new ConfigError(this.file, this.line, at - this.ls + 1, field, detail);
  }

  /** Moves to the next word, or fails with `detail` (a constant: no per-line message building). */
  need(field: string, detail: string): void {
    const end = this.te;
    if (!this.next()) this.fail(field, detail, end);
  }

  /** Moves to the value of option `kw`, or fails (just after the keyword) saying what belongs there. */
  value(kw: string, what: string): void {
    const kwEnd = this.te;
    if (!this.next()) this.fail(kw, `'${kw}' needs ${what}`, kwEnd);
  }

  /** Parses the current word as an address into via4/via6; returns its family. */
  parseVia(): Family {
    const s = this.s;
    const a = parseIPv4Bytes(s, this.ts, this.te);
    if (a >= 0) {
      putIPv4(this.via4, 0, a);
      return 4;
    }
    if (parseIPv6Bytes(s, this.ts, this.te, this.via6, 0)) return 6;
    return this.fail('via', `'${this.word()}' is not an IPv4 or IPv6 address`);
  }

  /** Parses one line whose content is s[ls, le). Returns true if it held a route (now in this.r). */
  parseLine(): boolean {
    const s = this.s;
    if (!this.next()) return false;
    let forced: 0 | Family = 0;
    const r = this.r;
    r.type = 'unicast';
    // Every keyword before the prefix starts with a lower-case letter or '-'; a line that starts
    // with a digit (most of a full table) skips the comparisons.
    const c0 = s[this.ts]!;
    if (c0 >= 0x61 || c0 === 0x2d) {
      if (wordIs(s, this.ts, this.te, 'ip')) {
        this.need('command', "expected 'route' after 'ip'");
        if (wordIs(s, this.ts, this.te, '-4') || wordIs(s, this.ts, this.te, '-6')) {
          forced = s[this.ts + 1]! === 0x34 ? 4 : 6;
          this.need('command', "expected 'route'");
        }
        if (!wordIs(s, this.ts, this.te, 'route')) this.fail('command', `expected 'route', got '${this.word()}'`);
      }
      if (wordIs(s, this.ts, this.te, 'route')) {
        this.need('command', "expected 'add', 'replace' or 'append' after 'route'");
        if (
          !wordIs(s, this.ts, this.te, 'add') &&
          !wordIs(s, this.ts, this.te, 'replace') &&
          !wordIs(s, this.ts, this.te, 'append')
        ) {
          this.fail('command', `expected 'add', 'replace' or 'append', got '${this.word()}'`);
        }
        this.need('dst', 'missing prefix');
      }

      const n = this.te - this.ts;
      if (n >= 7 && n <= 11) {
        let t: RouteType | null = null;
        if (wordIs(s, this.ts, this.te, 'unicast')) t = 'unicast';
        else if (wordIs(s, this.ts, this.te, 'blackhole')) t = 'blackhole';
        else if (wordIs(s, this.ts, this.te, 'unreachable')) t = 'unreachable';
        else if (wordIs(s, this.ts, this.te, 'prohibit')) t = 'prohibit';
        if (t !== null) {
          r.type = t;
          this.need('dst', 'missing prefix');
        }
      }
      if (wordIs(s, this.ts, this.te, 'to')) this.need('dst', "missing prefix after 'to'");
    }

    // Destination. fam 0 = 'default', family still unknown.
    const dstAt = this.ts;
    let fam: 0 | Family;
    let plen: number;
    let a4 = 0;
    if (wordIs(s, this.ts, this.te, 'default')) {
      fam = 0;
      plen = 0;
    } else {
      // A valid prefix length has 1..3 digits, so the '/' is one of the last four bytes; looking
      // only there saves a pass over the word. (A '/' further left leaves it in the address, which
      // then fails to parse: still an error, as it should be.)
      const te = this.te;
      let slash = -1;
      if (te - this.ts > 2) {
        if (s[te - 2] === SLASH) slash = te - 2;
        else if (s[te - 3] === SLASH) slash = te - 3;
        else if (te - this.ts > 4 && s[te - 4] === SLASH) slash = te - 4;
      }
      const aend = slash < 0 ? te : slash;
      // IPv4 first: on IPv6 text it fails within a few bytes, at the first ':' or hex letter.
      a4 = parseIPv4Bytes(s, this.ts, aend);
      if (a4 >= 0) {
        fam = 4;
        plen = slash < 0 ? 32 : parsePlenBytes(s, slash + 1, te, 32);
      } else if (parseIPv6Bytes(s, this.ts, aend, this.dst6, 0)) {
        fam = 6;
        plen = slash < 0 ? 128 : parsePlenBytes(s, slash + 1, te, 128);
      } else {
        return this.fail('dst', `'${this.word()}' is not an IPv4 or IPv6 prefix`);
      }
      if (plen < 0) this.fail('dst', `'${this.word()}': bad prefix length (0..${fam === 4 ? 32 : 128})`, slash + 1);
    }
    const dstEnd = this.te;

    // Options.
    let seen = 0;
    let viaFam: 0 | Family = 0;
    let viaAt = 0;
    let devAt = 0;
    r.dev = null;
    r.mtu = 0;
    r.metric = 0;
    r.proto = null;
    while (this.next()) {
      const kwAt = this.ts;
      const kwEnd = this.te;
      const opt = optionOf(s, kwAt, kwEnd);
      if (opt === 0) this.fail('route', `unknown word '${this.word()}' (expected via, dev, mtu, metric or proto)`);
      if (seen & opt) this.fail(this.word(), `'${this.word()}' given twice`);
      seen |= opt;
      switch (opt) {
        case OPT_VIA:
          this.value('via', 'an address');
          viaAt = this.ts;
          viaFam = this.parseVia();
          break;
        case OPT_DEV:
          this.value('dev', 'an interface name');
          devAt = this.ts;
          if (!isIfNameBytes(s, this.ts, this.te))
            this.fail('dev', `'${this.word()}' is not an interface name (like wm0)`);
          r.dev = this.devNames.get(s, this.ts, this.te);
          if (this.devs !== null && !this.devs.has(r.dev)) this.fail('dev', `no interface named '${r.dev}'`);
          break;
        case OPT_MTU: {
          this.value('mtu', 'a number');
          const v = parseUint(s, this.ts, this.te);
          if (v < 68 || v > 65535) this.fail('mtu', `'${this.word()}' is not an MTU in 68..65535`);
          r.mtu = v;
          break;
        }
        case OPT_METRIC: {
          this.value('metric', 'a number');
          const v = parseUint(s, this.ts, this.te);
          if (v < 0) this.fail('metric', `'${this.word()}' is not a number`);
          if (v !== 0)
            this.fail(
              'metric',
              `metric ${this.word()} is not supported: the FIB keeps one route per prefix, so the metric must be 0 or absent`,
            );
          break;
        }
        case OPT_PROTO: {
          this.value('proto', 'a protocol name or number');
          if (!this.protoOk()) this.fail('proto', `'${this.word()}' is not a protocol name or a number 0..255`);
          r.proto = this.protos.get(s, this.ts, this.te);
          break;
        }
      }
    }

    // Family and the cross-checks.
    if (fam === 0) {
      fam = viaFam !== 0 ? viaFam : forced;
      if (fam === 0) {
        this.fail('dst', "'default' needs 'via' (or ip -4/-6) to tell IPv4 from IPv6; write 0.0.0.0/0 or ::/0", dstAt);
      }
      if (fam === 4) this.dst4.fill(0);
      else this.dst6.fill(0);
    } else if (fam === 4) {
      putIPv4(this.dst4, 0, a4);
    }
    if (forced !== 0 && forced !== fam) this.fail('dst', `IPv${fam} prefix in an 'ip -${forced}' command`, dstAt);
    const dst = fam === 4 ? this.dst4 : this.dst6;
    if (fam === 4 ? (a4 & ~prefixMask4(plen)) !== 0 : !hostBitsZero(dst, plen)) {
      this.fail(
        'dst',
        `Invalid prefix for given prefix length: '${text(s, dstAt, dstEnd)}' has host bits set (the network is ${formatPrefix(maskPrefix(dst, plen), plen)})`,
        dstAt,
      );
    }
    if (viaFam !== 0) {
      if (r.type !== 'unicast') this.fail('via', `a ${r.type} route has no gateway`, viaAt);
      if (viaFam !== fam) this.fail('via', `IPv${viaFam} gateway for an IPv${fam} prefix`, viaAt);
      const via = fam === 4 ? this.via4 : this.via6;
      if (ipIsUnspecified(via) || ipIsMulticast(via) || ipIsLimitedBroadcast(via)) {
        this.fail('via', `gateway ${formatIP(via)} is not a unicast address`, viaAt);
      }
      if (ipIsLinkLocal6(via) && r.dev === null)
        this.fail('via', `link-local gateway ${formatIP(via)} needs 'dev'`, viaAt);
      r.via = via;
    } else {
      r.via = null;
    }
    if (r.type === 'unicast') {
      if (viaFam === 0 && r.dev === null) this.fail('route', "a unicast route needs 'via' or 'dev'", dstAt);
    } else if (r.dev !== null) {
      this.fail('dev', `a ${r.type} route has no interface`, devAt);
    }

    const fresh =
      fam === 4
        ? this.seen4 === null || this.seen4.add(a4, plen)
        : this.seen6 === null ||
          this.seen6.add(getIPv4(dst, 0), getIPv4(dst, 4), getIPv4(dst, 8), getIPv4(dst, 12), plen);
    if (!fresh) {
      const first = this.firstLineOf(fam, dst, plen, this.line);
      this.fail(
        'dst',
        `route already exists: ${formatPrefix(dst, plen)} is also at line ${first} (this is line ${this.line})`,
        dstAt,
      );
    }

    r.family = fam;
    r.dst = dst;
    r.plen = plen;
    r.line = this.line;
    return true;
  }

  /**
   * Parses lines until the end of the text, or until line `stop` (exclusive), calling onRoute for
   * each route; returns the number of routes.
   */
  run(onRoute: (r: RouteSpec) => void, stop: number): number {
    const s = this.s;
    const len = s.length;
    let count = 0;
    // A UTF-8 byte order mark, which some editors write.
    let p = len >= 3 && s[0] === 0xef && s[1] === 0xbb && s[2] === 0xbf ? 3 : 0;
    while (p < len && this.line + 1 < stop) {
      let e = s.indexOf(LF, p);
      if (e < 0) e = len;
      this.line++;
      this.ls = this.p = p;
      this.le = e;
      if (this.parseLine()) {
        count++;
        onRoute(this.r);
      }
      p = e + 1;
    }
    return count;
  }

  /** The line of the first route for this prefix before line `before` (error path: re-parses). */
  firstLineOf(fam: Family, dst: Uint8Array, plen: number, before: number): number {
    const want = dst.slice();
    let found = 0;
    new RoutesParser(this.s, this.file, false).run((r) => {
      if (found === 0 && r.family === fam && r.plen === plen && ipEqual(r.dst, want)) found = r.line;
    }, before);
    return found;
  }

  /** A proto word: a number 0..255 or a name [a-z][a-z0-9_]* of at most 32 characters. */
  protoOk(): boolean {
    const s = this.s;
    const v = parseUint(s, this.ts, this.te);
    if (v >= 0) return v <= 255;
    if (this.te - this.ts > 32) return false;
    const c0 = s[this.ts]!;
    if (c0 < 0x61 || c0 > 0x7a) return false;
    for (let p = this.ts + 1; p < this.te; p++) {
      const c = s[p]!;
      if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) return false;
    }
    return true;
  }
}

/**
 * Parses every route in `bytes` (the UTF-8 contents of routes_file `file`; the name is used only in
 * messages), calling onRoute once per route in file order, and returns how many routes there were.
 * Reading the file as bytes (`readFileSync(path)`) and calling this skips decoding it to a string.
 *
 * The RouteSpec passed to onRoute is ONE object reused for every line, and its `dst` and `via`
 * arrays are reused too: copy whatever must outlive the callback (e.g. `r.dst.slice()`). `dev` and
 * `proto` are ordinary strings and may be kept.
 *
 * With options.devs, a `dev` that is not in the set is an error too.
 *
 * Throws ConfigError (field = the part of the line at fault; see the grammar at the top of this
 * file) on the first bad line; the routes before it have already been delivered. Columns count
 * bytes, which equal characters: everything left of a reported word is ASCII, since a non-ASCII byte
 * is itself an error (or sits in a comment, which ends the line). An exception thrown by onRoute
 * propagates unchanged.
 */
export function parseRoutesBytes(
  bytes: Uint8Array,
  file: string,
  onRoute: (r: RouteSpec) => void,
  options?: RoutesFileOptions,
): number {
  // A plain Uint8Array view of a Buffer (or other subclass): the scanner's element loads then see
  // one object shape whichever way the caller read the file.
  const plain =
    bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ps = new RoutesParser(plain, file, true);
  ps.devs = options?.devs ?? null;
  return ps.run(onRoute, Infinity);
}

/** parseRoutesBytes on a string (encoded to UTF-8 first; same contract, same reused RouteSpec). */
export function parseRoutesText(
  text: string,
  file: string,
  onRoute: (r: RouteSpec) => void,
  options?: RoutesFileOptions,
): number {
  return parseRoutesBytes(new TextEncoder().encode(text), file, onRoute, options);
}
