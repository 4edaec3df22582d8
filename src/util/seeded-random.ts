/**
 * The project's one seeded PRNG (mulberry32: 32-bit state, passes the usual statistical tests for
 * this use, a few ns a draw). Everything that must be reproducible — weight initialisation,
 * augmentation, synthetic scenes and datasets, benchmarks — draws from it, so one seed gives one
 * result anywhere.
 */

/** A uniform generator in [0, 1) seeded with `seed` (any 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
