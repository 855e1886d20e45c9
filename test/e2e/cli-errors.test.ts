// What the CLI says when the user gets something wrong: one line on stderr naming the option or the
// config field at fault, exit status 1, never a stack trace; and the warnings a config can earn.
// Runs the built CLI (`npm test` builds dist/ first).
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../ts/io/pcap.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const mpstack = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
`;

let dir = '';
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'mpstack-errors-'));
  writeFileSync(join(dir, 'router.yaml'), CONFIG);
  writeFileSync(join(dir, 'in.pcap'), new PcapWriter().toBytes());
});

/** Fails with exactly `line` on stderr (one line, no stack trace) and exit status 1. */
function fails(args: string[], line: string | RegExp): void {
  const r = mpstack(args);
  if (typeof line === 'string') expect(r.stderr).toBe(`${line}\n`);
  else expect(r.stderr).toMatch(line);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at |node:/);
  expect(r.status).toBe(1);
}

describe('files the user names', () => {
  test('forward --out an existing file', () => {
    writeFileSync(join(dir, 'taken'), 'x');
    fails(
      [
        'forward',
        '--config',
        join(dir, 'router.yaml'),
        '--in',
        `wm0=${join(dir, 'in.pcap')}`,
        '--out',
        join(dir, 'taken'),
      ],
      `mpstack: --out ${join(dir, 'taken')}: not a directory (a file is in the way)`,
    );
  });

  test('gen-routes -o a directory', () => {
    mkdirSync(join(dir, 'adir'));
    fails(['gen-routes', '-o', join(dir, 'adir')], `mpstack: --out ${join(dir, 'adir')}: is a directory, not a file`);
  });

  test('a missing input names the option or the config field it came from', () => {
    fails(
      ['forward', '--config', join(dir, 'router.yaml'), '--in', `wm0=${join(dir, 'x.pcap')}`, '--out', join(dir, 'o')],
      `mpstack: --in wm0=${join(dir, 'x.pcap')}: no such file`,
    );
    fails(
      ['route', 'lookup', '--config', join(dir, 'nope.yaml'), '1.2.3.4'],
      `mpstack: --config ${join(dir, 'nope.yaml')}: no such file`,
    );
    fails(
      ['route', 'lookup', '--config', join(dir, 'router.yaml'), '--addresses', join(dir, 'nope.txt'), '1.2.3.4'],
      `mpstack: --addresses ${join(dir, 'nope.txt')}: no such file`,
    );
    writeFileSync(join(dir, 'pcap.yaml'), `${CONFIG}    driver: pcap\n    pcap: { in: gone.pcap }\n`);
    fails(
      ['run', '--config', join(dir, 'pcap.yaml'), '--cpus', '1', '--duration', '1'],
      `mpstack: ${join(dir, 'pcap.yaml')}:9:17: interfaces[1].pcap.in: ${join(dir, 'gone.pcap')}: no such file`,
    );
  });
});

describe('commands', () => {
  test('an unknown command is one, not an argument of the default command', () => {
    fails(['frobnicate'], /^error: unknown command 'frobnicate'\n/);
    fails(['arpp', '-a'], /^error: unknown command 'arpp'\n/);
    // the default command (start) still runs without a name, and takes its options
    const r = mpstack(['--print-config']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/driver: gen/);
  });
});

describe('run --busy-poll', () => {
  test('an integer of µs from 0 to 1000000, else refused naming the option', () => {
    for (const bad of ['-3', '2000000', '1.5', 'lots'])
      fails(
        ['run', '--config', join(dir, 'router.yaml'), '--busy-poll', bad],
        `error: option '--busy-poll <us>' argument '${bad}' is invalid. expected an integer from 0 to 1000000\n(run with --help for usage)`,
      );
  });

  test("the config's engine.busy_poll_us: file:line:col and the field", () => {
    writeFileSync(join(dir, 'poll.yaml'), `${CONFIG}engine: { busy_poll_us: -5 }\n`);
    fails(
      ['run', '--config', join(dir, 'poll.yaml'), '--cpus', '1', '--duration', '1'],
      `mpstack: ${join(dir, 'poll.yaml')}:8:25: engine.busy_poll_us: must be at least 0, got -5`,
    );
  });
});

describe('the config', () => {
  test('errors in driver sub-objects have file:line:col and the field', () => {
    writeFileSync(
      join(dir, 'gen.yaml'),
      `${CONFIG.replace('[192.0.2.1/24]\n', '[192.0.2.1/24]\n    driver: gen\n    gen: { flows: 0 }\n')}`,
    );
    fails(
      ['run', '--config', join(dir, 'gen.yaml'), '--cpus', '1', '--duration', '1'],
      `mpstack: ${join(dir, 'gen.yaml')}:6:19: interfaces[0].gen.flows: must be an integer from 1 to 65536, not 0`,
    );
  });

  test('one address on two interfaces is refused, naming both', () => {
    writeFileSync(join(dir, 'dup.yaml'), CONFIG.replace('198.51.100.1/24', '192.0.2.1/24'));
    fails(
      ['route', 'lookup', '--config', join(dir, 'dup.yaml'), '1.2.3.4'],
      `mpstack: ${join(dir, 'dup.yaml')}:7:17: interfaces[1].addresses[0]: address 192.0.2.1 is already configured on wm0, and wm1 cannot have it too (interfaces[0].addresses[0], line 4)`,
    );
  });

  test('overlapping subnets and an off-subnet neighbor are warnings: the command still runs', () => {
    writeFileSync(
      join(dir, 'warn.yaml'),
      `${CONFIG.replace('198.51.100.1/24', '192.0.2.129/25')}neighbors:\n  - { address: 203.0.113.9, mac: 02:00:00:00:aa:10, dev: wm0 }\n`,
    );
    const r = mpstack(['route', 'lookup', '--config', join(dir, 'warn.yaml'), '192.0.2.200']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('192.0.2.200 192.0.2.128/25 dev wm1\n');
    expect(r.stderr).toBe(
      [
        `mpstack: warning: ${join(dir, 'warn.yaml')}:7:17: interfaces[1].addresses[0]: subnet 192.0.2.128/25 of wm1 overlaps 192.0.2.0/24 of wm0 (interfaces[0].addresses[0], line 4)`,
        `mpstack: warning: ${join(dir, 'warn.yaml')}:9:16: neighbors[0].address: 203.0.113.9 is not on a subnet of wm0 (it has only 192.0.2.0/24): this entry will never be used`,
        '',
      ].join('\n'),
    );
  });
});
