// The multi-CPU machine: worker CPUs over one shared memory, NIC queues with RSS, one interrupt vector
// per queue pair bound to a CPU (intrctl), each CPU forwarding the batches of the queues it services.
//
// By concern: this file boots the machine (lays out the vectors, queues, buffers and traffic
// templates beside the Stack's tables, starts one CPU per worker) and stops it; interrupts.ts owns
// the vector table's affinity words (intrctl); machine-stats.ts reads the counters the CPUs write;
// cpu-loop.ts is what each CPU runs. The machine is the control plane's Dataplane
// (ts/control/control-plane.ts): its operations write the tables under the writer lock and wait
// grace periods with `synchronize()`.
//
// Runtime-neutral: threads and files come from an MpHost. Node's host (worker threads, pcap files)
// is ts/host/host-node.ts's NodeMachine; the browser's (Web Workers) is ts/web/host-web.ts's WebMachine.
// Both run the same CPU loop over the same layout.
import {
  VT_SIZE,
  VT_IF,
  VT_QUEUE,
  VT_CPU,
  VT_MAXCPU,
  VT_MODE,
  VT_BUDGET,
  VT_FLAGS,
  VTM_POLL,
  VTF_DISABLED,
  VTF_LINK,
  QS_MOD_FRAMES,
  QS_MOD_USECS,
  QS_LIMIT,
  QS_SIZE,
  QS_TMPL,
  QS_COUNT,
  QS_LEN,
  QS_STRIDE,
  QS_RATE,
  QS_RXR,
  QS_TXR,
  QS_FLAGS,
  QSF_PACED,
  QSF_LINK,
  QSF_GENTHREAD,
  QS_GENBUSY,
  QS_HASHES,
  TXR_LINK,
  QS_TOKENS,
  QS_LAST,
  QS_FRAMES,
  QS_SINCE,
  VT_OWNER,
  LAYOUT_BASE,
  MP_SIZE,
  MP_STOP,
  MP_NCPU,
  MP_NVEC,
  MP_RUNNING,
  MP_DOORBELL,
  MP_TAPS,
  NEVR_SIZE,
  NEVR_HEAD,
  NEVR_SLOTS,
  NEVR_SLOT_BYTES,
  NEVR_TAIL,
  NEV_KIND,
  NEV_FLAGS,
  NEV_LEN,
  NEV_IF,
  NEV_RXIF,
  NEV_DATA,
  NEVK_TX,
  NEVK_UNREACH4,
  NEVK_UNREACH6,
} from '../../assembly/layout.js';
import { Mem } from '../kernels/util/mem.js';
import { type Config, type InterfaceConfig, MAX_BUSY_POLL_US } from '../config/schema.js';
import { Arena } from '../stack/arena.js';
import type { KernelImpl } from '../stack/kernels.js';
import { Stack, type StackOptions } from '../stack/stack.js';
import { UserError } from '../errors.js';
import type { CpuWorkerData } from './cpu-loop.js';
import type { GenWorkerData } from './gen-loop.js';
import { genFramesByQueue, parseGen } from './gen-source.js';
import { FlowProbe, type ProbeSummary, probeBytes } from './flow-probe.js';
import type { Dataplane } from '../control/control-plane.js';
import type { LinkState } from '../control/types.js';
import { InterruptTable } from './interrupts.js';
import { MachineCounters } from './machine-stats.js';
import { nicModel } from './nic-models.js';
import { framesByQueue, rssHashes } from './rss-queues.js';
import { CRD_IN, CRD_OUT, type TapFrame, ringBytes, ringDrain, ringOverruns, tapArm } from './capture-ring.js';
import { type Buffers, type BufferAudit, auditBuffers, buffersBytes, buildBuffers } from './buffers.js';
import { PcapWriter } from '../io/pcap.js';
import type { LinkPortSpec } from './link-port.js';
import { Pserialize, pszSize } from '../sync/pserialize.js';

/** ifnet slots beyond the config's, for vlans created while the engine runs (ifconfig NAME create). */
export const SPARE_INTERFACES = 8;

/** Capture-ring slots per CPU and recording interface (about 4.5 MiB each). */
const RING_SLOTS = 2048;
/** TX ring slots of a real link's queues (a generated NIC's are two batches). */
const LINK_TX_SLOTS = 2048;
/**
 * Capture-ring slots per CPU and live capture (about 560 KiB each): about 5 ms of one CPU's
 * forwarding at 50 kpps; a reader that falls further behind loses frames to its capture, counted.
 */
const TAP_SLOTS = 256;
/** Live captures that can run at once (`mpstack capture`), unless MpOptions.taps says otherwise. */
export const LIVE_TAPS = 4;
/** MP_TAPS has a bit per tap: recordings and live captures together. */
const MAX_TAPS = 32;
/** How often the neighbor cache's step (nbrStep) runs on the control plane's thread, ms. */
const NBR_STEP_MS = 5;

export interface MpOptions {
  cpus: number;
  engine: KernelImpl;
  fib?: 'radix' | 'compiled';
  batch?: number;
  /** stress mode: workers check every forwarded frame's nexthop is live (see cpu-loop.ts) */
  verify?: boolean;
  /** routes beyond the config's inline ones (a routes_file: its counts and loader, see ts/cli/build-stack.ts) */
  routes?: Pick<StackOptions, 'extraRoutes' | 'extraLongV4' | 'extraV6' | 'extraNexthops' | 'moreRoutes'>;
  /**
   * trial mode (the RFC 2544 bench): the `gen` sources start idle and offer only what `offer()` asks,
   * an exact frame count at a paced rate; frames that fall due while a CPU is busy and find no room
   * in the RX ring are missed there (QSF_PACED in assembly/layout/machine.ts)
   */
  paced?: boolean;
  /** live captures that can run at once (tapOpen); default LIVE_TAPS, 0 for none */
  taps?: number;
  /** RX ring slots per queue (a power of two; default: one batch, as NetBSD wm(4)'s 256 descriptors) */
  rxRing?: number;
  /** trial mode: room for the per-flow receive accounting (flow-probe.ts; probeArm, probeRead) */
  probe?: boolean;
  /**
   * trial mode: who makes the gen sources' frames: each queue's CPU as it services it ('inline',
   * the default), or a generator thread of its own beside the CPUs ('thread', gen-loop.ts; needs a
   * host with spawnGen)
   */
  generator?: 'inline' | 'thread';
  /**
   * With generator 'thread': its own pauses (the OS ran something else on its core) move the trials'
   * schedules on instead of arriving as one burst charged to the router (gen-loop.ts; counted in
   * stats.generatorPauses()). Default true; false charges them, as the inline generator must.
   */
  genStallShift?: boolean;
  /**
   * busy polling, µs (0: off): overrides the config's engine.busy_poll_us (cpu-loop.ts's rxPoll);
   * each spinning CPU burns its core for that long after its last work
   */
  busyPollUs?: number;
  /** transparent huge pages for the shared memory (ts/stack/huge-pages.ts): overrides the config's engine.huge_pages */
  hugePages?: boolean | 'auto';
}

/** Which way the frames a live capture takes go: received, transmitted, or both. */
export type TapDirection = 'in' | 'out' | 'both';

export type { Vector } from './interrupts.js';

/** One CPU's thread as its host started it. */
export interface CpuThread {
  terminate(): void;
}

/** What the thread reports back to the engine. */
export interface CpuThreadEvents {
  /** the thread died of an error (before or after starting) */
  error(err: Error): void;
  /** cpuRun returned: the CPU drained and gave up its queues */
  done(): void;
  /** the thread is gone (after done, or after an error) */
  exit(): void;
}

/** A `pcap` driver's capture as the host read it: its frames, replay mode and rate, where to record (or null). */
export interface PcapSource {
  frames: Uint8Array[];
  loop: boolean;
  rate: number;
  out: string | null;
}

/**
 * The drivers of real links: the host's I/O (link-port.ts is their side of the rings). `port` is the
 * embedding program's (createRouter's multi-CPU mode): its host opens it in process.
 */
export const LINK_DRIVERS = ['tap', 'udp', 'stream', 'websocket', 'port'] as const;
const DRIVERS = ['gen', 'pcap', 'sink', ...LINK_DRIVERS];

/** What a link's driver reports to the engine. */
export interface LinkEvents {
  /** the link came up (peer connected, device attached) or went away (peer closed, device gone) */
  carrier(up: boolean, why: string): void;
  /** the driver failed for good */
  error(err: Error): void;
}

/** A real link as its host opened it. */
export interface Link {
  /** stops its I/O: nothing more is placed in the RX rings or taken from the TX rings once it resolves */
  close(): Promise<void>;
  /** the driver's own counters (drops it counted, peers, bytes), for netstat */
  stats(): Record<string, number | string>;
}

/** Where the engine's threads and files come from: Node's worker threads and fs, or a browser's Web Workers. */
export interface MpHost {
  /**
   * Opens a real link (`driver: tap|udp|stream|websocket`) over its rings; rejects with a UserError
   * naming the interface when it cannot (no /dev/net/tun, port in use). Hosts without one cannot run them.
   */
  openLink?(ifc: InterfaceConfig, memory: WebAssembly.Memory, port: LinkPortSpec, events: LinkEvents): Promise<Link>;
  /** Starts a thread that runs cpuRun(data) (cpu-loop.ts) with its own instance of the core over data.memory. */
  spawn(data: CpuWorkerData, events: CpuThreadEvents): CpuThread;
  /** Starts the generator thread: genRun(data) (gen-loop.ts). Hosts without one cannot run MpOptions.generator 'thread'. */
  spawnGen?(data: GenWorkerData, events: CpuThreadEvents): CpuThread;
  /** The `pcap` driver's capture for `ifc` (pcap-source.ts's pcapSource in Node). */
  readPcap(cfg: Config, ifc: InterfaceConfig): PcapSource;
  /**
   * Creates (or empties) a recording's file (the pcap driver's `out:`), which the engine then
   * writes as frames pass: each append is whole records, so the file is valid pcap after each.
   */
  createFile(path: string): RecordingFile;
}

/** A file the engine writes as it runs. */
export interface RecordingFile {
  append(bytes: Uint8Array): void;
  close(): void;
}

/** A live capture's tap: its MP_TAPS bit and its ring on each CPU. */
interface LiveTap {
  bit: number;
  rings: number[];
  /** free: disarmed, its rings no CPU's; armed: bit set; closing: bit cleared, grace period running */
  state: 'free' | 'armed' | 'closing';
  ifindex: number;
}

export class MpMachine implements Dataplane {
  readonly stack: Stack;
  /** intrctl: the vectors and their CPU affinity (interrupts.ts) */
  readonly interrupts: InterruptTable;
  /** counters, times and netstat, read live (machine-stats.ts) */
  readonly stats: MachineCounters;
  private readonly workers: CpuThread[] = [];
  /** settle when each worker has exited (created at spawn: an early exit is never missed) */
  private readonly exits: Promise<void>[] = [];
  /** the first error a worker died of, reported by stop() */
  private failure: Error | null = null;
  private readonly i32: Int32Array;
  private readonly dv: DataView;
  private readonly mp: number;
  private readonly vt: number;
  private readonly qs: number;
  private readonly timeStats: number; // per CPU: 8 doubles of time statistics (cpuTimes)
  private readonly hist: number;
  /** the cluster pool, NIC rings and pktqs (buffers.ts) */
  readonly bufs: Buffers;
  /** by ifindex: the interface's NIC has one TX queue, so its transmits go through if_snd */
  private readonly singleQueue: boolean[] = [];
  /** the pserialize domain the workers' batches are read sections of */
  readonly psz: Pserialize;
  private readonly pszAt: number;
  private readonly viol: number;
  private startedAt = 0;
  /** the pcap driver's recordings: taps armed for the whole run, on MP_TAPS bits 0.. */
  private readonly recorders: {
    name: string;
    path: string;
    rings: number[];
    writer: PcapWriter;
    file: RecordingFile | null;
  }[] = [];
  /** the live captures' taps, on the MP_TAPS bits after the recordings' (tapOpen) */
  private readonly taps: LiveTap[] = [];
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  /** trial mode: the gen sources' queues, each with its share of the flows */
  private readonly paced: { v: number; qs: number; weight: number; ifindex: number }[] = [];
  /** the per-flow receive accounting (MpOptions.probe), or null */
  private readonly probe: FlowProbe | null = null;
  /** interfaces with a real link, and the links once open */
  private readonly linkIfs: InterfaceConfig[] = [];
  private readonly linkPorts = new Map<number, LinkPortSpec>();
  readonly links = new Map<number, { ifc: InterfaceConfig; link: Link | null; carrier: boolean; why: string }>();

  protected constructor(
    readonly cfg: Config,
    readonly o: MpOptions,
    private readonly host: MpHost,
  ) {
    if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > VT_MAXCPU)
      throw new UserError(`--cpus must be from 1 to ${VT_MAXCPU}`);
    if (
      o.busyPollUs !== undefined &&
      (!Number.isInteger(o.busyPollUs) || o.busyPollUs < 0 || o.busyPollUs > MAX_BUSY_POLL_US)
    )
      throw new UserError(`busy poll must be an integer from 0 to ${MAX_BUSY_POLL_US} µs, not ${o.busyPollUs}`);
    const batch = o.batch ?? 256;
    // RX queues of every physical interface with a traffic source; one vector per queue pair
    // (a vlan rides on its parent's queues; a bridge sends and receives by its members'; a gif has no NIC)
    const phys = cfg.interfaces.filter((i) => !i.vlan && !i.bridge && !i.gif);
    for (const i of phys) this.singleQueue[i.index] = !nicModel(i).multiqueue; // and queue counts within what the model has
    const gens = phys.filter((i) => i.driver === 'gen').map((i) => ({ ifc: i, g: parseGen(i) }));
    const pcaps = phys.filter((i) => i.driver === 'pcap').map((i) => ({ ifc: i, p: host.readPcap(cfg, i) }));
    for (const i of phys) {
      if (i.driver && !DRIVERS.includes(i.driver))
        throw new UserError(`${i.name}: unknown driver '${i.driver}' (${DRIVERS.join(', ')})`);
      if (i.driver && (LINK_DRIVERS as readonly string[]).includes(i.driver)) {
        if (!host.openLink) throw new UserError(`${i.name}: driver '${i.driver}' needs a host with real links (Node)`);
        this.linkIfs.push(i);
      }
    }
    // each source: its frames per RX queue, its rate, and how many frames in all (0 = forever)
    const byQueue = new Map<number, { frames: Uint8Array[][]; rate: number; flows: number; limit: boolean }>(
      gens.map(({ ifc, g }) => [
        ifc.index,
        { frames: genFramesByQueue(ifc, g), rate: g.rate, flows: g.flows, limit: false },
      ]),
    );
    const nvec = phys.reduce((n, i) => n + Math.max(1, i.rss.queues) + 1, 0); // queue pairs + a link vector each
    const slot = (len: number, variable: boolean) => Math.ceil((len + (variable ? 4 : 0)) / 64) * 64;
    const recorders = pcaps.filter(({ p }) => p.out !== null);
    const liveTaps = o.taps ?? LIVE_TAPS;
    if (!Number.isInteger(liveTaps) || liveTaps < 0 || recorders.length + liveTaps > MAX_TAPS)
      throw new UserError(
        `recordings and live captures together: at most ${MAX_TAPS} (${recorders.length} pcap out: files, ${liveTaps} live captures)`,
      );
    const tmplBytes =
      recorders.length * o.cpus * ringBytes(RING_SLOTS) +
      liveTaps * o.cpus * ringBytes(TAP_SLOTS) +
      [...byQueue.values()].reduce((n, q) => n + q.frames.flat().reduce((m, f) => m + slot(f.length, false), 0), 0) +
      // a queue's slots all take its longest frame's size: bound it by the capture's longest
      pcaps.reduce(
        (n, { p }) =>
          n +
          p.frames.length *
            slot(
              p.frames.reduce((m, f) => Math.max(m, f.length), 0),
              true,
            ),
        0,
      ) +
      // each template's RSS hash and type (QS_HASHES)
      ([...byQueue.values()].reduce((n, q) => n + q.frames.flat().length, 0) +
        pcaps.reduce((n, { p }) => n + p.frames.length, 0) +
        nvec) *
        8;
    const plan = {
      // a real link's TX rings are its qdisc: its driver thread sends while the CPUs post, and a
      // burst (a TCP window) must not overflow them while that thread waits for a core
      nics: phys.map((i) => ({
        ifindex: i.index,
        queues: Math.max(1, i.rss.queues),
        txSlots: this.linkIfs.includes(i) ? LINK_TX_SLOTS : undefined,
      })),
      ifSlots: cfg.interfaces.length + 1 + SPARE_INTERFACES,
      cpus: o.cpus,
      batch,
      rxSlots: o.rxRing,
      cacheCap: Stack.clustersPerCpu(batch),
    };
    const genFlows = [...byQueue.values()].reduce((n, q) => n + q.frames.flat().length, 0);
    const probeAt = o.probe ? probeBytes(nvec, genFlows) + 64 : 0;
    const reserve =
      MP_SIZE +
      nvec * (VT_SIZE + QS_SIZE) +
      o.cpus * 196 +
      pszSize(o.cpus) +
      buffersBytes(plan) +
      tmplBytes +
      probeAt +
      4096;
    this.stack = new Stack(cfg, {
      ...o.routes,
      engine: o.engine,
      fib: o.fib,
      cpus: o.cpus,
      batch,
      reserve,
      spareInterfaces: SPARE_INTERFACES,
      hugePages: o.hugePages,
      // next hops are resolved: the CPUs post misses and learn events on their rings, the neighbor
      // cache's step (nbrStep) drains them on this thread and hands what it sends down to a CPU
      resolve: true,
    });
    for (const { ifc, p } of pcaps)
      byQueue.set(ifc.index, {
        frames: framesByQueue(p.frames, ifc, this.stack),
        rate: p.rate,
        flows: p.frames.length,
        limit: !p.loop,
      });
    const mem = this.stack.k.memory;
    this.i32 = new Int32Array(mem.buffer);
    this.dv = new DataView(mem.buffer);
    this.interrupts = new InterruptTable(this.dv, this.i32, o.cpus, () => this.ring());
    if (this.stack.L.reserved < LAYOUT_BASE) throw new Error('the stack reserved no region for the engine');
    const a = new Arena(this.stack.L.reserved, this.stack.L.reserved + reserve);
    this.mp = a.alloc(MP_SIZE);
    this.vt = a.alloc(nvec * VT_SIZE);
    this.qs = a.alloc(nvec * QS_SIZE);
    this.timeStats = a.alloc(o.cpus * 64, 8);
    this.hist = a.alloc(o.cpus * 128);
    this.bufs = buildBuffers(this.dv, a, plan);
    // a recording is a tap armed before the CPUs start, on the frames its interface transmits
    for (const { ifc, p } of recorders) {
      const rings = Array.from({ length: o.cpus }, () => {
        const r = a.alloc(ringBytes(RING_SLOTS));
        tapArm(this.dv, r, RING_SLOTS, ifc.index, CRD_OUT);
        return r;
      });
      Atomics.or(this.i32, (this.mp + MP_TAPS) >> 2, 1 << this.recorders.length);
      this.recorders.push({ name: ifc.name, path: p.out!, rings, writer: new PcapWriter(), file: null });
    }
    for (let t = 0; t < liveTaps; t++)
      this.taps.push({
        bit: this.recorders.length + t,
        rings: Array.from({ length: o.cpus }, () => a.alloc(ringBytes(TAP_SLOTS))),
        state: 'free',
        ifindex: 0,
      });
    this.pszAt = a.alloc(pszSize(o.cpus));
    this.psz = Pserialize.init(mem, this.pszAt, o.cpus);
    this.viol = a.alloc(o.cpus * 4, 4);
    if (o.probe) this.probe = new FlowProbe(this.dv, this.i32, a.alloc(probeBytes(nvec, genFlows)), nvec, genFlows);
    this.stats = new MachineCounters(this.stack, cfg, o.cpus, this.interrupts, this.bufs, this.singleQueue, {
      qs: this.qs,
      timeStats: this.timeStats,
      hist: this.hist,
      viol: this.viol,
    });
    // writers of shared tables wait out a grace period before freeing (radix nodes, nexthops, FIB groups)
    this.stack.tables.graceWait = () => this.synchronizeSync();
    this.dv.setUint32(this.mp + MP_NCPU, o.cpus, true);
    this.dv.setUint32(this.mp + MP_NVEC, nvec, true);
    const u8 = new Uint8Array(mem.buffer);
    let id = 0;
    for (const i of phys) {
      const link = this.vt + id * VT_SIZE; // link state changes: no traffic, stays on CPU 0 as NetBSD's
      this.dv.setUint32(link + VT_IF, i.index, true);
      this.dv.setUint32(link + VT_FLAGS, VTF_LINK | VTF_DISABLED, true);
      this.interrupts.vectors.push({ id, name: `${i.name} link`, ifindex: i.index, queue: -1, at: link });
      id++;
      for (let q = 0; q < Math.max(1, i.rss.queues); q++, id++) {
        const at = this.vt + id * VT_SIZE;
        this.dv.setUint32(at + VT_IF, i.index, true);
        this.dv.setUint32(at + VT_QUEUE, q, true);
        // the default: queue q on CPU q mod CPUs, on every NIC, so the CPU that transmits on TX queue
        // q (tx_post picks cpu mod queues) is the one that reclaims it, when there are queues enough
        this.dv.setUint32(at + VT_CPU, q % o.cpus, true);
        this.dv.setUint32(at + VT_MODE, i.poll ? VTM_POLL : 0, true);
        this.dv.setUint32(at + VT_BUDGET, i.poll?.budget ?? 1, true);
        const qsm = this.qs + id * QS_SIZE;
        this.dv.setUint32(qsm + QS_RXR, this.bufs.rx.get(i.index)![q]!, true);
        this.dv.setUint32(qsm + QS_TXR, this.bufs.tx.get(i.index)![q]!, true);
        if (this.linkIfs.includes(i)) {
          // the link's driver is this queue's NIC (link-port.ts): RX ring producer, TX ring sender
          this.dv.setUint32(qsm + QS_FLAGS, QSF_LINK, true);
          this.dv.setUint32(this.bufs.tx.get(i.index)![q]! + TXR_LINK, 1, true);
          let port = this.linkPorts.get(i.index);
          if (!port) {
            port = { name: i.name, ifindex: i.index, mp: this.mp, rx: [], tx: [] };
            this.linkPorts.set(i.index, port);
          }
          port.rx.push({ ring: this.bufs.rx.get(i.index)![q]!, qs: qsm });
          port.tx.push(this.bufs.tx.get(i.index)![q]!);
        }
        this.dv.setUint32(qsm + QS_MOD_FRAMES, i.moderation.frames, true);
        this.dv.setUint32(qsm + QS_MOD_USECS, i.moderation.usecs, true);
        this.interrupts.vectors.push({ id, name: `${i.name} txrx${q}`, ifindex: i.index, queue: q, at });
        const src = byQueue.get(i.index);
        const frames = src?.frames[q] ?? [];
        if (frames.length === 0) continue;
        // one length: plain templates; several: each slot starts with its frame's length (gen_fill len 0)
        const variable = frames.some((f) => f.length !== frames[0]!.length);
        const stride = slot(Math.max(...frames.map((f) => f.length)), variable);
        const base = a.alloc(frames.length * stride);
        frames.forEach((f, j) => {
          if (variable) this.dv.setUint32(base + j * stride, f.length, true);
          u8.set(f, base + j * stride + (variable ? 4 : 0));
        });
        const qs = this.qs + id * QS_SIZE;
        this.dv.setUint32(qs + QS_TMPL, base, true);
        this.dv.setUint32(qs + QS_COUNT, frames.length, true);
        this.dv.setUint32(qs + QS_LEN, variable ? 0 : frames[0]!.length, true);
        this.dv.setUint32(qs + QS_STRIDE, stride, true);
        // the NIC's RSS hash of each template, which it writes into the RX descriptor of every copy
        const hashes = a.alloc(frames.length * 8, 8);
        new Uint32Array(mem.buffer, hashes, 2 * frames.length).set(rssHashes(frames, i.index, this.stack));
        this.dv.setUint32(qs + QS_HASHES, hashes, true);
        if (src!.limit) this.dv.setUint32(qs + QS_LIMIT, frames.length, true);
        // the interface's rate, shared among its queues by their share of the frames
        const rate = src!.rate === 0 ? 0 : Math.max(1, Math.round((src!.rate * frames.length) / src!.flows));
        this.dv.setUint32(qs + QS_RATE, rate, true);
        if (o.paced && i.driver === 'gen') {
          // idle: a share of 0 frames
          this.dv.setUint32(qs + QS_FLAGS, QSF_PACED | (o.generator === 'thread' ? QSF_GENTHREAD : 0), true);
          this.paced.push({ v: id, qs, weight: frames.length, ifindex: i.index });
        }
      }
    }
  }

  /** Starts one worker per CPU (through the host); resolves with `e` once all of them run. */
  protected static async boot<E extends MpMachine>(e: E): Promise<E> {
    const o = e.o;
    for (let c = 0; c < o.cpus; c++) {
      const data: CpuWorkerData = {
        memory: e.stack.k.memory,
        layout: e.stack.L,
        cpu: c,
        engine: o.engine,
        batch: e.stack.batch,
        mp: e.mp,
        vt: e.vt,
        qs: e.qs,
        nvec: e.interrupts.vectors.length,
        stats: e.timeStats,
        hist: e.hist,
        psz: e.pszAt,
        verify: !!o.verify,
        violations: e.viol,
        taps: [...e.recorders, ...e.taps].map((r) => r.rings[c]!),
        pool: e.bufs.pool,
        pktq: e.bufs.pktq[c]!,
        txmap: e.bufs.txmap,
        nevDown: e.stack.L.cpu[c]!.nevDown,
        links: e.linkIfs.length > 0,
        probe: e.probe?.at ?? 0,
        linkTx: [...e.linkPorts.values()].flatMap((p) => p.tx),
        linkRx: [...e.linkPorts.values()].flatMap((p) => p.tx.map((_, q) => p.rx[q] ?? { ring: 0, qs: 0 })),
        busyPollUs: o.busyPollUs ?? e.cfg.engine?.busyPollUs ?? 0,
      };
      e.startThread(`cpu${c}`, (events) => e.host.spawn(data, events));
    }
    const deadline = Date.now() + 10_000;
    while (Atomics.load(e.i32, (e.mp + MP_RUNNING) >> 2) < o.cpus) {
      if (e.failure || Date.now() > deadline) {
        await e.stop().catch(() => undefined);
        throw e.failure ?? new Error('worker CPUs did not start within 10 s');
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    if (o.generator === 'thread' && e.paced.length > 0) e.spawnGenerator();
    e.startedAt = performance.now();
    if (e.stack.lltable) {
      e.stack.neighborHooks = {
        unreach: (data, v6, rxif) => e.nbrDown(v6 ? NEVK_UNREACH6 : NEVK_UNREACH4, 0, rxif, data),
        reclaim: () => {
          e.nbrReclaim = true;
        },
      };
      e.nbrTimer = setInterval(() => e.nbrStep(), NBR_STEP_MS);
      (e.nbrTimer as { unref?: () => void }).unref?.();
    }
    e.stack.wallClock = () => Math.floor(performance.timeOrigin + performance.now()) >>> 0;
    if (e.stack.tables.bridges.size > 0) {
      // bridge(4): the FDB's expiry sweep (the data path already treats an expired entry as absent)
      e.bridgeTimer = setInterval(() => {
        void e.stack.tables.wlock
          .run('bridge timers', async () => {
            e.stack.bridgeTimers(e.stack.wallClock!());
          })
          .catch(() => undefined);
      }, 1000);
      (e.bridgeTimer as { unref?: () => void }).unref?.();
    }
    for (const r of e.recorders) {
      r.file = e.host.createFile(r.path);
      r.file.append(r.writer.takeBytes()); // the header: a valid, empty capture from the start
    }
    if (e.recorders.length) {
      e.drainTimer = setInterval(() => e.drain(), 5);
      (e.drainTimer as { unref?: () => void }).unref?.();
    }
    try {
      for (const ifc of e.linkIfs) await e.openLink(ifc);
    } catch (err) {
      await e.stop().catch(() => undefined);
      throw err;
    }
    return e;
  }

  // ---- real links --------------------------------------------------------------------------------

  private async openLink(ifc: InterfaceConfig): Promise<void> {
    const entry = { ifc, link: null as Link | null, carrier: false, why: 'opening' };
    this.links.set(ifc.index, entry);
    entry.link = await this.host.openLink!(ifc, this.stack.k.memory, this.linkPorts.get(ifc.index)!, {
      carrier: (up, why) => this.carrier(ifc.index, up, why),
      error: (err) => {
        this.failure ??= new Error(`${ifc.name}: ${err.message}`);
      },
    });
  }

  /** Interfaces whose link went away while up: brought back up when it returns. */
  private readonly downByLink = new Set<number>();

  /**
   * A link came or went: a link that goes away takes its interface down (routes through it stop
   * matching, as an interface without carrier), and its return brings it back up, announced
   * (gratuitous ARP, unsolicited NA, as NetBSD does on a link-state change). A link's first attach
   * is not announced: the engine is starting, and an embedding's ports (driver: port) expect no
   * frame they did not cause. An interface someone set down by hand stays down.
   */
  private carrier(ifindex: number, up: boolean, why: string): void {
    const entry = this.links.get(ifindex);
    if (!entry || this.stopping) return;
    entry.carrier = up;
    entry.why = why;
    const tables = this.stack.tables;
    void tables.wlock
      .run(up ? 'link up' : 'link down', () => {
        const s = tables.ifs[ifindex];
        if (!s) return;
        if (!up && s.up) {
          tables.setInterfaceUp(ifindex, false);
          this.downByLink.add(ifindex);
        } else if (up && this.downByLink.delete(ifindex)) {
          tables.setInterfaceUp(ifindex, true);
          this.stack.announceInterface(ifindex);
        }
      })
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      });
  }

  /** Per real link: its driver, carrier and the driver's own counters (ifconfig's `link:` line). */
  linkStats(): LinkState[] {
    return [...this.links.values()].map((l) => ({
      name: l.ifc.name,
      ifindex: l.ifc.index,
      driver: l.ifc.driver!,
      carrier: l.carrier,
      why: l.why,
      stats: l.link?.stats() ?? {},
    }));
  }

  // ---- the neighbor cache's step -------------------------------------------------------------------

  private nbrTimer: ReturnType<typeof setInterval> | undefined;
  private bridgeTimer: ReturnType<typeof setInterval> | undefined;
  private nbrBusy = false;
  private nbrReclaim = false;
  private nbrNextCpu = 0;
  /** frames the control plane could not hand to a CPU: its down ring was full */
  nbrDownDrops = 0;

  /**
   * Every NBR_STEP_MS, under the writer lock: the neighbor cache's timers, then every CPU's event
   * ring; what they send goes down to a CPU (round robin) through its down ring, and slots the
   * cache deleted are reclaimed after a grace period. A step still running skips the next tick.
   */
  private nbrStep(): void {
    const ll = this.stack.lltable;
    if (!ll || this.nbrBusy) return;
    this.nbrBusy = true;
    void this.stack.tables.wlock
      .run('neighbor cache', async () => {
        const now = Math.floor(performance.timeOrigin + performance.now()) >>> 0;
        const mem = this.nbrMem();
        const out = [...ll.tick(now)];
        for (const cpu of this.stack.L.cpu) out.push(...ll.drain(mem, cpu.nev, now));
        for (const f of out) this.nbrDown(NEVK_TX, f.ifindex, 0, f.data);
        if (this.nbrReclaim) {
          this.nbrReclaim = false;
          await this.synchronize();
          this.stack.tables.reclaim();
        }
      })
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.nbrBusy = false;
      });
  }

  private nbrMemView: Mem | null = null;
  private nbrMem(): Mem {
    if (!this.nbrMemView || this.nbrMemView.u8.buffer !== this.stack.k.memory.buffer)
      this.nbrMemView = new Mem(this.stack.k.memory);
    return this.nbrMemView;
  }

  /** Hands one item to the next CPU's down ring (producer side of nev.ts's protocol), and wakes it. */
  private nbrDown(kind: number, ifindex: number, rxif: number, data: Uint8Array): void {
    const L = this.stack.L;
    const ring = L.cpu[this.nbrNextCpu]!.nevDown;
    this.nbrNextCpu = (this.nbrNextCpu + 1) % L.cpu.length;
    const dv = this.dv;
    const head = dv.getUint32(ring + NEVR_HEAD, true);
    const slots = dv.getUint32(ring + NEVR_SLOTS, true);
    const tail = Atomics.load(this.i32, (ring + NEVR_TAIL) >> 2) >>> 0;
    if ((head - tail) >>> 0 >= slots || data.length + NEV_DATA > dv.getUint32(ring + NEVR_SLOT_BYTES, true)) {
      this.nbrDownDrops++;
      return;
    }
    const e = ring + NEVR_SIZE + (head & (slots - 1)) * dv.getUint32(ring + NEVR_SLOT_BYTES, true);
    const u8 = new Uint8Array(this.stack.k.memory.buffer);
    u8[e + NEV_KIND] = kind;
    u8[e + NEV_FLAGS] = 0;
    dv.setUint16(e + NEV_LEN, data.length, true);
    dv.setUint32(e + NEV_IF, ifindex, true);
    dv.setUint16(e + NEV_RXIF, rxif, true);
    u8.set(data, e + NEV_DATA);
    Atomics.store(this.i32, (ring + NEVR_HEAD) >> 2, (head + 1) | 0); // release: the slot is written
    this.ring();
  }

  /** The generator thread (MpOptions.generator 'thread') over the trial sources' queues. */
  private spawnGenerator(): void {
    if (!this.host.spawnGen) throw new Error("generator 'thread' needs a host that can start one (spawnGen)");
    const data: GenWorkerData = {
      memory: this.stack.k.memory,
      engine: this.o.engine,
      mp: this.mp,
      vt: this.vt,
      qs: this.qs,
      vectors: this.paced.map((p) => p.v),
      batch: this.stack.batch,
      probe: this.probe?.at ?? 0,
      stallShift: this.o.genStallShift !== false,
    };
    const spawnGen = this.host.spawnGen.bind(this.host);
    this.startThread('generator thread', (events) => spawnGen(data, events));
  }

  /**
   * Starts one of the machine's threads (a CPU, the generator): its failure kept for the caller
   * (`name` in the message), terminated once it reports done (drained), its exit awaited by stop().
   */
  private startThread(name: string, spawn: (events: CpuThreadEvents) => CpuThread): void {
    let exited!: () => void;
    this.exits.push(
      new Promise<void>((res) => {
        exited = res;
      }),
    );
    const w = spawn({
      error: (err) => {
        this.failure ??= new Error(`${name} failed: ${err.stack ?? err.message}`);
      },
      done: () => w.terminate(),
      exit: () => exited(),
    });
    this.workers.push(w);
  }

  /**
   * A grace period: returns once every batch that was running when it was called has ended
   * (pserialize perform over the workers' read sections). Idle CPUs are not waited for.
   */
  async synchronize(): Promise<void> {
    await this.psz.performAsync();
  }

  /** The same, blocking (for synchronous writers such as Tables' limbo reclaim). */
  synchronizeSync(): void {
    this.psz.perform();
  }

  private ring(): void {
    Atomics.add(this.i32, (this.mp + MP_DOORBELL) >> 2, 1);
    Atomics.notify(this.i32, (this.mp + MP_DOORBELL) >> 2);
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /**
   * Trial mode: the gen sources offer `frames` frames in all from now, at `rate` frames/s (0 = as
   * fast as the CPUs take them), each queue its share by its flows. Each source's vector is taken
   * from its CPU while its words are rewritten (the intrctl handoff), so a CPU never sees half a trial.
   * offer(0, 0) ends a trial early. `only`: the gen interface (ifindex) that offers, the others
   * none (a scenario whose other port generates only to teach a bridge its stations). Returns the
   * frames each queue will offer.
   */
  async offer(frames: number, rate: number, only?: number): Promise<number[]> {
    if (this.paced.length === 0) throw new Error('offer() needs MpOptions.paced and a gen interface');
    const weight = (p: { weight: number; ifindex: number }) =>
      only === undefined || p.ifindex === only ? p.weight : 0;
    const total = Math.max(
      1,
      this.paced.reduce((n, p) => n + weight(p), 0),
    );
    // largest remainder: the shares add up to `frames` exactly
    const exact = this.paced.map((p) => (frames * weight(p)) / total);
    const shares = exact.map(Math.floor);
    const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
    for (let k = 0, left = frames - shares.reduce((a, b) => a + b, 0); k < left; k++) shares[order[k]![1]]!++;
    const flags = this.paced.map((p) => this.dv.getUint32(this.vt + p.v * VT_SIZE + VT_FLAGS, true));
    for (const [j, p] of this.paced.entries())
      Atomics.store(this.i32, (this.vt + p.v * VT_SIZE + VT_FLAGS) >> 2, flags[j]! | VTF_DISABLED);
    this.ring();
    const deadline = performance.now() + 5000;
    // the CPUs give the queues up; the generator thread leaves them (gen-loop.ts's handoff)
    while (
      this.paced.some(
        (p) =>
          Atomics.load(this.i32, (this.vt + p.v * VT_SIZE + VT_OWNER) >> 2) !== 0 ||
          Atomics.load(this.i32, (p.qs + QS_GENBUSY) >> 2) !== 0,
      )
    ) {
      if (performance.now() > deadline) throw new Error('offer: a CPU did not give up its gen queue within 5 s');
      await new Promise((r) => setTimeout(r, 1));
    }
    for (const [j, p] of this.paced.entries()) {
      this.dv.setUint32(p.qs + QS_LIMIT, this.dv.getUint32(p.qs + QS_FRAMES, true), true);
      this.dv.setUint32(p.qs + QS_TOKENS, shares[j]!, true);
      this.dv.setUint32(p.qs + QS_RATE, rate === 0 ? 0 : Math.max(1, Math.round((rate * weight(p)) / total)), true);
      this.dv.setUint32(p.qs + QS_LAST, 0, true);
      this.dv.setUint32(p.qs + QS_SINCE, 0, true);
    }
    for (const [j, p] of this.paced.entries())
      Atomics.store(this.i32, (this.vt + p.v * VT_SIZE + VT_FLAGS) >> 2, flags[j]!);
    this.ring();
    return shares;
  }

  /**
   * Trial mode with MpOptions.probe: from the next offer(), the frames of gen interface `source` are
   * stamped and counted per flow as they go out `sink` (flow-probe.ts). Call with the machine drained.
   */
  probeArm(sink: number, source: number): void {
    if (!this.probe) throw new Error('probeArm() needs MpOptions.probe');
    this.probe.arm(
      sink,
      this.paced.filter((p) => p.ifindex === source),
    );
  }

  /** The armed trial's per-flow counts and latency (read with the machine drained), the probe disarmed. */
  probeRead(): ProbeSummary {
    if (!this.probe) throw new Error('probeRead() needs MpOptions.probe');
    this.probe.disarm();
    return this.probe.read();
  }

  /** Trial mode: whether every gen source has offered all of its trial's frames. */
  offerDone(): boolean {
    return this.paced.every(
      (p) =>
        (this.dv.getUint32(p.qs + QS_FRAMES, true) - this.dv.getUint32(p.qs + QS_LIMIT, true)) >>> 0 >=
        this.dv.getUint32(p.qs + QS_TOKENS, true),
    );
  }

  /** Moves what the CPUs recorded into the recordings' files (appended: valid pcap after each drain). */
  private drain(): void {
    const u8 = new Uint8Array(this.stack.k.memory.buffer);
    for (const r of this.recorders) {
      const add = (f: TapFrame) => r.writer.add(f.data, f.sec, f.nsec);
      for (const ring of r.rings) ringDrain(this.i32, this.dv, u8, ring, add);
      const bytes = r.writer.takeBytes();
      if (bytes.length && r.file) r.file.append(bytes);
    }
  }

  // ---- live captures (`mpstack capture`): taps armed at run time ---------------------------------

  /**
   * Arms a tap on interface `name` for the frames it receives, transmits or both: from now on every
   * CPU copies them into its ring of the tap (capture-ring.ts). Returns the tap's id, for tapRead
   * and tapClose. Frames are taken as they pass the wire interface, so a vlan is captured on the
   * interface it rides on (its frames tagged). Throws UserError for an unknown interface, a vlan,
   * or when every live capture is in use.
   */
  tapOpen(name: string, dir: TapDirection): number {
    const ifindex = this.stack.ifByName.get(name);
    if (ifindex === undefined)
      throw new UserError(`no interface '${name}' (have: ${[...this.stack.ifByName.keys()].join(', ')})`);
    const vlan = this.stack.tables.ifs[ifindex]?.vlan;
    if (vlan) {
      const parent = [...this.stack.ifByName].find(([, i]) => i === vlan.parent)?.[0] ?? `ifindex ${vlan.parent}`;
      throw new UserError(`${name} is a vlan: capture on ${parent}, where its frames pass with their 802.1Q tag`);
    }
    if (this.stack.tables.bridges.has(ifindex))
      throw new UserError(`${name} is a bridge: capture on its members, where its frames pass`);
    if (this.stack.tables.ifs[ifindex]?.gif)
      throw new UserError(
        `${name} is a gif: capture on the interface its outer packets pass, where they meet the wire`,
      );
    if (this.stopping) throw new UserError('mpstack is stopping');
    const t = this.taps.findIndex((x) => x.state === 'free');
    if (t < 0)
      throw new UserError(
        this.taps.length === 0
          ? 'this engine runs without live captures'
          : `all ${this.taps.length} live captures are in use`,
      );
    const tap = this.taps[t]!;
    const dirs = dir === 'in' ? CRD_IN : dir === 'out' ? CRD_OUT : CRD_IN | CRD_OUT;
    for (const r of tap.rings) tapArm(this.dv, r, TAP_SLOTS, ifindex, dirs);
    tap.state = 'armed';
    tap.ifindex = ifindex;
    Atomics.or(this.i32, (this.mp + MP_TAPS) >> 2, 1 << tap.bit); // after the rings: a CPU that sees the bit sees them
    return t;
  }

  private liveTap(id: number): LiveTap {
    const tap = this.taps[id];
    if (tap?.state !== 'armed') throw new UserError(`no live capture ${id}`);
    return tap;
  }

  /**
   * Up to `max` frames the tap has recorded and nobody has read, in time order across the CPUs;
   * their slots are free again as it returns (a reader that does not call it loses frames, counted
   * by tapDropped, never slowing a CPU down).
   */
  tapRead(id: number, max = Number.POSITIVE_INFINITY): TapFrame[] {
    const tap = this.liveTap(id);
    const u8 = new Uint8Array(this.stack.k.memory.buffer);
    const out: TapFrame[] = [];
    const take = (f: TapFrame) => out.push(f);
    for (const r of tap.rings) if (out.length < max) ringDrain(this.i32, this.dv, u8, r, take, max - out.length);
    // each CPU's ring is in order; across CPUs, by when each CPU saw its batch (a stable sort)
    if (tap.rings.length > 1) out.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
    return out;
  }

  /** Frames the tap lost so far because a CPU found its ring full (the reader was too slow). */
  tapDropped(id: number): number {
    return this.liveTap(id).rings.reduce((s, r) => s + ringOverruns(this.dv, r), 0);
  }

  /**
   * Disarms the tap: once it resolves no CPU writes its rings (a grace period has passed since its
   * bit was cleared), the frames still unread are discarded, and the id may be reused. Resolves
   * with how many frames it lost to full rings in all. Closing a closed id is a UserError.
   */
  async tapClose(id: number): Promise<{ dropped: number }> {
    const tap = this.liveTap(id);
    tap.state = 'closing';
    Atomics.and(this.i32, (this.mp + MP_TAPS) >> 2, ~(1 << tap.bit));
    await this.synchronize();
    const dropped = tap.rings.reduce((s, r) => s + ringOverruns(this.dv, r), 0);
    tap.state = 'free';
    return { dropped };
  }

  private caches(): number[] {
    return this.stack.L.cpu.map((c) => c.free);
  }

  /** Where every cluster is (run it after stop(): while CPUs run the answer is a blur). */
  bufferAudit(): BufferAudit {
    return auditBuffers(this.dv, this.bufs, this.caches());
  }

  /** Per recording interface: frames recorded and frames lost to full capture rings. */
  recordings(): { name: string; path: string; frames: number; overruns: number }[] {
    return this.recorders.map((r) => ({
      name: r.name,
      path: r.path,
      frames: r.writer.count,
      overruns: r.rings.reduce((s, x) => s + ringOverruns(this.dv, x), 0),
    }));
  }

  /** The NIC model and driver the config gave an interface (null for run-time vlans), and its real link's state. */
  describeInterface(index: number): { model: string | null; driver: string | null; link?: LinkState } {
    const c = this.cfg.interfaces.find((i) => i.index === index);
    const link = this.linkStats().find((l) => l.ifindex === index);
    return { model: c?.model ?? null, driver: c?.driver ?? null, ...(link ? { link } : {}) };
  }

  /** Stops the workers (each finishes its batch and gives up its queues), waits for them, writes recordings. */
  async stop(): Promise<void> {
    this.stopping = true;
    // the links first: nothing arrives once the CPUs are gone
    await Promise.all([...this.links.values()].map((l) => l.link?.close()));
    Atomics.store(this.i32, (this.mp + MP_STOP) >> 2, 1);
    this.ring();
    if (this.nbrTimer) clearInterval(this.nbrTimer);
    await Promise.all(this.exits);
    if (this.drainTimer) clearInterval(this.drainTimer);
    if (this.bridgeTimer) clearInterval(this.bridgeTimer);
    this.drain();
    for (const r of this.recorders) r.file?.close();
    if (this.failure) throw this.failure;
  }
}
