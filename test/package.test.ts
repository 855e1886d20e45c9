// The package as a user gets it: `npm pack`, installed into an empty project with its runtime
// dependencies only, then the README's package examples run there (the node one in Node, the core
// one in Node and Deno). Also: package.json names files the build makes, and the tarball holds no
// benchmarks, tests or source maps. Needs the build (npm test builds first; pack runs no scripts, so it
// never rebuilds dist/ under the other tests) and the npm registry or npm's cache for the runtime
// dependencies.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};

test.each([
  ['main', pkg.main],
  ['types', pkg.types],
  ...Object.entries(pkg.bin).map(([k, v]) => [`bin.${k}`, v]),
  ...Object.entries(pkg.exports).flatMap(([k, v]) =>
    typeof v === 'string'
      ? [[`exports["${k}"]`, v]]
      : [
          [`exports["${k}"].types`, v.types],
          [`exports["${k}"]`, v.default],
        ],
  ),
])('%s (%s) exists in the built tree', (_field, path) => {
  expect(existsSync(path as string)).toBe(true);
});

/** The README's code block after `<!-- example: NAME -->`. */
function readmeExample(name: string): string {
  const readme = readFileSync('README.md', 'utf8');
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no example '${name}'`);
  return m[1]!;
}

describe('the packed package', () => {
  let dir = '';
  let files: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mpstack-pkg-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((f) => f.path);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    execFileSync(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0]!.filename)],
      { cwd: dir, stdio: 'pipe' },
    );
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('holds what users need and nothing else', () => {
    expect(files).toEqual(
      expect.arrayContaining(['dist/ts/index.js', 'dist/ts/portable/index.d.ts', 'build/mpstack.wasm']),
    );
    expect(files.filter((f) => /^dist\/(bench|test)\/|\.map$|\.test\./.test(f))).toEqual([]);
  });

  test("the README's node example runs against the installed package", () => {
    writeFileSync(join(dir, 'node-example.mjs'), readmeExample('node'));
    const r = spawnSync(process.execPath, ['node-example.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('203.0.113.9 203.0.113.0/24 via 198.51.100.254 dev wm1');
  });

  test("the README's router example runs against the installed package", () => {
    writeFileSync(join(dir, 'router-example.mjs'), readmeExample('router'));
    const r = spawnSync(process.execPath, ['router-example.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['wm1 sends 60 bytes', "[ 'wm1' ]"]);
  });

  test("the README's core example runs in Node and in Deno, with the same answer", () => {
    writeFileSync(join(dir, 'core-example.mjs'), readmeExample('core'));
    const node = spawnSync(process.execPath, ['core-example.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(node.stderr).toBe('');
    expect(node.stdout.trim()).toBe('drop l2-other-host');
    const deno = spawnSync(
      join(ROOT, 'node_modules/.bin/deno'),
      ['run', '--allow-read', '--allow-env', 'core-example.mjs'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(deno.status).toBe(0);
    expect(deno.stdout.trim()).toBe(node.stdout.trim());
  });
});
