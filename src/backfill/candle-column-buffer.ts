import { CandleColumnsBuilder } from '../core/candle-columns.js';
import type { Candle, CandleColumns, Page } from '../core/rows.js';
import type { RowBuffer } from './day-batcher.js';

/**
 * A {@link RowBuffer} that copies candles into growing typed arrays as they
 * arrive (straight from a page's columns when it has them): a chunk of weeks
 * of candles is a few arrays instead of tens of thousands of objects, which
 * the GC would otherwise copy and promote while the chunk waits for its write.
 * A page's columns that arrive while nothing else is held are kept as they
 * are: a page taken whole (a month of an archive file) is never copied.
 */
export class CandleColumnBuffer implements RowBuffer<CandleColumns> {
  #builder: CandleColumnsBuilder | undefined;
  /** Columns of one page held as the page gave them, while the builder is empty. */
  #held: CandleColumns | undefined;

  get length(): number {
    return this.#held?.length ?? this.#builder?.length ?? 0;
  }

  append(page: Page): void {
    if (page.columns !== undefined && this.length === 0) {
      this.#held = page.columns;
      return;
    }
    const builder = this.#spill();
    if (page.columns !== undefined) {
      builder.pushColumns(page.columns);
      return;
    }
    for (const r of page.rows as readonly Candle[]) {
      builder.push(r.tsMs, r.open, r.high, r.low, r.close, r.volume, r.meta ?? null);
    }
  }

  tsAt(i: number): number {
    return this.#held === undefined ? this.#builder!.tsAt(i) : this.#held.tsMs[i]!;
  }

  take(count: number): CandleColumns {
    const held = this.#held;
    if (held !== undefined && count === held.length) {
      this.#held = undefined;
      return held;
    }
    return this.#spill().take(count);
  }

  /** The builder, holding whatever was held by reference. */
  #spill(): CandleColumnsBuilder {
    this.#builder ??= new CandleColumnsBuilder(65_536);
    if (this.#held !== undefined) {
      this.#builder.pushColumns(this.#held);
      this.#held = undefined;
    }
    return this.#builder;
  }
}
