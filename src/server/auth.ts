import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../core/errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks a presented key against the configured ones in constant time:
 * both sides are hashed to equal-length digests first, and every key is
 * compared, so neither the length nor the position of a match leaks.
 * No configured keys means no key is ever valid.
 */
export function apiKeyMatches(presented: string | undefined, keys: readonly string[]): boolean {
  if (presented === undefined || presented === '' || keys.length === 0) return false;
  const given = digest(presented);
  let ok = false;
  for (const key of keys) {
    if (timingSafeEqual(given, digest(key))) ok = true;
  }
  return ok;
}

/** Middleware that lets a request through only with a valid `X-API-Key`; 401 otherwise. */
export function requireApiKey(keys: readonly string[]): MiddlewareHandler {
  const frozen = [...keys];
  return async (c, next) => {
    if (!apiKeyMatches(c.req.header('x-api-key'), frozen)) {
      throw new UnauthorizedError(
        frozen.length === 0
          ? 'admin endpoints are disabled: no API keys are configured (server.api_keys or GAPLESS_API_KEYS)'
          : 'a valid X-API-Key header is required',
      );
    }
    await next();
  };
}
