// How the CLI reports failures: a known error (bad config, bad capture, bad argument) is one clear
// line on stderr and exit status 1; anything else is a bug and keeps its stack trace.
import { isUserError } from '../errors.js';

export { isUserError, UserError } from '../errors.js';

export function reportError(e: unknown): number {
  if (isUserError(e)) {
    process.stderr.write(`mpstack: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`mpstack: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70; // EX_SOFTWARE
}
