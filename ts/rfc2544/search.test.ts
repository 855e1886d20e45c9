import { describe, expect, it } from '@jest/globals';
import { lineRateFps, linkBps } from './line-rate.js';
import { allowedLoss, searchThroughput, type TrialResult } from './search.js';

/** A device under test that forwards up to `cap` frames/s and loses what is above it. */
function dut(cap: number, o: { seconds?: number; lossyBelow?: number } = {}) {
  const seconds = o.seconds ?? 1;
  const rates: number[] = [];
  const early: boolean[] = [];
  const trial = async (rate: number, allowed: (n: number) => number): Promise<Omit<TrialResult, 'pass'>> => {
    rates.push(rate);
    const offered = Math.round(rate * seconds);
    let received = Math.min(offered, Math.round(cap * seconds));
    if (o.lossyBelow !== undefined) received = Math.max(0, received - Math.round(offered * o.lossyBelow));
    const loss = offered - received;
    // stop early once the loss is beyond the allowance: only part of the frames were offered
    const stop = loss > allowed(offered);
    early.push(stop);
    return { rate, offered, received, loss, early: stop, measuredRate: rate };
  };
  return { trial, rates, early };
}

describe('line rate (RFC 2544: (size + 20) * 8 bits a frame)', () => {
  it('gives the talk and RFC figures', () => {
    expect(lineRateFps(64, linkBps('1g')!)).toBe(1_488_095);
    expect(lineRateFps(64, linkBps('10g')!)).toBe(14_880_952);
    expect(lineRateFps(1518, linkBps('10g')!)).toBe(812_743);
    expect(lineRateFps(64, linkBps('100G')!)).toBe(148_809_523);
    expect(linkBps('2g')).toBeUndefined();
  });
});

describe('throughput search', () => {
  it('starts at half the line rate and converges on the capacity within the resolution', async () => {
    const d = dut(3_000_000);
    const r = await searchThroughput({ lineRate: 14_880_952, resolution: 10_000, lossPct: 0, trial: d.trial });
    expect(d.rates[0]).toBe(7_440_476);
    expect(r.fps).toBeLessThanOrEqual(3_000_000);
    expect(r.fps).toBeGreaterThan(3_000_000 - 10_000);
    expect(r.lineRatePassed).toBe(false);
    expect(r.trials.length).toBe(d.rates.length);
    // every passing trial lost nothing; every failing one lost something
    for (const t of r.trials) expect(t.pass).toBe(t.loss === 0);
  });

  it('stops at the resolution: a coarse one takes fewer trials', async () => {
    const fine = await searchThroughput({
      lineRate: 1_488_095,
      resolution: 1000,
      lossPct: 0,
      trial: dut(500_000).trial,
    });
    const coarse = await searchThroughput({
      lineRate: 1_488_095,
      resolution: 100_000,
      lossPct: 0,
      trial: dut(500_000).trial,
    });
    expect(coarse.trials.length).toBeLessThan(fine.trials.length);
    expect(500_000 - coarse.fps).toBeLessThanOrEqual(100_000);
    expect(500_000 - fine.fps).toBeLessThanOrEqual(1000);
    expect(coarse.fps).toBeLessThanOrEqual(500_000);
  });

  it('ends with a pass at the line rate when the device keeps up', async () => {
    const d = dut(1e9);
    const r = await searchThroughput({ lineRate: 1_488_095, resolution: 1000, lossPct: 0, trial: d.trial });
    expect(r.fps).toBe(1_488_095);
    expect(r.lineRatePassed).toBe(true);
    expect(d.rates.at(-1)).toBe(1_488_095);
    expect(d.rates.filter((x) => x === 1_488_095)).toHaveLength(1);
  });

  it('zero loss by default: a device losing 0.1% everywhere never passes, unless 0.5% is allowed', async () => {
    const strict = await searchThroughput({
      lineRate: 1_000_000,
      resolution: 10_000,
      lossPct: 0,
      trial: dut(1e9, { lossyBelow: 0.001 }).trial,
    });
    expect(strict.fps).toBe(0);
    expect(strict.trials.every((t) => !t.pass)).toBe(true);
    const loose = await searchThroughput({
      lineRate: 1_000_000,
      resolution: 10_000,
      lossPct: 0.5,
      trial: dut(1e9, { lossyBelow: 0.001 }).trial,
    });
    expect(loose.fps).toBe(1_000_000);
    expect(loose.loss).toBe(1000);
    expect(allowedLoss(1_000_000, 0.5)).toBe(5000);
  });

  it('tells each trial what it may lose, so an over-rate trial can stop early', async () => {
    const d = dut(400_000);
    const seen: TrialResult[] = [];
    const r = await searchThroughput({
      lineRate: 1_488_095,
      resolution: 5000,
      lossPct: 0,
      trial: d.trial,
      onTrial: (t) => seen.push(t),
    });
    expect(seen).toEqual(r.trials);
    expect(r.trials.filter((t) => !t.pass).every((t) => t.early)).toBe(true);
    expect(r.trials.filter((t) => t.pass).every((t) => !t.early)).toBe(true);
    expect(r.trials[0]!.early).toBe(true); // 744,047 offered to a 400,000 frames/s device
  });

  it('a trial function that offers nothing never passes', async () => {
    const r = await searchThroughput({
      lineRate: 1000,
      resolution: 10,
      lossPct: 0,
      trial: async (rate) => ({ rate, offered: 0, received: 0, loss: 0, early: false, measuredRate: 0 }),
    });
    expect(r.fps).toBe(0);
  });
});
