import { CandleColumnsBuilder } from '../core/candle-columns.js';
import type { Candle, CandleColumns, Page } from '../core/rows.js';
import type { RowBuffer } from './day-batcher.js';

/**
 * A {@link RowBuffer} that copies candles into growing typed arrays as they
 * arrive (straight from a page's columns when it has them): a chunk of weeks
 * of candles is a few arrays instead of tens of thousands of objects, which
 * the GC would otherwise copy and promote while the chunk waits for its write.
 */
export class CandleColumnBuffer implements RowBuffer<CandleColumns> {
  readonly #builder = new CandleColumnsBuilder(65_536);

  get length(): number {
    return this.#builder.length;
  }

  append(page: Page): void {
    if (page.columns !== undefined) {
      this.#builder.pushColumns(page.columns);
      return;
    }
    for (const r of page.rows as readonly Candle[]) {
      this.#builder.push(r.tsMs, r.open, r.high, r.low, r.close, r.volume, r.meta ?? null);
    }
  }

  tsAt(i: number): number {
    return this.#builder.tsAt(i);
  }

  take(count: number): CandleColumns {
    return this.#builder.take(count);
  }
}
