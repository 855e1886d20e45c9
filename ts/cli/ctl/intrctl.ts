// `mpstack intrctl`: NetBSD's intrctl(8) against a running engine — list the interrupts (one per NIC
// queue pair) with their counts per CPU, bind one to a CPU, take a CPU out of interrupt service.
import type { IntrctlListResult } from '../../mp/control-protocol.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

/**
 * The table of `intrctl list`, as in NetBSD: `interrupt id`, a column per CPU with the interrupts
 * that CPU took, `*` after the count of the CPU the interrupt is bound to. The same layout as
 * MpEngine.intrctlList (the `mpstack run` summary).
 */
export function formatIntrctlList(r: IntrctlListResult): string {
  const head = ['interrupt id', ...Array.from({ length: r.cpus }, (_, c) => `CPU${c}`)];
  const rows = r.rows.map((v) => [v.id, ...v.counts.map((n, c) => `${n}${c === v.cpu ? '*' : ''}`)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)) + 2);
  const line = (x: string[]) => x.map((s, i) => (i === 0 ? s.padEnd(w[i]!) : s.padStart(w[i]! - 1).padEnd(w[i]!))).join('').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export async function intrctlListCommand(o: CtlOptions): Promise<void> {
  const r = await withControl(o, (c) => c.call('intrctl.list', {}));
  if (o.json) printJson(r);
  else process.stdout.write(formatIntrctlList(r) + '\n');
}

/** `intrctl affinity -i 'wm0 txrx1' -c 0`: silent on success, as intrctl(8). */
export async function intrctlAffinityCommand(o: CtlOptions & { interrupt: string; cpu: number }): Promise<void> {
  const r = await withControl(o, (c) => c.call('intrctl.affinity', { irq: o.interrupt, cpu: o.cpu }));
  if (o.json) printJson(r);
}

export async function intrctlNointrCommand(o: CtlOptions & { cpu: number }, intr: boolean): Promise<void> {
  const r = await withControl(o, (c) => c.call(intr ? 'intrctl.intr' : 'intrctl.nointr', { cpu: o.cpu }));
  if (o.json) printJson(r);
}
