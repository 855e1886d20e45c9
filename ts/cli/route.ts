// `mpstack route lookup`: answers like `ip route get` from the config's routing table.
import { readInputFile } from '../config/files.js';
import type { FibBackend } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import type { Stack } from '../stack/stack.js';
import { formatIP, formatPrefix, parseIP } from '../addr/addr.js';
import { buildStack, loadConfigWarn } from './build-stack.js';
import { UserError } from './errors.js';

export interface RouteLookupOptions { config: string; engine: KernelImpl; fib?: FibBackend; addresses?: string }

/** One answer line: ADDRESS PREFIX [via GW] dev IF | ADDRESS PREFIX local|broadcast dev IF | ADDRESS PREFIX blackhole|unreachable|prohibit | ADDRESS unreachable */
export function lookupLine(stack: Stack, text: string, bytes: Uint8Array): string {
  const m = stack.tables.matchRoute(bytes);
  // the answer comes from the data path's lookup (the compiled FIB unless --fib radix); the RIB
  // match supplies the prefix, and the two must agree
  const id = bytes.length === 4
    ? stack.tables.lookupNexthop4(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0))
    : stack.tables.lookupNexthop6(bytes);
  if (id !== (m?.nh.id ?? 0)) throw new Error(`${stack.fib} FIB answers nexthop ${id} for ${text}, the radix tree ${m?.nh.id ?? 0}`);
  if (!m) return `${text} unreachable`;
  const prefix = formatPrefix(m.prefix, m.plen);
  const nh = m.nh;
  const dev = stack.ifName(nh.ifindex);
  switch (nh.kind) {
    case 'unicast': return nh.gw ? `${text} ${prefix} via ${formatIP(nh.gw)} dev ${dev}` : `${text} ${prefix} dev ${dev}`;
    case 'local':
    case 'broadcast': return `${text} ${prefix} ${nh.kind} dev ${dev}`;
    default: return `${text} ${prefix} ${nh.kind}`;
  }
}

function readAddresses(o: RouteLookupOptions, args: string[]): { text: string; bytes: Uint8Array }[] {
  const out: { text: string; bytes: Uint8Array }[] = [];
  const add = (s: string, where: string) => {
    const a = parseIP(s);
    if (!a) throw new UserError(`${where}: '${s}' is not an IPv4 or IPv6 address`);
    out.push({ text: s, bytes: a.bytes });
  };
  args.forEach((s, i) => add(s, `argument ${i + 1}`));
  if (o.addresses) {
    const file = o.addresses;
    new TextDecoder().decode(readInputFile(file, (why) => { throw new UserError(`--addresses ${file}: ${why}`); })).split(/\r?\n/).forEach((line, i) => {
      const s = line.replace(/#.*/, '').trim();
      if (s) add(s, `${o.addresses}:${i + 1}`);
    });
  }
  if (out.length === 0) throw new UserError('route lookup: give addresses as arguments or with --addresses FILE');
  return out;
}

export function routeLookupCommand(args: string[], o: RouteLookupOptions): void {
  const addrs = readAddresses(o, args);
  const stack = buildStack(loadConfigWarn(o.config), o.engine, 16, o.fib);
  const lines = addrs.map((a) => lookupLine(stack, a.text, a.bytes));
  process.stdout.write(lines.join('\n') + '\n');
}
