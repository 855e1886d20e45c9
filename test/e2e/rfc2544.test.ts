// `mpstack bench rfc2544` end to end through the built CLI (`npm test` builds dist/ first): a tiny run
// (one size, 1 CPU, short trials, coarse resolution) writes results.json, results.md and the charts;
// bad options are one line and exit status 1.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const mpstack = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('mpstack bench rfc2544', () => {
  test('a tiny run writes results.json, results.md and the charts', () => {
    const out = mkdtempSync(join(tmpdir(), 'rfc2544-'));
    const r = mpstack([
      'bench',
      'rfc2544',
      '--scenario',
      'fast,vlan',
      '--sizes',
      '64',
      '--cpus',
      '1',
      '--duration',
      '0.2',
      '--link',
      '1g',
      '--resolution',
      '400000',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    // not a terminal: plain progress lines
    expect(r.stderr).toMatch(/rfc2544: fast wasm 1 CPU 64 B/);
    expect(r.stderr).toMatch(/trial 744,048 fps/); // the first trial: half the 1 GbE line rate
    const rs = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, unknown>[];
    expect(rs.map((x) => x['scenario'])).toEqual(['fast', 'vlan']);
    for (const x of rs) {
      expect(x).toMatchObject({ engine: 'wasm', cpus: 1, size: 64, link: '1g', lineRate: 1_488_095 });
      expect(typeof x['fps']).toBe('number');
      expect(typeof x['loss']).toBe('number');
      const trials = x['trials'] as { rate: number; offered: number; received: number; pass: boolean }[];
      expect(trials.length).toBeGreaterThan(0);
      for (const t of trials) {
        expect(t.received).toBeLessThanOrEqual(t.offered);
        if (t.pass) expect(t.received).toBe(t.offered);
      }
      // the trial at the throughput rate, counted per flow
      const f = x['atThroughput'] as Record<string, number> & { latency: Record<string, number> | null };
      if ((x['fps'] as number) === 0) expect(f).toBeNull();
      else {
        expect(f).toMatchObject({ rate: x['fps'], flows: 1024, unrecognized: 0, duplicated: 0 });
        expect(f['offered']).toBe(f['trialOffered']);
        expect(f['received']).toBeLessThanOrEqual(f['offered']);
        expect(f['lost']).toBe(f['offered']! - f['received']!);
        if (f['received']! > 0) expect(f.latency!['minUs']).toBeLessThanOrEqual(f.latency!['maxUs']!);
      }
      // back-to-back: bursts at line rate; every burst up to the answer passed, the next longer one tried failed
      const b = x['backToBack'] as {
        frames: number;
        rate: number;
        bursts: { frames: number; pass: boolean; loss: number }[];
      };
      expect(b.rate).toBe(1_488_095);
      expect(b.bursts[0]!.frames).toBe(64);
      for (const t of b.bursts) {
        if (t.pass) expect(t.frames).toBeLessThanOrEqual(b.frames);
        else expect(t.loss).toBeGreaterThan(0);
      }
      if (b.frames > 0) expect(b.bursts.some((t) => t.pass && t.frames === b.frames)).toBe(true);
    }
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    // (a search that passed nothing, on a machine busy elsewhere, has no trial at its throughput)
    if (rs.some((x) => (x['fps'] as number) > 0))
      expect(md).toMatch(/At the throughput rate, every frame counted per flow/);
    expect(md).toMatch(/Latency = that moment minus the stamp/);
    expect(md).toMatch(/Back-to-back frames \(RFC 2544 26\.4\)/);
    expect(md).toMatch(/\| 1 \| [\d,]+ \| [\d.]+% \| [\d.]+% \| 455,727 \| 30\.6% \|/);
    expect(md).toMatch(/\| 5 \| not run \|/);
    // where the generator ran: said on stderr (the default for this machine), in results.md and in results.json
    const where = /generator (thread|inline) by default: 1 worker CPU\(s\) \+ 1 (<=|>) \d+ cores/.exec(r.stderr);
    expect(where).not.toBeNull();
    expect(md).toMatch(/Generator: per CPU count, a thread of its own when CPUs \+ 1 <= \d+ cores/);
    // the thread's own pauses: how many and how long, moved on (not charged) by default
    expect(md).toMatch(
      new RegExp(
        `^\\| 1 \\| 64 \\| .* \\| ${where![1]}${where![1] === 'thread' ? ' \\([\\d,]+ pauses, [\\d.]+ ms moved on\\)' : ''} \\|$`,
        'm',
      ),
    );
    for (const x of rs) {
      expect(x).toMatchObject({ generator: where![1], rxRing: 2048 });
      if (where![1] === 'thread')
        expect(x['generatorPauses']).toEqual({ count: expect.any(Number), us: expect.any(Number), charged: false });
      else expect(x['generatorPauses']).toBeNull();
    }
    for (const f of ['throughput-vs-cpus.svg', 'throughput-vs-size.svg']) {
      expect(existsSync(join(out, f))).toBe(true);
      expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg/);
    }
  }, 30_000);

  test("bridge and gif run with the talk's rows beside theirs; three runs give the spread", () => {
    const out = mkdtempSync(join(tmpdir(), 'rfc2544-'));
    const r = mpstack([
      'bench',
      'rfc2544',
      '--scenario',
      'bridge,gif',
      '--sizes',
      '64',
      '--duration',
      '0.1',
      '--link',
      '1g',
      '--resolution',
      '400000',
      '--runs',
      '3',
      '--no-back-to-back',
      '--generator',
      'thread',
      '--charge-generator-pauses',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const rs = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, unknown>[];
    for (const x of rs) expect(x['backToBack']).toBeNull();
    // the generator thread's pauses charged to the router, as asked (counted all the same)
    for (const x of rs)
      expect(x['generatorPauses']).toEqual({ count: expect.any(Number), us: expect.any(Number), charged: true });
    expect(rs.map((x) => `${x['scenario']} ${x['run']}`)).toEqual([
      'bridge 1',
      'gif 1',
      'bridge 2',
      'gif 2',
      'bridge 3',
      'gif 3',
    ]);
    for (const x of rs)
      for (const t of x['trials'] as { offered: number; received: number; pass: boolean }[]) {
        expect(t.received).toBeLessThanOrEqual(t.offered);
        if (t.pass) expect(t.received).toBe(t.offered);
      }
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/## bridge \(wasm\): .*1,000 learned MACs/);
    expect(md).toMatch(/\| 1 \| [\d,]+ \| [\d.]+% \| [\d.]+% \| 381,322 \| 25\.6% \|/);
    expect(md).toMatch(/## gif \(wasm\): .*encapsulated/);
    expect(md).toMatch(/\| 1 \| [\d,]+ \| [\d.]+% \| [\d.]+% \| 138,492 \| 9\.3% \|/);
    expect(md).toMatch(/\| 5 \| not run \| {2}\| {2}\| – \| {2}\|/); // the talk has no 5-core gif figure
    expect(md).toMatch(/## Repeatability: 3 runs/);
    expect(md).toMatch(/The generator thread's own pauses .* were charged to the router/);
    expect(md).toMatch(/\| thread \([\d,]+ pauses, [\d.]+ ms charged\) \|$/m);
    expect(md).toMatch(/\| bridge \| wasm \| 1 \| 64 \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+% \|/);
  }, 60_000);

  test('IPv6: fast forwarding of 78-byte UDP/IPv6 frames', () => {
    const out = mkdtempSync(join(tmpdir(), 'rfc2544-'));
    const r = mpstack(
      ['bench', 'rfc2544', '--ip', '6', '--scenario', 'fast', '--sizes', '78', '--duration', '0.1'].concat([
        '--link',
        '1g',
        '--resolution',
        '400000',
        '--out',
        out,
      ]),
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const rs = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, unknown>[];
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ scenario: 'fast', family: 6, size: 78, lineRate: 1_275_510 });
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toMatch(/78-byte UDP\/IPv6 frames/);
  }, 30_000);

  test('compare: two crafted files as ratios, --json, and one-line errors for what is not results.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfc2544-compare-'));
    const e = (engine: string, fps: number) => ({ scenario: 'fast', engine, cpus: 1, size: 64, fps, loss: 0 });
    writeFileSync(join(dir, 'a.json'), JSON.stringify([e('wasm', 2_000_000), e('ts', 500_000)]));
    writeFileSync(join(dir, 'b.json'), JSON.stringify([e('wasm', 3_000_000), e('ts', 500_000)]));
    writeFileSync(join(dir, 'bad.json'), '{"not": "results"}');
    const r = mpstack(['bench', 'compare', join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\| fast \| IPv4 \| wasm \| 1 \| 64 \| 2,000,000 \| 3,000,000 \| 1\.500× \|/);
    expect(r.stdout).toMatch(/\| fast \| IPv4 \| ts \| 1 \| 64 \| 500,000 \| 500,000 \| 1\.000× \|/);
    const j = mpstack(['bench', 'compare', join(dir, 'a.json'), join(dir, 'b.json'), '--json']);
    expect(JSON.parse(j.stdout).map((x: { ratio: number }) => x.ratio)).toEqual([1.5, 1]);
    for (const [args, msg] of [
      [[join(dir, 'a.json'), join(dir, 'bad.json')], /bad\.json: not an RFC 2544 results\.json \(expected an array/],
      [[join(dir, 'nope.json'), join(dir, 'a.json')], /nope\.json: cannot read \(ENOENT\)/],
    ] as const) {
      const x = mpstack(['bench', 'compare', ...args]);
      expect(x.status).toBe(1);
      expect(x.stderr).toMatch(msg);
      expect(x.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  test.each([
    [['--scenario', 'nope'], /unknown scenario 'nope'/],
    [['--ip', '6', '--scenario', 'bridge'], /scenario 'bridge' is IPv4 only \(with --ip 6: fast, normal\)/],
    [['--ip', '6', '--sizes', '64'], /--sizes: 64 is below 78, the smallest UDP\/IPv6 frame/],
    [['--ip', '5'], /--ip: '5' is not 4 or 6/],
    [['--sizes', '63'], /--sizes: '63' is not an integer from 64 to 1518/],
    [['--cpus', '0'], /--cpus: '0' is not an integer from 1 to 24/],
    [['--link', '2g'], /--link: '2g' is not one of 1g, 10g/],
    [['--engine', 'js'], /--engine: 'js' is not one of/],
    [['--generator', 'gpu'], /--generator: 'gpu' is not thread or inline/],
  ])('refuses %j in one line, exit 1', (args, msg) => {
    const r = mpstack(['bench', 'rfc2544', ...args, '--out', join(tmpdir(), 'rfc2544-never')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
