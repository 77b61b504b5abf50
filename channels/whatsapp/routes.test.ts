import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type express from 'express';
import type { SurfaceFactory } from '../../src/apps/gateway/app.js';
import type { InboundMessage, StatusEvent } from '../../src/core/messages/index.js';
import { getJson, MemoryStore, StoreUnavailableError } from '../../src/platform/store/index.js';
import { loadProfile } from '../../src/platform/subscribers.js';
import { type ChannelHarness, runIncomingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { serveSurfaces, type TestGateway } from '../../tests/support/http.js';
import { readBody } from '../shared/body.js';
import { newRouter } from '../shared/http.js';
import { statusKey, WHATSAPP_ROUTE, whatsappRouter } from './routes.js';
import { signBody } from './signature.js';
import {
  FROM,
  fixture,
  type MetaCase,
  NOW,
  META_TEST_SECRET as SECRET,
  signMeta,
  META_TEST_VERIFY_TOKEN as VERIFY,
  verificationCases,
  WHATSAPP_PATH,
  webhookCases,
} from './testcases.js';

type Ctx = Awaited<ReturnType<typeof makeTestContext>>;
let ctx: Ctx;
let gw: TestGateway;
let received: InboundMessage[];
let base: string;

interface Res {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  json(): any;
}

async function call(
  method: 'GET' | 'POST',
  url: string,
  opts: { headers?: Record<string, string>; payload?: string } = {},
): Promise<Res> {
  const res = await fetch(base + url, { method, headers: opts.headers, body: opts.payload });
  const body = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { statusCode: res.status, body, headers, json: () => JSON.parse(body) };
}

const whatsappSurface: SurfaceFactory[] = [(c) => ({ path: WHATSAPP_ROUTE, router: whatsappRouter(c) })];

async function start(
  env: Record<string, string> = { WHATSAPP_APP_SECRET: SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY },
  store = new MemoryStore(),
) {
  ctx = await makeTestContext({ env, store, now: () => NOW });
  received = [];
  const inbound = received;
  ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
    inbound.push(job.data);
  });
  gw = await serveSurfaces(ctx, whatsappSurface);
  base = gw.base;
}

/** The table's harness: a fresh context and store for every case. */
async function harness(): Promise<ChannelHarness & { ctx: Ctx }> {
  await start();
  const mine = { ctx, gw };
  return {
    ctx: mine.ctx,
    base: mine.gw.base,
    inbound: received,
    async close() {
      await mine.gw.close();
      await mine.ctx.queues.close();
    },
  };
}

function post(
  body: string,
  signature: 'valid' | 'forged' | 'none' | 'malformed' = 'valid',
  contentType = 'application/json',
) {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (signature === 'valid') headers['x-hub-signature-256'] = signBody(body, SECRET);
  if (signature === 'forged') headers['x-hub-signature-256'] = signBody(body, 'not-the-secret');
  if (signature === 'malformed') headers['x-hub-signature-256'] = 'md5=abc';
  return call('POST', '/channels/whatsapp', { headers, payload: body });
}

async function settle(n: number) {
  for (let i = 0; i < 50 && received.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

runIncomingCases<MetaCase>('POST /channels/whatsapp', {
  provider: 'meta',
  path: WHATSAPP_PATH,
  cases: webhookCases,
  fresh: true,
  start: harness,
  prepare: signMeta(SECRET),
  async check(_res, c, h) {
    if (c.inbound) {
      // The message's own timestamp (2026-01-01T08:00:00Z) opens the 24-hour window.
      expect((await loadProfile(h.ctx.store, FROM)).lastWhatsappInboundAt).toBe('2026-01-01T08:00:00.000Z');
    }
    expect((h.ctx as Ctx).logs.text()).not.toContain('254712345678');
  },
});

runIncomingCases<MetaCase>('GET /channels/whatsapp (verification)', {
  provider: 'meta',
  path: WHATSAPP_PATH,
  cases: verificationCases,
  start: harness,
});

describe('POST /channels/whatsapp: deliveries, windows and failures', () => {
  beforeEach(() => start());
  afterEach(async () => {
    await gw.close();
    await ctx.queues.close();
  });

  it('ten deliveries of one wamid enqueue one message', async () => {
    const body = fixture('text.json');
    const results = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    await settle(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    expect(results.reduce((n, r) => n + r.json().accepted, 0)).toBe(1);
    const hits = (await ctx.metrics.dedupeHits.get()).values.find((v) => v.labels.provider === 'meta');
    expect(hits?.value).toBe(9);
  });

  it('a later delivery of the same message keeps the newest window start', async () => {
    await post(fixture('text.json'));
    const later = fixture('text.json').replace('"1767254400"', '"1767254420"').replace('M0E5QjE2RjE1', 'M0E5QjE2RjE2');
    await post(later);
    await post(fixture('text.json'));
    expect((await loadProfile(ctx.store, FROM)).lastWhatsappInboundAt).toBe('2026-01-01T08:00:20.000Z');
  });

  it('does not step a stored status backwards (read before delivered)', async () => {
    const read = fixture('status_delivered.json').replace('"delivered"', '"read"');
    await post(read);
    await post(fixture('status_delivered.json'));
    const id = JSON.parse(read).entry[0].changes[0].value.statuses[0].id as string;
    expect((await getJson<StatusEvent>(ctx.store, statusKey(id)))?.status).toBe('read');
  });

  it('answers 503 naming WHATSAPP_APP_SECRET when it is not configured', async () => {
    await gw.close();
    await start({ WHATSAPP_VERIFY_TOKEN: VERIFY });
    const res = await post(fixture('text.json'), 'none');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'WHATSAPP_APP_SECRET is not configured' });
  });

  it('answers 503 when the store (Redis) is away, so Meta retries', async () => {
    await gw.close();
    const broken = new MemoryStore();
    for (const m of ['get', 'set', 'exists', 'incr'] as const) {
      (broken as unknown as Record<string, unknown>)[m] = async () => {
        throw new StoreUnavailableError('redis down');
      };
    }
    await start({ WHATSAPP_APP_SECRET: SECRET }, broken);
    const res = await post(fixture('text.json'));
    expect(res.statusCode).toBe(503);
    expect(received).toHaveLength(0);
  });

  it('leaves JSON parsing of other routes untouched', async () => {
    await gw.close();
    ctx = await makeTestContext({ env: { WHATSAPP_APP_SECRET: SECRET } });
    const echo = newRouter();
    echo.post('/', readBody(ctx.config.limits.bodyLimitBytes), (req: express.Request, res: express.Response) => {
      res.json({ body: req.body });
    });
    gw = await serveSurfaces(ctx, [...whatsappSurface, () => ({ path: '/echo', router: echo })]);
    base = gw.base;
    const res = await call('POST', '/echo', { headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(res.json()).toEqual({ body: { a: 1 } });
  });
});

describe('POST /channels/whatsapp: finding 10 (issue 14), the business number is ours', () => {
  const OURS = '106540352242922'; // the fixtures' metadata.phone_number_id
  afterEach(async () => {
    await gw.close();
    await ctx.queues.close();
  });
  const otherNumber = (body: string) => body.replaceAll(`"${OURS}"`, '"999999999999999"');

  it('queues a message for WHATSAPP_PHONE_NUMBER_ID', async () => {
    await start({ WHATSAPP_APP_SECRET: SECRET, WHATSAPP_PHONE_NUMBER_ID: OURS });
    const res = await post(fixture('text.json'));
    expect(res.json()).toMatchObject({ accepted: 1 });
    await settle(1);
    expect(received).toHaveLength(1);
  });

  it('acknowledges, but neither queues nor stores, what a signed webhook carries for another number', async () => {
    await start({ WHATSAPP_APP_SECRET: SECRET, WHATSAPP_PHONE_NUMBER_ID: OURS });
    const message = await post(otherNumber(fixture('text.json')));
    expect(message.statusCode).toBe(200);
    expect(message.json()).toMatchObject({ accepted: 0, duplicates: 0 });
    const status = otherNumber(fixture('status_delivered.json'));
    expect((await post(status)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(0);
    const id = JSON.parse(status).entry[0].changes[0].value.statuses[0].id as string;
    expect(await getJson<StatusEvent>(ctx.store, statusKey(id))).toBeUndefined();
    const rejected = (await ctx.metrics.rejected.get()).values.find((v) => v.labels.reason === 'phone-number-id');
    expect(rejected?.value).toBe(2);
    expect(ctx.logs.text()).toContain('another business number');
    expect(ctx.logs.text()).not.toContain('254712345678');
  });

  it('counts signed deliveries per business number (PROVIDER_RATE_LIMIT_PER_MINUTE): 429 past the budget', async () => {
    await start({ WHATSAPP_APP_SECRET: SECRET, WHATSAPP_PHONE_NUMBER_ID: OURS, PROVIDER_RATE_LIMIT_PER_MINUTE: '100' });
    const wamid = JSON.parse(fixture('text.json')).entry[0].changes[0].value.messages[0].id as string;
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++)
      statuses.push((await post(fixture('text.json').replace(wamid, `${wamid}${i}`))).statusCode);
    expect(statuses).toEqual([...Array(100).fill(200), 429]);
    // Items for another number are not ours: they never spend our budget (and are skipped anyway).
    expect((await post(otherNumber(fixture('status_delivered.json')))).statusCode).toBe(200);
  });

  it('without WHATSAPP_PHONE_NUMBER_ID (receive-only set-ups) any number the app is subscribed to is served', async () => {
    await start({ WHATSAPP_APP_SECRET: SECRET });
    expect((await post(otherNumber(fixture('text.json')))).json()).toMatchObject({ accepted: 1 });
  });
});

describe('GET /channels/whatsapp: configuration', () => {
  beforeEach(() => start());
  afterEach(async () => {
    await gw.close();
    await ctx.queues.close();
  });

  it('answers 503 when WHATSAPP_VERIFY_TOKEN is not configured', async () => {
    await gw.close();
    await start({ WHATSAPP_APP_SECRET: SECRET });
    const res = await call('GET', '/channels/whatsapp?hub.mode=subscribe&hub.verify_token=&hub.challenge=1');
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/WHATSAPP_VERIFY_TOKEN/);
  });
});
