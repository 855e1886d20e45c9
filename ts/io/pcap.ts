// Classic libpcap capture files: reader and writer.
// Format: draft-ietf-opsawg-pcap ("PCAP Capture File Format"), which documents what libpcap does.
//
// File header (24 bytes), in the byte order of the machine that wrote it:
//
//      0                   1                   2                   3
//      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   0 |                         Magic Number                          |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   4 |        Major Version (2)      |       Minor Version (4)       |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   8 |                   Reserved1 (was thiszone)                    |
//  12 |                   Reserved2 (was sigfigs)                     |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  16 |                            SnapLen                            |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  20 | FCS info (upper 16 bits)      |     LinkType (lower 16 bits)  |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Then zero or more records, each a 16-byte header and Captured Length bytes of packet data
// (no padding):
//
//   0 | Timestamp (seconds)  |  4 | Timestamp (us or ns)  |  8 | Captured Length  |  12 | Original Length |
//
// The magic says both the byte order and the sub-second unit: A1B2C3D4 microseconds,
// A1B23C4D nanoseconds; read byte-swapped, they mean the other byte order.

import { CAPTURE_MAX_RECORD, CaptureError, type CapturedFrame } from './frame.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
/** The two magics as a little-endian u32 read of a big-endian file's first four bytes. */
export const PCAP_MAGIC_USEC_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NSEC_SWAPPED = 0x4d3cb2a1;

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_DEFAULT_SNAPLEN = 65535;

// File header field offsets.
const PCAP_HDR_MAGIC = 0;
const PCAP_HDR_MAJOR = 4;
const PCAP_HDR_MINOR = 6;
const PCAP_HDR_SNAPLEN = 16;
const PCAP_HDR_LINKTYPE = 20;
// Record header field offsets.
const PCAP_REC_TS_SEC = 0;
const PCAP_REC_TS_FRAC = 4;
const PCAP_REC_CAPLEN = 8;
const PCAP_REC_ORIGLEN = 12;

/** True if the first four bytes of `bytes` are one of the four classic pcap magics. */
export function pcapIsMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const m = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  return (
    m === PCAP_MAGIC_USEC || m === PCAP_MAGIC_NSEC || m === PCAP_MAGIC_USEC_SWAPPED || m === PCAP_MAGIC_NSEC_SWAPPED
  );
}

/**
 * Parses a whole classic pcap file held in `bytes`; `name` is used only in error messages.
 *
 * Returns the frames in file order; each frame's `data` is a subarray of `bytes` (no copy).
 * Sub-second fields are normalised to nanoseconds; a microsecond field of 1e6 or more (written by
 * some broken tools) carries into the seconds rather than producing tsNsec >= 1e9.
 *
 * Throws CaptureError, and nothing else, on any malformed input: bad magic, major version other
 * than 2, truncated file header, a trailing partial record header, a captured length over the
 * header's snaplen (when the snaplen is non-zero) or over CAPTURE_MAX_RECORD, and a final record
 * whose data runs past the end of the file (a truncated capture is reported, never dropped).
 * Cost: one pass, one small object and one subarray per frame.
 */
export function readPcap(bytes: Uint8Array, name: string): CapturedFrame[] {
  const len = bytes.length;
  if (len < 4) throw new CaptureError(name, 0, `truncated pcap file header: ${len} of ${PCAP_FILE_HEADER_LEN} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const magic = dv.getUint32(PCAP_HDR_MAGIC, true);
  let le: boolean;
  let fracToNs: number;
  let fracPerSec: number;
  switch (magic) {
    case PCAP_MAGIC_USEC:
      le = true;
      fracToNs = 1000;
      fracPerSec = 1e6;
      break;
    case PCAP_MAGIC_NSEC:
      le = true;
      fracToNs = 1;
      fracPerSec = 1e9;
      break;
    case PCAP_MAGIC_USEC_SWAPPED:
      le = false;
      fracToNs = 1000;
      fracPerSec = 1e6;
      break;
    case PCAP_MAGIC_NSEC_SWAPPED:
      le = false;
      fracToNs = 1;
      fracPerSec = 1e9;
      break;
    default:
      throw new CaptureError(name, 0, `bad pcap magic 0x${magic.toString(16).padStart(8, '0')}`);
  }
  if (len < PCAP_FILE_HEADER_LEN) {
    throw new CaptureError(name, 0, `truncated pcap file header: ${len} of ${PCAP_FILE_HEADER_LEN} bytes`);
  }
  const major = dv.getUint16(PCAP_HDR_MAJOR, le);
  const minor = dv.getUint16(PCAP_HDR_MINOR, le);
  if (major !== PCAP_VERSION_MAJOR) {
    throw new CaptureError(name, PCAP_HDR_MAJOR, `unsupported pcap version ${major}.${minor} (expected 2.x)`);
  }
  const snaplen = dv.getUint32(PCAP_HDR_SNAPLEN, le);
  // Upper 16 bits carry FCS information, not the link type (draft-ietf-opsawg-pcap, LinkType).
  const linktype = dv.getUint32(PCAP_HDR_LINKTYPE, le) & 0xffff;
  // A snaplen of 0 is written by some tools to mean "unknown": only the absolute ceiling applies.
  const limit = snaplen === 0 || snaplen > CAPTURE_MAX_RECORD ? CAPTURE_MAX_RECORD : snaplen;
  const limitWhat = limit === snaplen ? `the file's snaplen ${snaplen}` : `the ${CAPTURE_MAX_RECORD}-byte maximum`;

  const frames: CapturedFrame[] = [];
  let p = PCAP_FILE_HEADER_LEN;
  while (p < len) {
    if (len - p < PCAP_RECORD_HEADER_LEN) {
      throw new CaptureError(
        name,
        p,
        `truncated record header: ${len - p} of ${PCAP_RECORD_HEADER_LEN} bytes at end of file`,
      );
    }
    let tsSec = dv.getUint32(p + PCAP_REC_TS_SEC, le);
    let frac = dv.getUint32(p + PCAP_REC_TS_FRAC, le);
    const caplen = dv.getUint32(p + PCAP_REC_CAPLEN, le);
    const origLen = dv.getUint32(p + PCAP_REC_ORIGLEN, le);
    if (caplen > limit) {
      throw new CaptureError(name, p + PCAP_REC_CAPLEN, `record captured length ${caplen} is over ${limitWhat}`);
    }
    const d = p + PCAP_RECORD_HEADER_LEN;
    if (caplen > len - d) {
      throw new CaptureError(
        name,
        p,
        `truncated record: captured length ${caplen} but only ${len - d} bytes left in file`,
      );
    }
    if (frac >= fracPerSec) {
      const carry = Math.floor(frac / fracPerSec);
      tsSec += carry;
      frac -= carry * fracPerSec;
    }
    frames.push({ data: bytes.subarray(d, d + caplen), tsSec, tsNsec: frac * fracToNs, origLen, linktype });
    p = d + caplen;
  }
  return frames;
}

export interface PcapWriterOptions {
  /** LINKTYPE_* for every frame in the file; default 1 (Ethernet). 0..65535. */
  linktype?: number;
  /** Write the nanosecond magic A1B23C4D and nanosecond fractions; default false (microseconds). */
  nanosecond?: boolean;
  /** Snaplen written in the header and applied to frames; default 65535, at most CAPTURE_MAX_RECORD. */
  snaplen?: number;
}

/**
 * Builds a classic pcap file in memory, little-endian, version 2.4.
 *
 * Not safe for concurrent use (it is a plain growing buffer). Frames longer than the snaplen are
 * cut to it, as a capture would be, and keep their full length as origLen; in microsecond mode the
 * nanosecond part of a timestamp is truncated (not rounded) to microseconds.
 * Bad arguments (non-integer or out-of-range timestamps or lengths) throw RangeError: they are the
 * caller's bug, not a malformed file.
 */
export class PcapWriter {
  readonly linktype: number;
  readonly nanosecond: boolean;
  readonly snaplen: number;
  private buf: Uint8Array;
  private dv: DataView;
  private used: number;
  private frames = 0;

  constructor(opts: PcapWriterOptions = {}) {
    this.linktype = opts.linktype ?? LINKTYPE_ETHERNET;
    this.nanosecond = opts.nanosecond ?? false;
    this.snaplen = opts.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    pcapCheckInt('linktype', this.linktype, 0, 0xffff);
    pcapCheckInt('snaplen', this.snaplen, 1, CAPTURE_MAX_RECORD);
    this.buf = new Uint8Array(4096);
    this.dv = new DataView(this.buf.buffer);
    this.dv.setUint32(PCAP_HDR_MAGIC, this.nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, true);
    this.dv.setUint16(PCAP_HDR_MAJOR, PCAP_VERSION_MAJOR, true);
    this.dv.setUint16(PCAP_HDR_MINOR, PCAP_VERSION_MINOR, true);
    // Reserved1/Reserved2 stay zero, as the draft requires.
    this.dv.setUint32(PCAP_HDR_SNAPLEN, this.snaplen, true);
    this.dv.setUint32(PCAP_HDR_LINKTYPE, this.linktype, true);
    this.used = PCAP_FILE_HEADER_LEN;
  }

  /** Number of frames added so far. */
  get count(): number {
    return this.frames;
  }

  /**
   * Appends one record. `tsSec` is a u32 (0..2^32-1), `tsNsec` an integer in [0, 1e9);
   * `origLen` (default data.length) is a u32 no smaller than data.length.
   */
  add(data: Uint8Array, tsSec: number, tsNsec: number, origLen: number = data.length): void {
    pcapCheckInt('tsSec', tsSec, 0, 0xffffffff);
    pcapCheckInt('tsNsec', tsNsec, 0, 999_999_999);
    pcapCheckInt('origLen', origLen, data.length, 0xffffffff);
    const caplen = Math.min(data.length, this.snaplen);
    this.reserve(PCAP_RECORD_HEADER_LEN + caplen);
    const p = this.used;
    const dv = this.dv;
    dv.setUint32(p + PCAP_REC_TS_SEC, tsSec, true);
    dv.setUint32(p + PCAP_REC_TS_FRAC, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), true);
    dv.setUint32(p + PCAP_REC_CAPLEN, caplen, true);
    dv.setUint32(p + PCAP_REC_ORIGLEN, origLen, true);
    this.buf.set(caplen === data.length ? data : data.subarray(0, caplen), p + PCAP_RECORD_HEADER_LEN);
    this.used = p + PCAP_RECORD_HEADER_LEN + caplen;
    this.frames++;
  }

  /**
   * The file so far, as a fresh copy (later add() calls do not change it); after takeBytes(), what
   * was added since the last takeBytes().
   */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.used);
  }

  /**
   * For a file written as frames come: the bytes added since the last call (the first call's start
   * with the file header), as a fresh copy, and forgets them. Appending every result in order to a
   * file gives a valid pcap file after each append.
   */
  takeBytes(): Uint8Array {
    const out = this.buf.slice(0, this.used);
    this.used = 0;
    return out;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.used));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
}

function pcapCheckInt(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`PcapWriter: ${what} ${v} is not an integer in [${min}, ${max}]`);
  }
}
