// Capture files in and out: pick the reader by magic, and the small file helpers.
// The parsing lives in pcap.ts and pcapng.ts; this file only dispatches and touches the disk.

import { readFile, writeFile } from 'node:fs/promises';
import { CaptureError, type CapturedFrame } from './frame.js';
import { PcapWriter, pcapIsMagic, readPcap, type PcapWriterOptions } from './pcap.js';
import { pcapngIsMagic, readPcapng } from './pcapng.js';

export { CAPTURE_MAX_RECORD, CaptureError, type CapturedFrame } from './frame.js';
export { PcapWriter, type PcapWriterOptions } from './pcap.js';

export interface Capture {
  format: 'pcap' | 'pcapng';
  frames: CapturedFrame[];
}

/**
 * Parses a whole capture file held in `bytes`, classic pcap (any of the four magics: micro- or
 * nanosecond, either byte order) or pcapng, chosen by the first four bytes. `name` is used only in
 * error messages. Frames alias `bytes` (see CapturedFrame).
 * Throws CaptureError, and nothing else, for unknown magic or any malformed content.
 */
export function readCapture(bytes: Uint8Array, name: string): Capture {
  if (pcapngIsMagic(bytes)) return { format: 'pcapng', frames: readPcapng(bytes, name) };
  if (pcapIsMagic(bytes)) return { format: 'pcap', frames: readPcap(bytes, name) };
  if (bytes.length < 4)
    throw new CaptureError(name, 0, `file too short for a capture file magic: ${bytes.length} bytes`);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new CaptureError(name, 0, `bad magic ${head}: neither pcap nor pcapng`);
}

/**
 * Reads and parses the capture file at `path` (the whole file is read into memory).
 * Rejects with the fs error if the file cannot be read, with CaptureError if it is malformed.
 */
export async function readCaptureFile(path: string): Promise<Capture> {
  const buf = await readFile(path);
  return readCapture(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/** A frame to write: CapturedFrame without the need for origLen or linktype. */
export interface FrameToWrite {
  data: Uint8Array;
  tsSec: number;
  tsNsec: number;
  origLen?: number;
  linktype?: number;
}

/**
 * Writes `frames` to `path` as a classic pcap file (see PcapWriter for the format choices).
 * The linktype is `opts.linktype`, else the first frame's, else 1 (Ethernet); classic pcap holds
 * one linktype per file, so a frame whose own linktype differs throws RangeError (nothing is
 * written), as do out-of-range timestamps or lengths.
 */
export async function writePcapFile(
  path: string,
  frames: Iterable<FrameToWrite>,
  opts: PcapWriterOptions = {},
): Promise<void> {
  let w: PcapWriter | undefined;
  let i = 0;
  for (const f of frames) {
    w ??= new PcapWriter({ ...opts, linktype: opts.linktype ?? f.linktype });
    if (f.linktype !== undefined && f.linktype !== w.linktype) {
      throw new RangeError(`writePcapFile: frame ${i} has linktype ${f.linktype} but the file's is ${w.linktype}`);
    }
    w.add(f.data, f.tsSec, f.tsNsec, f.origLen);
    i++;
  }
  w ??= new PcapWriter(opts);
  await writeFile(path, w.toBytes());
}
