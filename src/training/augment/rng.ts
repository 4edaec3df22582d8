/**
 * A small seeded PRNG (mulberry32) so that augmentation is reproducible: the same seed, epoch
 * and sample index give the same picture and boxes in any worker, in any order.
 */
import { seededRandom } from '../../util/seeded-random.js';

/** Random source used by every augmentation step. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** Integer uniform in [0, n). */
  int(n: number): number;
}

/** 32-bit mix of a string or number (FNV-1a then a murmur finaliser), for seeds. */
export function seedHash(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const s = parts.join('\u0001');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A mulberry32 generator seeded with `seed` (any 32-bit integer). */
export function createRng(seed: number): Rng {
  const next = seededRandom(seed);
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    chance: (p) => next() < p,
    int: (n) => Math.floor(next() * n),
  };
}

/** The generator for sample `index` of `epoch` under the run's `seed`. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return createRng(seedHash(seed, epoch, index));
}
