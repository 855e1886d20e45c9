// Routes as iproute2 prints them, in one place: `ip route show` lines (routeEntry, for route show,
// add and delete) and `ip route get` answers (routeGet: the line and its parts as `ip -j route get`
// names them, for route get and the offline `mpstack route lookup`). Both read the tables under the
// writer lock (their keys go through the writer's scratch memory).
import { formatIP, formatPrefix } from '../addr/addr.js';
import type { Stack } from '../stack/stack.js';
import type { Nexthop } from '../stack/tables.js';
import type { RouteEntry, RouteGetResult } from './types.js';

/** How iproute2 prints a destination: 'default', a bare address for a host route, else a prefix. */
export function routeDst(prefix: Uint8Array, plen: number): string {
  if (plen === 0) return 'default';
  return plen === prefix.length * 8 ? formatIP(prefix) : formatPrefix(prefix, plen);
}

/** The interface a nexthop leaves by, or null for a reject route (blackhole, unreachable, prohibit). */
function nexthopDev(stack: Stack, nh: Nexthop): string | null {
  return nh.kind === 'unicast' || nh.kind === 'local' || nh.kind === 'broadcast' ? stack.ifName(nh.ifindex) : null;
}

/** A route as `ip route show` prints it, with its parts. */
export function routeEntry(stack: Stack, family: 4 | 6, prefix: Uint8Array, plen: number, nh: Nexthop): RouteEntry {
  const dst = routeDst(prefix, plen);
  const dev = nexthopDev(stack, nh);
  const via = nh.gw ? formatIP(nh.gw) : null;
  let text: string;
  switch (nh.kind) {
    case 'unicast':
      text = `${dst}${via ? ` via ${via}` : ''} dev ${dev}`;
      break;
    case 'local':
    case 'broadcast':
      text = `${nh.kind} ${dst} dev ${dev}`;
      break;
    default:
      text = `${nh.kind} ${dst}`;
  }
  if (nh.mtu) text += ` mtu ${nh.mtu}`;
  return { family, dst, type: nh.kind, via, dev, mtu: nh.mtu, text };
}

/**
 * `ip route get` for one address, as the data path answers it. The line reads `ADDRESS PREFIX via GW
 * dev IF`, `ADDRESS PREFIX dev IF`, `ADDRESS PREFIX local|broadcast dev IF`, `ADDRESS PREFIX
 * blackhole|unreachable|prohibit`, or `ADDRESS unreachable` when no route covers it, where `text` is
 * the address as the user wrote it; the parts are as `ip -j route get` names them (see
 * RouteGetResult). The answer comes from the data path's lookup (the compiled FIB unless
 * `fib: radix`); the RIB match supplies the prefix, and the two must agree (a disagreement is a bug
 * and throws).
 */
export function routeGet(stack: Stack, text: string, bytes: Uint8Array): RouteGetResult {
  const m = stack.tables.matchRoute(bytes);
  const id =
    bytes.length === 4
      ? stack.tables.lookupNexthop4(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0))
      : stack.tables.lookupNexthop6(bytes);
  if (id !== (m?.nh.id ?? 0)) {
    throw new Error(`${stack.fib} FIB answers nexthop ${id} for ${text}, the radix tree ${m?.nh.id ?? 0}`);
  }
  const dst = formatIP(bytes);
  const family = bytes.length === 4 ? 4 : 6;
  if (!m) return { dst, family, prefix: null, type: null, gateway: null, dev: null, line: `${text} unreachable` };
  const prefix = formatPrefix(m.prefix, m.plen);
  const nh = m.nh;
  const dev = nexthopDev(stack, nh);
  const gateway = nh.kind === 'unicast' && nh.gw ? formatIP(nh.gw) : null;
  let line: string;
  switch (nh.kind) {
    case 'unicast':
      line = gateway ? `${text} ${prefix} via ${gateway} dev ${dev}` : `${text} ${prefix} dev ${dev}`;
      break;
    case 'local':
    case 'broadcast':
      line = `${text} ${prefix} ${nh.kind} dev ${dev}`;
      break;
    default:
      line = `${text} ${prefix} ${nh.kind}`;
  }
  return { dst, family, prefix, type: nh.kind, gateway, dev, line };
}

/** routeGet's line alone. */
export function routeGetLine(stack: Stack, text: string, bytes: Uint8Array): string {
  return routeGet(stack, text, bytes).line;
}

/**
 * The exit status of `mpstack route get` and `route lookup` when an address is unreachable: 2, as
 * iproute2's `ip route get` exits when the kernel answers with an error. The kernel answers an error
 * for no route ("Network is unreachable") and for each reject route (unreachable: "No route to
 * host", blackhole: "Invalid argument", prohibit: "Permission denied"), so those are unreachable
 * here too; a unicast, local or broadcast route is reachable.
 */
export const ROUTE_UNREACHABLE_STATUS = 2;

/** Whether a packet to the address is forwarded or ours (a unicast, local or broadcast route). */
export function routeGetReachable(r: RouteGetResult): boolean {
  return r.type === 'unicast' || r.type === 'local' || r.type === 'broadcast';
}
