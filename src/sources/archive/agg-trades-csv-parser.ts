/** @module Binance aggTrades archive CSV to trades. */
import type { Range } from '../../core/range-math.js';
import type { Trade } from '../../core/rows.js';
import { PER_MS, type TimeUnit, timeUnitOf } from '../time-units.js';
import { ArchiveError } from './archive-error.js';
import { CsvLines } from './csv-lines.js';
import type { ArchiveParser, ParsedArchive } from './kline-csv-parser.js';

const EDGE_SLACK_MS = 86_400_000;

/**
 * Parses aggTrades lines (`agg_trade_id,price,quantity,first_id,last_id,
 * time,is_buyer_maker[,is_best_match]`) into trades, as the REST fetcher
 * makes them: the aggregate id is the trade id, a buyer-maker trade is a
 * taker sell. Header, time unit per file and edge repeats as in
 * {@link KlineCsvParser}; a finer-than-ms time keeps its millisecond.
 */
export class AggTradesCsvParser implements ArchiveParser<Trade[]> {
  readonly #lines = new CsvLines((b, s, e) => this.#line(b, s, e));
  readonly #rows: Trade[] = [];
  #lineNo = 0;
  #unit: TimeUnit | undefined;
  #lastId = -1;
  #dropped = 0;

  constructor(
    private readonly period: Range,
    private readonly what: string,
  ) {}

  push(chunk: Uint8Array): void {
    this.#lines.push(chunk);
  }

  end(): ParsedArchive<Trade[]> {
    this.#lines.end();
    return {
      rows: this.#rows,
      length: this.#rows.length,
      unit: this.#unit ?? 'ms',
      dropped: this.#dropped,
    };
  }

  #line(bytes: Uint8Array, start: number, end: number): void {
    this.#lineNo++;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString(
      'latin1',
    );
    const first = text.charCodeAt(0);
    if (first < 48 || first > 57) {
      if (this.#lineNo === 1) return;
      throw this.#corrupt('a line that is not a row');
    }
    const f = text.split(',');
    if (f.length < 7) throw this.#corrupt('a short row');
    const id = Number(f[0]);
    const raw = Number(f[5]);
    const price = Number(f[1]);
    const amount = Number(f[2]);
    if (!Number.isSafeInteger(id) || !Number.isFinite(price) || !Number.isFinite(amount)) {
      throw this.#corrupt('a malformed row');
    }
    this.#unit ??= timeUnitOf(raw, this.period.startMs);
    if (this.#unit === undefined) throw this.#corrupt(`time ${f[5]} fits no time unit`);
    const tsMs = Math.floor(raw / PER_MS[this.#unit]);
    if (
      !(tsMs >= this.period.startMs - EDGE_SLACK_MS && tsMs < this.period.endMs + EDGE_SLACK_MS)
    ) {
      throw this.#corrupt(`time ${f[5]} (${this.#unit}) is outside the file's period`);
    }
    if (tsMs < this.period.startMs || tsMs >= this.period.endMs || id <= this.#lastId) {
      this.#dropped++;
      return;
    }
    this.#lastId = id;
    const maker = f[6]!.toLowerCase();
    if (maker !== 'true' && maker !== 'false') throw this.#corrupt(`is_buyer_maker '${f[6]}'`);
    this.#rows.push({
      tsMs,
      tradeId: f[0]!,
      price,
      amount,
      side: maker === 'true' ? 'sell' : 'buy',
    });
  }

  #corrupt(detail: string): ArchiveError {
    return new ArchiveError('ARCHIVE_CORRUPT', `${this.what}: line ${this.#lineNo}: ${detail}`);
  }
}
