import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSeries } from '../core/series.js';
import { withSeriesLock } from './series-lock.js';

const series = parseSeries('candle:sim:BTC/USDT:1m');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the series lock', () => {
  it('takes over a lock file that was created but never written (a crash, a full disk)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gapless-lock-'));
    dirs.push(dataDir);
    const lockDir = path.join(dataDir, '.gapless', 'locks', 'sim', 'BTC%2FUSDT', 'candle');
    mkdirSync(lockDir, { recursive: true });
    const lock = path.join(lockDir, '1m.lock');
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const began = Date.now();
    expect(await withSeriesLock(dataDir, series, async () => 'ran')).toBe('ran');
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(readdirSync(lockDir)).toEqual([]);
  });
});
