import { z } from 'zod';
import { ARCHIVE_MARKETS } from '../core/archive-layout.js';
import { GRANULARITIES, parseGranularity } from '../core/granularity.js';
import { parseKeyTemplate } from '../core/key-template.js';
import { KINDS } from '../core/series.js';

/** Where a rate limit is shared (the config's own list; the limiter checks the mapping's type). */
export const LIMIT_SCOPES = ['local', 'process', 'cluster'] as const;

const granularity = z.string().refine(
  (g) => {
    try {
      parseGranularity(g);
      return true;
    } catch {
      return false;
    }
  },
  {
    error: (issue) =>
      `unknown granularity '${String(issue.input)}' (expected one of ${GRANULARITIES.join(', ')})`,
  },
);

const positiveInt = z.number().int().positive();

/**
 * `rate_limit` of a feed: a token bucket (at most `tokens_per_interval` of
 * cost starts in any `interval_ms`), a concurrency cap, a pause after 429s,
 * and who shares it (`scope`; `cluster` shares it through Redis).
 */
export const rateLimitSchema = z
  .object({
    tokens_per_interval: positiveInt.default(1200),
    interval_ms: positiveInt.default(60_000),
    /** Cost that may start at once from idle; 5% of `tokens_per_interval` when absent. */
    burst_tokens: positiveInt.optional(),
    /** Tokens one request costs; the fetcher's own default when absent (Binance klines: 2). */
    request_weight: positiveInt.optional(),
    /** In-flight requests: per limiter, or cluster-wide in `cluster` scope. */
    max_concurrency: positiveInt.default(8),
    min_interval_s: z.number().nonnegative().default(0),
    /** Pause of every user after a 429 (a longer `Retry-After` wins). */
    penalty_backoff_ms: z.number().int().nonnegative().default(5_000),
    /** `local`, `process` or `cluster`; `cluster` when `redis_dsn`/`REDIS_URL` is set, else `process`. */
    scope: z.enum(LIMIT_SCOPES).optional(),
    /** Redis of `cluster` scope; also `REDIS_URL`. */
    redis_dsn: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')
      .optional(),
    /** Key of the shared limiter, e.g. `ccxt:{exchange}:{account?}`. */
    key_template: z
      .string()
      .min(1)
      .superRefine((template, ctx) => {
        try {
          parseKeyTemplate(template);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
    /** Fills `{account}` in `key_template`. */
    account: z.string().min(1).optional(),
    /** Fills `{key_suffix}` / `{suffix}` in `key_template`. */
    key_suffix: z.string().min(1).optional(),
    /** In-flight requests per process, also in `cluster` scope. */
    local_semaphore: positiveInt.optional(),
  })
  .strict()
  .superRefine((limit, ctx) => {
    const burst = limit.burst_tokens ?? Math.max(1, Math.floor(limit.tokens_per_interval / 20));
    if (burst >= limit.tokens_per_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['burst_tokens'],
        message: `must be less than tokens_per_interval (${limit.tokens_per_interval}), got ${burst}`,
      });
    } else if (limit.request_weight !== undefined && limit.request_weight > burst) {
      ctx.addIssue({
        code: 'custom',
        path: ['request_weight'],
        message: `must be at most burst_tokens (${burst}), got ${limit.request_weight}`,
      });
    }
  });

/**
 * `retry` of a feed: attempts in all, and a delay of `retry_backoff_ms`
 * doubling per attempt (capped at `max_delay_ms`) plus up to `jitter_ratio`
 * of it at random; a `Retry-After` from the server wins.
 */
export const retrySchema = z
  .object({
    max_attempts: positiveInt.default(8),
    retry_backoff_ms: z.number().int().nonnegative().default(250),
    max_delay_ms: positiveInt.default(30_000),
    jitter_ratio: z.number().min(0).max(1).default(0.2),
    /** Longest `Retry-After` honoured; a longer one fails the series, saying how long was asked. */
    max_retry_after_ms: z.number().int().nonnegative().default(300_000),
  })
  .strict();

/**
 * `archive` of a feed: bulk archive files (Binance's layout) used before
 * REST. `url` defaults to the public Binance archive for `exchange: binance`
 * and to `api_url` for an HTTP sim feed.
 */
export const archiveSchema = z
  .object({
    url: z.url().optional(),
    market: z.enum(ARCHIVE_MARKETS).default('spot'),
    /** Archive files held at once by the feed, downloading or waiting to be stored. */
    download_concurrency: positiveInt.max(32).default(4),
    /** Candles of each monthly file compared with REST (one request per month); 0 turns it off. */
    cross_check_bars: z.number().int().min(0).max(1000).default(3),
    /** Bounds the download of one file. */
    timeout_ms: positiveInt.default(120_000),
  })
  .strict();

/** One configured feed: where a source's series come from. */
export const feedSchema = z
  .object({
    source: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ - only'),
    exchange: z.string().min(1),
    subjects: z.array(z.string().min(1)).min(1),
    kinds: z.array(z.enum(KINDS)).min(1).default(['candle']),
    granularities: z.array(granularity).default(['1m']),
    options: z.record(z.string(), z.unknown()).default({}),
    api_url: z.url().optional(),
    /** Environment variable holding the feed's API key (Polygon: `POLYGON_API_KEY` when absent). */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    rate_limit: rateLimitSchema.optional(),
    retry: retrySchema.optional(),
    concurrency: positiveInt.max(64).default(8),
    timeout_ms: positiveInt.default(10_000),
    /**
     * Grace after a bar closes (by the exchange's clock) before it counts as
     * complete: exchanges revise a bar just after it closes.
     */
    settle_ms: z.number().int().nonnegative().default(3_000),
    /** Tracked symbols of this asset class are backfilled on this feed. */
    asset_class: z.string().min(1).default('crypto'),
    /** Bulk archives before REST; `false` turns them off (see {@link archiveSchema}). */
    archive: z
      .unknown()
      .transform((value, ctx): false | z.infer<typeof archiveSchema> | undefined => {
        if (value === undefined || value === false) return value;
        // Parsed here rather than as a union, so a bad key is named, not "invalid input".
        const parsed = archiveSchema.safeParse(value);
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) {
          const message =
            typeof value === 'object' && value !== null
              ? issue.message
              : `expected false or a mapping, got ${JSON.stringify(value)}`;
          ctx.addIssue({ code: 'custom', path: issue.path, message });
        }
        return z.NEVER;
      })
      .optional(),
  })
  .strict()
  .superRefine((feed, ctx) => {
    if (feed.archive !== undefined && feed.archive !== false && feed.archive.url === undefined) {
      if (defaultArchiveUrl(feed) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['archive', 'url'],
          message: `required for exchange '${feed.exchange}' (no default archive)`,
        });
      }
    }
  });

/** The public Binance archive. */
export const BINANCE_ARCHIVE_URL = 'https://data.binance.vision';

/**
 * The archive a feed uses when its `archive` names no `url`: the public
 * Binance archive for `exchange: binance` without `api_url`, the sim
 * server's own for `exchange: sim` with `api_url`; otherwise none. Only the
 * public archive is used unasked: a sim feed opts in with `archive: {}`, so
 * a sim stands for the REST exchange unless told otherwise.
 */
export function defaultArchiveUrl(feed: {
  readonly exchange: string;
  readonly api_url?: string | undefined;
}): string | undefined {
  if (feed.exchange === 'binance' && feed.api_url === undefined) return BINANCE_ARCHIVE_URL;
  if (feed.exchange === 'sim' && feed.api_url !== undefined) return feed.api_url;
  return undefined;
}

/** `server`: where `gapless serve` listens and who may change tracked symbols. */
export const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8080),
    /** Keys accepted in `X-API-Key` by the admin endpoints; also `GAPLESS_API_KEYS` (comma list). */
    api_keys: z.array(z.string().min(8, 'API keys need at least 8 characters')).default([]),
    /** Largest range one request may ask for, in days. */
    max_range_days: positiveInt.default(3_660),
  })
  .strict();

/** `jobs`: how backfill jobs run. */
export const jobsSchema = z
  .object({
    /** Jobs running at once; with 1, a second request while one runs gets 409. */
    concurrency: positiveInt.max(64).default(1),
    lease_ttl_ms: positiveInt.default(30_000),
    heartbeat_ms: positiveInt.default(5_000),
    poll_ms: positiveInt.default(1_000),
  })
  .strict();

/** `scheduler`: the daily incremental backfill of tracked symbols. */
export const schedulerSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** UTC hour; also `BACKFILL_SCHEDULE_HOUR`. */
    hour: z.number().int().min(0).max(23).default(0),
    /** UTC minute; also `BACKFILL_SCHEDULE_MINUTE`. */
    minute: z.number().int().min(0).max(59).default(30),
    /** How far back a symbol with no history starts. */
    initial_lookback_days: positiveInt.default(30),
  })
  .strict();

/** `seamless_data_provider.backfill_config`: single-flight windows, concurrency and retries. */
export const seamlessBackfillSchema = z
  .object({
    /** How long a finished or failed flight keeps answering callers. */
    single_flight_ttl_ms: z.number().int().nonnegative().default(5_000),
    /** Lease of a window claimed across processes (used by the jobs layer's leases). */
    distributed_lease_ttl_ms: positiveInt.default(30_000),
    /** Bars per single-flight window; a multiple of the usual 1000-bar page wastes no request. */
    window_bars: positiveInt.default(5_000),
    /** Windows filled at once. */
    max_concurrent_requests: positiveInt.max(256).default(4),
    /** Windows allowed to wait for a slot; beyond, requests fail with QUEUE_FULL. */
    max_queued_requests: z.number().int().nonnegative().default(10_000),
    max_attempts: positiveInt.default(3),
    retry_backoff_ms: z.number().int().nonnegative().default(250),
    jitter_ratio: z.number().min(0).max(1).default(0.2),
  })
  .strict();

/**
 * `backfill`: the engine every entry point fills through. Absent keys take
 * the engine's own defaults (`BackfillEngineOptions`), so they live in one place.
 */
export const backfillSchema = z
  .object({
    window_bars: positiveInt.optional(),
    single_flight_ttl_ms: z.number().int().nonnegative().optional(),
    max_concurrent_requests: positiveInt.max(256).optional(),
    max_queued_requests: z.number().int().nonnegative().optional(),
    max_attempts: positiveInt.optional(),
    retry_backoff_ms: z.number().int().nonnegative().optional(),
    jitter_ratio: z.number().min(0).max(1).optional(),
  })
  .strict();

/**
 * `conformance`: checks of every stored batch, on every write path. With
 * `partial_ok` the good rows of a bad batch are stored and the bad ones
 * reported (their bars stay missing); without, the whole batch is refused.
 */
export const conformanceSchema = z
  .object({ enabled: z.boolean().optional(), partial_ok: z.boolean().optional() })
  .strict();

const budgetMs = positiveInt.optional();

/** `seamless_data_provider.sla`: deadline, per-stage budgets and freshness, all in ms. */
export const seamlessSlaSchema = z
  .object({
    deadline_ms: budgetMs,
    stage_budgets_ms: z
      .object({ cache: budgetMs, storage: budgetMs, backfill: budgetMs, live: budgetMs })
      .strict()
      .default({}),
    freshness_ms: budgetMs,
    on_breach: z.enum(['raise', 'record']).default('raise'),
  })
  .strict();

/** `seamless_data_provider`: how the SDK serves windows (strategies, cache, conformance, SLA). */
export const seamlessProviderSchema = z
  .object({
    strategy: z
      .enum(['FAIL_FAST', 'AUTO_BACKFILL', 'PARTIAL_FILL', 'SEAMLESS'])
      .default('AUTO_BACKFILL'),
    enable_background_backfill: z.boolean().default(true),
    backfill_config: seamlessBackfillSchema.default(seamlessBackfillSchema.parse({})),
    /** Seconds an L1 cache entry is served; 0 turns the cache off. */
    cache_ttl_s: z.number().nonnegative().default(300),
    /** The issue's spelling of `cache_ttl_s` (seconds); wins when given. */
    cache_ttl: z.number().nonnegative().optional(),
    cache_max_rows: z.number().int().nonnegative().default(2_000_000),
    cache_max_bytes: z.number().int().nonnegative().default(268_435_456),
    conformance: z
      .object({ enabled: z.boolean().default(true), partial_ok: z.boolean().default(false) })
      .strict()
      .default({ enabled: true, partial_ok: false }),
    sla: seamlessSlaSchema.default(seamlessSlaSchema.parse({})),
    /** pino level of the provider's logs. */
    log_level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .strict()
  .transform(({ cache_ttl, ...block }) =>
    cache_ttl === undefined ? block : { ...block, cache_ttl_s: cache_ttl },
  );

/** The whole `gapless.yaml`. */
export const configSchema = z
  .object({
    data_dir: z.string().min(1).default('./data'),
    /** PostgreSQL for jobs, symbols and history; also `DATABASE_URL`. Embedded files when absent. */
    database_url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
      .optional(),
    feeds: z.array(feedSchema).min(1),
    server: serverSchema.default(serverSchema.parse({})),
    jobs: jobsSchema.default(jobsSchema.parse({})),
    scheduler: schedulerSchema.default(schedulerSchema.parse({})),
    backfill: backfillSchema.default({}),
    conformance: conformanceSchema.default({}),
    seamless_data_provider: seamlessProviderSchema.default(seamlessProviderSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.feeds.forEach((feed, i) => {
      if (seen.has(feed.source)) {
        ctx.addIssue({
          code: 'custom',
          path: ['feeds', i, 'source'],
          message: `duplicate feed source '${feed.source}'`,
        });
      }
      seen.add(feed.source);
    });
  });

/** A feed after validation, defaults filled in. */
export type FeedConfig = z.infer<typeof feedSchema>;
/** A feed's `archive` block, defaults filled in. */
export type ArchiveConfig = z.infer<typeof archiveSchema>;
/** The configuration after validation, defaults filled in. */
export type GaplessConfig = z.infer<typeof configSchema>;
/** The `seamless_data_provider` block after validation, defaults filled in. */
export type SeamlessProviderConfig = z.infer<typeof seamlessProviderSchema>;
