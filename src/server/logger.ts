import { type Logger, pino } from 'pino';

/** Log bytes kept in memory while the log cannot be written (a full disk); more are dropped. */
export const LOG_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * The server's JSON logger, on stdout. Level from `GAPLESS_LOG_LEVEL`,
 * default `info`, and `silent` under vitest so test output stays readable.
 * A log that cannot be written (stdout a file on a full disk) never ends the
 * process: lines wait, up to {@link LOG_BACKLOG_BYTES}, and are written once
 * there is room; stderr says so once.
 */
export function createLogger(level?: string): Logger {
  const fallback = process.env.VITEST ? 'silent' : 'info';
  const destination = pino.destination({ dest: 1, sync: false, maxLength: LOG_BACKLOG_BYTES });
  let told = false;
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (told) return;
    told = true;
    process.stderr.write(
      `warning: cannot write the log: ${error.code ?? error.message}; lines wait until it can\n`,
    );
  });
  return pino(
    { name: 'gapless', level: level ?? process.env.GAPLESS_LOG_LEVEL ?? fallback },
    destination,
  );
}
