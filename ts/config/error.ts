// The one error type for everything wrong in an operator's configuration: the YAML config, its
// routes_file, and the references between them. It always names a place (file, 1-based line and
// column) and a field, so the message can be pasted into an editor's "go to" and so tests can assert
// on the parts instead of on prose.
import { UserError } from '../errors.js';

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
