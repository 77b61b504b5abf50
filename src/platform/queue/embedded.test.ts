import { describe, expect, it } from '@jest/globals';
import { EmbeddedQueueBackend, JobHeap } from './embedded.js';
import { FAILED_RETENTION_MS, QueueFullError, QueueUnavailableError, UnrecoverableJobError } from './types.js';

describe('embedded queue bounds (issue 14, finding 7)', () => {
  it('finding 7: refuses a job past its limit with QueueFullError (a 503 / busy screen), and takes one again once a job finishes', async () => {
    const backend = new EmbeddedQueueBackend({ maxJobs: 3 });
    const q = backend.queue<{ n: number }, number>('inbound');
    for (let n = 0; n < 3; n++) await q.add('job', { n }, { jobId: `j${n}` });
    const err = await q.add('job', { n: 3 }, { jobId: 'j3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    // Routes already map QueueUnavailableError to 503 and the USSD busy screen.
    expect(err).toBeInstanceOf(QueueUnavailableError);
    expect((err as Error).message).toMatch(/EMBEDDED_QUEUE_LIMIT/);
    // A repeated id is still the same job, not a new one: no error.
    await expect(q.add('job', { n: 0 }, { jobId: 'j0' })).resolves.toBe('j0');
    q.process(async (job) => job.data.n);
    await q.waitForResult('j2', 2000);
    await expect(q.add('job', { n: 4 }, { jobId: 'j4' })).resolves.toBe('j4');
    await backend.close();
  });

  it('finding 7: keeps at most maxFailed dead letters, dropping the oldest, and none older than the retention', async () => {
    let now = 1_000_000;
    const backend = new EmbeddedQueueBackend({ maxFailed: 2, now: () => now });
    const q = backend.queue<{ n: number }, never>('outbound');
    q.process(async () => {
      throw new UnrecoverableJobError('poison');
    });
    for (const id of ['a', 'b', 'c']) {
      await q.add('send', { n: 0 }, { jobId: id });
      await q.waitForResult(id, 2000);
    }
    expect((await q.deadLetters()).map((d) => d.id)).toEqual(['c', 'b']);
    expect((await q.counts()).failed).toBe(2);
    now += FAILED_RETENTION_MS + 1;
    expect(await q.deadLetters()).toEqual([]);
    expect((await q.counts()).failed).toBe(0);
    await backend.close();
  });

  it('finding 7: a heap runs lower priority first, then the oldest, without sorting on every add', () => {
    const heap = new JobHeap<{ priority: number; seq: number }>();
    const jobs = Array.from({ length: 500 }, (_, seq) => ({ priority: (seq * 7919) % 11, seq }));
    for (const j of jobs) heap.push(j);
    const order: { priority: number; seq: number }[] = [];
    for (let j = heap.pop(); j; j = heap.pop()) order.push(j);
    expect(order).toEqual([...jobs].sort((a, b) => a.priority - b.priority || a.seq - b.seq));
  });
});
