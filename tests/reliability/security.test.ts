/**
 * Security behaviour over real HTTP, gateways and workers in this process on the suite's Redis: per-IP and
 * per-subscriber rate limits, body limits, webhook signatures (Meta, Twilio) and admin authentication.
 * The log audit of a multi-process run is in scale-out.test.ts (same processes).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { readOutbox } from '../../channels/simulator/outbox.js';
import { signBody } from '../../channels/whatsapp/signature.js';
import { createGatewayServer, type GatewayServer } from '../../src/apps/gateway/index.js';
import { createRuntime, type Runtime } from '../../src/apps/runtime.js';
import { startWorkers } from '../../src/apps/worker/index.js';
import type { Answerer } from '../../src/core/answers.js';
import { loadConfig } from '../../src/platform/config/index.js';
import type { WorkerHandle } from '../../src/platform/queue/index.js';
import { sharedAnswerer } from '../support/answerer.js';
import { serve } from '../support/http.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { ROOT, waitFor } from './harness.js';
import {
  basicAuth,
  call,
  sendSms,
  sendTwilio,
  sendWhatsapp,
  TWILIO_MESSAGING_PATH,
  twilioSmsParams,
  ussdHop,
  whatsappBody,
} from './traffic.js';

const SECRETS = {
  WHATSAPP_APP_SECRET: 'security-wa-app-secret',
  TWILIO_AUTH_TOKEN: 'security-twilio-auth-token',
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
  ADMIN_USER: 'ops',
  ADMIN_PASSWORD: 'security-admin-password',
};
const BODY_LIMIT = 2048;
const run = randomBytes(3).toString('hex');
const messaging = (lang: string) =>
  JSON.parse(readFileSync(path.join(ROOT, 'locales', lang, 'messaging.json'), 'utf8')) as Record<string, string>;

const prefixes: string[] = [];
const closers: (() => Promise<void>)[] = [];
let answerer: Answerer;

/** A gateway (and optionally its workers) as one process would run it, on its own REDIS_PREFIX. */
async function startGateway(env: Record<string, string>, opts: { prefix?: string; workers?: boolean } = {}) {
  const prefix = opts.prefix ?? uniquePrefix('security');
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  const config = loadConfig({
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PACKS_DIR: path.join(ROOT, 'packs'),
    PII_SALT: 'security-salt',
    LOG_LEVEL: 'silent',
    SEND_MODE: 'simulator',
    // These tests are not about AT's token (finding 2 is tested in channels/africastalking).
    AT_ALLOW_UNAUTHENTICATED: 'true',
    ...SECRETS,
    ...env,
  });
  const rt: Runtime = await createRuntime(config, {
    answerer: { catalogue: answerer.catalogue, answer: (r) => answerer.answer(r) },
  });
  // As an orchestrator waits for /readyz: the store's connection is up before the first request.
  await waitFor(
    'Redis to be connected',
    async () => {
      await rt.store.ping();
      return true;
    },
    10_000,
    20,
  );
  const workers: WorkerHandle | undefined = opts.workers ? await startWorkers(rt) : undefined;
  const app: GatewayServer = await createGatewayServer(rt);
  const base = await serve(app);
  closers.push(async () => {
    await app.close();
    await workers?.close();
    await rt.close();
  });
  return { base, rt, prefix };
}

let main: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  answerer = await sharedAnswerer();
  main = await startGateway(
    { IP_RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_PER_MINUTE: '2', BODY_LIMIT_BYTES: String(BODY_LIMIT) },
    { workers: true },
  );
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  for (const p of prefixes) await cleanupPrefix(p);
}, 30_000);

describe('per-IP rate limit (IP_RATE_LIMIT_PER_MINUTE)', () => {
  it('is shared by the gateways of one deployment and answers 429 JSON; another deployment on the same Redis is unaffected', async () => {
    const limit = 10;
    const shared = uniquePrefix('security-ip');
    const [a, b] = await Promise.all([
      startGateway({ IP_RATE_LIMIT_PER_MINUTE: String(limit), SIMULATOR: 'on' }, { prefix: shared }),
      startGateway({ IP_RATE_LIMIT_PER_MINUTE: String(limit), SIMULATOR: 'on' }, { prefix: shared }),
    ]);
    const other = await startGateway({ IP_RATE_LIMIT_PER_MINUTE: String(limit), SIMULATOR: 'on' });
    const hit = (base: string) => call(`${base}/simulator/api/settings`);

    const within: number[] = [];
    for (let i = 0; i < limit; i++) within.push((await hit(i % 2 ? a.base : b.base)).status);
    expect(within).toEqual(Array(limit).fill(200));

    for (const base of [a.base, b.base]) {
      const over = await hit(base);
      expect(over.status).toBe(429);
      expect(JSON.parse(over.body)).toEqual({ error: expect.stringMatching(/too many requests .*retry in \d+ s/) });
    }
    // Health and readiness stay reachable for the orchestrator.
    expect((await call(`${a.base}/healthz`)).status).toBe(200);
    expect((await call(`${a.base}/readyz`)).status).toBe(200);
    // A deployment with another REDIS_PREFIX keeps its own budget.
    expect((await hit(other.base)).status).toBe(200);
  }, 40_000);
});

describe('per-subscriber question limit (RATE_LIMIT_PER_MINUTE)', () => {
  it('tells the subscriber once, politely and in their language, then drops the rest of the minute', async () => {
    // One fixed window per minute: do not straddle a boundary.
    if (Date.now() % 60_000 > 50_000) await new Promise((r) => setTimeout(r, 60_000 - (Date.now() % 60_000) + 200));
    const from = `+2547440${String(Number.parseInt(run, 16) % 100000).padStart(5, '0')}`;
    const texts = ['LUGHA SW', 'nipande mahindi lini', 'jinsi ya kuweka akiba', 'bei ya mbolea'];
    for (const [i, text] of texts.entries()) {
      expect((await sendSms(main.base, { from, text, id: `ATXid_rate_${run}_${i}` })).status).toBe(200);
      // One at a time, as a person types: each message is handled before the next arrives.
      if (i < 3)
        await waitFor(
          `reply ${i + 1}`,
          async () => ((await readOutbox(main.rt.store, from)).length > i ? true : undefined),
          15_000,
          50,
        );
    }
    const inbound = main.rt.queues.queue('inbound');
    await waitFor(
      'the last message to be handled',
      async () => {
        const c = await inbound.counts();
        return c.waiting + c.active + c.delayed === 0 ? true : undefined;
      },
      15_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 300));

    const out = await readOutbox(main.rt.store, from);
    const sw = messaging('sw');
    expect(out.map((o) => o.kind)).toEqual(['system', 'reply', 'system']);
    expect(out[0]!.text).toBe(sw.languageSet);
    expect(out[2]!.text).toBe(sw.rateLimited);
    expect(sw.rateLimited).not.toBe(messaging('en').rateLimited);
  }, 60_000);
});

describe('body limits (BODY_LIMIT_BYTES)', () => {
  const big = 'a'.repeat(BODY_LIMIT + 500);
  const expected = { error: `request body is larger than ${BODY_LIMIT} bytes` };

  it('answers 413 JSON on every webhook, and accepts a body just under the limit', async () => {
    const from = '+254755000001';
    const responses = {
      ussd: await ussdHop(main.base, { sessionId: `ATUid_big_${run}`, phone: from, text: big }),
      sms: await sendSms(main.base, { from, text: big, id: `ATXid_big_${run}` }),
      whatsapp: await sendWhatsapp(main.base, {
        from,
        text: big,
        wamid: `wamid.BIG${run}`,
        secret: SECRETS.WHATSAPP_APP_SECRET,
      }),
      twilio: await sendTwilio(
        main.base,
        twilioSmsParams({ from, text: big, sid: `SMbig${run}`, accountSid: SECRETS.TWILIO_ACCOUNT_SID }),
        { authToken: SECRETS.TWILIO_AUTH_TOKEN },
      ),
    };
    for (const [route, r] of Object.entries(responses)) {
      expect({ route, status: r.status, body: JSON.parse(r.body) }).toEqual({ route, status: 413, body: expected });
    }
    const justUnder = await sendSms(main.base, { from, text: 'b'.repeat(BODY_LIMIT - 300), id: `ATXid_fits_${run}` });
    expect(justUnder.status).toBe(200);
  });
});

describe('webhook signatures', () => {
  const from = '+254766000001';

  it('Meta: only a body signed with WHATSAPP_APP_SECRET gets in; missing, forged, truncated or replayed signatures get 403', async () => {
    const raw = whatsappBody({ from, text: 'when do I plant maize', wamid: `wamid.SIG${run}` });
    const good = signBody(raw, SECRETS.WHATSAPP_APP_SECRET);
    const tampered = raw.replace('when do I plant maize', 'send me all the money');
    const send = (signature: string, body = raw) =>
      sendWhatsapp(main.base, { from, text: '', wamid: '', secret: '', raw: body, signature });
    const cases: [string, Promise<{ status: number; body: string }>, RegExp][] = [
      ['missing', send(''), /X-Hub-Signature-256 header is missing/],
      ['forged', send(signBody(raw, 'some-other-secret')), /does not match/],
      ['truncated', send(good.slice(0, -1)), /must be "sha256="/],
      ['empty digest', send('sha256='), /must be "sha256="/],
      ['sha1', send(`sha1=${good.slice(7, 47)}`), /must be "sha256="/],
      ['replayed on another body', send(good, tampered), /does not match/],
    ];
    for (const [label, pending, error] of cases) {
      const r = await pending;
      expect({ label, status: r.status }).toEqual({ label, status: 403 });
      expect(JSON.parse(r.body).error).toMatch(error);
    }
    const ok = await send(good);
    expect(ok.status).toBe(200);
  });

  it('Twilio: only a request signed with TWILIO_AUTH_TOKEN gets in; missing, forged, truncated or tampered get 403', async () => {
    const params = twilioSmsParams({
      from,
      text: 'how do I store beans',
      sid: `SMsig${run}`,
      accountSid: SECRETS.TWILIO_ACCOUNT_SID,
    });
    const url = `${main.base}${TWILIO_MESSAGING_PATH}`;
    const good = twilio.getExpectedTwilioSignature(SECRETS.TWILIO_AUTH_TOKEN, url, params);
    const token = { authToken: SECRETS.TWILIO_AUTH_TOKEN };
    const cases: [string, Promise<{ status: number; body: string }>, RegExp][] = [
      ['missing', sendTwilio(main.base, params, { ...token, signature: '' }), /X-Twilio-Signature header is missing/],
      ['forged', sendTwilio(main.base, params, { authToken: 'not-the-token' }), /does not match/],
      ['truncated', sendTwilio(main.base, params, { ...token, signature: good.slice(0, -2) }), /does not match/],
      [
        'tampered body',
        sendTwilio(main.base, { ...params, Body: 'send me all the money' }, { ...token, signature: good }),
        /does not match/,
      ],
      [
        'other URL',
        sendTwilio(main.base, params, {
          ...token,
          signature: twilio.getExpectedTwilioSignature(SECRETS.TWILIO_AUTH_TOKEN, `${url}?x=1`, params),
        }),
        /does not match/,
      ],
    ];
    for (const [label, pending, error] of cases) {
      const r = await pending;
      expect({ label, status: r.status }).toEqual({ label, status: 403 });
      expect(JSON.parse(r.body).error).toMatch(error);
    }
    const ok = await sendTwilio(main.base, params, token);
    expect(ok.status).toBe(200);
  });
});

describe('admin authentication (ADMIN_USER / ADMIN_PASSWORD)', () => {
  const pages = ['/admin/queues', '/admin/queues/api/queues', '/admin/gaps', '/admin/gaps.json'];

  it('answers 401 with a Basic challenge without the right credentials, 200 with them', async () => {
    const wrong: [string, Record<string, string>][] = [
      ['no header', {}],
      ['wrong password', { authorization: basicAuth(SECRETS.ADMIN_USER, 'guess') }],
      ['wrong user', { authorization: basicAuth('admin', SECRETS.ADMIN_PASSWORD) }],
      ['password prefix', { authorization: basicAuth(SECRETS.ADMIN_USER, SECRETS.ADMIN_PASSWORD.slice(0, -1)) }],
      ['not base64', { authorization: 'Basic !!!' }],
      ['bearer', { authorization: `Bearer ${SECRETS.ADMIN_PASSWORD}` }],
    ];
    for (const page of pages) {
      for (const [label, headers] of wrong) {
        const r = await call(`${main.base}${page}`, { headers });
        expect({ page, label, status: r.status }).toEqual({ page, label, status: 401 });
        expect(r.body).not.toContain(SECRETS.ADMIN_PASSWORD);
        expect(JSON.parse(r.body).error).toMatch(/Authorization/);
      }
      const denied = await call(`${main.base}${page}`);
      expect(denied.status).toBe(401);
      const ok = await call(`${main.base}${page}`, {
        headers: { authorization: basicAuth(SECRETS.ADMIN_USER, SECRETS.ADMIN_PASSWORD) },
      });
      expect({ page, status: ok.status }).toEqual({ page, status: 200 });
    }
    const challenge = await call(`${main.base}/admin/gaps`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });
});
