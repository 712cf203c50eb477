import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/cli.js';
import { parseConfig } from '../config/load-config.js';
import { openEmbeddedRepositories } from './embedded/open.js';
import type { BackfillJob, Repositories } from './job.js';
import { JobRunningError } from './job-errors.js';
import { JobService, type SubmitJobInput } from './job-service.js';

const NOW = Date.UTC(2024, 6, 1, 12);
const OK: SubmitJobInput = {
  source: 'sim',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
  start: '2024-01-01',
  end: '2024-01-08',
};

describe('JobService', () => {
  const tmp = tempDir();
  let repos: Repositories;
  let service: JobService;

  beforeAll(async () => {
    const config = parseConfig({
      data_dir: tmp.dir,
      feeds: [
        { source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'], granularities: ['1m', '1h'] },
        { source: 'eq', exchange: 'sim', subjects: ['AAPL'], asset_class: 'equity' },
      ],
      server: { max_range_days: 400 },
    });
    repos = await openEmbeddedRepositories(tmp.dir, { nowMs: () => NOW });
    service = new JobService({ config, repos, nowMs: () => NOW });
  });
  afterAll(async () => {
    await repos.close();
    tmp.cleanup();
  });

  const bad: [string, Partial<Record<keyof SubmitJobInput, unknown>>, string][] = [
    ['unknown feed', { source: 'nope' }, 'UNKNOWN_FEED'],
    ['unconfigured subject', { subject: 'DOGE/USDT' }, 'UNKNOWN_SUBJECT'],
    ['subject of another asset class', { subject: 'AAPL' }, 'UNKNOWN_SUBJECT'],
    ['kind not offered', { kind: 'trade', granularity: undefined }, 'BAD_KIND'],
    ['unknown kind', { kind: 'options' }, 'BAD_SERIES'],
    ['granularity not offered', { granularity: '5m' }, 'BAD_GRANULARITY'],
    ['unknown granularity', { granularity: '7x' }, 'BAD_GRANULARITY'],
    ['bad date', { start: '2024-02-31' }, 'BAD_TIME'],
    ['non-date', { end: 'yesterday' }, 'BAD_TIME'],
    ['wrong type', { start: { $gt: 1 } }, 'BAD_TIME'],
    ['end before start', { start: '2024-02-01', end: '2024-01-01' }, 'BAD_RANGE'],
    ['empty range', { start: '2024-02-01', end: '2024-02-01' }, 'BAD_RANGE'],
    ['range too large', { start: '2022-01-01', end: '2024-01-01' }, 'RANGE_TOO_LARGE'],
    ['in the future', { start: '2024-08-01', end: '2024-09-01' }, 'RANGE_IN_FUTURE'],
    ['subject with traversal', { subject: '..' }, 'BAD_SERIES'],
    ['missing subject', { subject: undefined }, 'BAD_SERIES'],
  ];
  for (const [what, patch, code] of bad) {
    it(`refuses ${what} with ${code}`, async () => {
      const input = { ...OK, ...patch } as SubmitJobInput;
      await expect(service.submit(input)).rejects.toMatchObject({ code });
      expect((await repos.jobs.list({ limit: 1, offset: 0 })).total).toBe(0);
    });
  }

  it('accepts epoch seconds and ms, clips an end in the future to now', async () => {
    const job = await service.validate({
      ...OK,
      start: Date.UTC(2024, 5, 1) / 1000,
      end: String(NOW + 86_400_000),
    });
    expect(job).toMatchObject({ startTs: Date.UTC(2024, 5, 1), endTs: NOW, granularity: '1m' });
  });

  it('accepts a tracked symbol of the feed asset class', async () => {
    await repos.symbols.add('ETH/USDT', 'crypto');
    await expect(service.validate({ ...OK, subject: 'ETH/USDT' })).resolves.toMatchObject({
      subject: 'ETH/USDT',
    });
    await repos.symbols.add('MSFT', 'equity');
    await expect(service.validate({ ...OK, subject: 'MSFT' })).rejects.toMatchObject({
      code: 'UNKNOWN_SUBJECT',
    });
  });

  it('refuses a second job with JOB_RUNNING naming the first', async () => {
    const first = await service.submit(OK);
    const error = await service.submit({ ...OK, granularity: '1h' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobRunningError);
    expect(error).toMatchObject({ code: 'JOB_RUNNING', jobId: first.id });
    expect((error as Error).message).toContain(first.id);
    await service.cancel(first.id);
    await expect(service.cancel(first.id)).rejects.toMatchObject({ code: 'JOB_FINISHED' });
    const second = await service.submit(OK);
    await service.cancel(second.id);
  });

  it('answers JOB_NOT_FOUND for unknown and malformed ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'x', "1' OR '1'='1", '../jobs']) {
      await expect(service.get(id)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      await expect(service.cancel(id)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    }
  });

  it('validates listing filters and pages', async () => {
    await expect(service.list({ status: 'bogus' })).rejects.toMatchObject({ code: 'BAD_STATUS' });
    await expect(service.list({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(service.list({ offset: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const { jobs, total } = await service.list({ status: 'cancelled', limit: 1 });
    expect(total).toBe(2);
    expect(jobs).toHaveLength(1);
  });

  it('views progress, rate and ETA from the cursor', () => {
    const start = Date.UTC(2024, 0, 1);
    const job: BackfillJob = {
      id: '00000000-0000-4000-8000-000000000001',
      source: 'sim',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1m',
      startTs: start,
      endTs: start + 4 * 86_400_000,
      cursorTs: start + 86_400_000,
      recordsWritten: 1440,
      pagesFetched: 1,
      status: 'running',
      error: null,
      createdAt: NOW - 20_000,
      updatedAt: NOW - 1_000,
      startedAt: NOW - 10_000,
      leaseOwner: 'w',
      leaseExpiresAt: NOW + 20_000,
      requestedBy: 'api',
    };
    const view = service.view(job, NOW);
    expect(view).toMatchObject({
      percentage: 25,
      rate_records_per_s: 144,
      eta_s: 30,
      cursor: '2024-01-02T00:00:00.000Z',
      start_ms: start,
      status: 'running',
    });
    expect(service.view({ ...job, cursorTs: null }, NOW)).toMatchObject({
      percentage: 0,
      eta_s: null,
    });
    expect(service.view({ ...job, status: 'completed' }, NOW)).toMatchObject({
      percentage: 100,
      eta_s: null,
    });
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });
});
