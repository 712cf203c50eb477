/**
 * Integer hashing and a seeded PRNG for the sim: every value the simulated
 * market shows is a pure function of (seed, subject, time), so any bar can be
 * computed on its own without walking from genesis.
 */

const TWO_32 = 4_294_967_296;

/** Finalises a 32-bit value (murmur3 fmix32): good avalanche, cheap. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a seed with a non-negative integer up to 2^53 (e.g. epoch ms) to a 32-bit value. */
export function hashInt(seed: number, n: number): number {
  const lo = (n % TWO_32) | 0;
  const hi = Math.floor(n / TWO_32) | 0;
  return mix32(Math.imul(mix32(seed ^ lo) ^ hi, 0x9e3779b1) + 0x7f4a7c15);
}

/** Maps a 32-bit hash to [0, 1). */
export function unit(h: number): number {
  return h / TWO_32;
}

/** FNV-1a hash of a string, for per-subject seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A seeded PRNG (mulberry32) returning numbers in [0, 1).
 * @example const random = seededRandom(7); random(); // 0.…
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32;
  };
}
