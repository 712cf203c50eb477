import Table from 'cli-table3';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { JobService } from '../../jobs/job-service.js';
import type { JobView } from '../../jobs/job-view.js';
import { openRepositories } from '../../jobs/repositories.js';
import type { CommonFlags } from '../app.js';
import { positiveInt, withCommonFlags } from '../options.js';

interface ListFlags extends CommonFlags {
  status?: string;
  feed?: string;
  limit: string;
  json?: boolean;
}

interface OneFlags extends CommonFlags {
  json?: boolean;
}

/** Opens the job service on the configured repositories, runs `fn`, closes them. */
async function withJobs<T>(flags: CommonFlags, fn: (jobs: JobService) => Promise<T>): Promise<T> {
  const config = loadConfig({ path: flags.config, dataDir: flags.dataDir });
  const repos = await openRepositories(config);
  try {
    return await fn(new JobService({ config, repos }));
  } finally {
    await repos.close();
  }
}

const series = (v: JobView) =>
  `${v.kind}:${v.source}:${v.subject}${v.granularity === null ? '' : `:${v.granularity}`}`;

function printJobs(views: JobView[]): void {
  const table = new Table({
    head: ['id', 'series', 'range', 'status', 'progress', 'records', 'created'],
    style: { head: [], border: [] },
  });
  for (const v of views) {
    table.push([
      v.id,
      series(v),
      `${v.start} .. ${v.end}`,
      v.error === null ? v.status : `${v.status}: ${v.error}`,
      `${v.percentage.toFixed(1)}%`,
      v.records_written.toLocaleString('en-US'),
      v.created_at,
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
}

/** `gapless jobs list|show|cancel`: inspect and cancel backfill jobs. */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('list, show and cancel backfill jobs');

  withCommonFlags(jobs.command('list'))
    .description('backfill jobs, newest first')
    .option('--status <status>', 'pending, running, completed, failed or cancelled')
    .option('-f, --feed <source>', 'only jobs of this feed')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: ListFlags) => {
      const limit = positiveInt(flags.limit, '--limit');
      await withJobs(flags, async (service) => {
        const { jobs: found, total } = await service.list({
          status: flags.status,
          source: flags.feed,
          limit,
        });
        const views = found.map((j) => service.view(j));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ jobs: views, total }, null, 2)}\n`);
          return;
        }
        printJobs(views);
        if (total > views.length) process.stdout.write(`(${views.length} of ${total})\n`);
      });
    });

  withCommonFlags(jobs.command('show').argument('<id>', 'job id'))
    .description('one job: cursor, records, pages, percentage, rate, ETA')
    .option('--json', 'print JSON instead of a table')
    .action(async (id: string, flags: OneFlags) => {
      await withJobs(flags, async (service) => {
        const view = service.view(await service.get(id));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
          return;
        }
        const table = new Table({ style: { head: [], border: [] } });
        for (const [key, value] of Object.entries(view)) table.push({ [key]: String(value) });
        process.stdout.write(`${table.toString()}\n`);
      });
    });

  withCommonFlags(jobs.command('cancel').argument('<id>', 'job id'))
    .description('cancel a pending or running job (re-submit the range to resume it later)')
    .option('--json', 'print the cancelled job as JSON')
    .action(async (id: string, flags: OneFlags) => {
      await withJobs(flags, async (service) => {
        const view = service.view(await service.cancel(id));
        process.stdout.write(
          flags.json ? `${JSON.stringify(view, null, 2)}\n` : `cancelled ${view.id}\n`,
        );
      });
    });
}
