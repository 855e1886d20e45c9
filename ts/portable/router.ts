// createRouter: mpstack as a drop-in forwarding module for emulators, browser VMs and test rigs.
// Frames go in by interface name and come out by interface name; the control plane is reachable
// as plain methods (the CLI's operations, ts/control/control-plane.ts); ports give each interface
// the web-streams shape (`readable`/`writable`, as tcpip.js uses, so `pipeTo` joins stacks) and a
// callback form.
//
// Single-threaded (this file's Router): the stack's pipeline runs on the caller's thread, inside
// `receive`, so no SharedArrayBuffer is needed (a page without cross-origin isolation works) and a
// grace period is immediate (localDataplane). Multi-CPU (`{ cpus: N }`): router-mp.ts's MpRouter,
// the same methods over the multi-CPU machine, with receive() asynchronous.
//
// Time: `clock: 'real'` (the default) stamps each frame with the wall clock. `clock: 'manual'`
// stamps it with the last time given to `tick(nowMs)`, for deterministic runs (replays, tests): the
// flow cache's idle expiry and the ICMP rate limits then move only when the caller says so.
//
// Runtime-neutral: nothing here imports a Node module (test/runtimes/portable-imports.test.ts).
import { ControlPlane, localDataplane } from '../control/control-plane.js';
import { UserError } from '../errors.js';
import type { Stack, TxFrame } from '../stack/stack.js';
import type { MpHost } from '../machine/machine.js';
import { RouterControl } from './router-control.js';
import { MpRouter } from './router-mp.js';
import { framesOut } from './port-frames.js';
import { loadWasm } from '../stack/wasm.js';
import { type ConfigInput, type CreateStackOptions, createStack } from './index.js';

/** A frame on a named interface: what `receive` and `tick` return for every frame the router sends. */
export interface RouterFrame {
  if: string;
  frame: Uint8Array;
}

export interface CreateRouterOptions extends CreateStackOptions {
  /** 'real' (default): frames are stamped with the wall clock; 'manual': with the last tick(nowMs) */
  clock?: 'real' | 'manual';
  /** the manual clock's start (ms, default 0) */
  startMs?: number;
  /** the compiled core, where it cannot be read from the package (browsers, Deno): bytes, URL or a fetch Response */
  wasm?: BufferSource | Response | URL | string;
  /** worker CPUs: the multi-CPU machine (an MpRouter) instead of the caller's thread */
  cpus?: number;
  /** multi-CPU: where CPUs run (`mpstack` in Node passes worker_threads; default: Web Workers) */
  host?: MpHost;
  /** multi-CPU: busy polling, µs (MpRouterOptions.busyPollUs; default: the config's engine.busy_poll_us) */
  busyPollUs?: number;
}

/** One interface as a pair of streams, and the same as callbacks. */
export interface RouterPort {
  readonly name: string;
  /** frames the router sends on this interface */
  readonly readable: ReadableStream<Uint8Array>;
  /** frames written here are received on this interface */
  readonly writable: WritableStream<Uint8Array>;
  /** receives one frame on this interface (what it causes goes out through the ports) */
  send(frame: Uint8Array): void;
  /** calls `cb` for each frame the router sends on this interface; returns the unsubscribe function */
  onFrame(cb: (frame: Uint8Array) => void): () => void;
}

/** mpstack as a router object. Build it with createRouter. */
export class Router extends RouterControl {
  readonly control: ControlPlane;
  private nowMs: number;
  private readonly listeners = new Map<string, Set<(frame: Uint8Array) => void>>();
  private readonly ports = new Map<string, RouterPort>();

  constructor(
    stack: Stack,
    private readonly clock: 'real' | 'manual',
    startMs: number,
  ) {
    super();
    this.control = new ControlPlane(localDataplane(stack));
    this.nowMs = startMs;
  }

  private now(): number {
    return this.clock === 'real' ? Date.now() : this.nowMs;
  }

  /** The link a frame leaves by: the interface, or a vlan's parent (its frames carry the tag). */
  private linkName(ifindex: number): string {
    const v = this.stack.tables.ifs[ifindex]?.vlan;
    return this.stack.ifName(v ? v.parent : ifindex);
  }

  /** The link `name`'s index: a NIC (a vlan's frames travel tagged on its parent's link). */
  private ifindex(name: string): number {
    const i = this.stack.ifByName.get(name);
    if (i === undefined)
      throw new UserError(`no interface '${name}' (have: ${[...this.stack.ifByName.keys()].join(', ')})`);
    const v = this.stack.tables.ifs[i]?.vlan;
    if (v) throw new UserError(`${name} is a vlan: its frames travel tagged on ${this.stack.ifName(v.parent)}`);
    return i;
  }

  /**
   * Receives one Ethernet frame (without FCS) on interface `ifname` and returns every frame the router
   * sends because of it: forwarded frames, fragments, ICMP errors and replies. The returned frames
   * are also delivered to the ports' listeners. The input is copied; the caller keeps its buffer.
   */
  receive(ifname: string, frame: Uint8Array): RouterFrame[] {
    const ifindex = this.ifindex(ifname);
    if (!(frame instanceof Uint8Array)) throw new UserError('receive: the frame must be a Uint8Array');
    const [r] = this.stack.forward([{ data: frame, ifindex }], this.now());
    return this.emit(r?.out ?? []);
  }

  /**
   * Lets time pass to `nowMs` (the manual clock never moves backwards; the real clock ignores the
   * argument) and runs the neighbor cache's timers due by then: retransmitted ARP requests and
   * solicitations, probes, give-ups (ICMP unreachable to the senders of held packets) and
   * announcements. Returns what they send, also delivered to the ports. With the real clock, call it
   * now and then (every 100 ms is plenty) so timers fire between frames.
   */
  tick(nowMs: number): RouterFrame[] {
    if (!Number.isFinite(nowMs)) throw new UserError(`tick: ${nowMs} is not a time in milliseconds`);
    if (this.clock === 'manual') this.nowMs = Math.max(this.nowMs, nowMs);
    return this.emit(this.stack.step(this.now()));
  }

  /** The stack's frames by link name, handed to the ports' listeners too. */
  private emit(txs: readonly TxFrame[]): RouterFrame[] {
    const out = txs.map((o) => ({ if: this.linkName(o.ifindex), frame: o.data }));
    for (const o of out) for (const cb of this.listeners.get(o.if) ?? []) cb(o.frame);
    return out;
  }

  /** Nothing to stop on the caller's thread: for the API both modes share (MpRouter.close stops its CPUs). */
  async close(): Promise<void> {}

  /** The interface `ifname` as streams and callbacks (one port object per interface). */
  port(ifname: string): RouterPort {
    this.ifindex(ifname);
    const known = this.ports.get(ifname);
    if (known) return known;
    const listeners = this.listeners.get(ifname) ?? new Set();
    this.listeners.set(ifname, listeners);
    const { onFrame, readable } = framesOut(listeners);
    const writable = new WritableStream<Uint8Array>({
      write: (frame) => {
        this.receive(ifname, frame);
      },
    });
    const port: RouterPort = { name: ifname, readable, writable, send: (f) => void this.receive(ifname, f), onFrame };
    this.ports.set(ifname, port);
    return port;
  }
}

/**
 * Builds a router from a configuration: the YAML file's object, or its text. In Node the core is
 * read from the package; elsewhere pass `options.wasm` (or call loadWasm first) unless the TS engine
 * is chosen. Config errors are ConfigError/StackConfigError with the CLI's messages.
 *
 * With `options.cpus` it is an MpRouter: the multi-CPU machine on worker threads (Node, through
 * `mpstack`'s createRouter) or Web Workers (browsers, Deno), its interfaces ports; close() it when done.
 */
export async function createRouter(
  config: ConfigInput,
  options: CreateRouterOptions & { cpus: number },
): Promise<MpRouter>;
export async function createRouter(config: ConfigInput, options?: CreateRouterOptions): Promise<Router>;
export async function createRouter(config: ConfigInput, options: CreateRouterOptions = {}): Promise<Router | MpRouter> {
  if (options.wasm !== undefined) await loadWasm(options.wasm);
  const clock = options.clock ?? 'real';
  if (clock !== 'real' && clock !== 'manual') throw new UserError(`clock must be 'real' or 'manual', not '${clock}'`);
  if (options.cpus !== undefined) {
    if (clock !== 'real') throw new UserError("cpus: the multi-CPU machine runs on the wall clock (clock: 'real')");
    return MpRouter.start(config, { ...options, cpus: options.cpus });
  }
  const stack = createStack(config, { spareInterfaces: 8, ...options });
  return new Router(stack, clock, options.startMs ?? 0);
}
