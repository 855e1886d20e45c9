// The interrupt table over a vector table in plain memory (no workers): what intrctl affinity,
// nointr and intr write to the VT_CPU words, the doorbell after each change, and refusals that
// change nothing.
import { describe, expect, test } from '@jest/globals';
import { VT_COUNTS, VT_CPU, VT_SIZE } from '../../assembly/layout.js';
import { InterruptTable } from './interrupts.js';

/** Two NICs: wm0 with a link vector and 4 queues, wm1 with a link vector and 2, on `cpus` CPUs (queue q on CPU q mod cpus). */
function table(cpus: number) {
  const buf = new SharedArrayBuffer(16 * VT_SIZE);
  const dv = new DataView(buf);
  let rings = 0;
  const t = new InterruptTable(dv, new Int32Array(buf), cpus, () => rings++);
  let id = 0;
  for (const [ifindex, name, queues] of [
    [1, 'wm0', 4],
    [2, 'wm1', 2],
  ] as const) {
    t.vectors.push({ id, name: `${name} link`, ifindex, queue: -1, at: id * VT_SIZE });
    id++;
    for (let q = 0; q < queues; q++, id++) {
      dv.setUint32(id * VT_SIZE + VT_CPU, q % cpus, true);
      t.vectors.push({ id, name: `${name} txrx${q}`, ifindex, queue: q, at: id * VT_SIZE });
    }
  }
  return { t, dv, rings: () => rings };
}

const bound = (t: InterruptTable) => Object.fromEntries(t.vectors.map((v) => [v.name, t.boundCpu(v)]));

describe('InterruptTable', () => {
  test('list: counts per CPU and the bound CPU of every vector', () => {
    const { t, dv } = table(2);
    const v = t.vector('wm0 txrx1');
    dv.setUint32(v.at + VT_COUNTS + 4, 621, true);
    const l = t.list();
    expect(l.cpus).toBe(2);
    expect(l.nointr).toEqual([]);
    expect(l.rows.find((r) => r.id === 'wm0 txrx1')).toEqual({ id: 'wm0 txrx1', counts: [0, 621], cpu: 1 });
    expect(l.rows.map((r) => r.id)).toEqual([
      'wm0 link',
      'wm0 txrx0',
      'wm0 txrx1',
      'wm0 txrx2',
      'wm0 txrx3',
      'wm1 link',
      'wm1 txrx0',
      'wm1 txrx1',
    ]);
  });

  test('affinity binds one vector and rings the doorbell', () => {
    const { t, rings } = table(2);
    t.affinity('wm0 txrx1', 0);
    expect(bound(t)['wm0 txrx1']).toBe(0);
    expect(rings()).toBe(1);
  });

  test('nointr moves every interrupt off a CPU round robin, intr brings exactly those back', () => {
    const { t, rings } = table(3);
    const before = bound(t);
    t.nointr(1);
    const moved = bound(t);
    expect(Object.values(moved)).not.toContain(1);
    expect(moved['wm0 txrx1']).toBe(0); // the first vector moved goes to the first CPU left
    expect(moved['wm1 txrx1']).toBe(2); // the next to the next
    expect(t.list().nointr).toEqual([1]);
    expect(() => t.affinity('wm0 txrx0', 1)).toThrow(/cpu1 takes no interrupts \(intrctl intr -c 1 first\)/);
    t.intr(1);
    expect(bound(t)).toEqual(before);
    expect(t.list().nointr).toEqual([]);
    expect(rings()).toBe(2);
  });

  test('refusals change nothing', () => {
    const { t, rings } = table(2);
    const before = bound(t);
    expect(() => t.affinity('wm7 txrx0', 0)).toThrow(/no interrupt 'wm7 txrx0' \(have: 'wm0 link'/);
    expect(() => t.affinity('wm0 txrx0', 2)).toThrow(/no CPU 2 \(CPUs 0-1\)/);
    expect(() => t.affinity('wm0 txrx0', 1.5)).toThrow(/no CPU 1.5/);
    t.nointr(0);
    expect(() => t.nointr(1)).toThrow(/cpu1 is the last CPU taking interrupts/);
    t.intr(0);
    expect(bound(t)).toEqual(before);
    expect(rings()).toBe(2);
  });
});
