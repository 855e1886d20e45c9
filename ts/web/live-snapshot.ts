// What the live page (ts/web/live.ts) shows, read from a running machine at one instant: the page
// reads it from the router it runs itself, or receives it over a WebSocket from a running `mpstack
// run --web` (ts/cli/live-web.ts), so the two build it with this one function. Runtime-neutral: the
// page imports it, and so does the Node side.
//
// Counters are cumulative (the page differences two snapshots into rates); everything else is the
// state at the time of reading. The per-CPU words are live: CPUs keep writing while they are read.
import type { ControlPlane } from '../control/control-plane.js';
import { formatArpLine, type IntrctlListResult, type NetstatIfRow } from '../control/types.js';
import type { MpMachine } from '../machine/machine.js';

export interface LiveSnapshot {
  /** when it was read (the reader's performance.now(), or Date.now() over a socket) */
  ms: number;
  /** per CPU: frames received and transmitted, cumulative */
  rx: number[];
  tx: number[];
  /** intrctl list: per vector its interrupts per CPU, cumulative, and the CPU it is bound to */
  intr: IntrctlListResult;
  /** per vector: the frames its traffic source made, cumulative (null: no source) */
  frames: (number | null)[];
  /** netstat -s: non-zero counters summed over the CPUs */
  counters: Record<string, number>;
  /** netstat -i */
  interfaces: NetstatIfRow[];
  /** ip route show's lines, IPv4 then IPv6 */
  routes: string[];
  /** arp -a's lines */
  arp: string[];
}

/** Reads `m` through `control` (the same reads as `netstat`, `intrctl list`, `route show`, `arp -a`). */
export async function liveSnapshot(m: MpMachine, control: ControlPlane, now: () => number): Promise<LiveSnapshot> {
  const per = m.stats.cpuCounters();
  const snap = {
    ms: now(),
    rx: per.map((c) => c['rx-frames'] ?? 0),
    tx: per.map((c) => c['tx-frames'] ?? 0),
    intr: control.intrctlList(),
    frames: m.interrupts.vectors.map((v) => m.stats.queueGenerated(v)?.frames ?? null),
    counters: Object.fromEntries(Object.entries(control.netstatS(false).counters).filter(([, v]) => v !== 0)),
    interfaces: control.netstatI().interfaces,
    arp: control.neighborEntries(4).map(formatArpLine),
  };
  return { ...snap, routes: (await control.routeShow()).map((r) => r.text) };
}
