// Headless Debian Chromium for the browser tests (browser.test.ts, serve.test.ts), through
// playwright-core. Chromium is a system package (.ci/run installs it: apt-get install chromium).
// Without it the tests fail, on purpose: a browser test that skips itself would hide a broken CI.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// as root, headless, and nothing that reaches for the network (this machine has none); playwright
// gives each launch a new empty profile
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--no-default-browser-check',
];

/** Launches headless Chromium, or throws saying how to install it. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}
