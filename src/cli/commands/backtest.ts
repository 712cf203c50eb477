/** @module `gapless backtest`: pull, replay a model file, print the summary, optionally write the predictions. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { BacktestRunner, InvalidArgumentError, loadModel } from '../../backtest/index.js';
import {
  type BacktestFlags,
  clientOf,
  resolveSource,
  wholeNumber,
  withBacktestFlags,
} from './backtest-flags.js';

interface RunFlags extends BacktestFlags {
  model: string;
  window: string;
  interval: string;
  horizon: string;
  output?: string;
}

/** `gapless backtest`. */
export function registerBacktestCommand(program: Command): void {
  withBacktestFlags(program.command('backtest'))
    .description('replay cached (or pulled) history through a model and score its predictions')
    .requiredOption('--model <file>', 'JavaScript module exporting tick() and predict()')
    .option('--window <rows>', 'rows in the window tick() gets', '120')
    .option('--interval <seconds>', 'least data time between predictions', '60')
    .option('--horizon <seconds>', 'how far ahead a prediction is resolved', '60')
    .option('-o, --output <file>', 'write the predictions (.parquet or .csv)')
    .action(async (flags: RunFlags) => {
      const windowSize = wholeNumber(flags.window, '--window', 1);
      const predictionIntervalSeconds = wholeNumber(flags.interval, '--interval', 0);
      const resolveHorizonSeconds = wholeNumber(flags.horizon, '--horizon', 0);
      const format = flags.output === undefined ? undefined : path.extname(flags.output);
      if (format !== undefined && format !== '.parquet' && format !== '.csv') {
        throw new InvalidArgumentError(
          `--output must end in .parquet or .csv, got '${flags.output}'`,
        );
      }
      const model = await loadModel(flags.model);
      const client = clientOf(flags);
      const source = await resolveSource(flags, client);
      const runner = new BacktestRunner({ model, client, cacheDir: flags.cacheDir });
      const result = await runner.run({
        source,
        subjects: flags.subject,
        granularity: flags.granularity,
        start: flags.start,
        end: flags.end,
        windowSize,
        predictionIntervalSeconds,
        resolveHorizonSeconds,
      });
      result.summary();
      if (flags.output !== undefined) {
        if (format === '.csv') {
          await writeFile(flags.output, result.toCSV());
        } else await result.toParquet(flags.output);
        process.stdout.write(`wrote ${result.predictions.length} predictions to ${flags.output}\n`);
      }
    });
}
