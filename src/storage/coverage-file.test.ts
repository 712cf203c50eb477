import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../core/errors.js';
import { parseSeries } from '../core/series.js';
import {
  addCoverage,
  coverageFilePath,
  dropCoverageDays,
  readCoverage,
  readSeriesCoverage,
} from './coverage-file.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const series = parseSeries('candle:sim:BTC/USDT:1m');
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function fresh(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gapless-coverage-'));
  roots.push(root);
  return root;
}

describe('coverage records', () => {
  it('keeps the rows of each day file as a dense array from the first day, merged over writes', async () => {
    const root = fresh();
    await addCoverage(
      root,
      series,
      { startMs: T0, endMs: T0 + DAY },
      new Map([['2024-01-01', 1440]]),
    );
    await addCoverage(
      root,
      series,
      { startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY },
      new Map([['2024-01-03', 700]]),
    );
    const doc = JSON.parse(readFileSync(coverageFilePath(root, series), 'utf8'));
    expect(doc.records).toEqual({ from: '2024-01-01', rows: [1440, null, 700] });
    const read = await readSeriesCoverage(root, series);
    expect([...read.records]).toEqual([
      ['2024-01-01', 1440],
      ['2024-01-03', 700],
    ]);

    await dropCoverageDays(root, series, ['2024-01-01']);
    expect(await readCoverage(root, series)).toEqual([
      { startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY },
    ]);
    expect([...(await readSeriesCoverage(root, series)).records]).toEqual([['2024-01-03', 700]]);
  });

  it('refuses records that are not { from, rows } of counts', async () => {
    const root = fresh();
    await addCoverage(root, series, { startMs: T0, endMs: T0 + DAY });
    const file = coverageFilePath(root, series);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    for (const records of [{ from: 'x', rows: [] }, { from: '2024-01-01', rows: [-1] }, [1]]) {
      writeFileSync(file, JSON.stringify({ ...doc, records }));
      await expect(readSeriesCoverage(root, series)).rejects.toThrow(StorageError);
    }
  });
});
