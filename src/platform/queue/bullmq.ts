import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  COMPLETED_RETENTION_MS,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type DeadLetter,
  FAILED_RETENTION_COUNT,
  FAILED_RETENTION_MS,
  type JobHandler,
  type JobOptions,
  type JobOutcome,
  type QueueBackend,
  type QueueCounts,
  type QueueName,
  QueueUnavailableError,
  type TaskQueue,
  UnrecoverableJobError,
  type WorkerHandle,
} from './types.js';

/** How long an enqueue may take before the caller is told the queue is unavailable (503 / busy screen). */
const ADD_TIMEOUT_MS = 1500;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

type Waiter = (outcome: JobOutcome<unknown>) => void;

/**
 * BullMQ refuses custom ids containing `:` (unless exactly three parts) and ids that look like integers, but our
 * ids are `<provider>:<id>`. A reversible encoding keeps them unique: `%` and `:` are escaped, and an id that
 * would still read as an integer gets a `%I` mark (never produced by the escaping).
 */
function toBullJobId(id: string): string {
  const escaped = id.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `${Number.parseInt(escaped, 10)}` === escaped ? `%I${escaped}` : escaped;
}

function fromBullJobId(id: string): string {
  const body = id.startsWith('%I') ? id.slice(2) : id;
  return body.replace(/%3A/g, ':').replace(/%25/g, '%');
}

class BullTaskQueue<T, R> implements TaskQueue<T, R> {
  readonly bull: Queue;
  private events: QueueEvents | undefined;
  private eventsReady: Promise<void> | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly workers: Worker[] = [];
  /** Connections we hand to BullMQ as instances: it treats them as shared and never closes them itself. */
  private readonly ownConnections = new Set<Redis>();

  constructor(
    readonly name: QueueName,
    private readonly url: string,
    private readonly prefix: string,
    private readonly producer: Redis,
    private readonly tuning: BullTuning = {},
  ) {
    this.bull = new Queue(name, {
      connection: producer,
      prefix,
      skipWaitingForReady: true,
      defaultJobOptions: {
        attempts: DEFAULT_ATTEMPTS,
        backoff: { type: 'exponential', delay: tuning.backoffMs ?? DEFAULT_BACKOFF_MS },
        removeOnComplete: { age: COMPLETED_RETENTION_MS / 1000, count: 50_000 },
        removeOnFail: { age: FAILED_RETENTION_MS / 1000, count: FAILED_RETENTION_COUNT },
      },
    });
    this.bull.on('error', () => {
      /* surfaced on add() as QueueUnavailableError */
    });
  }

  async add(jobName: string, data: T, opts: JobOptions = {}): Promise<string> {
    try {
      const job = await withTimeout(
        this.bull.add(jobName, data, {
          // Always a custom id, so every id a caller sees goes through the same encoding.
          jobId: toBullJobId(opts.jobId ?? randomUUID()),
          priority: opts.priority ?? 10,
          delay: opts.delayMs,
          attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
          backoff: { type: 'exponential', delay: opts.backoffMs ?? this.tuning.backoffMs ?? DEFAULT_BACKOFF_MS },
        }),
        ADD_TIMEOUT_MS,
      );
      return job.id ? fromBullJobId(job.id) : (opts.jobId ?? '');
    } catch (err) {
      throw new QueueUnavailableError(`queue ${this.name} unavailable: ${(err as Error).message}`);
    }
  }

  /** One QueueEvents stream per queue, shared by every waiting request. */
  private listen(): Promise<void> {
    if (!this.eventsReady) {
      this.eventsReady = this.startEvents();
    }
    return this.eventsReady;
  }

  private async startEvents(): Promise<void> {
    // Read from the stream's current tail, not '$': with '$' an event written between this call and the first
    // XREAD is lost, and a job finishing in that gap would leave its waiter hanging until the timeout.
    let lastEventId = '0-0';
    try {
      const tail = await withTimeout(
        this.producer.xrevrange(this.bull.toKey('events'), '+', '-', 'COUNT', 1),
        ADD_TIMEOUT_MS,
      );
      lastEventId = tail[0]?.[0] ?? '0-0';
    } catch {
      this.eventsReady = undefined; // try again on the next wait
      throw new QueueUnavailableError(`queue ${this.name} events unavailable`);
    }
    this.events = new QueueEvents(this.name, {
      connection: this.connection(),
      prefix: this.prefix,
      lastEventId,
    });
    this.events.on('error', () => {});
    // QueueEvents has already parsed the stored JSON: parsing again would turn a returned "42" into 42.
    this.events.on('completed', ({ jobId, returnvalue }) => {
      this.settle(fromBullJobId(jobId), { status: 'completed', value: returnvalue });
    });
    this.events.on('failed', ({ jobId, failedReason, prev }) => {
      // BullMQ emits `failed` per attempt; only a final failure (no retry scheduled) settles the waiter.
      void this.finalFailure(jobId, failedReason, prev);
    });
    await this.events.waitUntilReady();
  }

  private async finalFailure(jobId: string, reason: string, _prev?: string): Promise<void> {
    try {
      const state = await this.bull.getJobState(jobId);
      if (state === 'failed') this.settle(fromBullJobId(jobId), { status: 'failed', error: reason });
    } catch {
      /* the waiter's own timeout covers it */
    }
  }

  private settle(jobId: string, outcome: JobOutcome<unknown>): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    this.waiters.delete(jobId);
    for (const w of set) w(outcome);
  }

  async waitForResult(jobId: string, timeoutMs: number): Promise<JobOutcome<R>> {
    const started = Date.now();
    return new Promise<JobOutcome<R>>((resolve) => {
      let done = false;
      const finish = (o: JobOutcome<unknown>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters.get(jobId)?.delete(waiter);
        resolve(o as JobOutcome<R>);
      };
      const waiter: Waiter = finish;
      const timer = setTimeout(() => finish({ status: 'timeout' }), Math.max(0, timeoutMs));
      let set = this.waiters.get(jobId);
      if (!set) {
        set = new Set();
        this.waiters.set(jobId, set);
      }
      set.add(waiter);
      // The job may have finished before the event stream was read: look once.
      void this.listen()
        .then(async () => {
          if (done || Date.now() - started > timeoutMs) return;
          // State first, then the job: read the other way round, a job finishing in between looks completed
          // with the return value it did not have yet.
          const state = await this.bull.getJobState(toBullJobId(jobId));
          if (state !== 'completed' && state !== 'failed') return;
          const job = await Job.fromId(this.bull, toBullJobId(jobId));
          if (!job) return;
          if (state === 'completed') finish({ status: 'completed', value: job.returnvalue });
          else finish({ status: 'failed', error: job.failedReason });
        })
        .catch(() => {
          /* Redis away: the timeout answers */
        });
    });
  }

  private connection(): Redis {
    const conn = new Redis(this.url, { maxRetriesPerRequest: null });
    conn.on('error', () => {});
    this.ownConnections.add(conn);
    return conn;
  }

  private release(conn: Redis): void {
    conn.disconnect();
    this.ownConnections.delete(conn);
  }

  process(handler: JobHandler<T, R>, opts: { concurrency?: number } = {}): WorkerHandle {
    const connection = this.connection();
    const worker = new Worker(
      this.name,
      async (job: Job) => {
        try {
          return await handler({
            id: fromBullJobId(job.id ?? ''),
            name: job.name,
            data: job.data as T,
            attemptsMade: job.attemptsMade,
            maxAttempts: job.opts.attempts ?? DEFAULT_ATTEMPTS,
          });
        } catch (err) {
          if (err instanceof UnrecoverableJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: opts.concurrency ?? 4,
        // A killed worker's job is picked up by another after the lock lapses.
        lockDuration: this.tuning.lockDurationMs ?? DEFAULT_LOCK_MS,
        stalledInterval: Math.round((this.tuning.lockDurationMs ?? DEFAULT_LOCK_MS) / 2),
        maxStalledCount: 2,
        // Stored on every job as `processedBy` (Bull Board shows it): which worker process ran it.
        ...(this.tuning.workerName ? { name: this.tuning.workerName } : {}),
      },
    );
    worker.on('error', () => {});
    this.workers.push(worker);
    return {
      close: async () => {
        await worker.close();
        this.workers.splice(this.workers.indexOf(worker), 1);
        this.release(connection);
      },
    };
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.bull.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async deadLetters(limit = 50): Promise<DeadLetter[]> {
    const jobs = await this.bull.getFailed(0, limit - 1);
    return jobs.map((j) => ({
      id: fromBullJobId(j.id ?? ''),
      name: j.name,
      data: j.data,
      error: j.failedReason,
      attemptsMade: j.attemptsMade,
    }));
  }

  async upsertScheduler(schedulerId: string, everyMs: number, jobName: string, data: T): Promise<void> {
    await this.bull.upsertJobScheduler(schedulerId, { every: everyMs }, { name: jobName, data });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.events?.close();
    await this.bull.close();
    for (const conn of [...this.ownConnections]) this.release(conn);
  }
}

/** Job lock of a worker: a killed worker's job is taken over by another within about 1.5 times this. */
const DEFAULT_LOCK_MS = 10_000;

interface BullTuning {
  /** First retry delay of jobs added without their own (doubles each attempt); DEFAULT_BACKOFF_MS otherwise. */
  backoffMs?: number;
  lockDurationMs?: number;
  /** Identity of this worker process, stored on each job it runs (BullMQ `processedBy`). */
  workerName?: string;
}

export interface BullBackendOptions extends BullTuning {
  url: string;
  /** Redis key prefix for the queues (tests use their own). */
  prefix?: string;
}

export class BullQueueBackend implements QueueBackend {
  readonly kind = 'bullmq' as const;
  private readonly queues = new Map<QueueName, BullTaskQueue<unknown, unknown>>();
  private readonly producer: Redis;

  constructor(private readonly opts: BullBackendOptions) {
    // A job added while Redis is away waits at most ADD_TIMEOUT_MS; the job id makes a late write harmless.
    this.producer = new Redis(opts.url, { maxRetriesPerRequest: 2, connectTimeout: 2000 });
    this.producer.on('error', () => {});
  }

  queue<T, R = unknown>(name: QueueName): TaskQueue<T, R> {
    let q = this.queues.get(name);
    if (!q) {
      q = new BullTaskQueue(name, this.opts.url, this.opts.prefix ?? 'baraza:q', this.producer, this.opts);
      this.queues.set(name, q);
    }
    return q as unknown as TaskQueue<T, R>;
  }

  /** The underlying BullMQ queues, for the dashboard. */
  bullQueues(): Queue[] {
    return (['inbound', 'outbound', 'scheduled'] as QueueName[]).map(
      (n) => (this.queue(n) as unknown as BullTaskQueue<unknown, unknown>).bull,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.producer.disconnect();
  }
}
