import { EventEmitter } from 'node:events';
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
  QueueFullError,
  type QueueName,
  type TaskQueue,
  UnrecoverableJobError,
  type WorkerHandle,
} from './types.js';

interface EmbeddedJob<T> {
  id: string;
  name: string;
  data: T;
  priority: number;
  seq: number;
  attemptsMade: number;
  maxAttempts: number;
  backoffMs: number;
  state: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
  result?: unknown;
  error?: string;
  finishedAt?: number;
}

/** Runs first: lower priority, then the older job (BullMQ order). */
interface Ranked {
  priority: number;
  seq: number;
}
const before = (a: Ranked, b: Ranked) => a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);

/** Binary min-heap of waiting jobs: O(log n) per add and take, where sorting on every add was O(n log n). */
export class JobHeap<J extends Ranked> {
  private readonly items: J[] = [];

  get size(): number {
    return this.items.length;
  }

  push(job: J): void {
    const a = this.items;
    a.push(job);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): J | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export interface EmbeddedQueueOptions {
  /**
   * Unfinished jobs (waiting, delayed, running) one queue holds before `add` throws QueueFullError.
   * @defaultValue 10000 (EMBEDDED_QUEUE_LIMIT)
   */
  maxJobs?: number;
  /** @defaultValue FAILED_RETENTION_COUNT */
  maxFailed?: number;
  /** @defaultValue 50000, as the BullMQ backend */
  maxCompleted?: number;
  now?: () => number;
}

/** In-process queue for `npm start` without Redis: same contract as BullMQ, nothing survives a restart. */
class EmbeddedQueue<T, R> implements TaskQueue<T, R> {
  private readonly jobs = new Map<string, EmbeddedJob<T>>();
  private readonly ready = new JobHeap<EmbeddedJob<T>>();
  /** Finished jobs by state, oldest first (a Map keeps insertion order), so pruning never scans the rest. */
  private readonly completed = new Map<string, EmbeddedJob<T>>();
  private readonly failed = new Map<string, EmbeddedJob<T>>();
  private unfinished = 0;
  private readonly events = new EventEmitter();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly workers: { handler: JobHandler<T, R>; concurrency: number; running: number; closed: boolean }[] = [];
  private seq = 0;
  private closed = false;
  private readonly maxJobs: number;
  private readonly maxFailed: number;
  private readonly maxCompleted: number;
  private readonly now: () => number;

  constructor(
    readonly name: QueueName,
    opts: EmbeddedQueueOptions = {},
  ) {
    this.events.setMaxListeners(0);
    this.maxJobs = opts.maxJobs ?? 10_000;
    this.maxFailed = opts.maxFailed ?? FAILED_RETENTION_COUNT;
    this.maxCompleted = opts.maxCompleted ?? 50_000;
    this.now = opts.now ?? Date.now;
  }

  async add(jobName: string, data: T, opts: JobOptions = {}): Promise<string> {
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
    this.prune();
    const id = opts.jobId ?? `${this.name}-${++this.seq}`;
    if (this.jobs.has(id)) return id;
    if (this.unfinished >= this.maxJobs) {
      throw new QueueFullError(`queue ${this.name} is full (${this.maxJobs} unfinished jobs, EMBEDDED_QUEUE_LIMIT)`);
    }
    const job: EmbeddedJob<T> = {
      id,
      name: jobName,
      data,
      priority: opts.priority ?? 10,
      seq: ++this.seq,
      attemptsMade: 0,
      maxAttempts: opts.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: opts.backoffMs ?? DEFAULT_BACKOFF_MS,
      state: 'waiting',
    };
    this.jobs.set(id, job);
    this.unfinished++;
    if (opts.delayMs && opts.delayMs > 0) this.delay(job, opts.delayMs);
    else this.enqueue(job);
    return id;
  }

  private finish(job: EmbeddedJob<T>, into: Map<string, EmbeddedJob<T>>): void {
    job.finishedAt = this.now();
    this.unfinished--;
    into.set(job.id, job);
  }

  private delay(job: EmbeddedJob<T>, ms: number): void {
    job.state = 'delayed';
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(job);
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private enqueue(job: EmbeddedJob<T>): void {
    job.state = 'waiting';
    this.ready.push(job);
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    for (const w of this.workers) {
      while (!w.closed && w.running < w.concurrency && this.ready.size > 0) {
        const job = this.ready.pop()!;
        w.running++;
        job.state = 'active';
        void this.run(w, job);
      }
    }
  }

  private async run(w: { handler: JobHandler<T, R>; running: number }, job: EmbeddedJob<T>): Promise<void> {
    try {
      const value = await w.handler({
        id: job.id,
        name: job.name,
        data: job.data,
        attemptsMade: job.attemptsMade,
        maxAttempts: job.maxAttempts,
      });
      job.attemptsMade++;
      job.state = 'completed';
      job.result = value;
      this.finish(job, this.completed);
      this.events.emit(job.id, { status: 'completed', value } satisfies JobOutcome<R>);
    } catch (err) {
      job.attemptsMade++;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof UnrecoverableJobError || job.attemptsMade >= job.maxAttempts) {
        job.state = 'failed';
        job.error = message;
        this.finish(job, this.failed);
        this.events.emit(job.id, { status: 'failed', error: message } satisfies JobOutcome<R>);
      } else if (!this.closed) {
        this.delay(job, job.backoffMs * 2 ** (job.attemptsMade - 1));
      }
    } finally {
      w.running--;
      this.pump();
    }
  }

  waitForResult(jobId: string, timeoutMs: number): Promise<JobOutcome<R>> {
    const job = this.jobs.get(jobId);
    if (job?.state === 'completed') return Promise.resolve({ status: 'completed', value: job.result as R });
    if (job?.state === 'failed') return Promise.resolve({ status: 'failed', error: job.error ?? 'failed' });
    return new Promise((resolve) => {
      const onDone = (outcome: JobOutcome<R>) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(
        () => {
          this.events.off(jobId, onDone);
          resolve({ status: 'timeout' });
        },
        Math.max(0, timeoutMs),
      );
      this.events.once(jobId, onDone);
    });
  }

  process(handler: JobHandler<T, R>, opts: { concurrency?: number } = {}): WorkerHandle {
    const w = { handler, concurrency: opts.concurrency ?? 4, running: 0, closed: false };
    this.workers.push(w);
    queueMicrotask(() => this.pump());
    return {
      close: async () => {
        w.closed = true;
        while (w.running > 0) await new Promise((r) => setTimeout(r, 5));
        this.workers.splice(this.workers.indexOf(w), 1);
      },
    };
  }

  async counts(): Promise<QueueCounts> {
    const c: QueueCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const j of this.jobs.values()) c[j.state]++;
    return c;
  }

  async deadLetters(limit = 50): Promise<DeadLetter[]> {
    this.prune();
    return [...this.failed.values()]
      .reverse()
      .slice(0, limit)
      .map((j) => ({ id: j.id, name: j.name, data: j.data, error: j.error ?? '', attemptsMade: j.attemptsMade }));
  }

  async upsertScheduler(schedulerId: string, everyMs: number, jobName: string, data: T): Promise<void> {
    const key = `scheduler:${schedulerId}`;
    const existing = this.schedulers.get(key);
    if (existing) clearInterval(existing);
    const t = setInterval(() => {
      // A full queue skips this tick; the next one comes anyway.
      this.add(jobName, data, { jobId: `${schedulerId}:${Date.now()}` }).catch(() => undefined);
    }, everyMs);
    t.unref();
    this.schedulers.set(key, t);
  }

  private readonly schedulers = new Map<string, NodeJS.Timeout>();

  /** Drops finished jobs past their age or count, oldest first; stops at the first one it keeps. */
  private prune(): void {
    const now = this.now();
    const drop = (finished: Map<string, EmbeddedJob<T>>, maxAgeMs: number, maxCount: number) => {
      for (const [id, j] of finished) {
        if (finished.size <= maxCount && (j.finishedAt ?? 0) >= now - maxAgeMs) break;
        finished.delete(id);
        this.jobs.delete(id);
      }
    };
    drop(this.completed, COMPLETED_RETENTION_MS, this.maxCompleted);
    drop(this.failed, FAILED_RETENTION_MS, this.maxFailed);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.schedulers.values()) clearInterval(t);
    await Promise.all(this.workers.map((w) => ({ ...w })).map(async () => undefined));
  }
}

export class EmbeddedQueueBackend implements QueueBackend {
  readonly kind = 'embedded' as const;
  private readonly queues = new Map<QueueName, EmbeddedQueue<unknown, unknown>>();

  constructor(private readonly opts: EmbeddedQueueOptions = {}) {}

  queue<T, R = unknown>(name: QueueName): TaskQueue<T, R> {
    let q = this.queues.get(name);
    if (!q) {
      q = new EmbeddedQueue(name, this.opts);
      this.queues.set(name, q);
    }
    return q as unknown as TaskQueue<T, R>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
