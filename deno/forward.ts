// The forwarding core under Deno: loads the built core (dist/ and build/mpstack.wasm, from
// `npm run build`), forwards the default scenario's seeded traffic mix, and prints the run's summary
// as one JSON line: counters, paths and the SHA-256 of every verdict and output byte, which must be
// Node's to the bit (test/runtimes/deno.test.ts compares them).
//
//   deno run --allow-read=build deno/forward.ts [--frames N] [--seed S] [--engine wasm|ts]
//
// The bare specifiers dist/ imports (yaml, zod) resolve from node_modules through package.json.
import { loadWasm } from '../dist/ts/portable/index.js';
import { runScenario } from '../dist/ts/scenario/digest.js';

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1]! : fallback;
}

const frames = Number(arg('frames', '4000'));
const seed = Number(arg('seed', '1'));
const engine = arg('engine', 'wasm');
if (!Number.isInteger(frames) || frames < 1 || !Number.isInteger(seed) || (engine !== 'wasm' && engine !== 'ts')) {
  console.error('usage: deno run --allow-read=build deno/forward.ts [--frames N] [--seed S] [--engine wasm|ts]');
  Deno.exit(2);
}

await loadWasm(await Deno.readFile(new URL('../build/mpstack.wasm', import.meta.url)));
const result = await runScenario({ frames, seed, engine });
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, ...result }));
