import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { findFeed } from '../../config/feeds.js';
import { InvalidArgumentError, StorageError } from '../../core/errors.js';
import { csvNumber, jsonNumber } from '../../core/number-text.js';
import { makeRange } from '../../core/range-math.js';
import type { Frame } from '../../core/rows.js';
import { parseSeries } from '../../core/series.js';
import { formatTime, parseTime } from '../../core/time.js';
import { type CommonFlags, openApp } from '../app.js';
import { withCommonFlags } from '../options.js';

interface ReadFlags extends CommonFlags {
  start: string;
  end?: string;
  format: string;
  output?: string;
}

const FORMATS = ['csv', 'json', 'parquet'] as const;
const ROWS_PER_WRITE = 4096;

/** `gapless read`: a stored range as CSV, JSON or Parquet. */
export function registerReadCommand(program: Command): void {
  withCommonFlags(program.command('read'))
    .description('write a stored range of a series as CSV, JSON or Parquet')
    .argument('<series>', 'series id, e.g. candle:sim:BTC/USDT:1m')
    .requiredOption('--start <time>', 'start (ISO date/time, epoch s or ms)')
    .option('--end <time>', 'end, exclusive (default now)')
    .option('--format <format>', 'csv, json or parquet', 'csv')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (id: string, flags: ReadFlags) => {
      const format = flags.format as (typeof FORMATS)[number];
      if (!FORMATS.includes(format)) {
        throw new InvalidArgumentError(
          `unknown --format '${flags.format}' (expected csv, json or parquet)`,
        );
      }
      const series = parseSeries(id);
      const range = makeRange(
        parseTime(flags.start, '--start'),
        flags.end === undefined ? Date.now() : parseTime(flags.end, '--end'),
        '--start/--end',
      );
      const app = await openApp(flags);
      try {
        // A series of no configured feed has nothing stored: say so instead of an empty answer.
        findFeed(app.config, series.source);
        if (format === 'parquet') {
          if (flags.output === undefined) {
            throw new InvalidArgumentError('--format parquet needs --output <file>');
          }
          await app.store.exportParquet(series, range, flags.output);
          return;
        }
        const frame = await app.store.read(series, range);
        if (flags.output === undefined) {
          for (const text of frameText(frame, format)) {
            if (!process.stdout.write(text)) await once(process.stdout, 'drain');
          }
        } else {
          // pipeline turns a write error (a full disk) into a rejection, never a crash.
          await pipeline(
            Readable.from(frameText(frame, format)),
            createWriteStream(flags.output),
          ).catch((cause: unknown) => {
            throw new StorageError(`cannot write ${flags.output}: ${(cause as Error).message}`, {
              cause,
            });
          });
        }
      } finally {
        await app.close();
      }
    });
}

function columnsOf(frame: Frame): string[] {
  return frame.kind === 'candle'
    ? ['ts_event', 'open', 'high', 'low', 'close', 'volume']
    : ['ts_event', 'trade_id', 'price', 'amount', 'side'];
}

// One row's values: strings, and numbers to be written by `numberText`'s rule.
function cells(frame: Frame, i: number): (string | number)[] {
  const ts = formatTime(frame.tsMs[i]!);
  return frame.kind === 'candle'
    ? [ts, frame.open[i]!, frame.high[i]!, frame.low[i]!, frame.close[i]!, frame.volume[i]!]
    : [ts, frame.tradeId[i]!, frame.price[i]!, frame.amount[i]!, frame.side[i]!];
}

function csvCell(value: string | number): string {
  return typeof value === 'number' ? csvNumber(value) : value;
}

function jsonValue(value: string | number): string {
  return typeof value === 'number' ? jsonNumber(value) : JSON.stringify(value);
}

/** The frame as CSV or JSON text, a few thousand rows a piece. */
function* frameText(frame: Frame, format: 'csv' | 'json'): Generator<string> {
  const names = columnsOf(frame);
  yield format === 'csv' ? `${names.join(',')}\n` : '[';
  for (let start = 0; start < frame.length; start += ROWS_PER_WRITE) {
    const end = Math.min(frame.length, start + ROWS_PER_WRITE);
    let text = '';
    for (let i = start; i < end; i++) {
      const row = cells(frame, i);
      if (format === 'csv') text += `${row.map(csvCell).join(',')}\n`;
      else {
        const fields = names.map((n, j) => `${JSON.stringify(n)}:${jsonValue(row[j]!)}`);
        text += `${i === 0 ? '' : ','}\n{${fields.join(',')}}`;
      }
    }
    yield text;
  }
  if (format === 'json') yield '\n]\n';
}
