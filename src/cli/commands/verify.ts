import type { Command } from 'commander';
import { selectSeries } from '../../config/feeds.js';
import { makeRange, type Range } from '../../core/range-math.js';
import { seriesId } from '../../core/series.js';
import { parseTime } from '../../core/time.js';
import type { DayFileFinding, VerifyReport } from '../../storage/index.js';
import { type CommonFlags, openApp } from '../app.js';
import { EXIT } from '../exit-codes.js';
import {
  type SelectionFlags,
  selectionOf,
  withCommonFlags,
  withSelectionFlags,
} from '../options.js';

interface VerifyFlags extends CommonFlags, SelectionFlags {
  start?: string;
  end?: string;
  repair?: boolean;
  quick?: boolean;
  json?: boolean;
}

/** A finding as `coverage --json` and `verify --json` print it. */
export function findingJson(f: DayFileFinding): Record<string, string> {
  return { day: f.day, file: f.file, problem: f.problem, cause: f.cause };
}

/** `gapless verify`: checks the stored day files and coverage; `--repair` moves damaged files aside. */
export function registerVerifyCommand(program: Command): void {
  withSelectionFlags(withCommonFlags(program.command('verify')))
    .description(
      'check every day file (footer, rows, day) and coverage against them; exit 5 on damage',
    )
    .option('--start <time>', 'only days from here (default: all)')
    .option('--end <time>', 'only days before here (default: all)')
    .option('--quick', 'footers only, no decoding of the data pages')
    .option(
      '--repair',
      'move damaged files into {data}/.gapless/quarantine/ and drop their days from coverage',
    )
    .option('--json', 'print JSON')
    .action(async (flags: VerifyFlags) => {
      const range = rangeOf(flags);
      const began = performance.now();
      const app = await openApp(flags);
      const reports: VerifyReport[] = [];
      try {
        // No selection: every series in the data dir, configured or not.
        const selection = selectionOf(flags);
        const selected = Object.values(selection).some((v) => v !== undefined)
          ? selectSeries(app.config, selection)
          : await app.store.listSeries();
        for (const s of selected) {
          reports.push(
            await app.store.verify(s, { deep: !flags.quick, repair: flags.repair, range }),
          );
        }
      } finally {
        await app.close();
      }
      const seconds = (performance.now() - began) / 1000;
      process.stdout.write(
        flags.json ? jsonText(reports) : text(reports, seconds, flags.repair === true),
      );
      const damaged = reports.some((r) => r.findings.length > 0);
      process.exitCode = damaged && !flags.repair ? EXIT.storage : EXIT.ok;
    });
}

function rangeOf(flags: VerifyFlags): Range | undefined {
  if (flags.start === undefined && flags.end === undefined) return undefined;
  return makeRange(
    flags.start === undefined ? 0 : parseTime(flags.start, '--start'),
    flags.end === undefined ? Date.now() : parseTime(flags.end, '--end'),
    '--start/--end',
  );
}

function jsonText(reports: readonly VerifyReport[]): string {
  const out = {
    files_checked: reports.reduce((n, r) => n + r.filesChecked, 0),
    series: reports.map((r) => ({
      series: seriesId(r.series),
      files_checked: r.filesChecked,
      findings: r.findings.map(findingJson),
      quarantined: r.quarantined.map((q) => ({ day: q.day, file: q.file, moved_to: q.movedTo })),
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function text(reports: readonly VerifyReport[], seconds: number, repair: boolean): string {
  const lines: string[] = [];
  const findings = reports.flatMap((r) => r.findings);
  for (const f of findings) {
    const moved = reports.flatMap((r) => r.quarantined).find((q) => q.file === f.file);
    if (!repair) lines.push(`${f.problem} ${f.file}: ${f.cause}`);
    else if (moved === undefined) {
      lines.push(`${f.problem} ${f.file}: ${f.day} dropped from coverage (${f.cause})`);
    } else {
      lines.push(
        `quarantined ${f.file} -> ${moved.movedTo} (${f.cause}); ${f.day} dropped from coverage`,
      );
    }
  }
  const files = reports.reduce((n, r) => n + r.filesChecked, 0);
  const checked = `checked ${files} day files of ${reports.length} series in ${seconds.toFixed(1)} s`;
  const damaged = findings.filter((f) => f.problem === 'damaged').length;
  if (findings.length === 0) lines.push(`${checked}: no damage`);
  else if (repair) {
    lines.push(
      `${checked}: repaired ${findings.length}; run \`gapless backfill\` to fetch those days again`,
    );
  } else {
    lines.push(
      `${checked}: ${damaged} damaged, ${findings.length - damaged} missing; run \`gapless verify --repair\` to move them aside and drop their days from coverage`,
    );
  }
  return `${lines.join('\n')}\n`;
}
