/** One cached response body. */
export interface CachedBody {
  /** File identities the body was built from; a different signature means stale. */
  readonly signature: string;
  readonly body: Uint8Array;
}

/** Options of `new HistoryCache`. */
export interface HistoryCacheOptions {
  /**
   * Total bytes kept; least recently used bodies go first.
   * @default 64 MiB
   */
  readonly maxBytes?: number;
  /**
   * Bodies larger than this are never kept.
   * @default 4 MiB
   */
  readonly maxEntryBytes?: number;
}

/**
 * A small LRU of encoded history responses (JSON or CSV of a short range).
 * Entries are validated by a signature of the files they came from, so a
 * write never serves stale rows: the caller recomputes the signature (a few
 * `stat`s) on every request and a mismatch is a miss.
 */
export class HistoryCache {
  readonly #entries = new Map<string, CachedBody>();
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  #bytes = 0;

  constructor(options: HistoryCacheOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#maxEntryBytes = options.maxEntryBytes ?? 4 * 1024 * 1024;
  }

  /** The body cached for `key` if it was built from files with this `signature`. */
  get(key: string, signature: string): Uint8Array | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.signature !== signature) {
      this.#bytes -= entry.body.byteLength;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.body;
  }

  /** Keeps a body, evicting the least recently used ones past the byte budget. */
  set(key: string, signature: string, body: Uint8Array): void {
    if (body.byteLength > this.#maxEntryBytes) return;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#bytes -= old.body.byteLength;
      this.#entries.delete(key);
    }
    this.#entries.set(key, { signature, body });
    this.#bytes += body.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.body.byteLength;
    }
  }

  /** Bodies kept now. */
  get size(): number {
    return this.#entries.size;
  }
}
