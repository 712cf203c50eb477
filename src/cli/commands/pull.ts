/** @module `gapless pull`: a service's Parquet day files into the local backtest cache. */
import type { Command } from 'commander';
import { InvalidArgumentError, type PulledFile } from '../../backtest/index.js';
import {
  type BacktestFlags,
  clientOf,
  resolveSource,
  withBacktestFlags,
} from './backtest-flags.js';

/** `gapless pull`. */
export function registerPullCommand(program: Command): void {
  withBacktestFlags(program.command('pull'))
    .description('download day files from a gapless service into the backtest cache')
    .option('--refresh', 'download every file again, even unchanged ones')
    .action(async (flags: BacktestFlags & { refresh?: boolean }) => {
      const client = clientOf(flags);
      if (client === undefined) throw new InvalidArgumentError('pull needs --url <service URL>');
      const source = await resolveSource(flags, client);
      for (const subject of flags.subject) {
        const started = performance.now();
        const files = await client.pull({
          source,
          subject,
          granularity: flags.granularity,
          start: flags.start,
          end: flags.end,
          refresh: flags.refresh === true,
        });
        process.stdout.write(`${describePull(subject, files, performance.now() - started)}\n`);
      }
    });
}

/** One line per subject: how many files, what happened to them, how many bytes came down. */
export function describePull(
  subject: string,
  files: readonly PulledFile[],
  elapsedMs: number,
): string {
  const count = (action: PulledFile['action']) => files.filter((f) => f.action === action).length;
  const bytes = files.reduce((sum, f) => sum + (f.action === 'unchanged' ? 0 : f.sizeBytes), 0);
  return `${subject}: ${files.length} files (${count('downloaded')} downloaded, ${count('updated')} updated, ${count('unchanged')} unchanged), ${(bytes / 1e6).toFixed(1)} MB in ${(elapsedMs / 1000).toFixed(1)} s`;
}
