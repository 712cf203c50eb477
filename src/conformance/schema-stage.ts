import type { Row } from '../core/rows.js';
import type { Series } from '../core/series.js';
import type { Violation } from './report.js';

const CANDLE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
const TRADE_FIELDS = ['price', 'amount'] as const;

/**
 * The schema stage: every field present and a finite number, prices and
 * volumes not negative, `high >= max(open, close)`, `low <= min(open, close)`.
 * Appends to `out`.
 */
export function schemaStage(series: Series, rows: readonly Row[], out: Violation[]): void {
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index] as unknown as Record<string, unknown> | null;
    if (row === null || typeof row !== 'object') {
      out.push({
        rule: 'missing_field',
        severity: 'error',
        index,
        ts: Number.NaN,
        detail: 'not a row',
      });
      continue;
    }
    const ts = typeof row.tsMs === 'number' ? row.tsMs : Number.NaN;
    const push = (rule: Violation['rule'], detail: string) =>
      out.push({ rule, severity: 'error', index, ts, detail });
    const fields = series.kind === 'candle' ? CANDLE_FIELDS : TRADE_FIELDS;
    let numeric = true;
    for (const field of fields) {
      const value = row[field];
      if (value === undefined || value === null) {
        push('missing_field', `${field} is missing`);
        numeric = false;
      } else if (typeof value !== 'number' || !Number.isFinite(value)) {
        push('not_finite', `${field} is ${String(value)}`);
        numeric = false;
      }
    }
    if (!numeric) continue;
    if (series.kind === 'candle')
      checkCandle(row as Record<(typeof CANDLE_FIELDS)[number], number>, push);
    else checkTrade(row, push);
  }
}

function checkCandle(
  c: Record<(typeof CANDLE_FIELDS)[number], number>,
  push: (rule: Violation['rule'], detail: string) => void,
): void {
  for (const field of ['open', 'high', 'low', 'close'] as const) {
    if (c[field] < 0) push('negative_price', `${field} ${c[field]} < 0`);
  }
  if (c.volume < 0) push('negative_volume', `volume ${c.volume} < 0`);
  if (c.high < Math.max(c.open, c.close)) {
    push('high_below_open_close', `high ${c.high} < max(open ${c.open}, close ${c.close})`);
  }
  if (c.low > Math.min(c.open, c.close)) {
    push('low_above_open_close', `low ${c.low} > min(open ${c.open}, close ${c.close})`);
  }
}

function checkTrade(
  t: Record<string, unknown>,
  push: (rule: Violation['rule'], detail: string) => void,
): void {
  if ((t.price as number) < 0) push('negative_price', `price ${String(t.price)} < 0`);
  if ((t.amount as number) < 0) push('negative_volume', `amount ${String(t.amount)} < 0`);
  if (typeof t.tradeId !== 'string' || t.tradeId === '') {
    push('bad_trade_id', `tradeId ${JSON.stringify(t.tradeId)} is not a non-empty string`);
  }
  if (t.side !== 'buy' && t.side !== 'sell' && t.side !== '') {
    push('bad_side', `side ${JSON.stringify(t.side)} is not buy, sell or ''`);
  }
}
