// Drives a Stack's pipeline at full speed for throughput measurement: every batch is refilled
// from template frames by gen_fill (the NIC-DMA stand-in), hashed by rss_batch and forwarded by
// fwd_batch — all three inside the measured loop, on the stack's engine.
//
// Templates sit in the cluster pool above the batch's receive clusters; the free-cluster stack is
// left empty, so a workload that would generate ICMP errors or fragments counts them as
// no-buffers drops instead of overwriting the templates (forwarding workloads never allocate).
import { BUF_SIZE, BUF_HEADROOM, PD_SIZE, PD_BUF, PD_RXIF } from '../../assembly/layout.js';
import type { Stack } from '../stack/stack.js';

export class PipelineDriver {
  private seq = 0;
  private readonly ctx: number;
  private readonly tmpl: number;
  private readonly stride: number;
  readonly frameLen: number;

  /** `stack`: anything with the kernels, the layout and the batch size; `cpuIndex`: whose context to drive. */
  constructor(
    readonly stack: Pick<Stack, 'k' | 'L' | 'batch'>,
    readonly templates: readonly Uint8Array[],
    readonly ifindex: number,
    cpuIndex = 0,
  ) {
    const { L, k } = stack;
    const n = stack.batch;
    const cpu = L.cpu[cpuIndex]!;
    this.ctx = cpu.ctx;
    this.frameLen = templates[0]!.length;
    if (templates.some((t) => t.length !== this.frameLen)) throw new Error('templates must all have one length');
    this.stride = Math.ceil(this.frameLen / 64) * 64;
    this.tmpl = cpu.clusters + n * BUF_SIZE;
    const room = (L.sizes.clusters - n) * BUF_SIZE;
    if (templates.length * this.stride > room) throw new Error(`too many templates for the pool (${room} bytes)`);
    const dv = new DataView(k.memory.buffer);
    const u8 = new Uint8Array(k.memory.buffer);
    templates.forEach((t, i) => u8.set(t, this.tmpl + i * this.stride));
    for (let i = 0; i < n; i++) {
      const pd = cpu.pd + i * PD_SIZE;
      dv.setUint32(pd + PD_BUF, cpu.clusters + i * BUF_SIZE + BUF_HEADROOM, true);
      dv.setUint16(pd + PD_RXIF, ifindex, true);
    }
    dv.setUint32(cpu.free, 0, true);
  }

  /** The NIC's share of one batch: fill the descriptors from the templates, then RSS. */
  nic(): void {
    const { k, batch } = this.stack;
    this.seq = k.gen_fill(
      this.ctx,
      batch,
      this.tmpl,
      this.stride,
      this.templates.length,
      this.frameLen,
      this.seq,
      this.ifindex,
    );
    k.rss_batch(this.ctx, batch);
  }

  /** The stack's share of one batch: the pipeline. */
  forward(nowMs = 1): void {
    this.stack.k.fwd_batch(this.ctx, this.stack.batch, nowMs);
  }

  /** Runs `batches` full batches at time `nowMs`; returns frames processed. */
  run(batches: number, nowMs = 1): number {
    for (let b = 0; b < batches; b++) {
      this.nic();
      this.forward(nowMs);
    }
    return batches * this.stack.batch;
  }
}

/**
 * Frames per second of the stack alone (time in fwd_batch only, read around each call) and end to
 * end (NIC stand-in + RSS + pipeline), medians of `samples` runs of `sampleMs`.
 */
export function measureSplit(d: PipelineDriver, sampleMs = 200, samples = 5): { stackPps: number; e2ePps: number } {
  d.run(64);
  const st: number[] = [];
  const e2e: number[] = [];
  for (let s = 0; s < samples; s++) {
    let fwd = 0n;
    let frames = 0;
    const t0 = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - t0) < sampleMs * 1e6) {
      d.nic();
      const a = process.hrtime.bigint();
      d.forward();
      fwd += process.hrtime.bigint() - a;
      frames += d.stack.batch;
    }
    st.push(frames / (Number(fwd) / 1e9));
    e2e.push(frames / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  const med = (x: number[]) => x.sort((a, b) => a - b)[x.length >> 1]!;
  return { stackPps: med(st), e2ePps: med(e2e) };
}

export interface Rate {
  pps: number;
  nsPerFrame: number;
  samples: number[];
}

/**
 * Frames per second: `samples` timed runs of at least `sampleMs` each after a warm-up; reports
 * the median (the machines are shared and noisy).
 */
export function measureRate(d: { run(batches: number): number }, sampleMs = 300, samples = 5, warmMs = 150): Rate {
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
