#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { GAPLESS_VERSION } from '../core/version.js';
import { registerBackfillCommand } from './commands/backfill.js';
import { registerBacktestCommand } from './commands/backtest.js';
import { registerCoverageCommand } from './commands/coverage.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerJobsCommand } from './commands/jobs.js';
import { registerPullCommand } from './commands/pull.js';
import { registerReadCommand } from './commands/read.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimCommand } from './commands/sim.js';
import { registerSymbolsCommand } from './commands/symbols.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerWorkerCommand } from './commands/worker.js';
import { describeError, EXIT, exitCodeFor } from './exit-codes.js';
import { guardOutput } from './output-guard.js';
import { tuneRuntime } from './runtime.js';

tuneRuntime();
guardOutput();

const program = new Command('gapless')
  .description('market history without holes: backfill, check, store and serve candles and trades')
  .version(GAPLESS_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerBackfillCommand(program);
registerCoverageCommand(program);
registerReadCommand(program);
registerVerifyCommand(program);
registerServeCommand(program);
registerSimCommand(program);
registerWorkerCommand(program);
registerJobsCommand(program);
registerSymbolsCommand(program);
registerHistoryCommand(program);
registerPullCommand(program);
registerBacktestCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help).
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`error: ${describeError(error)}\n`);
    if (process.env.GAPLESS_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
