/** The queues Baraza runs; both implementations (BullMQ on Redis, embedded in-process) provide all three. */
export type QueueName = 'inbound' | 'outbound' | 'scheduled';

/** Lower runs first (BullMQ semantics). USSD waits on a live session, so it jumps the line. */
export const PRIORITY = { ussd: 1, interactive: 5, bulk: 10 } as const;

export interface JobOptions {
  /** Idempotency: adding a job whose id is still known is a no-op that returns the same id. */
  jobId?: string;
  priority?: number;
  delayMs?: number;
  attempts?: number;
  /** First retry delay; doubles each attempt. */
  backoffMs?: number;
}

export interface QueueJob<T> {
  id: string;
  name: string;
  data: T;
  /** Attempts finished before this one (0 on the first run). */
  attemptsMade: number;
  maxAttempts: number;
}

export type JobHandler<T, R> = (job: QueueJob<T>) => Promise<R>;

/** Throw from a handler when retrying cannot help (poison message): the job goes straight to dead-letter. */
export class UnrecoverableJobError extends Error {
  override readonly name = 'UnrecoverableJobError';
}

/** The queue backend could not take the job (Redis away): webhooks answer 503 so providers retry. */
export class QueueUnavailableError extends Error {
  override readonly name: string = 'QueueUnavailableError';
}

/**
 * The in-process queue already holds its limit of unfinished jobs (EMBEDDED_QUEUE_LIMIT): the caller is told
 * to come back later (webhooks 503, USSD the busy screen), the same way as when Redis is away.
 */
export class QueueFullError extends QueueUnavailableError {
  override readonly name = 'QueueFullError';
}

export type JobOutcome<R> =
  | { status: 'completed'; value: R }
  | { status: 'failed'; error: string }
  | { status: 'timeout' };

export interface WorkerHandle {
  close(): Promise<void>;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface DeadLetter {
  id: string;
  name: string;
  data: unknown;
  error: string;
  attemptsMade: number;
}

export interface TaskQueue<T, R = unknown> {
  readonly name: QueueName;
  add(jobName: string, data: T, opts?: JobOptions): Promise<string>;
  /** Resolves when the job finishes or `timeoutMs` passes, whichever is first; never rejects on timeout. */
  waitForResult(jobId: string, timeoutMs: number): Promise<JobOutcome<R>>;
  process(handler: JobHandler<T, R>, opts?: { concurrency?: number }): WorkerHandle;
  counts(): Promise<QueueCounts>;
  /** Jobs that used up their attempts or were unrecoverable, newest first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** A repeating job (tips); upserting the same id replaces the schedule. */
  upsertScheduler(schedulerId: string, everyMs: number, jobName: string, data: T): Promise<void>;
}

export interface QueueBackend {
  readonly kind: 'bullmq' | 'embedded';
  queue<T, R = unknown>(name: QueueName): TaskQueue<T, R>;
  close(): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1000;
/** Completed job ids stay known this long, so a re-delivered webhook cannot enqueue twice. */
export const COMPLETED_RETENTION_MS = 60 * 60 * 1000;
export const FAILED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Dead letters kept per queue at most (the oldest go first), so a flood of poison jobs cannot fill memory. */
export const FAILED_RETENTION_COUNT = 10_000;
