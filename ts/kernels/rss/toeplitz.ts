// TS twin of assembly/rss/toeplitz.ts: the Toeplitz RSS hash (bit-at-a-time reference, per-key byte
// table, table hash) over the same linear memory and the same table layout. Same names; `m` first.
// See the AS file for the definition, the table diagram and the concurrency rules.
import { TOE_MAX_INPUT } from '../../../assembly/layout/ifnet.js';
import { type Mem, ld8, ld32, ld32be, st32 } from '../util/mem.js';

/** The reference definition, one input bit at a time. Key TOE_KEY_LEN bytes; len <= TOE_MAX_INPUT. */
export function toe_hash_bitwise(m: Mem, keyPtr: number, inPtr: number, len: number): number {
  let k = ld32be(m, keyPtr); // left-most 32 bits of K
  let r = 0;
  const nbits = len * 8;
  for (let n = 0; n < nbits; n++) {
    if ((ld8(m, inPtr + (n >>> 3)) >>> (7 - (n & 7))) & 1) r ^= k;
    const kb = n + 32; // shift K left: key bit n + 32 enters on the right
    k = ((k << 1) | ((ld8(m, keyPtr + (kb >>> 3)) >>> (7 - (kb & 7))) & 1)) >>> 0;
  }
  return r >>> 0;
}

/** Builds the TOE_TABLE_SIZE-byte table for the key at keyPtr (entry [i*256 + v] = u32 LE). */
export function toe_table_init(m: Mem, keyPtr: number, tablePtr: number): void {
  for (let i = 0; i < TOE_MAX_INPUT; i++) {
    const kw = ld32be(m, keyPtr + i); // key bits [8i, 8i + 32)
    const kn = ld8(m, keyPtr + i + 4); // key bits [8i + 32, 8i + 40)
    const row = tablePtr + i * 1024;
    st32(m, row, 0);
    for (let v = 1; v < 256; v++) {
      const j = Math.clz32(v & -v) - 24; // 7 - ctz(v): the lowest set bit of v is input bit j
      const w = (kw << j) | (kn >>> (8 - j)); // window at key bit 8i + j
      st32(m, row + v * 4, ld32(m, row + (v & (v - 1)) * 4) ^ w);
    }
  }
}

/** Toeplitz hash of [inPtr, inPtr + len) with a table from toe_table_init; len <= TOE_MAX_INPUT. */
export function toe_hash(m: Mem, tablePtr: number, inPtr: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) r ^= ld32(m, tablePtr + (i * 256 + ld8(m, inPtr + i)) * 4);
  return r >>> 0;
}
