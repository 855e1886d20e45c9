// The live view's formatting: snapshots made by hand, one second apart, turned into the terminal
// screen and the plain line. Pure functions, so the lines are compared whole.
import { describe, expect, test } from '@jest/globals';
import { type CpuSample, type LiveSnapshot, liveLine, liveView, rate } from './live-view.js';

const cpu = (rx: number, fast: number, normal: number, drop: number, stackNs: number): CpuSample => ({
  rx,
  tx: fast + normal,
  fast,
  normal,
  local: 0,
  drop,
  stackNs,
});

// two CPUs; wm0 has two queues (one per CPU) and a link vector; wm1 one queue without a source
const before: LiveSnapshot = {
  ms: 10_000,
  cpus: [cpu(1000, 900, 50, 50, 1e8), cpu(2000, 1900, 0, 100, 2e8)],
  vectors: [
    { id: 'wm0 link', cpu: 0, counts: [0, 0], frames: null },
    { id: 'wm0 txrx0', cpu: 0, counts: [10, 0], frames: 1000 },
    { id: 'wm0 txrx1', cpu: 1, counts: [0, 20], frames: 2000 },
    { id: 'wm1 txrx0', cpu: 1, counts: [0, 5], frames: null },
  ],
  reasons: { 'no-route': 150 },
};
// one second later: cpu0 took 1.5M frames (1.2M fast, 0.3M normal), cpu1 2M (1.9M fast, 0.1M dropped)
const after: LiveSnapshot = {
  ms: 11_000,
  cpus: [cpu(1_501_000, 1_200_900, 300_050, 50, 5e8), cpu(2_002_000, 1_901_900, 0, 100_100, 9e8)],
  vectors: [
    { id: 'wm0 link', cpu: 0, counts: [0, 0], frames: null },
    { id: 'wm0 txrx0', cpu: 0, counts: [4010, 0], frames: 1_501_000 },
    { id: 'wm0 txrx1', cpu: 1, counts: [0, 3020], frames: 2_002_000 },
    { id: 'wm1 txrx0', cpu: 1, counts: [0, 1005], frames: null },
  ],
  reasons: { 'no-route': 100_150, 'reject-route': 7 },
};

describe('rate', () => {
  test('three significant figures with a unit, nothing for nothing', () => {
    expect([rate(0), rate(-1), rate(Number.NaN), rate(999), rate(1500), rate(2_345_678)]).toEqual([
      '0',
      '0',
      '0',
      '999',
      '1.5k',
      '2.35M',
    ]);
  });
});

describe('liveView', () => {
  test('per-CPU rates and split, the intrctl table with rates and queue rates, reasons', () => {
    expect(liveView(before, after, { title: 'live: 2 CPUs, wasm', elapsedS: 3.04, durationS: 15 })).toEqual([
      'live: 2 CPUs, wasm: 3.0 of 15 s (rates over the last 1.00 s)',
      '',
      'CPU    rx/s   tx/s   fast  normal  local  drop  in pipeline',
      'cpu0  1.50M  1.50M  80.0%   20.0%   0.0%  0.0%          40%',
      'cpu1  2.00M  1.90M  95.0%    0.0%   0.0%  5.0%          70%',
      'all   3.50M  3.40M  88.6%    8.6%   0.0%  2.9%',
      '',
      // the link vector took no interrupt: left out
      'interrupt id  CPU0 intr/s  CPU1 intr/s  queue rx/s',
      'wm0 txrx0           4.0k*           0        1.50M',
      'wm0 txrx1              0         3.0k*       2.00M',
      'wm1 txrx0              0         1.0k*           -',
      '',
      'drop / local reason   per s    total',
      '  no-route           100.0k  100,150',
      '  reject-route            7        7',
    ]);
  });

  test('nothing counted yet: zero rates, no division by zero, no reasons', () => {
    const lines = liveView(before, { ...before, reasons: {} }, { title: 't', elapsedS: 0, durationS: 1 });
    expect(lines[0]).toBe('t: 0.0 of 1 s (rates over the last 0.00 s)');
    expect(lines).toContain('cpu0     0     0     -       -      -     -           0%');
    expect(lines.at(-1)).toBe('drop / local reason: none so far');
  });
});

describe('liveLine', () => {
  test('one line: totals, per CPU, split, per interface, interrupts, the busiest reasons', () => {
    expect(liveLine(before, after, 3)).toBe(
      '3.0 s: rx 3.50M/s (cpu0 1.50M, cpu1 2.00M); tx 3.40M/s; fast 88.6% normal 8.6% local 0.0% drop 2.9%; queues wm0 3.50M/s; intr 8.0k/s; reasons no-route 100.0k/s reject-route 7/s',
    );
  });
});
