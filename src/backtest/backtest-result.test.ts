import { describe, expect, it } from 'vitest';
import { BacktestResult, JUPYTER_DISPLAY } from './backtest-result.js';
import { computeMetrics } from './metrics.js';
import { PredictionColumnsBuilder } from './prediction-columns.js';
import { PredictionTable } from './prediction-table.js';

function result(): BacktestResult {
  const b = new PredictionColumnsBuilder();
  const k = b.add(60, 0, { value: 1 }, undefined, 100);
  b.resolve(k, 101);
  b.setScore(k, 1, true);
  let computed = 0;
  const r = new BacktestResult(
    new PredictionTable(b.length, b.finish(['BTC/USDT'])),
    () => {
      computed++;
      return computeMetrics({ ...b, length: b.length, value: b.numbers('value') });
    },
    {
      source: 'sim',
      subjects: ['BTC/USDT'],
      kind: 'candle',
      granularity: '1m',
      start: '2024-01-01',
      end: '2024-01-01',
      windowSize: 120,
      predictionIntervalSeconds: 60,
      resolveHorizonSeconds: 60,
      stepSeconds: 60,
      files: 1,
      rows: 1440,
      elapsedMs: 12,
    },
    ['a <warning>'],
  );
  expect(computed).toBe(0);
  return r;
}

describe('BacktestResult', () => {
  it('prints a table of settings and metrics, with warnings', () => {
    const text = result().summary(false);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\+-+\+-+\+$/);
    expect(text).toMatch(/^\| subjects +\| BTC\/USDT +\|$/m);
    expect(text).toMatch(/^\| days +\| 2024-01-01 \.\. 2024-01-01 \(1 files, 1440 rows\) +\|$/m);
    expect(text).toMatch(/^\| score_recent \(24h\) +\| 1\.0000 +\|$/m);
    expect(text).toMatch(/^\| ic +\| n\/a +\|$/m);
    expect(lines.at(-1)).toBe('warning: a <warning>');
  });

  it('displays itself in Jupyter kernels as HTML and text', () => {
    expect(JUPYTER_DISPLAY).toBe(Symbol.for('Jupyter.display'));
    const shown = result()[JUPYTER_DISPLAY]();
    expect(shown['text/html']).toContain(
      '<th style="text-align:left">hit_rate</th><td>1.0000</td>',
    );
    expect(shown['text/plain']).toContain('| hit_rate');
  });

  it('computes metrics once, on first access', () => {
    const r = result();
    expect(r.metrics).toBe(r.metrics);
    expect(r.metrics.scored).toBe(1);
  });
});
