// The Node side of the cross-runtime tests: the reference run (ts/scenario/digest.ts) in this
// process, once per test file, and where the built code the other runtimes load lives.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario, type ScenarioResult } from '../../ts/scenario/digest.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Frames and seed every runtime forwards. */
export const FRAMES = 4000;
export const SEED = 1;

let node: Promise<ScenarioResult> | undefined;
/** Node's run of the WASM core (once per test file). */
export function nodeRun(): Promise<ScenarioResult> {
  node ??= runScenario({ frames: FRAMES, seed: SEED, engine: 'wasm' });
  return node;
}

/** The other runtimes load dist/ and build/: fail at once if `npm run build` has not made them. */
export function requireBuilt(): void {
  for (const f of ['dist/ts/scenario/digest.js', 'dist/ts/web/page.js', 'build/mpstack.wasm']) {
    if (!existsSync(`${ROOT}${f}`)) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does)`);
  }
}

/** The parts of a run that must agree between runtimes (everything but the timing). */
export function comparable(r: ScenarioResult): Omit<ScenarioResult, 'ms'> {
  const { ms: _ms, ...rest } = r;
  return rest;
}
