// checkLayout on the real layout (no violations) and on doctored copies (each breaks one promise and
// must be named); and assembly/layout.ts against its subsystem files: it re-exports every name of
// every file, and its glossary names, for every prefix, the file that holds it.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as Layout from '../../assembly/layout.js';
import * as base from '../../assembly/layout/base.js';
import * as bridge from '../../assembly/layout/bridge.js';
import * as buffers from '../../assembly/layout/buffers.js';
import * as capture from '../../assembly/layout/capture.js';
import * as cpu from '../../assembly/layout/cpu.js';
import * as encap from '../../assembly/layout/encap.js';
import * as fib4 from '../../assembly/layout/fib4.js';
import * as fib6 from '../../assembly/layout/fib6.js';
import * as ifnet from '../../assembly/layout/ifnet.js';
import * as ipflow from '../../assembly/layout/ipflow.js';
import * as machine from '../../assembly/layout/machine.js';
import * as nbr from '../../assembly/layout/nbr.js';
import * as nev from '../../assembly/layout/nev.js';
import * as pktdesc from '../../assembly/layout/pktdesc.js';
import * as probe from '../../assembly/layout/probe.js';
import * as route from '../../assembly/layout/route.js';
import * as sync from '../../assembly/layout/sync.js';
import { type LayoutValues, checkLayout } from './layout-check.js';

const real = { ...Layout } as LayoutValues;
const files: Record<string, LayoutValues> = {
  'base.ts': base,
  'bridge.ts': bridge,
  'buffers.ts': buffers,
  'capture.ts': capture,
  'cpu.ts': cpu,
  'encap.ts': encap,
  'fib4.ts': fib4,
  'fib6.ts': fib6,
  'ifnet.ts': ifnet,
  'ipflow.ts': ipflow,
  'machine.ts': machine,
  'nbr.ts': nbr,
  'nev.ts': nev,
  'pktdesc.ts': pktdesc,
  'probe.ts': probe,
  'route.ts': route,
  'sync.ts': sync,
};

describe('checkLayout', () => {
  test('the layout keeps every promise', () => {
    expect(checkLayout()).toEqual([]);
  });

  test.each([
    ['a size that cuts off the last field', { PD_SIZE: 28 }, 'PD_HTYPE: bytes 28..29 end past PD_SIZE = 28'],
    ['a per-CPU structure off the cache-line grid', { CTX_SIZE: 176 }, 'CTX_SIZE: 176 is not a whole number'],
    ['an array of constant length that outgrows its structure', { VT_MAXCPU: 25 }, 'VT_COUNTS: bytes 32..132'],
    ['a misaligned u32', { PD_NH: 22 }, 'PD_NH: offset 22 is not 4-byte aligned'],
    ['two fields on the same bytes', { NH_MTU: 20 }, 'NH_MTU: offset 20 overlaps NH_GW'],
    ['an array whose elements lose alignment', { TXR_SIZE: 68 }, 'TXR_SIZE: 68 is not a multiple of its widest'],
    ['a u64 counter off its 8-byte grid', { QS_FRAMES: 36 }, 'QS_FRAMES: offset 36 is not 8-byte aligned'],
    ['a flag bit used twice', { IFF_UP: 1 }, 'IFF_UP: bit 1 used twice'],
    ['a relation the comments state', { MAX_FRAME: 2113 }, 'MAX_FRAME: not BUF_SIZE - BUF_HEADROOM'],
    ['a counter in the drop-reason range', { C_FLOW_FLUSH: 40 }, 'C_FLOW_FLUSH: index 40 not below'],
    ['a drop reason out of range', { R_CANTFORWARD: 26 }, 'R_*: not the values 0 .. R_COUNT - 1'],
    ['a name the check does not know', { PD_EXTRA: 30 }, 'PD_EXTRA: not described'],
  ])('names %s', (_what, change, message) => {
    const violations = checkLayout({ ...real, ...change });
    expect(violations.some((v) => v.startsWith(message))).toBe(true);
  });

  test('a missing constant is a violation, not a crash', () => {
    const { F4_RT: _gone, ...rest } = real;
    expect(checkLayout(rest)).toContain('F4_RT: not an integer constant of the layout');
  });
});

describe('assembly/layout.ts', () => {
  test('re-exports every name of every subsystem file, with its value', () => {
    const union: Record<string, number> = {};
    for (const [file, names] of Object.entries(files)) {
      for (const [n, value] of Object.entries(names)) {
        expect([n, file, n in union]).toEqual([n, file, false]); // no name in two files
        union[n] = value;
      }
    }
    expect(real).toEqual(union);
  });

  test('its glossary names every prefix and the file that holds it', () => {
    const text = readFileSync(new URL('../../assembly/layout.ts', import.meta.url), 'utf8');
    const glossary = [...text.matchAll(/^\/\/ {3}([A-Z0-9_]+) +.* (\w+\.ts)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(glossary.length).toBeGreaterThan(40);
    const unlisted: string[] = [];
    for (const [file, names] of Object.entries(files)) {
      for (const n of Object.keys(names)) {
        const fits = glossary.filter(([p]) => (p.endsWith('_') ? n.startsWith(p) : n === p));
        const entry = fits.sort((a, b) => b[0].length - a[0].length)[0]; // the longest prefix
        if (entry?.[1] !== file) unlisted.push(`${n} (${file}): glossary says ${entry?.[1] ?? 'nothing'}`);
      }
    }
    expect(unlisted).toEqual([]);
  });
});
