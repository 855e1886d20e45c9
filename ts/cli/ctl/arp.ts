// `mpstack arp` and `mpstack ndp` against a running engine, in NetBSD's words: `-a` lists the
// neighbor cache (`arp -a` lines, the `ndp -a` table), `-d ADDR` deletes an entry, `-s ADDR MAC [IF]`
// adds a static one (arp finds the interface from the address's network when none is named; ndp
// needs it, as link-local addresses are per interface). -n is accepted: addresses are never
// resolved to names here.
import { formatArpLine, formatNdpTable } from '../../control/types.js';
import { UserError } from '../../errors.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

export interface NeighborCmdOptions extends CtlOptions {
  a?: boolean;
  n?: boolean;
  d?: boolean;
  s?: boolean;
}

export async function neighborCommand(tool: 'arp' | 'ndp', args: string[], o: NeighborCmdOptions): Promise<void> {
  const family = tool === 'arp' ? 4 : 6;
  const modes = [o.a, o.d, o.s].filter(Boolean).length;
  if (modes !== 1)
    throw new UserError(`${tool}: give one of -a, -d ADDR, -s ADDR MAC${tool === 'arp' ? ' [IF]' : ' IF'}`);
  if (o.a) {
    if (args.length) throw new UserError(`${tool} -a takes no arguments`);
    const r = await withControl(o, (c) => c.call('neighbor.list', { family }));
    if (o.json) printJson(r.neighbors);
    else if (tool === 'arp') process.stdout.write(r.neighbors.map((e) => formatArpLine(e) + '\n').join(''));
    else process.stdout.write(formatNdpTable(r.neighbors));
    return;
  }
  if (o.d) {
    if (args.length < 1 || args.length > 2) throw new UserError(`${tool} -d ADDR [IF]`);
    const [address, ifname] = args as [string, string | undefined];
    const r = await withControl(o, (c) =>
      c.call('neighbor.delete', ifname !== undefined ? { address, if: ifname } : { address }),
    );
    if (o.json) printJson(r);
    return;
  }
  if (args.length < (tool === 'ndp' ? 3 : 2) || args.length > 3) {
    throw new UserError(`${tool} -s ADDR MAC${tool === 'arp' ? ' [IF]' : ' IF'}`);
  }
  const [address, mac, ifname] = args as [string, string, string | undefined];
  const r = await withControl(o, (c) =>
    c.call('neighbor.set', ifname !== undefined ? { address, mac, if: ifname } : { address, mac }),
  );
  if (o.json) printJson(r.neighbors);
}
