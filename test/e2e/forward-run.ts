// What the pcap-driven end-to-end tests share: the frames written as a capture, `mpstack forward`
// run over it with both engines (their outputs side by side in out-wasm/ and out-ts/), and tshark's
// reading of what came out, as fields, with the checksums it is asked to validate.
import { expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../../ts/io/pcap.js';

export const CLI = join(process.cwd(), 'dist/ts/cli/main.js');

export function mpstack(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/**
 * Writes `frames` as `<name>.pcap` in `dir` (one a second from a fixed epoch, so traces are alike
 * run to run) and forwards it in on `ifname` with both engines, into `<out>-wasm` and `<out>-ts`.
 * Expects each run to exit 0 with nothing on stderr. Returns the WASM engine's output directory.
 */
export function forwardBothEngines(
  dir: string,
  frames: readonly Uint8Array[],
  o: { name?: string; out?: string; ifname?: string; config?: string; t0?: number } = {},
): string {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  const name = o.name ?? 'in';
  const out = o.out ?? 'out';
  const w = new PcapWriter();
  frames.forEach((f, i) => w.add(f, (o.t0 ?? 1_700_000_000) + i, 0));
  writeFileSync(join(dir, `${name}.pcap`), w.toBytes());
  for (const e of ['wasm', 'ts']) {
    const r = mpstack([
      'forward',
      '--config',
      join(dir, o.config ?? 'router.yaml'),
      '--in',
      `${o.ifname ?? 'wm0'}=${join(dir, `${name}.pcap`)}`,
      '--out',
      join(dir, `${out}-${e}`),
      '--engine',
      e,
      '-q',
    ]);
    expect([r.status, r.stderr]).toEqual([0, '']);
  }
  return join(dir, `${out}-wasm`);
}

/**
 * tshark's fields for each frame of a pcap (or those `filter` selects), with the checksums of
 * `check` validated (their status fields then say good or bad). Fails with the reason when tshark
 * is missing or fails.
 */
export function tshark(
  file: string,
  fields: string[],
  o: { filter?: string; check?: readonly string[] } = {},
): string[][] {
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      ...(o.filter ? ['-Y', o.filter] : []),
      ...(o.check ?? []).flatMap((p) => ['-o', `${p}.check_checksum:TRUE`]),
      '-T',
      'fields',
      '-E',
      'separator=;',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8' },
  );
  if (r.error) throw new Error(`tshark is needed for this test (apt-get install tshark): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => l.split(';'));
}
