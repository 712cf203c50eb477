import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocateCandleColumns } from '../../src/core/candle-columns.js';
import { makeSeries } from '../../src/core/series.js';
import { encodeCandleDay } from '../../src/storage/parquet/candle-encoder.js';

/** One candle of a fixture; `tsMs` epoch ms. */
export interface FixtureCandle {
  tsMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Writes candles as day files (the server's own encoder) straight into a
 * backtest cache, one file per UTC day: a cache as a pull would leave it.
 */
export async function writeCachedDays(
  cacheDir: string,
  subject: string,
  candles: readonly FixtureCandle[],
  source = 'sim',
): Promise<string[]> {
  const series = makeSeries({ source, subject, kind: 'candle', granularity: '1m' });
  const byDay = new Map<string, FixtureCandle[]>();
  for (const c of candles) {
    const day = new Date(c.tsMs).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), c]);
  }
  const dir = join(cacheDir, source, encodeURIComponent(subject), 'candle', '1m');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [day, rows] of byDay) {
    const columns = allocateCandleColumns(rows.length);
    rows.forEach((c, i) => {
      columns.tsMs[i] = c.tsMs;
      columns.open[i] = c.open;
      columns.high[i] = c.high;
      columns.low[i] = c.low;
      columns.close[i] = c.close;
      columns.volume[i] = c.volume;
    });
    const file = join(dir, `${day}.parquet`);
    writeFileSync(file, await encodeCandleDay(series, columns));
    written.push(file);
  }
  return written;
}
