// A Linux network namespace for tests that use the kernel as an oracle: create one, run iproute2's
// `ip` inside it (`ip -n NAME ...`), feed it batches of commands, delete it.
//
// Needs root (creating a namespace takes CAP_SYS_ADMIN, configuring it CAP_NET_ADMIN) and iproute2.
// Where either is missing, Netns.create throws an Error whose message starts with NETNS_NEEDED: a
// test that depends on the kernel must fail loudly there, never skip, or a CI runner that lost its
// privileges would quietly stop checking anything.
//
// Not safe for concurrent use from several processes on one namespace name; names carry the pid.
import { spawnSync } from 'node:child_process';

export const NETNS_NEEDED = 'kernel oracle test needs root and `ip netns` (iproute2); run it as root or in CI';

/** Output of a big batch (tens of thousands of JSON lines) must fit; spawnSync's default is 1 MiB. */
const MAX_BUFFER = 256 * 1024 * 1024;

/** One command of a `-force -batch` run: its JSON answer (stdout) or its error message (stderr). */
export type BatchResult = { ok: true; json: unknown } | { ok: false; error: string };

export class Netns {
  private deleted = false;

  private constructor(readonly name: string) {}

  /**
   * Creates namespace `name` (deleting a stale one of that name first, left by a killed run).
   * Throws an Error starting with NETNS_NEEDED if this machine cannot: not root, no `ip`, or the
   * kernel refuses (EPERM in an unprivileged container, no CONFIG_NET_NS).
   */
  static create(name: string): Netns {
    const uid = process.getuid?.();
    if (uid !== 0) throw new Error(`${NETNS_NEEDED} (running as uid ${uid ?? 'unknown'})`);
    const v = spawnSync('ip', ['-V'], { encoding: 'utf8' });
    if (v.error) throw new Error(`${NETNS_NEEDED} (cannot run ip: ${v.error.message})`);
    if (
      spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
        .stdout.split('\n')
        .some((l) => l.split(' ')[0] === name)
    ) {
      spawnSync('ip', ['netns', 'del', name]);
    }
    const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
    if (r.error || r.status !== 0)
      throw new Error(`${NETNS_NEEDED} (ip netns add ${name}: ${(r.error?.message ?? r.stderr).trim()})`);
    return new Netns(name);
  }

  /** Runs `ip -n NAME ARGS...`; returns stdout, throws with the command and its stderr on failure. */
  ip(args: readonly string[]): string {
    const r = spawnSync('ip', ['-n', this.name, ...args], { encoding: 'utf8', maxBuffer: MAX_BUFFER });
    if (r.error || r.status !== 0)
      throw new Error(`ip -n ${this.name} ${args.join(' ')}: ${(r.error?.message ?? r.stderr).trim()}`);
    return r.stdout;
  }

  /**
   * Runs every line as one `ip` command (`ip -n NAME -batch -`), stopping at the first failure,
   * which is thrown with its line number and the line. For loading tables: no line may fail.
   */
  batch(lines: readonly string[]): void {
    const r = spawnSync('ip', ['-n', this.name, '-batch', '-'], {
      input: lines.join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: MAX_BUFFER,
    });
    if (r.error) throw new Error(`ip -n ${this.name} -batch: ${r.error.message}`);
    if (r.status !== 0) {
      const at = /Command failed -:(\d+)/.exec(r.stderr);
      const line = at ? `line ${at[1]}: '${lines[Number(at[1]) - 1]}'` : 'no line number';
      throw new Error(`ip -n ${this.name} -batch failed at ${line}: ${r.stderr.trim()}`);
    }
  }

  /**
   * Runs every line as one `ip -j` command and returns one result per line, in order: its JSON
   * answer, or the error the kernel gave (the message without the "RTNETLINK answers: " prefix).
   *
   * `ip -force -batch` carries on past failures, writing answers to stdout and, for each failure,
   * the message and then "Command failed -:LINE" to stderr. The failing lines are therefore known
   * exactly, and the stdout lines belong, in order, to the rest. Each command must print exactly
   * one line of JSON on success (true of `route get`); a count that does not add up throws.
   */
  batchJson(lines: readonly string[]): BatchResult[] {
    const r = spawnSync('ip', ['-n', this.name, '-j', '-force', '-batch', '-'], {
      input: lines.join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: MAX_BUFFER,
    });
    if (r.error) throw new Error(`ip -n ${this.name} -j -force -batch: ${r.error.message}`);
    const failed = new Map<number, string>();
    let message: string[] = [];
    for (const l of r.stderr.split('\n')) {
      const m = /^Command failed -:(\d+)$/.exec(l);
      if (m) {
        failed.set(Number(m[1]) - 1, message.join('; ').replace(/^RTNETLINK answers: /, ''));
        message = [];
      } else if (l.trim()) {
        message.push(l.trim());
      }
    }
    if (message.length) throw new Error(`ip -batch: stderr not tied to a command: ${message.join('; ')}`);
    const out = r.stdout.split('\n').filter((l) => l.trim() !== '');
    if (out.length + failed.size !== lines.length) {
      throw new Error(
        `ip -batch: ${lines.length} commands but ${out.length} answers and ${failed.size} failures (exit status ${r.status})`,
      );
    }
    let next = 0;
    return lines.map((_, i): BatchResult => {
      const error = failed.get(i);
      return error !== undefined ? { ok: false, error } : { ok: true, json: JSON.parse(out[next++]!) as unknown };
    });
  }

  /** Deletes the namespace (and every interface in it). Idempotent; never throws. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}
