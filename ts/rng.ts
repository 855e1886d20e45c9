// A seeded pseudo-random generator for every layer that needs reproducible choices: generated route
// tables, traffic, the stress test's operations. Not for anything that must be unpredictable.

/** A small seeded PRNG (mulberry32): the same seed gives the same table on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
