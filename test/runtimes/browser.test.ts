// The core in a browser (headless Debian Chromium driven by playwright-core): web/index.html served
// by ts/web/serve.ts with the cross-origin-isolation headers. The page forwards the reference
// traffic through the WASM core (must match Node's run byte for byte), then runs the stress test
// with two Web Workers as CPUs over one shared memory, pserialize grace periods and all.
//
// Chromium: see chromium.ts (a system package; without it this test fails, on purpose).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { serveDemo, type WebServer } from '../../ts/web/serve.js';
import type { DemoOutcome } from '../../ts/web/page.js';
import { launchChromium } from './chromium.js';
import { comparable, FRAMES, nodeRun, requireBuilt, SEED } from './reference.js';

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  requireBuilt();
  server = await serveDemo();
  browser = await launchChromium();
}, 40_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('browser (headless Chromium)', () => {
  test('web/index.html: the same verdicts and bytes as Node, then Web Worker CPUs over one shared memory', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(`${server.url}web/index.html?frames=${FRAMES}&seed=${SEED}&cpus=2&seconds=1.5`);
    await page.waitForFunction(
      () => (globalThis as { mpstackDemo?: { state: string } }).mpstackDemo?.state !== 'running',
      null,
      { timeout: 30_000 },
    );
    const o = await page.evaluate(() => (globalThis as unknown as { mpstackDemo: DemoOutcome }).mpstackDemo);
    expect(o.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(o.state).toBe('done');
    expect(o.crossOriginIsolated).toBe(true);

    // one CPU: byte for byte Node's run, and the page shows it
    expect(comparable(o.single!)).toEqual(comparable(await nodeRun()));
    expect(await page.textContent('#digest')).toBe(o.single!.sha256);

    // several CPUs: each Web Worker forwarded; nothing lost; no frame used a freed nexthop; the
    // page waited out grace periods, and saw the workers' read sections open in shared memory
    const mp = o.mp!;
    expect(mp.cpus).toBe(2);
    for (const c of mp.perCpu) expect(c.frames).toBeGreaterThan(0);
    expect(mp.perCpu.reduce((s, c) => s + c.frames, 0)).toBe(mp.frames);
    expect(mp.generated).toBe(mp.frames);
    expect(mp.accounted).toBe(mp.frames);
    expect(mp.violations).toBe(0);
    for (const k of ['route-flap', 'route-change', 'churn', 'route-burst']) expect(mp.ops[k]).toBeGreaterThan(0);
    expect(mp.pszEpoch).toBeGreaterThan(0);
    expect(mp.sectionsSeen.reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
    expect(mp.ok).toBe(true);
    await page.close();
  }, 60_000);

  // web/router.html: createRouter between two stand-in VMs on v86 inbrowser channels (attachBroadcastChannel),
  // on Web Workers (cpus=2, the multi-CPU machine's port links) and on the page's thread (cpus=0)
  test.each([2, 0])(
    'web/router.html: a router between two VMs on BroadcastChannels (cpus=%i)',
    async (cpus) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
      });
      await page.goto(`${server.url}web/router.html?cpus=${cpus}`);
      await page.waitForFunction(
        () => (globalThis as { mpstackRouterDemo?: { state: string } }).mpstackRouterDemo?.state !== 'running',
        null,
        { timeout: 30_000 },
      );
      const o = await page.evaluate(
        () =>
          (
            globalThis as unknown as {
              mpstackRouterDemo: {
                state: string;
                error?: string;
                ttl: number;
                payload: string;
                crossOriginIsolated: boolean;
              };
            }
          ).mpstackRouterDemo,
      );
      expect(o.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(o.state).toBe('done');
      expect(o.crossOriginIsolated).toBe(true);
      expect([o.payload, o.ttl]).toEqual(['hello, vm2', 63]);
      expect(await page.textContent('#status')).toMatch(/VM 2 got "hello, vm2" \(TTL 63\)/);
      await page.close();
    },
    60_000,
  );
});
