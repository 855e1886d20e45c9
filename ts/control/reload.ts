// Config reload (SIGHUP): the differences between the config in effect and a newly read one, applied
// through the control plane's own operations without stopping forwarding. What can change under
// traffic: inline routes, static neighbors, interface addresses, MTU and up/down, vlan, gif and
// bridge interfaces added or removed, bridge members and limits. Anything else (a physical interface added or removed, a driver, MAC,
// RSS or link setting, the flow cache, ICMP, ARP/ND or IP switches, the routes_file, the engine's
// busy polling, read as the CPUs start) needs a restart:
// such a reload is refused whole, nothing changed, and the message lists every such field.
//
// Order of application: what goes away first (routes, neighbors, addresses, vlans), then what
// comes (vlans, addresses, MTU and state, routes, neighbors), so a route never refers to an address
// or interface that is not there yet.
import { formatMac, formatPrefix, formatIP } from '../addr/addr.js';
import type { Config, InterfaceConfig, NeighborConfig, RouteSpec } from '../config/schema.js';
import type { ControlPlane } from './control-plane.js';

/** One change, applied by `run`, described by `what` (a line for the log). */
export interface ReloadStep {
  what: string;
  run(cp: ControlPlane): Promise<unknown>;
}

export interface ReloadPlan {
  /** fields whose change needs a restart: when any, the plan must not be applied */
  refused: string[];
  steps: ReloadStep[];
}

/** Where a value was written, not what it is: left out of comparisons. */
const WHERE = new Set(['file', 'line', 'places', 'field', 'warnings', 'index']);

/** A value as comparable text: byte arrays as hex, without where-it-was-written fields. */
function key(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => {
    if (WHERE.has(k)) return undefined;
    if (x instanceof Uint8Array) return Buffer.from(x).toString('hex');
    return x;
  });
}

const routeKey = (r: RouteSpec) => formatPrefix(r.dst, r.plen);
const neighborKey = (n: NeighborConfig) => `${formatIP(n.address)} ${n.dev}`;

/** The interface fields that can change under traffic: everything else must stay as it is. */
const LIVE_FIELDS = new Set(['addresses', 'mtu', 'up']);

export function planReload(cur: Config, next: Config): ReloadPlan {
  const refused: string[] = [];
  const gone: ReloadStep[] = [];
  const come: ReloadStep[] = [];
  /** tunnels last: their source may be an address this reload adds */
  const last: ReloadStep[] = [];

  for (const f of ['ipflow', 'icmp', 'arp', 'nd', 'fastforward', 'ip', 'fib', 'routesFile', 'engine'] as const)
    if (key(cur[f]) !== key(next[f])) refused.push(f === 'routesFile' ? 'routes_file' : f);

  const byName = (l: InterfaceConfig[]) => new Map(l.map((i) => [i.name, i]));
  const a = byName(cur.interfaces);
  const b = byName(next.interfaces);
  for (const [name, i] of a) {
    const j = b.get(name);
    if (!j) {
      if (i.vlan || i.gif || i.bridge) gone.push({ what: `ifconfig ${name} destroy`, run: (cp) => cp.ifDestroy(name) });
      else refused.push(`interfaces: ${name} removed (a physical interface)`);
      continue;
    }
    if (!i.vlan !== !j.vlan) {
      refused.push(`interfaces: ${name} changed between vlan and physical`);
      continue;
    }
    if (!i.gif !== !j.gif) {
      refused.push(`interfaces: ${name} changed between gif and another kind`);
      continue;
    }
    let fixed = Object.keys(i).filter(
      (f) =>
        !LIVE_FIELDS.has(f) &&
        !WHERE.has(f) &&
        key((i as unknown as Record<string, unknown>)[f]) !== key((j as unknown as Record<string, unknown>)[f]),
    );
    if (i.vlan && fixed.length === 1 && fixed[0] === 'vlan') {
      // a vlan moved to another tag or parent: the same as destroy and create
      gone.push({ what: `ifconfig ${name} destroy`, run: (cp) => cp.ifDestroy(name) });
      come.push(...createVlan(j));
      continue;
    }
    if (i.bridge && j.bridge && fixed.length === 1 && fixed[0] === 'bridge') {
      // bridge(4) members and limits change under traffic, as brconfig changes them
      const [ib, jb] = [i.bridge, j.bridge];
      for (const m of ib.members)
        if (!jb.members.includes(m))
          gone.push({ what: `brconfig ${name} delete ${m}`, run: (cp) => cp.brDelete(name, m) });
      for (const m of jb.members)
        if (!ib.members.includes(m)) come.push({ what: `brconfig ${name} add ${m}`, run: (cp) => cp.brAdd(name, m) });
      if (ib.maxaddr !== jb.maxaddr || ib.timeout !== jb.timeout)
        come.push({
          what: `brconfig ${name} maxaddr ${jb.maxaddr} timeout ${jb.timeout}`,
          run: (cp) => cp.brLimits(name, jb.maxaddr, jb.timeout),
        });
      fixed.length = 0;
    }
    if (i.gif && j.gif && fixed.includes('gif') && i.gif.ttl === j.gif.ttl) {
      // a gif's tunnel moved: `ifconfig NAME tunnel SRC DST` (the old one goes after a grace period)
      fixed = fixed.filter((f) => f !== 'gif');
      last.push(tunnelStep(j));
    }
    for (const f of fixed) refused.push(`interfaces: ${name}.${f}`);
    const ai = new Set(i.addresses.map((x) => x.text));
    const bi = new Set(j.addresses.map((x) => x.text));
    for (const x of i.addresses)
      if (!bi.has(x.text))
        gone.push({
          what: `ifconfig ${name} ${x.family === 4 ? 'inet' : 'inet6'} ${x.text} delete`,
          run: (cp) => cp.ifAddressDelete(name, x.text),
        });
    for (const x of j.addresses)
      if (!ai.has(x.text))
        come.push({
          what: `ifconfig ${name} ${x.family === 4 ? 'inet' : 'inet6'} ${x.text} alias`,
          run: (cp) => cp.ifAddressAdd(name, x.text),
        });
    if (i.mtu !== j.mtu) come.push({ what: `ifconfig ${name} mtu ${j.mtu}`, run: (cp) => cp.ifMtu(name, j.mtu) });
    if (i.up !== j.up)
      come.push({ what: `ifconfig ${name} ${j.up ? 'up' : 'down'}`, run: (cp) => cp.ifUp(name, j.up) });
  }
  for (const [name, j] of b) {
    if (a.has(name)) continue;
    if (j.vlan) come.unshift(...createVlan(j));
    else if (j.gif) {
      come.unshift(
        ...createIf(j, { what: `ifconfig ${j.name} create`, run: (cp) => cp.ifCreateGif(j.name, j.gif!.ttl) }),
      );
      last.push(tunnelStep(j));
    } else if (j.bridge) come.unshift(...createBridge(j));
    else refused.push(`interfaces: ${name} added (a physical interface)`);
  }

  const ra = new Map(cur.routes.map((r) => [routeKey(r), r]));
  const rb = new Map(next.routes.map((r) => [routeKey(r), r]));
  for (const [k, r] of ra)
    if (!rb.has(k))
      gone.unshift({
        what: `route delete ${k}`,
        run: (cp) => cp.routeDelete([{ family: r.family, dst: r.dst, plen: r.plen }]),
      });
  for (const [k, r] of rb) {
    const old = ra.get(k);
    if (!old) come.push({ what: `route add ${k}`, run: (cp) => cp.routeAdd(r) });
    else if (key(old) !== key(r)) come.push({ what: `route change ${k}`, run: (cp) => cp.routeChange(r) });
  }

  const na = new Map(cur.neighbors.map((n) => [neighborKey(n), n]));
  const nb = new Map(next.neighbors.map((n) => [neighborKey(n), n]));
  for (const [k, n] of na)
    if (!nb.has(k)) gone.unshift({ what: `neighbor delete ${k}`, run: (cp) => cp.neighborDelete(n.address, n.dev) });
  for (const [k, n] of nb)
    if (key(na.get(k)) !== key(n))
      come.push({
        what: `neighbor set ${k} ${formatMac(n.mac)}`,
        run: (cp) => cp.neighborSet(n.address, n.dev, n.mac),
      });

  return { refused, steps: [...gone, ...come, ...last] };
}

/** `ifconfig gifN tunnel SRC DST` for a gif of the new config. */
function tunnelStep(j: InterfaceConfig): ReloadStep {
  const [src, dst] = [formatIP(j.gif!.src), formatIP(j.gif!.dst)];
  return { what: `ifconfig ${j.name} tunnel ${src} ${dst}`, run: (cp) => cp.ifTunnel(j.name, src, dst) };
}

/** A vlan the new config adds: created, then its addresses, MTU and state. */
function createVlan(j: InterfaceConfig): ReloadStep[] {
  const v = j.vlan!;
  return createIf(j, {
    what: `ifconfig ${j.name} create vlan ${v.id} vlanif ${v.parent}`,
    run: (cp) => cp.ifCreateVlan(j.name, v.parent, v.id),
  });
}

/**
 * A bridge the new config adds: `ifconfig NAME create` with its limits, its members (after the
 * `gone` steps took their addresses away), then its addresses, MTU and state.
 */
function createBridge(j: InterfaceConfig): ReloadStep[] {
  const br = j.bridge!;
  const [first, ...rest] = createIf(j, {
    what: `ifconfig ${j.name} create`,
    run: (cp) => cp.ifCreateBridge(j.name, { maxaddr: br.maxaddr, timeout: br.timeout }),
  });
  const members = br.members.map(
    (m): ReloadStep => ({ what: `brconfig ${j.name} add ${m}`, run: (cp) => cp.brAdd(j.name, m) }),
  );
  return [first!, ...members, ...rest];
}

/** An interface the new config adds (vlan, gif or bridge): `create`, then its addresses, MTU and state. */
function createIf(j: InterfaceConfig, create: ReloadStep): ReloadStep[] {
  const steps: ReloadStep[] = [create];
  for (const x of j.addresses)
    steps.push({
      what: `ifconfig ${j.name} ${x.family === 4 ? 'inet' : 'inet6'} ${x.text} alias`,
      run: (cp) => cp.ifAddressAdd(j.name, x.text),
    });
  steps.push({ what: `ifconfig ${j.name} mtu ${j.mtu}`, run: (cp) => cp.ifMtu(j.name, j.mtu) });
  if (!j.up) steps.push({ what: `ifconfig ${j.name} down`, run: (cp) => cp.ifUp(j.name, false) });
  return steps;
}

/**
 * Applies a plan step by step; stops at the first failure. Returns the lines of what was done, and
 * the error with how far it got.
 */
export async function applyReload(
  cp: ControlPlane,
  plan: ReloadPlan,
): Promise<{ done: string[]; error: string | null }> {
  const done: string[] = [];
  for (const s of plan.steps) {
    try {
      await s.run(cp);
      done.push(s.what);
    } catch (err) {
      return { done, error: `${s.what}: ${(err as Error).message}` };
    }
  }
  return { done, error: null };
}
