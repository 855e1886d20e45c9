// `mpstack brconfig`: NetBSD's brconfig(8) against a running engine — show a bridge (its members with
// their per-port counters, its address cache with each entry's port and age), add and delete members
// under traffic, flush the learned addresses, set static ones and the cache's limits.
//
//   mpstack brconfig [BRIDGE]                 show one bridge, or every bridge
//   mpstack brconfig BRIDGE add IF            IF becomes a member (it must carry no addresses)
//   mpstack brconfig BRIDGE delete IF         returns once no CPU can still be sending by it
//   mpstack brconfig BRIDGE flush | flushall  forget the learned addresses (flushall: static ones too)
//   mpstack brconfig BRIDGE static ADDR IF    ADDR is behind IF, for good
//   mpstack brconfig BRIDGE maxaddr N | timeout SECONDS
import type { BrconfigEntry } from '../../host/control-protocol.js';
import { UserError } from '../errors.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

/** brconfig(8)'s listing of one bridge. */
export function formatBrconfig(b: BrconfigEntry): string {
  const lines = [
    `${b.name}: flags=<${b.up ? 'UP' : 'DOWN'}> (no spanning tree)`,
    '\tInterfaces:',
    ...b.members.map(
      (m) =>
        `\t\t${m.name} flags=<${m.up ? 'UP,' : ''}LEARNING,DISCOVER> in ${m.ipkts} pkts ${m.ibytes} bytes, out ${m.opkts} pkts ${m.obytes} bytes, ${m.idrops} drops`,
    ),
    `\tAddress cache (max cache: ${b.maxaddr}, timeout: ${b.timeout}, ${b.count} in use):`,
    ...b.addresses.map(
      (a) => `\t\t${a.mac} ${a.port} ${a.static ? '-' : `age ${a.age}s`} flags=<${a.static ? 'STATIC' : 'DYNAMIC'}>`,
    ),
  ];
  return lines.join('\n');
}

const int = (s: string | undefined, what: string): number => {
  if (s === undefined || !/^\d+$/.test(s)) throw new UserError(`brconfig: ${what} needs a number, not '${s ?? ''}'`);
  return Number(s);
};

export async function brconfigCommand(bridge: string | undefined, change: string[], o: CtlOptions): Promise<void> {
  const [verb, a1, a2] = change;
  const need = (n: number) => {
    if (change.length !== n + 1)
      throw new UserError(`brconfig ${bridge} ${verb}: expected ${n} argument${n === 1 ? '' : 's'}`);
  };
  const show = (bs: BrconfigEntry[]) => {
    if (o.json) printJson({ bridges: bs });
    else if (bs.length === 0) process.stdout.write('no bridges\n');
    else process.stdout.write(`${bs.map(formatBrconfig).join('\n')}\n`);
  };
  if (verb === undefined) {
    show((await withControl(o, (c) => c.call('brconfig', bridge === undefined ? {} : { bridge }))).bridges);
    return;
  }
  const br = bridge!;
  switch (verb) {
    case 'add':
    case 'delete': {
      need(1);
      show(
        (
          await withControl(o, (c) =>
            c.call(verb === 'add' ? 'brconfig.add' : 'brconfig.delete', { bridge: br, if: a1! }),
          )
        ).bridges,
      );
      return;
    }
    case 'flush':
    case 'flushall': {
      need(0);
      const r = await withControl(o, (c) => c.call('brconfig.flush', { bridge: br, all: verb === 'flushall' }));
      if (o.json) printJson(r);
      else process.stdout.write(`${br}: ${r.deleted} address${r.deleted === 1 ? '' : 'es'} flushed\n`);
      return;
    }
    case 'static': {
      need(2);
      show((await withControl(o, (c) => c.call('brconfig.static', { bridge: br, address: a1!, if: a2! }))).bridges);
      return;
    }
    case 'maxaddr':
    case 'timeout': {
      need(1);
      const args = verb === 'maxaddr' ? { maxaddr: int(a1, verb) } : { timeout: int(a1, verb) };
      show((await withControl(o, (c) => c.call('brconfig.limits', { bridge: br, ...args }))).bridges);
      return;
    }
    default:
      throw new UserError(
        `brconfig: unknown command '${verb}' (add IF | delete IF | flush | flushall | static ADDR IF | maxaddr N | timeout SECONDS)`,
      );
  }
}
