import { join } from 'node:path';
import { type ArchiveFile, archiveFilePath } from '../src/core/archive-layout.js';
import { archiveSymbol } from '../src/sources/archive/archive-fetcher.js';
import { planArchive } from '../src/sources/archive/archive-plan.js';
import { KlineCsvParser } from '../src/sources/archive/kline-csv-parser.js';
import { readArchiveFile } from '../src/sources/archive/read-archive-file.js';
import { backfillInChild } from './child.js';
import { startSimProcess } from './sim-process.js';

const SUBJECTS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const YEARS = 5;
const REST_MONTHS = 6;
const WEIGHT_PER_MINUTE = 6000;
const MINUTE_MS = 60_000;

const feed = (url: string, archive: boolean, limited: boolean) => ({
  source: 'bench',
  exchange: 'sim',
  api_url: url,
  subjects: SUBJECTS,
  granularities: ['1m'],
  concurrency: 8,
  settle_ms: 0,
  archive: archive ? {} : false,
  rate_limit: limited
    ? {
        tokens_per_interval: WEIGHT_PER_MINUTE,
        interval_ms: 60_000,
        request_weight: 2,
        max_concurrency: 16,
      }
    : { tokens_per_interval: 1_000_000_000, interval_ms: 1_000, max_concurrency: 64 },
});

/** Every archive file of the range, for the 3 subjects. */
function archiveFiles(startMs: number, endMs: number): ArchiveFile[] {
  return SUBJECTS.flatMap((subject) =>
    planArchive({ startMs, endMs }, endMs)
      .filter((p) => p.via !== 'rest')
      .map((p) => ({
        market: 'spot' as const,
        period: p.via === 'monthly' ? ('monthly' as const) : ('daily' as const),
        dataset: 'klines' as const,
        symbol: archiveSymbol(subject, 'spot'),
        interval: '1m',
        startMs: p.startMs,
        endMs: p.endMs,
      })),
  );
}

/** Asks the sim for every archive file of the range once, so it has made (and cached) them before timing. */
async function warmArchive(url: string, startMs: number, endMs: number): Promise<void> {
  const paths = archiveFiles(startMs, endMs).map(archiveFilePath);
  const worker = async () => {
    for (let path = paths.shift(); path !== undefined; path = paths.shift()) {
      await (await fetch(`${url}/${path}`)).arrayBuffer();
    }
  };
  await Promise.all([worker(), worker()]);
}

/** The archive side alone: every file downloaded, verified and parsed into columns, nothing stored. */
async function readOnly(url: string, startMs: number, endMs: number): Promise<number> {
  const files = archiveFiles(startMs, endMs);
  const began = performance.now();
  let rows = 0;
  const worker = async () => {
    for (let f = files.shift(); f !== undefined; f = files.shift()) {
      const parser = new KlineCsvParser(f, MINUTE_MS, 'bench');
      const parsed = await readArchiveFile(f, parser, { baseUrl: url, timeoutMs: 60_000 });
      // Counted after the await: `rows +=` would read `rows` before it.
      rows += parsed.length;
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return rows / ((performance.now() - began) / 1000);
}

/**
 * Five years of 1m candles for 3 subjects through the archive (monthly and
 * daily zips, REST for today and the cross-check samples) against REST
 * alone, both against 100 ms latency and the 6,000-weight-per-minute limit;
 * REST's rate is measured over six months (it is bound by the limit, so
 * rows per second do not depend on the length). Then the archive path with
 * no latency and no limit: rows per second parsed, checked and written, and
 * the archive side alone (downloaded, verified, parsed; nothing stored).
 */
export async function runArchiveBench(dir: string): Promise<Record<string, number>> {
  const endMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const startMs = Date.UTC(
    new Date(endMs).getUTCFullYear() - YEARS,
    new Date(endMs).getUTCMonth(),
    1,
  );
  const cacheDir = join(dir, 'sim-cache');
  const limitedSim = await startSimProcess([
    '--latency-ms',
    '100',
    '--weight-per-minute',
    String(WEIGHT_PER_MINUTE),
    '--archive-cache-dir',
    cacheDir,
  ]);
  let archive: Awaited<ReturnType<typeof backfillInChild>>;
  let rest: Awaited<ReturnType<typeof backfillInChild>>;
  try {
    await warmArchive(limitedSim.url, startMs, endMs);
    archive = await backfillInChild({
      dataDir: join(dir, 'archive'),
      startMs,
      endMs,
      feed: feed(limitedSim.url, true, true),
    });
    // A fresh minute of weight for the REST baseline.
    await new Promise((r) => setTimeout(r, 60_000));
    rest = await backfillInChild({
      dataDir: join(dir, 'rest'),
      startMs: endMs - REST_MONTHS * 30 * 86_400_000,
      endMs,
      feed: feed(limitedSim.url, false, true),
    });
  } finally {
    await limitedSim.stop();
  }
  const freeSim = await startSimProcess(['--archive-cache-dir', cacheDir]);
  let cpu: Awaited<ReturnType<typeof backfillInChild>>;
  let readRowsPerS: number;
  try {
    readRowsPerS = await readOnly(freeSim.url, startMs, endMs);
    cpu = await backfillInChild({
      dataDir: join(dir, 'cpu'),
      startMs,
      endMs,
      feed: feed(freeSim.url, true, false),
    });
  } finally {
    await freeSim.stop();
  }
  if (archive.gaps > 0 || rest.gaps > 0 || cpu.gaps > 0) throw new Error('archive bench left gaps');
  const archiveRowsPerS = archive.rows / archive.seconds;
  const restRowsPerS = rest.rows / rest.seconds;
  return {
    rows: archive.rows,
    seconds: archive.seconds,
    rows_per_s: Math.round(archiveRowsPerS),
    rest_rows_per_s: Math.round(restRowsPerS),
    ratio_to_rest: archiveRowsPerS / restRowsPerS,
    cpu_rows_per_s: Math.round(cpu.rows / cpu.seconds),
    read_rows_per_s: Math.round(readRowsPerS),
    peak_rss_mb: Math.round(Math.max(archive.maxRssMb, cpu.maxRssMb)),
    // The same process filling over REST alone, for scale: most of the peak is the runtime's own.
    rest_peak_rss_mb: Math.round(rest.maxRssMb),
  };
}
