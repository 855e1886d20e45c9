// Linux hosts for end-to-end tests: a network namespace per host, attached to the router through a
// TAP device the router created (moved into the namespace, addressed, default routes via the
// router), with commands run inside (`ip netns exec`). And the check for whether this machine can
// have them at all: root, /dev/net/tun, iproute2, ping.
import { describe, test } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Netns } from './netns.js';

const exec = promisify(execFile);

/** What is missing for namespace hosts behind TAP links, or null when everything is there. */
export function hostsUnavailable(tools: string[] = ['ping']): string | null {
  if (process.getuid?.() !== 0) return 'not root (namespaces and TAP devices need CAP_SYS_ADMIN and CAP_NET_ADMIN)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const t of ['ip', ...tools]) {
    const r = spawnSync('sh', ['-c', `command -v ${t}`]);
    if (r.status !== 0)
      return `${t} is not installed (apt-get install -y ${t === 'ip' ? 'iproute2' : t === 'ping' ? 'iputils-ping' : t})`;
  }
  return null;
}

/**
 * describe() when hosts can be had; otherwise a failure with the reason in CI (a runner that lost its
 * privileges must not quietly stop testing) and a skip with the reason elsewhere.
 */
export function describeWithHosts(name: string, tools: string[], body: () => void): void {
  const missing = hostsUnavailable(tools);
  if (!missing) {
    describe(name, body);
    return;
  }
  if (process.env['CI']) {
    describe(name, () => {
      test('needs Linux hosts in network namespaces', () => {
        throw new Error(`cannot run: ${missing}`);
      });
    });
    return;
  }
  console.warn(`${name}: not run: ${missing}`);
  describe.skip(name, body);
}

export interface HostSpec {
  /** namespace name */
  ns: string;
  /** the TAP device the router created, moved into the namespace */
  dev: string;
  /** host addresses with prefix length, and the router's (the default gateways) */
  v4: string;
  gw4: string;
  v6?: string;
  gw6?: string;
}

export class Host {
  private constructor(
    readonly spec: HostSpec,
    private readonly netns: Netns,
  ) {}

  /** Moves the router's TAP device into a fresh namespace and configures the host there. */
  static attach(spec: HostSpec): Host {
    const netns = Netns.create(spec.ns);
    const r = spawnSync('ip', ['link', 'set', spec.dev, 'netns', spec.ns], { encoding: 'utf8' });
    if (r.status !== 0) {
      netns.delete();
      throw new Error(`ip link set ${spec.dev} netns ${spec.ns}: ${r.stderr.trim()}`);
    }
    const lines = [
      'link set lo up',
      `link set ${spec.dev} up`,
      `addr add ${spec.v4} dev ${spec.dev}`,
      `route add default via ${spec.gw4}`,
    ];
    if (spec.v6) lines.push(`addr add ${spec.v6} dev ${spec.dev} nodad`, `route add default via ${spec.gw6}`);
    netns.batch(lines);
    return new Host(spec, netns);
  }

  get address(): string {
    return this.spec.v4.split('/')[0]!;
  }

  get address6(): string {
    return this.spec.v6!.split('/')[0]!;
  }

  /** Runs a command in the namespace; resolves with its stdout, rejects with its stderr. */
  async run(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
    try {
      const r = await exec('ip', ['netns', 'exec', this.spec.ns, cmd, ...args], {
        encoding: 'utf8',
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
      return r.stdout;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`[${this.spec.ns}] ${cmd} ${args.join(' ')}: ${x.stderr || x.message}\n${x.stdout ?? ''}`);
    }
  }

  delete(): void {
    this.netns.delete();
  }
}
