// User-facing errors, for every layer. A UserError is a problem with what the user gave us (a
// config, a capture, an argument, a request): the CLI prints its message as one line and exits 1,
// and the control server answers it as the request's error. Anything else is a bug and keeps its
// stack trace. This module imports nothing, so any layer may throw one without importing upward.

/** A usage or input problem: bad config, capture, argument or request. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/** Errors the user can fix: ours, and the file-system errors a wrong path gives. */
export function isUserError(e: unknown): e is Error {
  return (
    e instanceof UserError ||
    (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR'))
  );
}
