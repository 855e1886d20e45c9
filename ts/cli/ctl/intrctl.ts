// `mpstack intrctl`: NetBSD's intrctl(8) against a running engine — list the interrupts (one per NIC
// queue pair) with their counts per CPU, bind one to a CPU, take a CPU out of interrupt service.
import { formatIntrctlList } from '../../host/control-protocol.js';
import { type CtlOptions, printJson, withControl } from './connect.js';

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
