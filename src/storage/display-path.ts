/** @module How messages name a file: the way a user in this working directory would type it. */
import path from 'node:path';

/**
 * `file` relative to the working directory when it lies inside it
 * (`data/sim/BTC%2FUSDT/candle/1m/2024-01-02.parquet`), else absolute;
 * `/`-separated either way.
 */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  return (inside ? relative : path.resolve(file)).split(path.sep).join('/');
}
