import { type Command, Option } from 'commander';
import type { SeriesSelection } from '../config/feeds.js';
import { InvalidArgumentError } from '../core/errors.js';

/** Splits a comma list flag (`--symbols BTC/USDT,ETH/USDT`). */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Adds `--config` and `--data-dir`, which every data command takes. */
export function withCommonFlags(command: Command): Command {
  return command
    .addOption(new Option('-c, --config <file>', 'configuration file (default ./gapless.yaml)'))
    .addOption(new Option('-d, --data-dir <dir>', 'data directory (overrides data_dir)'));
}

/** The series selection flags, as commander parses them. */
export interface SelectionFlags {
  feed?: string[];
  symbols?: string[];
  kind?: string[];
  granularity?: string[];
}

/** The selection the flags make, as `selectSeries` takes it. */
export function selectionOf(flags: SelectionFlags): SeriesSelection {
  return {
    feeds: flags.feed,
    subjects: flags.symbols,
    kinds: flags.kind,
    granularities: flags.granularity,
  };
}

/** Adds the series selection flags. */
export function withSelectionFlags(command: Command): Command {
  return command
    .option('-f, --feed <sources>', 'feeds (source names), comma separated', commaList)
    .option('-s, --symbols <subjects>', 'subjects, comma separated, or "*" for all', commaList)
    .option('-k, --kind <kinds>', 'candle and/or trade, comma separated', commaList)
    .option('-g, --granularity <list>', 'bar sizes, comma separated (e.g. 1m,1h)', commaList);
}

/** Parses a whole number >= 1 from a flag, or fails naming the flag. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${flag} must be a whole number >= 1, got '${value}'`);
  }
  return n;
}

/** Parses a TCP port (0 picks a free one), or fails naming the flag. */
export function portNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new InvalidArgumentError(`${flag} must be a port from 0 to 65535, got '${value}'`);
  }
  return n;
}
