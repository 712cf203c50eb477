import { MultiBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { startMetricsServer } from '../../app/metrics-server.js';
import type { FillResult } from '../../backfill/engine.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { describeFallback, notedOrigins } from '../../core/fill-origin.js';
import { makeRange } from '../../core/range-math.js';
import { type Series, seriesId } from '../../core/series.js';
import { formatTime, parseTime } from '../../core/time.js';
import { trackedSeriesSelection } from '../../jobs/tracked-series.js';
import { describeWait, type RetryInfo, VISIBLE_WAIT_MS } from '../../sources/data-fetcher.js';
import { type CommonFlags, openAppWithJobs } from '../app.js';
import { describeError, EXIT, exitCodeFor } from '../exit-codes.js';
import { portNumber, positiveInt, withCommonFlags, withSelectionFlags } from '../options.js';

interface BackfillFlags extends CommonFlags {
  feed?: string[];
  symbols?: string[];
  kind?: string[];
  granularity?: string[];
  start?: string;
  end?: string;
  parallel: string;
  metricsPort?: string;
}

interface Outcome {
  series: Series;
  result?: FillResult;
  error?: unknown;
  /** Rows stored before an error. */
  rowsStored?: number;
  seconds: number;
}

const FIVE_YEARS_MS = 5 * 365 * 86_400_000;

/** `gapless backfill`: fill the missing history of the selected series. */
export function registerBackfillCommand(program: Command): void {
  withSelectionFlags(withCommonFlags(program.command('backfill')))
    .description('fetch and store the missing history of the configured series')
    .option('--start <time>', 'start (ISO date/time, epoch s or ms); default 5 years ago')
    .option('--end <time>', 'end, exclusive; default now')
    .option('--parallel <n>', 'series backfilled at once', '4')
    .option('--metrics-port <port>', 'serve Prometheus metrics on this port while running')
    .action(async (flags: BackfillFlags) => {
      process.exitCode = await runBackfill(flags);
    });
}

async function runBackfill(flags: BackfillFlags): Promise<number> {
  const nowMs = Date.now();
  const startMs =
    flags.start === undefined ? nowMs - FIVE_YEARS_MS : parseTime(flags.start, '--start', nowMs);
  let endMs = flags.end === undefined ? nowMs : parseTime(flags.end, '--end', nowMs);
  makeRange(startMs, endMs, '--start/--end');
  if (endMs > nowMs) {
    // The future has no bars yet; asking for it is not an error, but it is not filled either.
    process.stderr.write(
      `notice: --end ${formatTime(endMs)} is in the future: cut at ${formatTime(nowMs)}\n`,
    );
    endMs = nowMs;
  }
  const parallel = positiveInt(flags.parallel, '--parallel');
  const metricsPort =
    flags.metricsPort === undefined ? undefined : portNumber(flags.metricsPort, '--metrics-port');
  const app = await openAppWithJobs(flags);
  const metrics =
    metricsPort === undefined
      ? undefined
      : await startMetricsServer(app.registry, { port: metricsPort }).catch(async (error) => {
          await app.close();
          // A port in use or not ours to bind is the user's flag, not a crash.
          throw new InvalidArgumentError(
            `--metrics-port ${metricsPort}: ${(error as Error).message}`,
            'BAD_PORT',
            { cause: error },
          );
        });
  if (metrics !== undefined) process.stderr.write(`metrics: ${metrics.url}\n`);
  try {
    const tracked = await app.repos.symbols.list({ activeOnly: true });
    const series = trackedSeriesSelection(app.config, tracked, {
      feeds: flags.feed,
      subjects: flags.symbols,
      kinds: flags.kind,
      granularities: flags.granularity,
    });
    const bars = process.stderr.isTTY
      ? new MultiBar(
          {
            format: ' {bar} {percentage}% | {series} | {rows} rows | eta {eta_formatted}{wait}',
            hideCursor: true,
            clearOnComplete: false,
          },
          Presets.shades_classic,
        )
      : undefined;
    const outcomes: Outcome[] = [];
    const queue = [...series];
    const worker = async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        const id = seriesId(s);
        const bar = bars?.create(1000, 0, { series: id, rows: 0, wait: '' });
        const began = performance.now();
        // Rows stored so far: what the summary shows when the fill fails midway.
        let rowsStored = 0;
        // A long wait shows on the bar, or as a line when there is no terminal.
        const onRetry = (info: RetryInfo) => {
          if (info.delayMs < VISIBLE_WAIT_MS) return;
          if (bar === undefined) process.stderr.write(`notice: ${id}: ${describeWait(info)}\n`);
          else bar.update({ wait: ` | ${describeWait(info)}` });
        };
        try {
          const result = await app.engine.fill(
            s,
            { startMs, endMs },
            {
              onRetry,
              onProgress: (p) => {
                rowsStored = p.rowsWritten;
                bar?.update(Math.round((p.coveredMs / p.totalMs) * 1000), {
                  rows: p.rowsWritten,
                  wait: '',
                });
              },
            },
          );
          bar?.update(1000, { rows: result.rowsWritten });
          outcomes.push({ series: s, result, seconds: (performance.now() - began) / 1000 });
        } catch (error) {
          const seconds = (performance.now() - began) / 1000;
          outcomes.push({ series: s, error, rowsStored, seconds });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, series.length) }, worker));
    bars?.stop();
    printSummary(series, outcomes);
    // Archive faults were survived (their ranges came over REST), but a user should hear of them.
    for (const o of outcomes) {
      for (const origin of notedOrigins(o.result?.origins ?? [])) {
        process.stdout.write(`archive: ${seriesId(o.series)}: ${describeFallback(origin)}\n`);
      }
    }
    for (const o of outcomes) {
      if (o.result !== undefined && o.result.rowsRejected > 0) {
        process.stderr.write(`${rejectedLine(o.result)}\n`);
      }
    }
    const failed = outcomes.filter((o) => o.error !== undefined);
    // One cause (a full disk) often ends every series at once: one line per cause.
    const seriesByCause = new Map<string, string[]>();
    for (const s of series) {
      const f = failed.find((o) => o.series === s);
      if (f === undefined) continue;
      const cause = describeError(f.error);
      seriesByCause.set(cause, [...(seriesByCause.get(cause) ?? []), seriesId(s)]);
    }
    for (const [cause, ids] of seriesByCause) {
      process.stderr.write(`error: backfill of ${ids.join(', ')} failed: ${cause}\n`);
    }
    if (failed.length > 0) return exitCodeFor(failed[0]!.error);
    // Rows refused by conformance are a source failure: stored data is exact, but incomplete.
    return outcomes.some((o) => (o.result?.rowsRejected ?? 0) > 0) ? EXIT.source : EXIT.ok;
  } finally {
    await metrics?.close();
    await app.close();
  }
}

/** One line per series with refused rows: how many, and the first rule broken. */
function rejectedLine(result: FillResult): string {
  const errors = result.reports.flatMap((r) => r.violations).filter((v) => v.severity === 'error');
  const rules = [...new Set(errors.map((v) => v.rule))].join(', ');
  const first = errors[0];
  const where =
    first === undefined
      ? ''
      : `; first at row ${first.index} (${new Date(first.ts).toISOString()}): ${first.detail}`;
  return `rejected: ${seriesId(result.series)}: ${result.rowsRejected} row(s) refused by conformance (${rules})${where}; their bars stay missing`;
}

function printSummary(order: Series[], outcomes: Outcome[]): void {
  const table = new Table({
    head: ['series', 'rows written', 'gaps left', 'time', 'status'],
    style: { head: [], border: [] },
  });
  for (const s of order) {
    const o = outcomes.find((x) => x.series === s);
    if (o === undefined) continue;
    table.push([
      seriesId(s),
      (o.result?.rowsWritten ?? o.rowsStored ?? 0).toLocaleString('en-US'),
      o.result ? String(o.result.gapsLeft.length) : '?',
      `${o.seconds.toFixed(1)}s`,
      o.error !== undefined
        ? 'failed'
        : (o.result?.rowsRejected ?? 0) > 0
          ? `rejected ${o.result!.rowsRejected}`
          : 'ok',
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
}
