// How the CLI reports failures: a known error (bad config, bad capture, bad argument) is one clear
// line on stderr and exit status 1; anything else is a bug and keeps its stack trace.
import { ConfigError } from '../config/error.js';
import { CaptureError } from '../io/frame.js';
import { StackConfigError } from '../engine/stack.js';
import { TableError } from '../engine/tables.js';

/** A usage or input problem found by a command. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function isUserError(e: unknown): e is Error {
  return e instanceof CliError || e instanceof ConfigError || e instanceof CaptureError
    || e instanceof StackConfigError || e instanceof TableError
    || (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR'));
}

export function reportError(e: unknown): number {
  if (isUserError(e)) {
    process.stderr.write(`mpstack: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`mpstack: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70; // EX_SOFTWARE
}
