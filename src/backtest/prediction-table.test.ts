import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { PredictionColumnsBuilder } from './prediction-columns.js';
import { PredictionTable } from './prediction-table.js';

// Three predictions: a resolved one with extra fields, an errored one, an unresolved one.
function table(): PredictionTable {
  const b = new PredictionColumnsBuilder();
  const k0 = b.add(60, 0, { value: 1.5, label: 'up', flag: true }, undefined, 100);
  b.resolve(k0, 101);
  b.setScore(k0, 1, true);
  const k1 = b.add(120, 1, { value: 0 }, 'Error: no, "really"', 101);
  b.resolve(k1, 99);
  b.setScore(k1, Number.NaN, false);
  b.add(180, 0, { value: -1, label: 'down', extra: { a: 1 } }, undefined, 99);
  return new PredictionTable(b.length, b.finish(['BTC/USDT', 'ETH/USDT']));
}

const ROWS = [
  {
    ts: 60,
    subject: 'BTC/USDT',
    value: 1.5,
    label: 'up',
    flag: true,
    extra: null,
    _error: null,
    entry_price: 100,
    resolved_price: 101,
    profit: 0.01,
    direction_up: true,
    score: 1,
    score_success: true,
  },
  {
    ts: 120,
    subject: 'ETH/USDT',
    value: 0,
    label: null,
    flag: null,
    extra: null,
    _error: 'Error: no, "really"',
    entry_price: 101,
    resolved_price: 99,
    profit: -2 / 101,
    direction_up: false,
    score: null,
    score_success: false,
  },
  {
    ts: 180,
    subject: 'BTC/USDT',
    value: -1,
    label: 'down',
    flag: null,
    extra: { a: 1 },
    _error: null,
    entry_price: 99,
    resolved_price: null,
    profit: null,
    direction_up: null,
    score: null,
    score_success: null,
  },
];

describe('PredictionTable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gapless-bt-table-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps columns typed and gives rows with nulls', () => {
    const t = table();
    expect(t.column('value')).toEqual({ type: 'number', values: Float64Array.from([1.5, 0, -1]) });
    expect(t.column('label')?.type).toBe('string');
    expect(t.column('flag')?.type).toBe('boolean');
    expect(t.column('extra')?.type).toBe('json');
    expect(t.toRows()).toEqual(ROWS);
  });

  it('writes CSV with quoting and empty nulls', () => {
    const lines = table().toCSV().split('\n');
    expect(lines[0]).toBe(
      'ts,subject,value,label,flag,extra,_error,entry_price,resolved_price,profit,direction_up,score,score_success',
    );
    expect(lines[2]).toBe(
      `120,ETH/USDT,0,,,,"Error: no, ""really""",101,99,${-2 / 101},false,,false`,
    );
    expect(lines[3]).toBe('180,BTC/USDT,-1,down,,"{""a"":1}",,99,,,,,');
  });

  it('gives an Arrow table with the same values', () => {
    const arrow = table().toArrow();
    expect(arrow.numRows).toBe(3);
    const rows = arrow.toArray().map((r) => r.toJSON());
    expect(
      rows.map((r) => ({ ...r, extra: r.extra === null ? null : JSON.parse(r.extra as string) })),
    ).toEqual(ROWS);
  });

  it('writes a Parquet file others can read', async () => {
    const file = join(dir, 'out', 'predictions.parquet');
    await table().toParquet(file);
    const bytes = readFileSync(file);
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
    });
    expect(
      rows.map((r) => ({ ...r, extra: r.extra === null ? null : JSON.parse(r.extra as string) })),
    ).toEqual(ROWS);
  });
});
