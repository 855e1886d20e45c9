// What every capture-file reader in ts/io hands back, and how it complains.
//
// The readers (pcap.ts, pcapng.ts) are pure functions over one Uint8Array; capture.ts picks one by
// magic and adds the file helpers. They share only the two types below and the record-size limit,
// which is why these live apart: neither format file imports the other.
import { UserError } from '../errors.js';

/**
 * One captured frame, format-independent.
 *
 * `data` is a subarray of the bytes given to the reader (no copy): keep the file's buffer alive as
 * long as the frames, and copy `data` if you mean to modify it or outlive the buffer.
 * The timestamp is normalised to whole seconds since the epoch plus 0 <= tsNsec < 1e9, whatever
 * the file's resolution. `origLen` is the length on the wire (may exceed data.length when the
 * capture was cut at a snaplen). `linktype` is a LINKTYPE_* value (1 = Ethernet).
 */
export interface CapturedFrame {
  data: Uint8Array;
  tsSec: number;
  tsNsec: number;
  origLen: number;
  linktype: number;
}

/**
 * The largest captured length any reader accepts, 256 KiB: libpcap's own ceiling for a record.
 * A larger length is treated as corruption rather than trusted, so that one flipped bit in a length
 * field gives an error naming the offset instead of a frame that swallows the rest of the file.
 */
export const CAPTURE_MAX_RECORD = 256 * 1024;

/**
 * Every malformed-input failure of the readers. The message reads `<file>: offset <n>: <what>`;
 * `file`, `offset` (byte offset into the input where the bad field or structure starts) and
 * `reason` are also kept as fields for callers that report errors themselves.
 */
export class CaptureError extends UserError {
  override readonly name = 'CaptureError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: offset ${offset}: ${reason}`);
  }
}
