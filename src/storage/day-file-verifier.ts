/**
 * @module Verification of a series' day files against their footers, their
 * day and coverage, and the repair that moves damaged files aside.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { intersectRanges, type Range } from '../core/range-math.js';
import type { Series } from '../core/series.js';
import { DAY_MS } from '../core/time.js';
import { dropCoverageDays, readSeriesCoverage, type SeriesCoverage } from './coverage-file.js';
import { DamagedFileError } from './damaged-file-error.js';
import { displayPath } from './display-path.js';
import { checkDayFile } from './parquet/day-file-check.js';
import { FileDamage } from './parquet/footer.js';
import { dayFilePath, listDays } from './parquet/layout.js';
import { quarantineDayFile } from './quarantine.js';
import { LockUnwritableError, withSeriesLock } from './series-lock.js';
import type { DayFileFinding, QuarantinedFile, VerifyOptions, VerifyReport } from './store.js';

// What a check of one file found: its rows, or why it is damaged; undefined when it is gone.
type Checked = { readonly rows: number } | { readonly cause: string } | undefined;

interface Entry {
  readonly key: string;
  readonly deep: boolean;
  readonly checked: Checked;
}

// Files checked between two turns of the event loop (~10 ms of footer checks).
const YIELD_EVERY = 64;
const MAX_ENTRIES = 100_000;

/**
 * Checks day files, caching each result per file identity (size, mtime,
 * inode: writers replace files by rename, so a cached result is never stale),
 * and holds coverage to the files. Findings are confirmed under the series
 * lock, where a writer cannot be halfway between a file and its coverage.
 */
export class DayFileVerifier {
  readonly #dataDir: string;
  readonly #cache = new Map<string, Entry>();

  /** @param dataDir absolute root of the Parquet tree. */
  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  /** See {@link FileStore.verify}. */
  async verify(series: Series, options: VerifyOptions = {}): Promise<VerifyReport> {
    const deep = options.deep ?? true;
    const { range } = options;
    const inRange = (day: string) => range === undefined || touchesAny(day, [range]);
    const days = (await listDays(this.#dataDir, series)).filter(inRange);
    const coverage = await readSeriesCoverage(this.#dataDir, series);
    const recorded = [...coverage.records.keys()].filter(inRange);
    const unlocked = await this.#findings(series, [...days, ...recorded], coverage, deep);
    if (unlocked.length === 0) {
      return { series, filesChecked: days.length, findings: [], quarantined: [] };
    }
    const suspects = unlocked.map((f) => f.day);
    // A writer renames its day files before it records them in coverage: only
    // under its lock are files and coverage seen as one.
    const confirmed = withSeriesLock(this.#dataDir, series, async () => {
      const now = await readSeriesCoverage(this.#dataDir, series);
      const findings = await this.#findings(series, suspects, now, deep);
      const quarantined: QuarantinedFile[] = [];
      if (options.repair && findings.length > 0) {
        for (const f of findings.filter((x) => x.problem === 'damaged')) {
          const to = await quarantineDayFile(this.#dataDir, series, f.day);
          quarantined.push({ day: f.day, file: f.file, movedTo: displayPath(to) });
        }
        await dropCoverageDays(
          this.#dataDir,
          series,
          findings.map((f) => f.day),
        );
      }
      return { series, filesChecked: days.length, findings, quarantined };
    });
    // A data dir no one can write here has no writer halfway: what was found holds.
    return options.repair
      ? confirmed
      : confirmed.catch((error: unknown) => {
          if (!(error instanceof LockUnwritableError)) throw error;
          return { series, filesChecked: days.length, findings: unlocked, quarantined: [] };
        });
  }

  /**
   * Throws `DamagedFileError` for the first day of `range` whose file is
   * damaged or gone while coverage claims it (footer checks only).
   */
  async assertIntact(series: Series, range: Range): Promise<void> {
    const { findings } = await this.verify(series, { deep: false, range });
    const first = findings[0];
    if (first !== undefined) throw damagedFileError(first);
  }

  /**
   * The first of `files` (absolute day file paths of `series`) that a full
   * check finds damaged, as a `DamagedFileError`; undefined when all are whole.
   */
  async diagnose(series: Series, files: readonly string[]): Promise<DamagedFileError | undefined> {
    for (const file of files) {
      const day = path.basename(file, '.parquet');
      const checked = await this.#check(series, day, true);
      if (checked !== undefined && 'cause' in checked) {
        return new DamagedFileError(displayPath(file), checked.cause);
      }
    }
    return undefined;
  }

  async #findings(
    series: Series,
    days: readonly string[],
    coverage: SeriesCoverage,
    deep: boolean,
  ): Promise<DayFileFinding[]> {
    const found: DayFileFinding[] = [];
    for (const [k, day] of [...new Set(days)].sort().entries()) {
      const finding = await this.#finding(series, day, coverage, deep);
      if (finding !== undefined) found.push(finding);
      // Footer checks are synchronous: let a server answer others between batches.
      if (k % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((done) => setImmediate(done));
    }
    return found;
  }

  async #finding(
    series: Series,
    day: string,
    coverage: SeriesCoverage,
    deep: boolean,
  ): Promise<DayFileFinding | undefined> {
    const file = dayFilePath(this.#dataDir, series, day);
    const at = {
      day,
      path: path.relative(this.#dataDir, file).split(path.sep).join('/'),
      file: displayPath(file),
    };
    const checked = await this.#check(series, day, deep);
    const recorded = coverage.records.get(day);
    if (checked === undefined) {
      const claimed = touchesAny(day, coverage.ranges) && recorded !== undefined && recorded > 0;
      if (!claimed) return undefined;
      const cause = `coverage claims ${recorded} rows of ${day}, the file is gone`;
      return { ...at, problem: 'missing', cause };
    }
    if ('cause' in checked) return { ...at, problem: 'damaged', cause: checked.cause };
    // More rows than recorded is a writer that died between its rename and its
    // coverage update: the file holds the old rows and more. Fewer is damage.
    if (recorded !== undefined && checked.rows < recorded) {
      const cause = `holds ${checked.rows} rows, ${recorded} were written`;
      return { ...at, problem: 'damaged', cause };
    }
    return undefined;
  }

  async #check(series: Series, day: string, deep: boolean): Promise<Checked> {
    const file = dayFilePath(this.#dataDir, series, day);
    let key: string;
    try {
      // A stat of a local file takes microseconds; a thread pool round trip costs more.
      const s = statSync(file, { throwIfNoEntry: false });
      if (s === undefined) return undefined;
      key = `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch (error) {
      throw new StorageError(`cannot stat ${file}`, { cause: error });
    }
    const cached = this.#cache.get(file);
    // A deep result answers a footer question too; damage found by either stands.
    if (cached?.key === key && (cached.deep || !deep || isDamaged(cached.checked))) {
      return cached.checked;
    }
    let checked: Checked;
    try {
      const rows = await checkDayFile(file, series, day, { deep });
      checked = rows === undefined ? undefined : { rows };
    } catch (error) {
      if (!(error instanceof FileDamage)) throw error;
      checked = { cause: error.message };
    }
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(file, { key, deep, checked });
    return checked;
  }
}

/** The error `read` and `backfill` raise for a finding. */
export function damagedFileError(finding: DayFileFinding): DamagedFileError {
  return new DamagedFileError(finding.file, finding.cause, finding.problem === 'missing');
}

function isDamaged(checked: Checked): boolean {
  return checked !== undefined && 'cause' in checked;
}

function dayRange(day: string): Range {
  const startMs = Date.parse(`${day}T00:00:00Z`);
  return { startMs, endMs: startMs + DAY_MS };
}

function touchesAny(day: string, ranges: readonly Range[]): boolean {
  return intersectRanges([dayRange(day)], ranges).length > 0;
}
