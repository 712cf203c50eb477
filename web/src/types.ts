/** @module Shapes of the gapless HTTP API that the console reads (see /openapi.json). */

/** Job states exactly as the API sends them. */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

/** A job state. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** `GET /reports/backfill/feeds` entry. */
export interface Feed {
  readonly source: string;
  readonly exchange: string;
  readonly asset_class: string;
  readonly subjects: string[];
  readonly kinds: ('candle' | 'trade')[];
  readonly granularities: string[];
}

/** A job view (`GET /reports/backfill/jobs/{id}`). */
export interface Job {
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly kind: 'candle' | 'trade';
  readonly granularity: string | null;
  readonly start: string;
  readonly end: string;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly cursor_ms: number | null;
  readonly records_written: number;
  readonly pages_fetched: number;
  readonly status: JobStatus;
  readonly error: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly started_at: string | null;
  readonly percentage: number;
  readonly rate_records_per_s: number | null;
  readonly eta_s: number | null;
  readonly waiting: boolean;
  readonly wait_reason: string | null;
  readonly requested_by: 'api' | 'ui' | 'cli' | 'scheduler';
  /** Faults the job survived, one line each (an archive file left to REST). */
  readonly notes: readonly string[];
}

/** A time range as the API writes it. */
export interface ApiRange {
  readonly start: string;
  readonly end: string;
  readonly start_ms: number;
  readonly end_ms: number;
}

/** `POST /reports/backfill/preview`. */
export interface Preview {
  readonly series: string;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly missing: ApiRange[];
  readonly missing_bars: number | null;
  readonly pages: number;
  /** Of `pages`, the archive files (an archive-backed feed). */
  readonly archive_files: number;
  readonly pages_exact: boolean;
  readonly request_weight: number;
  readonly eta_s: number | null;
  readonly rate_limit: {
    tokens_per_interval: number;
    interval_ms: number;
    request_weight: number;
  } | null;
}

/** A coverage map cell state. */
export type DayStatus = 'covered' | 'empty' | 'partial' | 'missing';

/** `GET /reports/backfill/coverage`. */
export interface CoverageMap {
  readonly start_ms: number;
  readonly end_ms: number;
  readonly days: string[];
  readonly series: {
    readonly id: string;
    readonly source: string;
    readonly subject: string;
    readonly kind: 'candle' | 'trade';
    readonly granularity: string | null;
    readonly statuses: DayStatus[];
    readonly records: number[];
    readonly missing: ApiRange[];
  }[];
}

/** `GET /reports/backfill/chart`. */
export interface ChartBars {
  readonly series: string;
  readonly bar: string;
  readonly bar_s: number;
  readonly aggregated: boolean;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly count: number;
  readonly time: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
  readonly gaps: { start_ms: number; end_ms: number }[];
}

/** `GET /reports/backfill/runs` entry (the scheduler's `backfill_history`). */
export interface Run {
  readonly symbol: string;
  readonly time: string;
  readonly records_imported: number;
  readonly success: boolean;
  readonly error: string | null;
}

/** `GET /api/v1/symbols`. */
export interface Symbols {
  readonly configured: { symbol: string; sources: string[] }[];
  readonly tracked: { symbol: string; asset_class: string; active: boolean; created_at: string }[];
}

/** `GET /data/backfill/index` entry. */
export interface ManifestEntry {
  readonly path: string;
  readonly records: number;
  readonly size_bytes: number;
  readonly date: string;
}

/** What the form holds; dates are `YYYY-MM-DD` (UTC). */
export interface FormValues {
  readonly source: string;
  readonly subject: string;
  readonly kind: 'candle' | 'trade';
  readonly granularity: string;
  readonly start: string;
  readonly end: string;
}
