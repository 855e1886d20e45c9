// Readable summaries of counters, shared by the CLI commands.
import Table from 'cli-table3';

const PATHS = ['fast', 'normal', 'local', 'drop'] as const;

/** A plain table (no colour codes: output is often piped or logged). Numbers align right. */
export function table(head: string[], right: number[] = []): Table.Table {
  return new Table({
    head,
    colAligns: head.map((_, i) => (right.includes(i) ? 'right' : 'left')),
    style: { head: [], border: [] },
  });
}

export function pct(n: number, of: number): string {
  return of ? `${((100 * n) / of).toFixed(1)}%` : '-';
}

/** Paths, then local and drop reasons, then the other non-zero counters. */
export function printCounters(
  c: Record<string, number>,
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const rx = c['rx-frames'] ?? 0;
  const t = table(['frames by path', 'count', 'share'], [1, 2]);
  for (const p of PATHS) {
    t.push([p, c[p] ?? 0, pct(c[p] ?? 0, rx)]);
    // a bridge(4)'s switched frames: a path of their own, shown when there are any
    if (p === 'normal' && c['bridge']) t.push(['bridge', c['bridge'], pct(c['bridge'], rx)]);
  }
  t.push(['received', rx, '']);
  const r = table(['local / drop reason', 'count'], [1]);
  for (const [k, v] of Object.entries(c)) if (k.startsWith('reason:') && v) r.push([k.slice(7), v]);
  const o = table(['other counters', 'count'], [1]);
  for (const [k, v] of Object.entries(c))
    if (
      !k.startsWith('reason:') &&
      !(PATHS as readonly string[]).includes(k) &&
      k !== 'bridge' &&
      k !== 'rx-frames' &&
      v
    )
      o.push([k, v]);
  out(`${t.toString()}\n${r.length ? `${r.toString()}\n` : ''}${o.toString()}\n`);
}

/** Three significant digits for table cells (12.3, 1.23, 0.123). */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}
