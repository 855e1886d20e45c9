// What a running machine counts, read live from the words the worker CPUs write: per-CPU counters
// (the stack's, by name), time statistics and the batch-time histogram, what the traffic sources
// generated, stress-mode violations, and the buffer and ring statistics of netstat -m. The control
// plane's netstat operations read them through MachineStats. Readers only: nothing here writes
// but resetTimes, which clears the time statistics between measurements.
import {
  C_COUNT,
  QS_BYTES,
  QS_COUNT,
  QS_FRAMES,
  QS_GENSTALL_US,
  QS_GENSTALLS,
  QS_SIZE,
} from '../../assembly/layout.js';
import { formatMac } from '../addr/addr.js';
import type { Config } from '../config/schema.js';
import type { MachineStats } from '../control/control-plane.js';
import type { NetstatIResult, NetstatSResult } from '../control/types.js';
import { COUNTER_NAMES } from '../stack/reasons.js';
import type { Stack } from '../stack/stack.js';
import { type Buffers, bufferStats, txRingStats } from './buffers.js';
import type { InterruptTable, Vector } from './interrupts.js';

/** Where the machine placed the words these read. */
export interface StatsRegions {
  /** the vectors' queue state (QS_*) */
  qs: number;
  /** per CPU: 8 doubles of time statistics */
  timeStats: number;
  /** per CPU: 32 log2 buckets of batch times */
  hist: number;
  /** per CPU: the stress checks' violation count */
  viol: number;
}

export class MachineCounters implements MachineStats {
  private readonly dv: DataView;
  private readonly i32: Int32Array;
  private readonly qs: number;
  private readonly timeStats: number;
  private readonly hist: number;
  private readonly viol: number;

  constructor(
    private readonly stack: Stack,
    private readonly cfg: Config,
    private readonly cpus: number,
    private readonly intr: InterruptTable,
    private readonly bufs: Buffers,
    /** by ifindex: the interface's NIC has one TX queue (if_snd) */
    private readonly singleQueue: readonly boolean[],
    r: StatsRegions,
  ) {
    this.dv = new DataView(stack.k.memory.buffer);
    this.i32 = new Int32Array(stack.k.memory.buffer);
    ({ qs: this.qs, timeStats: this.timeStats, hist: this.hist, viol: this.viol } = r);
  }

  /** Each CPU's cluster cache (the free stacks bufferStats counts). */
  private caches(): number[] {
    return this.stack.L.cpu.map((c) => c.free);
  }

  /** Frames and bytes the traffic sources produced (the wire's count: nothing may go missing after it). */
  generated(): { frames: number; bytes: number } {
    let frames = 0;
    let bytes = 0;
    for (const v of this.intr.vectors) {
      const qs = this.qs + v.id * QS_SIZE;
      frames += Number(this.dv.getBigUint64(qs + QS_FRAMES, true));
      bytes += Number(this.dv.getBigUint64(qs + QS_BYTES, true));
    }
    return { frames, bytes };
  }

  /**
   * The generator thread's own pauses in trials (gen-loop.ts): how many and their µs (by which the
   * trials' schedules moved on, unless charged). Every queue under way sees each pause, so the most any queue saw.
   */
  generatorPauses(): { count: number; us: number } {
    let count = 0;
    let us = 0;
    for (const v of this.intr.vectors) {
      const qs = this.qs + v.id * QS_SIZE;
      count = Math.max(count, this.dv.getUint32(qs + QS_GENSTALLS, true));
      us = Math.max(us, this.dv.getUint32(qs + QS_GENSTALL_US, true));
    }
    return { count, us };
  }

  /** What vector v's traffic source delivered to its RX queue; null for a queue without a source. */
  queueGenerated(v: Vector): { frames: number; bytes: number } | null {
    const qs = this.qs + v.id * QS_SIZE;
    if (this.dv.getUint32(qs + QS_COUNT, true) === 0) return null;
    return {
      frames: Number(this.dv.getBigUint64(qs + QS_FRAMES, true)),
      bytes: Number(this.dv.getBigUint64(qs + QS_BYTES, true)),
    };
  }

  /** Per-CPU counters by name. */
  cpuCounters(): Record<string, number>[] {
    return this.stack.L.cpu.map((cpu) => {
      const res: Record<string, number> = {};
      for (let c = 0; c < C_COUNT; c++) {
        const name = COUNTER_NAMES[c];
        if (name)
          res[name] =
            this.dv.getUint32(cpu.counters + c * 8 + 4, true) * 2 ** 32 + this.dv.getUint32(cpu.counters + c * 8, true);
      }
      return res;
    });
  }

  /**
   * Per-CPU time split: ns in the pipeline, ns in the NIC model (with the driver's ring, pktq and
   * TX-ring work), batches, idle naps, longest batch, longest gap, and of the NIC time the ns the
   * generated traffic source spent copying frames into RX rings (rxr_fill: a real NIC's DMA).
   */
  cpuTimes(): {
    stackNs: number;
    nicNs: number;
    batches: number;
    idle: number;
    maxBatchNs: number;
    maxGapNs: number;
    sourceNs: number;
  }[] {
    return Array.from({ length: this.cpus }, (_, c) => {
      const f = new Float64Array(this.stack.k.memory.buffer, this.timeStats + c * 64, 8);
      return {
        stackNs: f[0]!,
        nicNs: f[1]!,
        batches: f[2]!,
        idle: f[3]!,
        maxBatchNs: f[4]!,
        maxGapNs: f[5]!,
        sourceNs: f[6]!,
      };
    });
  }

  /** Clears the time statistics (e.g. after a warm-up). */
  resetTimes(): void {
    new Float64Array(this.stack.k.memory.buffer, this.timeStats, this.cpus * 8).fill(0);
    new Uint32Array(this.stack.k.memory.buffer, this.hist, this.cpus * 32).fill(0);
  }

  /**
   * Quantiles of the time one batch spends in the pipeline, over all CPUs (log2 buckets: each
   * answer is the upper edge of its bucket, so within 2x). q in (0, 1].
   */
  batchTimeQuantileNs(q: number): number {
    const h = new Uint32Array(this.stack.k.memory.buffer, this.hist, this.cpus * 32);
    const b = Array.from({ length: 32 }, (_, i) =>
      Array.from({ length: this.cpus }, (_, c) => h[c * 32 + i]!).reduce((x, y) => x + y, 0),
    );
    const total = b.reduce((x, y) => x + y, 0);
    let acc = 0;
    for (let i = 0; i < 32; i++) {
      acc += b[i]!;
      if (acc >= q * total) return 2 ** (i + 1);
    }
    return 2 ** 32;
  }

  /**
   * Batch counts from the batch-time histogram, over all CPUs: every batch, and those in buckets that
   * start at or above `ns` (a bucket [2^i, 2^(i+1)) ns counts when 2^i >= ns: a lower bound of the
   * batches that took at least `ns`).
   */
  batchesOver(ns: number): { total: number; over: number } {
    const h = new Uint32Array(this.stack.k.memory.buffer, this.hist, this.cpus * 32);
    let total = 0;
    let over = 0;
    for (let c = 0; c < this.cpus; c++)
      for (let i = 0; i < 32; i++) {
        total += h[c * 32 + i]!;
        if (2 ** i >= ns) over += h[c * 32 + i]!;
      }
    return { total, over };
  }

  /** Frames the stress checks caught forwarded with a dead nexthop (always 0 unless verify is on). */
  violations(): number {
    let v = 0;
    for (let c = 0; c < this.cpus; c++) v += Atomics.load(this.i32, (this.viol + c * 4) >> 2);
    return v;
  }

  /** Per single-queue interface (its one TX ring is if_snd): frames and bytes through it, and how often its lock was found held. */
  ifSnd(): { name: string; frames: number; bytes: number; contended: number }[] {
    return this.singleQueue.flatMap((single, ix) => {
      if (!single) return [];
      const t = txRingStats(this.dv, this.bufs.tx.get(ix)![0]!);
      return [{ name: this.stack.ifName(ix), frames: t.frames + t.queued, bytes: t.bytes, contended: t.contended }];
    });
  }

  /** What NIC `ifindex` put on its wire, over its TX queues: frames sent, still queued, dropped for a full ring. */
  transmitted(ifindex: number): { frames: number; queued: number; drops: number } {
    const t = { frames: 0, queued: 0, drops: 0 };
    for (const r of this.bufs.tx.get(ifindex) ?? []) {
      const x = txRingStats(this.dv, r);
      t.frames += x.frames;
      t.queued += x.queued;
      t.drops += x.drops;
    }
    return t;
  }

  /** netstat -m: the pool, the caches, and frames lost on the way in or out for want of room. */
  bufferStats(): ReturnType<typeof bufferStats> {
    return bufferStats(this.dv, this.bufs, this.caches());
  }

  /** Frames that reached a NIC but not the stack: ring full (missed), no cluster, pktq full; and those still queued. */
  rxLost(): { missed: number; nobufs: number; pktqDrops: number; queued: number } {
    const b = this.bufferStats();
    return { missed: b.rxMissed, nobufs: b.rxNobufs, pktqDrops: b.pktqDrops, queued: b.rxQueued + b.pktqQueued };
  }

  /** netstat -m */
  netstatM(): ReturnType<typeof bufferStats> {
    return this.bufferStats();
  }

  /** netstat -i: per interface its counters summed over the CPUs, its interrupts and its traffic source. */
  netstatI(): NetstatIResult {
    const counts = this.stack.interfaceCounters();
    const interfaces = this.stack.tables.ifs.flatMap((s, index) => {
      if (!s) return [];
      const vecs = this.intr.vectors.filter((v) => v.ifindex === index);
      const source = vecs.some((v) => this.queueGenerated(v))
        ? (this.cfg.interfaces.find((i) => i.index === index)?.driver ?? null)
        : null;
      const interrupts = vecs.reduce((n, v) => n + this.intr.interruptCounts(v).reduce((x, y) => x + y, 0), 0);
      const c = counts[s.name]!;
      return [
        {
          name: s.name,
          mtu: s.mtu,
          mac: formatMac(s.mac),
          up: s.up,
          queues: Math.max(1, s.queues),
          interrupts,
          ...c,
          source,
        },
      ];
    });
    return {
      interfaces,
      untracked: ['Ierrs', 'Oerrs'],
      note: 'counts are per CPU and summed here; Ipkts counts frames on the interface they arrived on after VLAN demux, Opkts on the interface the route chose; the drop reasons are in netstat -s',
    };
  }

  /** netstat -s: every counter summed over the CPUs (and per CPU with perCpu). */
  netstatS(perCpu: boolean): NetstatSResult {
    const per = this.cpuCounters();
    const counters: Record<string, number> = {};
    for (const c of per) for (const [k, v] of Object.entries(c)) counters[k] = (counters[k] ?? 0) + v;
    // the neighbor cache's own counters (the control plane's thread keeps them, not a CPU)
    if (this.stack.lltable) Object.assign(counters, this.stack.lltable.counters);
    return perCpu ? { cpus: per.length, counters, perCpu: per } : { cpus: per.length, counters };
  }
}
