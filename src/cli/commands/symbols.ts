import Table from 'cli-table3';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { NotFoundError } from '../../core/errors.js';
import { formatTime } from '../../core/time.js';
import type { SymbolRepository } from '../../jobs/job.js';
import { openRepositories } from '../../jobs/repositories.js';
import type { CommonFlags } from '../app.js';
import { withCommonFlags } from '../options.js';

interface SymbolFlags extends CommonFlags {
  assetClass: string;
  all?: boolean;
  json?: boolean;
}

async function withSymbols<T>(
  flags: CommonFlags,
  fn: (symbols: SymbolRepository) => Promise<T>,
): Promise<T> {
  const repos = await openRepositories(loadConfig({ path: flags.config, dataDir: flags.dataDir }));
  try {
    return await fn(repos.symbols);
  } finally {
    await repos.close();
  }
}

/** `gapless symbols add|list|remove`: the symbols the daily scheduler keeps current. */
export function registerSymbolsCommand(program: Command): void {
  const symbols = program
    .command('symbols')
    .description('tracked symbols, backfilled every day by the scheduler');

  withCommonFlags(symbols.command('add').argument('<symbol>', 'e.g. BTC/USDT'))
    .description('track a symbol (or re-activate it)')
    .option('--asset-class <class>', 'backfilled on feeds with this asset_class', 'crypto')
    .action(async (symbol: string, flags: SymbolFlags) => {
      await withSymbols(flags, async (repo) => {
        const added = await repo.add(symbol, flags.assetClass);
        process.stdout.write(`tracking ${added.symbol} (${added.assetClass})\n`);
      });
    });

  withCommonFlags(symbols.command('list'))
    .description('tracked symbols')
    .option('--all', 'include removed (inactive) symbols')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: SymbolFlags) => {
      await withSymbols(flags, async (repo) => {
        const list = await repo.list({ activeOnly: !flags.all });
        if (flags.json) {
          const out = list.map((s) => ({
            symbol: s.symbol,
            asset_class: s.assetClass,
            active: s.active,
            created_at: formatTime(s.createdAt),
          }));
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        const table = new Table({
          head: ['symbol', 'asset class', 'active', 'since'],
          style: { head: [], border: [] },
        });
        for (const s of list) {
          table.push([s.symbol, s.assetClass, s.active ? 'yes' : 'no', formatTime(s.createdAt)]);
        }
        process.stdout.write(`${table.toString()}\n`);
      });
    });

  withCommonFlags(symbols.command('remove').argument('<symbol>', 'a tracked symbol'))
    .description('stop tracking a symbol (its data stays)')
    .action(async (symbol: string, flags: CommonFlags) => {
      await withSymbols(flags, async (repo) => {
        if (!(await repo.remove(symbol))) {
          throw new NotFoundError(`'${symbol}' is not a tracked symbol`, 'UNKNOWN_SYMBOL');
        }
        process.stdout.write(`no longer tracking ${symbol}\n`);
      });
    });
}
