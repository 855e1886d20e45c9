// `mpstack route add | delete | show | get` against a running engine, in iproute2's words:
// `route add` takes the rest of an `ip route add` line, `show` prints like `ip route show`, `get`
// answers like `ip route get` (and exits 2 for an unreachable address, as it does). (`mpstack route
// lookup` is the offline twin over a config file.)
import { ROUTE_UNREACHABLE_STATUS, routeGetReachable } from '../../control/route-text.js';
import { UserError } from '../errors.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

export interface FamilyOptions {
  '4'?: boolean;
  '6'?: boolean;
}

function family(o: FamilyOptions): 4 | 6 | undefined {
  if (o['4'] && o['6']) throw new UserError('-4 and -6 exclude each other');
  return o['4'] ? 4 : o['6'] ? 6 : undefined;
}

/** `route add 203.0.113.0/24 via 198.51.100.254 [dev wm1]`: silent on success, as `ip route add`. */
export async function routeAddCommand(words: string[], o: CtlOptions): Promise<void> {
  const r = await withControl(o, (c) => c.call('route.add', { line: words.join(' ') }));
  if (o.json) printJson(r.route);
}

export async function routeDeleteCommand(dst: string, o: CtlOptions & FamilyOptions): Promise<void> {
  const fam = family(o);
  const r = await withControl(o, (c) => c.call('route.delete', fam ? { dst, family: fam } : { dst }));
  if (o.json) printJson(r.route);
}

export async function routeShowCommand(o: CtlOptions & FamilyOptions): Promise<void> {
  const fam = family(o);
  const r = await withControl(o, (c) => c.call('route.show', fam ? { family: fam } : {}));
  if (o.json) printJson(r.routes);
  else process.stdout.write(r.routes.map((x) => x.text + '\n').join(''));
}

/**
 * `route get ADDRESS`: the line (or with --json the object: dst, family, prefix, type, gateway, dev,
 * line). Exit status 0 when the address is reachable, 2 when no route covers it or its route is a
 * reject route (blackhole, unreachable, prohibit), as `ip route get` exits (route-text.ts).
 */
export async function routeGetCommand(address: string, o: CtlOptions): Promise<void> {
  const r = await withControl(o, (c) => c.call('route.get', { address }));
  if (o.json) printJson(r);
  else process.stdout.write(r.line + '\n');
  if (!routeGetReachable(r)) process.exitCode = ROUTE_UNREACHABLE_STATUS;
}
