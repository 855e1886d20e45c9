// Spreading received frames over a NIC's RX queues as its RSS does (the stack's own rss kernel):
// the pcap driver's replay, decided once per frame before the CPUs start.
import { BUF_HEADROOM, PD_BUF, PD_LEN, PD_RXIF, PD_QUEUE, PD_RSS, PD_HTYPE } from '../../assembly/layout.js';
import type { InterfaceConfig } from '../config/schema.js';
import type { Stack } from '../stack/stack.js';

/** Sorts frames onto the RX queues the NIC's RSS picks for them. Uses CPU 0's context: call before the workers start. */
export function framesByQueue(frames: Uint8Array[], ifc: InterfaceConfig, stack: Stack): Uint8Array[][] {
  const { k, L } = stack;
  const dv = new DataView(k.memory.buffer);
  const u8 = new Uint8Array(k.memory.buffer);
  const cpu = L.cpu[0]!;
  const buf = cpu.clusters + BUF_HEADROOM;
  dv.setUint32(cpu.pd + PD_BUF, buf, true);
  const byQueue: Uint8Array[][] = Array.from({ length: Math.max(1, ifc.rss.queues) }, () => []);
  for (const f of frames) {
    u8.set(f, buf);
    dv.setUint16(cpu.pd + PD_LEN, f.length, true);
    dv.setUint16(cpu.pd + PD_RXIF, ifc.index, true);
    k.rss_batch(cpu.ctx, 1);
    byQueue[dv.getUint16(cpu.pd + PD_QUEUE, true)]!.push(f);
  }
  return byQueue;
}

/**
 * The hash and hash type the NIC's RSS computes for each frame received on `ifindex` (the stack's
 * rss kernel), as QS_HASHES holds them: u32 hash, u32 type per frame. Uses CPU 0's context: call
 * before the workers start.
 */
export function rssHashes(frames: readonly Uint8Array[], ifindex: number, stack: Stack): Uint32Array {
  const { k, L } = stack;
  const dv = new DataView(k.memory.buffer);
  const u8 = new Uint8Array(k.memory.buffer);
  const cpu = L.cpu[0]!;
  const buf = cpu.clusters + BUF_HEADROOM;
  dv.setUint32(cpu.pd + PD_BUF, buf, true);
  const out = new Uint32Array(2 * frames.length);
  frames.forEach((f, j) => {
    u8.set(f, buf);
    dv.setUint16(cpu.pd + PD_LEN, f.length, true);
    dv.setUint16(cpu.pd + PD_RXIF, ifindex, true);
    k.rss_batch(cpu.ctx, 1);
    out[2 * j] = dv.getUint32(cpu.pd + PD_RSS, true);
    out[2 * j + 1] = u8[cpu.pd + PD_HTYPE]!;
  });
  return out;
}
