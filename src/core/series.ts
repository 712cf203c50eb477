import { InvalidArgumentError } from './errors.js';
import { type Granularity, granularityMs, parseGranularity } from './granularity.js';

/** What a series holds: OHLCV bars or individual trades. */
export const KINDS = ['candle', 'trade'] as const;

/** A series kind. */
export type Kind = (typeof KINDS)[number];

/** One market data series, e.g. binance BTC/USDT 1m candles. */
export interface Series {
  readonly source: string;
  readonly subject: string;
  readonly kind: Kind;
  /** Bar size for candles; absent for trades. */
  readonly granularity?: Granularity;
}

/** A series in either accepted form: the object or its string id. */
export type SeriesLike = Series | string;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function bad(message: string): never {
  throw new InvalidArgumentError(message, 'BAD_SERIES');
}

function checkSubject(subject: string): void {
  // Subjects become one path segment; '.' and '..' could escape the data root.
  if (subject === '' || subject === '.' || subject === '..' || subject.length > 100) {
    bad(`bad subject '${subject}'`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u001f\\]/.test(subject)) bad(`bad subject '${subject}': control or backslash`);
}

/**
 * Validates a series object and returns it normalised (canonical granularity).
 * Throws `InvalidArgumentError` (`BAD_SERIES`) naming the bad field.
 */
export function makeSeries(input: {
  source: string;
  subject: string;
  kind: string;
  granularity?: string | undefined;
}): Series {
  const { source, subject, kind } = input;
  if (typeof source !== 'string' || !NAME_RE.test(source)) bad(`bad source '${String(source)}'`);
  if (typeof subject !== 'string') bad('subject must be a string');
  checkSubject(subject);
  if (kind === 'trade') {
    if (input.granularity !== undefined && input.granularity !== 'tick') {
      bad(`trade series have no granularity, got '${input.granularity}'`);
    }
    return Object.freeze({ source, subject, kind: 'trade' });
  }
  if (kind !== 'candle') bad(`unknown kind '${String(kind)}' (expected candle or trade)`);
  if (input.granularity === undefined) bad('candle series need a granularity');
  return Object.freeze({
    source,
    subject,
    kind: 'candle',
    granularity: parseGranularity(input.granularity),
  });
}

/**
 * The string id of a series: `candle:binance:BTC/USDT:1m` or `trade:binance:BTC/USDT`.
 * @example seriesId({ source: 'binance', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' })
 */
export function seriesId(series: Series): string {
  const base = `${series.kind}:${series.source}:${series.subject}`;
  return series.kind === 'candle' ? `${base}:${series.granularity}` : base;
}

/** Parses a series id or validates a series object; both forms are accepted everywhere. */
export function parseSeries(input: SeriesLike): Series {
  if (typeof input !== 'string') {
    if (input === null || typeof input !== 'object') bad('series must be an id or an object');
    return makeSeries(input);
  }
  const parts = input.split(':');
  const [kind, source] = parts;
  if (kind === 'trade' && parts.length === 3) {
    return makeSeries({ kind, source: source ?? '', subject: parts[2] ?? '' });
  }
  if (kind === 'candle' && parts.length === 4) {
    return makeSeries({
      kind,
      source: source ?? '',
      subject: parts[2] ?? '',
      granularity: parts[3] ?? '',
    });
  }
  return bad(
    `bad series id '${input}' (expected candle:source:subject:granularity or trade:source:subject)`,
  );
}

/** Bar length of a series in ms; trades have none (1 ms resolution). */
export function seriesStepMs(series: Series): number {
  return series.granularity === undefined ? 1 : granularityMs(series.granularity);
}
