import Table from 'cli-table3';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { formatTime } from '../../core/time.js';
import { openRepositories } from '../../jobs/repositories.js';
import type { CommonFlags } from '../app.js';
import { positiveInt, withCommonFlags } from '../options.js';

interface HistoryFlags extends CommonFlags {
  limit: string;
  symbol?: string;
  json?: boolean;
}

/** `gapless history`: outcomes of the scheduled backfills, newest first. */
export function registerHistoryCommand(program: Command): void {
  withCommonFlags(program.command('history'))
    .description('per-symbol outcomes of the daily scheduled backfills (backfill_history)')
    .option('--limit <n>', 'how many rows', '50')
    .option('--symbol <symbol>', 'only this symbol')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: HistoryFlags) => {
      const limit = positiveInt(flags.limit, '--limit');
      const repos = await openRepositories(
        loadConfig({ path: flags.config, dataDir: flags.dataDir }),
      );
      try {
        const rows = await repos.history.list({
          limit,
          ...(flags.symbol === undefined ? {} : { symbol: flags.symbol }),
        });
        if (flags.json) {
          const out = rows.map((r) => ({
            symbol: r.symbol,
            backfill_timestamp: formatTime(r.backfillTimestamp),
            records_imported: r.recordsImported,
            success: r.success,
            error_details: r.errorDetails,
          }));
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        const table = new Table({
          head: ['time', 'symbol', 'records', 'result'],
          style: { head: [], border: [] },
        });
        for (const r of rows) {
          table.push([
            formatTime(r.backfillTimestamp),
            r.symbol,
            r.recordsImported.toLocaleString('en-US'),
            r.success ? 'ok' : `failed: ${r.errorDetails ?? ''}`,
          ]);
        }
        process.stdout.write(`${table.toString()}\n`);
      } finally {
        await repos.close();
      }
    });
}
