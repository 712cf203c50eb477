import { intersectRanges, type Range } from '../core/range-math.js';
import type { Frame } from '../core/rows.js';
import type { Series } from '../core/series.js';
import type { Store } from '../storage/index.js';
import type { DataSource } from './data-source.js';

/**
 * Any {@link Store} as a source: it serves what its coverage metadata
 * claims, including windows the upstream confirmed empty.
 */
export class StorageSource implements DataSource {
  readonly name = 'storage' as const;
  readonly priority = 10;

  constructor(private readonly store: Store) {}

  /** Always available; a failing store throws from `coverage` or `fetch`. */
  isAvailable(): boolean {
    return true;
  }

  /** The store's coverage inside `range`. */
  async coverage(series: Series, range: Range): Promise<Range[]> {
    return intersectRanges(await this.store.coverage(series), [range]);
  }

  /** The stored rows of `range`. */
  fetch(series: Series, range: Range): Promise<Frame> {
    return this.store.read(series, range);
  }
}
