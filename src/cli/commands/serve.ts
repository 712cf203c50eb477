import { type Command, Option } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/load-config.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { createLogger } from '../../server/logger.js';
import { startServer } from '../../server/server.js';
import type { CommonFlags } from '../app.js';
import { withCommonFlags } from '../options.js';

interface ServeFlags extends CommonFlags {
  host?: string;
  port?: string;
  scheduler: boolean;
}

/** `gapless serve`: the HTTP API, a job worker and the scheduler in one process. */
export function registerServeCommand(program: Command): void {
  withCommonFlags(program.command('serve'))
    .description('serve the HTTP API with a backfill worker and the daily scheduler')
    .addOption(new Option('--host <host>', 'interface to bind (default server.host)'))
    .addOption(new Option('--port <port>', 'port to listen on, 0 for any (default server.port)'))
    .option('--no-scheduler', 'do not run the daily scheduler in this process')
    .action(async (flags: ServeFlags) => {
      await runServe(flags);
    });
}

async function runServe(flags: ServeFlags): Promise<void> {
  const config = loadConfig({ path: flags.config, dataDir: flags.dataDir });
  const host = flags.host ?? config.server.host;
  const port = flags.port === undefined ? config.server.port : portOf(flags.port);
  const logger = createLogger();
  const service = await openRuntime(config, {
    worker: true,
    scheduler: flags.scheduler,
    onError: (error) => logger.error({ err: error }, 'background failure'),
    // Another worker took the job over: say so, since this one stopped mid-way.
    onJobEnd: (job, outcome) => {
      if (outcome === 'lease-lost') logger.warn({ job: job.id }, 'job lease lost; stopped writing');
    },
  });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(service, { host, port, logger });
  } catch (error) {
    await service.close();
    throw error;
  }
  process.stdout.write(`gapless listening on ${server.url}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      // A second signal while draining means "now".
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void (async () => {
        try {
          // Stop taking requests first, then hand running jobs back and close storage.
          await server.close();
          await service.close();
        } catch (error) {
          logger.error({ err: error }, 'shutdown failed');
          process.exitCode = 1;
        }
        resolve();
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function portOf(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) {
    throw new InvalidArgumentError(`--port must be a whole number 0..65535, got '${text}'`);
  }
  return Number(text);
}
