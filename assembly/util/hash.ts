// Integer mixing for our own hash tables (ipflow, neighbors). Murmur3's 32-bit finalizer: every
// input bit affects every output bit, which matters when the table index is the low bits only.
// TS twin: ts/kernels/util/hash.ts.

@inline export function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

@inline export function hash_combine(h: u32, v: u32): u32 {
  return fmix32(h ^ (v * 0x9e3779b1 + 0x7f4a7c15));
}
