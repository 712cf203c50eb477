import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../core/errors.js';
import { parseSeries } from '../core/series.js';
import { readFillOrigins, recordFillOrigins } from './origin-file.js';

const series = parseSeries('candle:sim:BTC/USDT:1m');
const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gapless-origins-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('origin files', () => {
  it('records which source filled what, merging neighbours and letting a re-fill win', async () => {
    const dir = dataDir();
    expect(await readFillOrigins(dir, series)).toEqual([]);
    await recordFillOrigins(dir, series, [
      { startMs: 0, endMs: 100, via: 'archive' },
      { startMs: 200, endMs: 300, via: 'rest', note: 'x.zip: not in the archive' },
    ]);
    await recordFillOrigins(dir, series, [{ startMs: 100, endMs: 200, via: 'archive' }]);
    await recordFillOrigins(dir, series, [{ startMs: 250, endMs: 300, via: 'archive' }]);
    expect(await readFillOrigins(dir, series)).toEqual([
      { startMs: 0, endMs: 200, via: 'archive' },
      { startMs: 200, endMs: 250, via: 'rest', note: 'x.zip: not in the archive' },
      { startMs: 250, endMs: 300, via: 'archive' },
    ]);
  });

  it('refuses a file that is not the origins of the series', async () => {
    const dir = dataDir();
    await recordFillOrigins(dir, series, [{ startMs: 0, endMs: 100, via: 'archive' }]);
    const file = path.join(dir, '.gapless', 'origins', 'sim', 'BTC%2FUSDT', 'candle', '1m.json');
    writeFileSync(file, '{"series":"candle:sim:ETH/USDT:1m","origins":[]}');
    await expect(readFillOrigins(dir, series)).rejects.toBeInstanceOf(StorageError);
    writeFileSync(file, 'not json');
    await expect(readFillOrigins(dir, series)).rejects.toBeInstanceOf(StorageError);
  });
});
