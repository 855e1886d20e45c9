// `mpstack start` (what `npm start` runs) end to end through the built CLI (`npm test` builds dist/
// first), shortened: a 3 s live stage and 0.1 s RFC 2544 trials. Its output is a pipe here, not a
// terminal, so the live view comes as plain lines, one a second; then the summary and the talk's
// table with both scenarios. Also `npm start -- --help`: the other jobs are listed.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const mpstack = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 90_000, stdio: 'pipe' });

/** The number a rate column shows (1.23M, 45.6k, 789) in frames per second. */
const perS = (s: string) => Number.parseFloat(s) * (s.endsWith('M') ? 1e6 : s.endsWith('k') ? 1e3 : 1);

describe('mpstack start', () => {
  test('a short run without a terminal: plain progress lines, the summary, the talk-style table for fast and normal', () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
    const t0 = performance.now();
    const r = mpstack(['start', '--duration', '3', '--trial-seconds', '0.1']);
    const took = (performance.now() - t0) / 1000;
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const out = r.stdout;
    // no redrawing without a terminal: no escape sequences at all
    expect(out.includes(`${String.fromCharCode(27)}[`)).toBe(false);
    // the header says where the traffic comes from and what the rates are
    expect(out).toMatch(/traffic: made by the `gen` driver inside the same worker CPUs that forward/);
    expect(out).toMatch(/wm1: 1024 UDP\/IPv6 flows/);
    expect(out).toMatch(/out vlan100/);
    // one plain line a second, frames received in them (a second with none, on a machine busy
    // elsewhere, shows its shares as '-')
    const lines = out.split('\n').filter((l) => /^\d+\.\d s: rx /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(4);
    const pct = '(?:[\\d.]+%|-)';
    const rates = lines.map((l) => {
      const m = new RegExp(
        `^\\d+\\.\\d s: rx ([\\d.]+[kM]?)\\/s \\(cpu0 [\\d.]+[kM]?.*; fast ${pct} normal ${pct} local ${pct} drop ${pct}; queues wm0 [\\d.]+[kM]?\\/s wm1 [\\d.]+[kM]?\\/s wm2 [\\d.]+[kM]?\\/s; intr [\\d.]+[kM]?\\/s`,
      ).exec(l);
      expect(m).not.toBeNull();
      return perS(m![1]!);
    });
    expect(rates.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // the blackhole in wm2's traffic shows as a drop reason
    expect(lines.some((l) => /reasons .*reject-route/.test(l))).toBe(true);
    // run's summary: every frame accounted for
    expect(out).toMatch(/live run totals:\nran \d+\.\d s on \d+ CPUs?: \d+ frames received/);
    expect(out).toMatch(/accounting: generated \d+ = received \d+.*: ok/);
    // the RFC 2544 stage: progress on stderr as plain lines, the table on stdout with both scenarios
    expect(r.stderr).toMatch(/rfc2544: fast wasm 1 CPU 64 B/);
    expect(r.stderr).toMatch(/rfc2544: normal wasm 1 CPU 64 B/);
    expect(out).toMatch(/How measured: the traffic source is the `gen` driver/);
    for (const [scenario, talk1] of [
      ['fast', '455,727'],
      ['normal', '224,375'],
    ] as const) {
      const at = out.indexOf(`## ${scenario} (wasm)`);
      expect(at).toBeGreaterThanOrEqual(0);
      const row = new RegExp(`^\\| 1 \\| ([\\d,]+) \\| [\\d.]+% \\| [\\d.]+% \\| ${talk1} \\| [\\d.]+% \\|$`, 'm').exec(
        out.slice(at),
      );
      expect(row).not.toBeNull();
      expect(Number(row![1]!.replaceAll(',', ''))).toBeGreaterThan(0);
    }
    expect(out).toMatch(/mpstack start: done in [\d.]+ s\n$/);
    expect(took).toBeLessThan(60);
  }, 90_000);

  test('--help lists the other jobs; the demo is still there', () => {
    const r = mpstack(['--help']);
    expect(r.status).toBe(0);
    for (const job of ['start', 'demo', 'run', 'forward', 'bench', 'capture', 'intrctl', 'netstat'])
      expect(r.stdout).toMatch(new RegExp(`^  ${job}\\b`, 'm'));
    expect(r.stdout).toMatch(/start \[options\] +the default: the live router/);
  });
});
