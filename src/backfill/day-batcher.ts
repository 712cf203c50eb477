import type { Range } from '../core/range-math.js';
import type { Page, Row } from '../core/rows.js';
import { DAY_MS } from '../core/time.js';

/** A chunk ready to be written: whole UTC days (except at the ends of a fetch). */
export interface Chunk<B = Row[]> {
  readonly range: Range;
  readonly rows: B;
}

/** Rows gathered between cuts, kept in the form the store will take them in. */
export interface RowBuffer<B> {
  /** Rows held. */
  readonly length: number;
  /** Appends a page's rows (pages come in time order). */
  append(page: Page): void;
  /** Time of the i-th row held. */
  tsAt(i: number): number;
  /** Removes the first `count` rows and returns them. */
  take(count: number): B;
}

/** A {@link RowBuffer} of row objects. */
export class ObjectRowBuffer implements RowBuffer<Row[]> {
  #rows: Row[] = [];

  get length(): number {
    return this.#rows.length;
  }

  append(page: Page): void {
    for (const row of page.rows) this.#rows.push(row);
  }

  tsAt(i: number): number {
    return this.#rows[i]!.tsMs;
  }

  take(count: number): Row[] {
    if (count === this.#rows.length) {
      const all = this.#rows;
      this.#rows = [];
      return all;
    }
    const head = this.#rows.slice(0, count);
    this.#rows = this.#rows.slice(count);
    return head;
  }
}

/**
 * Gathers consecutive pages into chunks that end on a UTC day boundary, so
 * each day file is written once per chunk instead of once per page.
 */
export class DayBatcher<B = Row[]> {
  private startMs: number | undefined;
  private endMs: number | undefined;

  /**
   * @param buffer where rows wait for their chunk.
   * @param minRows rows to gather before a chunk is cut at the last whole day.
   * About four weeks of 1m candles: each store write has a fixed cost
   * (coverage, fsyncs), so fewer, larger writes are cheaper, while a chunk
   * stays a few MB.
   */
  constructor(
    private readonly buffer: RowBuffer<B>,
    private readonly minRows = 40_000,
  ) {}

  /** Adds a page (pages must arrive in time order, contiguous) and returns a chunk when one is due. */
  add(page: Page): Chunk<B> | undefined {
    if (this.endMs !== undefined && page.startMs !== this.endMs) {
      // A hole between pages: close what we have so coverage never spans the hole.
      const chunk = this.flush();
      this.startMs = page.startMs;
      this.endMs = page.endMs;
      this.buffer.append(page);
      return chunk;
    }
    this.startMs ??= page.startMs;
    this.endMs = page.endMs;
    this.buffer.append(page);
    const boundary = Math.floor(this.endMs / DAY_MS) * DAY_MS;
    if (boundary <= this.startMs || this.buffer.length < this.minRows) return undefined;
    return this.cut(boundary);
  }

  /** Whatever is left, as a final chunk. */
  flush(): Chunk<B> | undefined {
    if (this.startMs === undefined || this.endMs === undefined) return undefined;
    const chunk = {
      range: { startMs: this.startMs, endMs: this.endMs },
      rows: this.buffer.take(this.buffer.length),
    };
    this.startMs = undefined;
    this.endMs = undefined;
    return chunk;
  }

  private cut(boundary: number): Chunk<B> {
    // Rows are in time order, so the split point is found by binary search.
    let lo = 0;
    let hi = this.buffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buffer.tsAt(mid) < boundary) lo = mid + 1;
      else hi = mid;
    }
    const chunk = {
      range: { startMs: this.startMs!, endMs: boundary },
      rows: this.buffer.take(lo),
    };
    this.startMs = boundary;
    if (boundary === this.endMs) {
      this.startMs = undefined;
      this.endMs = undefined;
    }
    return chunk;
  }
}
