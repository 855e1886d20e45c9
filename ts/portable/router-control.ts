// The control half of createRouter's routers, shared by both modes: routes, addresses, interfaces,
// neighbors and counters as plain methods, each one of the control plane's operations
// (ts/control/control-plane.ts), so a router changes its tables exactly as `mpstack route …`,
// `ifconfig …` do on a running instance, under the same writer lock and with the same messages
// (UserError) for bad input. The single-threaded Router (router.ts) runs them over a local stack,
// the multi-CPU MpRouter (router-mp.ts) over the running machine, whose grace periods wait for
// its CPUs.
import { type ControlPlane, parseRouteKey, parseRouteLine } from '../control/control-plane.js';
import type { BrconfigEntry, IfconfigEntry, RouteEntry, RouteGetResult } from '../control/types.js';
import { UserError } from '../errors.js';
import { parseIP, parseMac } from '../addr/addr.js';
import type { Stack } from '../stack/stack.js';

export abstract class RouterControl {
  /** the control plane: the same operations as `mpstack route`, `ifconfig` (see ControlPlane) */
  abstract readonly control: ControlPlane;

  /** the tables and kernels the router runs (internal: its shape may change) */
  get stack(): Stack {
    return this.control.stack;
  }

  /** Routes, as `mpstack route …` handles them. */
  readonly routes = {
    /** `203.0.113.0/24 via 198.51.100.254 [dev wm1] [mtu N]`, `blackhole 198.18.0.0/15`, … */
    add: (line: string): Promise<RouteEntry> => this.control.routeAdd(parseRouteLine(this.stack, line)),
    change: (line: string): Promise<RouteEntry> => this.control.routeChange(parseRouteLine(this.stack, line)),
    /** a prefix or `default` (IPv4 unless family is 6); resolves once no reader can still use it */
    delete: async (dst: string, family?: 4 | 6): Promise<RouteEntry> =>
      (await this.control.routeDelete([parseRouteKey(dst, family)]))[0]!,
    get: (address: string): Promise<RouteGetResult> => this.control.routeGet(address),
    list: (family?: 4 | 6): Promise<RouteEntry[]> => this.control.routeShow(family),
  };

  /** Interface addresses, as `mpstack ifconfig IF inet …` handles them. */
  readonly addresses = {
    /** adds ADDR/LEN (an alias) */
    add: (ifname: string, prefix: string): Promise<IfconfigEntry> => this.control.ifAddressAdd(ifname, prefix),
    /** replaces the primary address of that family, as `ifconfig IF inet ADDR/LEN` */
    set: (ifname: string, prefix: string): Promise<IfconfigEntry> => this.control.ifAddressSet(ifname, prefix),
    delete: (ifname: string, address: string): Promise<IfconfigEntry> => this.control.ifAddressDelete(ifname, address),
    list: (ifname: string): string[] => this.control.ifconfig(ifname)[0]!.addresses,
  };

  /** Interfaces: list, up/down, MTU, vlans and bridges created and destroyed under traffic. */
  readonly interfaces = {
    list: (): IfconfigEntry[] => this.control.ifconfig(),
    up: (ifname: string): Promise<IfconfigEntry> => this.control.ifUp(ifname, true),
    down: (ifname: string): Promise<IfconfigEntry> => this.control.ifUp(ifname, false),
    mtu: (ifname: string, mtu: number): Promise<IfconfigEntry> => this.control.ifMtu(ifname, mtu),
    createVlan: (name: string, parent: string, vid: number): Promise<IfconfigEntry> =>
      this.control.ifCreateVlan(name, parent, vid),
    /** a bridge(4) with no members (`bridges.add` gives it some), brconfig's default limits unless given */
    createBridge: (name: string, limits?: { maxaddr: number; timeout: number }): Promise<IfconfigEntry> =>
      this.control.ifCreateBridge(name, limits),
    /** a vlan, gif or bridge (its members released); resolves with how many routes went with it */
    destroy: (name: string): Promise<number> => this.control.ifDestroy(name),
  };

  /** bridge(4)s (configured with `bridge:` or made by `interfaces.createBridge`), as `mpstack brconfig` handles them. */
  readonly bridges = {
    /** one bridge (members with per-port counters, the address cache), or every bridge */
    list: (bridge?: string): Promise<BrconfigEntry[]> => this.control.brconfig(bridge),
    /** makes `ifname` (with no addresses of its own) a member */
    add: (bridge: string, ifname: string): Promise<BrconfigEntry> => this.control.brAdd(bridge, ifname),
    /** takes a member off the bridge, after a grace period */
    delete: (bridge: string, ifname: string): Promise<BrconfigEntry> => this.control.brDelete(bridge, ifname),
    /** forgets the learned addresses (`all`: the static ones too); resolves with how many went */
    flush: async (bridge: string, all = false): Promise<number> => (await this.control.brFlush(bridge, all)).deleted,
    /** a static address-cache entry: `mac` is behind member `ifname` */
    static: (bridge: string, mac: string, ifname: string): Promise<BrconfigEntry> =>
      this.control.brStatic(bridge, mac, ifname),
  };

  /** Static neighbor entries (ARP/NDP), as the config's `neighbors`. */
  readonly neighbors = {
    set: (address: string, ifname: string, mac: string): Promise<void> => {
      const ip = parseIP(address);
      const m = parseMac(mac);
      if (!ip) return Promise.reject(new UserError(`'${address}' is not an IPv4 or IPv6 address`));
      if (!m) return Promise.reject(new UserError(`'${mac}' is not a MAC address`));
      return this.control.neighborSet(ip.bytes, ifname, m);
    },
    delete: (address: string, ifname: string): Promise<boolean> => {
      const ip = parseIP(address);
      if (!ip) return Promise.reject(new UserError(`'${address}' is not an IPv4 or IPv6 address`));
      return this.control.neighborDelete(ip.bytes, ifname);
    },
  };

  /** Every counter by name (frames per path, drops per reason, …), as `netstat -s` shows them. */
  counters(): Record<string, number> {
    return this.stack.counters();
  }

  /** Per-interface packets and bytes in and out, as `netstat -i` shows them. */
  interfaceCounters(): ReturnType<Stack['interfaceCounters']> {
    return this.stack.interfaceCounters();
  }
}
