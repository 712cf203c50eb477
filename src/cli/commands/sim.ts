import type { Command } from 'commander';
import { InvalidArgumentError } from '../../core/errors.js';
import { makeRange, type Range } from '../../core/range-math.js';
import { parseTime } from '../../core/time.js';
import { type SimServerOptions, startSimServer } from '../../sim/server.js';
import { untilStopSignal } from '../stop-signal.js';

interface SimFlags {
  port: string;
  host: string;
  seed?: string;
  latencyMs?: string;
  weightPerMinute?: string;
  errorRate?: string;
  truncateRate?: string;
  stallRate?: string;
  retryAfterRate?: string;
  retryAfterS?: string;
  microsRate?: string;
  clockOffsetMs?: string;
  duplicateRows?: boolean;
  shuffleRows?: boolean;
  badRowsEvery?: string;
  maintenance: string[];
  faultSeed?: string;
  archiveBadChecksum: string[];
  archiveMissing: string[];
  archiveTruncated: string[];
  archiveWrongValues: string[];
  archiveHole: string[];
  archiveLateDaily?: boolean;
  archiveCacheDir?: string;
}

const PERIOD = /^\d{4}-\d{2}(-\d{2})?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function periods(flag: string, list: string[], shape = PERIOD): string[] {
  for (const p of list) {
    if (!shape.test(p)) {
      throw new InvalidArgumentError(
        `${flag} must be a month (2024-12) or day (2024-12-05), got '${p}'`,
      );
    }
  }
  return list;
}

function number(flag: string, text: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    const bounds = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InvalidArgumentError(`${flag} must be a number ${bounds}, got '${text}'`);
  }
  return value;
}

function integer(flag: string, text: string, min: number, max?: number): number {
  const value = number(flag, text, min, max);
  if (!Number.isInteger(value)) {
    throw new InvalidArgumentError(`${flag} must be a whole number, got '${text}'`);
  }
  return value;
}

function window(text: string): Range {
  const parts = text.split('/');
  if (parts.length !== 2) {
    throw new InvalidArgumentError(`--maintenance must be START/END, got '${text}'`);
  }
  return makeRange(
    parseTime(parts[0]!, '--maintenance start'),
    parseTime(parts[1]!, '--maintenance end'),
    '--maintenance',
  );
}

/** Turns the flags into server options; throws `InvalidArgumentError` naming a bad flag. */
export function simServerOptions(flags: SimFlags): SimServerOptions {
  const options: SimServerOptions = {
    port: integer('--port', flags.port, 0, 65_535),
    host: flags.host,
    duplicateRows: flags.duplicateRows === true,
    shuffleRows: flags.shuffleRows === true,
    maintenance: flags.maintenance.map(window),
    archive: {
      faults: {
        badChecksum: periods('--archive-bad-checksum', flags.archiveBadChecksum),
        missing: periods('--archive-missing', flags.archiveMissing),
        truncated: periods('--archive-truncated', flags.archiveTruncated),
        wrongValues: periods('--archive-wrong-values', flags.archiveWrongValues),
        holes: periods('--archive-hole', flags.archiveHole, DAY),
        lateDaily: flags.archiveLateDaily === true,
      },
      ...(flags.archiveCacheDir === undefined ? {} : { cacheDir: flags.archiveCacheDir }),
    },
  };
  if (flags.seed !== undefined) options.seed = integer('--seed', flags.seed, 0);
  if (flags.faultSeed !== undefined)
    options.faultSeed = integer('--fault-seed', flags.faultSeed, 0);
  if (flags.latencyMs !== undefined) options.latencyMs = number('--latency-ms', flags.latencyMs, 0);
  if (flags.weightPerMinute !== undefined) {
    options.weightPerMinute = integer('--weight-per-minute', flags.weightPerMinute, 1);
  }
  if (flags.errorRate !== undefined)
    options.errorRate = number('--error-rate', flags.errorRate, 0, 1);
  if (flags.truncateRate !== undefined) {
    options.truncateRate = number('--truncate-rate', flags.truncateRate, 0, 1);
  }
  if (flags.badRowsEvery !== undefined) {
    options.badRowsEvery = integer('--bad-rows-every', flags.badRowsEvery, 1);
  }
  if (flags.stallRate !== undefined) {
    options.stallRate = number('--stall-rate', flags.stallRate, 0, 1);
  }
  if (flags.retryAfterRate !== undefined) {
    options.retryAfterRate = number('--retry-after-rate', flags.retryAfterRate, 0, 1);
  }
  if (flags.retryAfterS !== undefined) {
    options.retryAfterS = integer('--retry-after-s', flags.retryAfterS, 0);
  }
  if (flags.clockOffsetMs !== undefined) {
    options.clockOffsetMs = number('--clock-offset-ms', flags.clockOffsetMs, -1e12);
  }
  if (flags.microsRate !== undefined) {
    options.microsRate = number('--micros-rate', flags.microsRate, 0, 1);
  }
  return options;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `gapless sim`: runs the simulated Binance-shaped exchange until SIGINT/SIGTERM. */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the simulated exchange (Binance-shaped HTTP API) for tests and demos')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8765')
    .option('--host <address>', 'interface to bind', '127.0.0.1')
    .option('--seed <n>', 'market seed (default 42)')
    .option('--latency-ms <ms>', 'delay added to every answer')
    .option(
      '--weight-per-minute <n>',
      'request weight allowed per rolling minute (429/418 past it)',
    )
    .option('--error-rate <share>', 'share of data requests answered 5xx, 0..1')
    .option('--truncate-rate <share>', 'share of data requests answered with a cut body, 0..1')
    .option(
      '--stall-rate <share>',
      'share of data requests answered with half a body, then silence, 0..1',
    )
    .option('--retry-after-rate <share>', 'share of data requests answered 429, 0..1')
    .option('--retry-after-s <s>', 'Retry-After of those 429s, in seconds (default 60)')
    .option(
      '--clock-offset-ms <ms>',
      'shift the exchange clock from this machine (negative: behind); the open bar is served partial',
    )
    .option('--micros-rate <share>', 'share of klines pages stamped in microseconds, 0..1')
    .option('--duplicate-rows', 'repeat rows across page edges')
    .option('--shuffle-rows', 'put rows out of order inside a page')
    .option('--bad-rows-every <n>', 'serve every n-th candle broken (high below low)')
    .option(
      '--maintenance <start/end>',
      'a window with no data, ISO or epoch (repeatable)',
      collect,
      [] as string[],
    )
    .option('--fault-seed <n>', 'seed of the fault draws (default 1)')
    .option(
      '--archive-bad-checksum <period>',
      'archive file whose .CHECKSUM is wrong, e.g. 2024-12 (repeatable)',
      collect,
      [] as string[],
    )
    .option(
      '--archive-missing <period>',
      'archive file answered 404 (repeatable)',
      collect,
      [] as string[],
    )
    .option(
      '--archive-truncated <period>',
      'archive zip served cut in half (repeatable)',
      collect,
      [] as string[],
    )
    .option(
      '--archive-wrong-values <period>',
      'archive file whose volumes differ from the REST API, checksum good (repeatable)',
      collect,
      [] as string[],
    )
    .option(
      '--archive-hole <day>',
      'a day (2024-12-15) left out of its monthly archive file (repeatable)',
      collect,
      [] as string[],
    )
    .option('--archive-late-daily', "the last complete day's daily archive is not published yet")
    .option('--archive-cache-dir <dir>', 'keep made archive zips on disk here')
    .action(async (flags: SimFlags) => {
      const server = await startSimServer(simServerOptions(flags));
      process.stdout.write(`sim exchange listening on ${server.url}\n`);
      await untilStopSignal();
      await server.close();
    });
}
