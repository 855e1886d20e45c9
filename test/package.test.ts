// The package as a user gets it: `npm pack`, installed into an empty project with its runtime
// dependencies only, then the README's package examples run there (the node one in Node, the core
// one in Node and Deno), and `mpstack serve` serves its page from there. Also: package.json names
// files the build makes, and the tarball holds no benchmarks, tests or source maps. Needs the build
// (npm test builds first; pack runs no scripts, so it never rebuilds dist/ under the other tests)
// and the npm registry or npm's cache for the runtime dependencies.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const DENO = join(ROOT, 'node_modules/.bin/deno');
const DENO_ENV = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
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
    const deno = spawnSync(DENO, ['run', '--allow-read', '--allow-env', 'core-example.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: DENO_ENV,
    });
    expect(deno.status).toBe(0);
    expect(deno.stdout.trim()).toBe(node.stdout.trim());
  });

  test("the README's multi-CPU example runs on worker threads against the installed package", () => {
    writeFileSync(join(dir, 'mp-example.mjs'), readmeExample('mp'));
    const r = spawnSync(process.execPath, ['mp-example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['true', 'wm1 sends 60 bytes, TTL 63']);
  }, 40_000);

  // each adapter's example: what it prints, and whether it runs in Deno too (the websocket one
  // imports the `ws` package's server, a Node API)
  test.each([
    ['v86', 'net0-receive 60 bytes, ARP op 2', true],
    ['hub', 'the VM hears 60 bytes, ARP op 2', true],
    ['websocket', 'the relay gets 60 bytes, ARP op 2', false],
    ['ring', 'out of the ring: 60 bytes, ARP op 2', true],
  ] as const)(
    "the README's %s adapter example runs against the installed package",
    (name, line, inDeno) => {
      writeFileSync(join(dir, `${name}-example.mjs`), readmeExample(name));
      const node = spawnSync(process.execPath, [`${name}-example.mjs`], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(node.stderr).toBe('');
      expect(node.stdout.trim()).toBe(line);
      if (!inDeno) return;
      const deno = spawnSync(DENO, ['run', '--allow-read', '--allow-env', `${name}-example.mjs`], {
        cwd: dir,
        encoding: 'utf8',
        env: DENO_ENV,
        timeout: 20_000,
      });
      expect(deno.stderr).toBe('');
      expect(deno.stdout.trim()).toBe(line);
    },
    60_000,
  );

  // deno/package/core.test.js: golden vectors and a forwarding scenario, both engines, importing
  // only mpstack/core; under Deno also with cpus: 2 on Web Workers. Node runs the same file.
  test('the core test suite passes under deno test, against the installed package', () => {
    copyFileSync(join(ROOT, 'deno/package/core.test.js'), join(dir, 'core.test.js'));
    const deno = spawnSync(DENO, ['test', '--allow-read', '--allow-env', 'core.test.js'], {
      cwd: dir,
      encoding: 'utf8',
      env: DENO_ENV,
      timeout: 120_000,
    });
    if (deno.status !== 0) throw new Error(`deno test failed:\n${deno.stdout}\n${deno.stderr}`);
    expect(deno.stdout).toMatch(/ok \| 13 passed \| 0 failed/);
    expect(deno.stdout).toContain('two routers on 2 CPUs each, Web Workers (wasm) ... ok');
  }, 150_000);

  test('the same suite passes in Node, against the installed package', () => {
    copyFileSync(join(ROOT, 'deno/package/core.test.js'), join(dir, 'core.test.js'));
    const node = spawnSync(process.execPath, ['core.test.js'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(node.stderr).toBe('');
    expect(
      node.stdout
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('ok ')),
    ).toEqual([]);
    expect(node.stdout.trim().split('\n')).toHaveLength(11);
  }, 70_000);

  // `mpstack serve` from the installed package: the page ships, and the packages its import map
  // names are served from the user's node_modules (where npm put them, beside mpstack)
  test('mpstack serve serves the live page and what it loads from the installed package', async () => {
    const serve = spawn(process.execPath, [join(dir, 'node_modules/.bin/mpstack'), 'serve', '--port', '0'], {
      cwd: dir,
    });
    try {
      const url = await new Promise<string>((ok, no) => {
        let out = '';
        serve.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^mpstack serve: (http:\/\/127\.0\.0\.1:\d+\/)web\/live\.html/m.exec(out);
          if (m) ok(m[1]!);
        });
        serve.once('exit', (code) => no(new Error(`mpstack serve exited (${code}): ${out}`)));
      });
      for (const path of [
        'web/live.html',
        'dist/ts/web/live.js',
        'dist/ts/web/cpu-thread-web.js',
        'build/mpstack.wasm',
        'node_modules/yaml/browser/index.js',
        'node_modules/zod/index.js',
      ])
        expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 200]);
    } finally {
      if (serve.exitCode === null && serve.signalCode === null) {
        const gone = new Promise((r) => serve.once('exit', r));
        serve.kill('SIGINT');
        await gone;
      }
    }
  }, 30_000);
});
