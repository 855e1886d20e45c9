// The twin rule: every file of assembly/ has its TypeScript twin at the same path under ts/kernels/,
// exporting the same functions; and the WASM module's functions are those of the TS registry
// (ts/kernels/index.ts mirrors assembly/index.ts), with the same parameters.
//
// Two halves. The compiler half (below, checked by `npm run typecheck`): build/mpstack.d.ts, the
// declarations asc emits with the module (asconfig.json "bindings"), must declare exactly the functions
// of WasmFunctions (ts/stack/wasm.ts: the twins' signatures less their leading Mem), so a kernel
// missing on either side, or with a different parameter count or result, fails `tsc`. It needs
// `npm run build:wasm` first, as `npm test` does. The jest half walks the two folders' sources, and
// compares the built module's exports with the registry at run time too (for a jest run without tsc).
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { instantiate } from '../build/mpstack.js';
import * as twins from '../ts/kernels/index.js';
import { createMemory, instantiateWasm, type WasmFunctions } from '../ts/stack/wasm.js';

// ---- the compiler half ----------------------------------------------------------------------------

type Built = Awaited<ReturnType<typeof instantiate>>;
type BuiltFunctions = { [n in keyof Built as Built[n] extends (...a: never[]) => unknown ? n : never]: Built[n] };
type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type SameSignature<A, B> = A extends (...a: infer PA) => infer RA
  ? B extends (...a: infer PB) => infer RB
    ? Same<PA, PB> extends true
      ? Same<RA, RB>
      : false
    : false
  : false;
/** Functions the module and the registry disagree on: declared on one side only, or with other parameters or result. */
type Mismatched = {
  [n in keyof BuiltFunctions | keyof WasmFunctions]: n extends keyof BuiltFunctions
    ? n extends keyof WasmFunctions
      ? SameSignature<BuiltFunctions[n], WasmFunctions[n]> extends true
        ? never
        : n
      : n
    : n;
}[keyof BuiltFunctions | keyof WasmFunctions];
// A type error here names the functions that differ between assembly/ and ts/kernels/.
const registryMatchesModule: [Mismatched] extends [never] ? true : Mismatched = true;

// ---- the jest half --------------------------------------------------------------------------------

test('the registry matches the built module (checked by the type above)', () => {
  expect(registryMatchesModule).toBe(true);
});

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Files of assembly/ with no twin, each with the reason. Nothing else may be missing: a new AS file
 * gets its twin at the same path under ts/kernels/.
 */
const NO_TWIN: Record<string, string> = {
  // the linear-memory layout: plain constants that assembly/ and ts/ both compile from this one file
  'layout.ts': 'compiled by both sides',
};
/** A folder assembly/layout/ (the layout split by subsystem) would be compiled by both sides too. */
const noTwin = (rel: string): boolean => rel in NO_TWIN || rel.startsWith('layout/');

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}

/** Names of the functions a file exports (`export function NAME`, `@inline export function NAME` in AS). */
function exportedFunctions(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  return [...src.matchAll(/^(?:@inline\s+)?export\s+function\s+(\w+)/gm)].map((m) => m[1]!).sort();
}

describe('the twin rule', () => {
  const asFiles = tsFiles('assembly');

  test('assembly/ has files, and the exceptions exist', () => {
    expect(asFiles).toEqual(
      expect.arrayContaining(['index.ts', 'fib/radix.ts', 'sync/pserialize.ts', ...Object.keys(NO_TWIN)]),
    );
  });

  test('every file of assembly/ has its twin at the same path under ts/kernels/', () => {
    const twinFiles = new Set(tsFiles('ts/kernels'));
    const missing = asFiles.filter((f) => !noTwin(f) && !twinFiles.has(f));
    expect(missing).toEqual([]);
  });

  test.each(asFiles.filter((f) => !noTwin(f)))('ts/kernels/%s exports the functions of its AS file', (f) => {
    expect(exportedFunctions(`ts/kernels/${f}`)).toEqual(exportedFunctions(`assembly/${f}`));
  });

  test('the module exports the functions of the TS registry, with one parameter fewer where the twin takes a Mem', () => {
    const x = instantiateWasm(createMemory(1 << 20)) as unknown as Record<string, unknown>;
    const fns = (o: Record<string, unknown>): string[] =>
      Object.keys(o)
        .filter((n) => typeof o[n] === 'function')
        .sort();
    expect(fns(x)).toEqual(fns(twins));
    // A twin takes the module's parameters, after a Mem when it touches memory (which only the types tell).
    const arity = (o: Record<string, unknown>, n: string): number => (o[n] as () => void).length;
    const bad = fns(x).filter((n) => ![0, 1].includes(arity(twins, n) - arity(x, n)));
    expect(bad).toEqual([]);
  });

  test('ts/kernels/index.ts re-exports the twins of the files assembly/index.ts re-exports, in its order', () => {
    const reexports = (file: string, ext: string): string[] =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^export \* from ["']\.\/([\w/]+)(?:\.js)?["'];/gm)].map(
        (m) => m[1]! + ext,
      );
    expect(reexports('ts/kernels/index.ts', '.ts')).toEqual(reexports('assembly/index.ts', '.ts'));
  });
});
