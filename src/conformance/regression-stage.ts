import type { Frame } from '../core/rows.js';
import { frameRows, type Row, rowKey } from '../core/rows.js';
import type { Violation } from './report.js';

const CANDLE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
const TRADE_FIELDS = ['tsMs', 'price', 'amount', 'side'] as const;

/**
 * The regression stage: rows whose key was stored before with other values,
 * reported as `changed` warnings naming each field with its old and new value.
 * Returns how many rows changed.
 */
export function regressionStage(rows: readonly Row[], previous: Frame, out: Violation[]): number {
  if (previous.length === 0) return 0;
  const before = new Map<string | number, Row>();
  for (const row of frameRows(previous)) before.set(rowKey(row), row);
  const fields: readonly string[] = previous.kind === 'candle' ? CANDLE_FIELDS : TRADE_FIELDS;
  let changed = 0;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    if (row === undefined || typeof row !== 'object') continue;
    const old = before.get(rowKey(row));
    if (old === undefined) continue;
    const diffs: string[] = [];
    for (const field of fields) {
      const a = (old as unknown as Record<string, unknown>)[field];
      const b = (row as unknown as Record<string, unknown>)[field];
      if (a !== b) diffs.push(`${field} ${String(a)} -> ${String(b)}`);
    }
    if (diffs.length > 0) {
      changed++;
      out.push({
        rule: 'changed',
        severity: 'warning',
        index,
        ts: row.tsMs,
        detail: diffs.join(', '),
      });
    }
  }
  return changed;
}
