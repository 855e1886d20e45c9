// `mpstack ifconfig [IF [up | down | inet ADDR/LEN [alias] | inet ADDR[/LEN] -alias | inet ADDR[/LEN]
// delete | mtu N | create vlan VID vlanif PARENT | create | tunnel SRC DST | deletetunnel | destroy]]`
// (inet6 as inet) against a running engine: show one or every interface, change one, or create and
// destroy vlan, gif and bridge interfaces (and give a gif its tunnel), in the
// manner of NetBSD's ifconfig(8): `inet ADDR/LEN` replaces the primary address of its kind (IPv4,
// global IPv6, link-local), `alias` adds one, `-alias` and `delete` remove one.
import type { IfconfigEntry } from '../../host/control-protocol.js';
import { formatIP, parseIP, parsePrefix } from '../../addr/addr.js';
import { UserError } from '../errors.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

/** The IPv4 directed broadcast of an address/plen, or null (IPv6, /31, /32, unparsable). */
function broadcast(text: string): string | null {
  const p = parsePrefix(text);
  if (p?.family !== 4 || p.plen >= 31) return null;
  return formatIP(p.bytes.map((b, j) => b | ((0xff >> Math.max(0, Math.min(8, p.plen - 8 * j))) & 0xff)));
}

/** One interface as ifconfig(8) shows it: flags and mtu, then one detail per line. */
export function formatIfconfig(e: IfconfigEntry): string {
  const lines = [`${e.name}: flags=<${e.flags.join(',')}> mtu ${e.mtu}`];
  if (e.tunnel === undefined) lines.push(`\taddress: ${e.mac}`); // a gif has no link-layer address
  if (e.vlan) lines.push(`\tvlan: ${e.vlan.id} parent: ${e.vlan.parent}`);
  else if (e.tunnel !== undefined)
    lines.push(
      e.tunnel
        ? `\ttunnel ${e.tunnel.src.includes(':') ? 'inet6' : 'inet'} ${e.tunnel.src} --> ${e.tunnel.dst}  ttl ${e.tunnel.ttl}${e.tunnel.pmtu !== null && e.tunnel.pmtu !== undefined ? `  pmtu ${e.tunnel.pmtu}` : ''}`
        : '\ttunnel: none',
    );
  else
    lines.push(
      `\tqueues: ${e.queues} (rss ${e.rssUdp ? 'tcp+udp ports' : 'tcp ports'})  model: ${e.model ?? '-'}  driver: ${e.driver ?? '-'}`,
    );
  if (e.link) lines.push(...formatLink(e.link));
  for (const a of e.addresses) {
    const bc = broadcast(a);
    lines.push(a.includes(':') ? `\tinet6 ${a}` : `\tinet ${a}${bc ? ` broadcast ${bc}` : ''}`);
  }
  // NetBSD's form for a scoped address: fe80::...%wm0/64
  if (e.linkLocal) lines.push(`\tinet6 ${e.linkLocal.replace('/', `%${e.name}/`)}`);
  return lines.join('\n');
}

/**
 * A real link's lines: `link: carrier up  peer 127.0.0.1:10002 (bound 127.0.0.1:10001)` (no peer for tap), then
 * its driver's counters that are not zero.
 */
function formatLink(l: NonNullable<IfconfigEntry['link']>): string[] {
  const peer = l.stats['peer'];
  const lines = [
    `\tlink: carrier ${l.carrier ? 'up' : 'down'}${peer !== undefined ? `  peer ${peer}` : ''} (${l.why})`,
  ];
  // the driver's counters as key=value, a few to a line; a value with spaces (one websocket client,
  // say) on a line of its own
  let line = '';
  for (const [k, v] of Object.entries(l.stats)) {
    if (k === 'peer' || String(v).includes(' ')) continue;
    if (line && line.length + k.length + String(v).length > 96) {
      lines.push(`\t${line}`);
      line = '';
    }
    line += `${line ? ' ' : ''}${k}=${v}`;
  }
  if (line) lines.push(`\t${line}`);
  for (const [k, v] of Object.entries(l.stats)) if (String(v).includes(' ')) lines.push(`\t${k}: ${v}`);
  return lines;
}

export async function ifconfigCommand(ifname: string | undefined, words: string[], o: CtlOptions): Promise<void> {
  const unknown = [ifname ?? '', ...words].find((w) => w.startsWith('-') && w !== '-alias');
  if (unknown !== undefined) throw new UserError(`unknown option '${unknown}' for ifconfig`);
  const r = await withControl(o, (c) => {
    if (ifname === undefined) return c.call('ifconfig', {});
    const [verb, ...rest] = words;
    if (verb === undefined) return c.call('ifconfig', { if: ifname });
    if ((verb === 'up' || verb === 'down') && rest.length === 0)
      return c.call(verb === 'up' ? 'ifconfig.up' : 'ifconfig.down', { if: ifname });
    if (verb === 'create' && rest.length === 0) return c.call('ifconfig.create', { if: ifname });
    if (verb === 'tunnel') {
      if (rest.length !== 2)
        throw new UserError(
          `ifconfig: tunnel takes 'SRC DST', as in: ifconfig ${ifname} tunnel 198.51.100.1 198.51.100.99`,
        );
      return c.call('ifconfig.tunnel', { if: ifname, src: rest[0]!, dst: rest[1]! });
    }
    if (verb === 'deletetunnel' && rest.length === 0) return c.call('ifconfig.deletetunnel', { if: ifname });
    if (verb === 'create') {
      if (rest.length !== 4 || rest[0] !== 'vlan' || rest[2] !== 'vlanif')
        throw new UserError(
          `ifconfig: create takes 'vlan VID vlanif PARENT', as in: ifconfig ${ifname} create vlan 100 vlanif wm0`,
        );
      const vid = Number(rest[1]);
      if (!/^\d+$/.test(rest[1]!) || vid < 1 || vid > 4094)
        throw new UserError(`ifconfig: vlan id must be 1..4094, not '${rest[1]}'`);
      return c.call('ifconfig.create', { if: ifname, vlan: vid, vlanif: rest[3]! });
    }
    if (verb === 'destroy' && rest.length === 0)
      return c.call('ifconfig.destroy', { if: ifname }).then(() => ({ interfaces: [] }));
    if ((verb === 'inet' || verb === 'inet6') && (rest.length === 1 || rest.length === 2)) {
      const [address, how] = rest as [string, string | undefined];
      const a = address.includes('/') ? parsePrefix(address) : parseIP(address);
      if (a && a.family !== (verb === 'inet' ? 4 : 6))
        throw new UserError(`ifconfig: ${address} is not an ${verb === 'inet' ? 'IPv4' : 'IPv6'} address`);
      if (how === undefined || how === 'alias')
        return c.call('ifconfig.inet', { if: ifname, address, alias: how === 'alias' });
      if (how === '-alias' || how === 'delete') return c.call('ifconfig.delete', { if: ifname, address });
      throw new UserError(`ifconfig: expected 'alias', '-alias' or 'delete' after ${verb} ${address}, not '${how}'`);
    }
    if (verb === 'mtu' && rest.length === 1) {
      if (!/^\d+$/.test(rest[0]!)) throw new UserError(`ifconfig: mtu must be a number, not '${rest[0]}'`);
      return c.call('ifconfig.mtu', { if: ifname, mtu: Number(rest[0]) });
    }
    throw new UserError(
      `ifconfig: expected 'up', 'down', 'inet ADDR/LEN [alias]', 'inet ADDR -alias', 'mtu N', 'create vlan VID vlanif PARENT', 'create' (gifN, bridgeN), 'tunnel SRC DST', 'deletetunnel' or 'destroy' after ${ifname}, not '${words.join(' ')}'`,
    );
  });
  const change = ifname !== undefined && words.length > 0;
  if (o.json) printJson(ifname === undefined ? r.interfaces : (r.interfaces[0] ?? null));
  else if (!change) process.stdout.write(r.interfaces.map((e) => formatIfconfig(e) + '\n').join(''));
}
