#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { GAPLESS_VERSION } from '../core/version.js';
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

// Each command's module, loaded only when it runs: together they pull in the HTTP server,
// the job repositories (pg), the metrics and Arrow, which made every command (even
// `backfill --help`) take a second to start. Help, `--version` and unknown commands load
// them all.
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  backfill: async () => (await import('./commands/backfill.js')).registerBackfillCommand,
  coverage: async () => (await import('./commands/coverage.js')).registerCoverageCommand,
  read: async () => (await import('./commands/read.js')).registerReadCommand,
  verify: async () => (await import('./commands/verify.js')).registerVerifyCommand,
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  sim: async () => (await import('./commands/sim.js')).registerSimCommand,
  worker: async () => (await import('./commands/worker.js')).registerWorkerCommand,
  jobs: async () => (await import('./commands/jobs.js')).registerJobsCommand,
  symbols: async () => (await import('./commands/symbols.js')).registerSymbolsCommand,
  history: async () => (await import('./commands/history.js')).registerHistoryCommand,
  pull: async () => (await import('./commands/pull.js')).registerPullCommand,
  backtest: async () => (await import('./commands/backtest.js')).registerBacktestCommand,
};
const named = process.argv[2];
const wanted =
  named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) {
  register(program);
}

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
