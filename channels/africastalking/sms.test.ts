import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { InboundMessage } from '../../src/core/messages/index.js';
import { InvalidPhoneNumberError } from '../../src/core/messages/index.js';
import { loadUssdMenus } from '../../src/dialogue/ussd/menus.js';
import { createUssdDialogue } from '../../src/dialogue/ussd/session.js';
import type { AppContext } from '../../src/platform/context.js';
import { loadStatus } from '../../src/platform/delivery-status.js';
import {
  EmbeddedQueueBackend,
  type QueueBackend,
  type QueueName,
  QueueUnavailableError,
  type TaskQueue,
} from '../../src/platform/queue/index.js';
import { loadProfile, saveProfile } from '../../src/platform/subscribers.js';
import { type ChannelHarness, runIncomingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { serveSurfaces } from '../../tests/support/http.js';
import { AT_ROOT, africasTalkingRouter } from './routes.js';
import { AT_STATUS_MAP, deliveryReportSchema, inboundSmsSchema, toInboundMessage, toStatusEvent } from './sms.js';
import { DELIVERY_PATH, delivery, deliveryCases, SMS_PATH, sms, smsCases, ussdFirstHop } from './testcases.js';

const FORM = 'application/x-www-form-urlencoded';

type Harness = ChannelHarness & { ctx: AppContext };

async function harness(
  opts: { env?: Record<string, string>; queues?: QueueBackend; proxiesFromConfig?: boolean } = {},
): Promise<Harness> {
  const ctx = await makeTestContext({ env: opts.env, queues: opts.queues });
  const menus = loadUssdMenus();
  const gw = await serveSurfaces(
    ctx,
    [(c) => ({ path: AT_ROOT, router: africasTalkingRouter(c, createUssdDialogue(c, menus)) })],
    {
      // Most tests stand in for any proxy; the TRUSTED_PROXIES tests use the gateway's own setting.
      trustProxy: opts.proxiesFromConfig ? ctx.config.trustedProxies : true,
    },
  );
  const inbound: InboundMessage[] = [];
  if (!opts.queues) {
    ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
      inbound.push(job.data);
    });
  }
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

async function post(
  h: Harness,
  route: string,
  body: Record<string, string> | string,
  opts: { query?: string; contentType?: string; ip?: string } = {},
) {
  const res = await fetch(`${h.base}/channels/africastalking/${route}${opts.query ?? ''}`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? FORM,
      ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}),
    },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  });
  const text = await res.text();
  return {
    statusCode: res.status,
    body: text,
    headers: Object.fromEntries(res.headers.entries()),
    json: () => JSON.parse(text) as unknown,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

runIncomingCases("Africa's Talking inbound SMS", {
  provider: 'africastalking',
  path: SMS_PATH,
  contentType: FORM,
  cases: smsCases,
  start: () => harness(),
});

runIncomingCases("Africa's Talking delivery reports", {
  provider: 'africastalking',
  path: DELIVERY_PATH,
  contentType: FORM,
  cases: deliveryCases,
  start: () => harness(),
});

describe("Africa's Talking inbound SMS: duplicates", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it('takes a duplicate delivery of the same id once', async () => {
    const body = { ...sms, id: 'dup-1' };
    const first = await post(h, 'sms', body);
    const second = await post(h, 'sms', body);
    expect(first.json()).toEqual({ status: 'accepted' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ status: 'duplicate' });
    await settle();
    expect(h.inbound.filter((m) => m.providerMessageId === 'dup-1')).toHaveLength(1);
  });
});

describe("Africa's Talking delivery reports: order and opt-outs", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const success = delivery.success;
  const blacklist = delivery.blacklist;

  it('never steps a stored status backwards (late "Sent" after "Success")', async () => {
    const id = 'ATXid_order';
    await post(h, 'delivery', { ...success, id, status: 'Success' });
    await post(h, 'delivery', { ...success, id, status: 'Sent' });
    expect((await loadStatus(h.ctx, 'africastalking', id))?.status).toBe('delivered');
  });

  it('marks the subscriber opted out on UserInBlackList', async () => {
    const phone = '+254711082123';
    await saveProfile(h.ctx.store, phone, { lang: 'sw' });
    const res = await post(h, 'delivery', blacklist);
    expect(res.statusCode).toBe(200);
    expect(await loadProfile(h.ctx.store, phone)).toEqual({ lang: 'sw', optedOut: true });
    const stored = await loadStatus(h.ctx, 'africastalking', blacklist.id!);
    expect(stored).toMatchObject({ status: 'failed', failureReason: 'UserInBlackList', optedOut: true });
    const metric = await h.ctx.metrics.optOuts.get();
    expect(metric.values.find((v) => v.labels.channel === 'sms')?.value).toBe(1);
  });

  it('does not opt out on other failures', async () => {
    const phone = '+254711082199';
    await post(h, 'delivery', {
      ...blacklist,
      id: 'ATXid_other',
      phoneNumber: phone,
      failureReason: 'DeliveryFailure',
    });
    expect((await loadProfile(h.ctx.store, phone)).optedOut).toBeUndefined();
  });
});

describe("Africa's Talking route protection", () => {
  it('finding 2: with neither AT_WEBHOOK_TOKEN nor AT_ALLOWED_IPS (simulator off), every AT route refuses with 403', async () => {
    const h = await harness({ env: { SIMULATOR: 'off' } });
    for (const [route, body] of [
      ['sms', { ...sms, id: 'refuse-1' }],
      ['delivery', delivery.success],
      ['ussd', ussdFirstHop],
    ] as const) {
      const res = await post(h, route, body);
      expect({ route, status: res.statusCode }).toEqual({ route, status: 403 });
      expect((res.json() as { error: string }).error).toMatch(/AT_WEBHOOK_TOKEN.*AT_ALLOWED_IPS/);
    }
    expect(h.inbound).toHaveLength(0);
    await h.close();
  });

  it('finding 2: the embedded default (simulator on, no live credentials) and AT_ALLOW_UNAUTHENTICATED=true stay open', async () => {
    const envs: Record<string, string>[] = [{}, { SIMULATOR: 'off', AT_ALLOW_UNAUTHENTICATED: 'true' }];
    for (const env of envs) {
      const h = await harness({ env });
      const res = await post(h, 'ussd', ussdFirstHop);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^CON /);
      await h.close();
    }
  });

  it.each([
    ['no token', '', 403, "query parameter 'token' is required"],
    ['wrong token', '?token=guess', 403, "query parameter 'token' is wrong"],
    ['right token', '?token=s3cret-token', 200, undefined],
  ])('AT_WEBHOOK_TOKEN: %s', async (_label, query, status, error) => {
    const h = await harness({ env: { AT_WEBHOOK_TOKEN: 's3cret-token' } });
    const res = await post(h, 'sms', { ...sms, id: `tok-${status}` }, { query });
    expect(res.statusCode).toBe(status);
    if (error) expect(res.json()).toEqual({ error });
    const report = await post(h, 'delivery', delivery.success, { query });
    expect(report.statusCode).toBe(status);
    await h.close();
  });

  it.each([
    ['outside the list', '203.0.113.9', 403],
    ['inside a CIDR range', '198.51.100.77', 200],
    ['an exact address', '192.0.2.10', 200],
  ])('AT_ALLOWED_IPS: a caller %s', async (_label, ip, status) => {
    const h = await harness({ env: { AT_ALLOWED_IPS: '198.51.100.0/24, 192.0.2.10' } });
    const res = await post(h, 'sms', { ...sms, id: `ip-${ip}` }, { ip });
    expect(res.statusCode).toBe(status);
    if (status === 403) expect(res.json()).toEqual({ error: 'source address is not in AT_ALLOWED_IPS' });
    await h.close();
  });
});

describe('TRUSTED_PROXIES: whose X-Forwarded-For counts for AT_ALLOWED_IPS', () => {
  // The test client connects from 127.0.0.1 and claims an allowed address in X-Forwarded-For.
  it.each([
    // finding 5 (issue 14): no proxy is believed by default, so a caller on the host cannot claim an address.
    ['finding 5: by default nobody is a proxy, not even one on the same host', {}, 403],
    ['a proxy on the same host is believed once TRUSTED_PROXIES names it', { TRUSTED_PROXIES: 'loopback' }, 200],
    ['a caller that is not a listed proxy cannot claim an address', { TRUSTED_PROXIES: '10.0.0.5' }, 403],
    ['with none, only the peer address counts', { TRUSTED_PROXIES: 'none' }, 403],
  ])('%s', async (_label, env: Record<string, string>, status) => {
    const h = await harness({ env: { AT_ALLOWED_IPS: '192.0.2.10', ...env }, proxiesFromConfig: true });
    const res = await post(
      h,
      'sms',
      { ...sms, id: `proxy-${status}-${Object.keys(env).length}-${_label.length}` },
      {
        ip: '192.0.2.10',
      },
    );
    expect(res.statusCode).toBe(status);
    await h.close();
  });
});

/** A queue backend whose Redis can be switched away: every add then fails the way the BullMQ wrapper reports it. */
class FlakyQueues implements QueueBackend {
  readonly kind = 'bullmq' as const;
  down = true;
  readonly added: unknown[] = [];
  private readonly inner = new EmbeddedQueueBackend();
  queue<T, R = unknown>(name: QueueName): TaskQueue<T, R> {
    const q = this.inner.queue<T, R>(name);
    return Object.assign(Object.create(q), {
      add: async (jobName: string, data: T, opts?: { jobId?: string }) => {
        if (this.down) throw new QueueUnavailableError('Redis unavailable: connect ECONNREFUSED');
        this.added.push(data);
        return q.add(jobName, data, opts);
      },
    });
  }
  close() {
    return this.inner.close();
  }
}

describe('when Redis is away', () => {
  it('answers 503 so Africa’s Talking retries, and takes the retry once Redis is back', async () => {
    const queues = new FlakyQueues();
    const h = await harness({ queues });
    const res = await post(h, 'sms', { ...sms, id: 'retry-me' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'service temporarily unavailable, retry later' });
    queues.down = false;
    const retry = await post(h, 'sms', { ...sms, id: 'retry-me' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ status: 'accepted' });
    expect(queues.added).toHaveLength(1);
    await h.close();
  });
});

describe('parsers never crash (properties)', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('+254711082123', '0711082123', '', ' ', 'Success', 'UserInBlackList'),
  );
  const form = (keys: string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, text])), { requiredKeys: [] });

  it('inbound SMS: any form either parses into a message with the AT id or is rejected with a field name', () => {
    fc.assert(
      fc.property(form(['from', 'to', 'text', 'date', 'id', 'linkId', 'networkCode']), (body) => {
        const parsed = inboundSmsSchema.safeParse(body);
        if (!parsed.success) {
          expect(parsed.error.issues[0]!.message).toMatch(/^field '\w+' /);
          return;
        }
        try {
          const msg = toInboundMessage(parsed.data, '2026-03-02T08:00:00.000Z', 'KE');
          expect(msg.id).toBe(`africastalking:${parsed.data.id}`);
          expect(msg.from).toMatch(/^\+\d{6,15}$/);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidPhoneNumberError);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('delivery reports: any form maps to a known status, to undefined, or is rejected with a field name', () => {
    fc.assert(
      fc.property(form(['id', 'status', 'phoneNumber', 'networkCode', 'failureReason', 'retryCount']), (body) => {
        const parsed = deliveryReportSchema.safeParse(body);
        if (!parsed.success) {
          expect(parsed.error.issues[0]!.message).toMatch(/^field '\w+' /);
          return;
        }
        const event = toStatusEvent(parsed.data, '2026-03-02T08:00:00.000Z', 'KE');
        if (event) expect(Object.values(AT_STATUS_MAP)).toContain(event.status);
      }),
      { numRuns: 500, seed: 8 },
    );
  });
});

describe("per-address limit on Africa's Talking routes (findings 1 and 6, issue 14)", () => {
  it('finding 1: 200 concurrent USSD users from one address with a valid token get no 429', async () => {
    const h = await harness({ env: { AT_WEBHOOK_TOKEN: 'limit-token', IP_RATE_LIMIT_PER_MINUTE: '20' } });
    const hops = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(
          h,
          'ussd',
          { ...ussdFirstHop, sessionId: `ATUid_many_${i}`, phoneNumber: `+2547110${String(i).padStart(5, '0')}` },
          { query: '?token=limit-token', ip: '196.201.214.20' },
        ),
      ),
    );
    const statuses = hops.map((r) => r.statusCode);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await h.close();
  });

  it('authenticated traffic is limited per provider account (PROVIDER_RATE_LIMIT_PER_MINUTE), whatever the address', async () => {
    const h = await harness({
      env: { AT_WEBHOOK_TOKEN: 'limit-token', AT_USERNAME: 'coop', PROVIDER_RATE_LIMIT_PER_MINUTE: '100' },
    });
    // Spread over 100 addresses and 100 subscribers: only the account's budget can stop the 101st.
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      const from = `+2547120${String(i).padStart(5, '0')}`;
      const res = await post(
        h,
        'sms',
        { ...sms, id: `acct-${i}`, from },
        { query: '?token=limit-token', ip: `198.51.100.${i}` },
      );
      statuses.push(res.statusCode);
      if (i === 100) {
        expect(res.json()).toEqual({
          error: expect.stringMatching(/^too many requests for this provider account; retry in \d+ s$/),
        });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([...Array(100).fill(200), 429]);
    const rejected = (await h.ctx.metrics.rejected.get()).values.find((v) => v.labels.reason === 'account-rate-limit');
    expect(rejected?.value).toBe(1);
    await h.close();
  });

  it('finding 1: failed-auth requests count against their address: past the limit even a right token waits', async () => {
    const h = await harness({ env: { AT_WEBHOOK_TOKEN: 'limit-token', IP_RATE_LIMIT_PER_MINUTE: '10' } });
    for (let i = 0; i < 10; i++) {
      expect(
        (await post(h, 'sms', { ...sms, id: `bad-${i}` }, { query: '?token=guess', ip: '203.0.113.5' })).statusCode,
      ).toBe(403);
    }
    const blocked = await post(
      h,
      'sms',
      { ...sms, id: 'bad-after' },
      { query: '?token=limit-token', ip: '203.0.113.5' },
    );
    expect(blocked.statusCode).toBe(429);
    // Another address is not affected.
    const other = await post(h, 'sms', { ...sms, id: 'other-ok' }, { query: '?token=limit-token', ip: '203.0.113.6' });
    expect(other.statusCode).toBe(200);
    await h.close();
  });

  it('finding 6: unauthenticated callers in one IPv6 /64 share one budget', async () => {
    const h = await harness({
      env: { AT_ALLOW_UNAUTHENTICATED: 'true', SIMULATOR: 'off', IP_RATE_LIMIT_PER_MINUTE: '10' },
    });
    const statuses: number[] = [];
    for (let i = 1; i <= 11; i++) {
      statuses.push((await post(h, 'sms', { ...sms, id: `v6-${i}` }, { ip: `2001:db8:1:2::${i}` })).statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    expect((await post(h, 'sms', { ...sms, id: 'v6-other' }, { ip: '2001:db8:1:3::1' })).statusCode).toBe(200);
    await h.close();
  });
});
