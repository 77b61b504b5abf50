import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../src/gateway/app.js';
import type { InboundMessage, StatusEvent } from '../../src/messages/index.js';
import { getJson, MemoryStore, StoreUnavailableError } from '../../src/store/index.js';
import { loadProfile } from '../../src/subscribers/index.js';
import { makeTestContext } from '../../tests/support/context.js';
import { registerWhatsapp, statusKey } from './routes.js';
import { signBody } from './signature.js';

const SECRET = 'test-app-secret';
const VERIFY = 'verify-me-please';
const FROM = '+254712345678';
const NOW = Date.parse('2026-01-01T08:00:30Z');
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');

type Ctx = Awaited<ReturnType<typeof makeTestContext>>;
let ctx: Ctx;
let app: FastifyInstance;
let received: InboundMessage[];
let base: string;

/** A real socket rather than app.inject: light-my-request needs the ESM-only `cookie`, which Jest cannot require. */
async function listen() {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

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

async function start(
  env: Record<string, string> = { WHATSAPP_APP_SECRET: SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY },
  store = new MemoryStore(),
) {
  ctx = await makeTestContext({ env, store, now: () => NOW });
  received = [];
  ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
    received.push(job.data);
  });
  app = await buildGateway(ctx, {
    plugins: [registerWhatsapp],
    readiness: { packs: () => ({ ok: true, detail: 'test' }) },
  });
  await listen();
}

beforeEach(() => start());
afterEach(async () => {
  await app.close();
  await ctx.queues.close();
});

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

interface IncomingCase {
  label: string;
  body: string;
  signature?: 'valid' | 'forged' | 'none' | 'malformed';
  contentType?: string;
  status: number;
  error?: RegExp;
  inbound?: Partial<InboundMessage>;
  delivery?: Partial<StatusEvent>;
}

const incomingCases: IncomingCase[] = [
  {
    label: 'text message',
    body: fixture('text.json'),
    status: 200,
    inbound: {
      id: 'meta:whatsapp:wamid.HBgMMjU0NzEyMzQ1Njc4FQIAEhgUM0E5QjE2RjE1QjA3RDQ1RkU3MjYA',
      channel: 'whatsapp',
      provider: 'meta',
      from: FROM,
      text: 'When should I plant beans?',
    },
  },
  {
    label: 'button reply',
    body: fixture('button_reply.json'),
    status: 200,
    inbound: {
      from: FROM,
      text: 'Farming tips',
      interactive: { kind: 'button', id: 'pack:agri-advisory', title: 'Farming tips' },
    },
  },
  {
    label: 'list reply',
    body: fixture('list_reply.json'),
    status: 200,
    inbound: { interactive: { kind: 'list', id: 'topic:agri-advisory:beans', title: 'Beans' } },
  },
  {
    label: 'location',
    body: fixture('location.json'),
    status: 200,
    inbound: {
      text: '',
      location: { latitude: -0.2833, longitude: 36.0667, name: 'Nakuru market', address: 'Kenyatta Avenue, Nakuru' },
    },
  },
  { label: 'image', body: fixture('image.json'), status: 200, inbound: { unsupported: 'image', text: '' } },
  { label: 'voice note', body: fixture('audio.json'), status: 200, inbound: { unsupported: 'audio' } },
  { label: 'sticker', body: fixture('sticker.json'), status: 200, inbound: { unsupported: 'sticker' } },
  {
    label: 'delivered status',
    body: fixture('status_delivered.json'),
    status: 200,
    delivery: {
      providerMessageId: 'wamid.HBgMMjU0NzEyMzQ1Njc4FQIAERgSQzJFRjlCMjQ0QTk0RjBDNjQ5AA==',
      status: 'delivered',
      providerStatus: 'delivered',
      subscriber: FROM,
      at: '2026-01-01T08:01:00.000Z',
    },
  },
  {
    label: 'failed status (re-engagement)',
    body: fixture('status_failed.json'),
    status: 200,
    delivery: { status: 'failed', failureReason: '131047 Re-engagement message' },
  },
  {
    label: 'unknown status word',
    body: fixture('status_delivered.json').replace('"delivered"', '"deleted"'),
    status: 200,
    delivery: { status: 'unknown', providerStatus: 'deleted' },
  },
  {
    label: 'forged signature',
    body: fixture('text.json'),
    signature: 'forged',
    status: 403,
    error: /X-Hub-Signature-256 does not match/,
  },
  {
    label: 'missing signature',
    body: fixture('text.json'),
    signature: 'none',
    status: 403,
    error: /X-Hub-Signature-256 header is missing/,
  },
  {
    label: 'malformed signature',
    body: fixture('text.json'),
    signature: 'malformed',
    status: 403,
    error: /X-Hub-Signature-256 must be/,
  },
  {
    label: 'malformed JSON',
    body: '{"object":"whatsapp_business_account","entry":[',
    status: 400,
    error: /not valid JSON/,
  },
  {
    label: 'not a WhatsApp object',
    body: JSON.stringify({ object: 'page', entry: [] }),
    status: 400,
    error: /^object:/,
  },
  {
    label: 'entry missing',
    body: JSON.stringify({ object: 'whatsapp_business_account' }),
    status: 400,
    error: /^entry:/,
  },
  {
    label: 'wrong content type',
    body: fixture('text.json'),
    contentType: 'text/plain',
    status: 415,
    error: /Content-Type must be application\/json/,
  },
  {
    label: 'message without from is skipped, delivery acknowledged',
    body: fixture('text.json').replace('"from": "254712345678",', ''),
    status: 200,
  },
  {
    label: 'template status updates (other fields) are acknowledged',
    body: JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 5 } }],
        },
      ],
    }),
    status: 200,
  },
];

describe('POST /channels/whatsapp', () => {
  for (const c of incomingCases) {
    it(c.label, async () => {
      const res = await post(c.body, c.signature, c.contentType);
      expect(res.statusCode).toBe(c.status);
      if (c.error) expect(res.json().error).toMatch(c.error);
      if (c.inbound) {
        await settle(1);
        expect(received).toHaveLength(1);
        expect(received[0]).toMatchObject({ ...c.inbound, receivedAt: new Date(NOW).toISOString() });
        const profile = await loadProfile(ctx.store, FROM);
        // The message's own timestamp (2026-01-01T08:00:00Z) opens the 24-hour window.
        expect(profile.lastWhatsappInboundAt).toBe('2026-01-01T08:00:00.000Z');
      } else {
        await new Promise((r) => setTimeout(r, 30));
        expect(received).toHaveLength(0);
      }
      if (c.delivery) {
        const id =
          c.delivery.providerMessageId ?? (JSON.parse(c.body).entry[0].changes[0].value.statuses[0].id as string);
        expect(await getJson<StatusEvent>(ctx.store, statusKey(id))).toMatchObject({
          kind: 'status',
          provider: 'meta',
          ...c.delivery,
        });
      }
      expect(ctx.logs.text()).not.toContain('254712345678');
    });
  }

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
    await app.close();
    await start({ WHATSAPP_VERIFY_TOKEN: VERIFY });
    const res = await post(fixture('text.json'), 'none');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'WHATSAPP_APP_SECRET is not configured' });
  });

  it('answers 503 when the store (Redis) is away, so Meta retries', async () => {
    await app.close();
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
    await app.close();
    ctx = await makeTestContext({ env: { WHATSAPP_APP_SECRET: SECRET } });
    app = await buildGateway(ctx, {
      plugins: [
        registerWhatsapp,
        (a) => {
          a.post('/echo', async (req) => ({ body: req.body }));
        },
      ],
      readiness: { packs: () => ({ ok: true, detail: 'test' }) },
    });
    await listen();
    const res = await call('POST', '/echo', { headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(res.json()).toEqual({ body: { a: 1 } });
  });
});

describe('GET /channels/whatsapp (verification)', () => {
  const cases: { label: string; query: Record<string, string>; status: number; body?: string; error?: RegExp }[] = [
    {
      label: 'correct token',
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY, 'hub.challenge': '1158201444' },
      status: 200,
      body: '1158201444',
    },
    {
      label: 'wrong token',
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' },
      status: 403,
      error: /hub\.verify_token/,
    },
    {
      label: 'token missing',
      query: { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
      status: 403,
      error: /hub\.verify_token/,
    },
    {
      label: 'wrong mode',
      query: { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY, 'hub.challenge': '1' },
      status: 403,
      error: /hub\.mode/,
    },
    {
      label: 'challenge missing',
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY },
      status: 400,
      error: /hub\.challenge/,
    },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const res = await call('GET', `/channels/whatsapp?${new URLSearchParams(c.query)}`);
      expect(res.statusCode).toBe(c.status);
      if (c.body !== undefined) {
        expect(res.body).toBe(c.body);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
      }
      if (c.error) expect(res.json().error).toMatch(c.error);
    });
  }

  it('answers 503 when WHATSAPP_VERIFY_TOKEN is not configured', async () => {
    await app.close();
    await start({ WHATSAPP_APP_SECRET: SECRET });
    const res = await call('GET', '/channels/whatsapp?hub.mode=subscribe&hub.verify_token=&hub.challenge=1');
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/WHATSAPP_VERIFY_TOKEN/);
  });
});
