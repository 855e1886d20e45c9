import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { posix } from 'node:path';
import { resolvePath } from './path.js';

// Paths built from the segments that matter to resolution: empty (repeated slashes), '.', '..', names.
const seg = fc.constantFrom('', '.', '..', 'a', 'tables', 'b c', '...');
const path = fc
  .tuple(fc.boolean(), fc.array(seg, { maxLength: 6 }), fc.boolean())
  .map(([abs, segs, trailing]) => (abs ? '/' : '') + segs.join('/') + (trailing ? '/' : ''));

describe('resolvePath', () => {
  test('agrees with node:path posix.resolve', () => {
    fc.assert(
      fc.property(path, path, (base, p) => {
        expect(resolvePath(base, p)).toBe(posix.resolve(base, p));
      }),
      { numRuns: 2000 },
    );
  });
  test('the cases load.ts meets', () => {
    expect(resolvePath('/etc/mpstack', 'tables/full.txt')).toBe('/etc/mpstack/tables/full.txt');
    expect(resolvePath('/etc/mpstack', '/srv/full.txt')).toBe('/srv/full.txt');
    expect(resolvePath('/etc/mpstack', '../t.txt')).toBe('/etc/t.txt');
    expect(resolvePath('.', 'r.txt')).toBe(`${process.cwd()}/r.txt`);
  });
});
