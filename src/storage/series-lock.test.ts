import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSeries } from '../core/series.js';
import { withSeriesLock } from './series-lock.js';

const series = parseSeries('candle:sim:BTC/USDT:1m');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lockFile(dataDir: string): string {
  const dir = path.join(dataDir, '.gapless', 'locks', 'sim', 'BTC%2FUSDT', 'candle');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, '1m.lock');
}

describe('withSeriesLock', () => {
  it('takes over an empty lock file a minute old (an older version killed between create and write)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gapless-lock-'));
    dirs.push(dataDir);
    const file = lockFile(dataDir);
    writeFileSync(file, '');
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    const began = Date.now();
    expect(await withSeriesLock(dataDir, series, async () => 'ran')).toBe('ran');
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it('leaves no file behind but while held, and never an empty lock', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gapless-lock-'));
    dirs.push(dataDir);
    const file = lockFile(dataDir);
    const seen = await withSeriesLock(dataDir, series, async () =>
      JSON.parse(readFileSync(file, 'utf8')),
    );
    expect(seen).toMatchObject({ pid: process.pid });
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });
});
