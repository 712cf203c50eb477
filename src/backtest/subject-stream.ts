/** @module One subject's rows streamed day by day: the current day, the window's tail of the previous one, the next day prefetched. */
import { allocateDayColumns, COLUMN_NAMES, type DayColumns } from './day-columns.js';

/**
 * Reads one day (and repairs it if it must); given by the runner. `into`:
 * columns it returned before, which it may decode into (they are free).
 */
export type DayLoader = (day: string, into: DayColumns) => Promise<DayColumns>;

/**
 * The rows of one subject in time order, held as one columnar buffer with
 * only what the replay still needs: the `keep` rows before the current one
 * (the window) and the rest of the loaded days. The next day file is read
 * while the current one is replayed, so at most two days are in memory.
 */
export class SubjectStream {
  readonly subject: string;
  readonly #days: readonly string[];
  readonly #load: DayLoader;
  readonly #keep: number;
  #nextDay = 0;
  #prefetch: Promise<DayColumns> | undefined;
  // Two sets of day columns, used in turn: the day being appended and the one being read.
  readonly #spare: DayColumns[] = [allocateDayColumns(0), allocateDayColumns(0)];
  #turn = 0;
  #buffer: DayColumns = allocateDayColumns(0);
  #length = 0;
  /** Buffer index of the current row. */
  #at = 0;
  /** Rows of this subject replayed before the current one (row i's i). */
  #row = 0;
  /** Time of the last prediction, in the tick loop's bookkeeping. */
  lastPredictTs = Number.NEGATIVE_INFINITY;

  /** `keep` rows before the current one stay in memory (the window size). */
  constructor(subject: string, days: readonly string[], load: DayLoader, keep: number) {
    this.subject = subject;
    this.#days = days;
    this.#load = load;
    this.#keep = keep;
  }

  /** The buffer the current row lives in; valid until {@link advance}. */
  get buffer(): DayColumns {
    return this.#buffer;
  }

  /** Buffer index of the current row. */
  get at(): number {
    return this.#at;
  }

  /** Row number of the current row within the subject's run (0-based). */
  get row(): number {
    return this.#row;
  }

  /** Time of the current row (epoch seconds); only when {@link ready}. */
  get ts(): number {
    return this.#buffer.ts[this.#at]!;
  }

  /** Whether a current row is loaded. */
  get ready(): boolean {
    return this.#at < this.#length;
  }

  /**
   * Loads day files until a current row is there or the days run out;
   * resolves to whether there is one.
   */
  async fill(): Promise<boolean> {
    while (this.#at >= this.#length) {
      if (this.#nextDay >= this.#days.length) return false;
      const day = await (this.#prefetch ?? this.#loadDay(this.#nextDay));
      this.#nextDay++;
      this.#prefetch = this.#nextDay < this.#days.length ? this.#loadDay(this.#nextDay) : undefined;
      // A failed prefetch must not go unhandled before its day is awaited.
      this.#prefetch?.catch(() => undefined);
      this.#append(day);
    }
    return true;
  }

  /** Moves to the next row; call {@link fill} before reading it. */
  advance(): void {
    this.#at++;
    this.#row++;
  }

  // Day `k`, read into the spare columns whose turn it is (they were appended already).
  #loadDay(k: number): Promise<DayColumns> {
    const turn = this.#turn;
    this.#turn ^= 1;
    return this.#load(this.#days[k]!, this.#spare[turn]!).then((columns) => {
      this.#spare[turn] = columns;
      return columns;
    });
  }

  #append(day: DayColumns): void {
    // Keep only the window's tail, then the new day after it.
    const from = Math.max(0, this.#at - this.#keep);
    const kept = this.#length - from;
    const needed = kept + day.length;
    let target = this.#buffer;
    if (needed > target.length) target = allocateDayColumns(Math.max(needed, target.length * 2));
    for (const name of COLUMN_NAMES) {
      if (target === this.#buffer) target[name].copyWithin(0, from, this.#length);
      else target[name].set(this.#buffer[name].subarray(from, this.#length));
      target[name].set(day[name].subarray(0, day.length), kept);
    }
    this.#buffer = target;
    this.#length = needed;
    this.#at -= from;
  }
}
