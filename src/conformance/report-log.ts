import { InvalidArgumentError } from '../core/errors.js';
import type { ConformanceReport } from './report.js';

/**
 * Conformance reports kept per series, bounded both in series (least
 * recently reported dropped first) and in reports per series (oldest dropped).
 */
export class ConformanceReportLog {
  private readonly bySeries = new Map<string, ConformanceReport[]>();
  private newest: ConformanceReport | undefined;

  /**
   * @param maxSeries series kept at most.
   * @param maxPerSeries reports kept per series.
   */
  constructor(
    private readonly maxSeries = 1_000,
    private readonly maxPerSeries = 20,
  ) {
    for (const [name, value] of [
      ['maxSeries', maxSeries],
      ['maxPerSeries', maxPerSeries],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidArgumentError(
          `Expected \`${name}\` to be an integer >= 1, got \`${value}\``,
        );
      }
    }
  }

  /** Keeps a report. */
  add(report: ConformanceReport): void {
    const list = this.bySeries.get(report.series) ?? [];
    this.bySeries.delete(report.series);
    list.push(report);
    if (list.length > this.maxPerSeries) list.splice(0, list.length - this.maxPerSeries);
    this.bySeries.set(report.series, list);
    if (this.bySeries.size > this.maxSeries) {
      const oldest = this.bySeries.keys().next().value;
      if (oldest !== undefined) this.bySeries.delete(oldest);
    }
    this.newest = report;
  }

  /** Reports of a series id, oldest first. */
  get(seriesId: string): ConformanceReport[] {
    return [...(this.bySeries.get(seriesId) ?? [])];
  }

  /** The most recent report of any series. */
  get last(): ConformanceReport | undefined {
    return this.newest;
  }
}
