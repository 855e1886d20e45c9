// What the other runtimes load must not reach for Node: walks the import graph of the built entries
// (dist/, what Deno and the browser actually import) and checks every specifier. The page may import
// the two packages its import map names; a Web Worker has no import map, so the CPU worker's graph
// may import no package at all.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { requireBuilt, ROOT } from './reference.js';

// static `import … from '…'`, `export … from '…'`, side-effect `import '…'`, and `import('…')`
const SPECIFIER =
  /(?:^|[;\n])\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every file the entry reaches through relative imports, and every other specifier with who imports it. */
function graph(entry: string): { files: string[]; external: Map<string, string> } {
  const files = new Set<string>();
  const external = new Map<string, string>();
  const todo = [join(ROOT, entry)];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('./') || spec.startsWith('../')) todo.push(join(dirname(f), spec));
      else if (!external.has(spec)) external.set(spec, relative(ROOT, f));
    }
  }
  return { files: [...files].map((f) => relative(ROOT, f)), external };
}

describe('the portable entries import nothing of Node', () => {
  test.each([
    ['dist/ts/portable/index.js', ['yaml', 'zod']],
    ['dist/ts/scenario/digest.js', ['yaml', 'zod']],
    ['dist/ts/web/page.js', ['yaml', 'zod']],
    ['dist/ts/web/live.js', ['yaml', 'zod']],
    ['dist/ts/web/cpu-thread-web.js', []],
  ])('%s', (entry, allowed) => {
    requireBuilt();
    const { files, external } = graph(entry);
    expect(files.length).toBeGreaterThan(1);
    const bad = [...external]
      .filter(([spec]) => !allowed.includes(spec))
      .map(([spec, by]) => `${spec} (imported by ${by})`);
    expect(bad).toEqual([]);
  });

  test('the graph walk sees Node imports where there are some', () => {
    requireBuilt();
    const { external } = graph('dist/ts/host/host-node.js');
    expect([...external.keys()]).toEqual(expect.arrayContaining(['node:fs', 'node:worker_threads']));
  });
});
