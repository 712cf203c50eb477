import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StorageError } from '../../core/errors.js';
import { KINDS } from '../../core/series.js';
import {
  type BackfillJob,
  JOB_ORIGINS,
  JOB_STATUSES,
  type JobProgress,
  type JobQuery,
  type JobRepository,
  type NewJob,
} from '../job.js';
import { isJobId } from '../job-id.js';
import {
  dataDirOfState,
  ensureDir,
  processAlive,
  readJsonFile,
  stateLocks,
  writeStateFile,
} from './state-dir.js';

const jobFileSchema = z.object({
  id: z.string(),
  seq: z.number(),
  source: z.string(),
  subject: z.string(),
  kind: z.enum(KINDS),
  granularity: z.string().nullable(),
  startTs: z.number(),
  endTs: z.number(),
  cursorTs: z.number().nullable(),
  recordsWritten: z.number(),
  pagesFetched: z.number(),
  status: z.enum(JOB_STATUSES),
  error: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().nullable(),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: z.number().nullable(),
  /** The process holding the lease: a dead one's lease is void at once. */
  leasePid: z.number().nullable(),
  waitReason: z.string().nullable().optional(),
  waitUntil: z.number().nullable().optional(),
  notes: z.array(z.string()).readonly().optional(),
  // Job files written before the field existed came through the API.
  requestedBy: z.enum(JOB_ORIGINS).default('api'),
});

type JobFile = z.infer<typeof jobFileSchema>;

function toJob(file: JobFile): BackfillJob {
  const { seq: _seq, leasePid: _pid, ...job } = file;
  return job;
}

const newestFirst = (a: JobFile, b: JobFile) => b.createdAt - a.createdAt || b.seq - a.seq;
const oldestFirst = (a: JobFile, b: JobFile) => a.createdAt - b.createdAt || a.seq - b.seq;

/**
 * Jobs as one JSON file each under `{data_dir}/.gapless/jobs/`, written
 * atomically (temp + rename). Mutations are serialised by an in-process lock;
 * the embedded mode is one serving process (plus short CLI commands).
 *
 * Leases carry the owner's pid: a `running` job whose process is gone (a
 * killed `gapless serve`) is claimable at once on restart, without waiting
 * for `leaseExpiresAt`; inside a live process the lease expires as usual.
 */
export class EmbeddedJobRepository implements JobRepository {
  readonly #dir: string;
  readonly #dataDir: string;
  readonly #nowMs: () => number;
  #seq = 0;

  constructor(stateDir: string, nowMs: () => number = Date.now) {
    this.#dir = path.join(stateDir, 'jobs');
    this.#dataDir = dataDirOfState(stateDir);
    this.#nowMs = nowMs;
  }

  /** Creates the directory and learns the newest sequence number. */
  async open(): Promise<void> {
    await ensureDir(this.#dir);
    for (const job of await this.#readAll()) this.#seq = Math.max(this.#seq, job.seq);
  }

  create(job: NewJob): Promise<BackfillJob> {
    return this.#locked(async () => toJob(await this.#insert(job)));
  }

  createUnlessBusy(
    job: NewJob,
    maxActive: number,
  ): Promise<{ created: true; job: BackfillJob } | { created: false; blocking: BackfillJob }> {
    return this.#locked(async () => {
      const active = (await this.#readAll()).filter(isActive).sort(oldestFirst);
      const blocking = active.find((j) => j.status === 'running') ?? active[0];
      if (active.length >= maxActive && blocking !== undefined) {
        return { created: false, blocking: toJob(blocking) };
      }
      return { created: true, job: toJob(await this.#insert(job)) };
    });
  }

  async get(id: string): Promise<BackfillJob | undefined> {
    const file = await this.#read(id);
    return file === undefined ? undefined : toJob(file);
  }

  async list(query: JobQuery): Promise<{ jobs: BackfillJob[]; total: number }> {
    const matching = (await this.#readAll())
      .filter(
        (j) =>
          (query.status === undefined || j.status === query.status) &&
          (query.source === undefined || j.source === query.source) &&
          (query.subject === undefined || j.subject === query.subject) &&
          (query.kind === undefined || j.kind === query.kind) &&
          (query.granularity === undefined || j.granularity === query.granularity),
      )
      .sort(newestFirst);
    return {
      jobs: matching.slice(query.offset, query.offset + query.limit).map(toJob),
      total: matching.length,
    };
  }

  async active(): Promise<BackfillJob[]> {
    return (await this.#readAll()).filter(isActive).sort(oldestFirst).map(toJob);
  }

  claim(workerId: string, leaseTtlMs: number): Promise<BackfillJob | undefined> {
    return this.#locked(async () => {
      const now = this.#nowMs();
      const claimable = (await this.#readAll())
        .filter((j) => j.status === 'pending' || (j.status === 'running' && leaseVoid(j, now)))
        .sort(oldestFirst)[0];
      if (claimable === undefined) return undefined;
      const claimed: JobFile = {
        ...claimable,
        status: 'running',
        error: null,
        startedAt: now,
        updatedAt: now,
        leaseOwner: workerId,
        leaseExpiresAt: now + leaseTtlMs,
        leasePid: process.pid,
      };
      await this.#write(claimed);
      return toJob(claimed);
    });
  }

  heartbeat(
    id: string,
    workerId: string,
    leaseTtlMs: number,
    progress: JobProgress,
  ): Promise<boolean> {
    return this.#locked(async () => {
      const job = await this.#read(id);
      if (job === undefined || job.status !== 'running' || job.leaseOwner !== workerId) {
        return false;
      }
      const now = this.#nowMs();
      await this.#write({
        ...job,
        ...progress,
        updatedAt: now,
        leaseExpiresAt: now + leaseTtlMs,
        leasePid: process.pid,
      });
      return true;
    });
  }

  finish(
    id: string,
    workerId: string,
    status: 'completed' | 'failed',
    error?: string,
  ): Promise<boolean> {
    return this.#locked(async () => {
      const job = await this.#read(id);
      if (job === undefined || job.status !== 'running' || job.leaseOwner !== workerId) {
        return false;
      }
      await this.#write({
        ...job,
        status,
        error: error ?? null,
        updatedAt: this.#nowMs(),
        leaseOwner: null,
        leaseExpiresAt: null,
        leasePid: null,
        waitReason: null,
        waitUntil: null,
      });
      return true;
    });
  }

  release(id: string, workerId: string): Promise<boolean> {
    return this.#locked(async () => {
      const job = await this.#read(id);
      if (job === undefined || job.status !== 'running' || job.leaseOwner !== workerId) {
        return false;
      }
      await this.#write({
        ...job,
        status: 'pending',
        updatedAt: this.#nowMs(),
        leaseOwner: null,
        leaseExpiresAt: null,
        leasePid: null,
      });
      return true;
    });
  }

  cancel(id: string): Promise<BackfillJob | undefined> {
    return this.#locked(async () => {
      const job = await this.#read(id);
      if (job === undefined || !isActive(job)) return job === undefined ? undefined : toJob(job);
      const cancelled: JobFile = {
        ...job,
        status: 'cancelled',
        updatedAt: this.#nowMs(),
        leaseOwner: null,
        leaseExpiresAt: null,
        leasePid: null,
      };
      await this.#write(cancelled);
      return toJob(cancelled);
    });
  }

  async close(): Promise<void> {
    // Every write is awaited by its caller; there is nothing left to flush.
  }

  /** The file of a job, for tests that backdate a lease instead of sleeping. */
  fileOf(id: string): string {
    if (!isJobId(id)) throw new StorageError(`bad job id '${id}'`);
    return path.join(this.#dir, `${id.toLowerCase()}.json`);
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return stateLocks.run(this.#dir, fn);
  }

  async #insert(job: NewJob): Promise<JobFile> {
    const now = this.#nowMs();
    const file: JobFile = {
      id: randomUUID(),
      seq: ++this.#seq,
      ...job,
      requestedBy: job.requestedBy ?? 'api',
      cursorTs: null,
      recordsWritten: 0,
      pagesFetched: 0,
      status: 'pending',
      error: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      leasePid: null,
    };
    await this.#write(file);
    return file;
  }

  async #read(id: string): Promise<JobFile | undefined> {
    if (!isJobId(id)) return undefined;
    const file = this.fileOf(id);
    const raw = await readJsonFile(file);
    if (raw === undefined) return undefined;
    const parsed = jobFileSchema.safeParse(raw);
    if (!parsed.success) throw new StorageError(`${file} is not a job file`);
    return parsed.data;
  }

  async #readAll(): Promise<JobFile[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StorageError(`cannot list ${this.#dir}`, { cause: error });
    }
    const jobs: JobFile[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const job = await this.#read(name.slice(0, -'.json'.length));
      if (job !== undefined) jobs.push(job);
    }
    return jobs;
  }

  #write(job: JobFile): Promise<void> {
    return writeStateFile(this.fileOf(job.id), `${JSON.stringify(job, null, 2)}\n`, this.#dataDir);
  }
}

function isActive(job: JobFile): boolean {
  return job.status === 'pending' || job.status === 'running';
}

function leaseVoid(job: JobFile, nowMs: number): boolean {
  if (job.leaseExpiresAt === null || job.leaseExpiresAt < nowMs) return true;
  return job.leasePid !== null && job.leasePid !== process.pid && !processAlive(job.leasePid);
}
