import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../../tests/support/redis.js';
import { BullQueueBackend } from './bullmq.js';
import { EmbeddedQueueBackend } from './embedded.js';
import { PRIORITY, type QueueBackend, UnrecoverableJobError } from './types.js';

const implementations: [string, () => { backend: QueueBackend; cleanup: () => Promise<void> }][] = [
  ['embedded', () => ({ backend: new EmbeddedQueueBackend(), cleanup: async () => {} })],
  [
    'bullmq',
    () => {
      const prefix = uniquePrefix('queue');
      return {
        backend: new BullQueueBackend({ url: testRedisUrl(), prefix: `${prefix}q` }),
        cleanup: () => cleanupPrefix(prefix),
      };
    },
  ],
];

describe.each(implementations)('queue contract: %s', (_label, make) => {
  let backend: QueueBackend;
  let cleanup: () => Promise<void>;

  beforeEach(() => {
    ({ backend, cleanup } = make());
  });
  afterEach(async () => {
    await backend.close();
    await cleanup();
  });

  it('runs a job and hands its result to a waiting caller', async () => {
    const q = backend.queue<{ n: number }, { doubled: number }>('inbound');
    q.process(async (job) => ({ doubled: job.data.n * 2 }));
    const id = await q.add('double', { n: 21 });
    await expect(q.waitForResult(id, 5000)).resolves.toEqual({ status: 'completed', value: { doubled: 42 } });
  });

  it('returns a timeout, not an error, when no worker answers in time', async () => {
    const q = backend.queue<{ n: number }, unknown>('inbound');
    const id = await q.add('nobody-listens', { n: 1 });
    const started = Date.now();
    await expect(q.waitForResult(id, 300)).resolves.toEqual({ status: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('treats a repeated job id as the same job (idempotent add)', async () => {
    const q = backend.queue<{ n: number }, number>('outbound');
    let runs = 0;
    const a = await q.add('send', { n: 1 }, { jobId: 'same-id' });
    const b = await q.add('send', { n: 2 }, { jobId: 'same-id' });
    expect(a).toBe('same-id');
    expect(b).toBe('same-id');
    q.process(async () => ++runs);
    await expect(q.waitForResult('same-id', 5000)).resolves.toEqual({ status: 'completed', value: 1 });
    await q.add('send', { n: 3 }, { jobId: 'same-id' });
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(1);
  });

  it("accepts the gateway's own job ids (provider:id, USSD hops, digits) and hands them back unchanged", async () => {
    const q = backend.queue<{ n: number }, string>('inbound');
    const seen: string[] = [];
    q.process(async (job) => {
      seen.push(job.id);
      return job.id;
    });
    const ids = ['africastalking:ATXid_1', 'africastalking:ussd:ATUid_9:2', 'meta:wamid.HBg=:x', '12345', '%3A', ':'];
    for (const id of ids) {
      expect(await q.add('msg', { n: 1 }, { jobId: id })).toBe(id);
      await expect(q.waitForResult(id, 5000)).resolves.toEqual({ status: 'completed', value: id });
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const q = backend.queue<{ n: number }, string>('outbound');
    let attempts = 0;
    q.process(async () => {
      attempts++;
      if (attempts < 3) throw new Error('provider 500');
      return 'sent';
    });
    const id = await q.add('send', { n: 1 }, { attempts: 5, backoffMs: 20 });
    await expect(q.waitForResult(id, 8000)).resolves.toEqual({ status: 'completed', value: 'sent' });
    expect(attempts).toBe(3);
  });

  it('dead-letters a poison job at once while other jobs keep flowing', async () => {
    const q = backend.queue<{ poison: boolean }, string>('inbound');
    let poisonRuns = 0;
    q.process(async (job) => {
      if (job.data.poison) {
        poisonRuns++;
        throw new UnrecoverableJobError('cannot parse payload');
      }
      return 'ok';
    });
    const bad = await q.add('msg', { poison: true }, { attempts: 5, backoffMs: 20 });
    const good = await q.add('msg', { poison: false });
    await expect(q.waitForResult(good, 5000)).resolves.toEqual({ status: 'completed', value: 'ok' });
    await expect(q.waitForResult(bad, 5000)).resolves.toMatchObject({ status: 'failed' });
    expect(poisonRuns).toBe(1);
    const dead = await q.deadLetters();
    expect(dead.map((d) => d.id)).toContain(bad);
    expect(dead[0]?.error).toContain('cannot parse payload');
  });

  it('runs USSD jobs ahead of SMS jobs that were queued earlier', async () => {
    const q = backend.queue<{ label: string }, string>('inbound');
    for (let i = 0; i < 5; i++) await q.add('sms', { label: `sms-${i}` }, { priority: PRIORITY.bulk });
    await q.add('ussd', { label: 'ussd' }, { priority: PRIORITY.ussd });
    const order: string[] = [];
    q.process(
      async (job) => {
        order.push(job.data.label);
        return job.data.label;
      },
      { concurrency: 1 },
    );
    await q.waitForResult('never', 0);
    const deadline = Date.now() + 5000;
    while (order.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(order[0]).toBe('ussd');
    expect(order).toHaveLength(6);
  });

  it('counts waiting jobs', async () => {
    const q = backend.queue<{ n: number }, unknown>('outbound');
    await q.add('a', { n: 1 });
    await q.add('b', { n: 2 });
    expect((await q.counts()).waiting).toBe(2);
  });

  it('runs a delayed job only after its delay', async () => {
    const q = backend.queue<{ n: number }, number>('scheduled');
    const ran: number[] = [];
    q.process(async (job) => {
      ran.push(Date.now());
      return job.data.n;
    });
    const added = Date.now();
    const id = await q.add('later', { n: 7 }, { delayMs: 400 });
    await expect(q.waitForResult(id, 5000)).resolves.toEqual({ status: 'completed', value: 7 });
    expect(ran[0]! - added).toBeGreaterThanOrEqual(350);
  });
});

afterAll(async () => {
  await new Promise((r) => setTimeout(r, 50));
});
