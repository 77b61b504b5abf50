/**
 * Faults with real processes: one gateway and two workers (`node dist/src/main.js <role>`) on a private
 * redis-server with AOF (`appendfsync always`, as durability across a Redis restart needs), which the tests
 * kill, restart and freeze while provider-shaped traffic flows.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readOutbox } from '../../channels/simulator/outbox.js';
import { RedisStore } from '../../src/platform/store/index.js';
import {
  type BarazaProcess,
  identityOf,
  type RedisServer,
  ROOT,
  spawnBaraza,
  startRedisServer,
  stopAll,
  waitFor,
} from './harness.js';
import { call, type Reply, sendSms, sendWhatsapp, ussdHop } from './traffic.js';

const PREFIX = 'rel:';
const WA_SECRET = 'faults-wa-app-secret';
const DEADLINE_MS = 2500;
/** Every inbound job sleeps this long before answering, so a test can kill a worker in the middle of one. */
const ANSWER_DELAY_MS = 1000;
const run = randomBytes(3).toString('hex');
const busyText: Record<string, string> = Object.fromEntries(
  ['en', 'sw', 'fr'].map((l) => [
    l,
    (JSON.parse(readFileSync(path.join(ROOT, 'locales', l, 'ussd.json'), 'utf8')) as { busy: string }).busy,
  ]),
);

let redis: RedisServer;
let gateway: BarazaProcess;
let workers: BarazaProcess[] = [];
let store: RedisStore;
let inbound: Queue;
let outboundQ: Queue;
const connections: Redis[] = [];

/** Unique subscriber numbers for this run (Kenyan mobile range). */
let nextNumber = 0;
const newNumber = () => `+2547${String((Number.parseInt(run, 16) % 90) + 10)}${String(++nextNumber).padStart(6, '0')}`;

const AT_TOKEN = 'faults-at-token';

beforeAll(async () => {
  redis = await startRedisServer({ aof: true });
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    SEND_MODE: 'simulator',
    // Authenticated AT traffic: it is not counted per address, so a Redis outage shows the "busy" screen.
    AT_WEBHOOK_TOKEN: AT_TOKEN,
    WHATSAPP_APP_SECRET: WA_SECRET,
    USSD_DEADLINE_MS: String(DEADLINE_MS),
    IP_RATE_LIMIT_PER_MINUTE: '100000',
    BARAZA_TEST_WORKER_LOCK_MS: '3000',
  };
  const workerEnv = { ...env, BARAZA_TEST_ANSWER_DELAY_MS: String(ANSWER_DELAY_MS) };
  [gateway, ...workers] = await Promise.all([
    spawnBaraza('gateway', env, 'gateway'),
    spawnBaraza('worker', workerEnv, 'worker-1'),
    spawnBaraza('worker', workerEnv, 'worker-2'),
  ]);
  store = new RedisStore(redis.url, PREFIX);
  const connection = () => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: null });
    c.on('error', () => {});
    connections.push(c);
    return c;
  };
  inbound = new Queue('inbound', { connection: connection(), prefix: `${PREFIX}q` });
  outboundQ = new Queue('outbound', { connection: connection(), prefix: `${PREFIX}q` });
  inbound.on('error', () => {});
  outboundQ.on('error', () => {});
}, 90_000);

afterAll(async () => {
  await Promise.all([inbound?.close(), outboundQ?.close()].map((p) => p?.catch(() => undefined)));
  // BullMQ leaves connections it was given open.
  for (const c of connections) c.disconnect();
  await store?.close();
  await stopAll();
}, 30_000);

const replies = (to: string) => readOutbox(store, to);

/** Inbound and outbound queues have nothing waiting, running or scheduled for retry. */
async function queuesIdle(): Promise<true | undefined> {
  const states = ['waiting', 'prioritized', 'active', 'delayed'] as const;
  const [a, b] = await Promise.all([inbound.getJobCounts(...states), outboundQ.getJobCounts(...states)]);
  const busy = [...Object.values(a), ...Object.values(b)].reduce((s, n) => s + n, 0);
  return busy === 0 ? true : undefined;
}

interface Sent {
  kind: 'sms' | 'whatsapp';
  from: string;
  id: string;
  text: string;
  statuses: number[];
}

const QUESTIONS = [
  'how do I store maize after harvest',
  'when should I plant beans',
  'how can I save money every week',
  'how do I treat chicken with diarrhoea',
];

function newMessage(kind: Sent['kind']): Sent {
  const n = nextNumber;
  return {
    kind,
    from: newNumber(),
    id: kind === 'sms' ? `ATXid_${run}_${n}` : `wamid.REL${run}${n}`.toUpperCase(),
    text: QUESTIONS[n % QUESTIONS.length]!,
    statuses: [],
  };
}

/** One delivery attempt, as the provider makes it (a retry re-sends the same id). */
async function deliver(m: Sent): Promise<Reply> {
  const r =
    m.kind === 'sms'
      ? await sendSms(gateway.url!, { from: m.from, text: m.text, id: m.id, token: AT_TOKEN })
      : await sendWhatsapp(gateway.url!, { from: m.from, text: m.text, wamid: m.id, secret: WA_SECRET });
  m.statuses.push(r.status);
  return r;
}

const acknowledged = (m: Sent) => m.statuses.includes(200);

/** Providers retry whatever did not get a 200, every few hundred ms here (Meta and AT back off for longer). */
async function retryUntilAcknowledged(messages: Sent[], timeoutMs: number): Promise<void> {
  await waitFor(
    'every retried delivery to be accepted',
    async () => {
      for (const m of messages) if (!acknowledged(m)) await deliver(m);
      return messages.every(acknowledged) ? true : undefined;
    },
    timeoutMs,
    300,
  );
}

/** Every acknowledged message has its reply, the queues are idle, and nobody got two. */
async function expectExactlyOneReplyEach(messages: Sent[], timeoutMs: number): Promise<void> {
  await waitFor(
    'a reply to every acknowledged message',
    async () => {
      for (const m of messages) if ((await replies(m.from)).length === 0) return undefined;
      return true;
    },
    timeoutMs,
    250,
  );
  await waitFor('the queues to drain', queuesIdle, timeoutMs, 250);
  const counts = await Promise.all(messages.map(async (m) => ({ id: m.id, replies: (await replies(m.from)).length })));
  expect(counts).toEqual(messages.map((m) => ({ id: m.id, replies: 1 })));
}

describe('a worker killed mid-job', () => {
  it('is replaced by the other worker, which finishes the job; the reply is sent exactly once', async () => {
    const m = newMessage('sms');
    expect((await deliver(m)).status).toBe(200);

    // The job is running (the answer step sleeps): kill whichever worker took it, with no chance to clean up.
    const running = await waitFor(
      'the job to be taken by a worker',
      async () =>
        (await inbound.getActive()).find((j) => (j.data as { providerMessageId?: string }).providerMessageId === m.id),
      10_000,
      20,
    );
    const victim = workers.find((w) => identityOf(w) === running.processedBy);
    const survivor = workers.find((w) => w !== victim);
    expect(victim).toBeDefined();
    await victim!.kill('SIGKILL');
    expect(victim!.alive()).toBe(false);
    expect(survivor!.alive()).toBe(true);
    workers = [survivor!];

    // BullMQ notices the lapsed lock (3 s lock, checked every 1.5 s) and the survivor runs the job again.
    const done = await waitFor(
      'the job to complete on the surviving worker',
      async () => {
        const job = await inbound.getJob(running.id!);
        return job && (await job.getState()) === 'completed' ? job : undefined;
      },
      20_000,
      100,
    );
    expect(done.processedBy).toBe(identityOf(survivor!));
    await expectExactlyOneReplyEach([m], 15_000);
    const [reply] = await replies(m.from);
    expect(reply).toMatchObject({ channel: 'sms', kind: 'reply' });
  }, 45_000);
});

describe('Redis restarted under traffic', () => {
  it('answers USSD busy in time, asks webhooks to retry (503), and loses nothing it acknowledged', async () => {
    const token = (s: string) => `ATUid_${run}_${s}`;
    const ussdPhone = newNumber();
    // Acknowledged while Redis is up: more than the workers run at once (8 each), so when Redis dies some are
    // being answered and the rest wait in Redis, where only the AOF keeps them.
    const before = Array.from({ length: 24 }, (_, i) => newMessage(i % 2 ? 'whatsapp' : 'sms'));
    await Promise.all(before.map((m) => deliver(m)));
    expect(before.map((m) => m.statuses)).toEqual(before.map(() => [200]));
    const session = token('restart');
    const first = await ussdHop(gateway.url!, { sessionId: session, phone: ussdPhone, text: '', token: AT_TOKEN });
    expect(first.status).toBe(200);
    expect(first.body.startsWith('CON ')).toBe(true);

    await redis.stop('SIGKILL');
    const during: Sent[] = [];
    const outage: Reply[] = [];
    for (let i = 0; i < 4; i++) {
      const m = newMessage(i % 2 ? 'whatsapp' : 'sms');
      during.push(m);
      outage.push(await deliver(m));
    }
    const hopInSession = await ussdHop(gateway.url!, {
      sessionId: session,
      phone: ussdPhone,
      text: '1',
      token: AT_TOKEN,
    });
    const newSession = await ussdHop(gateway.url!, {
      sessionId: token('during'),
      phone: newNumber(),
      text: '',
      token: AT_TOKEN,
    });
    await redis.start();

    for (const r of outage) {
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body)).toEqual({ error: expect.stringContaining('retry') });
    }
    for (const hop of [hopInSession, newSession]) {
      expect(hop.status).toBe(200);
      expect(hop.body).toBe(`END ${busyText.en}`);
      expect(hop.ms).toBeLessThan(DEADLINE_MS);
    }

    await waitFor(
      'the gateway to see Redis again',
      async () => ((await call(`${gateway.url}/readyz`, {}, 3000)).status === 200 ? true : undefined),
      20_000,
      200,
    );
    await retryUntilAcknowledged(during, 20_000);
    const after: Sent[] = [];
    for (let i = 0; i < 2; i++) {
      const m = newMessage(i % 2 ? 'whatsapp' : 'sms');
      after.push(m);
      expect((await deliver(m)).status).toBe(200);
    }

    const all = [...before, ...during, ...after];
    // Only 200 (accepted) and 503 (retry later): never another 5xx, never a dropped connection.
    expect([...new Set(all.flatMap((m) => m.statuses))].sort()).toEqual([200, 503]);
    await expectExactlyOneReplyEach(all, 30_000);
  }, 75_000);

  it('a hung Redis (SIGSTOP) still gets USSD a busy screen before the deadline and webhooks a 503', async () => {
    const sms = newMessage('sms');
    const wa = newMessage('whatsapp');
    redis.pause();
    let hop: Reply;
    let smsReply: Reply;
    let waReply: Reply;
    try {
      [hop, smsReply, waReply] = await Promise.all([
        ussdHop(gateway.url!, { sessionId: `ATUid_${run}_hung`, phone: newNumber(), text: '', token: AT_TOKEN }),
        deliver(sms),
        deliver(wa),
      ]);
    } finally {
      redis.resume();
    }
    expect(hop.status).toBe(200);
    expect(hop.body).toBe(`END ${busyText.en}`);
    expect(hop.ms).toBeLessThan(DEADLINE_MS);
    for (const r of [smsReply, waReply]) {
      expect(r.status).toBe(503);
      // Redis commands time out after 2 s; the provider hears back well before its own timeout.
      expect(r.ms).toBeLessThan(6000);
    }
    await retryUntilAcknowledged([sms, wa], 20_000);
    await expectExactlyOneReplyEach([sms, wa], 30_000);
  }, 60_000);
});
