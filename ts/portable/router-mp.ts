// createRouter's multi-CPU mode (`createRouter(config, { cpus: N })`): the same API as the
// single-threaded Router over the multi-CPU machine (ts/machine/machine.ts), its CPUs on worker
// threads (Node: the host `mpstack` passes in, ts/host/host-node.ts) or Web Workers (browsers, Deno:
// worker-host.ts). Needs SharedArrayBuffer (in a browser: a cross-origin-isolated page).
//
// Each physical interface without a driver becomes a port link (`driver: port`): the machine treats
// it as a real link whose NIC side (ts/machine/link-port.ts) is this file, on the caller's thread:
//
//   in   receive()/send()/writable copy the frame into an RX ring of the interface (LinkPort.rxFrame;
//        a queue chosen by the frame's addresses, so one flow keeps its order), and publish what was
//        placed once per microtask (rxPublish: one doorbell for a burst of calls in one turn).
//        A full ring is the NIC's counted miss (rx-missed, netstat's idrops), except for the
//        writable, which waits for room (back-pressure for pipeTo).
//   out  txDrain of every port's TX rings, each frame copied out of its cluster and handed to the
//        port's listeners (onFrame, readable) in the order the CPUs posted it: by one pump per router,
//        which sleeps on the TX doorbell (waitTx) when nothing is posted, and before every publish.
//
// So receive() cannot return what a frame causes: the CPUs forward it later, on other threads, and
// its consequences come out of the ports. It resolves once the frame is in the ring and published,
// with whether it found room. Time is the machine's: the wall clock, and the neighbor cache's timers
// run by the machine itself every few milliseconds, so tick() has nothing to do (it returns []).
//
// Thread safety: an MpRouter is used from the thread that created it (as the rings' single
// producer and consumer); its CPUs run elsewhere.
import { ControlPlane } from '../control/control-plane.js';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { LinkPort } from '../machine/link-port.js';
import { type Link, type MpHost, MpMachine, type MpOptions } from '../machine/machine.js';
import type { KernelImpl } from '../stack/kernels.js';
import { type ConfigInput, configFrom } from './index.js';
import { extraRoutes } from './extra-routes.js';
import { RouterControl } from './router-control.js';
import { framesOut } from './port-frames.js';
import type { RouterFrame, RouterPort } from './router.js';
import { hasWebWorkers, WORKER_HOST } from './worker-host.js';

/** How long the TX pump sleeps on the doorbell before looking again (a wake-up it missed costs at most this). */
const PUMP_WAIT_MS = 50;

export interface MpRouterOptions {
  /** worker CPUs (1 to 64) */
  cpus: number;
  /** 'wasm' (default) or 'ts' */
  engine?: KernelImpl;
  batch?: number;
  fib?: 'radix' | 'compiled';
  /** routes in routes_file syntax, loaded with the config's */
  routes?: string;
  /** where CPUs run: `mpstack` (Node) passes worker_threads; the default is Web Workers */
  host?: MpHost;
  /** name used in error messages (default `<config>`) */
  name?: string;
  /**
   * busy polling, µs (0: off; default: the config's engine.busy_poll_us): each CPU keeps polling its
   * queues that long after its work before it sleeps, burning its core meanwhile (on Node, reading
   * its TAP links' devices too)
   */
  busyPollUs?: number;
  /** transparent huge pages for the shared memory (CreateStackOptions.hugePages; default: the config's engine.huge_pages) */
  hugePages?: boolean | 'auto';
}

/** The machine with an embedding's host (MpMachine's constructor is its subclasses'). */
class EmbeddedMachine extends MpMachine {
  static start(cfg: Config, o: MpOptions, host: MpHost): Promise<EmbeddedMachine> {
    return MpMachine.boot(new EmbeddedMachine(cfg, o, host));
  }
}

/** One port link: the interface's NIC side and who listens to what it sends. */
interface PortLink {
  name: string;
  nic: LinkPort;
  listeners: Set<(frame: Uint8Array) => void>;
  stats: { 'rx-frames': number; 'rx-missed': number; 'tx-frames': number };
  open: boolean;
}

/** The RX queue of a frame: a hash of its IPv4 or IPv6 addresses (one flow, one queue), else 0. */
function queueOf(frame: Uint8Array, queues: number): number {
  if (queues === 1 || frame.length < 34) return 0;
  const type = (frame[12]! << 8) | frame[13]!;
  const [from, to] = type === 0x0800 ? [26, 34] : type === 0x86dd && frame.length >= 54 ? [22, 54] : [0, 0];
  let h = 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ frame[i]!, 0x01000193);
  return (h >>> 0) % queues;
}

/** mpstack on several CPUs as a router object. Build it with createRouter(config, { cpus: N }). */
export class MpRouter extends RouterControl {
  readonly control: ControlPlane;
  private closed = false;
  private publishing: Promise<void> | null = null;
  private readonly portObjects = new Map<string, RouterPort>();
  private pumpDone: Promise<void> = Promise.resolve();

  private constructor(
    /** the running machine: CPUs, interrupt vectors (intrctl through `control`), statistics */
    readonly machine: MpMachine,
    private readonly links: Map<string, PortLink>,
  ) {
    super();
    this.control = new ControlPlane(machine);
  }

  /** Starts the machine (see createRouter): every interface without a driver is a port. */
  static async start(input: ConfigInput, o: MpRouterOptions): Promise<MpRouter> {
    const name = o.name ?? '<config>';
    const parsed = configFrom(input, name);
    const cfg: Config = {
      ...parsed,
      interfaces: parsed.interfaces.map((i) =>
        !i.vlan && i.driver === null ? { ...i, driver: 'port', link: { driver: 'port' } } : i,
      ),
    };
    let base = o.host;
    if (!base) {
      if (!hasWebWorkers())
        throw new UserError(
          "cpus: this runtime has no Web Workers: in Node, import createRouter from 'mpstack' (worker threads)",
        );
      base = WORKER_HOST;
    }
    const links = new Map<string, PortLink>();
    const host: MpHost = { ...base, openLink: (ifc, memory, spec, events) => openPort(ifc, memory, spec, events) };
    function openPort(...args: Parameters<NonNullable<MpHost['openLink']>>): Promise<Link> {
      const [ifc, memory, spec, events] = args;
      if (ifc.link?.driver !== 'port') {
        if (!base!.openLink)
          return Promise.reject(new UserError(`${ifc.name}: driver '${ifc.driver}' needs a host with real links`));
        return base!.openLink(...args);
      }
      const p: PortLink = {
        name: ifc.name,
        nic: new LinkPort(memory, spec),
        listeners: new Set(),
        stats: { 'rx-frames': 0, 'rx-missed': 0, 'tx-frames': 0 },
        open: true,
      };
      links.set(ifc.name, p);
      events.carrier(true, 'port');
      return Promise.resolve({
        close: async () => {
          p.open = false;
        },
        stats: () => ({ ...p.stats }),
      });
    }
    const machine = await EmbeddedMachine.start(
      cfg,
      {
        cpus: o.cpus,
        engine: o.engine ?? 'wasm',
        fib: o.fib,
        batch: o.batch,
        routes: extraRoutes(cfg, o.routes, name),
        taps: 0,
        busyPollUs: o.busyPollUs,
        hugePages: o.hugePages,
      },
      host,
    );
    const r = new MpRouter(machine, links);
    r.pumpDone = r.pump();
    return r;
  }

  private port1(ifname: string): PortLink {
    const p = this.links.get(ifname);
    if (p) return p;
    if (!this.stack.ifByName.has(ifname))
      throw new UserError(`no interface '${ifname}' (have: ${[...this.stack.ifByName.keys()].join(', ')})`);
    throw new UserError(`${ifname} is not a port (its frames come from its driver, or it is a vlan)`);
  }

  /** Publishes what this turn placed in the RX rings, once, after the turn's last receive. */
  private publishSoon(): Promise<void> {
    this.publishing ??= Promise.resolve().then(() => {
      this.publishing = null;
      // drain first: what earlier frames caused, never this turn's (a receive resolves before the
      // frames it causes reach a listener, even when a CPU forwards before this thread goes on)
      this.drainTx();
      for (const p of this.links.values()) p.nic.rxPublish();
    });
    return this.publishing;
  }

  /** Places one frame (copied) in `p`'s RX rings: false when the ring had no room (counted). */
  private place(p: PortLink, frame: Uint8Array): boolean {
    if (this.closed || !p.open) throw new UserError('the router is closed');
    if (!(frame instanceof Uint8Array)) throw new UserError('receive: the frame must be a Uint8Array');
    const ok = p.nic.rxFrame(frame, queueOf(frame, p.nic.spec.rx.length));
    if (ok) p.stats['rx-frames']++;
    else p.stats['rx-missed']++;
    return ok;
  }

  /**
   * Receives one Ethernet frame (without FCS) on port `ifname`: copies it into the interface's RX
   * ring and resolves once it is published to the CPUs, with true, or with false when the ring was
   * full (the frame is lost there and counted, as a NIC's missed frame). What the router sends
   * because of it comes out of the ports (port(ifname).onFrame, readable), not from here.
   * Rejects with a UserError for an unknown interface or a closed router.
   */
  receive(ifname: string, frame: Uint8Array): Promise<boolean> {
    try {
      const ok = this.place(this.port1(ifname), frame);
      return this.publishSoon().then(() => ok);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The machine keeps its own time (the wall clock) and runs the neighbor cache's timers itself:
   * nothing to do. Returns [] (what the timers send comes out of the ports). For the Router's API.
   */
  tick(_nowMs: number): RouterFrame[] {
    return [];
  }

  private draining = false;

  /**
   * Hands every frame the CPUs posted to the ports' listeners (copied out of its cluster, in the
   * order posted); returns how many. The pump calls it, and so does every publish: a caller that
   * feeds frames in a loop of microtasks would otherwise starve the pump (a macrotask) until the
   * TX rings overflow. Not reentrant: a listener that receives a frame does not drain again.
   */
  private drainTx(): number {
    if (this.draining) return 0;
    this.draining = true;
    let n = 0;
    try {
      for (const p of this.links.values())
        n += p.nic.txDrain((u8, at, len) => {
          const frame = u8.slice(at, at + len);
          p.stats['tx-frames']++;
          for (const cb of p.listeners) {
            try {
              cb(frame);
            } catch (err) {
              queueMicrotask(() => {
                throw err; // the listener's own fault, reported as an uncaught error, not the pump's
              });
            }
          }
        });
    } finally {
      this.draining = false;
    }
    return n;
  }

  /** The TX side of every port until close(): drains, or sleeps on the TX doorbell when nothing was posted. */
  private async pump(): Promise<void> {
    const bell = [...this.links.values()][0]?.nic; // one TX doorbell for the whole machine
    if (!bell) return;
    while (!this.closed) {
      const seen = bell.txBell();
      if (this.drainTx() === 0) await bell.waitTx(seen, PUMP_WAIT_MS);
      else await new Promise((r) => setTimeout(r, 0)); // let timers and I/O run between bursts
    }
  }

  /** Port `ifname` as streams and callbacks; the writable waits for room in the ring (back-pressure). */
  port(ifname: string): RouterPort {
    const p = this.port1(ifname);
    const known = this.portObjects.get(ifname);
    if (known) return known;
    const { onFrame, readable } = framesOut(p.listeners);
    const writable = new WritableStream<Uint8Array>({
      write: async (frame) => {
        const q = queueOf(frame, p.nic.spec.rx.length);
        while (!this.closed && frame.length >= 14 && p.nic.rxSlot(q) < 0) {
          p.nic.rxPublish(); // what is placed must be visible, or the CPUs never make room
          this.drainTx();
          await new Promise((r) => setTimeout(r, 1));
        }
        this.place(p, frame);
        await this.publishSoon();
      },
    });
    const port: RouterPort = {
      name: ifname,
      readable,
      writable,
      send: (f) => void this.receive(ifname, f).catch(() => false),
      onFrame,
    };
    this.portObjects.set(ifname, port);
    return port;
  }

  /** Counters of each port: frames placed, frames missed (ring full), frames sent. */
  portStats(): Record<string, PortLink['stats']> {
    return Object.fromEntries([...this.links.values()].map((p) => [p.name, { ...p.stats }]));
  }

  /**
   * Stops the machine: the pump ends, the CPUs finish their batches and exit. Frames still in the
   * rings are dropped. Call it when done: the CPU threads keep a Node process alive until then.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pumpDone;
    await this.machine.stop();
  }
}
