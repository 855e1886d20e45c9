// QEMU's stream framing (`-netdev stream`, `-netdev socket,listen=|connect=`; gvisor-tap-vsock and
// container2wasm speak it too): each Ethernet frame, without FCS, follows its length as a 4-byte
// big-endian word.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                      length (bytes), big-endian               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |              the frame: destination MAC onwards ...           |
//
// A byte stream has no message boundaries: a frame arrives split over segments, or several in one.
// The deframer reassembles them in one buffer of 4 + MAX_FRAME bytes, so a peer can never make it
// hold more. A length of 0 or over MAX_FRAME cannot be a frame we take: the stream is out of step
// (or hostile) and cannot be resynchronised, so the connection is lost (as QEMU drops it).
import { MAX_FRAME } from '../../assembly/layout.js';

/** Bytes of the length word before each frame. */
export const STREAM_HDR = 4;

/**
 * Reassembles frames from a stream's chunks. Not safe for concurrent use (one per connection, on
 * its socket's callbacks). Once a bad length is seen it takes nothing more: `failed` holds the length.
 */
export class StreamDeframer {
  private readonly buf = new Uint8Array(STREAM_HDR + MAX_FRAME);
  /** bytes of the current header and frame in buf */
  private have = 0;
  /** bytes buf must hold before the current unit is whole: the header, then header and frame */
  private need = STREAM_HDR;
  /** the bad length that lost the stream, or -1 */
  failed = -1;

  /**
   * Takes one chunk; calls `onFrame` for every frame it completes, in order. The frame is a view
   * into the chunk or into the deframer's buffer, valid only during the call: copy it to keep it.
   * Returns false when the chunk holds a bad length (0 or > MAX_FRAME): the frames before it were
   * delivered, nothing after it is, and every later push returns false.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): boolean {
    if (this.failed >= 0) return false;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.have === 0 && n - i >= STREAM_HDR) {
        // the common case: a whole frame inside the chunk, handed over where it is
        const len = be32(chunk, i);
        if (len === 0 || len > MAX_FRAME) return this.fail(len);
        if (n - i - STREAM_HDR >= len) {
          onFrame(chunk.subarray(i + STREAM_HDR, i + STREAM_HDR + len));
          i += STREAM_HDR + len;
          continue;
        }
      }
      // a unit that straddles chunks: gathered in buf, never more than it holds
      const take = Math.min(this.need - this.have, n - i);
      this.buf.set(chunk.subarray(i, i + take), this.have);
      this.have += take;
      i += take;
      if (this.have < this.need) break;
      if (this.need === STREAM_HDR) {
        const len = be32(this.buf, 0);
        if (len === 0 || len > MAX_FRAME) return this.fail(len);
        this.need = STREAM_HDR + len;
      } else {
        onFrame(this.buf.subarray(STREAM_HDR, this.need));
        this.have = 0;
        this.need = STREAM_HDR;
      }
    }
    return true;
  }

  /** Bytes of an unfinished header or frame held (0 between frames). */
  get buffered(): number {
    return this.have;
  }

  private fail(len: number): false {
    this.failed = len;
    return false;
  }
}

function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** One frame as it goes on the stream: its length word, then the frame (copied from `u8[at, at+len)`). */
export function streamFrame(u8: Uint8Array, at: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(STREAM_HDR + len);
  b.writeUInt32BE(len, 0);
  b.set(u8.subarray(at, at + len), STREAM_HDR);
  return b;
}
