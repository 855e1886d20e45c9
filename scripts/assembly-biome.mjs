#!/usr/bin/env node
// Runs Biome, the formatter and linter of the rest of the tree, over assembly/ (AssemblyScript).
//
// AssemblyScript is TypeScript syntax except for one thing that matters here: decorators on top-level
// functions and globals (`@inline function ld8(...)`, `@inline export const X`), which TypeScript allows
// on classes only, so Biome's parser stops with "Decorators are not valid here". (Decorators on classes
// and their members, `@unmanaged class`, parse as they are.) So this script works on a temporary copy of
// assembly/ where each such decorator is hidden, runs Biome there with the repository's biome.jsonc (its
// `assembly/**` override switches off the rules that do not hold for AssemblyScript), and brings the
// result back:
//   lint            decorators blanked to spaces, so each diagnostic's line and column are the real file's
//                   and the paths printed are the real ones (assembly/...); fixes are not written back.
//   format          decorators turned into comments (`/*@inline*/ function`), formatted, turned back;
//                   lists the files whose formatting differs and exits 1 if any.
//   format --write  the same, and writes the formatted files back into assembly/.
// A release build of the formatted tree gave a byte-identical build/mpstack.wasm when this was set up.
//
// Usage: node scripts/assembly-biome.mjs lint | format [--write]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const biome = join(root, 'node_modules', '.bin', 'biome');

// A decorator at the start of a line, before a function or a global: `@inline`, `@external("env", "f")`.
const DECORATOR =
  /^([ \t]*)(@[A-Za-z_$][\w$]*(?:\([^)\n]*\))?)(?=[ \t\n]+(?:export[ \t]+)?(?:declare[ \t]+)?(?:function|const|let|var)\b)/gm;
// The same decorator hidden in a comment for formatting; Biome keeps a leading comment where it is.
const HIDDEN = /\/\*(@[A-Za-z_$][\w$]*(?:\([^)\n]*\))?)\*\//g;

/** Blanks each top-level decorator to as many spaces (positions unchanged: for lint diagnostics). */
export const blank = (text) => text.replace(DECORATOR, (_, indent, deco) => indent + ' '.repeat(deco.length));
/** Hides each top-level decorator in a comment, and back (for formatting). */
export const hide = (text) => text.replace(DECORATOR, (_, indent, deco) => `${indent}/*${deco}*/`);
export const unhide = (text) => text.replace(HIDDEN, (_, deco) => deco);

/** Every .ts file under assembly/, as repository-relative paths. */
function sources(dir = 'assembly', out = []) {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) sources(rel, out);
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Copies assembly/ into a fresh folder with `transform` applied, and runs biome there. */
function runBiome(args, transform, after) {
  const quiet = Boolean(after); // format: print Biome's report only when it fails (a parse error)
  const work = mkdtempSync(join(tmpdir(), 'mpstack-assembly-biome-'));
  try {
    const files = sources();
    for (const f of files) {
      const text = readFileSync(join(root, f), 'utf8');
      if (text.includes('/*@'))
        throw new Error(`${f}: contains a /*@...*/ comment, which the format mode would unhide`);
      mkdirSync(dirname(join(work, f)), { recursive: true });
      writeFileSync(join(work, f), transform(text));
    }
    const config = {
      extends: [join(root, 'biome.jsonc')],
      vcs: { enabled: false },
      // Replaces the extended list (which leaves assembly/ out); '**' and not 'assembly/**', because the
      // folder named on the command line must itself match.
      files: { includes: ['**'] },
    };
    writeFileSync(join(work, 'biome.json'), JSON.stringify(config));
    const r = spawnSync(biome, [...args, 'assembly'], {
      cwd: work,
      stdio: quiet ? 'pipe' : 'inherit',
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      if (quiet) process.stderr.write(r.stdout + r.stderr);
      return r.status ?? 1;
    }
    return after ? after(work, files) : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function format(write) {
  return runBiome(['format', '--write'], hide, (work, files) => {
    let differ = 0;
    for (const f of files) {
      const before = readFileSync(join(root, f), 'utf8');
      const after = unhide(readFileSync(join(work, f), 'utf8'));
      const count = (t) => t.match(DECORATOR)?.length ?? 0;
      if (count(after) !== count(before)) throw new Error(`${f}: formatting moved a decorator; not written`);
      if (after === before) continue;
      differ++;
      if (write) writeFileSync(join(root, f), after);
      else console.error(`${f}: not formatted (npm run lint:fix)`);
    }
    if (!write && differ) return 1;
    console.log(`assembly/: ${files.length} files, ${differ} ${write ? 'formatted' : 'to format'}`);
    return 0;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode = 'lint', ...rest] = process.argv.slice(2);
  if (mode === 'lint') process.exitCode = runBiome(['lint', '--error-on-warnings', ...rest], blank);
  else if (mode === 'format') process.exitCode = format(rest.includes('--write'));
  else {
    console.error('usage: node scripts/assembly-biome.mjs lint | format [--write]');
    process.exitCode = 2;
  }
}
