// TS twin of assembly/util/hash.ts.

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash_combine(h: number, v: number): number {
  return fmix32(h ^ ((Math.imul(v, 0x9e3779b1) + 0x7f4a7c15) >>> 0));
}
