// `mpstack netstat -i | -s [-P] | -m` against a running engine: the interface table (frames and
// bytes in and out, received drops, interrupts), the data path's counters, summed or per CPU, and
// the packet clusters (where they are, what was lost for want of one).
import type { NetstatIResult, NetstatMResult, NetstatSResult } from '../../host/control-protocol.js';
import { UserError } from '../errors.js';
import { table } from '../summary.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

export interface NetstatOptions extends CtlOptions {
  i?: boolean;
  s?: boolean;
  m?: boolean;
  perCpu?: boolean;
}

export function formatNetstatM(r: NetstatMResult): string {
  const inUse = r.clusters - r.poolFree - r.cached;
  return [
    `${r.clusters} clusters of ${r.clusterBytes} bytes (${((r.clusters * r.clusterBytes) / 2 ** 20).toFixed(1)} MiB): ${r.poolFree} free in the pool, ${r.cached} in CPU caches, ${inUse} in rings, pktqs and batches`,
    `pool: lock found held ${r.poolContended} times, ${r.poolEmpty} refills found it short`,
    `receive: ${r.rxQueued} frames in RX rings, ${r.pktqQueued} in pktqs; lost ${r.rxMissed} (RX ring full), ${r.rxNobufs} (no cluster), ${r.pktqDrops} (pktq full)`,
    `transmit: ${r.txQueued} frames posted to TX rings and not yet reclaimed; ${r.txDrops} dropped (TX ring full)`,
  ].join('\n');
}

export function formatNetstatI(r: NetstatIResult): string {
  const t = table(
    ['Name', 'Mtu', 'Address', 'Flags', 'Queues', 'Intrs', 'Ipkts', 'Ibytes', 'Idrops', 'Opkts', 'Obytes'],
    [1, 4, 5, 6, 7, 8, 9, 10],
  );
  for (const x of r.interfaces)
    t.push([
      x.name,
      x.mtu,
      x.mac,
      x.up ? 'UP' : 'DOWN',
      x.queues,
      x.interrupts,
      x.ipkts,
      x.ibytes,
      x.idrops,
      x.opkts,
      x.obytes,
    ]);
  return `${t.toString()}\nnot tracked: ${r.untracked.join(', ')}. ${r.note}.`;
}

export function formatNetstatS(r: NetstatSResult): string {
  const names = Object.keys(r.counters);
  if (!r.perCpu) {
    const t = table(['counter', 'count'], [1]);
    for (const k of names) t.push([k, r.counters[k]!]);
    return t.toString();
  }
  const t = table(
    ['counter', ...r.perCpu.map((_, c) => `cpu${c}`), 'total'],
    r.perCpu.map((_, c) => c + 1).concat(r.perCpu.length + 1),
  );
  for (const k of names) t.push([k, ...r.perCpu.map((c) => c[k] ?? 0), r.counters[k]!]);
  return t.toString();
}

export async function netstatCommand(o: NetstatOptions): Promise<void> {
  if (!o.i && !o.s && !o.m)
    throw new UserError('netstat: give -i (interfaces), -s (statistics) or -m (packet clusters)');
  if (o.perCpu && !o.s) throw new UserError('netstat: -P goes with -s');
  const out = await withControl(o, async (c) => ({
    i: o.i ? await c.call('netstat.i', {}) : undefined,
    s: o.s ? await c.call('netstat.s', o.perCpu ? { perCpu: true } : {}) : undefined,
    m: o.m ? await c.call('netstat.m', {}) : undefined,
  }));
  const parts = [out.i && { interfaces: out.i }, out.s && { statistics: out.s }, out.m && { clusters: out.m }].filter(
    Boolean,
  ) as Record<string, unknown>[];
  if (o.json) printJson(parts.length === 1 ? Object.values(parts[0]!)[0] : Object.assign({}, ...parts));
  else
    process.stdout.write(
      [out.i && formatNetstatI(out.i), out.s && formatNetstatS(out.s), out.m && formatNetstatM(out.m)]
        .filter(Boolean)
        .join('\n') + '\n',
    );
}
