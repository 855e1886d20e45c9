// End to end through the built CLI (`npm test` builds dist/ first): forward pcaps with both engines,
// compare the outputs byte for byte, and have tshark (an independent decoder) read and check them.
import { describe, expect, test, beforeAll } from '@jest/globals';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PcapWriter } from '../../ts/io/pcap.js';
import { readCapture } from '../../ts/io/capture.js';
import { buildFrame } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';
import { forwardBothEngines, tshark as tsharkFields } from './forward-run.js';
import { routeGetLine } from '../../ts/control/route-text.js';
import { parseIP } from '../../ts/addr/addr.js';
import { parseRoutesText } from '../../ts/config/routes-file.js';
import { formatIP } from '../../ts/addr/addr.js';
import { defaultRoutesText, defaultScenarioConfig } from '../../ts/scenario/default.js';
import { Stack } from '../../ts/stack/stack.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const mpstack = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24, 2001:db8::1/64]
    rss: { queues: 4, udp: true }
  - name: wm1
    mac: 02:00:00:00:00:02
    mtu: 1280
    addresses: [198.51.100.1/24, 2001:db8:1::1/64]
    rss: { queues: 2 }
neighbors:
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 2001:db8::10, mac: 02:00:00:00:aa:10, dev: wm0 }
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 2001:db8:1::fe, mac: 02:00:00:00:bb:fe, dev: wm1 }
routes:
  - { dst: 192.0.2.128/26, type: unreachable }
routes_file: routes.txt
icmp: { ratelimit: 0 }
`;
const ROUTES = `# iproute2 syntax
203.0.113.0/24 via 198.51.100.254
blackhole 198.18.0.0/15
route add 10.0.0.0/8 via 198.51.100.254 dev wm1
2001:db8:100::/48 via 2001:db8:1::fe
`;

let dir = '';
const runs: Record<string, ReturnType<typeof mpstack>> = {};
const v4 = (o: Parameters<typeof buildFrame>[0] extends infer T ? Partial<T> : never) =>
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), dst: ip('203.0.113.7'), minFrame: 60, ...o });

const INPUT = [
  v4({}),
  v4({}),
  v4({ proto: 'tcp', sport: 40000, dport: 443 }),
  v4({ ttl: 1 }),
  v4({ dst: ip('8.8.8.8') }),
  v4({ dst: ip('192.0.2.130') }),
  v4({ dst: ip('198.18.1.1') }),
  v4({ payload: 1300 }),
  v4({ payload: 1300, df: true }),
  v4({ dst: ip('192.0.2.1') }),
  buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('2001:db8::10'), dst: ip('2001:db8:100::1'), minFrame: 60 }),
  buildFrame({
    dstMac: MAC.wm0,
    srcMac: MAC.host0,
    src: ip('2001:db8::10'),
    dst: ip('2001:db8:100::1'),
    payload: 1300,
  }),
  v4({}).slice(0, 20),
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpstack-e2e-'));
  writeFileSync(join(dir, 'router.yaml'), CONFIG);
  writeFileSync(join(dir, 'routes.txt'), ROUTES);
  const w = new PcapWriter();
  INPUT.forEach((f, i) => w.add(f, 1_700_000_000 + i, 0));
  writeFileSync(join(dir, 'in.pcap'), w.toBytes());
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  for (const e of ['wasm', 'ts']) {
    runs[e] = mpstack([
      'forward',
      '--config',
      join(dir, 'router.yaml'),
      '--in',
      `wm0=${join(dir, 'in.pcap')}`,
      '--out',
      join(dir, `out-${e}`),
      '--engine',
      e,
      '-q',
    ]);
  }
});

const tshark = (file: string, fields: string[]) => tsharkFields(file, fields, { check: ['ip', 'udp'] });

describe('mpstack forward', () => {
  test('wasm and ts engines write byte-identical pcaps and traces', () => {
    for (const e of ['wasm', 'ts']) {
      expect(runs[e]!.stderr).toBe('');
      expect(runs[e]!.status).toBe(0);
    }
    for (const f of ['trace.jsonl', 'wm0.pcap', 'wm1.pcap']) {
      expect(readFileSync(join(dir, 'out-ts', f)).equals(readFileSync(join(dir, 'out-wasm', f)))).toBe(true);
    }
  });

  test('trace.jsonl: one line per input frame with the documented fields', () => {
    const lines = readFileSync(join(dir, 'out-wasm', 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(INPUT.length);
    expect(lines.map((l) => l.n)).toEqual(INPUT.map((_, i) => i + 1));
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        l.reason ? ['if', 'n', 'queue', 'rss', 'path', 'reason', 'out'] : ['if', 'n', 'queue', 'rss', 'path', 'out'],
      );
      expect(l.rss).toMatch(/^0x[0-9a-f]{8}$/);
    }
    const pr = lines.map((l) => `${l.path}${l.reason ? `:${l.reason}` : ''}>${l.out.join(',')}`);
    expect(pr).toEqual([
      'normal>wm1',
      'fast>wm1',
      'fast>wm1', // same (src, dst, tos): NetBSD's ipflow key has no ports
      'drop:ttl-exceeded>wm0',
      'drop:no-route>wm0',
      'drop:reject-route>wm0',
      'drop:reject-route>',
      'normal>wm1,wm1',
      'drop:need-fragmentation>wm0',
      'local:port-unreachable>wm0', // UDP to us
      'normal>wm1',
      'drop:too-big>wm0',
      'drop:too-short>',
    ]);
  });

  test('tshark decodes every output frame and finds every checksum good', () => {
    const out1 = tshark(join(dir, 'out-wasm', 'wm1.pcap'), [
      'ip.src',
      'ip.dst',
      'ip.ttl',
      'ip.checksum.status',
      'ip.flags.mf',
      'ipv6.hlim',
    ]);
    expect(out1.length).toBe(6); // 3 forwarded, 2 fragments, 1 IPv6
    for (const [src, , ttl, ck] of out1)
      if (src) {
        expect(ttl).toBe('63');
        expect(ck).toBe('1');
      }
    const out0 = tshark(join(dir, 'out-wasm', 'wm0.pcap'), [
      'icmp.type',
      'icmp.code',
      'icmp.checksum.status',
      'ip.checksum.status',
      'icmpv6.type',
      'icmpv6.checksum.status',
      'icmp.mtu',
      'icmpv6.mtu',
    ]);
    // status 1 = good; ip.checksum.status lists our header and the quoted original's
    const got = out0.map((f) =>
      f[0] ? `icmp ${f[0]}/${f[1]} icmp-ck=${f[2]} ip-ck=${f[3]} mtu=${f[6]}` : `icmpv6 ${f[4]} ck=${f[5]} mtu=${f[7]}`,
    );
    expect(got).toEqual([
      'icmp 11/0 icmp-ck=1 ip-ck=1,1 mtu=',
      'icmp 3/0 icmp-ck=1 ip-ck=1,1 mtu=',
      'icmp 3/1 icmp-ck=1 ip-ck=1,1 mtu=',
      'icmp 3/4 icmp-ck=1 ip-ck=1,1 mtu=1280',
      'icmp 3/3 icmp-ck=1 ip-ck=1,1 mtu=',
      'icmpv6 2 ck=1 mtu=1280',
    ]);
  });

  test('our own reader agrees with the pcaps tshark read', () => {
    const c = readCapture(readFileSync(join(dir, 'out-wasm', 'wm1.pcap')), 'wm1.pcap');
    expect(c.frames).toHaveLength(6);
    expect(c.frames[0]!.tsSec).toBe(1_700_000_000);
  });

  test('bad input is a clear error, never a crash', () => {
    const cfg = join(dir, 'router.yaml');
    const bad = (args: string[], re: RegExp) => {
      const r = mpstack(args);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    };
    bad(
      ['forward', '--config', cfg, '--in', `wm9=${join(dir, 'in.pcap')}`, '--out', join(dir, 'x')],
      /no interface 'wm9'/,
    );
    bad(['forward', '--config', cfg, '--in', 'wm0', '--out', join(dir, 'x')], /expected IF=FILE/);
    writeFileSync(join(dir, 'junk.pcap'), 'not a capture file at all');
    bad(
      ['forward', '--config', cfg, '--in', `wm0=${join(dir, 'junk.pcap')}`, '--out', join(dir, 'x')],
      /junk\.pcap.*offset 0/,
    );
    bad(
      ['forward', '--config', cfg, '--in', `wm0=${join(dir, 'missing.pcap')}`, '--out', join(dir, 'x')],
      /ENOENT|no such file/,
    );
    bad(
      ['forward', '--config', cfg, '--in', `wm0=${join(dir, 'in.pcap')}`, '--out', join(dir, 'x'), '--engine', 'gpu'],
      /engine/,
    );
    writeFileSync(join(dir, 'bad.yaml'), 'interfaces:\n  - name: wm0\n    mtu: 12\n');
    bad(['route', 'lookup', '--config', join(dir, 'bad.yaml'), '1.2.3.4'], /bad\.yaml:3:\d+: interfaces\[0\]\.mtu/);
    writeFileSync(join(dir, 'bad-route.yaml'), CONFIG.replace('routes.txt', 'bad-routes.txt'));
    writeFileSync(join(dir, 'bad-routes.txt'), '10.0.0.0/8 via 192.0.9.9\n');
    bad(
      ['route', 'lookup', '--config', join(dir, 'bad-route.yaml'), '1.2.3.4'],
      /bad-routes\.txt:1.*not on a connected network/,
    );
    bad(['route', 'lookup', '--config', cfg, '1.2.3.400'], /not an IPv4 or IPv6 address/);
  });
});

describe('mpstack forward: IPv6 hop-by-hop options', () => {
  // 2001:db8::10 -> 2001:db8:100::1 (via wm1) behind a hop-by-hop options header
  const h6 = (opts: number[], hdrExtLen?: number) => {
    const f = buildFrame({
      dstMac: MAC.wm0,
      srcMac: MAC.host0,
      src: ip('2001:db8::10'),
      dst: ip('2001:db8:100::1'),
      hbh: Uint8Array.from(opts),
    });
    if (hdrExtLen !== undefined) f[14 + 41] = hdrExtLen;
    return f;
  };
  const HBH = [
    h6([5, 2, 0, 0, 0, 0x1e, 1, 0xaa, 1, 4, 0, 0, 0, 0]), // Router Alert, Pad1, an unknown skippable option, PadN: forwarded
    h6([1, 4, 0, 0, 0, 0], 4), // the header says 40 bytes, the payload holds 34
    h6([1, 7, 0, 0, 0, 0]), // a PadN of 9 bytes in an 8-byte header
    h6([0x9e, 2, 0, 0]), // unknown option, action 10: discard and tell
    h6([0x5e, 2, 0, 0]), // unknown option, action 01: discard silently
  ];
  let out = '';
  beforeAll(() => {
    out = forwardBothEngines(dir, HBH, { name: 'hbh', out: 'hbh', t0: 1_700_000_100 });
  });

  test('verdicts in the trace, alike on both engines', () => {
    for (const f of ['trace.jsonl', 'wm0.pcap', 'wm1.pcap']) {
      expect(readFileSync(join(dir, 'hbh-ts', f)).equals(readFileSync(join(out, f)))).toBe(true);
    }
    const lines = readFileSync(join(out, 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.path}${l.reason ? `:${l.reason}` : ''}>${l.out.join(',')}`)).toEqual([
      'normal>wm1',
      'drop:ip6-hbh-malformed>wm0',
      'drop:ip6-hbh-malformed>wm0',
      'drop:ip6-hbh-unknown-option>wm0',
      'drop:ip6-hbh-unknown-option>',
    ]);
  });

  test('tshark decodes the forwarded header and the parameter problems with their pointers', () => {
    const fwd = tshark(join(out, 'wm1.pcap'), ['ipv6.hlim', 'ipv6.nxt', 'ipv6.opt.type', 'udp.checksum.status']);
    expect(fwd).toEqual([['63', '0', '0x05,0x00,0x1e,0x01', '1']]);
    const pp = tshark(join(out, 'wm0.pcap'), [
      'icmpv6.type',
      'icmpv6.code',
      'icmpv6.pointer',
      'icmpv6.checksum.status',
    ]);
    expect(pp).toEqual([
      ['4', '0', '41', '1'],
      ['4', '0', '43', '1'],
      ['4', '2', '42', '1'],
    ]);
  });
});

describe('mpstack route lookup', () => {
  test('answers like ip route get, on both engines', () => {
    const addrs = [
      '203.0.113.9',
      '10.1.2.3',
      '192.0.2.77',
      '192.0.2.1',
      '192.0.2.255',
      '192.0.2.130',
      '198.18.0.1',
      '8.8.8.8',
      '2001:db8:100:5::1',
      '2001:db8::1',
      '2001:db9::1',
    ];
    const want = [
      '203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1',
      '10.1.2.3 10.0.0.0/8 via 198.51.100.254 dev wm1',
      '192.0.2.77 192.0.2.0/24 dev wm0',
      '192.0.2.1 192.0.2.1/32 local dev wm0',
      '192.0.2.255 192.0.2.255/32 broadcast dev wm0',
      '192.0.2.130 192.0.2.128/26 unreachable',
      '198.18.0.1 198.18.0.0/15 blackhole',
      '8.8.8.8 unreachable',
      '2001:db8:100:5::1 2001:db8:100::/48 via 2001:db8:1::fe dev wm1',
      '2001:db8::1 2001:db8::1/128 local dev wm0',
      '2001:db9::1 unreachable',
    ];
    // every address answered; exit status 2 because some were unreachable (as route get's)
    for (const e of ['wasm', 'ts']) {
      for (const fib of ['radix', 'compiled']) {
        const r = mpstack([
          'route',
          'lookup',
          '--config',
          join(dir, 'router.yaml'),
          '--engine',
          e,
          '--fib',
          fib,
          ...addrs,
        ]);
        expect([r.status, r.stderr]).toEqual([2, '']);
        expect(r.stdout.trim().split('\n')).toEqual(want);
      }
    }
    writeFileSync(join(dir, 'addrs.txt'), `# addresses\n${addrs.join('\n')}\n`);
    const f = mpstack(['route', 'lookup', '--config', join(dir, 'router.yaml'), '--addresses', join(dir, 'addrs.txt')]);
    expect(f.status).toBe(2);
    expect(f.stdout.trim().split('\n')).toEqual(want);
  });

  test('exit status 0 when every address is reachable; --json gives the parts of each answer', () => {
    const ok = mpstack(['route', 'lookup', '--config', join(dir, 'router.yaml'), '203.0.113.9', '192.0.2.1']);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    const j = mpstack([
      'route',
      'lookup',
      '--config',
      join(dir, 'router.yaml'),
      '--json',
      '203.0.113.9',
      '198.18.0.1',
      '2001:db9::1',
    ]);
    expect(j.status).toBe(2);
    expect(JSON.parse(j.stdout)).toEqual([
      {
        dst: '203.0.113.9',
        family: 4,
        prefix: '203.0.113.0/24',
        type: 'unicast',
        gateway: '198.51.100.254',
        dev: 'wm1',
        line: '203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1',
      },
      {
        dst: '198.18.0.1',
        family: 4,
        prefix: '198.18.0.0/15',
        type: 'blackhole',
        gateway: null,
        dev: null,
        line: '198.18.0.1 198.18.0.0/15 blackhole',
      },
      {
        dst: '2001:db9::1',
        family: 6,
        prefix: null,
        type: null,
        gateway: null,
        dev: null,
        line: '2001:db9::1 unreachable',
      },
    ]);
  });
});

describe('mpstack demo', () => {
  test('runs the embedded default scenario and reports engine agreement', () => {
    const r = mpstack(['demo', '--frames', '3000', '--no-bench']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/identical verdicts/);
    expect(r.stdout).toMatch(/queue 3/);
  });
});

describe('mpstack run', () => {
  test('runs the multi-CPU engine for a duration and accounts for every frame', () => {
    writeFileSync(
      join(dir, 'mp.yaml'),
      `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 2 }
    driver: gen
    gen: { flows: 32, rate: 100000 }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [203.0.113.1/24]
    driver: sink
neighbors:
  - { address: 203.0.113.9, mac: 02:00:00:00:bb:09, dev: wm1 }
`,
    );
    const r = mpstack(['run', '--config', join(dir, 'mp.yaml'), '--cpus', '2', '--duration', '1']);
    expect(r.stderr).toMatch(/running on 2 CPU/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^interrupt id\s+CPU0\s+CPU1$/m);
    expect(r.stdout).toMatch(/accounting: .*: ok/);
  });
});

// A router whose wm1 is a /16, so a routes_file can spread routes over thousands of gateways.
const WIDE = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [10.0.0.1/16]
routes_file: ROUTES
`;
/** n /32 routes in 100.64.0.0/10, route i via the gateway 10.0.x.y numbered i + 2. */
function wideRoutes(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    lines.push(
      `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 10.0.${((i + 2) >> 8) & 255}.${(i + 2) & 255}`,
    );
  return lines.join('\n') + '\n';
}

describe('routes_file with many distinct gateways', () => {
  test('5,000 distinct gateways load (the nexthop table is sized from the file)', () => {
    writeFileSync(join(dir, 'wide5k.txt'), wideRoutes(5000));
    writeFileSync(join(dir, 'wide5k.yaml'), WIDE.replace('ROUTES', 'wide5k.txt'));
    for (const fib of ['radix', 'compiled']) {
      const r = mpstack([
        'route',
        'lookup',
        '--config',
        join(dir, 'wide5k.yaml'),
        '--fib',
        fib,
        '100.64.0.0',
        '100.64.19.135',
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(
        '100.64.0.0 100.64.0.0/32 via 10.0.0.2 dev wm1\n100.64.19.135 100.64.19.135/32 via 10.0.19.137 dev wm1\n',
      );
    }
  });

  test("past the compiled FIB's 32,766 nexthops: an error that says so; the radix FIB takes them", () => {
    writeFileSync(join(dir, 'wide33k.txt'), wideRoutes(32_800));
    writeFileSync(join(dir, 'wide33k.yaml'), WIDE.replace('ROUTES', 'wide33k.txt'));
    const r = mpstack(['route', 'lookup', '--config', join(dir, 'wide33k.yaml'), '--fib', 'compiled', '100.64.0.1']);
    expect(r.status).toBe(1);
    // ids 1-3 are wm0's connected, local and broadcast nexthops, 4-6 wm1's: the first gateway is id 7
    expect(r.stderr).toBe(
      `mpstack: ${join(dir, 'wide33k.txt')}:32761: 100.64.127.248/32: the compiled FIB holds at most 32766 distinct nexthops; use fib: radix\n`,
    );
    const ok = mpstack(['route', 'lookup', '--config', join(dir, 'wide33k.yaml'), '--fib', 'radix', '100.64.128.31']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('100.64.128.31 100.64.128.31/32 via 10.0.128.33 dev wm1\n');
  });
});

describe('mpstack run loads the routes_file', () => {
  test('a route from the file is in effect (route get over the control socket); a missing file is an error naming it', async () => {
    writeFileSync(join(dir, 'run-routes.txt'), '198.18.0.0/15 via 203.0.113.9\nblackhole 10.0.0.0/8\n');
    const cfg = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    driver: gen
    gen: { flows: 8, rate: 10000 }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [203.0.113.1/24]
    driver: sink
routes_file: ROUTES
`;
    writeFileSync(join(dir, 'run-routes.yaml'), cfg.replace('ROUTES', 'run-routes.txt'));
    const sock = join(dir, 'run-routes.sock');
    const child = spawn(process.execPath, [
      CLI,
      'run',
      '--config',
      join(dir, 'run-routes.yaml'),
      '--cpus',
      '1',
      '--duration',
      '3',
      '--socket',
      sock,
    ]);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 5000;
      while (!/control socket/.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`mpstack run did not come up: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const get = (a: string) =>
        promisify(execFile)(process.execPath, [CLI, 'route', 'get', '--socket', sock, a], { encoding: 'utf8' }).then(
          (r) => ({ code: 0, stdout: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
        );
      expect(await get('198.18.7.7')).toEqual({
        code: 0,
        stdout: '198.18.7.7 198.18.0.0/15 via 203.0.113.9 dev wm1\n',
      });
      // a blackhole answers, and exits 2 as `ip route get` does for it
      expect(await get('10.1.2.3')).toEqual({ code: 2, stdout: '10.1.2.3 10.0.0.0/8 blackhole\n' });
    } catch (e) {
      child.kill();
      throw e;
    }
    expect(await exited).toBe(0);

    writeFileSync(join(dir, 'run-missing.yaml'), cfg.replace('ROUTES', 'no-such-routes.txt'));
    const r = mpstack(['run', '--config', join(dir, 'run-missing.yaml'), '--duration', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `mpstack: ${join(dir, 'run-missing.yaml')}:11:14: routes_file: ${join(dir, 'no-such-routes.txt')}: no such file\n`,
    );
  }, 20_000);
});

describe('output to a reader that goes away', () => {
  test('`mpstack gen-routes | head -2` ends quietly with status 0, as a BSD tool ends on SIGPIPE', () => {
    const r = spawnSync(
      'bash',
      ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" gen-routes --v4 300000 | head -2`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout.split('\n').filter((l) => l !== '').length).toBe(2);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 30_000);
});

describe('mpstack demo --print-config', () => {
  test("prints the router the demo runs: route lookup over it answers as the demo's stack does", () => {
    const d = mkdtempSync(join(tmpdir(), 'mpstack-print-'));
    writeFileSync(
      join(d, 'router.yaml'),
      execFileSync(process.execPath, [CLI, 'demo', '--print-config'], { encoding: 'utf8' }),
    );
    // the README's addresses, the config's own routes, and one address in each generated route
    const addrs = [
      '203.0.113.9',
      '2001:db8:100::1',
      '2451:be60::1',
      '33.75.102.9',
      '192.0.2.130',
      '198.18.0.1',
      '10.100.0.5',
      '2001:db8::10',
    ];
    parseRoutesText(defaultRoutesText(), 'gen', (r) => {
      const a = r.dst.slice();
      a[a.length - 1]! |= 1;
      addrs.push(formatIP(a));
    });
    const demo = new Stack(defaultScenarioConfig(), { engine: 'wasm' });
    const want = demo.tables.wlock.runSync('test', () => addrs.map((a) => routeGetLine(demo, a, parseIP(a)!.bytes)));
    expect(want.filter((l) => / via /.test(l)).length).toBeGreaterThan(500);
    writeFileSync(join(d, 'addrs.txt'), addrs.join('\n'));
    const r = mpstack(['route', 'lookup', '--config', join(d, 'router.yaml'), '--addresses', join(d, 'addrs.txt')]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(want);
  });
});
