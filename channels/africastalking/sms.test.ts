import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../src/app/context.js';
import { buildGateway } from '../../src/gateway/app.js';
import { type InboundMessage, InvalidPhoneNumberError, type StatusEvent } from '../../src/messages/index.js';
import { loadStatus } from '../../src/messages/status.js';
import {
  EmbeddedQueueBackend,
  type QueueBackend,
  type QueueName,
  QueueUnavailableError,
  type TaskQueue,
} from '../../src/queue/index.js';
import { loadProfile, saveProfile } from '../../src/subscribers/index.js';
import { makeTestContext } from '../../tests/support/context.js';
import {
  AT_STATUS_MAP,
  deliveryReportSchema,
  inboundSmsSchema,
  registerAfricasTalkingSms,
  toInboundMessage,
  toStatusEvent,
} from './sms.js';
import deliveryBlacklist from './testdata/sms-delivery-blacklist.json' with { type: 'json' };
import deliverySuccess from './testdata/sms-delivery-success.json' with { type: 'json' };
import inboundSms from './testdata/sms-inbound.json' with { type: 'json' };

const FORM = 'application/x-www-form-urlencoded';
const fixture = ({ _comment, ...fields }: Record<string, string>) => fields;
const without = (fields: Record<string, string>, name: string) => {
  const { [name]: _drop, ...rest } = fields;
  return rest;
};

interface Harness {
  ctx: AppContext;
  app: FastifyInstance;
  base: string;
  inbound: InboundMessage[];
}

async function harness(
  opts: { env?: Record<string, string>; queues?: QueueBackend; proxiesFromConfig?: boolean } = {},
): Promise<Harness> {
  const ctx = await makeTestContext({ env: opts.env, queues: opts.queues });
  const app = await buildGateway(ctx, {
    plugins: [registerAfricasTalkingSms],
    readiness: { packs: () => ({ ok: true, detail: 'test' }) },
    // Most tests stand in for any proxy; the TRUSTED_PROXIES tests use the gateway's own setting.
    trustProxy: opts.proxiesFromConfig ? ctx.config.trustedProxies : true,
  });
  // A real socket rather than app.inject: light-my-request needs the ESM-only `cookie`, which Jest cannot require.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const inbound: InboundMessage[] = [];
  if (!opts.queues) {
    ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
      inbound.push(job.data);
    });
  }
  return { ctx, app, base, inbound };
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
  return { statusCode: res.status, body: text, json: () => JSON.parse(text) as unknown };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

interface IncomingCase {
  label: string;
  body: Record<string, string> | string;
  contentType?: string;
  status: number;
  error?: string;
  inbound?: Partial<InboundMessage>;
}

const sms = fixture(inboundSms);

const incomingCases: IncomingCase[] = [
  {
    label: 'valid premium SMS',
    body: sms,
    status: 200,
    inbound: {
      id: `africastalking:sms:${sms.id}`,
      channel: 'sms',
      provider: 'africastalking',
      from: '+254711082123',
      to: '40123',
      text: 'When should I plant maize?',
      providerMessageId: sms.id,
      linkId: 'SampleLinkId123',
    },
  },
  {
    label: 'valid SMS without linkId, national number format',
    body: { ...without(sms, 'linkId'), id: 'plain-1', from: '0711082124' },
    status: 200,
    inbound: { id: 'africastalking:sms:plain-1', from: '+254711082124', linkId: undefined },
  },
  { label: 'missing from', body: without(sms, 'from'), status: 400, error: "field 'from' is required" },
  { label: 'missing to', body: without(sms, 'to'), status: 400, error: "field 'to' is required" },
  { label: 'missing text', body: without(sms, 'text'), status: 400, error: "field 'text' is required" },
  { label: 'missing date', body: without(sms, 'date'), status: 400, error: "field 'date' is required" },
  { label: 'missing id', body: without(sms, 'id'), status: 400, error: "field 'id' is required" },
  { label: 'empty body', body: '', status: 400, error: "field 'from' is required" },
  {
    label: 'not a phone number',
    body: { ...sms, from: 'hello' },
    status: 400,
    error: "field 'from' is not a valid phone number",
  },
  {
    label: 'text too long',
    body: { ...sms, id: 'long', text: 'x'.repeat(2001) },
    status: 400,
    error: "field 'text' is longer than 2000 characters",
  },
  {
    label: 'JSON instead of a form',
    body: JSON.stringify(sms),
    contentType: 'application/json',
    status: 415,
    error: 'Content-Type must be application/x-www-form-urlencoded',
  },
];

describe("Africa's Talking inbound SMS", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => {
    await h.app.close();
    await h.ctx.queues.close();
  });

  it.each(incomingCases)('$label → $status', async (c) => {
    const before = h.inbound.length;
    const res = await post(h, 'sms', c.body, { contentType: c.contentType });
    expect(res.statusCode).toBe(c.status);
    if (c.error) expect(res.json()).toEqual({ error: c.error });
    await settle();
    if (c.inbound) {
      expect(h.inbound.length).toBe(before + 1);
      const got = h.inbound.at(-1)!;
      expect(got).toMatchObject(Object.fromEntries(Object.entries(c.inbound).filter(([, v]) => v !== undefined)));
      for (const [k, v] of Object.entries(c.inbound)) if (v === undefined) expect(got).not.toHaveProperty(k);
      expect(Date.parse(got.receivedAt)).not.toBeNaN();
    } else {
      expect(h.inbound.length).toBe(before);
    }
  });

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

describe("Africa's Talking delivery reports", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => {
    await h.app.close();
    await h.ctx.queues.close();
  });

  const success = fixture(deliverySuccess);
  const blacklist = fixture(deliveryBlacklist);

  it.each([
    ['Success', 'delivered'],
    ['Sent', 'sent'],
    ['Submitted', 'sent'],
    ['Buffered', 'queued'],
    ['Rejected', 'failed'],
    ['Failed', 'failed'],
    ['AbsentSubscriber', 'failed'],
  ])('maps %s to %s and stores it', async (atStatus, ours) => {
    const id = `ATXid_map_${atStatus}`;
    const res = await post(h, 'delivery', { ...success, id, status: atStatus });
    expect(res.statusCode).toBe(200);
    const stored = await loadStatus(h.ctx, 'africastalking', id);
    expect(stored).toMatchObject({
      kind: 'status',
      provider: 'africastalking',
      providerMessageId: id,
      status: ours as StatusEvent['status'],
      providerStatus: atStatus,
      subscriber: '+254711082123',
    });
  });

  it.each([
    ['unknown status', { ...success, status: 'Teleported' }, 400, `field 'status' has an unknown value "Teleported"`],
    ['missing id', without(success, 'id'), 400, "field 'id' is required"],
    ['missing status', without(success, 'status'), 400, "field 'status' is required"],
    ['missing phoneNumber', without(success, 'phoneNumber'), 400, "field 'phoneNumber' is required"],
    ['missing networkCode', without(success, 'networkCode'), 400, "field 'networkCode' is required"],
    ['retryCount not a number', { ...success, retryCount: 'many' }, 400, "field 'retryCount' must be a whole number"],
  ])('rejects %s', async (_label, body, status, error) => {
    const res = await post(h, 'delivery', body as Record<string, string>);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error });
  });

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
  it.each([
    ['no token', '', 403, "query parameter 'token' is required"],
    ['wrong token', '?token=guess', 403, "query parameter 'token' is wrong"],
    ['right token', '?token=s3cret-token', 200, undefined],
  ])('AT_WEBHOOK_TOKEN: %s', async (_label, query, status, error) => {
    const h = await harness({ env: { AT_WEBHOOK_TOKEN: 's3cret-token' } });
    const res = await post(h, 'sms', { ...sms, id: `tok-${status}` }, { query });
    expect(res.statusCode).toBe(status);
    if (error) expect(res.json()).toEqual({ error });
    const report = await post(h, 'delivery', fixture(deliverySuccess), { query });
    expect(report.statusCode).toBe(status);
    await h.app.close();
    await h.ctx.queues.close();
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
    await h.app.close();
    await h.ctx.queues.close();
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
    await h.app.close();
    await h.ctx.queues.close();
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
    await h.app.close();
    await h.ctx.queues.close();
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
