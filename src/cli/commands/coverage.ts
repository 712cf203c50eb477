import Table from 'cli-table3';
import type { Command } from 'commander';
import { selectSeries } from '../../config/feeds.js';
import { floorToBar } from '../../core/granularity.js';
import { makeRange, mergeRanges, type Range, subtractRanges } from '../../core/range-math.js';
import { type Series, seriesId, seriesStepMs } from '../../core/series.js';
import { formatTime, parseTime } from '../../core/time.js';
import { type DayFileFinding, readFillOrigins } from '../../storage/index.js';
import { type CommonFlags, openApp } from '../app.js';
import {
  type SelectionFlags,
  selectionOf,
  withCommonFlags,
  withSelectionFlags,
} from '../options.js';
import { findingJson } from './verify.js';

interface CoverageFlags extends CommonFlags, SelectionFlags {
  start?: string;
  end?: string;
  json?: boolean;
}

const asJson = (r: Range) => ({
  start: formatTime(r.startMs),
  end: formatTime(r.endMs),
  start_ms: r.startMs,
  end_ms: r.endMs,
});

/** `gapless coverage`: covered ranges and gaps per series. */
export function registerCoverageCommand(program: Command): void {
  withSelectionFlags(withCommonFlags(program.command('coverage')))
    .description('show covered ranges and gaps of the configured series')
    .option('--start <time>', 'look for gaps from here (default: first covered bar)')
    .option('--end <time>', 'look for gaps up to here (default: last covered bar)')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: CoverageFlags) => {
      const app = await openApp(flags);
      try {
        const series = selectSeries(app.config, selectionOf(flags));
        const reports = [];
        for (const s of series) {
          const covered = await app.store.coverage(s);
          const first = covered[0]?.startMs;
          const last = covered[covered.length - 1]?.endMs;
          const startMs = flags.start === undefined ? first : parseTime(flags.start, '--start');
          const asked = flags.end === undefined ? last : parseTime(flags.end, '--end');
          // The future is not a gap: nothing after the last closed bar can be covered yet.
          const endMs = asked === undefined ? undefined : Math.min(asked, lastClosedEndMs(s));
          let gaps: Range[] = [];
          if (startMs !== undefined && asked !== undefined)
            makeRange(startMs, asked, '--start/--end');
          if (startMs !== undefined && endMs !== undefined && startMs < endMs) {
            gaps = subtractRanges([{ startMs, endMs }], mergeRanges(covered));
          }
          // Footers only: cheap, and what coverage claims is worth only what its files hold.
          const { findings } = await app.store.verify(s, { deep: false });
          const origins = await readFillOrigins(app.store.dataDir, s);
          reports.push({ series: seriesId(s), covered, gaps, findings, origins });
        }
        if (flags.json) {
          const out = reports.map((r) => ({
            series: r.series,
            covered: r.covered.map(asJson),
            gaps: r.gaps.map(asJson),
            damaged: r.findings.map(findingJson),
            // Which source filled what (archive-backed feeds): a note says why REST stood in.
            origins: r.origins.map((o) => ({
              ...asJson(o),
              via: o.via,
              ...(o.note === undefined ? {} : { note: o.note }),
            })),
          }));
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        const table = new Table({
          head: ['series', 'covered', 'gaps', 'damaged'],
          style: { head: [], border: [] },
        });
        const lines = (rs: Range[]) =>
          rs.length === 0
            ? '-'
            : rs.map((r) => `${formatTime(r.startMs)} .. ${formatTime(r.endMs)}`).join('\n');
        const damaged = (fs: DayFileFinding[]) =>
          fs.length === 0 ? '-' : fs.map((f) => `${f.day}: ${f.cause}`).join('\n');
        for (const r of reports) {
          table.push([r.series, lines(r.covered), lines(r.gaps), damaged(r.findings)]);
        }
        process.stdout.write(`${table.toString()}\n`);
      } finally {
        await app.close();
      }
    });
}

/** End of the last bar closed by this machine's clock (now, for trades). */
function lastClosedEndMs(series: Series): number {
  const now = Date.now();
  return series.kind === 'candle' ? floorToBar(now, seriesStepMs(series)) : now;
}
