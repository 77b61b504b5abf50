/**
 * Inbound-to-reply throughput of SMS (Africa's Talking form webhook) and WhatsApp (signed Meta webhook), through
 * the product's gateway and worker as separate processes on BullMQ/Redis, next to bare BullMQ doing the same
 * two-hop shape (an inbound job that produces an outbound job, consumed by a second worker) in jobs/s.
 *
 * Replies: SMS goes to the store-backed simulator outbox (no AT credentials set), counted in Redis; WhatsApp goes
 * to a fake Graph API on loopback (WHATSAPP_GRAPH_URL), counted as it is called. Each question is a real one,
 * answered by the lexical tier over the real packs.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { signBody } from '../channels/whatsapp/signature.js';
import { atDate } from '../src/apps/simulator/public/sim-core.js';
import {
  atUrl,
  benchQuestions,
  closeHttpAgent,
  cpuMs,
  freePort,
  httpRequest,
  loadNote,
  machine,
  percentiles,
  pool,
  productEnv,
  ratio,
  round,
  sleep,
  spawnBaraza,
  spawnBare,
  startRedis,
  waitReady,
  waitWorkers,
} from './harness.js';
import type { BenchResult } from './types.js';

const MESSAGES = 2000;
const IN_FLIGHT = 32;
const SUBSCRIBERS = 500;
const TARGET_RATIO = 0.6;
const REPLY_TIMEOUT_MS = 90_000;
const APP_SECRET = 'bench-app-secret';
const PHONE_NUMBER_ID = '100000000000001';

interface ChannelRun {
  /** CPU ms per message spent by the gateway and the worker process (user + system). */
  cpuPerMessageMs?: { gateway: number; worker: number; redis?: number; loadGenerator: number };
  messages: number;
  replies: number;
  wallMs: number;
  perSecond: number;
  ackMs: ReturnType<typeof percentiles>;
  rejected: number;
  replyKinds: Record<string, number>;
}

/** A fake Meta Graph API: counts `POST /<version>/<phone-number-id>/messages` and answers like Meta does. */
function fakeGraph(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let sent = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.endsWith('/messages')) {
        sent++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.FAKE${sent}` }] }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/v21.0`,
        count: () => sent,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

const subscriber = (run: string, i: number) => `+2547${run}${String(i % SUBSCRIBERS).padStart(6, '0')}`;

async function waitFor(count: () => Promise<number> | number, target: number, timeoutMs: number): Promise<number> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const n = await count();
    if (n >= target || performance.now() > until) return n;
    await sleep(25);
  }
}

async function outboxCounts(redis: Redis, numbers: string[]): Promise<number> {
  const pipe = redis.pipeline();
  for (const n of numbers) pipe.llen(`bench:outbox:${n}`);
  const res = await pipe.exec();
  return (res ?? []).reduce((sum, [, v]) => sum + Number(v ?? 0), 0);
}

async function outboxKinds(redis: Redis, numbers: string[]): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  for (const n of numbers) {
    for (const raw of await redis.lrange(`bench:outbox:${n}`, 0, -1)) {
      const kind = (JSON.parse(raw) as { kind?: string }).kind ?? 'unknown';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }
  return kinds;
}

async function smsRun(
  base: string,
  redis: Redis,
  run: string,
  count: number,
  questions: string[],
): Promise<ChannelRun> {
  const numbers = [...new Set(Array.from({ length: count }, (_, i) => subscriber(run, i)))];
  const outbound = new Queue('outbound', { connection: redis, prefix: 'bench:q' });
  const completedSends = () => outbound.getCompletedCount();
  const sendsBefore = await completedSends();
  const acks: number[] = [];
  let rejected = 0;
  const started = performance.now();
  const sending = pool(
    Array.from({ length: count }, (_, i) => i),
    IN_FLIGHT,
    async (i) => {
      const body = new URLSearchParams({
        from: subscriber(run, i),
        to: '21525',
        text: questions[i % questions.length]!,
        date: atDate(new Date()),
        id: `ATXid_${run}_${i}_${randomBytes(4).toString('hex')}`,
        networkCode: '63902',
      }).toString();
      const t0 = performance.now();
      const res = await httpRequest(atUrl(base, 'sms'), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      acks.push(performance.now() - t0);
      if (res.status !== 200) rejected++;
    },
  );
  await sending;
  // Progress from one cheap counter (the outbound queue's completed jobs), so polling does not load the system
  // under test; the outbox itself is counted once at the end.
  await waitFor(async () => (await completedSends()) - sendsBefore, count - rejected, REPLY_TIMEOUT_MS);
  const wallMs = performance.now() - started;
  const replies = await outboxCounts(redis, numbers);
  await outbound.close();
  return {
    messages: count,
    replies,
    wallMs,
    perSecond: replies / (wallMs / 1000),
    ackMs: percentiles(acks),
    rejected,
    replyKinds: await outboxKinds(redis, numbers),
  };
}

async function whatsappRun(
  base: string,
  graph: { count: () => number },
  run: string,
  count: number,
  questions: string[],
): Promise<ChannelRun> {
  const acks: number[] = [];
  let rejected = 0;
  const before = graph.count();
  const started = performance.now();
  await pool(
    Array.from({ length: count }, (_, i) => i),
    IN_FLIGHT,
    async (i) => {
      const from = subscriber(run, i);
      const raw = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550001234', phone_number_id: PHONE_NUMBER_ID },
                  contacts: [{ profile: { name: 'Bench' }, wa_id: from.slice(1) }],
                  messages: [
                    {
                      from: from.slice(1),
                      id: `wamid.BENCH${run}${i}${randomBytes(6).toString('hex').toUpperCase()}`,
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      type: 'text',
                      text: { body: questions[i % questions.length]! },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const t0 = performance.now();
      const res = await httpRequest(`${base}/channels/whatsapp`, {
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, APP_SECRET) },
        body: raw,
      });
      acks.push(performance.now() - t0);
      if (res.status !== 200) rejected++;
    },
  );
  const replies = (await waitFor(() => graph.count() - before, count - rejected, REPLY_TIMEOUT_MS)) as number;
  const wallMs = performance.now() - started;
  return {
    messages: count,
    replies,
    wallMs,
    perSecond: replies / (wallMs / 1000),
    ackMs: percentiles(acks),
    rejected,
    replyKinds: { 'graph-api-call': replies },
  };
}

interface BareRun {
  /** CPU ms per message of the bare worker process (both hops), of Redis and of this process (the producer). */
  workerCpuPerMessageMs?: number;
  redisCpuPerMessageMs?: number;
  producerCpuPerMessageMs?: number;
  jobs: number;
  wallMs: number;
  perSecond: number;
}

/** Bare BullMQ, the same two hops: add `inbound` jobs (IN_FLIGHT at a time) until every `outbound` job is done. */
async function bareRun(redisUrl: string, prefix: string, run: string, count: number): Promise<BareRun> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const inbound = new Queue('inbound', { connection: conn, prefix });
  const outbound = new Queue('outbound', { connection: conn, prefix });
  try {
    const before = await outbound.getCompletedCount();
    const started = performance.now();
    await pool(
      Array.from({ length: count }, (_, i) => i),
      IN_FLIGHT,
      async (i) => {
        await inbound.add(
          'sms',
          { from: subscriber(run, i), text: 'how far apart should I plant maize' },
          { jobId: `${run}-${i}`, removeOnComplete: { count: 50_000 } },
        );
      },
    );
    const done = await waitFor(async () => (await outbound.getCompletedCount()) - before, count, REPLY_TIMEOUT_MS);
    const wallMs = performance.now() - started;
    return { jobs: done, wallMs, perSecond: done / (wallMs / 1000) };
  } finally {
    await inbound.close();
    await outbound.close();
    conn.disconnect();
  }
}

export async function run(): Promise<BenchResult> {
  const redis = await startRedis();
  const graph = await fakeGraph();
  const questions = benchQuestions();
  const startedAt = machine();
  let sms: ChannelRun | undefined;
  let whatsapp: ChannelRun | undefined;
  let bare: BareRun | undefined;
  const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
  try {
    // --- bare BullMQ first (its worker process is gone before the product starts) ---
    const prefix = 'bare-2hop';
    const bareWorker = spawnBare(
      'worker.ts',
      { BARE_REDIS_URL: redis.url, BARE_PREFIX: prefix, BARE_MODE: 'twohop' },
      'twohop',
    );
    try {
      await waitWorkers(redis.url, prefix, ['inbound', 'outbound'], bareWorker);
      await bareRun(redis.url, prefix, 'w', 200);
      const before = [cpuMs(bareWorker.pid), redis.pid ? cpuMs(redis.pid) : Number.NaN, cpuMs(process.pid)];
      bare = await bareRun(redis.url, prefix, 'm', MESSAGES);
      bare.workerCpuPerMessageMs = round((cpuMs(bareWorker.pid) - before[0]!) / MESSAGES, 2);
      bare.redisCpuPerMessageMs = round(((redis.pid ? cpuMs(redis.pid) : Number.NaN) - before[1]!) / MESSAGES, 2);
      bare.producerCpuPerMessageMs = round((cpuMs(process.pid) - before[2]!) / MESSAGES, 2);
    } finally {
      await bareWorker.stop();
    }

    // --- the product ---
    const port = await freePort();
    const env = productEnv(redis.url, {
      PORT: String(port),
      SEND_MODE: 'live',
      WHATSAPP_TOKEN: 'bench-token',
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_GRAPH_URL: graph.url,
    });
    const worker = spawnBaraza('worker', env, 'tp-worker');
    const gateway = spawnBaraza('gateway', env, 'tp-gateway');
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitReady(base, gateway);
      await waitWorkers(redis.url, 'bench:q', ['inbound', 'outbound'], worker);
      // Warm-up of both paths (JIT, connections), not counted.
      await smsRun(base, client, '01', 100, questions);
      await whatsappRun(base, graph, '02', 100, questions);
      const cpu = () => ({
        gateway: cpuMs(gateway.pid),
        worker: cpuMs(worker.pid),
        redis: redis.pid ? cpuMs(redis.pid) : Number.NaN,
        self: cpuMs(process.pid),
      });
      const perMessage = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>) => ({
        gateway: round((b.gateway - a.gateway) / MESSAGES, 2),
        worker: round((b.worker - a.worker) / MESSAGES, 2),
        redis: round((b.redis - a.redis) / MESSAGES, 2),
        // This process: webhook senders, the fake Graph API and the reply counting.
        loadGenerator: round((b.self - a.self) / MESSAGES, 2),
      });
      let before = cpu();
      sms = await smsRun(base, client, '11', MESSAGES, questions);
      sms.cpuPerMessageMs = perMessage(before, cpu());
      before = cpu();
      whatsapp = await whatsappRun(base, graph, '12', MESSAGES, questions);
      whatsapp.cpuPerMessageMs = perMessage(before, cpu());
    } finally {
      await gateway.stop();
      await worker.stop();
    }
  } finally {
    client.disconnect();
    closeHttpAgent();
    await graph.close();
    await redis.stop();
  }

  const atEnd = machine();
  const table: Record<string, string | number>[] = [];
  const verdicts: NonNullable<BenchResult['verdicts']> = [];
  for (const [name, r] of [
    ['SMS (AT webhook -> outbox)', sms],
    ['WhatsApp (Meta webhook -> Graph API fake)', whatsapp],
  ] as const) {
    if (!r || !bare) continue;
    const share = r.perSecond / bare.perSecond;
    table.push({
      channel: name,
      messages: r.messages,
      replies: r.replies,
      'msg/s': round(r.perSecond),
      'bare BullMQ jobs/s': round(bare.perSecond),
      ratio: ratio(r.perSecond, bare.perSecond),
      'ack p50 ms': round(r.ackMs.p50),
      'ack p99 ms': round(r.ackMs.p99),
      'gateway CPU ms/msg': r.cpuPerMessageMs?.gateway ?? 'n/a',
      'worker CPU ms/msg': r.cpuPerMessageMs?.worker ?? 'n/a',
      'bare worker CPU ms/msg': bare.workerCpuPerMessageMs ?? 'n/a',
      rejected: r.rejected,
    });
    verdicts.push({
      target: `${name.split(' ')[0]} throughput >= ${TARGET_RATIO * 100}% of bare BullMQ`,
      met: share >= TARGET_RATIO && r.replies >= r.messages - r.rejected,
      detail:
        `${round(r.perSecond)} msg/s vs ${round(bare.perSecond)} jobs/s = ${round(share * 100)}%` +
        (share >= TARGET_RATIO ? '' : `, short by ${round((TARGET_RATIO - share) * 100)} points`) +
        (r.replies < r.messages - r.rejected ? `; only ${r.replies} of ${r.messages} replies arrived` : '') +
        ` (${loadNote(startedAt, atEnd)})`,
    });
  }
  return {
    name: 'throughput',
    table,
    json: {
      machine: { atStart: startedAt, atEnd },
      setup: {
        processes:
          'gateway and worker as separate processes (node --import tsx src/main.ts gateway|worker), BullMQ on a private redis-server',
        messages: MESSAGES,
        inFlight: IN_FLIGHT,
        subscribers: SUBSCRIBERS,
        sms: 'AT inbound SMS form webhook; replies through the simulator outbox (no AT credentials), counted in Redis',
        whatsapp:
          'signed Meta webhook; replies through the live Graph API sender to a fake on loopback (WHATSAPP_GRAPH_URL)',
        baseline:
          'bare BullMQ: inbound job -> outbound job -> second worker, same Redis, worker process of its own, same in-flight adds',
        tier: 'lexical (no models), real packs',
      },
      bare,
      sms,
      whatsapp,
    },
    verdicts,
  };
}
