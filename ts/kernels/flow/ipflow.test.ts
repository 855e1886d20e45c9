// ipflow (assembly/flow/ipflow.ts and this folder's twin), both engines over one stack's memory:
// lookups through a bucket computed apart (ipflow_lookup_at, what fwd_batch's pass 1 hands to pass 2)
// find what ipflow_lookup finds, a wrong bucket finds nothing, and the default table keeps 256 flows
// in short chains where NetBSD's 64 buckets do not.
import { describe, expect, test } from '@jest/globals';
import { FE_HNEXT, FT_BUCKETS, FT_HASHSIZE } from '../../../assembly/layout.js';
import { NETBSD_IPFLOW_HASHSIZE, NETBSD_IPFLOW_MAXFLOWS } from '../../config/schema.js';
import { defaultScenarioConfig } from '../../scenario/default.js';
import { Stack } from '../../stack/stack.js';
import type { WasmKernels } from '../../stack/kernels.js';
import { tsKernels } from '../../stack/kernels.js';
import * as twin from './ipflow.js';

type Fn = (...a: number[]) => number;

/** A stack's CPU 0 flow table with `flows` IPv4 flows (192.0.2.10 -> 10.x.y.1) inserted; both engines' calls. */
function setup(flows: number, ipflow?: { hashsize: number; maxflows: number }) {
  const cfg = defaultScenarioConfig();
  if (ipflow) cfg.ipflow = { ...cfg.ipflow, ...ipflow };
  const stack = new Stack(cfg, { engine: 'wasm' });
  const x = (stack.k as WasmKernels).exports as unknown as Record<string, Fn>;
  const m = tsKernels(stack.k.memory).mem;
  const cpu = stack.L.cpu[0]!;
  const ft = cpu.flow;
  let top = stack.L.clusters; // scratch: nothing forwards here
  const keys: number[] = [];
  const mac = top;
  top += 64;
  for (let i = 0; i < flows; i++) {
    const p = top;
    top += 16;
    m.u8.set([192, 0, 2, 10, 10, (i >> 8) & 255, i & 255, 1], p);
    expect(x.ipflow_insert!(ft, p, p + 4, 0, 1, 2, 1500, mac, mac, 1, cpu.counters)).not.toBe(0);
    keys.push(p);
  }
  return { x, m, ft, keys, cnt: cpu.counters };
}

describe('ipflow', () => {
  test('ipflow_lookup_at in the hash bucket finds what ipflow_lookup finds, on both engines', () => {
    const { x, m, ft, keys, cnt } = setup(300);
    const hs = m.dv.getUint32(ft + FT_HASHSIZE, true);
    for (const p of keys) {
      const b = x.ipflow_hash!(ft, p, p + 4, 0) >>> 0;
      expect(twin.ipflow_hash(m, ft, p, p + 4, 0)).toBe(b);
      const e = x.ipflow_lookup!(ft, p, p + 4, 0, 1, cnt) >>> 0;
      expect(e).not.toBe(0);
      expect(x.ipflow_lookup_at!(ft, b, p, p + 4, 0, 1, cnt) >>> 0).toBe(e);
      expect(twin.ipflow_lookup_at(m, ft, b, p, p + 4, 0, 1, cnt)).toBe(e);
      // another bucket holds other flows: a miss, not another flow's entry
      expect(x.ipflow_lookup_at!(ft, (b + 1) & (hs - 1), p, p + 4, 0, 1, cnt) >>> 0).toBe(0);
      expect(twin.ipflow_lookup_at(m, ft, (b + 1) & (hs - 1), p, p + 4, 0, 1, cnt)).toBe(0);
    }
  });

  const longestChain = (m: ReturnType<typeof setup>['m'], ft: number) => {
    const hs = m.dv.getUint32(ft + FT_HASHSIZE, true);
    const buckets = m.dv.getUint32(ft + FT_BUCKETS, true);
    let longest = 0;
    for (let b = 0; b < hs; b++) {
      let n = 0;
      for (let e = m.dv.getUint32(buckets + b * 4, true); e !== 0; e = m.dv.getUint32(e + FE_HNEXT, true)) n++;
      longest = Math.max(longest, n);
    }
    return longest;
  };

  test('the default table holds 256 flows in chains of at most 4; NetBSD-sized, chains get long', () => {
    const d = setup(256);
    expect(longestChain(d.m, d.ft)).toBeLessThanOrEqual(4);
    const n = setup(256, { hashsize: NETBSD_IPFLOW_HASHSIZE, maxflows: NETBSD_IPFLOW_MAXFLOWS });
    expect(longestChain(n.m, n.ft)).toBeGreaterThan(4);
  });
});
