import { EventEmitter } from 'node:events';
import {
  COMPLETED_RETENTION_MS,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type DeadLetter,
  type JobHandler,
  type JobOptions,
  type JobOutcome,
  type QueueBackend,
  type QueueCounts,
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

/** In-process queue for `npm start` without Redis: same contract as BullMQ, nothing survives a restart. */
class EmbeddedQueue<T, R> implements TaskQueue<T, R> {
  private readonly jobs = new Map<string, EmbeddedJob<T>>();
  private readonly ready: EmbeddedJob<T>[] = [];
  private readonly events = new EventEmitter();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly workers: { handler: JobHandler<T, R>; concurrency: number; running: number; closed: boolean }[] = [];
  private seq = 0;
  private closed = false;

  constructor(readonly name: QueueName) {
    this.events.setMaxListeners(0);
  }

  async add(jobName: string, data: T, opts: JobOptions = {}): Promise<string> {
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
    this.prune();
    const id = opts.jobId ?? `${this.name}-${++this.seq}`;
    if (this.jobs.has(id)) return id;
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
    if (opts.delayMs && opts.delayMs > 0) this.delay(job, opts.delayMs);
    else this.enqueue(job);
    return id;
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
    this.ready.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    for (const w of this.workers) {
      while (!w.closed && w.running < w.concurrency && this.ready.length > 0) {
        const job = this.ready.shift()!;
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
      job.finishedAt = Date.now();
      this.events.emit(job.id, { status: 'completed', value } satisfies JobOutcome<R>);
    } catch (err) {
      job.attemptsMade++;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof UnrecoverableJobError || job.attemptsMade >= job.maxAttempts) {
        job.state = 'failed';
        job.error = message;
        job.finishedAt = Date.now();
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
    return [...this.jobs.values()]
      .filter((j) => j.state === 'failed')
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))
      .slice(0, limit)
      .map((j) => ({ id: j.id, name: j.name, data: j.data, error: j.error ?? '', attemptsMade: j.attemptsMade }));
  }

  async upsertScheduler(schedulerId: string, everyMs: number, jobName: string, data: T): Promise<void> {
    const key = `scheduler:${schedulerId}`;
    const existing = this.schedulers.get(key);
    if (existing) clearInterval(existing);
    const t = setInterval(() => {
      void this.add(jobName, data, { jobId: `${schedulerId}:${Date.now()}` });
    }, everyMs);
    t.unref();
    this.schedulers.set(key, t);
  }

  private readonly schedulers = new Map<string, NodeJS.Timeout>();

  private prune(): void {
    const cutoff = Date.now() - COMPLETED_RETENTION_MS;
    for (const [id, j] of this.jobs) {
      if (j.state === 'completed' && (j.finishedAt ?? 0) < cutoff) this.jobs.delete(id);
    }
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

  queue<T, R = unknown>(name: QueueName): TaskQueue<T, R> {
    let q = this.queues.get(name);
    if (!q) {
      q = new EmbeddedQueue(name);
      this.queues.set(name, q);
    }
    return q as unknown as TaskQueue<T, R>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
