import type { Range } from '../core/range-math.js';
import type { Frame, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';
import type { DataSource } from './data-source.js';

/**
 * The least a live feed must offer to serve the newest bars through the
 * seamless provider: the closed bars it holds that storage may not have yet.
 * A `LiveFetcher` satisfies it with a thin adapter.
 */
export interface LiveFeed {
  /** Whether it follows this series. */
  supports(series: Series): boolean;
  /** False while disconnected; the provider then skips it. */
  isConnected?(): boolean;
  /** The parts of `range` whose closed bars it holds. */
  coverage(series: Series, range: Range): Range[] | Promise<Range[]>;
  /** Its closed bars inside `range`. */
  bars(series: Series, range: Range): Row[] | Frame | Promise<Row[] | Frame>;
}

/** A {@link LiveFeed} as a {@link DataSource}, asked after storage and before backfill. */
export class LiveSource implements DataSource {
  readonly name = 'live' as const;
  readonly priority = 20;

  constructor(private readonly feed: LiveFeed) {}

  /** Whether the feed is connected. */
  isAvailable(): boolean {
    return this.feed.isConnected?.() ?? true;
  }

  /** What the feed holds of `range`, when it follows the series. */
  async coverage(series: Series, range: Range): Promise<Range[]> {
    return this.feed.supports(series) ? this.feed.coverage(series, range) : [];
  }

  /** The feed's bars in `range`. */
  async fetch(series: Series, range: Range): Promise<Row[] | Frame> {
    return this.feed.bars(series, range);
  }
}
