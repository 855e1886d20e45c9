// Drives a Stack's pipeline at full speed for throughput measurement: every batch is refilled
// from template frames by gen_fill (the NIC-DMA stand-in), hashed by rss_batch and forwarded by
// fwd_batch — all three inside the measured loop, on the stack's engine.
//
// Templates sit in the cluster pool above the batch's receive clusters; the free-cluster stack is
// left empty, so a workload that would generate ICMP errors or fragments counts them as
// no-buffers drops instead of overwriting the templates (forwarding workloads never allocate).
import { BUF_SIZE, BUF_HEADROOM, PD_SIZE, PD_BUF, PD_RXIF } from '../../assembly/layout.js';
import type { Stack } from '../engine/stack.js';

export class PipelineDriver {
  private seq = 0;
  private readonly ctx: number;
  private readonly tmpl: number;
  private readonly stride: number;
  readonly frameLen: number;

  constructor(readonly stack: Stack, readonly templates: readonly Uint8Array[], readonly ifindex: number) {
    const { L, k } = stack;
    const n = stack.batch;
    const cpu = L.cpu[0]!;
    this.ctx = cpu.ctx;
    this.frameLen = templates[0]!.length;
    if (templates.some((t) => t.length !== this.frameLen)) throw new Error('templates must all have one length');
    this.stride = Math.ceil(this.frameLen / 64) * 64;
    this.tmpl = L.clusters + n * BUF_SIZE;
    const room = (L.sizes.clusters - n) * BUF_SIZE;
    if (templates.length * this.stride > room) throw new Error(`too many templates for the pool (${room} bytes)`);
    const dv = new DataView(k.memory.buffer);
    const u8 = new Uint8Array(k.memory.buffer);
    templates.forEach((t, i) => u8.set(t, this.tmpl + i * this.stride));
    for (let i = 0; i < n; i++) {
      const pd = cpu.pd + i * PD_SIZE;
      dv.setUint32(pd + PD_BUF, L.clusters + i * BUF_SIZE + BUF_HEADROOM, true);
      dv.setUint16(pd + PD_RXIF, ifindex, true);
    }
    dv.setUint32(cpu.free, 0, true);
  }

  /** Runs `batches` full batches at time `nowMs`; returns frames processed. */
  run(batches: number, nowMs = 1): number {
    const { k, batch } = this.stack;
    const { ctx, tmpl, stride, frameLen } = this;
    const count = this.templates.length;
    let seq = this.seq;
    for (let b = 0; b < batches; b++) {
      seq = k.gen_fill(ctx, batch, tmpl, stride, count, frameLen, seq, this.ifindex);
      k.rss_batch(ctx, batch);
      k.fwd_batch(ctx, batch, nowMs);
    }
    this.seq = seq;
    return batches * batch;
  }
}

export interface Rate { pps: number; nsPerFrame: number; samples: number[] }

/**
 * Frames per second: `samples` timed runs of at least `sampleMs` each after a warm-up; reports
 * the median (the machines are shared and noisy).
 */
export function measureRate(d: PipelineDriver, sampleMs = 300, samples = 5, warmMs = 150): Rate {
  const timed = (ms: number): number => {
    let frames = 0;
    let chunk = 16;
    const t0 = process.hrtime.bigint();
    let el = 0;
    while (el < ms) {
      frames += d.run(chunk);
      el = Number(process.hrtime.bigint() - t0) / 1e6;
      if (el < ms / 8) chunk *= 2;
    }
    return (frames / el) * 1000;
  };
  timed(warmMs);
  const rates = Array.from({ length: samples }, () => timed(sampleMs)).sort((a, b) => a - b);
  const pps = rates[Math.floor(rates.length / 2)]!;
  return { pps, nsPerFrame: 1e9 / pps, samples: rates };
}
