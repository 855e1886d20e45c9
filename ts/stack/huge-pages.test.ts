// Transparent huge pages for the shared memory: with the advice, touching a fresh memory raises the
// process's AnonHugePages by most of its size; without it (false) it does not. Skipped, with the
// reason, where huge pages cannot be advised (not Linux, THP `never` or missing).
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { adviseHugePages, hugePagesSupport } from './huge-pages.js';
import { createMemory } from './wasm.js';

const MIB = 1024 * 1024;
const why = hugePagesSupport();
if (why !== null) console.warn(`huge-pages.test.ts: skipped: ${why}`);
const onLinuxThp = why === null ? test : test.skip;

/** The process's huge-page-backed anonymous memory, bytes. */
function anonHuge(): number {
  const m = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
  if (!m) throw new Error('no AnonHugePages in /proc/self/smaps_rollup');
  return Number(m[1]) * 1024;
}

/** AnonHugePages growth while a fresh 64 MiB memory built with `setting` is written once. */
function growth(setting: boolean): { advised: number; grew: number } {
  const before = anonHuge();
  const memory = createMemory(64 * MIB, false);
  const advised = adviseHugePages(memory, setting);
  new Uint8Array(memory.buffer).fill(1);
  return { advised, grew: anonHuge() - before };
}

describe('huge pages', () => {
  onLinuxThp('advised memory is backed by huge pages once written; unadvised is not', () => {
    const on = growth(true);
    // all but the unaligned ends: at most one 2-MiB page short at each
    expect(on.advised).toBeGreaterThanOrEqual(60 * MIB);
    expect(on.advised % (2 * MIB)).toBe(0);
    // the kernel may fail to find a free 2-MiB frame for a few pages; most must be huge
    expect(on.grew).toBeGreaterThanOrEqual(on.advised / 2);
    const off = growth(false);
    expect(off.advised).toBe(0);
    expect(off.grew).toBeLessThan(8 * MIB);
  });

  test("false advises nothing anywhere; 'auto' never throws", () => {
    const memory = createMemory(4 * MIB, false);
    expect(adviseHugePages(memory, false)).toBe(0);
    expect(() => adviseHugePages(memory, 'auto')).not.toThrow();
  });

  (why === null ? test.skip : test)('true is an error where huge pages cannot be had', () => {
    expect(() => createMemory(4 * MIB, true)).toThrow(/huge_pages: /);
  });
});
