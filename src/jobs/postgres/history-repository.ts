import type pg from 'pg';
import type { BackfillHistoryEntry, HistoryRepository } from '../job.js';

interface HistoryRow {
  symbol: string;
  ts_ms: string;
  records_imported: string;
  success: boolean;
  error_details: string | null;
}

/** Scheduled-run outcomes in the `backfill_history` table. */
export class PostgresHistoryRepository implements HistoryRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async record(entry: BackfillHistoryEntry): Promise<void> {
    await this.#pool.query(
      `INSERT INTO backfill_history (symbol, backfill_timestamp, records_imported, success, error_details)
       VALUES ($1, to_timestamp($2::double precision / 1000), $3, $4, $5)`,
      [
        entry.symbol,
        entry.backfillTimestamp,
        entry.recordsImported,
        entry.success,
        entry.errorDetails,
      ],
    );
  }

  async list(options: { limit: number; symbol?: string }): Promise<BackfillHistoryEntry[]> {
    const bySymbol = options.symbol !== undefined;
    const result = await this.#pool.query<HistoryRow>(
      `SELECT symbol, round(extract(epoch FROM backfill_timestamp) * 1000)::bigint AS ts_ms,
              records_imported, success, error_details
       FROM backfill_history ${bySymbol ? 'WHERE symbol = $2' : ''}
       ORDER BY backfill_timestamp DESC, id DESC LIMIT $1`,
      bySymbol ? [options.limit, options.symbol] : [options.limit],
    );
    return result.rows.map((row) => ({
      symbol: row.symbol,
      backfillTimestamp: Number(row.ts_ms),
      recordsImported: Number(row.records_imported),
      success: row.success,
      errorDetails: row.error_details,
    }));
  }
}
