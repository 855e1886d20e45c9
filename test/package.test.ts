// package.json names files the build makes: main, types and the bin must exist after `npm run build`
// (npm test builds first). The full package (exports map, tarball contents) is the embedding issue's.
import { expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
};

test.each([['main', pkg.main], ['types', pkg.types], ...Object.entries(pkg.bin).map(([k, v]) => [`bin.${k}`, v])])(
  '%s (%s) exists in the built tree',
  (_field, path) => {
    expect(existsSync(path as string)).toBe(true);
  },
);
