/** @module BacktestClient: pulls a service's Parquet day files into a local cache, so backtests run offline. */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { makeSeries, type Series, seriesId } from '../core/series.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { cachedPath, cachedSeriesDir, dayFileKey, dayOfFileName } from './cache-layout.js';
import { type BundledFile, fetchBundle, MAX_BUNDLE_DAYS } from './day-file-bundle.js';
import { type DayRange, inDayRange, parseDayRange, type TimeInput } from './day-range.js';
import { type HttpGetOptions, httpGet, isRetryable, retryDelayMs } from './http-get.js';
import { fetchManifestEntries, fetchSeriesManifest, type ManifestFile } from './manifest.js';
import { pullProgress } from './pull-progress.js';

/** Options of {@link BacktestClient}. */
export interface BacktestClientOptions {
  /**
   * Where day files are kept, as `{cacheDir}/{source}/{subject}/{kind}/{granularity}/YYYY-MM-DD.parquet`.
   * @default '.cache/backtest'
   */
  readonly cacheDir?: string;
  /** Sent as `X-API-Key`, for services that ask for one. */
  readonly apiKey?: string;
  /**
   * Downloads at once.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Show a progress bar on stderr.
   * @default true when stderr is a terminal
   */
  readonly progress?: boolean;
  /**
   * Give up on one request after this long.
   * @default 60000
   */
  readonly timeoutMs?: number;
}

/** Which series and days to pull or list. */
export interface SeriesSelection {
  /** Feed source, e.g. `binance` or `sim`. */
  readonly source: string;
  /** e.g. `BTC/USDT`. */
  readonly subject: string;
  /** @default 'candle' */
  readonly kind?: 'candle' | 'trade';
  /** Bar size of candles. @default '1m' */
  readonly granularity?: string;
}

/** A selection and whole UTC days, both ends inclusive. */
export interface PullRequest extends SeriesSelection {
  readonly start: TimeInput;
  readonly end: TimeInput;
  /** Download every file again, even when the cached copy matches. */
  readonly refresh?: boolean;
}

/** What a pull did to one day file. */
export type PullAction = 'downloaded' | 'updated' | 'unchanged';

/** One day file after a pull. */
export interface PulledFile {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Local path of the cached copy. */
  readonly path: string;
  /** `downloaded`: it was not cached; `updated`: the cached copy differed (rewritten on the server, or damaged); `unchanged`: it matched. */
  readonly action: PullAction;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** One cached day file. */
export interface CachedFile {
  readonly day: string;
  readonly path: string;
  readonly sizeBytes: number;
}

/** Options resolved once, in the constructor. */
interface ResolvedOptions {
  readonly cacheDir: string;
  readonly concurrency: number;
  readonly progress: boolean;
  readonly http: HttpGetOptions;
}

/**
 * Pulls the Parquet day files a gapless service serves (`GET
 * /data/backfill/index`, then `GET /data/backfill/bundle` of many files at
 * once, or one GET per file from a server without bundles) into a local
 * cache. A file
 * whose cached copy has the manifest's SHA-256 is not downloaded again; a
 * changed or damaged one is; missing days of a partly cached range are
 * topped up. After a pull, {@link BacktestRunner} needs no network.
 * @example
 * const client = new BacktestClient('http://127.0.0.1:8080', { cacheDir: '.cache/backtest' });
 * const files = await client.pull({ source: 'sim', subject: 'BTC/USDT', start: '2024-01-01', end: '2024-01-31' });
 * console.log(files.filter((f) => f.action !== 'unchanged').length, 'files downloaded');
 */
export class BacktestClient {
  /** Base URL of the service, without a trailing slash. */
  readonly url: string;
  /** Cache root. */
  readonly cacheDir: string;
  readonly #options: ResolvedOptions;
  /** False once the server turned out to have no bundle route. */
  #bundles = true;

  constructor(url: string, options: BacktestClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidArgumentError(`Expected \`url\` to be an http(s) URL, got \`${url}\``);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidArgumentError(`Expected \`url\` to be an http(s) URL, got \`${url}\``);
    }
    const concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidArgumentError(
        `Expected \`concurrency\` to be a whole number >= 1, got \`${concurrency}\``,
      );
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidArgumentError(
        `Expected \`timeoutMs\` to be a number > 0, got \`${timeoutMs}\``,
      );
    }
    this.url = parsed.href.replace(/\/+$/, '');
    this.cacheDir = path.resolve(options.cacheDir ?? '.cache/backtest');
    this.#options = Object.freeze({
      cacheDir: this.cacheDir,
      concurrency,
      progress: options.progress ?? process.stderr.isTTY === true,
      http: { apiKey: options.apiKey, timeoutMs, attempts: 3 },
    });
  }

  /**
   * Brings the cache up to date with the server for the selected days:
   * downloads missing files, re-downloads changed or damaged ones (or all,
   * with `refresh`), several at once, each written atomically. Returns every
   * day file the server has in the range, with what happened to it. Throws
   * `NotFoundError` (`UNKNOWN_SUBJECT`, `UNKNOWN_SERIES`) when the server has
   * nothing at all for the series, `SourceError` when it cannot be reached.
   */
  async pull(request: PullRequest): Promise<PulledFile[]> {
    const series = selectionSeries(request);
    const range = parseDayRange(request.start, request.end);
    const all = await fetchSeriesManifest(this.url, series, this.#options.http);
    if (all.length === 0) await this.#explainMissing(series);
    const wanted = all.filter((f) => inDayRange(range, f.day));
    if (wanted.length > 0) await mkdir(cachedSeriesDir(this.cacheDir, series), { recursive: true });
    const refresh = request.refresh === true;
    const progress = pullProgress(series.subject, wanted.length, this.#options.progress);
    const out = new Array<PulledFile>(wanted.length);
    const concurrency = this.#options.concurrency;
    try {
      // Which cached copies are current: present (one listing, not a stat per day), then by
      // size, then by hash.
      const present = new Set(
        wanted.length === 0 ? [] : await readdir(cachedSeriesDir(this.cacheDir, series)),
      );
      const cached = wanted.map((f) => {
        const local = cachedPath(this.cacheDir, f.key);
        return present.has(path.basename(local)) ? hashOf(local, f.sizeBytes) : undefined;
      });
      const need: number[] = [];
      wanted.forEach((f, i) => {
        if (!refresh && cached[i] === f.sha256) {
          out[i] = { ...pulledBase(this.cacheDir, f), action: 'unchanged' };
          progress.advance(0);
        } else need.push(i);
      });
      // Bundles as large as the server takes, several at once: a request per small file
      // costs more than its bytes. Each file is written as soon as it is in, while the rest
      // of its bundle is still on the wire, so a few streams keep both ends busy.
      const perBatch = Math.ceil(need.length / Math.ceil(need.length / MAX_BUNDLE_DAYS)) || 1;
      const batches: number[][] = [];
      for (let k = 0; k < need.length; k += perBatch) batches.push(need.slice(k, k + perBatch));
      await inPool(batches, concurrency, async (batch) => {
        const waiting = new Map(batch.map((i) => [wanted[i]!.day, i]));
        // Written as each file is in, synchronously: a day file's temp write and rename take
        // ~50-300 µs of CPU here (kernel time, not waiting), which thread-pool round trips
        // only add to; the next files meanwhile queue in the socket.
        const store = (day: string, file: BundledFile) => {
          const i = waiting.get(day);
          if (i === undefined) return;
          waiting.delete(day);
          const local = cachedPath(this.cacheDir, wanted[i]!.key);
          writeFileAtomicSync(local, file.parts);
          out[i] = {
            day,
            path: local,
            sizeBytes: file.size,
            sha256: file.sha256,
            action: cached[i] === undefined ? 'downloaded' : 'updated',
          };
          progress.advance(file.size);
        };
        if (this.#bundles) await this.#pullBundle(series, waiting, store);
        // Days no bundle carried (an older server, or a day gone since the manifest): one GET each.
        for (const i of [...waiting.values()]) {
          store(wanted[i]!.day, await this.#download(wanted[i]!));
        }
      });
    } finally {
      progress.stop();
    }
    return out;
  }

  /** The cached day files of a series, sorted by day; with `start`/`end`, only those days. */
  async listCached(
    selection: SeriesSelection & { readonly start?: TimeInput; readonly end?: TimeInput },
  ): Promise<CachedFile[]> {
    const series = selectionSeries(selection);
    const range: DayRange | undefined =
      selection.start === undefined && selection.end === undefined
        ? undefined
        : parseDayRange(selection.start ?? '1970-01-01', selection.end ?? 'now');
    return listCachedFiles(this.cacheDir, series, range);
  }

  /**
   * The sources the server has `subject` from (for `kind` and `granularity`,
   * by default 1m candles), sorted: how a caller that named no source finds it.
   */
  async sourcesOf(
    subject: string,
    kind: 'candle' | 'trade' = 'candle',
    granularity = '1m',
  ): Promise<string[]> {
    const query: Record<string, string> = { subject, kind };
    if (kind === 'candle') query.granularity = granularity;
    const entries = await fetchManifestEntries(this.url, query, this.#options.http);
    return [...new Set(entries.map((e) => safeDecode(e.path.split('/')[0] ?? '')))].sort();
  }

  /**
   * Re-downloads one day file whatever the cache holds: how a run repairs a
   * cached file it could not read.
   */
  async repair(series: Series, day: string): Promise<void> {
    const all = await fetchSeriesManifest(this.url, series, this.#options.http);
    const file = all.find((f) => f.day === day);
    if (file === undefined) {
      throw new NotFoundError(`${seriesId(series)} on ${day} is no longer on ${this.url}`);
    }
    const { parts } = await this.#download(file);
    writeFileAtomicSync(cachedPath(this.cacheDir, file.key), parts);
  }

  // The waiting days in bundles; a cut or damaged answer is asked again for the days still
  // waiting (the files before the cut are written and checked).
  async #pullBundle(
    series: Series,
    waiting: ReadonlyMap<string, number>,
    store: (day: string, file: BundledFile) => void,
  ): Promise<void> {
    const http = this.#options.http;
    for (let attempt = 1; waiting.size > 0; attempt++) {
      try {
        if (!(await fetchBundle(this.url, series, [...waiting.keys()], http, store))) {
          this.#bundles = false;
        }
        return;
      } catch (error) {
        if (!isRetryable(error) || attempt >= http.attempts) throw error;
        await new Promise((r) => setTimeout(r, retryDelayMs(attempt)));
      }
    }
  }

  // One file by itself: the fallback for servers without bundles, and for a file a bundle missed.
  async #download(file: ManifestFile): Promise<BundledFile> {
    const bytes = await httpGet(`${this.url}/data/backfill/${file.key}`, this.#options.http);
    const got = sha256(bytes);
    if (got !== file.sha256) {
      throw new NotFoundError(
        `${file.key} changed on ${this.url} while it was pulled (sha256 ${got.slice(0, 12)}, manifest ${file.sha256.slice(0, 12)}); pull again`,
        'FILE_CHANGED',
      );
    }
    return { parts: [bytes], size: bytes.length, sha256: got };
  }

  // Nothing at all for the series: say whether the subject is unknown or only this series.
  async #explainMissing(series: Series): Promise<never> {
    const entries = await fetchManifestEntries(this.url, {}, this.#options.http);
    const ids = new Set<string>();
    const subjects = new Set<string>();
    for (const e of entries) {
      const [source, subject, kind, granularity] = e.path.split('/').map(safeDecode);
      if (subject === undefined) continue;
      subjects.add(subject);
      if (subject === series.subject) ids.add(`${kind}:${source}:${subject}:${granularity}`);
    }
    if (ids.size > 0) {
      throw new NotFoundError(
        `${this.url} has no ${seriesId(series)}; it has ${[...ids].sort().join(', ')}`,
        'UNKNOWN_SERIES',
      );
    }
    const known = [...subjects].sort();
    throw new NotFoundError(
      `unknown subject '${series.subject}' on ${this.url} (${known.length === 0 ? 'it holds no data yet' : `it has ${known.join(', ')}`})`,
      'UNKNOWN_SUBJECT',
    );
  }
}

/** The series a selection names, with the defaults (candles, 1m). */
export function selectionSeries(selection: SeriesSelection): Series {
  const kind = selection.kind ?? 'candle';
  return makeSeries({
    source: selection.source,
    subject: selection.subject,
    kind,
    granularity: kind === 'candle' ? (selection.granularity ?? '1m') : undefined,
  });
}

/** The cached day files of `series` (in `range` if given), sorted by day. */
export async function listCachedFiles(
  cacheDir: string,
  series: Series,
  range?: DayRange,
): Promise<CachedFile[]> {
  const dir = cachedSeriesDir(cacheDir, series);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: CachedFile[] = [];
  for (const name of names.sort()) {
    const day = dayOfFileName(name);
    if (day === undefined || (range !== undefined && !inDayRange(range, day))) continue;
    const local = path.join(dir, name);
    files.push({ day, path: local, sizeBytes: (await stat(local)).size });
  }
  return files;
}

/** The sources the cache holds `subject` from (1m candles unless told), sorted. */
export async function cachedSourcesOf(
  cacheDir: string,
  subject: string,
  granularity = '1m',
): Promise<string[]> {
  let sources: string[];
  try {
    sources = await readdir(cacheDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: string[] = [];
  for (const segment of sources.sort()) {
    const source = safeDecode(segment);
    let series: Series;
    try {
      series = selectionSeries({ source, subject, granularity });
    } catch {
      continue;
    }
    if ((await listCachedFiles(cacheDir, series)).length > 0) out.push(source);
  }
  return out;
}

/** The cache path of one day of `series` (whether or not it is cached). */
export function cachedDayPath(cacheDir: string, series: Series, day: string): string {
  return cachedPath(cacheDir, dayFileKey(series, day));
}

// Hex SHA-256 of a cached file; undefined when it is missing, a non-hash when its size is wrong (no need to hash it then).
function hashOf(file: string, expectedSize: number): string | undefined {
  try {
    // Sync, like the writes: small local files, where async round trips cost the most.
    const s = statSync(file);
    if (s.size !== expectedSize) return 'size-mismatch';
    return sha256(readFileSync(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function pulledBase(cacheDir: string, f: ManifestFile) {
  return {
    day: f.day,
    path: cachedPath(cacheDir, f.key),
    sizeBytes: f.sizeBytes,
    sha256: f.sha256,
  };
}

/** `fn` over every item, at most `concurrency` at once; results in item order. */
async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
