// The one error type for everything wrong in an operator's configuration: the YAML config, its
// routes_file, and the references between them. It always names a place (file, 1-based line and
// column) and a field, so the message can be pasted into an editor's "go to" and so tests can assert
// on the parts instead of on prose.
import { UserError } from '../errors.js';
import type { Places } from './schema.js';

/**
 * A configuration problem at a known place. `message` is `FILE:LINE:COL: FIELD: DETAIL`.
 *
 * `field` is a path into the YAML document using 0-based indices (`interfaces[1].addresses[0]`),
 * `(root)` for the document as a whole, `(yaml)` for a YAML syntax error; for a routes_file it is the
 * part of the route line at fault (`dst`, `via`, `dev`, `mtu`, `metric`, `proto`, `command`, `route`).
 */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: ${field}: ${detail}`);
  }
}

/**
 * A ConfigError at `field` (a full path, `interfaces[1].gen.flows`), placed where the field is in
 * `src.file`, or where its nearest recorded ancestor is (`interfaces[1].gen`, `interfaces[1]`):
 * for checks made after loading, by the code that reads a field (the gen and pcap drivers, the
 * routes_file reader).
 */
export function configErrorAt(src: { file: string; places: Places }, field: string, detail: string): ConfigError {
  for (let f = field; f !== ''; f = f.replace(/(\.[^.[]*|\[\d+\])$/, '')) {
    const p = src.places[f];
    if (p !== undefined) return new ConfigError(src.file, p.line, p.col, field, detail);
    if (!/(\.[^.[]*|\[\d+\])$/.test(f)) break;
  }
  return new ConfigError(src.file, 1, 1, field, detail);
}
