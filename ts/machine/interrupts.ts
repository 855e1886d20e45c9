// The interrupt table (intrctl): one vector per NIC queue pair plus a link vector per NIC, each bound
// to a CPU by its VT_CPU word. The control plane (main thread) is the only writer of VT_CPU; a write
// rings the doorbell, and the worker CPUs, who read it at their next turn, hand the queue over (the
// owner finishes its batch and gives it up, VT_OWNER) so a move loses no frame. Counts are per CPU
// words the workers write; they are read here as a live snapshot.
import { VT_COUNTS, VT_CPU, VT_OWNER } from '../../assembly/layout.js';
import type { InterruptControl } from '../control/control-plane.js';
import type { IntrctlListResult } from '../control/types.js';
import { UserError } from '../errors.js';

/** An interrupt vector: its name as intrctl shows it (`wm0 txrx1`, `wm0 link`), its NIC and queue (-1: link), its slot. */
export interface Vector {
  id: number;
  name: string;
  ifindex: number;
  queue: number;
  at: number;
}

export class InterruptTable implements InterruptControl {
  readonly vectors: Vector[] = [];
  private readonly noIntr = new Set<number>();
  private readonly home = new Map<number, number>(); // vector -> CPU before nointr moved it

  /** `ring` wakes the workers (the machine's doorbell) after VT_CPU words changed. */
  constructor(
    private readonly dv: DataView,
    private readonly i32: Int32Array,
    private readonly cpus: number,
    private readonly ring: () => void,
  ) {}

  vector(name: string): Vector {
    const v = this.vectors.find((x) => x.name === name);
    if (!v) throw new UserError(`no interrupt '${name}' (have: ${this.vectors.map((x) => `'${x.name}'`).join(', ')})`);
    return v;
  }

  private checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus)
      throw new UserError(`no CPU ${cpu} (CPUs 0-${this.cpus - 1})`);
  }

  /** intrctl affinity: binds the vector to `cpu`; the queue moves over without losing a frame. */
  affinity(name: string, cpu: number): void {
    const v = this.vector(name);
    this.checkCpu(cpu);
    if (this.noIntr.has(cpu)) throw new UserError(`cpu${cpu} takes no interrupts (intrctl intr -c ${cpu} first)`);
    this.dv.setUint32(v.at + VT_CPU, cpu, true);
    this.ring();
  }

  /** intrctl nointr: moves every interrupt off `cpu` (round robin over the CPUs that take them). */
  nointr(cpu: number): void {
    this.checkCpu(cpu);
    const others = Array.from({ length: this.cpus }, (_, c) => c).filter((c) => c !== cpu && !this.noIntr.has(c));
    if (others.length === 0) throw new UserError(`cpu${cpu} is the last CPU taking interrupts`);
    this.noIntr.add(cpu);
    let r = 0;
    for (const v of this.vectors) {
      if (this.boundCpu(v) !== cpu) continue;
      this.home.set(v.id, cpu);
      this.dv.setUint32(v.at + VT_CPU, others[r++ % others.length]!, true);
    }
    this.ring();
  }

  /** intrctl intr: `cpu` takes interrupts again, and the vectors nointr moved off it come back. */
  intr(cpu: number): void {
    this.checkCpu(cpu);
    this.noIntr.delete(cpu);
    for (const v of this.vectors)
      if (this.home.get(v.id) === cpu) {
        this.home.delete(v.id);
        this.dv.setUint32(v.at + VT_CPU, cpu, true);
      }
    this.ring();
  }

  boundCpu(v: Vector): number {
    return this.dv.getUint32(v.at + VT_CPU, true);
  }
  ownerCpu(v: Vector): number {
    return Atomics.load(this.i32, (v.at + VT_OWNER) >> 2) - 1;
  }
  interruptCounts(v: Vector): number[] {
    return Array.from({ length: this.cpus }, (_, c) => this.dv.getUint32(v.at + VT_COUNTS + c * 4, true));
  }

  /** The interrupt table: per vector its counts per CPU and the CPU it is bound to. */
  list(): IntrctlListResult {
    return {
      cpus: this.cpus,
      nointr: this.noIntrCpus(),
      rows: this.vectors.map((v) => ({ id: v.name, counts: this.interruptCounts(v), cpu: this.boundCpu(v) })),
    };
  }

  /** The CPUs `intrctl nointr` took out of interrupt service, ascending. */
  noIntrCpus(): number[] {
    return [...this.noIntr].sort((a, b) => a - b);
  }
}
