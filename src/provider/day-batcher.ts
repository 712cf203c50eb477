import type { Range } from '../core/range-math.js';
import type { Page, Row } from '../core/rows.js';
import { DAY_MS } from '../core/time.js';

/** A chunk ready to be written: whole UTC days (except at the ends of a fetch). */
export interface Chunk {
  readonly range: Range;
  readonly rows: Row[];
}

/**
 * Gathers consecutive pages into chunks that end on a UTC day boundary, so
 * each day file is written once per chunk instead of once per page.
 */
export class DayBatcher {
  private rows: Row[] = [];
  private startMs: number | undefined;
  private endMs: number | undefined;

  /**
   * @param minRows rows to gather before a chunk is cut at the last whole day.
   * About four weeks of 1m candles: each store write has a fixed cost (staging,
   * coverage, fsyncs), so fewer, larger writes are cheaper, while a chunk stays
   * a few MB.
   */
  constructor(private readonly minRows = 40_000) {}

  /** Adds a page (pages must arrive in time order, contiguous) and returns a chunk when one is due. */
  add(page: Page): Chunk | undefined {
    if (this.endMs !== undefined && page.startMs !== this.endMs) {
      // A hole between pages: close what we have so coverage never spans the hole.
      const chunk = this.flush();
      this.begin(page);
      return chunk;
    }
    if (this.startMs === undefined) this.begin(page);
    else {
      for (const row of page.rows) this.rows.push(row);
      this.endMs = page.endMs;
    }
    const boundary = Math.floor(this.endMs! / DAY_MS) * DAY_MS;
    if (boundary <= this.startMs! || this.rows.length < this.minRows) return undefined;
    return this.cut(boundary);
  }

  /** Whatever is left, as a final chunk. */
  flush(): Chunk | undefined {
    if (this.startMs === undefined || this.endMs === undefined) return undefined;
    const chunk = { range: { startMs: this.startMs, endMs: this.endMs }, rows: this.rows };
    this.rows = [];
    this.startMs = undefined;
    this.endMs = undefined;
    return chunk;
  }

  private begin(page: Page): void {
    this.startMs = page.startMs;
    this.endMs = page.endMs;
    this.rows = [...page.rows];
  }

  private cut(boundary: number): Chunk {
    // Rows are in time order, so the split point is found by binary search.
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.tsMs < boundary) lo = mid + 1;
      else hi = mid;
    }
    const chunk = {
      range: { startMs: this.startMs!, endMs: boundary },
      rows: this.rows.slice(0, lo),
    };
    this.rows = this.rows.slice(lo);
    this.startMs = boundary;
    if (boundary === this.endMs) {
      this.startMs = undefined;
      this.endMs = undefined;
    }
    return chunk;
  }
}
