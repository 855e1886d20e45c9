import { describe, expect, it } from '@jest/globals';
import { compareResults, compareTable, parseResults } from './compare.js';

const entry = (o: Record<string, unknown>) => ({ scenario: 'fast', engine: 'wasm', cpus: 1, size: 64, fps: 1, ...o });

describe('bench compare', () => {
  it('ratios B / A per scenario, engine, CPUs and size; the median of repeated runs', () => {
    const a = parseResults(
      JSON.stringify([
        entry({ fps: 1_000_000 }),
        entry({ engine: 'ts', fps: 400_000 }),
        entry({ cpus: 2, fps: 900_000, run: 1 }),
        entry({ cpus: 2, fps: 1_500_000, run: 2 }),
        entry({ cpus: 2, fps: 1_200_000, run: 3 }),
        entry({ scenario: 'gif', fps: 100 }),
      ]),
      'a.json',
    );
    const b = parseResults(
      JSON.stringify([
        entry({ fps: 1_500_000, family: 4 }),
        entry({ engine: 'ts', fps: 200_000 }),
        entry({ cpus: 2, fps: 2_400_000 }),
        entry({ family: 6, size: 78, fps: 5 }),
      ]),
      'b.json',
    );
    const rows = compareResults(a, b);
    const r = (o: Record<string, unknown>) =>
      rows.find((x) => Object.entries(o).every(([k, v]) => x[k as 'cpus'] === v));
    expect(r({ engine: 'wasm', cpus: 1, scenario: 'fast', family: 4 })!.ratio).toBeCloseTo(1.5);
    expect(r({ engine: 'ts' })!.ratio).toBeCloseTo(0.5);
    expect(r({ cpus: 2 })).toMatchObject({ a: 1_200_000, b: 2_400_000, ratio: 2 });
    expect(r({ scenario: 'gif' })).toMatchObject({ a: 100, b: null, ratio: null });
    expect(r({ family: 6 })).toMatchObject({ a: null, b: 5, ratio: null });
    expect(rows).toHaveLength(5);
    const t = compareTable(rows, 'a.json', 'b.json');
    expect(t).toMatch(/\| fast \| IPv4 \| wasm \| 2 \| 64 \| 1,200,000 \| 2,400,000 \| 2\.000× \|/);
    expect(t).toMatch(/\| gif \| IPv4 \| wasm \| 1 \| 64 \| 100 \| – \| only in A \|/);
    expect(t).toMatch(/\| fast \| IPv6 \| wasm \| 1 \| 78 \| – \| 5 \| only in B \|/);
  });

  it.each([
    ['{', /x\.json: not an RFC 2544 results\.json \(not JSON/],
    ['{"fps": 1}', /not an RFC 2544 results\.json \(expected an array of results\)/],
    ['[1]', /entry 0 is not an object/],
    ['[{"scenario":"fast","engine":"wasm","cpus":1,"size":64}]', /entry 0 has no numeric 'fps'/],
    ['[{"engine":"wasm","cpus":1,"size":64,"fps":1}]', /entry 0 has no string 'scenario'/],
  ])('refuses %s with one line', (text, msg) => {
    expect(() => parseResults(text, 'x.json')).toThrow(msg);
  });
});
