import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import twilio from 'twilio';
import { type InboundMessage, InvalidPhoneNumberError } from '../../src/core/messages/index.js';
import { loadConfig } from '../../src/platform/config/index.js';
import { type KeyValueStore, RedisStore } from '../../src/platform/store/index.js';
import { type ChannelHarness, runIncomingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { serveSurfaces } from '../../tests/support/http.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../tests/support/redis.js';
import {
  EMPTY_TWIML,
  incomingSchema,
  statusSchema,
  TWILIO_ROOT,
  toInboundMessage,
  toStatusEvent,
  twilioRouter,
} from './routes.js';
import {
  accountCases,
  accountStatusCases,
  MESSAGING,
  messagingCases,
  STATUS,
  signTwilio,
  sms,
  statusCases,
  TWILIO_TEST_TOKEN as TOKEN,
  TWILIO_TEST_SID,
} from './testcases.js';

type Harness = ChannelHarness & { ctx: Awaited<ReturnType<typeof makeTestContext>> };

/** What Twilio was told to call: in live mode every signature is checked over it (finding 10, issue 14). */
const PUBLIC = 'https://baraza.example.org';
/** A live deployment as DEPLOYING describes it. */
const LIVE = { TWILIO_AUTH_TOKEN: TOKEN, TWILIO_ACCOUNT_SID: TWILIO_TEST_SID, PUBLIC_BASE_URL: PUBLIC };

async function harness(env: Record<string, string> = LIVE, store?: KeyValueStore): Promise<Harness> {
  const ctx = await makeTestContext({ env, ...(store ? { store } : {}) });
  const gw = await serveSurfaces(ctx, [(c) => ({ path: TWILIO_ROOT, router: twilioRouter(c) })], { trustProxy: true });
  const inbound: InboundMessage[] = [];
  ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
    inbound.push(job.data);
  });
  return {
    ctx,
    base: gw.base,
    inbound,
    async close() {
      await gw.close();
      await ctx.queues.close();
    },
  };
}

const close = (h: Harness) => h.close();

interface Send {
  path: string;
  params: Record<string, string>;
  /** The URL to sign; default: the URL the request really goes to. */
  signUrl?: string;
  signature?: string | null;
  headers?: Record<string, string>;
}

async function send(h: Harness, s: Send) {
  const url = `${h.ctx.config.publicBaseUrl?.replace(/\/+$/, '') ?? h.base}${s.path}`;
  const signature =
    s.signature === null
      ? undefined
      : (s.signature ?? twilio.getExpectedTwilioSignature(TOKEN, s.signUrl ?? url, s.params));
  const res = await fetch(`${h.base}${s.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
      ...s.headers,
    },
    body: new URLSearchParams(s.params).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, type: res.headers.get('content-type') ?? '' };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

runIncomingCases('Twilio incoming messages', {
  provider: 'twilio',
  path: MESSAGING,
  cases: [...messagingCases, ...accountCases],
  start: () => harness(),
  prepare: signTwilio(TOKEN, PUBLIC),
});

runIncomingCases('Twilio status callbacks', {
  provider: 'twilio',
  path: STATUS,
  cases: [...statusCases, ...accountStatusCases],
  start: () => harness(),
  prepare: signTwilio(TOKEN, PUBLIC),
});

describe('Twilio incoming messages: re-deliveries', () => {
  it('takes a re-delivered MessageSid once', async () => {
    const h = await harness();
    const params = { ...sms, MessageSid: 'SMdup' };
    const first = await send(h, { path: MESSAGING, params });
    const second = await send(h, { path: MESSAGING, params });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toBe(EMPTY_TWIML);
    await settle();
    expect(h.inbound.filter((m) => m.providerMessageId === 'SMdup')).toHaveLength(1);
    await close(h);
  });
});

describe('Twilio signature behind a proxy', () => {
  it('checks against PUBLIC_BASE_URL when set (the URL Twilio was given)', async () => {
    const h = await harness({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://baraza.example.org/' });
    const publicUrl = `https://baraza.example.org${MESSAGING}?tenant=a`;
    const ok = await send(h, {
      path: `${MESSAGING}?tenant=a`,
      params: { ...sms, MessageSid: 'SMpub1' },
      signUrl: publicUrl,
    });
    expect(ok.status).toBe(200);
    // Signed for the internal address the proxy forwarded to: not what Twilio signs, so rejected.
    const internal = await send(h, {
      path: `${MESSAGING}?tenant=a`,
      params: { ...sms, MessageSid: 'SMpub2' },
      signUrl: `${h.base}${MESSAGING}?tenant=a`,
    });
    expect(internal.status).toBe(403);
    await close(h);
  });

  it('in simulator mode without PUBLIC_BASE_URL, rebuilds the URL from X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const h = await harness({ TWILIO_AUTH_TOKEN: TOKEN, SEND_MODE: 'simulator' });
    const res = await send(h, {
      path: MESSAGING,
      params: { ...sms, MessageSid: 'SMfwd' },
      signUrl: `https://gw.example.org${MESSAGING}`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gw.example.org' },
    });
    expect(res.status).toBe(200);
    await close(h);
  });

  it('finding 10: live mode without PUBLIC_BASE_URL never rebuilds the signed URL from the Host header', async () => {
    // Start-up refuses this configuration (config.test.ts); a host app's code override can still reach it.
    expect(() => loadConfig({ TWILIO_AUTH_TOKEN: TOKEN, PII_SALT: 'x'.repeat(32) })).toThrow(/^PUBLIC_BASE_URL: /);
    const h = await harness({ TWILIO_AUTH_TOKEN: TOKEN, SEND_MODE: 'simulator' });
    h.ctx.config.sendMode = 'live';
    // A request signed for an address the caller names in Host / X-Forwarded-Host, as the old code accepted.
    const res = await send(h, {
      path: MESSAGING,
      params: { ...sms, MessageSid: 'SMhosthdr' },
      signUrl: `https://attacker.example${MESSAGING}`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'attacker.example' },
    });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({
      error: 'PUBLIC_BASE_URL is not configured: Twilio signatures are checked against it in live mode',
    });
    await settle();
    expect(h.inbound).toHaveLength(0);
    await close(h);
  });

  it('finding 10: an AccountSid mismatch is counted as a rejection and logged without phone numbers', async () => {
    const h = await harness();
    const res = await send(h, {
      path: MESSAGING,
      params: { ...sms, MessageSid: 'SMacct', AccountSid: 'AC99999999999999999999999999999999' },
    });
    expect(res.status).toBe(403);
    const rejected = await h.ctx.metrics.rejected.get();
    expect(rejected.values).toContainEqual(
      expect.objectContaining({ labels: { route: MESSAGING, reason: 'account' }, value: 1 }),
    );
    const logs = h.ctx.logs.text();
    expect(logs).toContain('another account than TWILIO_ACCOUNT_SID');
    expect(logs).not.toContain('254711082123');
    await close(h);
  });

  it('refuses everything when TWILIO_AUTH_TOKEN is not configured (never accepts unsigned)', async () => {
    const h = await harness({});
    for (const path of [MESSAGING, STATUS]) {
      const res = await send(h, { path, params: sms });
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toEqual({ error: 'TWILIO_AUTH_TOKEN is not configured' });
    }
    await settle();
    expect(h.inbound).toHaveLength(0);
    await close(h);
  });
});

describe('per provider account limit (issue 14)', () => {
  const ACCOUNT_B = 'AC00000000000000000000000000000002';
  const env = { TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: PUBLIC, PROVIDER_RATE_LIMIT_PER_MINUTE: '100' };
  const from = (i: number) => `+2547130${String(i).padStart(5, '0')}`;

  it('counts each AccountSid apart, from any address, and answers 429 with Retry-After past the budget', async () => {
    const h = await harness(env);
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      const res = await send(h, {
        path: MESSAGING,
        params: { ...sms, MessageSid: `SMacct${i}`, From: from(i) },
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      statuses.push(res.status);
      if (i === 100) expect(JSON.parse(res.body).error).toMatch(/^too many requests for this provider account/);
    }
    expect(statuses).toEqual([...Array(100).fill(200), 429]);
    const other = await send(h, { path: MESSAGING, params: { ...sms, MessageSid: 'SMacctB', AccountSid: ACCOUNT_B } });
    expect(other.status).toBe(200);
    await close(h);
  });

  it('is one budget for every gateway on one Redis', async () => {
    const prefix = uniquePrefix('account-limit');
    const stores = [new RedisStore(testRedisUrl(), prefix), new RedisStore(testRedisUrl(), prefix)];
    const gateways = await Promise.all(stores.map((store) => harness(env, store)));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 101; i++) {
        const h = gateways[i % 2]!;
        statuses.push(
          (await send(h, { path: MESSAGING, params: { ...sms, MessageSid: `SMshared${i}`, From: from(i) } })).status,
        );
      }
      expect(statuses).toEqual([...Array(100).fill(200), 429]);
    } finally {
      for (const h of gateways) await close(h);
      for (const s of stores) await s.close();
      await cleanupPrefix(prefix);
    }
  });
});

describe('parsers never crash (properties)', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '+254711082123',
      'whatsapp:+254711082123',
      'client:bob',
      '',
      '1',
      'image/jpeg',
      '-1.29',
      'delivered',
      '21610',
    ),
  );
  const form = (keys: string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, text])), { requiredKeys: [] });

  it('incoming: any form parses into a twilio: message on the right channel, or is rejected with a field name', () => {
    fc.assert(
      fc.property(
        form([
          'MessageSid',
          'AccountSid',
          'From',
          'To',
          'Body',
          'NumMedia',
          'MediaContentType0',
          'ButtonPayload',
          'Latitude',
          'Longitude',
        ]),
        (body) => {
          const parsed = incomingSchema.safeParse(body);
          if (!parsed.success) {
            expect(parsed.error.issues[0]!.message).toMatch(/^field '\w+' /);
            return;
          }
          try {
            const msg = toInboundMessage(parsed.data, '2026-03-02T08:00:00.000Z', 'KE');
            expect(msg.id).toBe(`twilio:${parsed.data.MessageSid}`);
            expect(msg.channel).toBe(parsed.data.From.startsWith('whatsapp:') ? 'whatsapp' : 'sms');
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidPhoneNumberError);
          }
        },
      ),
      { numRuns: 500, seed: 9 },
    );
  });

  it('status: any form maps to a known status, to undefined, or is rejected with a field name', () => {
    fc.assert(
      fc.property(form(['MessageSid', 'MessageStatus', 'To', 'From', 'ErrorCode']), (body) => {
        const parsed = statusSchema.safeParse(body);
        if (!parsed.success) {
          expect(parsed.error.issues[0]!.message).toMatch(/^field '\w+' /);
          return;
        }
        const event = toStatusEvent(parsed.data, '2026-03-02T08:00:00.000Z', 'KE');
        if (event) expect(event.optedOut === true).toBe(parsed.data.ErrorCode === '21610');
      }),
      { numRuns: 500, seed: 10 },
    );
  });
});
