import { describe, expect, it } from '@jest/globals';
import {
  LAYOUT_BASE,
  BUF_HEADROOM,
  RXR_SIZE,
  RXR_NSLOT,
  RXD_SIZE,
  RXD_BUF,
  RXD_LEN,
  PRH_BUCKETS,
} from '../../../assembly/layout.js';
import { bucketLow } from '../../machine/flow-probe.js';
import { createMemory } from '../../stack/wasm.js';
import { Mem } from '../util/mem.js';
import { probe_bucket, probe_stamp } from './probe.js';

describe('probe_bucket', () => {
  it('one bucket per microsecond below 16, then 8 per power of two, the last below PRH_BUCKETS', () => {
    expect([0, 1, 15, 16, 17, 18, 31, 32, 36].map(probe_bucket)).toEqual([0, 1, 15, 16, 16, 17, 23, 24, 25]);
    expect(probe_bucket(0xffffffff)).toBe(PRH_BUCKETS - 1);
    for (const v of [0, 5, 16, 100, 1000, 12345, 2 ** 20 + 7, 2 ** 31 + 3]) {
      const b = probe_bucket(v);
      expect(bucketLow(b)).toBeLessThanOrEqual(v);
      if (b + 1 < PRH_BUCKETS) expect(bucketLow(b + 1)).toBeGreaterThan(v);
    }
  });
});

describe('probe_stamp', () => {
  it('writes queue, number and time into the last 12 bytes, and keeps their ones-complement sum', () => {
    const memory = createMemory(LAYOUT_BASE + 65536);
    const m = new Mem(memory);
    const r = LAYOUT_BASE;
    const cl = LAYOUT_BASE + 4096;
    m.dv.setUint32(r + RXR_NSLOT, 4, true);
    for (let s = 0; s < 4; s++) m.dv.setUint32(r + RXR_SIZE + s * RXD_SIZE + RXD_BUF, cl + s * 2048, true);
    // slot 3 and, wrapping, slot 0: 60-byte frames of 0x5a
    for (const s of [3, 0]) {
      m.dv.setUint16(r + RXR_SIZE + s * RXD_SIZE + RXD_LEN, 60, true);
      new Uint8Array(memory.buffer, cl + s * 2048 + BUF_HEADROOM, 60).fill(0x5a);
    }
    probe_stamp(m, r, 7, 2, 9, 0x12345, 0xdeadbeef);
    const words = (s: number) =>
      Array.from({ length: 6 }, (_, i) => m.dv.getUint16(cl + s * 2048 + BUF_HEADROOM + 48 + i * 2, true));
    const sum = (w: number[]) => {
      let x = w.reduce((a, b) => a + b, 0);
      while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
      return x % 0xffff;
    };
    expect(words(3).slice(0, 5)).toEqual([9, 0x2345, 0x1, 0xbeef, 0xdead]);
    expect(words(0).slice(0, 5)).toEqual([9, 0x2346, 0x1, 0xbeef, 0xdead]);
    expect(sum(words(3))).toBe(sum(new Array(6).fill(0x5a5a)));
    expect(sum(words(0))).toBe(sum(new Array(6).fill(0x5a5a)));
    // the bytes before the stamp are untouched
    expect([...new Uint8Array(memory.buffer, cl + 3 * 2048 + BUF_HEADROOM, 48)].every((b) => b === 0x5a)).toBe(true);
  });
});
