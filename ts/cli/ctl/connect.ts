// What every control command of the CLI shares: finding the running instance (--socket, or the one
// in the socket directory), one connection per command, and --json output.
import { ControlClient, findInstance } from '../../host/control-client.js';

export interface CtlOptions {
  /** the instance's control socket; default: the only running instance */
  socket?: string;
  /** machine-readable output */
  json?: boolean;
}

/** Connects to the instance, runs `fn`, and closes the connection whatever happens. */
export async function withControl<T>(o: CtlOptions, fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const c = await ControlClient.connect(findInstance(o.socket));
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

export function printJson(x: unknown): void {
  process.stdout.write(JSON.stringify(x, null, 2) + '\n');
}
