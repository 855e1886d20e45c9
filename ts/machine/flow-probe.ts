// The RFC 2544 bench's per-flow receive accounting, the control side (the data side is
// assembly/probe/probe.ts, layout in assembly/layout/probe.ts): arms the probe for one trial on the
// sink's ifindex, then reads back, per flow, what was offered (from the generator's queue counters),
// received, lost, reordered and duplicated, and the latency from the stamps.
import {
  PRB_FOREIGN,
  PRB_IF,
  PRB_MAXCPU,
  PRB_QUEUES,
  PRB_FLOWS,
  PRB_BUCKETS,
  PRB_SIZE,
  PRF_DUPLICATES,
  PRF_LAT_MAX,
  PRF_LAT_MIN,
  PRF_LAT_SUM,
  PRF_LATE,
  PRF_RECEIVED,
  PRF_REORDERED,
  PRF_SIZE,
  PRH_BUCKETS,
  PRQ_COUNT,
  PRQ_FIRST,
  PRQ_HIST,
  PRQ_SEQ0,
  PRQ_SIZE,
  QS_COUNT,
  QS_FRAMES,
  QS_LIMIT,
  QS_SEQ,
} from '../../assembly/layout.js';

/** Bytes of a probe for `queues` vectors and `flows` flow records. */
export function probeBytes(queues: number, flows: number): number {
  return PRB_SIZE + queues * PRQ_SIZE + 8 + flows * PRF_SIZE + queues * PRH_BUCKETS * 4;
}

/** The lower bound of histogram bucket `b`, microseconds (probe_bucket's inverse). */
export function bucketLow(b: number): number {
  if (b < 16) return b;
  const e = 4 + ((b - 16) >> 3);
  return (8 + ((b - 16) & 7)) * 2 ** (e - 3);
}

export interface FlowStats {
  /** the flow's queue (vector id) and its index among the queue's templates */
  queue: number;
  flow: number;
  offered: number;
  received: number;
  lost: number;
  reordered: number;
  duplicated: number;
  /** reordered frames older than the 32-frame window (a duplicate that old is not told apart) */
  late: number;
  latMinUs: number | null;
  latAvgUs: number | null;
  latMaxUs: number | null;
}

export interface ProbeSummary {
  flows: number;
  offered: number;
  received: number;
  lost: number;
  reordered: number;
  duplicated: number;
  late: number;
  /** flows that lost at least one frame */
  flowsWithLoss: number;
  /** frames out the sink without a stamp of this trial's */
  unrecognized: number;
  /** microseconds from the stamp (the generator writing the frame into the RX ring) to the sink's transmit */
  latency: { minUs: number; avgUs: number; maxUs: number; p99Us: number } | null;
  perFlow: FlowStats[];
}

export class FlowProbe {
  private readonly qt: number;
  private readonly recs: number;
  private readonly hists: number;
  /** the queues of this trial: vector id and queue state */
  private armed: { v: number; qs: number }[] = [];

  constructor(
    private readonly dv: DataView,
    private readonly i32: Int32Array,
    readonly at: number,
    private readonly nq: number,
    private readonly nflows: number,
  ) {
    this.qt = at + PRB_SIZE;
    this.recs = (this.qt + nq * PRQ_SIZE + 7) & ~7;
    this.hists = this.recs + nflows * PRF_SIZE;
    dv.setUint32(at + PRB_QUEUES, nq, true);
    dv.setUint32(at + PRB_FLOWS, nflows, true);
    dv.setUint32(at + PRB_BUCKETS, PRH_BUCKETS, true);
  }

  /**
   * Arms the probe for frames out `ifindex` from the queues `queues` (vector id, queue state), whose
   * trial has not begun: call it with the machine drained, before offer().
   */
  arm(ifindex: number, queues: { v: number; qs: number }[]): void {
    const dv = this.dv;
    Atomics.store(this.i32, (this.at + PRB_IF) >> 2, 0);
    for (let c = 0; c < PRB_MAXCPU; c++) dv.setUint32(this.at + PRB_FOREIGN + c * 4, 0, true);
    new Uint8Array(dv.buffer, this.qt, this.nq * PRQ_SIZE).fill(0);
    let first = 0;
    for (const { v, qs } of queues) {
      const count = dv.getUint32(qs + QS_COUNT, true);
      if (count === 0 || v >= this.nq) continue;
      if (first + count > this.nflows) throw new Error('flow probe: more flows than records');
      const e = this.qt + v * PRQ_SIZE;
      dv.setUint32(e + PRQ_COUNT, count, true);
      dv.setUint32(e + PRQ_FIRST, first, true);
      dv.setUint32(e + PRQ_SEQ0, dv.getUint32(qs + QS_SEQ, true), true);
      dv.setUint32(e + PRQ_HIST, this.hists + v * PRH_BUCKETS * 4, true);
      first += count;
    }
    new Uint8Array(dv.buffer, this.recs, this.nflows * PRF_SIZE + this.nq * PRH_BUCKETS * 4).fill(0);
    for (let f = 0; f < this.nflows; f++) dv.setUint32(this.recs + f * PRF_SIZE + PRF_LAT_MIN, 0xffffffff, true);
    this.armed = queues.filter(({ v, qs }) => v < this.nq && dv.getUint32(qs + QS_COUNT, true) > 0);
    Atomics.store(this.i32, (this.at + PRB_IF) >> 2, ifindex); // the CPUs stamp and count from here on
  }

  /** Stops stamping and counting. */
  disarm(): void {
    Atomics.store(this.i32, (this.at + PRB_IF) >> 2, 0);
  }

  /** What the armed trial's flows got; read once the machine is drained. */
  read(): ProbeSummary {
    const dv = this.dv;
    const perFlow: FlowStats[] = [];
    const hist = new Array<number>(PRH_BUCKETS).fill(0);
    let latMin = Infinity;
    let latMax = 0;
    let latSum = 0;
    for (const { v, qs } of this.armed) {
      const e = this.qt + v * PRQ_SIZE;
      const count = dv.getUint32(e + PRQ_COUNT, true);
      const seq0 = dv.getUint32(e + PRQ_SEQ0, true);
      const first = dv.getUint32(e + PRQ_FIRST, true);
      const sent = (dv.getUint32(qs + QS_FRAMES, true) - dv.getUint32(qs + QS_LIMIT, true)) >>> 0;
      for (let t = 0; t < count; t++) {
        const f = this.recs + (first + t) * PRF_SIZE;
        const r = (((t - seq0) % count) + count) % count; // the first j of flow t
        const offered = sent > r ? Math.floor((sent - r - 1) / count) + 1 : 0;
        const received = dv.getUint32(f + PRF_RECEIVED, true);
        const sum = dv.getFloat64(f + PRF_LAT_SUM, true);
        const min = dv.getUint32(f + PRF_LAT_MIN, true);
        const max = dv.getUint32(f + PRF_LAT_MAX, true);
        perFlow.push({
          queue: v,
          flow: t,
          offered,
          received,
          lost: offered - received,
          reordered: dv.getUint32(f + PRF_REORDERED, true),
          duplicated: dv.getUint32(f + PRF_DUPLICATES, true),
          late: dv.getUint32(f + PRF_LATE, true),
          latMinUs: received ? min : null,
          latAvgUs: received ? sum / received : null,
          latMaxUs: received ? max : null,
        });
        if (received) {
          latMin = Math.min(latMin, min);
          latMax = Math.max(latMax, max);
          latSum += sum;
        }
      }
      const h = dv.getUint32(e + PRQ_HIST, true);
      for (let b = 0; b < PRH_BUCKETS; b++) hist[b]! += dv.getUint32(h + b * 4, true);
    }
    const tot = (k: keyof FlowStats) => perFlow.reduce((n, f) => n + ((f[k] as number) ?? 0), 0);
    const received = tot('received');
    let p99 = 0;
    for (let b = 0, seen = 0; b < PRH_BUCKETS; b++) {
      seen += hist[b]!;
      if (seen >= Math.ceil(received * 0.99)) {
        p99 = Math.min(latMax, b + 1 < PRH_BUCKETS ? bucketLow(b + 1) - 1 : latMax); // the bucket's top
        break;
      }
    }
    let unrecognized = 0;
    for (let c = 0; c < PRB_MAXCPU; c++) unrecognized += dv.getUint32(this.at + PRB_FOREIGN + c * 4, true);
    return {
      flows: perFlow.length,
      offered: tot('offered'),
      received,
      lost: tot('lost'),
      reordered: tot('reordered'),
      duplicated: tot('duplicated'),
      late: tot('late'),
      flowsWithLoss: perFlow.filter((f) => f.lost > 0).length,
      unrecognized,
      latency: received ? { minUs: latMin, avgUs: latSum / received, maxUs: latMax, p99Us: p99 } : null,
      perFlow,
    };
  }
}
