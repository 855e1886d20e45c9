// Routes as iproute2 prints them, in one place: `ip route show` lines (routeEntry, for route show,
// add and delete) and `ip route get` lines (routeGetLine, for route get and the offline
// `mpstack route lookup`). Both read the tables under the writer lock (their keys go through the
// writer's scratch memory).
import { formatIP, formatPrefix } from '../addr/addr.js';
import type { Stack } from '../stack/stack.js';
import type { Nexthop } from '../stack/tables.js';
import type { RouteEntry } from './types.js';

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
 * `ip route get` for one address, as the data path answers it: `ADDRESS PREFIX via GW dev IF`,
 * `ADDRESS PREFIX dev IF`, `ADDRESS PREFIX local|broadcast dev IF`, `ADDRESS PREFIX blackhole|…`, or
 * `ADDRESS unreachable` when no route covers it. `text` is the address as the user wrote it.
 * The answer comes from the data path's lookup (the compiled FIB unless `fib: radix`); the RIB
 * match supplies the prefix, and the two must agree (a disagreement is a bug and throws).
 */
export function routeGetLine(stack: Stack, text: string, bytes: Uint8Array): string {
  const m = stack.tables.matchRoute(bytes);
  const id =
    bytes.length === 4
      ? stack.tables.lookupNexthop4(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0))
      : stack.tables.lookupNexthop6(bytes);
  if (id !== (m?.nh.id ?? 0)) {
    throw new Error(`${stack.fib} FIB answers nexthop ${id} for ${text}, the radix tree ${m?.nh.id ?? 0}`);
  }
  if (!m) return `${text} unreachable`;
  const prefix = formatPrefix(m.prefix, m.plen);
  const nh = m.nh;
  const dev = stack.ifName(nh.ifindex);
  switch (nh.kind) {
    case 'unicast':
      return nh.gw ? `${text} ${prefix} via ${formatIP(nh.gw)} dev ${dev}` : `${text} ${prefix} dev ${dev}`;
    case 'local':
    case 'broadcast':
      return `${text} ${prefix} ${nh.kind} dev ${dev}`;
    default:
      return `${text} ${prefix} ${nh.kind}`;
  }
}
