import { type Logger, pino } from 'pino';

/**
 * The server's JSON logger. Level from `GAPLESS_LOG_LEVEL`, default `info`,
 * and `silent` under vitest so test output stays readable.
 */
export function createLogger(level?: string): Logger {
  const fallback = process.env.VITEST ? 'silent' : 'info';
  return pino({ name: 'gapless', level: level ?? process.env.GAPLESS_LOG_LEVEL ?? fallback });
}
