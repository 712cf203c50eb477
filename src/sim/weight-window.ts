const BUCKET_MS = 1_000;

/**
 * Request weight used in a rolling window, kept in one-second buckets so a
 * check costs O(buckets) at worst and O(1) usually, like Binance's
 * `x-mbx-used-weight-1m`.
 */
export class WeightWindow {
  readonly #windowMs: number;
  readonly #buckets: { at: number; weight: number }[] = [];
  #used = 0;

  constructor(windowMs = 60_000) {
    this.#windowMs = windowMs;
  }

  /** Weight used in the window ending at `nowMs`. */
  used(nowMs: number): number {
    this.#expire(nowMs);
    return this.#used;
  }

  /** Records `weight` at `nowMs`. */
  add(weight: number, nowMs: number): void {
    const at = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS;
    const last = this.#buckets[this.#buckets.length - 1];
    if (last !== undefined && last.at === at) last.weight += weight;
    else this.#buckets.push({ at, weight });
    this.#used += weight;
  }

  /** Milliseconds until at least `weight` more fits under `limit`. */
  msUntilFits(weight: number, limit: number, nowMs: number): number {
    let used = this.used(nowMs);
    for (const bucket of this.#buckets) {
      if (used + weight <= limit) break;
      used -= bucket.weight;
      if (used + weight <= limit) return bucket.at + this.#windowMs - nowMs;
    }
    return used + weight <= limit ? 0 : this.#windowMs;
  }

  /** Forgets everything. */
  clear(): void {
    this.#buckets.length = 0;
    this.#used = 0;
  }

  #expire(nowMs: number): void {
    let drop = 0;
    while (drop < this.#buckets.length && this.#buckets[drop]!.at + this.#windowMs <= nowMs) {
      this.#used -= this.#buckets[drop]!.weight;
      drop++;
    }
    if (drop > 0) this.#buckets.splice(0, drop);
  }
}
