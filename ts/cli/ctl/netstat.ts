// `mpstack netstat -i | -s [-P]` against a running engine: the interface table (frames and bytes
// in and out, received drops, interrupts) and the data path's counters, summed or per CPU.
import type { NetstatIResult, NetstatSResult } from '../../mp/control-protocol.js';
import { CliError } from '../errors.js';
import { table } from '../summary.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

export interface NetstatOptions extends CtlOptions { i?: boolean; s?: boolean; perCpu?: boolean }

export function formatNetstatI(r: NetstatIResult): string {
  const t = table(['Name', 'Mtu', 'Address', 'Flags', 'Queues', 'Intrs', 'Ipkts', 'Ibytes', 'Idrops', 'Opkts', 'Obytes'], [1, 4, 5, 6, 7, 8, 9, 10]);
  for (const x of r.interfaces) t.push([x.name, x.mtu, x.mac, x.up ? 'UP' : 'DOWN', x.queues, x.interrupts, x.ipkts, x.ibytes, x.idrops, x.opkts, x.obytes]);
  return `${t.toString()}\nnot tracked: ${r.untracked.join(', ')}. ${r.note}.`;
}

export function formatNetstatS(r: NetstatSResult): string {
  const names = Object.keys(r.counters);
  if (!r.perCpu) {
    const t = table(['counter', 'count'], [1]);
    for (const k of names) t.push([k, r.counters[k]!]);
    return t.toString();
  }
  const t = table(['counter', ...r.perCpu.map((_, c) => `cpu${c}`), 'total'], r.perCpu.map((_, c) => c + 1).concat(r.perCpu.length + 1));
  for (const k of names) t.push([k, ...r.perCpu.map((c) => c[k] ?? 0), r.counters[k]!]);
  return t.toString();
}

export async function netstatCommand(o: NetstatOptions): Promise<void> {
  if (!o.i && !o.s) throw new CliError('netstat: give -i (interfaces) or -s (statistics)');
  if (o.perCpu && !o.s) throw new CliError('netstat: -P goes with -s');
  const out = await withControl(o, async (c) => ({
    i: o.i ? await c.call('netstat.i', {}) : undefined,
    s: o.s ? await c.call('netstat.s', o.perCpu ? { perCpu: true } : {}) : undefined,
  }));
  if (o.json) printJson(o.i && o.s ? { interfaces: out.i, statistics: out.s } : (out.i ?? out.s));
  else process.stdout.write([out.i && formatNetstatI(out.i), out.s && formatNetstatS(out.s)].filter(Boolean).join('\n') + '\n');
}
