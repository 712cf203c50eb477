import type pg from 'pg';
import type { SymbolRepository, TrackedSymbol } from '../job.js';
import { checkTrackedSymbol } from '../symbol-check.js';

interface SymbolRow {
  symbol: string;
  asset_class: string;
  active: boolean;
  created_ms: string;
}

const COLUMNS = `symbol, asset_class, active, floor(extract(epoch FROM created_at) * 1000)::bigint AS created_ms`;

const toSymbol = (row: SymbolRow): TrackedSymbol => ({
  symbol: row.symbol,
  assetClass: row.asset_class,
  active: row.active,
  createdAt: Number(row.created_ms),
});

/** Tracked symbols in the `tracked_symbols` table; removing deactivates. */
export class PostgresSymbolRepository implements SymbolRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async add(symbol: string, assetClass: string): Promise<TrackedSymbol> {
    checkTrackedSymbol(symbol, assetClass);
    const result = await this.#pool.query<SymbolRow>(
      `INSERT INTO tracked_symbols (symbol, asset_class) VALUES ($1, $2)
       ON CONFLICT (symbol) DO UPDATE
       SET asset_class = EXCLUDED.asset_class, active = true, updated_at = now()
       RETURNING ${COLUMNS}`,
      [symbol, assetClass],
    );
    return toSymbol(result.rows[0] as SymbolRow);
  }

  async remove(symbol: string): Promise<boolean> {
    const result = await this.#pool.query(
      `UPDATE tracked_symbols SET active = false, updated_at = now()
       WHERE symbol = $1 AND active`,
      [symbol],
    );
    return result.rowCount === 1;
  }

  async list(options: { activeOnly?: boolean } = {}): Promise<TrackedSymbol[]> {
    const result = await this.#pool.query<SymbolRow>(
      `SELECT ${COLUMNS} FROM tracked_symbols ${options.activeOnly ? 'WHERE active' : ''}
       ORDER BY symbol COLLATE "C"`,
    );
    return result.rows.map(toSymbol);
  }
}
