// NIC models after the drivers the talk made MP-safe. What differs between them here is what the
// stack can see: how many queue pairs (each with its own MSI-X vector), and whether TX is
// multi-queue (the stack hands packets to the CPU's own TX queue) or a single if_snd queue.
import type { InterfaceConfig } from '../config/schema.js';
import { UserError } from '../errors.js';

export interface NicModel {
  name: 'wm' | 'vioif' | 'vmx';
  description: string;
  maxQueues: number;
  multiqueue: boolean;
}

export const NIC_MODELS: Record<NicModel['name'], NicModel> = {
  // the talk's DUT: a 4-port I354 with 8 TX/RX queues per port
  wm: {
    name: 'wm',
    description: 'Intel 8257x/I35x/I210 class, wm(4): MSI-X, up to 8 queue pairs, RSS',
    maxQueues: 8,
    multiqueue: true,
  },
  vmx: {
    name: 'vmx',
    description: 'VMware vmxnet3, vmx(4): MSI-X, up to 8 queue pairs, RSS',
    maxQueues: 8,
    multiqueue: true,
  },
  // NetBSD 7's vioif(4): one queue pair, so its TX falls back to the interface's single if_snd queue
  vioif: {
    name: 'vioif',
    description: 'virtio-net, vioif(4): one queue pair, single if_snd TX queue',
    maxQueues: 1,
    multiqueue: false,
  },
};

/** The interface's model (wm when not given), checked against its queue count. */
export function nicModel(ifc: InterfaceConfig): NicModel {
  const m = NIC_MODELS[ifc.model ?? 'wm'];
  if (ifc.rss.queues > m.maxQueues) {
    throw new UserError(
      `${ifc.name}: rss.queues ${ifc.rss.queues} is more than ${m.name} has (${m.maxQueues}: ${m.description})`,
    );
  }
  return m;
}
