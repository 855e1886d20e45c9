// The switched segment behind a `websocket` link: a learning Ethernet switch (IEEE 802.1D's
// transparent bridge, without spanning tree) whose ports are the connected clients and the router's
// interface. ws-link-node.ts feeds it the clients' messages and the frames the router sends; this
// file is the forwarding decision alone, with no sockets and an injected clock, so its tests drive it
// frame by frame.
//
// Forwarding (per frame, as a bridge does it):
//   from a client   source learned for that client (a source that is a group address or the router's
//                   own MAC is dropped, counted: it would poison the table or impersonate the router);
//                   destination the router's MAC: the router only; a group address (broadcast,
//                   multicast) or a unicast MAC not in the table: every other client and the router;
//                   a known unicast MAC: that client only (on the ingress client itself: filtered).
//   from the router to the client that owns the destination, or every client when it is a group
//                   address or unknown. The router's MAC is never learned: it is fixed (`ifc.mac`).
// So frames between two clients that know each other never enter the engine.
//
// The table: a MAC is the client it was last seen from (a MAC that moves is re-learned at once); an
// entry not refreshed for SWITCH_AGE_MS is gone (looked up as unknown, swept by age()); a client's
// entries go with it. At most `maxMacs` entries: past that new sources are not learned (frames to
// them are flooded, as to any unknown MAC), so a client spraying random sources costs bounded memory.
//
// Not safe for concurrent use: one event loop (Node's main thread) owns a switch.

/** IEEE 802.1D's default ageing time, Linux's bridge's too (NetBSD's bridge(4) keeps entries 1200 s). */
export const SWITCH_AGE_MS = 300_000;
/** Default bound on the learned table (NetBSD's bridge defaults to 100 per bridge; a segment of VMs is small). */
export const SWITCH_MAX_MACS = 4096;

/** A connected client as the switch sees it: where its frames go. */
export interface SwitchStation {
  /**
   * Queues one frame for the client, keeping `frame` (it is not reused by the caller). Returns
   * false when the client's queue is full or it is closing: the frame is dropped, and counted here.
   */
  send(frame: Uint8Array): boolean;
}

/** One client's port and its counters. */
export class SwitchPort {
  /** frames and bytes from the client that the switch accepted */
  rxFrames = 0;
  rxBytes = 0;
  /** frames and bytes handed to the client's queue */
  txFrames = 0;
  txBytes = 0;
  /** frames for the client dropped because its queue was full (back-pressure) */
  txDrops = 0;
  /** messages from the client that are no Ethernet frame: text, empty, shorter than a header, longer than MAX_FRAME */
  rxBad = 0;
  /** frames from the client with a group address or the router's MAC as source */
  rxSpoofed = 0;
  /** MACs the table holds for this client */
  macs = 0;

  constructor(
    readonly id: number,
    /** who it is (the remote address and port), for the operator */
    readonly peer: string,
    readonly station: SwitchStation,
  ) {}
}

export interface SwitchOptions {
  /** the router's MAC on this segment (6 bytes) */
  routerMac: Uint8Array;
  /** clients at most; attach refuses the next one */
  maxClients: number;
  /** hands one frame from client `from` to the router (copying it); false when the RX ring had no room (a counted miss) */
  toRouter(frame: Uint8Array, from: SwitchPort): boolean;
  /** a monotonic clock in ms (performance.now by default) */
  now?: () => number;
  ageMs?: number;
  maxMacs?: number;
}

/** A MAC as a number (48 bits fit a double exactly): a Map key without a string per frame. */
function macKey(f: Uint8Array, at: number): number {
  const lo = ((f[at + 2]! << 24) | (f[at + 3]! << 16) | (f[at + 4]! << 8) | f[at + 5]!) >>> 0;
  return (f[at]! * 0x100 + f[at + 1]!) * 0x100000000 + lo;
}

interface FdbEntry {
  port: SwitchPort;
  seen: number;
}

export class EtherSwitch {
  /** the connected clients, by id */
  readonly ports = new Map<number, SwitchPort>();
  private readonly fdb = new Map<number, FdbEntry>();
  private readonly router: number;
  private readonly now: () => number;
  private readonly ageMs: number;
  private readonly maxMacs: number;
  private nextId = 1;

  /** clients refused because maxClients were connected */
  rejected = 0;
  /** frames handed to the router, and those its RX ring had no room for */
  toRouter = 0;
  toRouterMissed = 0;
  /** frames the router sent onto the segment */
  fromRouter = 0;
  /** frames flooded (a group or unknown destination), from clients and the router */
  flooded = 0;
  /** frames from a client to a MAC learned on that same client: not sent back */
  filtered = 0;
  /** MACs learned on one client seen from another */
  moves = 0;
  /** sources not learned because the table was full */
  learnFull = 0;

  constructor(private readonly opts: SwitchOptions) {
    if (opts.routerMac.length !== 6) throw new Error('EtherSwitch: the router MAC must be 6 bytes');
    this.router = macKey(opts.routerMac, 0);
    this.now = opts.now ?? (() => performance.now());
    this.ageMs = opts.ageMs ?? SWITCH_AGE_MS;
    this.maxMacs = opts.maxMacs ?? SWITCH_MAX_MACS;
  }

  /** A client connects: its port, or null when maxClients are connected (counted in `rejected`). */
  attach(peer: string, station: SwitchStation): SwitchPort | null {
    if (this.ports.size >= this.opts.maxClients) {
      this.rejected++;
      return null;
    }
    const p = new SwitchPort(this.nextId++, peer, station);
    this.ports.set(p.id, p);
    return p;
  }

  /** A client went: its port and every MAC learned on it. */
  detach(port: SwitchPort): void {
    if (!this.ports.delete(port.id)) return;
    if (port.macs === 0) return;
    for (const [k, e] of this.fdb) if (e.port === port) this.fdb.delete(k);
    port.macs = 0;
  }

  /** A message from a client that is no frame (text, empty or oversized binary): dropped, counted. */
  inputBad(port: SwitchPort): void {
    port.rxBad++;
  }

  /**
   * A binary message from `port`'s client: one Ethernet frame, which the switch keeps (it may be
   * queued to other clients as is). Frames shorter than an Ethernet header count as bad; the caller
   * checks the upper bound (MAX_FRAME) before, as it knows the engine's.
   */
  input(port: SwitchPort, frame: Uint8Array): void {
    if (frame.length < 14) {
      port.rxBad++;
      return;
    }
    const src = macKey(frame, 6);
    if (frame[6]! & 1 || src === this.router) {
      port.rxSpoofed++;
      return;
    }
    port.rxFrames++;
    port.rxBytes += frame.length;
    const now = this.now();
    this.learn(src, port, now);
    if (frame[0]! & 1) {
      this.flood(frame, port);
      return;
    }
    const dst = macKey(frame, 0);
    if (dst === this.router) {
      this.up(frame, port);
      return;
    }
    const to = this.lookup(dst, now);
    if (!to) this.flood(frame, port);
    else if (to === port) this.filtered++;
    else this.deliver(to, frame);
  }

  /** A frame the router sends (the switch keeps it: the caller hands over a copy). */
  output(frame: Uint8Array): void {
    this.fromRouter++;
    const to = frame[0]! & 1 ? undefined : this.lookup(macKey(frame, 0), this.now());
    if (to) this.deliver(to, frame);
    else this.flood(frame, null);
  }

  /** Forgets entries not refreshed for the ageing time; returns how many went. */
  age(): number {
    const now = this.now();
    let n = 0;
    for (const [k, e] of this.fdb) {
      if (now - e.seen <= this.ageMs) continue;
      this.fdb.delete(k);
      e.port.macs--;
      n++;
    }
    return n;
  }

  /** Entries in the table (some may be past their age until the next sweep or lookup). */
  get macs(): number {
    return this.fdb.size;
  }

  /** The client that owns `mac` (6 bytes), if learned and not aged out: for tests and tools. */
  portOf(mac: Uint8Array): SwitchPort | undefined {
    return this.lookup(macKey(mac, 0), this.now());
  }

  private learn(src: number, port: SwitchPort, now: number): void {
    const e = this.fdb.get(src);
    if (e) {
      if (e.port !== port) {
        e.port.macs--;
        port.macs++;
        e.port = port;
        this.moves++;
      }
      e.seen = now;
      return;
    }
    if (this.fdb.size >= this.maxMacs) {
      this.learnFull++;
      return;
    }
    this.fdb.set(src, { port, seen: now });
    port.macs++;
  }

  private lookup(dst: number, now: number): SwitchPort | undefined {
    const e = this.fdb.get(dst);
    if (!e) return undefined;
    if (now - e.seen > this.ageMs) {
      this.fdb.delete(dst);
      e.port.macs--;
      return undefined;
    }
    return e.port;
  }

  /** To every client but `from`, and to the router when the frame came from a client. */
  private flood(frame: Uint8Array, from: SwitchPort | null): void {
    this.flooded++;
    for (const p of this.ports.values()) if (p !== from) this.deliver(p, frame);
    if (from) this.up(frame, from);
  }

  private deliver(p: SwitchPort, frame: Uint8Array): void {
    if (p.station.send(frame)) {
      p.txFrames++;
      p.txBytes += frame.length;
    } else {
      p.txDrops++;
    }
  }

  private up(frame: Uint8Array, from: SwitchPort): void {
    if (this.opts.toRouter(frame, from)) this.toRouter++;
    else this.toRouterMissed++;
  }
}
