/** @module A progress bar for pulls, on a terminal only. */
import cliProgress from 'cli-progress';

/** What a pull reports as it goes. */
export interface PullProgress {
  /** One more file was checked or downloaded; `bytes` were downloaded for it. */
  advance(bytes: number): void;
  stop(): void;
}

/** A bar on stderr when `enabled` (by default when stderr is a terminal), else nothing. */
export function pullProgress(label: string, total: number, enabled: boolean): PullProgress {
  if (!enabled || total === 0) return { advance() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `pull ${label} [{bar}] {value}/{total} files | {mb} MB downloaded`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let bytes = 0;
  bar.start(total, 0, { mb: '0.0' });
  return {
    advance(more) {
      bytes += more;
      bar.increment(1, { mb: (bytes / 1e6).toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}
