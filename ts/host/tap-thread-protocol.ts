// What the TAP link's main-thread side (tap-link-node.ts) and its I/O thread (tap-thread-node.ts) pass
// each other: the thread's start data, its counters' slots, its messages.
import type { LinkPortSpec } from '../machine/link-port.js';

export interface TapThreadData {
  memory: WebAssembly.Memory;
  port: LinkPortSpec;
  /** the interface's name (for messages) and the TAP device's */
  ifname: string;
  device: string;
  /** counters the main thread reads (TAP_STATS order) */
  stats: Float64Array;
  /** one of several queues (IFF_MULTI_QUEUE): this thread serves its port's one RX and one TX ring */
  multiQueue: boolean;
  /** the interface's MTU, set on the device when attached (0: leave it) */
  mtu: number;
  /** with a transmit thread of its own (tap-tx-thread-node.ts): [unused, stop] shared with it; null: this thread transmits too */
  txCtl: Int32Array | null;
}

/** The thread's counters, in their slots of TapThreadData.stats. */
export const TAP_STATS = [
  'rx-frames',
  'rx-missed',
  'rx-runts',
  'tx-frames',
  'tx-errors',
  'attaches',
  'rx-oversize',
] as const;

/** Messages to the main thread. */
export type TapMessage = { kind: 'carrier'; up: boolean; why: string } | { kind: 'error'; message: string };
