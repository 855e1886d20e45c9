// `mpstack serve` and its live page (web/live.html, ts/web/live.ts) in headless Chromium: the CLI
// as a child process, the page loaded from it cross-origin isolated with no console errors, traffic
// flowing through the router on Web Workers (pings answered, the stream received, the flood
// forwarded), and a click on the intrctl table moving a queue's interrupts to the other CPU; then the
// same page attached to a running `mpstack run --web 0` over its WebSocket. Screenshots of the page
// are kept in test-results/ (serve-live.png, run-web-live.png; gitignored).
//
// Chromium: see chromium.ts (a system package; without it this test fails, on purpose).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { LiveOutcome } from '../../ts/web/live.js';
import { launchChromium } from './chromium.js';
import { ROOT, requireBuilt } from './reference.js';

const CLI = `${ROOT}dist/ts/cli/main.js`;
const ARTIFACTS = `${ROOT}test-results`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let child: ChildProcessWithoutNullStreams;
let url: string;
let browser: Browser;
/** a bench output directory for --results: two scenarios at 1 and 2 CPUs (the fields the chart reads) */
let results: string;
const POINTS = [
  { scenario: 'fast', engine: 'wasm', cpus: 1, size: 64, fps: 400_000 },
  { scenario: 'fast', engine: 'wasm', cpus: 2, size: 64, fps: 700_000 },
  { scenario: 'normal', engine: 'wasm', cpus: 1, size: 64, fps: 200_000 },
  { scenario: 'normal', engine: 'wasm', cpus: 2, size: 64, fps: 350_000 },
];

/** Starts `mpstack serve --port 0 --results DIR` and resolves with the page's URL it prints. */
function startServe(): Promise<string> {
  child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--results', results]);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^mpstack serve: (http:\/\/127\.0\.0\.1:\d+\/web\/live\.html)/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`mpstack serve exited (${code}): ${out}${err}`)));
  });
}

const live = (page: Page) => page.evaluate(() => (globalThis as unknown as { mpstackLive: LiveOutcome }).mpstackLive);

beforeAll(async () => {
  requireBuilt();
  results = mkdtempSync(join(tmpdir(), 'mpstack-serve-'));
  writeFileSync(join(results, 'results.json'), JSON.stringify(POINTS));
  url = await startServe();
  browser = await launchChromium();
}, 40_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await gone;
  }
  if (results) rmSync(results, { recursive: true, force: true });
});

describe('mpstack serve', () => {
  test('a port in use is a clear error, exit status 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [CLI, 'serve', '--port', String(port)], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `mpstack: serve: 127.0.0.1:${port} is in use (another server listens there): choose another port\n`,
      );
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  test('--results without results.json is a clear error, exit status 1', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--results', ROOT], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^mpstack: serve: .* has no results\.json \(write one with `mpstack bench rfc2544 --out DIR`\)\n$/,
    );
  });

  test('serves the pages, the built code and the mapped packages, isolated; nothing else', async () => {
    const root = url.replace(/web\/live\.html$/, '');
    for (const [path, status] of [
      ['web/live.html', 200],
      ['dist/ts/web/live.js', 200],
      ['build/mpstack.wasm', 200],
      ['node_modules/yaml/browser/index.js', 200],
      ['node_modules/zod/index.js', 200],
      ['package.json', 404],
      ['web/%2e%2e/package.json', 404],
      ['node_modules/commander/package.json', 404],
    ] as const) {
      const r = await fetch(`${root}${path}`, { redirect: 'manual' });
      expect([path, r.status]).toEqual([path, status]);
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
    const home = await fetch(root, { redirect: 'manual' });
    expect([home.status, home.headers.get('location')]).toEqual([302, '/web/live.html']);
  });

  test('the live page: cross-origin isolated, traffic flows, a click moves a queue to another CPU', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    // `/` opens the live page
    await page.goto(url.replace(/web\/live\.html$/, ''));
    expect(page.url()).toBe(url);
    // running, and both hosts through the router: ARP both ways, pings answered, the stream received
    await page.waitForFunction(
      () => {
        const o = (globalThis as unknown as { mpstackLive?: LiveOutcome }).mpstackLive;
        return (
          o?.state === 'error' ||
          (o?.state === 'running' &&
            o.rfc2544 !== null &&
            o.hosts[0]!.pingsAnswered >= 2 &&
            o.hosts[1]!.streamReceived > 0)
        );
      },
      null,
      { timeout: 30_000 },
    );
    let o = await live(page);
    expect(o.error).toBeUndefined();
    expect(o.crossOriginIsolated).toBe(true);
    expect(o.cpus).toBe(2);
    const [alice, bob] = o.hosts;
    expect(alice!.gatewayMac).toBe('02:00:00:00:00:01');
    expect(bob!.gatewayMac).toBe('02:00:00:00:00:02');
    // the router knows both (from their requests for it, as RFC 826 has it, or by asking)
    const arp = await page.locator('#arp').textContent();
    expect(arp).toContain('? (10.0.1.10) at 02:00:00:00:01:0a on wm0');
    expect(arp).toContain('? (10.0.2.20) at 02:00:00:00:01:14 on wm1');
    // the counters rise: both CPUs forward, and the flood leaves by the sink
    const before = o.counters['fast'] ?? 0;
    await sleep(1500);
    o = await live(page);
    expect(o.counters['fast'] ?? 0).toBeGreaterThan(before);
    for (const c of o.perCpu) expect(c.rxRate).toBeGreaterThan(0);
    expect(await page.locator('#routes').textContent()).toContain('203.0.113.0/24 via 198.51.100.254 dev wm3');
    // the RFC 2544 results served with --results, charted: a line per scenario, a point per run
    expect(o.rfc2544).toEqual({ series: 2, points: 4 });
    expect(await page.locator('#rfc2544 svg circle.point').count()).toBe(4);

    // a click on CPU1's cell of a queue bound to CPU0 binds it there: from then on its interrupts
    // count on CPU1 only, and the page's rates show it
    const q = o.vectors.find((v) => v.id.startsWith('wm2 txrx') && v.cpu === 0)!;
    expect(q).toBeDefined();
    await page.click(`#intrctl td[data-irq="${q.id}"][data-cpu="1"]`);
    await page.waitForFunction(
      (id) =>
        (globalThis as unknown as { mpstackLive: LiveOutcome }).mpstackLive.vectors.find((v) => v.id === id)?.cpu === 1,
      q.id,
      { timeout: 10_000 },
    );
    await sleep(1200); // the hand-over, and an interval of the page's rates after it
    const a = (await live(page)).vectors.find((v) => v.id === q.id)!;
    await sleep(1500);
    o = await live(page);
    const b = o.vectors.find((v) => v.id === q.id)!;
    expect(o.moves).toEqual([`${q.id} -> cpu1`]);
    expect(b.counts[1]! - a.counts[1]!).toBeGreaterThan(0);
    expect(b.counts[0]! - a.counts[0]!).toBe(0);
    expect(b.rates[1]).toBeGreaterThan(0);
    expect(b.rates[0]).toBe(0);
    expect(await page.locator(`#intrctl td[data-irq="${q.id}"][data-cpu="1"]`).textContent()).toMatch(/\*$/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/serve-live.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});

// `mpstack run --web 0`: the same page attached to a running engine over a WebSocket (ts/cli/live-web.ts)
describe('mpstack run --web', () => {
  const CONFIG = `interfaces:
  - name: wm0
    mac: 02:00:00:00:00:01
    addresses: [192.0.2.1/24]
    rss: { queues: 4, udp: true }
    driver: gen
    gen: { src: 192.0.2.0/24, dst: 203.0.113.0/24, flows: 64, size: 64, rate: 20000 }
  - { name: wm1, mac: '02:00:00:00:00:02', addresses: [198.51.100.1/24], driver: sink }
routes:
  - { dst: 203.0.113.0/24, via: 198.51.100.254 }
neighbors:
  - { address: 198.51.100.254, mac: '02:00:00:00:bb:fe', dev: wm1 }
`;
  let run: ChildProcessWithoutNullStreams;
  let dir: string;
  let out = '';

  afterAll(async () => {
    if (run && run.exitCode === null) {
      const gone = new Promise((r) => run.once('exit', r));
      run.kill('SIGINT');
      await gone;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the live page shows a running engine; a wrong token is refused; a click moves its queue', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpstack-run-web-'));
    writeFileSync(join(dir, 'mp.yaml'), CONFIG);
    run = spawn(process.execPath, [
      CLI,
      'run',
      '--config',
      join(dir, 'mp.yaml'),
      '--cpus',
      '2',
      '--web',
      '0',
      '--socket',
      join(dir, 'ctl.sock'),
    ]);
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const pageUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      run.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /^mpstack: live page (http:\/\/127\.0\.0\.1:\d+\/web\/live\.html\?attach=[0-9a-f]{32})$/m.exec(err);
        if (m) resolve(m[1]!);
      });
      run.once('exit', (code) => reject(new Error(`mpstack run exited (${code}): ${err}`)));
    });

    // the socket wants the token, and this page's origin
    const wsUrl = pageUrl.replace(/^http:(.*)\/web\/live\.html\?attach=(.*)$/, 'ws:$1/live?token=$2');
    const { WebSocket } = await import('ws');
    const status = (u: string, origin?: string) =>
      new Promise<string>((r) => {
        const ws = new WebSocket(u, origin ? { origin } : {});
        ws.once('open', () => {
          ws.close();
          r('open');
        });
        ws.once('unexpected-response', (_req, res) => r(String(res.statusCode)));
        ws.once('error', () => r('error'));
      });
    expect(await status(wsUrl.replace(/token=.*$/, 'token=0123'))).toBe('401');
    expect(await status(wsUrl, 'http://example.com')).toBe('403');
    expect(await status(wsUrl)).toBe('open');

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto(pageUrl);
    await page.waitForFunction(
      () => {
        const o = (globalThis as unknown as { mpstackLive?: LiveOutcome }).mpstackLive;
        return o?.state === 'error' || (o?.state === 'running' && o.updates >= 2);
      },
      null,
      { timeout: 30_000 },
    );
    let o = await live(page);
    expect(o.error).toBeUndefined();
    expect(o.cpus).toBe(2);
    expect(o.hosts).toEqual([]); // no router of its own: the engine's traffic
    expect(await page.locator('#hosts-section').isHidden()).toBe(true);
    expect(await page.locator('#title').textContent()).toBe('mpstack live: attached to mpstack run');
    for (const c of o.perCpu) expect(c.rxRate).toBeGreaterThan(0);
    expect(await page.locator('#routes').textContent()).toContain('203.0.113.0/24 via 198.51.100.254 dev wm1');

    const q = o.vectors.find((v) => v.id.startsWith('wm0 txrx') && v.cpu === 0)!;
    await page.click(`#intrctl td[data-irq="${q.id}"][data-cpu="1"]`);
    await page.waitForFunction(
      (id) =>
        (globalThis as unknown as { mpstackLive: LiveOutcome }).mpstackLive.vectors.find((v) => v.id === id)?.cpu === 1,
      q.id,
      { timeout: 10_000 },
    );
    await sleep(1200);
    const a = (await live(page)).vectors.find((v) => v.id === q.id)!;
    await sleep(1500);
    o = await live(page);
    const b = o.vectors.find((v) => v.id === q.id)!;
    expect(b.counts[1]! - a.counts[1]!).toBeGreaterThan(0);
    expect(b.counts[0]! - a.counts[0]!).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/run-web-live.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();

    // the engine itself says so: run's summary has the queue bound to CPU1
    const gone = new Promise<number | null>((r) => run.once('exit', r));
    run.kill('SIGINT');
    expect(await gone).toBe(0);
    expect(out).toMatch(new RegExp(`^${q.id} +\\d+ +\\d+\\*$`, 'm'));
  }, 90_000);
});
