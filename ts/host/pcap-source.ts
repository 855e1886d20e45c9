// The `pcap` driver's receive side: a capture replayed as the frames arriving on the interface,
// each frame on the RX queue the NIC's RSS picks for it (computed with the stack's own rss kernel),
// in a loop or once, at a rate or as fast as the CPUs go.
//
//   driver: pcap
//   pcap: { in: captures/in.pcap, loop: true, rate: 0, out: captures/out.pcap }
// `in` replays (receive side); `out` records what the interface transmits (see capture-ring.ts).
import { dirname, resolve } from 'node:path';
import { MAX_FRAME } from '../../assembly/layout.js';
import type { Config, InterfaceConfig } from '../config/schema.js';
import { readCapture } from '../io/capture.js';
import type { PcapSource } from '../machine/machine.js';

export type { PcapSource } from '../machine/machine.js';
import { configErrorAt } from '../config/error.js';
import { readInputFile } from '../config/files.js';

const KEYS = new Set(['in', 'loop', 'rate', 'out']);

/** Reads and checks the interface's capture. */
export function pcapSource(cfg: Config, ifc: InterfaceConfig): PcapSource {
  const p = ifc.pcap ?? {};
  // key '' = the pcap: object itself; the error is placed at the key in the YAML (configErrorAt)
  const bad = (key: string, msg: string): never => {
    throw configErrorAt(ifc, `${ifc.field}.pcap${key ? `.${key}` : ''}`, msg);
  };
  for (const k of Object.keys(p)) if (!KEYS.has(k)) bad(k, `unknown key '${k}' (expected ${[...KEYS].join(', ')})`);
  if (p['in'] === undefined && p['out'] === undefined)
    bad('', 'give `in:` (a capture to replay), `out:` (a file to record to), or both');
  if (p['in'] !== undefined && typeof p['in'] !== 'string') bad('in', 'names the capture to replay');
  if (p['out'] !== undefined && typeof p['out'] !== 'string') bad('out', 'names the file to record to');
  const out = p['out'] === undefined ? null : resolve(dirname(cfg.file), p['out'] as string);
  if (p['in'] === undefined) return { frames: [], loop: false, rate: 0, out };
  const loop = p['loop'] ?? true;
  if (typeof loop !== 'boolean') bad('loop', 'must be true or false');
  const rate = p['rate'] ?? 0;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 0)
    bad('rate', 'must be a whole number of frames per second (0 = line rate)');
  const path = resolve(dirname(cfg.file), p['in'] as string);
  const cap = readCapture(
    readInputFile(path, (e) => bad('in', `${path}: ${e}`)),
    path,
  );
  if (cap.frames.length === 0) bad('in', `${path} holds no frames`);
  cap.frames.forEach((f, i) => {
    if (f.linktype !== 1) bad('in', `${path}: frame ${i + 1}: link type ${f.linktype} is not Ethernet`);
    if (f.data.length > MAX_FRAME)
      bad('in', `${path}: frame ${i + 1} has ${f.data.length} bytes, more than the ${MAX_FRAME} a cluster holds`);
  });
  return { frames: cap.frames.map((f) => f.data), loop: loop as boolean, rate: rate as number, out };
}
