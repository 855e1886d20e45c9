// The core under Deno: deno/forward.ts loads the built core (dist/, build/mpstack.wasm) and forwards
// the reference traffic; its verdicts and output bytes (SHA-256) and counters must be Node's.
// The Deno binary is the npm package's (devDependency `deno`), so this runs wherever npm ci ran.
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ScenarioResult } from '../../ts/scenario/digest.js';
import { comparable, FRAMES, nodeRun, requireBuilt, ROOT, SEED } from './reference.js';

const run = promisify(execFile);
const DENO = `${ROOT}node_modules/.bin/deno`;
// yaml's Node build reads LOG_TOKENS and LOG_STREAM; nothing else is granted
const PERMS = ['--allow-read=build', '--allow-env=LOG_TOKENS,LOG_STREAM'];

async function deno(args: string[]): Promise<string> {
  if (!existsSync(DENO)) throw new Error(`${DENO} is missing: npm ci installs it (devDependency deno)`);
  const { stdout } = await run(DENO, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    maxBuffer: 1 << 20,
  });
  return stdout;
}

describe('Deno', () => {
  test('deno/forward.ts type-checks against the built declarations', async () => {
    requireBuilt();
    await deno(['check', '--quiet', 'deno/forward.ts']);
  }, 30_000);

  test.each(['wasm', 'ts'] as const)(
    'forwards the reference traffic (%s engine) exactly as Node does',
    async (engine) => {
      requireBuilt();
      const out = await deno([
        'run',
        '--cached-only',
        ...PERMS,
        'deno/forward.ts',
        '--frames',
        String(FRAMES),
        '--seed',
        String(SEED),
        '--engine',
        engine,
      ]);
      const got = JSON.parse(out) as ScenarioResult & { runtime: string };
      expect(got.runtime).toMatch(/^deno \d+\.\d+/);
      const { runtime: _runtime, ...result } = got;
      const node = await nodeRun();
      expect(node.frames).toBe(FRAMES);
      expect(comparable(result)).toEqual({ ...comparable(node), engine });
    },
    30_000,
  );
});
