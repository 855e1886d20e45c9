// Toeplitz RSS hash: the published verification vectors, then the table hash against the bit-at-a-time
// reference (random keys, inputs, alignments) and WASM against TS, over the same shared memory.
import { beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { LAYOUT_BASE, TOE_KEY_LEN, TOE_MAX_INPUT, TOE_TABLE_SIZE } from '../../../assembly/layout.js';
import { createMemory, instantiateWasm } from '../../stack/wasm.js';
import { Mem } from '../util/mem.js';
import * as toe from './toeplitz.js';

const memory = createMemory(LAYOUT_BASE + (1 << 20));
const w = instantiateWasm(memory);
const m = new Mem(memory);

const KEY = LAYOUT_BASE; // TOE_KEY_LEN bytes
const IN = LAYOUT_BASE + 64; // input, + up to 15 bytes of misalignment
const TAB_WASM = LAYOUT_BASE + 4096; // table built by the WASM engine
const TAB_TS = TAB_WASM + TOE_TABLE_SIZE; // table built by the TS engine

interface Toeplitz {
  bitwise(keyPtr: number, inPtr: number, len: number): number;
  init(keyPtr: number, tablePtr: number): void;
  hash(tablePtr: number, inPtr: number, len: number): number;
}
const wasm: Toeplitz = {
  bitwise: (k, i, len) => w.toe_hash_bitwise(k, i, len) >>> 0,
  init: (k, t) => {
    w.toe_table_init(k, t);
  },
  hash: (t, i, len) => w.toe_hash(t, i, len) >>> 0,
};
const ts: Toeplitz = {
  bitwise: (k, i, len) => toe.toe_hash_bitwise(m, k, i, len),
  init: (k, t) => toe.toe_table_init(m, k, t),
  hash: (t, i, len) => toe.toe_hash(m, t, i, len),
};
const engines: [string, Toeplitz, number][] = [
  ['wasm', wasm, TAB_WASM],
  ['ts', ts, TAB_TS],
];

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex'));
}
function put(p: number, bytes: ArrayLike<number>): void {
  m.u8.set(bytes, p);
}
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}
const v4 = (a: string) => Uint8Array.from(a.split('.').map(Number));
const port = (p: number) => Uint8Array.of(p >> 8, p & 0xff);

// The default key every NIC datasheet and Microsoft's RSS documentation use.
const DEFAULT_KEY = hex(`6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa`);

// Microsoft, "Verifying the RSS hash calculation" (learn.microsoft.com/windows-hardware/drivers/network/
// verifying-the-rss-hash-calculation), the same table as Intel's 82599 datasheet 7.1.2.8.3 "RSS
// Verification Suite" and DPDK app/test/test_thash.c (v4_tbl, v6_tbl).
// Columns: source, source port, destination, destination port, hash without ports, hash with ports.
// Input = src addr | dst addr | src port | dst port, network byte order.
const V4_VECTORS: [string, number, string, number, number, number][] = [
  ['66.9.149.187', 2794, '161.142.100.80', 1766, 0x323e8fc2, 0x51ccc178],
  ['199.92.111.2', 14230, '65.69.140.83', 4739, 0xd718262a, 0xc626b0ea],
  ['24.19.198.95', 12898, '12.22.207.184', 38024, 0xd2d0a5de, 0x5c2b394a],
  ['38.27.205.30', 48228, '209.142.163.6', 2217, 0x82989176, 0xafc7327f],
  ['153.39.163.191', 44251, '202.188.127.2', 1303, 0x5d1809c5, 0x10e828a2],
];
const V6_VECTORS: [Uint8Array, number, Uint8Array, number, number, number][] = [
  // 3ffe:2501:200:1fff::7 -> 3ffe:2501:200:3::1
  [
    hex('3ffe 2501 0200 1fff 0000 0000 0000 0007'),
    2794,
    hex('3ffe 2501 0200 0003 0000 0000 0000 0001'),
    1766,
    0x2cc18cd5,
    0x40207d3d,
  ],
  // 3ffe:501:8::260:97ff:fe40:efab -> ff02::1
  [
    hex('3ffe 0501 0008 0000 0260 97ff fe40 efab'),
    14230,
    hex('ff02 0000 0000 0000 0000 0000 0000 0001'),
    4739,
    0x0f0c461c,
    0xdde51bbf,
  ],
  // 3ffe:1900:4545:3:200:f8ff:fe21:67cf -> fe80::200:f8ff:fe21:67cf
  [
    hex('3ffe 1900 4545 0003 0200 f8ff fe21 67cf'),
    44251,
    hex('fe80 0000 0000 0000 0200 f8ff fe21 67cf'),
    38024,
    0x4b61e985,
    0x02d1feef,
  ],
];

// A non-default key: 0x6d5a repeated (the "symmetric" key of Woo and Park, KAIST 2012). With a key of
// period 16 bits, swapping fields whose offsets differ by a multiple of 16 bits leaves the hash alone.
const SYM_KEY = Uint8Array.from({ length: TOE_KEY_LEN }, (_, i) => (i & 1 ? 0x5a : 0x6d));

/** Key bits [n, n + 32) as a u32, computed independently with BigInt. */
function keyWindow(key: Uint8Array, n: number): number {
  let k = 0n;
  for (const b of key) k = (k << 8n) | BigInt(b);
  return Number((k >> BigInt(key.length * 8 - 32 - n)) & 0xffffffffn);
}

describe.each(engines)('Toeplitz verification vectors, default key (%s)', (_name, e, tab) => {
  beforeAll(() => {
    put(KEY, DEFAULT_KEY);
    e.init(KEY, tab);
  });

  test.each(V4_VECTORS)('IPv4 %s:%d -> %s:%d', (src, sp, dst, dp, h2, h4) => {
    const input = cat(v4(src), v4(dst), port(sp), port(dp));
    put(IN, input);
    expect(e.bitwise(KEY, IN, 8)).toBe(h2);
    expect(e.hash(tab, IN, 8)).toBe(h2);
    expect(e.bitwise(KEY, IN, 12)).toBe(h4);
    expect(e.hash(tab, IN, 12)).toBe(h4);
  });

  test.each(V6_VECTORS.map((v, i) => [i, ...v] as const))('IPv6 vector %d', (_i, src, sp, dst, dp, h2, h4) => {
    const input = cat(src, dst, port(sp), port(dp));
    expect(input.length).toBe(TOE_MAX_INPUT);
    for (const off of [0, 1, 2, 3]) {
      put(IN + off, input);
      expect(e.bitwise(KEY, IN + off, 32)).toBe(h2);
      expect(e.hash(tab, IN + off, 32)).toBe(h2);
      expect(e.bitwise(KEY, IN + off, 36)).toBe(h4);
      expect(e.hash(tab, IN + off, 36)).toBe(h4);
    }
  });

  test('one set input bit selects the key window at that bit; empty and zero inputs hash to 0', () => {
    expect(e.hash(tab, IN, 0)).toBe(0);
    expect(e.bitwise(KEY, IN, 0)).toBe(0);
    m.u8.fill(0, IN, IN + TOE_MAX_INPUT);
    expect(e.hash(tab, IN, TOE_MAX_INPUT)).toBe(0);
    for (let n = 0; n < TOE_MAX_INPUT * 8; n++) {
      m.u8.fill(0, IN, IN + TOE_MAX_INPUT);
      m.u8[IN + (n >> 3)] = 0x80 >> (n & 7);
      const want = keyWindow(DEFAULT_KEY, n);
      expect(e.bitwise(KEY, IN, TOE_MAX_INPUT)).toBe(want);
      expect(e.hash(tab, IN, TOE_MAX_INPUT)).toBe(want);
    }
  });
});

describe('Toeplitz tables: WASM and TS build the same bytes', () => {
  test('default key', () => {
    put(KEY, DEFAULT_KEY);
    wasm.init(KEY, TAB_WASM);
    ts.init(KEY, TAB_TS);
    expect(Buffer.compare(m.u8.subarray(TAB_WASM, TAB_TS), m.u8.subarray(TAB_TS, TAB_TS + TOE_TABLE_SIZE))).toBe(0);
    // entry [i*256 + v] is little-endian
    expect(m.dv.getUint32(TAB_WASM + 0x80 * 4, true)).toBe(keyWindow(DEFAULT_KEY, 0));
    expect(m.dv.getUint32(TAB_WASM + (35 * 256 + 1) * 4, true)).toBe(keyWindow(DEFAULT_KEY, 35 * 8 + 7));
  });

  test('random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: TOE_KEY_LEN, maxLength: TOE_KEY_LEN }), (key) => {
        put(KEY, key);
        wasm.init(KEY, TAB_WASM);
        ts.init(KEY, TAB_TS);
        expect(Buffer.compare(m.u8.subarray(TAB_WASM, TAB_TS), m.u8.subarray(TAB_TS, TAB_TS + TOE_TABLE_SIZE))).toBe(0);
      }),
      { numRuns: 20 },
    );
  });
});

describe.each(engines)('non-default keys against the bitwise reference (%s)', (_name, e, tab) => {
  test('symmetric key 6d5a...: swapping addresses and ports keeps the hash (IPv4 and IPv6)', () => {
    put(KEY, SYM_KEY);
    e.init(KEY, tab);
    for (const [src, sp, dst, dp] of V4_VECTORS) {
      put(IN, cat(v4(src), v4(dst), port(sp), port(dp)));
      const fwd = e.hash(tab, IN, 12);
      expect(fwd).toBe(e.bitwise(KEY, IN, 12));
      put(IN, cat(v4(dst), v4(src), port(dp), port(sp)));
      expect(e.hash(tab, IN, 12)).toBe(fwd);
      expect(e.bitwise(KEY, IN, 12)).toBe(fwd);
    }
    for (const [src, sp, dst, dp] of V6_VECTORS) {
      put(IN, cat(src, dst, port(sp), port(dp)));
      const fwd = e.hash(tab, IN, 36);
      expect(fwd).toBe(e.bitwise(KEY, IN, 36));
      put(IN, cat(dst, src, port(dp), port(sp)));
      expect(e.hash(tab, IN, 36)).toBe(fwd);
    }
  });

  test('random key, input, length 0..36 and alignment: table hash = bitwise, both engines agree', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: TOE_KEY_LEN, maxLength: TOE_KEY_LEN }),
        fc.array(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: TOE_MAX_INPUT }), fc.integer({ min: 0, max: 15 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (key, inputs) => {
          put(KEY, key);
          e.init(KEY, tab);
          for (const [input, off] of inputs) {
            put(IN + off, input);
            const want = ts.bitwise(KEY, IN + off, input.length);
            expect(wasm.bitwise(KEY, IN + off, input.length)).toBe(want);
            expect(e.hash(tab, IN + off, input.length)).toBe(want);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
