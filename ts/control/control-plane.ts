// The control plane: every operation that changes or reads the router's configuration at run time
// (routes, interfaces and addresses, neighbors, interrupt affinity) and the statistics readers, in
// one place. The unix-socket server (ts/host/control-server.ts) only parses requests and calls these;
// the CLI's offline commands, the stress test and the embedding API call the same operations.
//
// Locking notes:
// - One lock: the writer lock of the tables (`stack.tables.wlock`, ts/stack/writer-lock.ts). Every
//   writer below runs under it, one at a time across awaits; so do the route readers (show, get),
//   whose keys go through the writer's scratch memory. Tables asserts it on every write.
// - The counters (netstat, intrctl list, ifconfig) are read without it: they are per-CPU words the
//   workers own, read as a live snapshot.
// - Readers of the tables, the pipelines on every CPU, take no lock: each batch is a pserialize read
//   section. The dataplane's `synchronize()` is pserialize perform over those sections.
//
// The order every writer follows (NetBSD's: unpublish, pserialize_perform, free):
// 1. check the request completely, so a refused one changes nothing;
// 2. unpublish: one atomic store takes the object out of every reader's path (a route, a nexthop,
//    an interface's flags and VLAN map entry), and the ipflow generation is bumped;
// 3. wait a grace period (`await dp.synchronize()`): every batch that could have read the old
//    object has ended;
// 4. free: reclaim radix nodes, FIB groups and entries, nexthops; clear interface slots.
// Operations that only publish (route add, address add, vlan create) have no step 3 or 4. Two table
// writers take steps 3-4 inside their operation, synchronously, when their limbo fills (see Tables'
// graceWait): the same order, a blocking wait.
import {
  formatIP,
  formatMac,
  formatPrefix,
  hostBitsZero,
  ipEqual,
  maskPrefix,
  parseIP,
  parseMac,
  parsePrefix,
} from '../addr/addr.js';
import { ConfigError } from '../config/error.js';
import { parseRoutesText, type RouteSpec } from '../config/routes-file.js';
import { UserError } from '../errors.js';
import type { NeighborInfo, Stack } from '../stack/stack.js';
import { routeEntry, routeGet } from './route-text.js';
import type {
  BrconfigEntry,
  IfconfigEntry,
  IntrctlListResult,
  LinkState,
  NetstatIResult,
  NetstatMResult,
  NetstatSResult,
  NeighborEntry,
  RouteEntry,
  RouteGetResult,
} from './types.js';

/** Interrupt affinity (intrctl): a multi-CPU machine has it, a single-CPU stack does not. */
export interface InterruptControl {
  list(): IntrctlListResult;
  affinity(irq: string, cpu: number): void;
  nointr(cpu: number): void;
  intr(cpu: number): void;
}

/** Statistics a machine keeps beyond the stack's counters. */
export interface MachineStats {
  netstatI(): NetstatIResult;
  netstatS(perCpu: boolean): NetstatSResult;
  netstatM(): NetstatMResult;
}

/** What the control plane drives: a stack, the grace period of its readers, and what the host adds. */
export interface Dataplane {
  readonly stack: Stack;
  /** A grace period: resolves once every reader that was in a read section has left it (pserialize perform). */
  synchronize(): Promise<void>;
  readonly interrupts?: InterruptControl;
  readonly stats?: MachineStats;
  /** the NIC model and driver the config gave an interface, and its real link if it has one, for ifconfig */
  describeInterface?(index: number): { model: string | null; driver: string | null; link?: LinkState };
}

/**
 * A single-CPU stack as a dataplane: its pipeline runs on this thread between control-plane calls,
 * so no reader is ever inside a read section when a writer runs, and a grace period is immediate.
 */
export function localDataplane(stack: Stack): Dataplane {
  return { stack, synchronize: () => Promise.resolve() };
}

/** A route's key: family, destination bytes (host bits zero) and prefix length. */
export interface RouteKey {
  family: 4 | 6;
  dst: Uint8Array;
  plen: number;
}

/** Parses one routes-file line (`203.0.113.0/24 via 198.51.100.254 dev wm1`, `blackhole …`) as a route request. */
export function parseRouteLine(stack: Stack, line: string): RouteSpec {
  if (/[\r\n]/.test(line)) throw new UserError('one route per request (the line has a line break)');
  let spec: RouteSpec | null = null;
  try {
    parseRoutesText(
      line,
      'route',
      (r) => {
        spec = { ...r, dst: r.dst.slice(), via: r.via ? r.via.slice() : null, file: '' };
      },
      { devs: new Set(stack.ifByName.keys()) },
    );
  } catch (e) {
    if (e instanceof ConfigError) throw new UserError(`${e.field}: ${e.detail}`);
    throw e;
  }
  if (!spec) throw new UserError(`no route in '${line}'`);
  return spec;
}

/** Parses a route's destination as `route delete` takes it: a prefix, or `default` (IPv4 unless family is 6). */
export function parseRouteKey(dst: string, family?: 4 | 6): RouteKey {
  if (dst === 'default') {
    const f = family ?? 4;
    return { family: f, dst: new Uint8Array(f === 4 ? 4 : 16), plen: 0 };
  }
  const p = parsePrefix(dst);
  if (!p) throw new UserError(`'${dst}' is not a prefix (like 203.0.113.0/24, 2001:db8::/32 or default)`);
  if (family !== undefined && family !== p.family) throw new UserError(`${dst} is not an IPv${family} prefix`);
  if (!hostBitsZero(p.bytes, p.plen)) {
    const net = formatPrefix(maskPrefix(p.bytes, p.plen), p.plen);
    throw new UserError(`invalid prefix for given prefix length: '${dst}' has host bits set (the network is ${net})`);
  }
  return { family: p.family, dst: p.bytes, plen: p.plen };
}

/**
 * An interface address as ifconfig takes it: `ADDR/LEN`, or with `lengthOptional` (deleting one)
 * `ADDR` alone too, plen then undefined.
 */
export function parseIfAddress(
  text: string,
  lengthOptional?: false,
): { family: 4 | 6; bytes: Uint8Array; plen: number };
export function parseIfAddress(
  text: string,
  lengthOptional: true,
): { family: 4 | 6; bytes: Uint8Array; plen: number | undefined };
export function parseIfAddress(
  text: string,
  lengthOptional = false,
): { family: 4 | 6; bytes: Uint8Array; plen: number | undefined } {
  if (lengthOptional && !text.includes('/')) {
    const a = parseIP(text);
    if (!a) throw new UserError(`'${text}' is not an IPv4 or IPv6 address`);
    return { family: a.family, bytes: a.bytes, plen: undefined };
  }
  const p = text.includes('/') ? parsePrefix(text) : null;
  if (!p) throw new UserError(`'${text}' is not an address with a prefix length (like 192.0.2.1/24 or 2001:db8::1/64)`);
  return { family: p.family, bytes: p.bytes, plen: p.plen };
}

export class ControlPlane {
  readonly stack: Stack;

  constructor(readonly dp: Dataplane) {
    this.stack = dp.stack;
  }

  /** Runs `fn` as the writer (the tables' writer lock, held across its awaits). */
  private writer<T>(op: string, fn: () => T | Promise<T>): Promise<T> {
    return this.stack.tables.wlock.run(op, fn);
  }

  /** Resolves once every writer queued so far has finished (a route delete in its grace period, say). */
  idle(): Promise<void> {
    return this.stack.tables.wlock.idle();
  }

  private ifIndex(name: string): number {
    const i = this.stack.ifByName.get(name);
    if (i === undefined)
      throw new UserError(`no interface '${name}' (have: ${[...this.stack.ifByName.keys()].join(', ')})`);
    return i;
  }

  private interrupts(): InterruptControl {
    if (!this.dp.interrupts) throw new UserError('this engine has no interrupts to route (a single-CPU stack)');
    return this.dp.interrupts;
  }

  private stats(): MachineStats {
    if (!this.dp.stats) throw new UserError('this engine keeps no machine statistics (a single-CPU stack)');
    return this.dp.stats;
  }

  // ---- routes -------------------------------------------------------------------------------------

  /** `route add`: publishes the route (a route the compiled FIB cannot take is refused whole: Tables.addRoute). */
  routeAdd(r: RouteSpec): Promise<RouteEntry> {
    return this.writer('route add', () => routeEntry(this.stack, r.family, r.dst, r.plen, this.stack.addRouteSpec(r)));
  }

  /** `route change`: adds the route or swaps its nexthop in place (readers see old or new, never none). */
  routeChange(r: RouteSpec): Promise<RouteEntry> {
    return this.writer('route change', async () => {
      const nh = this.stack.changeRouteSpec(r);
      await this.dp.synchronize(); // the old nexthop, if its last route was this one
      this.stack.tables.reclaim();
      return routeEntry(this.stack, r.family, r.dst, r.plen, nh);
    });
  }

  /**
   * `route delete` of one or more routes: unpublishes them all, waits one grace period, reclaims.
   * Returns once no CPU can still be using any of them. Refuses, changing nothing, if one is missing.
   */
  routeDelete(keys: readonly RouteKey[]): Promise<RouteEntry[]> {
    return this.writer('route delete', async () => {
      const { stack } = this;
      const entries = keys.map((k) => {
        const nh = stack.tables.getRoute(k.family, k.dst, k.plen);
        if (!nh) throw new UserError(`no route to ${formatPrefix(k.dst, k.plen)}`);
        return routeEntry(stack, k.family, k.dst, k.plen, nh);
      });
      for (const k of keys) stack.deleteRoute(k.family, k.dst, k.plen);
      await this.dp.synchronize();
      stack.tables.reclaim();
      return entries;
    });
  }

  /** `route show`: every route of one family or both, as `ip route show` prints them. */
  routeShow(family?: 4 | 6): Promise<RouteEntry[]> {
    return this.writer('route show', () =>
      (family ? [family] : ([4, 6] as const)).flatMap((f) =>
        this.stack.tables.walkRoutes(f).map((r) => routeEntry(this.stack, f, r.prefix, r.plen, r.nh)),
      ),
    );
  }

  /**
   * `route get ADDRESS`: the data path's answer, as `ip route get` prints it and `ip -j route get`
   * names its parts. An unreachable address is an answer, not an error (route-text.ts's
   * routeGetReachable says which are; the CLI turns them into its exit status).
   */
  routeGet(address: string): Promise<RouteGetResult> {
    const ip = parseIP(address);
    if (!ip) return Promise.reject(new UserError(`'${address}' is not an IPv4 or IPv6 address`));
    return this.writer('route get', () => routeGet(this.stack, address, ip.bytes));
  }

  // ---- neighbors ----------------------------------------------------------------------------------

  /** `arp -a` / `ndp -a`: the neighbor cache (no lock: the writer runs on this thread between calls). */
  neighborList(family?: 4 | 6): NeighborInfo[] {
    return this.stack.neighborList(family);
  }

  /** The neighbor cache as the CLI prints it. */
  neighborEntries(family?: 4 | 6): NeighborEntry[] {
    return this.neighborList(family).map((e) => ({
      family: e.family,
      address: formatIP(e.address),
      mac: e.mac ? formatMac(e.mac) : null,
      if: this.stack.ifName(e.ifindex),
      state: e.state,
      expires: e.expiresMs === null ? null : Math.ceil(e.expiresMs / 1000),
      router: e.router,
      held: e.held,
    }));
  }

  /**
   * The interface an address's neighbor is on: the one named, else the interface whose connected
   * network holds it (`arp -s ADDR MAC` without an interface, as NetBSD finds it).
   */
  neighborInterface(address: Uint8Array, ifname?: string): string {
    if (ifname !== undefined) return ifname;
    for (const s of this.stack.tables.ifs) {
      if (!s) continue;
      const on = this.stack
        .addresses(s.index)
        .some(
          (a) =>
            a.bytes.length === address.length &&
            maskPrefix(a.bytes, a.plen).every((b, i) => b === maskPrefix(address, a.plen)[i]),
        );
      if (on) return s.name;
    }
    throw new UserError(`${formatIP(address)} is on no interface's network: name the interface`);
  }

  /** A static neighbor entry (the config's `neighbors`, `arp -s`): publishes the MAC for the address on the interface. */
  neighborSet(address: Uint8Array, ifname: string, mac: Uint8Array): Promise<void> {
    return this.writer('neighbor set', () => this.stack.neighborSet(address, this.ifIndex(ifname), mac));
  }

  /** Deletes a neighbor entry (`arp -d`); returns false when there was none. */
  neighborDelete(address: Uint8Array, ifname: string): Promise<boolean> {
    return this.writer('neighbor delete', async () => {
      const ok = this.stack.neighborDelete(address, this.ifIndex(ifname));
      await this.dp.synchronize(); // the slot is reused only after readers left it
      this.stack.tables.reclaim();
      return ok;
    });
  }

  // ---- interfaces ---------------------------------------------------------------------------------

  /** One interface as ifconfig shows it (no lock: flags and addresses are read as they are). */
  ifconfigEntry(index: number): IfconfigEntry {
    const { stack } = this;
    const s = stack.tables.ifs[index];
    if (!s) throw new UserError(`no interface with index ${index}`);
    const d = this.dp.describeInterface?.(index) ?? { model: null, driver: null };
    return {
      name: s.name,
      index,
      up: s.up,
      // the per-interface forwarding switches that are not their default (NetBSD-style flag names)
      flags: [
        s.up ? 'UP' : 'DOWN',
        ...(s.vlan ? ['VLAN'] : []),
        ...(s.bridge ? ['BRIDGE'] : []),
        ...(s.bridgeOf ? [`BRPORT(${stack.ifName(s.bridgeOf)})`] : []),
        ...(s.gif ? ['GIF'] : []),
        ...(s.sendRedirects === false ? ['NOREDIRECT'] : []),
        ...(s.directedBroadcast ? ['DIRBCAST'] : []),
        ...(s.rpFilter === 1 ? ['RPF_STRICT'] : s.rpFilter === 2 ? ['RPF_LOOSE'] : []),
      ],
      mtu: s.mtu,
      mac: formatMac(s.mac),
      addresses: stack.addresses(index).map((a) => formatPrefix(a.bytes, a.plen)),
      linkLocal:
        s.ll6 && !stack.addresses(index).some((a) => ipEqual(a.bytes, s.ll6!)) ? formatPrefix(s.ll6, 64) : null,
      queues: Math.max(1, s.queues),
      rssUdp: s.rssUdp,
      model: d.model,
      driver: d.driver,
      vlan: s.vlan ? { parent: stack.ifName(s.vlan.parent), id: s.vlan.id } : null,
      ...(s.gif
        ? {
            tunnel: s.gif.tunnel
              ? {
                  src: formatIP(s.gif.tunnel.src),
                  dst: formatIP(s.gif.tunnel.dst),
                  ttl: s.gif.ttl,
                  pmtu: stack.gifPathMtu(index),
                }
              : null,
          }
        : {}),
      ...(d.link ? { link: d.link } : {}),
    };
  }

  /** `ifconfig [IF]`: one interface, or all of them. */
  ifconfig(name?: string): IfconfigEntry[] {
    if (name !== undefined) return [this.ifconfigEntry(this.ifIndex(name))];
    return this.stack.tables.ifs.flatMap((s, i) => (s ? [this.ifconfigEntry(i)] : []));
  }

  /** `ifconfig IF up|down`. */
  ifUp(name: string, up: boolean): Promise<IfconfigEntry> {
    return this.writer(up ? 'ifconfig up' : 'ifconfig down', () => {
      const i = this.ifIndex(name);
      const was = this.stack.tables.ifs[i]!.up;
      this.stack.tables.setInterfaceUp(i, up);
      if (up && !was) this.stack.announceInterface(i);
      return this.ifconfigEntry(i);
    });
  }

  /** `ifconfig IF inet ADDR/LEN alias` (and inet6): adds the address and its routes (Stack.addAddress). */
  ifAddressAdd(name: string, text: string): Promise<IfconfigEntry> {
    return this.writer('ifconfig inet alias', () => {
      const i = this.ifIndex(name);
      this.stack.addAddress(i, parseIfAddress(text));
      return this.ifconfigEntry(i);
    });
  }

  /**
   * `ifconfig IF inet ADDR/LEN` (and inet6) without `alias`, as in NetBSD: replaces the interface's
   * primary address of that kind, or adds it if there is none (Stack.replaceAddress). The new
   * address is published first; the old one's routes are unpublished, then a grace period, then
   * reclaim (and the IPv6 primary address is set: settleAddresses).
   */
  ifAddressSet(name: string, text: string): Promise<IfconfigEntry> {
    return this.writer('ifconfig inet', async () => {
      const i = this.ifIndex(name);
      const change = this.stack.replaceAddress(i, parseIfAddress(text));
      if (change) {
        await this.dp.synchronize();
        this.stack.settleAddresses(change);
      }
      return this.ifconfigEntry(i);
    });
  }

  /**
   * `ifconfig IF inet ADDR[/LEN] -alias` (or `delete`): unpublishes the address and its routes
   * (Stack.deleteAddress), waits a grace period, reclaims. Returns once no CPU can still be using them.
   */
  ifAddressDelete(name: string, text: string): Promise<IfconfigEntry> {
    return this.writer('ifconfig inet -alias', async () => {
      const i = this.ifIndex(name);
      const a = parseIfAddress(text, true);
      const change = this.stack.deleteAddress(i, a.bytes, a.plen);
      await this.dp.synchronize();
      this.stack.settleAddresses(change);
      return this.ifconfigEntry(i);
    });
  }

  /** `ifconfig IF mtu N` (Stack.setMtu: the range, IPv6's minimum, vlans and their parents). */
  ifMtu(name: string, mtu: number): Promise<IfconfigEntry> {
    return this.writer('ifconfig mtu', () => {
      const i = this.ifIndex(name);
      this.stack.setMtu(i, mtu);
      return this.ifconfigEntry(i);
    });
  }

  /** `ifconfig NAME create vlan VID vlanif PARENT`: attaches a vlan under traffic. */
  ifCreateVlan(name: string, parent: string, vid: number): Promise<IfconfigEntry> {
    return this.writer('ifconfig create', () => this.ifconfigEntry(this.stack.createVlan(name, parent, vid)));
  }

  /** `ifconfig gifN create`: attaches a gif(4) interface, with no tunnel yet, under traffic. */
  ifCreateGif(name: string, ttl?: number): Promise<IfconfigEntry> {
    return this.writer('ifconfig create', () => this.ifconfigEntry(this.stack.createGif(name, ttl)));
  }

  /**
   * `ifconfig bridgeN create`: attaches a bridge(4) with no members under traffic (brconfig's default
   * limits, or `limits`); `brconfig bridgeN add IF` gives it members.
   */
  ifCreateBridge(name: string, limits?: { maxaddr: number; timeout: number }): Promise<IfconfigEntry> {
    return this.writer('ifconfig create', () => this.ifconfigEntry(this.stack.createBridge(name, limits)));
  }

  /**
   * `ifconfig gifN tunnel SRC DST`: gives the gif its tunnel (SRC one of our addresses; Stack.checkTunnel
   * refuses before anything changes). A gif that has one loses it first and a grace period passes
   * before the new words are written, so no CPU reads half an old and half a new address (the
   * encap entry likewise); in between its packets drop as gif-no-tunnel.
   */
  ifTunnel(name: string, src: string, dst: string): Promise<IfconfigEntry> {
    return this.writer('ifconfig tunnel', async () => {
      const a = parseIP(src);
      const b = parseIP(dst);
      if (!a) throw new UserError(`ifconfig: '${src}' is not an IP address`);
      if (!b) throw new UserError(`ifconfig: '${dst}' is not an IP address`);
      const index = this.stack.checkTunnel(name, a.bytes, b.bytes);
      const s = this.stack.tables.ifs[index]!;
      if (s.gif?.tunnel) {
        this.stack.tables.deleteTunnel(index);
        await this.dp.synchronize();
        this.stack.tables.reclaim();
      }
      this.stack.tables.setTunnel(index, a.bytes, b.bytes);
      return this.ifconfigEntry(index);
    });
  }

  /** `ifconfig gifN deletetunnel`: unpublishes the tunnel, then reclaims its encap entry after a grace period. */
  ifDeleteTunnel(name: string): Promise<IfconfigEntry> {
    return this.writer('ifconfig deletetunnel', async () => {
      const index = this.ifIndex(name);
      if (!this.stack.tables.ifs[index]!.gif) throw new UserError(`${name} is not a gif interface`);
      this.stack.tables.deleteTunnel(index);
      await this.dp.synchronize();
      this.stack.tables.reclaim();
      return this.ifconfigEntry(index);
    });
  }

  /**
   * `ifconfig NAME destroy` (a vlan, gif or bridge): unpublishes it (a bridge releases its members:
   * their frames stop entering it) and deletes its routes, waits a grace period, then frees its
   * neighbors, what was retired, a bridge's port slots, FDB and softc, and its slot. Returns how many
   * routes went with it.
   */
  ifDestroy(name: string): Promise<number> {
    return this.writer('ifconfig destroy', async () => {
      const { index, routes } = this.stack.unpublishInterface(name);
      await this.dp.synchronize();
      this.stack.freeInterface(index);
      return routes;
    });
  }

  // ---- bridges (brconfig) ---------------------------------------------------------------------------

  /** One bridge as `brconfig BRIDGE` shows it (its learned addresses swept of the expired, under the lock). */
  private brconfigEntry(name: string): BrconfigEntry {
    const { stack } = this;
    const b = stack.bridgeShow(name);
    const counters = stack.interfaceCounters();
    const index = this.ifIndex(name);
    return {
      name,
      index,
      up: stack.tables.ifs[index]!.up,
      maxaddr: b.maxaddr,
      timeout: b.timeout,
      count: b.count,
      members: b.members.map((m) => ({
        name: m.name,
        index: m.index,
        up: m.up,
        ...(counters[m.name] ?? { ipkts: 0, ibytes: 0, opkts: 0, obytes: 0, idrops: 0 }),
      })),
      addresses: b.entries
        .map((e) => ({ mac: formatMac(e.mac), port: e.port, age: Math.floor(e.age / 1000), static: e.static }))
        .sort((x, y) => (x.mac < y.mac ? -1 : x.mac > y.mac ? 1 : 0)),
    };
  }

  /** `brconfig [BRIDGE]`: one bridge, or every bridge. */
  brconfig(name?: string): Promise<BrconfigEntry[]> {
    return this.writer('brconfig', () => {
      if (name !== undefined) return [this.brconfigEntry(name)];
      return this.stack.bridges().map((b) => this.brconfigEntry(b));
    });
  }

  /** `brconfig BRIDGE add IF`: IF becomes a port under traffic (published last: IFF_BRPORT). */
  brAdd(name: string, member: string): Promise<BrconfigEntry> {
    return this.writer('brconfig add', () => {
      this.stack.bridgeAdd(name, member);
      return this.brconfigEntry(name);
    });
  }

  /**
   * `brconfig BRIDGE delete IF`: unpublishes the port (its frames stop entering the bridge, its
   * slot leaves the member list, the FDB forgets it), waits a grace period, then frees its slot.
   */
  brDelete(name: string, member: string): Promise<BrconfigEntry> {
    return this.writer('brconfig delete', async () => {
      const { index } = this.stack.bridgeUnpublishMember(name, member);
      await this.dp.synchronize();
      this.stack.bridgeFreeMember(name, index);
      return this.brconfigEntry(name);
    });
  }

  /** `brconfig BRIDGE flush` (learned entries), or `flushall` (static ones too). */
  brFlush(name: string, all = false): Promise<{ deleted: number }> {
    return this.writer('brconfig flush', () => ({ deleted: this.stack.bridgeFlush(name, all) }));
  }

  /** `brconfig BRIDGE static ADDR IF`: a static forwarding entry (never expires, never moves). */
  brStatic(name: string, address: string, member: string): Promise<BrconfigEntry> {
    return this.writer('brconfig static', () => {
      const mac = parseMac(address);
      if (!mac) throw new UserError(`'${address}' is not a MAC address (like 02:00:00:00:00:01)`);
      if ((mac[0]! & 1) !== 0) throw new UserError(`${address} is a group address: a static entry names one station`);
      this.stack.bridgeStatic(name, mac, member);
      return this.brconfigEntry(name);
    });
  }

  /** `brconfig BRIDGE maxaddr N` and `timeout SECONDS`. */
  brLimits(name: string, maxaddr?: number, timeout?: number): Promise<BrconfigEntry> {
    return this.writer('brconfig limits', () => {
      if (maxaddr !== undefined && (!Number.isInteger(maxaddr) || maxaddr < 1 || maxaddr > 65536))
        throw new UserError(`maxaddr must be 1..65536, not ${maxaddr}`);
      if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0 || timeout > 1_000_000))
        throw new UserError(`timeout must be 0..1000000 seconds, not ${timeout}`);
      this.stack.bridgeLimits(name, maxaddr, timeout);
      return this.brconfigEntry(name);
    });
  }

  // ---- interrupts ---------------------------------------------------------------------------------

  intrctlList(): IntrctlListResult {
    return this.interrupts().list();
  }

  /** `intrctl affinity -i IRQ -c CPU`: the queue moves over without losing a frame. */
  affinity(irq: string, cpu: number): Promise<IntrctlListResult> {
    return this.writer('intrctl affinity', () => {
      this.interrupts().affinity(irq, cpu);
      return this.interrupts().list();
    });
  }

  /** `intrctl nointr -c CPU`. */
  nointr(cpu: number): Promise<IntrctlListResult> {
    return this.writer('intrctl nointr', () => {
      this.interrupts().nointr(cpu);
      return this.interrupts().list();
    });
  }

  /** `intrctl intr -c CPU`. */
  intr(cpu: number): Promise<IntrctlListResult> {
    return this.writer('intrctl intr', () => {
      this.interrupts().intr(cpu);
      return this.interrupts().list();
    });
  }

  // ---- statistics ---------------------------------------------------------------------------------

  netstatI(): NetstatIResult {
    return this.stats().netstatI();
  }

  netstatS(perCpu: boolean): NetstatSResult {
    return this.stats().netstatS(perCpu);
  }

  netstatM(): NetstatMResult {
    return this.stats().netstatM();
  }
}
