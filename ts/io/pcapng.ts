// pcapng capture files: reader, and a writer for live captures (interfaces and directions).
// Format: draft-ietf-opsawg-pcapng ("PCAP Now Generic (pcapng) Capture File Format").
//
// A file is a sequence of blocks, all of one shape:
//
//      0                   1                   2                   3
//      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//     +---------------------------------------------------------------+
//   0 |                          Block Type                           |
//     +---------------------------------------------------------------+
//   4 |                      Block Total Length                       |
//     +---------------------------------------------------------------+
//   8 /                          Block Body                           /
//     /        variable length, padded to 32 bits, then options       /
//     +---------------------------------------------------------------+
//     |                      Block Total Length                       |
//     +---------------------------------------------------------------+
//
// The file is one or more sections. Each starts with a Section Header Block (type 0A0D0D0A, a
// palindrome so it reads the same in either byte order) whose Byte-Order Magic 1A2B3C4D fixes the
// byte order of every number in the section. Interface Description Blocks number the section's
// interfaces 0, 1, 2... in order; packet blocks name an interface by that index, which is local
// to the section (a new SHB forgets all interfaces).
//
// Block bodies used here (offsets from the block start):
//   SHB  0A0D0D0A  8 byte-order magic, 12 major u16, 14 minor u16, 16 section length i64, 24 options
//   IDB  00000001  8 linktype u16, 10 reserved u16, 12 snaplen u32, 16 options
//                  options: if_tsresol (9, 1 byte), if_tsoffset (14, i64 seconds)
//   EPB  00000006  8 interface id u32, 12 ts high u32, 16 ts low u32, 20 caplen u32, 24 origlen u32,
//                  28 data (padded to 32 bits), then options
//   PB   00000002  (obsolete) as EPB but 8 interface id u16, 10 drops count u16
//   SPB  00000003  8 origlen u32, 12 data; interface 0; no timestamp; caplen = min(origlen,
//                  snaplen of interface 0, room in the block)
// Every other block type is skipped by its length.
//
// The writer (PcapngWriter) emits one little-endian section: an SHB, one IDB per interface (if_name,
// if_tsresol 9: nanoseconds) and an EPB per packet with its epb_flags (option 2, u32; bits 0-1 the
// direction: 1 inbound, 2 outbound), each block written whole, so the file is valid after each one.
//
// Timestamps in EPB/PB are one 64-bit count of units since the epoch, split high/low. The unit
// is the interface's if_tsresol: top bit clear, 10^-n s; top bit set, 2^-n s; absent, 10^-6 s.

import { CAPTURE_MAX_RECORD, CaptureError, type CapturedFrame } from './frame.js';

export const PCAPNG_BT_SHB = 0x0a0d0d0a;
export const PCAPNG_BT_IDB = 0x00000001;
export const PCAPNG_BT_PB = 0x00000002;
export const PCAPNG_BT_SPB = 0x00000003;
export const PCAPNG_BT_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION_MAJOR = 1;

const PCAPNG_OPT_ENDOFOPT = 0;
const PCAPNG_OPT_IF_TSRESOL = 9;
const PCAPNG_OPT_IF_TSOFFSET = 14;

const PCAPNG_BLOCK_MIN = 12; // type + length + trailing length, empty body
const PCAPNG_SHB_MIN = 28;
const PCAPNG_IDB_MIN = 20;
const PCAPNG_PKT_MIN = 32; // EPB and PB: 20 bytes of fixed fields
const PCAPNG_SPB_MIN = 16;
const PCAPNG_PKT_DATA = 28; // EPB and PB data offset
const PCAPNG_SPB_DATA = 12;

/** True if `bytes` starts with the Section Header Block type. */
export function pcapngIsMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

/**
 * One interface of the current section, with its timestamp unit folded into the constants the
 * per-packet conversion needs (so no option is looked at per packet).
 *   units         units per second (used only when `big` is null, i.e. units <= 2^32)
 *   nsMul, nsDiv  nanoseconds = floor(r * nsMul / nsDiv) for a remainder r < units, every step
 *                 exact: 10^-n (n <= 9): 10^(9-n) / 1; 2^-n (n <= 9): 1e9 / 2^n, an integer as
 *                 1e9 = 1953125 * 2^9, / 1; 2^-n (9 < n <= 32): 1953125 / 2^(n-9), r * 1953125 < 2^53
 *   big           units per second as a BigInt when units > 2^32 (finer than 10^-9 s or 2^-32 s)
 *   offsetSec     if_tsoffset, seconds added to every timestamp
 */
interface PcapngInterface {
  linktype: number;
  snaplen: number;
  units: number;
  nsMul: number;
  nsDiv: number;
  big: bigint | null;
  offsetSec: number;
}

/**
 * Parses a whole pcapng file held in `bytes`; `name` is used only in error messages.
 *
 * Returns the packets of every EPB, PB and SPB in file order, each with its interface's linktype
 * and its timestamp converted to seconds + nanoseconds (if_tsoffset added; SPB frames have no
 * timestamp and get 0.0). Each frame's `data` is a subarray of `bytes` (no copy).
 *
 * Throws CaptureError, and nothing else, on malformed input: empty input, first block not an SHB, bad
 * byte-order magic, major version other than 1, a block length under the minimum, not a multiple
 * of 4, running past the end of the file, or differing from the trailing copy; a packet block
 * naming an interface not yet described in its section; a captured length that overruns its
 * block or is over the interface snaplen (when non-zero) or CAPTURE_MAX_RECORD; an option that
 * overruns its block. A truncated last block is reported, never dropped.
 * Cost: one pass; per packet, one small object and one subarray, and no BigInt unless the
 * interface's resolution is finer than 2^-32 s (units > 2^32).
 */
export function readPcapng(bytes: Uint8Array, name: string): CapturedFrame[] {
  const len = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const frames: CapturedFrame[] = [];
  let ifaces: PcapngInterface[] = [];
  let le = true;
  let p = 0;
  // Scratch for pcapngTimestamp: [seconds, nanoseconds]; reused to keep the loop allocation-free.
  const ts = [0, 0];
  if (len === 0) throw new CaptureError(name, 0, 'empty file: no section header block');
  while (p < len) {
    if (len - p < 8) throw new CaptureError(name, p, `truncated block header: ${len - p} of 8 bytes at end of file`);
    // The SHB type is a palindrome, so the type check needs no byte order; the SHB's own length
    // is the first field that does, and it follows the byte-order magic's verdict.
    const isShb = bytes[p] === 0x0a && bytes[p + 1] === 0x0d && bytes[p + 2] === 0x0d && bytes[p + 3] === 0x0a;
    if (isShb) {
      if (len - p < 12)
        throw new CaptureError(name, p, `truncated section header block: ${len - p} bytes at end of file`);
      const bom = dv.getUint32(p + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new CaptureError(name, p + 8, `bad pcapng byte-order magic 0x${bom.toString(16).padStart(8, '0')}`);
      ifaces = [];
    } else if (p === 0) {
      throw new CaptureError(name, 0, 'not a pcapng file: first block is not a section header block');
    }
    const type = dv.getUint32(p, le);
    const blen = dv.getUint32(p + 4, le);
    pcapngCheckBlockLength(name, dv, p, blen, le, isShb ? PCAPNG_SHB_MIN : PCAPNG_BLOCK_MIN);
    const end = p + blen;
    switch (type) {
      case PCAPNG_BT_SHB: {
        const major = dv.getUint16(p + 12, le);
        if (major !== PCAPNG_VERSION_MAJOR) {
          throw new CaptureError(
            name,
            p + 12,
            `unsupported pcapng version ${major}.${dv.getUint16(p + 14, le)} (expected 1.x)`,
          );
        }
        break;
      }
      case PCAPNG_BT_IDB: {
        if (blen < PCAPNG_IDB_MIN)
          throw new CaptureError(name, p + 4, `interface description block length ${blen} is under ${PCAPNG_IDB_MIN}`);
        ifaces.push(pcapngParseIdb(name, dv, p, end, le));
        break;
      }
      case PCAPNG_BT_EPB:
      case PCAPNG_BT_PB: {
        const what = type === PCAPNG_BT_EPB ? 'enhanced packet block' : 'packet block';
        if (blen < PCAPNG_PKT_MIN)
          throw new CaptureError(name, p + 4, `${what} length ${blen} is under ${PCAPNG_PKT_MIN}`);
        const ifid = type === PCAPNG_BT_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
        const ifc = ifaces[ifid];
        if (ifc === undefined) {
          throw new CaptureError(
            name,
            p + 8,
            `${what} names interface ${ifid} but its section describes ${ifaces.length}`,
          );
        }
        const caplen = dv.getUint32(p + 20, le);
        const origLen = dv.getUint32(p + 24, le);
        const room = blen - PCAPNG_PKT_DATA - 4;
        if (caplen > room) {
          throw new CaptureError(
            name,
            p + 20,
            `truncated record: captured length ${caplen} overruns its ${what} (room for ${room})`,
          );
        }
        pcapngCheckCaplen(name, p + 20, caplen, ifc);
        pcapngTimestamp(ifc, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), ts);
        const d = p + PCAPNG_PKT_DATA;
        frames.push({
          data: bytes.subarray(d, d + caplen),
          tsSec: ts[0]!,
          tsNsec: ts[1]!,
          origLen,
          linktype: ifc.linktype,
        });
        break;
      }
      case PCAPNG_BT_SPB: {
        if (blen < PCAPNG_SPB_MIN)
          throw new CaptureError(name, p + 4, `simple packet block length ${blen} is under ${PCAPNG_SPB_MIN}`);
        const ifc = ifaces[0];
        if (ifc === undefined)
          throw new CaptureError(name, p, 'simple packet block before any interface description block in its section');
        const origLen = dv.getUint32(p + 8, le);
        let caplen = Math.min(origLen, blen - PCAPNG_SPB_DATA - 4);
        if (ifc.snaplen !== 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
        if (caplen > CAPTURE_MAX_RECORD) {
          throw new CaptureError(
            name,
            p + 8,
            `simple packet length ${caplen} is over the ${CAPTURE_MAX_RECORD}-byte maximum`,
          );
        }
        const d = p + PCAPNG_SPB_DATA;
        frames.push({ data: bytes.subarray(d, d + caplen), tsSec: 0, tsNsec: 0, origLen, linktype: ifc.linktype });
        break;
      }
      default:
        break; // NRB, ISB, DSB, custom and unknown blocks: skipped by length, as the spec asks.
    }
    p = end;
  }
  return frames;
}

/**
 * Checks the length field `blen` of the block at `p` against the file and its trailing copy.
 * Caller guarantees p + 8 <= dv.byteLength.
 */
function pcapngCheckBlockLength(name: string, dv: DataView, p: number, blen: number, le: boolean, min: number): void {
  if (blen < min) throw new CaptureError(name, p + 4, `block length ${blen} is under the minimum ${min}`);
  if (blen % 4 !== 0) throw new CaptureError(name, p + 4, `block length ${blen} is not a multiple of 4`);
  const left = dv.byteLength - p;
  if (blen > left)
    throw new CaptureError(name, p, `truncated block: length ${blen} but only ${left} bytes left in file`);
  const trail = dv.getUint32(p + blen - 4, le);
  if (trail !== blen) {
    throw new CaptureError(
      name,
      p + blen - 4,
      `trailing block length ${trail} does not match leading block length ${blen}`,
    );
  }
}

function pcapngCheckCaplen(name: string, at: number, caplen: number, ifc: PcapngInterface): void {
  if (caplen > CAPTURE_MAX_RECORD) {
    throw new CaptureError(name, at, `record captured length ${caplen} is over the ${CAPTURE_MAX_RECORD}-byte maximum`);
  }
  if (ifc.snaplen !== 0 && caplen > ifc.snaplen) {
    throw new CaptureError(name, at, `record captured length ${caplen} is over its interface's snaplen ${ifc.snaplen}`);
  }
}

/** Reads an IDB whose length has been checked (>= PCAPNG_IDB_MIN, fits the file, ends at `end`). */
function pcapngParseIdb(name: string, dv: DataView, p: number, end: number, le: boolean): PcapngInterface {
  const linktype = dv.getUint16(p + 8, le);
  const snaplen = dv.getUint32(p + 12, le);
  let tsresol = 6;
  let offsetSec = 0;
  const optEnd = end - 4;
  let o = p + 16;
  while (optEnd - o >= 4) {
    const code = dv.getUint16(o, le);
    const olen = dv.getUint16(o + 2, le);
    if (code === PCAPNG_OPT_ENDOFOPT) break;
    const padded = (olen + 3) & ~3;
    if (padded > optEnd - o - 4) {
      throw new CaptureError(name, o, `option ${code} of length ${olen} overruns its interface description block`);
    }
    if (code === PCAPNG_OPT_IF_TSRESOL && olen >= 1) {
      tsresol = dv.getUint8(o + 4);
    } else if (code === PCAPNG_OPT_IF_TSOFFSET && olen >= 8) {
      // i64 in section byte order; exact while |offset| < 2^53 s, which any real file is.
      const lo = dv.getUint32(o + 4 + (le ? 0 : 4), le);
      const hi = dv.getInt32(o + 4 + (le ? 4 : 0), le);
      offsetSec = hi * 0x100000000 + lo;
    }
    o += 4 + padded;
  }
  const pow2 = (tsresol & 0x80) !== 0;
  const n = tsresol & 0x7f;
  let units: number;
  let nsMul = 1;
  let nsDiv = 1;
  let big: bigint | null = null;
  if (pow2) {
    units = 2 ** n;
    if (n <= 9) nsMul = 1e9 / units;
    else if (n <= 32) {
      nsMul = 1953125;
      nsDiv = 2 ** (n - 9);
    } else big = 1n << BigInt(n);
  } else {
    units = 10 ** n;
    if (n <= 9) nsMul = 10 ** (9 - n);
    else big = 10n ** BigInt(n);
  }
  return { linktype, snaplen, units, nsMul, nsDiv, big, offsetSec };
}

/**
 * Converts the 64-bit unit count hi:lo of interface `ifc` to out[0] = seconds (with if_tsoffset
 * added) and out[1] = nanoseconds in [0, 1e9), truncating finer units.
 *
 * Exact, without BigInt, while units <= 2^32: below 2^52 the count is one exact double; above,
 * it is divided by `units` in 16-bit digits after the high word, so every dividend stays below
 * 2^48 and is an exact double. Seconds past 2^53 (only possible with absurdly coarse units) lose
 * precision, as any JS number would.
 */
function pcapngTimestamp(ifc: PcapngInterface, hi: number, lo: number, out: number[]): void {
  if (ifc.big !== null) {
    const big = ifc.big;
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    out[0] = Number(v / big) + ifc.offsetSec;
    out[1] = Number(((v % big) * 1_000_000_000n) / big);
    return;
  }
  const u = ifc.units;
  let sec: number;
  let r: number;
  if (hi < 0x100000) {
    // hi:lo < 2^52, so the count and sec * u (at most v + u) are exact doubles: one division.
    const v = hi * 0x100000000 + lo;
    sec = Math.floor(v / u);
    r = v - sec * u;
  } else {
    // Long division in base 2^16 after the high word: hi = qh*u + rh, then the two 16-bit
    // halves of lo. Each dividend is below u * 2^16 <= 2^48, so exact.
    let qh = Math.floor(hi / u);
    let rh = hi - qh * u;
    if (rh < 0) {
      qh--;
      rh += u;
    } else if (rh >= u) {
      qh++;
      rh -= u;
    }
    const c1 = rh * 65536 + (lo >>> 16);
    let q1 = Math.floor(c1 / u);
    let r1 = c1 - q1 * u;
    if (r1 < 0) {
      q1--;
      r1 += u;
    } else if (r1 >= u) {
      q1++;
      r1 -= u;
    }
    const c2 = r1 * 65536 + (lo & 0xffff);
    const q2 = Math.floor(c2 / u);
    r = c2 - q2 * u;
    sec = qh * 0x100000000 + q1 * 65536 + q2;
  }
  // v / u can round up to the next integer when v is just below a multiple of u.
  if (r < 0) {
    sec--;
    r += u;
  } else if (r >= u) {
    sec++;
    r -= u;
  }
  out[0] = sec + ifc.offsetSec;
  out[1] = Math.floor((r * ifc.nsMul) / ifc.nsDiv);
}

const PCAPNG_OPT_IF_NAME = 2;
const PCAPNG_OPT_EPB_FLAGS = 2;
/** epb_flags direction bits (draft-ietf-opsawg-pcapng, Enhanced Packet Block Flags Word). */
export const PCAPNG_DIR_INBOUND = 1;
export const PCAPNG_DIR_OUTBOUND = 2;

/**
 * Builds a pcapng file block by block, little-endian, one section, nanosecond timestamps.
 * Interfaces are numbered in the order addInterface() is called; a packet names one by that number.
 * Not safe for concurrent use. Frames longer than the interface's snaplen are cut to it; bad
 * arguments (an unknown interface, out-of-range timestamps) throw RangeError: the caller's bug.
 * takeBytes() hands what was written since its last call: appending every result in order to a
 * file gives a valid pcapng file after each append.
 */
export class PcapngWriter {
  private readonly snaplens: number[] = [];
  private chunks: Uint8Array[] = [];
  private frames = 0;

  constructor() {
    // SHB: byte-order magic, version 1.0, section length -1 (not known: the file is written as it goes)
    const b = this.block(PCAPNG_BT_SHB, 16);
    b.dv.setUint32(8, PCAPNG_BYTE_ORDER_MAGIC, true);
    b.dv.setUint16(12, PCAPNG_VERSION_MAJOR, true);
    b.dv.setUint16(14, 0, true);
    b.dv.setInt32(16, -1, true);
    b.dv.setInt32(20, -1, true);
    this.chunks.push(b.bytes);
  }

  /** Packets written so far. */
  get count(): number {
    return this.frames;
  }

  /** Describes the next interface (LINKTYPE_* `linktype`, its name); returns its number. */
  addInterface(name: string, linktype = 1, snaplen = 65535): number {
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > CAPTURE_MAX_RECORD)
      throw new RangeError(`PcapngWriter: snaplen ${snaplen} is not an integer in [1, ${CAPTURE_MAX_RECORD}]`);
    const nameBytes = new TextEncoder().encode(name);
    const opts = 4 + pad4(nameBytes.length) + 4 + 4 + 4; // if_name, if_tsresol (1 byte, padded), end
    const b = this.block(PCAPNG_BT_IDB, 8 + opts);
    b.dv.setUint16(8, linktype, true);
    b.dv.setUint32(12, snaplen, true);
    let o = 16;
    b.dv.setUint16(o, PCAPNG_OPT_IF_NAME, true);
    b.dv.setUint16(o + 2, nameBytes.length, true);
    b.bytes.set(nameBytes, o + 4);
    o += 4 + pad4(nameBytes.length);
    b.dv.setUint16(o, PCAPNG_OPT_IF_TSRESOL, true);
    b.dv.setUint16(o + 2, 1, true);
    b.dv.setUint8(o + 4, 9); // 10^-9 s
    // then opt_endofopt: zeros
    this.chunks.push(b.bytes);
    this.snaplens.push(snaplen);
    return this.snaplens.length - 1;
  }

  /**
   * Appends one Enhanced Packet Block on interface `ifc`: `tsSec` (u32 seconds) and `tsNsec`
   * (integer in [0, 1e9)), `dir` PCAPNG_DIR_INBOUND / PCAPNG_DIR_OUTBOUND (0: unknown, no flags option).
   */
  add(ifc: number, data: Uint8Array, tsSec: number, tsNsec: number, dir = 0): void {
    const snaplen = this.snaplens[ifc];
    if (snaplen === undefined) throw new RangeError(`PcapngWriter: no interface ${ifc}`);
    if (!Number.isInteger(tsSec) || tsSec < 0 || tsSec > 0xffffffff)
      throw new RangeError(`PcapngWriter: tsSec ${tsSec} is not a u32`);
    if (!Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec > 999_999_999)
      throw new RangeError(`PcapngWriter: tsNsec ${tsNsec} is not an integer in [0, 1e9)`);
    const caplen = Math.min(data.length, snaplen);
    const opts = dir !== 0 ? 4 + 4 + 4 : 0; // epb_flags, end
    const b = this.block(PCAPNG_BT_EPB, 20 + pad4(caplen) + opts);
    const v = BigInt(tsSec) * 1_000_000_000n + BigInt(tsNsec); // nanoseconds: past 2^53, so not a double
    b.dv.setUint32(8, ifc, true);
    b.dv.setUint32(12, Number(v >> 32n), true);
    b.dv.setUint32(16, Number(v & 0xffffffffn), true);
    b.dv.setUint32(20, caplen, true);
    b.dv.setUint32(24, data.length, true);
    b.bytes.set(caplen === data.length ? data : data.subarray(0, caplen), PCAPNG_PKT_DATA);
    if (dir !== 0) {
      const o = PCAPNG_PKT_DATA + pad4(caplen);
      b.dv.setUint16(o, PCAPNG_OPT_EPB_FLAGS, true);
      b.dv.setUint16(o + 2, 4, true);
      b.dv.setUint32(o + 4, dir & 3, true);
    }
    this.chunks.push(b.bytes);
    this.frames++;
  }

  /** The blocks written since the last call (the first call's start with the section header), and forgets them. */
  takeBytes(): Uint8Array {
    const n = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [];
    return out;
  }

  /** A zeroed block of type `type` with `body` bytes between its two length words. */
  private block(type: number, body: number): { bytes: Uint8Array; dv: DataView } {
    const len = 12 + body;
    const bytes = new Uint8Array(len);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, type, true);
    dv.setUint32(4, len, true);
    dv.setUint32(len - 4, len, true);
    return { bytes, dv };
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
