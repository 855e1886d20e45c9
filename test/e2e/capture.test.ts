// `mpstack capture` end to end: a `mpstack run` in the background (pcap interfaces: echo requests and
// UDP replayed on wm0, wm1 recording to a file), captures against it through the built CLI, and
// tshark, an independent decoder, reading what they wrote: live through a pipe, pcapng with the
// interface's name and each frame's direction, two captures at once, the endings (-c, SIGINT, the
// reader gone, the engine stopping) and the refusals. Needs tshark (apt-get install tshark): without
// it the tests fail saying so when CI is set, and are skipped otherwise.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../ts/io/capture.js';
import { PcapWriter } from '../../ts/io/pcap.js';
import { buildFrame } from '../../ts/packet/build.js';
import { MAC, ip } from '../fixtures/topology.js';

const CLI = join(process.cwd(), 'dist/ts/cli/main.js');
const HAVE_TSHARK = spawnSync('tshark', ['-v']).status === 0;

const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    driver: pcap
    pcap: { in: in.pcap, loop: true, rate: 300 }
  - name: wm1
    mac: 02:00:00:00:00:02
    addresses: [198.51.100.1/24]
    driver: pcap
    pcap: { out: out.pcap }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: 02:00:00:00:bb:fe, dev: wm1 }
  - { address: 192.0.2.10, mac: 02:00:00:00:aa:10, dev: wm0 }
icmp: { ratelimit: 0 }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}
const finished = (p: ChildProcess): Promise<Done> => {
  let stdout = '';
  let stderr = '';
  p.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  p.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((r) => p.on('close', (code) => r({ code, stdout, stderr })));
};

let dir = '';
let env: NodeJS.ProcessEnv = {};
let engine: ChildProcess | undefined;
let engineDone: Promise<Done>;

/** `mpstack capture ARGS` against the engine. */
const capture = (args: string[], stdout: 'pipe' | 'ignore' = 'pipe') =>
  spawn(process.execPath, [CLI, 'capture', ...args], { env, stdio: ['ignore', stdout, 'pipe'] });

const rows = (out: string) =>
  out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
const fieldArgs = (fields: string[]) => ['-T', 'fields', ...fields.flatMap((f) => ['-e', f])];

/** tshark's fields of every frame in `file`, one row per frame. */
async function tshark(file: string, fields: string[]): Promise<string[][]> {
  const r = await finished(spawn('tshark', ['-r', file, ...fieldArgs(fields)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr}`);
  return rows(r.stdout);
}

/** Shell-quoted. */
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Waits until `path` holds more than `bytes` bytes (the capture is up and writing). */
async function grown(path: string, bytes: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(path) || statSync(path).size <= bytes) {
    if (Date.now() > deadline) throw new Error(`${path} did not grow past ${bytes} bytes within 10 s`);
    await sleep(20);
  }
}

const SUMMARY = /^(\d+) packets? captured, (\d+) dropped\n$/;

const suite = HAVE_TSHARK || process.env['CI'] ? describe : describe.skip;
if (!HAVE_TSHARK && !process.env['CI'])
  test.skip('mpstack capture end to end: not run, tshark is not installed', () => {});

suite('mpstack capture against a running engine, read by tshark', () => {
  beforeAll(async () => {
    if (!HAVE_TSHARK) throw new Error('tshark is needed for the capture tests (apt-get install tshark)');
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
    dir = mkdtempSync(join(tmpdir(), `mpstack-capture-${process.pid}-`));
    env = { ...process.env, XDG_RUNTIME_DIR: join(dir, 'xdg') };
    const w = new PcapWriter();
    const h = { dstMac: MAC.wm0, srcMac: MAC.host0, src: ip('192.0.2.10'), minFrame: 60 };
    for (let i = 0; i < 8; i++) {
      w.add(buildFrame({ ...h, dst: ip('192.0.2.1'), proto: 'icmp', payload: 32, id: i }), 1, 0);
      w.add(buildFrame({ ...h, dst: ip('203.0.113.9'), sport: 2000 + i, dport: 9 }), 1, 0);
    }
    writeFileSync(join(dir, 'in.pcap'), w.toBytes());
    writeFileSync(join(dir, 'r.yaml'), CONFIG);
    // --duration: a safety net; the last test stops it with SIGINT
    engine = spawn(process.execPath, [CLI, 'run', '--config', join(dir, 'r.yaml'), '--cpus', '2', '--duration', '90'], {
      env,
    });
    engineDone = finished(engine);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = await Promise.race([engineDone.then((d) => d), sleep(50).then(() => null)]);
      if (got) throw new Error(`mpstack run exited: ${got.stderr}`);
      if (existsSync(join(dir, 'xdg', `mpstack-${process.getuid!()}`, `mpstack-${engine.pid}.sock`))) break;
      if (Date.now() > deadline) throw new Error('mpstack run did not come up within 10 s');
    }
  });

  afterAll(async () => {
    if (engine && engine.exitCode === null) {
      engine.kill('SIGKILL');
      await engineDone;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('live through a pipe: -c 20 | tshark -r - decodes the frames wm0 receives and sends', async () => {
    // a real pipe, as a shell makes it (tshark refuses to read a socket, which Node's stdio pipes are)
    const err = join(dir, 'pipe.err');
    const line = `${q(process.execPath)} ${q(CLI)} capture wm0 -c 20 -w - 2>${q(err)} | tshark -r - ${fieldArgs([
      'eth.src',
      'ip.src',
      'ip.dst',
      'icmp.type',
      'udp.dstport',
    ]).join(' ')}`;
    const t = await finished(spawn('sh', ['-c', line], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const r = { code: t.code, stderr: readFileSync(err, 'utf8') };
    const frames = rows(t.stdout);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(SUMMARY);
    expect(SUMMARY.exec(r.stderr)![1]).toBe('20');
    expect(frames).toHaveLength(20);
    for (const [src, ipSrc, ipDst, icmpType, dport] of frames) {
      if (src === '02:00:00:00:aa:10') {
        // received: the replayed echo requests and UDP
        expect(ipSrc).toBe('192.0.2.10');
        expect(icmpType === '8' ? ipDst : dport).toBe(icmpType === '8' ? '192.0.2.1' : '9');
      } else {
        // sent: the router's echo replies
        expect([src, ipSrc, ipDst, icmpType]).toEqual(['02:00:00:00:00:01', '192.0.2.1', '192.0.2.10', '0']);
      }
    }
  });

  test('pcapng: two captures at once, each with its interface and the frames directions', async () => {
    const both = join(dir, 'wm0.pcapng');
    const out = join(dir, 'wm1.pcapng');
    const [a, b] = await Promise.all([
      finished(capture(['wm0', '--pcapng', '-c', '40', '-w', both])),
      finished(capture(['wm1', '--pcapng', '--direction', 'out', '-c', '10', '-w', out])),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stderr).toBe('40 packets captured, 0 dropped\n');
    expect(b.stderr).toBe('10 packets captured, 0 dropped\n');
    const fields = ['frame.interface_name', 'frame.packet_flags_direction', 'icmp.type', 'ip.ttl', 'eth.dst'];
    const r0 = await tshark(both, fields);
    expect(r0).toHaveLength(40);
    expect(new Set(r0.map((r) => r[0]))).toEqual(new Set(['wm0']));
    // inbound (epb_flags 1): the requests as they came; outbound (2): the replies
    const dirs = new Set(r0.filter((r) => r[2] !== '').map((r) => `${r[1]} ${r[2]}`));
    expect(dirs).toEqual(new Set(['0x00000001 8', '0x00000002 0']));
    const r1 = await tshark(out, fields);
    expect(r1).toHaveLength(10);
    for (const r of r1) expect(r).toEqual(['wm1', '0x00000002', '', '63', '02:00:00:00:bb:fe']);
  });

  test('an unknown interface: a clear error, exit 1', async () => {
    const r = await finished(capture(['wm9']));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("mpstack: capture open: no interface 'wm9' (have: wm0, wm1)\n");
  });

  test('SIGINT ends a capture with its count; the file holds exactly that many frames', async () => {
    const file = join(dir, 'int.pcap');
    const c = capture(['wm1', '-w', file]);
    const done = finished(c);
    await grown(file, 24); // past the header: it runs, its handler is in place
    await sleep(300);
    c.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    const n = Number(SUMMARY.exec(r.stderr)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(await tshark(file, ['ip.ttl'])).toEqual(Array.from({ length: n }, () => ['63']));
  });

  test('its reader going away (EPIPE) ends a capture', async () => {
    const c = capture(['wm0']);
    const done = finished(c);
    await new Promise<void>((r) => c.stdout!.once('data', () => r()));
    c.stdout!.destroy(); // as `| head -c 1` does
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([done, new Promise<null>((res) => (timer = setTimeout(() => res(null), 10_000)))]);
    clearTimeout(timer);
    expect(r).not.toBeNull();
    expect(r!.code).toBe(0);
    expect(r!.stderr).toMatch(SUMMARY);
  });

  test("the pcap driver's out: file is valid while the engine runs; a running capture ends when the engine stops", async () => {
    const path = join(dir, 'out.pcap');
    expect(readCapture(readFileSync(path), path).frames.length).toBeGreaterThan(0);
    expect((await tshark(path, ['ip.ttl'])).every((r) => r[0] === '63')).toBe(true);
    const file = join(dir, 'last.pcapng');
    const c = capture(['wm0', '--pcapng', '-w', file]);
    const done = finished(c);
    await grown(file, 100); // its header and a frame: the capture is running
    engine!.kill('SIGINT');
    const [r, e] = await Promise.all([done, engineDone]);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^recorded \d+ frames sent on wm1 to .*out\.pcap$/m);
    expect(r.code).toBe(0);
    const n = Number(SUMMARY.exec(r.stderr)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(await tshark(file, ['frame.interface_name'])).toHaveLength(n);
  });
});
