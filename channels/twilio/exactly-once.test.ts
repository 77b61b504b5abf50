/**
 * Exactly once, end to end on a real Redis (BullMQ queues, Redis store): ten deliveries of one webhook give one
 * inbound job and one reply in the outbox, and re-running the jobs sends nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { processInbound } from '../../src/apps/worker/inbound.js';
import { processOutbound } from '../../src/apps/worker/outbound.js';
import type { InboundMessage, OutboundMessage } from '../../src/core/messages/index.js';
import { handleMessage } from '../../src/dialogue/messaging/index.js';
import { loadUssdMenus } from '../../src/dialogue/ussd/menus.js';
import { createUssdDialogue } from '../../src/dialogue/ussd/session.js';
import type { AppContext } from '../../src/platform/context.js';
import { BullQueueBackend, type WorkerHandle } from '../../src/platform/queue/index.js';
import { RedisStore } from '../../src/platform/store/index.js';
import { makeTestContext, tableAnswerer } from '../../tests/support/context.js';
import { serveSurfaces, type TestGateway } from '../../tests/support/http.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../tests/support/redis.js';
import { AT_ROOT, africasTalkingRouter } from '../africastalking/routes.js';
import { readOutbox } from '../simulator/outbox.js';
import { TWILIO_ROOT, twilioRouter } from './routes.js';

const TOKEN = 'twilio-exactly-once-token';
const ANSWER = 'Dry beans in the sun for 3 days, then store them in airtight bags. [KALRO]';
const prefix = uniquePrefix('exactly-once');

let ctx: AppContext;
let gw: TestGateway;
let base: string;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  ctx = await makeTestContext({
    // Simulator mode: replies go to the outbox, and the signed URL is the one the test calls (no PUBLIC_BASE_URL).
    env: {
      TWILIO_AUTH_TOKEN: TOKEN,
      AT_WEBHOOK_TOKEN: 'at-once-token',
      RATE_LIMIT_PER_MINUTE: '100',
      SEND_MODE: 'simulator',
    },
    store: new RedisStore(testRedisUrl(), prefix),
    queues: new BullQueueBackend({ url: testRedisUrl(), prefix: `${prefix}q` }),
    answerer: tableAnswerer({ beans: ANSWER }),
  });
  // The store fails fast while its connection is still opening (no offline queue): wait until Redis answers.
  for (let i = 0; i < 50; i++) {
    try {
      await ctx.store.ping();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const menus = loadUssdMenus();
  gw = await serveSurfaces(ctx, [
    (c) => ({ path: AT_ROOT, router: africasTalkingRouter(c, createUssdDialogue(c, menus)) }),
    (c) => ({ path: TWILIO_ROOT, router: twilioRouter(c) }),
  ]);
  base = gw.base;
  workers.push(
    ctx.queues
      .queue<InboundMessage>('inbound')
      .process((job) => processInbound(ctx, handleMessage, job), { concurrency: 4 }),
    ctx.queues.queue<OutboundMessage>('outbound').process((job) => processOutbound(ctx, {}, job), { concurrency: 4 }),
  );
});

afterAll(async () => {
  for (const w of workers) await w.close();
  await gw.close();
  await ctx.queues.close();
  await ctx.store.close();
  await cleanupPrefix(prefix);
});

interface Delivery {
  label: string;
  phone: string;
  path: string;
  params: Record<string, string>;
  signed: boolean;
  inboundId: string;
}

const deliveries: Delivery[] = [
  {
    label: "Africa's Talking SMS",
    phone: '+254711090001',
    path: '/channels/africastalking/sms?token=at-once-token',
    params: {
      from: '+254711090001',
      to: '40123',
      text: 'How do I store beans?',
      date: '2026-03-02 08:00:00',
      id: 'at-once-1',
    },
    signed: false,
    inboundId: 'africastalking:sms:at-once-1',
  },
  {
    label: 'Twilio SMS',
    phone: '+254711090002',
    path: '/channels/twilio/messaging',
    params: {
      MessageSid: 'SMonce0002',
      AccountSid: 'AC1',
      From: '+254711090002',
      To: '+254700000111',
      Body: 'How do I store beans?',
    },
    signed: true,
    inboundId: 'twilio:sms:SMonce0002',
  },
  {
    label: 'Twilio WhatsApp',
    phone: '+254711090003',
    path: '/channels/twilio/messaging',
    params: {
      MessageSid: 'SMonce0003',
      AccountSid: 'AC1',
      From: 'whatsapp:+254711090003',
      To: 'whatsapp:+14155238886',
      Body: 'How do I store beans?',
    },
    signed: true,
    inboundId: 'twilio:whatsapp:SMonce0003',
  },
];

/** Posts the webhook the way the provider does, retrying on 503 (Redis busy) as providers do. */
async function deliver(d: Delivery): Promise<Response> {
  const url = base + d.path;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (d.signed) headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(TOKEN, url, d.params);
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(d.params).toString() });
    if (res.status !== 503 || attempt === 5) return res;
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

describe('exactly once on Redis', () => {
  it.each(deliveries)('$label: ten deliveries of one webhook give one reply', async (d) => {
    // Five at the same time (a provider's parallel retries), then five one after another.
    const burst = await Promise.all(Array.from({ length: 5 }, () => deliver(d)));
    const serial: Response[] = [];
    for (let i = 0; i < 5; i++) serial.push(await deliver(d));
    for (const res of [...burst, ...serial]) expect(res.status).toBe(200);

    const outbox = await waitFor(
      () => readOutbox(ctx.store, d.phone),
      (items) => items.length >= 1,
    );
    await new Promise((r) => setTimeout(r, 500)); // room for a wrong second reply to show up
    const settled = await readOutbox(ctx.store, d.phone);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ to: d.phone, text: ANSWER, kind: 'reply' });
    expect(outbox[0]!.text).toBe(ANSWER);

    const dedupe = await ctx.metrics.dedupeHits.get();
    const provider = d.inboundId.split(':')[0];
    expect(dedupe.values.find((v) => v.labels.provider === provider)?.value).toBeGreaterThanOrEqual(9);
  });

  it('a re-run inbound job (a worker killed after answering) sends no second reply', async () => {
    const d = deliveries[0]!;
    const msg: InboundMessage = {
      id: d.inboundId,
      channel: 'sms',
      provider: 'africastalking',
      from: d.phone,
      to: '40123',
      text: 'How do I store beans?',
      providerMessageId: 'at-once-1',
      receivedAt: new Date().toISOString(),
    };
    await processInbound(ctx, handleMessage, { id: msg.id, name: 'sms', data: msg, attemptsMade: 1, maxAttempts: 5 });
    // The outbound job for the same reply id is either still known to BullMQ or already marked sent.
    const outcome = await ctx.queues.queue<OutboundMessage>('outbound').waitForResult(`reply:${msg.id}`, 2000);
    expect(outcome.status === 'timeout' || outcome.status === 'completed').toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await readOutbox(ctx.store, d.phone)).toHaveLength(1);
  });
});
