#!/usr/bin/env node
// Lints assembly/ (AssemblyScript) with Biome, the linter the rest of the tree uses.
//
// Biome parses TypeScript, and AssemblyScript is TypeScript syntax except for one thing that matters here:
// decorators on top-level functions and globals (`@inline function ld8(...)`, `@inline export const X`),
// which TypeScript allows on classes only, so Biome stops with "Decorators are not valid here".
// This script copies assembly/ to a temporary folder with every line-leading decorator replaced by as many
// spaces (so each diagnostic's line and column are those of the real file), then runs `biome lint` there
// with the repository's biome.jsonc, whose `assembly/**` override switches off the rules that do not
// hold for AssemblyScript. Diagnostics name the real paths (assembly/...). Fixes are not written back:
// apply them by hand.
//
// Usage: node scripts/lint-assembly.mjs [extra biome lint flags]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A decorator at the start of a line: `@inline`, `@unmanaged`, `@external("env", "f")`, ...
const DECORATOR = /^([ \t]*)(@[A-Za-z_$][\w$]*(?:\([^)\n]*\))?)/gm;

/** The source with each line-leading decorator blanked to spaces of the same length. */
export function blankDecorators(text) {
  return text.replace(DECORATOR, (_, indent, deco) => indent + ' '.repeat(deco.length));
}

function copyBlanked(from, to) {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyBlanked(join(from, e.name), join(to, e.name));
    else if (e.name.endsWith('.ts')) writeFileSync(join(to, e.name), blankDecorators(readFileSync(join(from, e.name), 'utf8')));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), 'mpstack-lint-assembly-'));
  try {
    copyBlanked(join(root, 'assembly'), join(work, 'assembly'));
    const config = {
      extends: [join(root, 'biome.jsonc')],
      vcs: { enabled: false },
      // Replaces the extended list (which leaves assembly/ out); '**' and not 'assembly/**', because the
      // folder named on the command line must itself match.
      files: { includes: ['**'] },
      formatter: { enabled: false },
    };
    writeFileSync(join(work, 'biome.json'), JSON.stringify(config));
    const biome = join(root, 'node_modules', '.bin', 'biome');
    const r = spawnSync(biome, ['lint', '--error-on-warnings', ...process.argv.slice(2), 'assembly'], {
      cwd: work,
      stdio: 'inherit',
    });
    process.exitCode = r.status ?? 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
