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
// Live captures (capture.*) belong to the connection that opened them: a capture.read waits up to
// `waitMs` for frames (a long poll: the client asks again once it has written them, which is the
// back-pressure: a reader that does not ask loses frames in the engine's capture rings, counted as
// `dropped`), and a connection that goes away closes its captures. When the engine stops, a pending
// read returns what is left with `ended`, and the server ends the connection.
//
// Where: $XDG_RUNTIME_DIR (else the system temp directory)/mpstack-UID/mpstack-PID.sock, the
// directory mode 0700. An instance's socket is removed when it stops; one whose process is gone is
// stale, and clients listing the directory remove it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  BrconfigEntry,
  IfconfigEntry,
  IntrctlListResult,
  NetstatIResult,
  NetstatMResult,
  NetstatSResult,
  NeighborEntry,
  RouteEntry,
  RouteGetResult,
} from '../control/types.js';

export { formatIntrctlList } from '../control/types.js';
export type {
  BrconfigEntry,
  IfconfigEntry,
  IntrctlListResult,
  IntrctlRow,
  NetstatIfRow,
  NetstatIResult,
  NetstatMResult,
  NetstatSResult,
  NeighborEntry,
  RouteEntry,
  RouteGetResult,
} from '../control/types.js';

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

/** The longest a capture.read may wait for frames, ms. */
export const CAPTURE_MAX_WAIT_MS = 1000;
/** The most frames one capture.read returns. */
export const CAPTURE_MAX_READ = 4096;

/**
 * One frame of a live capture: when the CPU saw it (seconds and nanoseconds since the epoch), which
 * way it went (1 received, 2 transmitted: pcapng's epb_flags direction bits), its bytes in base64.
 */
export type CaptureFrame = [sec: number, nsec: number, dir: 1 | 2, data: string];

export interface ControlRequest {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}
export type ControlResponse =
  | { id: number | null; ok: true; result: unknown }
  | { id: number | null; ok: false; error: string };

/** Each command's arguments and result. */
export interface ControlCommands {
  'intrctl.list': { args: Record<string, never>; result: IntrctlListResult };
  'intrctl.affinity': { args: { irq: string; cpu: number }; result: IntrctlListResult };
  'intrctl.nointr': { args: { cpu: number }; result: IntrctlListResult };
  'intrctl.intr': { args: { cpu: number }; result: IntrctlListResult };
  'route.add': { args: { line: string }; result: { route: RouteEntry } };
  'route.delete': { args: { dst: string; family?: 4 | 6 }; result: { route: RouteEntry } };
  'route.show': { args: { family?: 4 | 6 }; result: { routes: RouteEntry[] } };
  'route.get': { args: { address: string }; result: RouteGetResult };
  ifconfig: { args: { if?: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.up': { args: { if: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.down': { args: { if: string }; result: { interfaces: IfconfigEntry[] } };
  /** without alias: replaces the interface's primary address of that kind (or adds the first); alias: adds */
  'ifconfig.inet': { args: { if: string; address: string; alias?: boolean }; result: { interfaces: IfconfigEntry[] } };
  /** `inet ADDR[/LEN] -alias` or `delete`: the address and its routes go, after a grace period */
  'ifconfig.delete': { args: { if: string; address: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.mtu': { args: { if: string; mtu: number }; result: { interfaces: IfconfigEntry[] } };
  /** a vlan with vlan and vlanif; without them a gif or a bridge (gifN, bridgeN: NetBSD's cloners) */
  'ifconfig.create': { args: { if: string; vlan?: number; vlanif?: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.tunnel': { args: { if: string; src: string; dst: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.deletetunnel': { args: { if: string }; result: { interfaces: IfconfigEntry[] } };
  'ifconfig.destroy': { args: { if: string }; result: { routes: number } };
  /** brconfig(8): show a bridge (or all), add/delete members, flush, static entries, limits */
  brconfig: { args: { bridge?: string }; result: { bridges: BrconfigEntry[] } };
  'brconfig.add': { args: { bridge: string; if: string }; result: { bridges: BrconfigEntry[] } };
  'brconfig.delete': { args: { bridge: string; if: string }; result: { bridges: BrconfigEntry[] } };
  'brconfig.flush': { args: { bridge: string; all?: boolean }; result: { deleted: number } };
  'brconfig.static': { args: { bridge: string; address: string; if: string }; result: { bridges: BrconfigEntry[] } };
  'brconfig.limits': {
    args: { bridge: string; maxaddr?: number; timeout?: number };
    result: { bridges: BrconfigEntry[] };
  };
  'netstat.i': { args: Record<string, never>; result: NetstatIResult };
  'netstat.s': { args: { perCpu?: boolean }; result: NetstatSResult };
  'netstat.m': { args: Record<string, never>; result: NetstatMResult };
  'neighbor.list': { args: { family?: 4 | 6 }; result: { neighbors: NeighborEntry[] } };
  'neighbor.set': { args: { address: string; mac: string; if?: string }; result: { neighbors: NeighborEntry[] } };
  'neighbor.delete': { args: { address: string; if?: string }; result: { deleted: number } };
  /** arms a tap on a (physical) interface; `tap` names it in capture.read and capture.close */
  'capture.open': { args: { if: string; direction?: 'in' | 'out' | 'both' }; result: { tap: number; if: string } };
  /** frames recorded since the last read (up to `max`, default CAPTURE_MAX_READ), waiting up to `waitMs` (default 200) for the first */
  'capture.read': {
    args: { tap: number; max?: number; waitMs?: number };
    result: { frames: CaptureFrame[]; dropped: number; ended?: string };
  };
  /** disarms the tap; `dropped`: frames it lost in all because the reader was too slow */
  'capture.close': { args: { tap: number }; result: { dropped: number } };
}
export type ControlCommand = keyof ControlCommands;
