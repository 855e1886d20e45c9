// `mpstack route lookup`: answers like `ip route get` from the config's routing table, one line (or
// with --json one object) per address, every address answered. The exit status is 2 when any of
// them was unreachable (no route, or a reject route), as `ip -batch` reports a failed command after
// running them all, and as `route get` exits for its one address; 0 when every one was reachable.
import { readInputFile } from '../config/files.js';
import type { FibBackend } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import { parseIP } from '../addr/addr.js';
import { ROUTE_UNREACHABLE_STATUS, routeGet, routeGetReachable } from '../control/route-text.js';
import { buildStack, loadConfigWarn } from './build-stack.js';
import { UserError } from './errors.js';

export interface RouteLookupOptions {
  config: string;
  engine: KernelImpl;
  fib?: FibBackend;
  addresses?: string;
  /** one JSON array of route get objects (RouteGetResult) instead of lines */
  json?: boolean;
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
    new TextDecoder()
      .decode(
        readInputFile(file, (why) => {
          throw new UserError(`--addresses ${file}: ${why}`);
        }),
      )
      .split(/\r?\n/)
      .forEach((line, i) => {
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
  // lookups key the tables through the writer's scratch memory: a reader of the control plane
  const answers = stack.tables.wlock.runSync('route lookup', () => addrs.map((a) => routeGet(stack, a.text, a.bytes)));
  if (o.json) process.stdout.write(JSON.stringify(answers, null, 2) + '\n');
  else process.stdout.write(answers.map((r) => r.line).join('\n') + '\n');
  if (!answers.every(routeGetReachable)) process.exitCode = ROUTE_UNREACHABLE_STATUS;
}
