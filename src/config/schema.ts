import { z } from 'zod';
import { GRANULARITIES, parseGranularity } from '../core/granularity.js';
import { KINDS } from '../core/series.js';

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

/** `rate_limit` of a feed: a token bucket plus a concurrency cap. */
export const rateLimitSchema = z
  .object({
    tokens_per_interval: positiveInt.default(1200),
    interval_ms: positiveInt.default(60_000),
    burst_tokens: z.number().int().nonnegative().optional(),
    request_weight: positiveInt.default(1),
    max_concurrency: positiveInt.default(8),
    min_interval_s: z.number().nonnegative().default(0),
    penalty_backoff_ms: z.number().int().nonnegative().default(5_000),
  })
  .strict();

/** `retry` of a feed. */
export const retrySchema = z
  .object({
    max_attempts: positiveInt.default(8),
    retry_backoff_ms: z.number().int().nonnegative().default(250),
    max_delay_ms: positiveInt.default(30_000),
    jitter_ratio: z.number().min(0).max(1).default(0.2),
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
    rate_limit: rateLimitSchema.optional(),
    retry: retrySchema.optional(),
    concurrency: positiveInt.max(64).default(8),
    timeout_ms: positiveInt.default(10_000),
  })
  .strict();

/** The whole `gapless.yaml`. */
export const configSchema = z
  .object({
    data_dir: z.string().min(1).default('./data'),
    feeds: z.array(feedSchema).min(1),
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
/** The configuration after validation, defaults filled in. */
export type GaplessConfig = z.infer<typeof configSchema>;
