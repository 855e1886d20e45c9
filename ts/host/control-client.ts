// The client side of the control channel (protocol in control-protocol.ts): finding a running
// instance, connecting, and typed requests. Used by the CLI's intrctl / route / ifconfig / netstat
// commands and by the tests. Not safe for concurrent use from several threads (one socket, one
// buffer); any number of requests may be outstanding on one client.
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import {
  type ControlCommand,
  type ControlCommands,
  type ControlResponse,
  SOCKET_NAME,
  socketDir,
} from './control-protocol.js';

/** A request the server answered with ok: false; `message` is the server's one-line error. */
export class ControlError extends UserError {}

/** How long a request may take before the client gives up (route delete waits a grace period). */
const REQUEST_TIMEOUT_MS = 30_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/**
 * The running instances in the socket directory, by pid, ascending. A socket whose process is gone
 * is stale: it is removed on the way (the directory is this user's alone).
 */
export function listInstances(dir = socketDir()): { pid: number; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: { pid: number; path: string }[] = [];
  for (const name of names) {
    const m = SOCKET_NAME.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    try {
      if (!lstatSync(path).isSocket()) continue;
    } catch {
      continue; // went away while we looked
    }
    const pid = Number(m[1]);
    if (pidAlive(pid)) out.push({ pid, path });
    else
      try {
        unlinkSync(path);
      } catch {
        /* someone else cleaned it up */
      }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * The socket to talk to: `socket` if given, else the one running instance. Throws UserError when
 * none or several are running (naming them, so the operator can pick one with --socket).
 */
export function findInstance(socket?: string, dir = socketDir()): string {
  if (socket) return socket;
  const live = listInstances(dir);
  if (live.length === 0) throw new UserError('no mpstack instance is running (start one with mpstack run)');
  if (live.length > 1) {
    throw new UserError(
      `${live.length} instances are running: pass --socket PATH (one of ${live.map((x) => `${x.path} [pid ${x.pid}]`).join(', ')})`,
    );
  }
  return live[0]!.path;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ControlClient {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private gone: Error | null = null;

  private constructor(
    readonly path: string,
    private readonly sock: Socket,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('error', (e) => this.fail(new UserError(`control socket ${path}: ${e.message}`)));
    sock.on('close', () => this.fail(new UserError(`mpstack at ${path} closed the connection`)));
  }

  /** Connects to the server at `path`; a missing or dead socket is a UserError saying so. */
  static connect(path: string): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => {
        sock.removeAllListeners('error');
        resolve(new ControlClient(path, sock));
      });
      sock.once('error', (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'ENOENT'
            ? 'no such socket'
            : e.code === 'ECONNREFUSED'
              ? 'nobody is listening (the instance has stopped)'
              : e.code === 'EACCES'
                ? 'permission denied'
                : e.message;
        reject(new UserError(`cannot reach mpstack at ${path}: ${why}`));
      });
    });
  }

  /** A typed request: resolves with the result, rejects with ControlError on an error response. */
  call<C extends ControlCommand>(cmd: C, args: ControlCommands[C]['args']): Promise<ControlCommands[C]['result']> {
    return this.request(cmd, args) as Promise<ControlCommands[C]['result']>;
  }

  /** An untyped request (any command, any arguments: for tests of what the server refuses). */
  request(cmd: string, args: unknown): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new UserError(`mpstack at ${this.path} did not answer ${cmd} within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.sock.write(JSON.stringify({ id, cmd, args }) + '\n');
    });
  }

  close(): void {
    this.sock.end();
    this.fail(new UserError('control client closed'));
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      let res: ControlResponse;
      try {
        res = JSON.parse(line) as ControlResponse;
      } catch {
        this.fail(new UserError(`mpstack at ${this.path} sent something that is not JSON: ${line.slice(0, 80)}`));
        this.sock.destroy();
        return;
      }
      const p = res.id === null ? undefined : this.pending.get(res.id);
      if (!p) continue; // an answer to a request we gave up on
      this.pending.delete(res.id!);
      clearTimeout(p.timer);
      if (res.ok) p.resolve(res.result);
      else p.reject(new ControlError(res.error));
    }
  }

  private fail(e: Error): void {
    this.gone ??= e;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }
}
