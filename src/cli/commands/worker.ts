import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/load-config.js';
import type { CommonFlags } from '../app.js';
import { describeError } from '../exit-codes.js';
import { withCommonFlags } from '../options.js';
import { untilStopSignal } from '../stop-signal.js';

interface WorkerFlags extends CommonFlags {
  id?: string;
}

/**
 * `gapless worker`: a job worker alone, until SIGINT or SIGTERM. Meant for the
 * PostgreSQL mode, where any number of them share the queue through leases.
 */
export function registerWorkerCommand(program: Command): void {
  withCommonFlags(program.command('worker'))
    .description('run backfill jobs from the queue until stopped (PostgreSQL mode: run many)')
    .option('--id <name>', 'worker id used as lease owner (default host:pid:random)')
    .action(async (flags: WorkerFlags) => {
      const config = loadConfig({ path: flags.config, dataDir: flags.dataDir });
      const service = await openRuntime(config, {
        scheduler: false,
        ...(flags.id === undefined ? {} : { workerId: flags.id }),
        onError: (error) => process.stderr.write(`worker: ${describeError(error)}\n`),
        onJobEnd: (job, outcome) => process.stderr.write(`worker: job ${job.id} ${outcome}\n`),
      });
      const mode = service.repos.mode;
      process.stderr.write(
        `worker ${service.worker?.workerId} started (${mode}${mode === 'embedded' ? ': one process per data dir; gapless serve runs its own worker' : ''})\n`,
      );
      await untilStopSignal();
      process.stderr.write('worker: stopping, handing running jobs back\n');
      await service.close();
    });
}
