#!/usr/bin/env node
// Import direction check (issue 9, point 7): a file may import only from its own layer or a lower one,
// so a reader can learn a layer from the layers below it alone and nothing low reaches back up.
//
// Why a script and not Biome's noRestrictedImports: that rule matches the import string as written.
// Our imports are relative ('../machine/machine.js', '../../assembly/layout.js'), so the same target is
// spelled differently at each folder depth, and a per-folder pattern list would have to be repeated for
// every depth, with a new subfolder silently escaping it. Here each specifier is resolved against the
// importing file and the resolved path is mapped to a layer; a file under a folder that has no layer
// fails the check, so adding a folder forces a decision about where it sits.
//
// Usage: node scripts/check-imports.mjs   (exit 1 and one line per violation: file -> imported file;
// the violations listed in KNOWN are printed as warnings until they are fixed)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first. Each entry: a folder (trailing '/') or a file, relative to the repository root. */
export const LAYERS = [
  ['assembly/', 'ts/errors.ts', 'ts/rng.ts', 'ts/kernels/', 'ts/addr/'], // L0 kernels and leaf helpers
  ['ts/sync/', 'ts/packet/', 'ts/io/', 'ts/config/'], // L1 building blocks
  ['ts/stack/'], // L2 single-CPU stack and its tables
  ['ts/control/'], // L3 the control plane (writer lock, every control operation)
  ['ts/machine/'], // L4 runtime-neutral multi-CPU machine
  ['ts/host/', 'ts/portable/'], // L5 hosts
  ['ts/scenario/', 'ts/rfc2544/'], // L6 scenarios and instruments driving a machine
  ['ts/cli/', 'ts/web/', 'ts/index.ts'], // L7 user interfaces, and the package's Node entry (it gathers every layer)
];

/**
 * Imports against the order that were there when this check came in (issue 9), each to be removed by
 * the change that fixes it. Listed ones are reported but do not fail; one that no longer occurs fails,
 * so the list only shrinks. Format: 'importing file -> imported file'.
 */
const KNOWN = new Set([
  // none left: the control plane (ts/control/) took route text and the machine's types out of the
  // layers above, and rng moved to ts/rng.ts
]);

/** Checked roots. Exempt: tests (*.test.ts, test/), bench/, deno/ -- they may reach any layer. */
const ROOTS = ['assembly', 'ts'];
const isExempt = (file) => file.endsWith('.test.ts') || /^(test|bench|deno)\//.test(file);

/** The layer index of a repository-relative posix path, or -1 if it is under no layer. */
export function layerOf(file) {
  for (let i = 0; i < LAYERS.length; i++) {
    for (const entry of LAYERS[i]) {
      if (entry.endsWith('/') ? file.startsWith(entry) : file === entry) return i;
    }
  }
  return -1;
}

// Static imports and re-exports at the start of a statement (so examples in comments do not count),
// side-effect imports, and dynamic import() with a literal specifier.
const IMPORT_RES = [
  /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Relative specifiers of one source text (package imports are not layered here). */
export function importsOf(text) {
  const out = [];
  for (const re of IMPORT_RES) {
    for (const m of text.matchAll(re)) if (m[1].startsWith('.')) out.push(m[1]);
  }
  return out;
}

/** Resolves a relative specifier to a repository path: '.js' is the compiled name of a '.ts' file. */
function resolve(fromFile, spec) {
  let p = posix.normalize(posix.join(posix.dirname(fromFile), spec));
  if (p.endsWith('.js')) p = `${p.slice(0, -3)}.ts`;
  else if (!p.endsWith('.ts') && !p.endsWith('.json')) p = `${p}.ts`; // AssemblyScript omits the extension
  return p;
}

function walk(root, dir, out) {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) walk(root, rel, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
}

export function check(root) {
  const files = [];
  for (const r of ROOTS) walk(root, r, files);
  const problems = [];
  const known = new Set();
  for (const file of files.sort()) {
    if (isExempt(file)) continue;
    const own = layerOf(file);
    if (own < 0) {
      problems.push(`${file}: under no layer; add its folder to LAYERS in scripts/check-imports.mjs`);
      continue;
    }
    for (const spec of importsOf(readFileSync(join(root, file), 'utf8'))) {
      const target = resolve(file, spec);
      const theirs = layerOf(target);
      const key = `${file} -> ${target}`;
      if (theirs > own) {
        if (KNOWN.has(key)) known.add(key);
        else problems.push(`${file} (L${own}) -> ${target} (L${theirs})`);
      } else if (theirs < 0) problems.push(`${key}: under no layer`);
    }
  }
  for (const key of KNOWN) {
    if (!known.has(key)) problems.push(`${key}: fixed, remove it from KNOWN in scripts/check-imports.mjs`);
  }
  return { problems, known: [...known] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = relative(process.cwd(), join(dirname(fileURLToPath(import.meta.url)), '..')) || '.';
  const { problems, known } = check(root.split(sep).join('/'));
  for (const k of known) console.warn(`known, to fix: ${k}`);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-imports: ${problems.length} problem(s) with the layer order (lowest first):`);
    LAYERS.forEach((l, i) => console.error(`  L${i} ${l.join(' ')}`));
    process.exit(1);
  }
  const left = known.length ? ` (${known.length} known, listed above)` : '';
  console.log(`check-imports: no import points to a higher layer${left}`);
}
