// Toeplitz hash for receive-side scaling, as NICs compute it (Microsoft NDIS "RSS hashing functions";
// Intel 82599 datasheet 7.1.2.8). The TS twin is ts/kernels/rss/toeplitz.ts.
//
// Definition, over a 40-byte secret key K and an input of n <= TOE_MAX_INPUT bytes:
//   result = 0
//   for each input bit b, left to right (MSB of input[0] first):
//     if b == 1: result ^= the left-most 32 bits of K
//     shift K left one bit
// The hash is linear over GF(2) in the input, so it splits per input byte: byte value v at
// position i contributes T[i][v] = XOR of the key windows of v's set bits, and the hash of a whole
// input is the XOR of one table entry per byte. The table is built once per key (control plane);
// the per-packet hash is n loads and XORs instead of 8n bit steps.
//
// Table layout (TOE_TABLE_SIZE bytes, one per key, pointed to by IF_RSSTAB):
//
//   tablePtr + 4 * (i * 256 + v): u32, little-endian = T[i][v]
//   +--------------------+--------------------+-- ... --+---------------------+
//   | T[0][0..255] 1 KiB | T[1][0..255] 1 KiB |         | T[35][0..255] 1 KiB |
//   +--------------------+--------------------+-- ... --+---------------------+
//   0                    1024                 2048                  36864 = TOE_TABLE_SIZE
//
// Concurrency: a table is written only by toe_table_init before it is published (IF_RSSTAB store);
// after that it is read-only, so any number of CPUs hash with it without synchronisation. A key
// change builds a new table and publishes its pointer; the old one is freed after a grace period.
// Input is the hash type's fields in wire order (e.g. IPv4/TCP: src addr, dst addr, src port,
// dst port = 12 bytes; IPv6/TCP: 36 bytes). Callers guarantee len <= TOE_MAX_INPUT and that the key
// is TOE_KEY_LEN bytes; nothing here checks (a longer input reads past the key or the table).
import { TOE_MAX_INPUT } from '../layout/ifnet';
import { ld8, ld32be } from '../util/mem';

/**
 * The reference definition, one input bit at a time (slow: for tests and table checks only).
 * keyPtr: TOE_KEY_LEN bytes; inPtr: len bytes, len <= TOE_MAX_INPUT.
 */
export function toe_hash_bitwise(keyPtr: usize, inPtr: usize, len: u32): u32 {
  let k = ld32be(keyPtr); // left-most 32 bits of K
  let r: u32 = 0;
  const nbits = len << 3;
  for (let n: u32 = 0; n < nbits; n++) {
    if ((ld8(inPtr + (n >> 3)) >> (7 - (n & 7))) & 1) r ^= k;
    // shift K left: key bit n + 32 enters on the right (at most bit 319 of the 320)
    const kb = n + 32;
    k = (k << 1) | ((ld8(keyPtr + (kb >> 3)) >> (7 - (kb & 7))) & 1);
  }
  return r;
}

/**
 * Builds the byte table for the key at keyPtr into [tablePtr, tablePtr + TOE_TABLE_SIZE).
 * Row i, entry v: each set bit of v (bit 7 - j, j = 0..7 from the MSB) adds the key window starting at
 * key bit 8i + j; entries are built from the entry with the lowest set bit cleared, so 255 XORs a row.
 */
export function toe_table_init(keyPtr: usize, tablePtr: usize): void {
  for (let i: u32 = 0; i < <u32>TOE_MAX_INPUT; i++) {
    const kw = ld32be(keyPtr + i); // key bits [8i, 8i + 32)
    const kn = ld8(keyPtr + i + 4); // key bits [8i + 32, 8i + 40)
    const row = tablePtr + ((<usize>i) << 10);
    store<u32>(row, 0);
    for (let v: u32 = 1; v < 256; v++) {
      const j = 7 - ctz<u32>(v); // the lowest set bit of v is input bit j of this byte
      const w = (kw << j) | (kn >> (8 - j)); // window at key bit 8i + j (kn >> 8 is 0 for j = 0)
      store<u32>(row + ((<usize>v) << 2), load<u32>(row + ((<usize>(v & (v - 1))) << 2)) ^ w);
    }
  }
}

/**
 * Toeplitz hash of [inPtr, inPtr + len) with the table at tablePtr (built by toe_table_init);
 * equals toe_hash_bitwise with that table's key. len <= TOE_MAX_INPUT. Four bytes per step: one
 * (unaligned) input load, four table loads and XORs.
 */
export function toe_hash(tablePtr: usize, inPtr: usize, len: u32): u32 {
  let r: u32 = 0;
  let t = tablePtr;
  let q = inPtr;
  const end4 = inPtr + (<usize>len & ~3);
  while (q < end4) {
    const w = load<u32>(q); // input bytes q[0..3] in lanes 0..3 (little-endian)
    r ^= load<u32>(t + (((<usize>w) << 2) & 0x3fc));
    r ^= load<u32>(t + ((<usize>w >> 6) & 0x3fc), 1024);
    r ^= load<u32>(t + ((<usize>w >> 14) & 0x3fc), 2048);
    r ^= load<u32>(t + ((<usize>w >> 22) & 0x3fc), 3072);
    t += 4096;
    q += 4;
  }
  const end = inPtr + <usize>len;
  while (q < end) {
    r ^= load<u32>(t + ((<usize>load<u8>(q)) << 2));
    t += 1024;
    q++;
  }
  return r;
}
