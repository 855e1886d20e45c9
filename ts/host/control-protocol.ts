// The control channel of a running engine: what travels over it and where to find it. The server
// (control-server.ts) runs inside `mpstack run`; the client (control-client.ts) is what the CLI's
// intrctl / route / ifconfig / netstat commands use.
//
// Transport: a unix-domain stream socket, one JSON object per line (UTF-8, '\n'-terminated) each way.
//
//   request   {"id": N, "cmd": "route.add", "args": {"line": "203.0.113.0/24 via 198.51.100.254"}}
//   response  {"id": N, "ok": true, "result": {...}}
//             {"id": N, "ok": false, "error": "a one-line message for an operator"}
//
// A client may pipeline requests; each connection's requests are answered one at a time, in order,
// and `id` (any number the client chose) is echoed. A line that is not a JSON object with a numeric
// `id` and a string `cmd` is answered with "id": null. A request that fails changes nothing.
// Writers (every command that changes state) run one at a time across all connections, under the
// server's writer lock; so do the route readers, which share the writer's scratch memory.
//
// Where: $XDG_RUNTIME_DIR (else the system temp directory)/mpstack-UID/mpstack-PID.sock, the
// directory mode 0700. An instance's socket is removed when it stops; one whose process is gone is
// stale, and clients listing the directory remove it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteKind } from '../stack/tables.js';

/** The longest request line the server reads (a route line is well under 200 bytes). */
export const CONTROL_MAX_LINE = 64 * 1024;

/** Socket file names in the socket directory: mpstack-PID.sock. */
export const SOCKET_NAME = /^mpstack-(\d+)\.sock$/;

/** The directory holding this user's instances' sockets. */
export function socketDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_RUNTIME_DIR'] || tmpdir();
  return join(base, `mpstack-${process.getuid?.() ?? 'user'}`);
}

/** The socket a process with this pid listens on by default. */
export function defaultSocketPath(pid = process.pid, env: NodeJS.ProcessEnv = process.env): string {
  return join(socketDir(env), `mpstack-${pid}.sock`);
}

export interface ControlRequest { id: number; cmd: string; args?: Record<string, unknown> }
export type ControlResponse =
  | { id: number | null; ok: true; result: unknown }
  | { id: number | null; ok: false; error: string };

/** One row of `intrctl list`: the interrupt (vector), its count per CPU, the CPU it is bound to. */
export interface IntrctlRow { id: string; counts: number[]; cpu: number }
export interface IntrctlListResult { cpus: number; nointr: number[]; rows: IntrctlRow[] }

/**
 * The table of `intrctl list`, as in NetBSD: `interrupt id`, a column per CPU with the interrupts
 * that CPU took, `*` after the count of the CPU the interrupt is bound to.
 */
export function formatIntrctlList(r: IntrctlListResult): string {
  const head = ['interrupt id', ...Array.from({ length: r.cpus }, (_, c) => `CPU${c}`)];
  const rows = r.rows.map((v) => [v.id, ...v.counts.map((n, c) => `${n}${c === v.cpu ? '*' : ''}`)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)) + 2);
  const line = (x: string[]) => x.map((s, i) => (i === 0 ? s.padEnd(w[i]!) : s.padStart(w[i]! - 1).padEnd(w[i]!))).join('').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** A route as `ip route show` would print it (`text`), and its parts. */
export interface RouteEntry {
  family: 4 | 6;
  /** 'default', a prefix, or a bare address for a host route (as iproute2 prints them) */
  dst: string;
  type: RouteKind;
  via: string | null;
  dev: string | null;
  /** 0 = not set */
  mtu: number;
  text: string;
}

export interface IfconfigEntry {
  name: string;
  index: number;
  up: boolean;
  /** UP or DOWN, then VLAN for a vlan(4) interface */
  flags: string[];
  mtu: number;
  mac: string;
  /** 'address/plen' */
  addresses: string[];
  queues: number;
  rssUdp: boolean;
  model: string | null;
  driver: string | null;
  vlan: { parent: string; id: number } | null;
}

export interface NetstatIfRow {
  name: string;
  mtu: number;
  mac: string;
  up: boolean;
  queues: number;
  /** interrupts taken by the interface's vectors, over all CPUs */
  interrupts: number;
  /** frames and bytes received on the interface (after VLAN demux), summed over the CPUs */
  ipkts: number;
  ibytes: number;
  /** received frames dropped (any reason: see netstat -s for the reasons) */
  idrops: number;
  /** frames and bytes transmitted on the interface */
  opkts: number;
  obytes: number;
  /** the driver feeding its RX queues (gen, pcap), or null */
  source: string | null;
}
export interface NetstatIResult { interfaces: NetstatIfRow[]; untracked: string[]; note: string }

export interface NetstatSResult {
  cpus: number;
  /** every counter, summed over the CPUs */
  counters: Record<string, number>;
  /** with perCpu: each CPU's counters */
  perCpu?: Record<string, number>[];
}

/** netstat -m: the engine's packet clusters (a live reading: CPUs move clusters while it is taken). */
export interface NetstatMResult {
  clusters: number;
  clusterBytes: number;
  /** free on the shared pool, and in the CPUs' caches */
  poolFree: number;
  cached: number;
  /** failed attempts to take the pool's lock; refills that found the pool short */
  poolContended: number;
  poolEmpty: number;
  /** frames lost before the stack: RX ring full (missed), no cluster to refill the slot, pktq full */
  rxMissed: number;
  rxNobufs: number;
  pktqDrops: number;
  /** frames waiting in RX rings and pktqs, and posted to TX rings not yet reclaimed */
  rxQueued: number;
  pktqQueued: number;
  txQueued: number;
  /** frames dropped because a TX ring stayed full */
  txDrops: number;
}

/** Each command's arguments and result. */
export interface ControlCommands {
  'intrctl.list': { args: Record<string, never>; result: IntrctlListResult };
  'intrctl.affinity': { args: { irq: string; cpu: number }; result: IntrctlListResult };
  'intrctl.nointr': { args: { cpu: number }; result: IntrctlListResult };
  'intrctl.intr': { args: { cpu: number }; result: IntrctlListResult };
  'route.add': { args: { line: string }; result: { route: RouteEntry } };
  'route.delete': { args: { dst: string; family?: 4 | 6 }; result: { route: RouteEntry } };
  'route.show': { args: { family?: 4 | 6 }; result: { routes: RouteEntry[] } };
  'route.get': { args: { address: string }; result: { line: string } };
  'ifconfig': { args: { if?: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.up': { args: { if: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.down': { args: { if: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.inet': { args: { if: string; address: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.create': { args: { if: string; vlan: number; vlanif: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.destroy': { args: { if: string }; result: { routes: number } };
  'netstat.i': { args: Record<string, never>; result: NetstatIResult };
  'netstat.s': { args: { perCpu?: boolean }; result: NetstatSResult };
  'netstat.m': { args: Record<string, never>; result: NetstatMResult };
}
export type ControlCommand = keyof ControlCommands;
