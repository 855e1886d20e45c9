// Address text <-> bytes for IPv4, IPv6 and Ethernet MACs, and the prefix arithmetic the control plane
// needs (masks, host-bit checks, the u32 words the FIB keys on).
//
// Representation: an IPv4 address is either a host-order u32 (parseIPv4) or 4 bytes in wire order; an
// IPv6 address is always 16 bytes in wire order (network byte order, RFC 4291 section 2.2 text reads
// left to right = byte 0 first). ipv6Words() turns the 16 bytes into the four host-order u32 words,
// most significant first, that the radix/mtrie code compares.
//
// Parsing is strict on purpose: these strings come from config files an operator wrote, and the
// lenient forms (inet_aton's '10.1', '0x0a.0.0.1', '010.0.0.1' meaning 8.0.0.1) have bitten
// everyone who ever accepted them. What is accepted:
//   IPv4  exactly four decimal octets 0..255, no sign, no leading zero ('0' alone is fine, '01' is not).
//   IPv6  RFC 4291 section 2.2: eight 1..4-digit hex groups, or fewer with one '::'; the last 32 bits
//         may be a dotted quad under the IPv4 rules above. Case-insensitive. Zone ids ('fe80::1%eth0',
//         RFC 4007 section 11) are rejected: a zone is not part of an address and the config names the
//         interface separately.
//   MAC   six 2-digit hex bytes separated by ':' or '-' (one separator throughout), case-insensitive.
// Every parser returns null on bad input and never throws. Formatters trust their input's length.
//
// The *Bytes variants parse a slice [start, end) of ASCII bytes in place; the routes_file parser
// runs them on every line of a table read as bytes, so they allocate nothing. The string entry points
// copy into a scratch buffer and run the same code.

/** Address family: 4 = IPv4, 6 = IPv6. */
export type Family = 4 | 6;

/** A parsed address: 4 or 16 bytes in wire order. */
export interface IPAddr {
  family: Family;
  bytes: Uint8Array;
}

/** A parsed prefix. Host bits are NOT checked here; see hostBitsZero. */
export interface IPPrefix {
  family: Family;
  bytes: Uint8Array;
  plen: number;
}

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_DOT = 0x2e;
const CH_COLON = 0x3a;
const CH_DASH = 0x2d;
const CH_SLASH = 0x2f;

/** Value of hex digit c, or -1. */
function hexval(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  const l = c | 0x20; // setting bit 5 takes 'A'-'F', and nothing else, into 'a'-'f'
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Parses the dotted quad in b[start, end) (ASCII bytes). Returns the address as a host-order u32
 * (>= 0), or -1 if the slice is not exactly a strict dotted quad. Allocates nothing.
 */
export function parseIPv4Bytes(b: Uint8Array, start: number, end: number): number {
  let p = start;
  let addr = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p >= end || b[p] !== CH_DOT) return -1;
      p++;
    }
    const first = p;
    let v = 0;
    while (p < end) {
      const c = b[p]! - CH_0;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      p++;
      if (p - first > 3) return -1;
    }
    const n = p - first;
    if (n === 0 || v > 255) return -1;
    if (n > 1 && b[first] === CH_0) return -1; // '01' could mean octal to inet_aton
    addr = addr * 256 + v; // multiply, not shift: stays a positive double up to 2^32 - 1
  }
  return p === end ? addr : -1;
}

// The string entry points copy their argument here and run the byte parsers, so there is one
// implementation of each grammar. 64 bytes holds the longest valid text with room to spare
// ('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128' is 49). Module-level, so no allocation; safe
// because a parse runs to completion before another can start on this thread.
const scratch = new Uint8Array(64);

/** Copies s into scratch; returns its length, or -1 if it is too long or not ASCII. */
function toScratch(s: string): number {
  const n = s.length;
  if (n > scratch.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    scratch[i] = c;
  }
  return n;
}

/** Index of the first '/' in b[start, end), or -1. */
export function indexOfSlash(b: Uint8Array, start: number, end: number): number {
  for (let p = start; p < end; p++) if (b[p] === CH_SLASH) return p;
  return -1;
}

/** Parses a strict dotted quad to a host-order u32, or null. */
export function parseIPv4(s: string): number | null {
  const n = toScratch(s);
  const a = n < 0 ? -1 : parseIPv4Bytes(scratch, 0, n);
  return a < 0 ? null : a;
}

/** Formats a host-order u32 as a dotted quad. */
export function formatIPv4(a: number): string {
  return `${(a >>> 24) & 0xff}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Writes host-order u32 a as 4 wire-order bytes at out[off]. */
export function putIPv4(out: Uint8Array, off: number, a: number): void {
  out[off] = a >>> 24;
  out[off + 1] = (a >>> 16) & 0xff;
  out[off + 2] = (a >>> 8) & 0xff;
  out[off + 3] = a & 0xff;
}

/** Reads 4 wire-order bytes at b[off] as a host-order u32. */
export function getIPv4(b: Uint8Array, off = 0): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

// Scratch for the 16-bit groups of the IPv6 address being parsed. Module-level so parsing allocates
// nothing; safe because JS runs one parse to completion before the next starts on this thread.
const v6groups = new Uint16Array(8);

/**
 * Parses the IPv6 text in b[start, end) (ASCII bytes) into 16 wire-order bytes at out[off]. Returns
 * false (out may then be partly written) if the slice is not exactly one RFC 4291 address.
 * Allocates nothing.
 */
export function parseIPv6Bytes(b: Uint8Array, start: number, end: number, out: Uint8Array, off: number): boolean {
  let p = start;
  let ng = 0; // groups parsed
  let dc = -1; // group index where '::' stands, or -1
  if (p >= end) return false;
  if (b[p]! === CH_COLON) {
    // A leading ':' is only legal as the first half of '::'.
    if (p + 1 >= end || b[p + 1] !== CH_COLON) return false;
    dc = 0;
    p += 2;
  }
  while (p < end) {
    const first = p;
    let v = 0;
    let h: number;
    while (p < end && (h = hexval(b[p]!)) >= 0) {
      v = (v << 4) | h;
      p++;
      if (p - first > 4) return false;
    }
    if (p < end && b[p]! === CH_DOT) {
      // Dotted quad in the low 32 bits (RFC 4291 section 2.2, form 3): it must end the address.
      if (ng > 6) return false;
      const a = parseIPv4Bytes(b, first, end);
      if (a < 0) return false;
      v6groups[ng++] = a >>> 16;
      v6groups[ng++] = a & 0xffff;
      p = end;
      break;
    }
    if (p === first || ng === 8) return false;
    v6groups[ng++] = v;
    if (p === end) break;
    if (b[p]! !== CH_COLON) return false;
    p++;
    if (p < end && b[p]! === CH_COLON) {
      if (dc >= 0) return false; // at most one '::'
      dc = ng;
      p++;
    } else if (p === end) {
      return false; // trailing single ':'
    }
  }
  if (dc < 0) {
    if (ng !== 8) return false;
  } else if (ng > 7) {
    return false; // '::' stands for at least one zero group
  }
  // Groups before dc go first, groups after it are right-aligned; the gap is zeros.
  const tail = dc < 0 ? 0 : ng - dc;
  const head = ng - tail;
  for (let i = 0; i < 8; i++) {
    let g = 0;
    if (i < head) g = v6groups[i]!;
    else if (i >= 8 - tail) g = v6groups[head + i - (8 - tail)]!;
    out[off + 2 * i] = g >>> 8;
    out[off + 2 * i + 1] = g & 0xff;
  }
  return true;
}

/** Parses IPv6 text (no zone id) to 16 wire-order bytes, or null. */
export function parseIPv6(s: string): Uint8Array | null {
  const n = toScratch(s);
  const out = new Uint8Array(16);
  return n >= 0 && parseIPv6Bytes(scratch, 0, n, out, 0) ? out : null;
}

/**
 * Formats 16 wire-order bytes in RFC 5952 canonical form: lower case, no leading zeros, the longest
 * run of two or more zero groups (the first, on a tie) replaced by '::', a lone zero group left as
 * '0' (section 4.2.2). IPv4-mapped addresses (::ffff:0:0/96) keep the dotted quad in the low 32
 * bits, as section 5 recommends and inet_ntop prints; other embedded forms (the deprecated
 * IPv4-compatible ::a.b.c.d) print as plain hex because nothing in the bits says they embed IPv4.
 */
export function formatIPv6(b: Uint8Array): string {
  let bestAt = -1;
  let bestLen = 1; // a run must beat 1 to be compressed
  let runAt = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && b[2 * i] === 0 && b[2 * i + 1] === 0;
    if (zero) {
      if (runAt < 0) runAt = i;
    } else if (runAt >= 0) {
      if (i - runAt > bestLen) {
        bestAt = runAt;
        bestLen = i - runAt;
      }
      runAt = -1;
    }
  }
  if (bestAt === 0 && bestLen === 5 && b[10] === 0xff && b[11] === 0xff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16);
  }
  return out;
}

/** Parses an IPv4 or IPv6 address (no prefix length), or null. */
export function parseIP(s: string): IPAddr | null {
  const n = toScratch(s);
  if (n < 0) return null;
  const a = parseIPv4Bytes(scratch, 0, n);
  if (a >= 0) {
    const bytes = new Uint8Array(4);
    putIPv4(bytes, 0, a);
    return { family: 4, bytes };
  }
  const bytes = new Uint8Array(16);
  return parseIPv6Bytes(scratch, 0, n, bytes, 0) ? { family: 6, bytes } : null;
}

/** Formats 4 or 16 wire-order bytes. */
export function formatIP(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(getIPv4(bytes)) : formatIPv6(bytes);
}

/**
 * Parses the decimal prefix length in b[start, end): 0..max, no sign, no leading zero. Returns -1 on
 * bad input.
 */
export function parsePlenBytes(b: Uint8Array, start: number, end: number, max: number): number {
  const n = end - start;
  if (n < 1 || n > 3) return -1;
  if (n > 1 && b[start] === CH_0) return -1;
  let v = 0;
  for (let p = start; p < end; p++) {
    const c = b[p]! - CH_0;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= max ? v : -1;
}

/**
 * Parses 'a.b.c.d/n' (n 0..32), 'x::y/n' (n 0..128), or a bare address, which is the host prefix
 * (/32 or /128) as in `ip route`. Does not accept 'default' and does not check host bits (an
 * interface address such as 192.0.2.1/24 has them set on purpose; routes check with hostBitsZero).
 */
export function parsePrefix(s: string): IPPrefix | null {
  const n = toScratch(s);
  if (n < 0) return null;
  const slash = indexOfSlash(scratch, 0, n);
  const aend = slash < 0 ? n : slash;
  const a = parseIPv4Bytes(scratch, 0, aend);
  if (a >= 0) {
    const plen = slash < 0 ? 32 : parsePlenBytes(scratch, slash + 1, n, 32);
    if (plen < 0) return null;
    const bytes = new Uint8Array(4);
    putIPv4(bytes, 0, a);
    return { family: 4, bytes, plen };
  }
  const bytes = new Uint8Array(16);
  if (!parseIPv6Bytes(scratch, 0, aend, bytes, 0)) return null;
  const plen = slash < 0 ? 128 : parsePlenBytes(scratch, slash + 1, n, 128);
  if (plen < 0) return null;
  return { family: 6, bytes, plen };
}

/** Formats a prefix as 'address/plen'. */
export function formatPrefix(bytes: Uint8Array, plen: number): string {
  return `${formatIP(bytes)}/${plen}`;
}

/** Parses 'aa:bb:cc:dd:ee:ff' or 'aa-bb-cc-dd-ee-ff' (one separator throughout) to 6 bytes, or null. */
export function parseMac(s: string): Uint8Array | null {
  if (s.length !== 17) return null;
  const sep = s.charCodeAt(2);
  if (sep !== CH_COLON && sep !== CH_DASH) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = 3 * i;
    if (i > 0 && s.charCodeAt(p - 1) !== sep) return null;
    const hi = hexval(s.charCodeAt(p));
    const lo = hexval(s.charCodeAt(p + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Formats 6 bytes as lower-case 'aa:bb:cc:dd:ee:ff'. */
export function formatMac(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 6; i++) {
    if (i > 0) out += ':';
    out += b[i]! < 16 ? '0' + b[i]!.toString(16) : b[i]!.toString(16);
  }
  return out;
}

/** True for a group (multicast or broadcast) MAC: the I/G bit, bit 0 of the first byte (IEEE 802). */
export function macIsGroup(b: Uint8Array): boolean {
  return (b[0]! & 1) !== 0;
}

/** True if the 6 bytes are all zero. */
export function macIsZero(b: Uint8Array): boolean {
  return (b[0]! | b[1]! | b[2]! | b[3]! | b[4]! | b[5]!) === 0;
}

/** The four host-order u32 words of a 16-byte IPv6 address, most significant first. */
export function ipv6Words(b: Uint8Array): [number, number, number, number] {
  return [getIPv4(b, 0), getIPv4(b, 4), getIPv4(b, 8), getIPv4(b, 12)];
}

/** IPv4 netmask for plen 0..32 as a host-order u32 (prefixMask4(24) = 0xffffff00). */
export function prefixMask4(plen: number): number {
  // `<< 32` is `<< 0` in JS, hence the special case.
  return plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
}

/** Word w (0..3, most significant first) of the IPv6 netmask for plen 0..128, host-order u32. */
export function prefixMask6Word(plen: number, w: number): number {
  const bits = plen - 32 * w;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return prefixMask4(bits);
}

/** The netmask for plen as 4 or 16 wire-order bytes. */
export function prefixMaskBytes(family: Family, plen: number): Uint8Array {
  const out = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = 0; i < out.length; i++) {
    const bits = plen - 8 * i;
    out[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff00 >> bits) & 0xff;
  }
  return out;
}

/**
 * True if every bit of `bytes` (4 or 16, wire order) after the first plen is zero, i.e. the text
 * names a network and not a host in it. `ip route` refuses a route prefix for which this is false,
 * with "Invalid prefix for given prefix length".
 */
export function hostBitsZero(bytes: Uint8Array, plen: number): boolean {
  let i = plen >>> 3;
  if (i >= bytes.length) return true;
  if ((bytes[i]! & (0xff >> (plen & 7))) !== 0) return false;
  for (i++; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A copy of `bytes` with the host bits after plen cleared (the network the prefix names). */
export function maskPrefix(bytes: Uint8Array, plen: number): Uint8Array {
  const out = bytes.slice();
  const i = plen >>> 3;
  if (i < out.length) {
    out[i] = out[i]! & (0xff00 >> (plen & 7));
    out.fill(0, i + 1);
  }
  return out;
}

/** True for the unspecified address (0.0.0.0 or ::). */
export function ipIsUnspecified(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** True for multicast: 224.0.0.0/4 (RFC 5771) or ff00::/8 (RFC 4291 section 2.7). */
export function ipIsMulticast(bytes: Uint8Array): boolean {
  return bytes.length === 4 ? (bytes[0]! & 0xf0) === 0xe0 : bytes[0] === 0xff;
}

/** True for IPv6 link-local unicast fe80::/10 (RFC 4291 section 2.5.6). */
export function ipIsLinkLocal6(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
}

/**
 * The IPv6 link-local address an interface with this MAC forms by itself (RFC 4862 5.3, RFC 4291
 * 2.5.1 and appendix A): fe80::/64 with the modified EUI-64 interface identifier, the MAC split by
 * ff:fe with its universal/local bit inverted.
 */
export function linkLocalFromMac(mac: Uint8Array): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = 0xfe;
  a[1] = 0x80;
  a.set([mac[0]! ^ 2, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!], 8);
  return a;
}
/** True for the IPv4 limited broadcast 255.255.255.255. */
export function ipIsLimitedBroadcast(bytes: Uint8Array): boolean {
  return bytes.length === 4 && (bytes[0]! & bytes[1]! & bytes[2]! & bytes[3]!) === 0xff;
}

/** Byte-wise equality of two addresses (different lengths are unequal). */
export function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
