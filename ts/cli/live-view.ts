// The live view of `mpstack start`: what a running machine counts, read as a snapshot of cumulative
// counters (takeSnapshot, the only part that touches the machine), and turned into rates over the
// interval between two snapshots by pure functions: liveView, the screen a terminal redraws a few
// times a second, and liveLine, the one plain line a second printed when the output is no terminal.
//
// Every rate is a difference of counters the worker CPUs write, divided by the wall-clock time
// between the two reads on the main thread: nothing is sampled per frame, estimated or extrapolated.
import type { MpMachine } from '../machine/machine.js';

/** One CPU's cumulative counters (frames) and its time in the pipeline (ns). */
export interface CpuSample {
  rx: number;
  tx: number;
  fast: number;
  normal: number;
  local: number;
  drop: number;
  stackNs: number;
}

/** One interrupt vector: intrctl's id, the CPU it is bound to, its interrupts per CPU, and the frames its traffic source put on the RX queue (null: no source, e.g. a link vector). */
export interface VectorSample {
  id: string;
  cpu: number;
  counts: number[];
  frames: number | null;
}

/** Everything the view shows, cumulative since the machine started, read at `ms` (performance.now()). */
export interface LiveSnapshot {
  ms: number;
  cpus: CpuSample[];
  vectors: VectorSample[];
  /** the drop and local-delivery reasons, summed over the CPUs (non-zero ones only) */
  reasons: Record<string, number>;
}

/** What the view's first line says besides the numbers (how the figures are obtained is printed once, above the view). */
export interface LiveInfo {
  /** e.g. what runs on how many CPUs */
  title: string;
  elapsedS: number;
  durationS: number;
}

/** Reads the machine's counters now (a live snapshot: the CPUs keep writing while it is read). */
export function takeSnapshot(e: MpMachine): LiveSnapshot {
  const counters = e.stats.cpuCounters();
  const times = e.stats.cpuTimes();
  const reasons: Record<string, number> = {};
  for (const c of counters)
    for (const [k, v] of Object.entries(c))
      if (k.startsWith('reason:') && v) reasons[k.slice(7)] = (reasons[k.slice(7)] ?? 0) + v;
  const list = e.interrupts.list();
  return {
    ms: performance.now(),
    cpus: counters.map((c, i) => ({
      rx: c['rx-frames'] ?? 0,
      tx: c['tx-frames'] ?? 0,
      fast: c['fast'] ?? 0,
      normal: c['normal'] ?? 0,
      local: c['local'] ?? 0,
      drop: c['drop'] ?? 0,
      stackNs: times[i]?.stackNs ?? 0,
    })),
    vectors: e.interrupts.vectors.map((v, i) => ({
      id: v.name,
      cpu: list.rows[i]!.cpu,
      counts: list.rows[i]!.counts,
      frames: e.stats.queueGenerated(v)?.frames ?? null,
    })),
    reasons,
  };
}

/** A rate for a narrow column: 1.23M, 45.6k, 789. */
export function rate(perS: number): string {
  if (!Number.isFinite(perS) || perS <= 0) return '0';
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(2)}M`;
  if (perS >= 1e3) return `${(perS / 1e3).toFixed(1)}k`;
  return `${Math.round(perS)}`;
}

const share = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '-');

/** Columns: the first left-aligned, the others right-aligned, two spaces apart. */
function columns(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((s, i) => (i === 0 ? s.padEnd(w[i]!) : s.padStart(w[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** Rates between two snapshots of one machine: per second over the wall-clock interval between them. */
function deltas(prev: LiveSnapshot, cur: LiveSnapshot) {
  const dt = Math.max(1e-3, (cur.ms - prev.ms) / 1000);
  const cpu = cur.cpus.map((c, i) => {
    const p = prev.cpus[i] ?? c;
    return {
      rx: (c.rx - p.rx) / dt,
      tx: (c.tx - p.tx) / dt,
      fast: c.fast - p.fast,
      normal: c.normal - p.normal,
      local: c.local - p.local,
      drop: c.drop - p.drop,
      frames: c.rx - p.rx,
      busy: (c.stackNs - p.stackNs) / 1e9 / dt,
    };
  });
  const sum = (f: (x: (typeof cpu)[number]) => number) => cpu.reduce((s, x) => s + f(x), 0);
  const all = {
    rx: sum((x) => x.rx),
    tx: sum((x) => x.tx),
    fast: sum((x) => x.fast),
    normal: sum((x) => x.normal),
    local: sum((x) => x.local),
    drop: sum((x) => x.drop),
    frames: sum((x) => x.frames),
  };
  const vectors = cur.vectors.map((v, i) => {
    const p = prev.vectors[i] ?? v;
    return {
      id: v.id,
      cpu: v.cpu,
      intr: v.counts.map((n, c) => (n - (p.counts[c] ?? 0)) / dt),
      frames: v.frames === null ? null : (v.frames - (p.frames ?? 0)) / dt,
    };
  });
  const reasons = Object.entries(cur.reasons)
    .map(([name, total]) => ({ name, total, perS: (total - (prev.reasons[name] ?? 0)) / dt }))
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  return { dt, cpu, all, vectors, reasons };
}

/**
 * The terminal screen: the title and time, per CPU the frames received and sent
 * per second with the fast / normal / local / drop split and the time spent in the pipeline, the
 * intrctl table with interrupts per second per CPU (`*` on the bound CPU) and the frames per second
 * each RX queue's source delivered (link vectors only when they took interrupts), then the drop and
 * local reasons. Pure: the same snapshots and info give the same lines.
 */
export function liveView(prev: LiveSnapshot, cur: LiveSnapshot, info: LiveInfo): string[] {
  const d = deltas(prev, cur);
  const out: string[] = [
    `${info.title}: ${info.elapsedS.toFixed(1)} of ${info.durationS} s (rates over the last ${d.dt.toFixed(2)} s)`,
    '',
  ];
  const split = (x: { fast: number; normal: number; local: number; drop: number; frames: number }) => [
    share(x.fast, x.frames),
    share(x.normal, x.frames),
    share(x.local, x.frames),
    share(x.drop, x.frames),
  ];
  out.push(
    ...columns([
      ['CPU', 'rx/s', 'tx/s', 'fast', 'normal', 'local', 'drop', 'in pipeline'],
      ...d.cpu.map((c, i) => [`cpu${i}`, rate(c.rx), rate(c.tx), ...split(c), `${Math.round(100 * c.busy)}%`]),
      ['all', rate(d.all.rx), rate(d.all.tx), ...split(d.all), ''],
    ]),
    '',
  );
  const ncpu = cur.cpus.length;
  out.push(
    ...columns([
      ['interrupt id', ...Array.from({ length: ncpu }, (_, c) => `CPU${c} intr/s`), 'queue rx/s'],
      // a link vector that took no interrupt says nothing here: left out to keep the view short
      ...d.vectors
        .filter((v) => v.frames !== null || v.intr.some((n) => n > 0))
        .map((v) => [
          v.id,
          ...v.intr.map((n, c) => `${rate(n)}${c === v.cpu ? '*' : ' '}`),
          v.frames === null ? '-' : rate(v.frames),
        ]),
    ]),
    '',
  );
  if (d.reasons.length === 0) out.push('drop / local reason: none so far');
  else
    out.push(
      ...columns([
        ['drop / local reason', 'per s', 'total'],
        ...d.reasons.map((r) => [`  ${r.name}`, rate(r.perS), r.total.toLocaleString('en-US')]),
      ]),
    );
  return out;
}

/**
 * One plain line for a log or a pipe: the time, frames per second in all and per CPU, the path
 * split, frames per second per interface's RX queues (summed), interrupts per second, the busiest
 * drop or local reasons. Pure.
 */
export function liveLine(prev: LiveSnapshot, cur: LiveSnapshot, elapsedS: number): string {
  const d = deltas(prev, cur);
  const perIf = new Map<string, number>();
  let intr = 0;
  for (const v of d.vectors) {
    intr += v.intr.reduce((s, n) => s + n, 0);
    if (v.frames !== null) {
      const ifname = v.id.split(' ')[0]!;
      perIf.set(ifname, (perIf.get(ifname) ?? 0) + v.frames);
    }
  }
  const reasons = d.reasons
    .filter((r) => r.perS > 0)
    .slice(0, 3)
    .map((r) => `${r.name} ${rate(r.perS)}/s`);
  return [
    `${elapsedS.toFixed(1)} s: rx ${rate(d.all.rx)}/s (${d.cpu.map((c, i) => `cpu${i} ${rate(c.rx)}`).join(', ')})`,
    `tx ${rate(d.all.tx)}/s`,
    `fast ${share(d.all.fast, d.all.frames)} normal ${share(d.all.normal, d.all.frames)} local ${share(d.all.local, d.all.frames)} drop ${share(d.all.drop, d.all.frames)}`,
    `queues ${[...perIf].map(([n, r]) => `${n} ${rate(r)}/s`).join(' ')}`,
    `intr ${rate(intr)}/s`,
    ...(reasons.length ? [`reasons ${reasons.join(' ')}`] : []),
  ].join('; ');
}
