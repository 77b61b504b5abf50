import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';
import type { AppContext } from '../../src/app/context.js';
import { buildGateway } from '../../src/gateway/app.js';
import { type InboundMessage, InvalidPhoneNumberError } from '../../src/messages/index.js';
import { loadStatus } from '../../src/messages/status.js';
import { loadProfile } from '../../src/subscribers/index.js';
import { makeTestContext } from '../../tests/support/context.js';
import {
  EMPTY_TWIML,
  incomingSchema,
  registerTwilio,
  statusSchema,
  toInboundMessage,
  toStatusEvent,
} from './routes.js';
import smsInbound from './testdata/sms-inbound.json' with { type: 'json' };
import statusDelivered from './testdata/status-delivered.json' with { type: 'json' };
import statusOptOut from './testdata/status-undelivered-21610.json' with { type: 'json' };
import whatsappButton from './testdata/whatsapp-button.json' with { type: 'json' };
import whatsappImage from './testdata/whatsapp-image.json' with { type: 'json' };
import whatsappInbound from './testdata/whatsapp-inbound.json' with { type: 'json' };
import whatsappLocation from './testdata/whatsapp-location.json' with { type: 'json' };

const TOKEN = 'twilio-test-auth-token';
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

async function harness(env: Record<string, string> = { TWILIO_AUTH_TOKEN: TOKEN }): Promise<Harness> {
  const ctx = await makeTestContext({ env });
  const app = await buildGateway(ctx, {
    plugins: [registerTwilio],
    readiness: { packs: () => ({ ok: true, detail: 'test' }) },
    trustProxy: true,
  });
  // A real socket rather than app.inject: light-my-request needs the ESM-only `cookie`, which Jest cannot require.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const inbound: InboundMessage[] = [];
  ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
    inbound.push(job.data);
  });
  return { ctx, app, base, inbound };
}

async function close(h: Harness) {
  await h.app.close();
  await h.ctx.queues.close();
}

interface Send {
  path: string;
  params: Record<string, string>;
  /** The URL to sign; default: the URL the request really goes to. */
  signUrl?: string;
  /** Sign these params instead (a body altered after signing). */
  signParams?: Record<string, string>;
  signature?: string | null;
  headers?: Record<string, string>;
  contentType?: string;
}

async function send(h: Harness, s: Send) {
  const url = `${h.base}${s.path}`;
  const signature =
    s.signature === null
      ? undefined
      : (s.signature ?? twilio.getExpectedTwilioSignature(TOKEN, s.signUrl ?? url, s.signParams ?? s.params));
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': s.contentType ?? 'application/x-www-form-urlencoded',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
      ...s.headers,
    },
    body: s.contentType === 'application/json' ? JSON.stringify(s.params) : new URLSearchParams(s.params).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, type: res.headers.get('content-type') ?? '' };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

const sms = fixture(smsInbound);
const wa = fixture(whatsappInbound);
const MESSAGING = '/channels/twilio/messaging';
const STATUS = '/channels/twilio/status';

interface IncomingCase {
  label: string;
  send: Omit<Send, 'path'> & { path?: string };
  status: number;
  error?: string;
  inbound?: Partial<InboundMessage>;
}

const incomingCases: IncomingCase[] = [
  {
    label: 'signed SMS',
    send: { params: sms },
    status: 200,
    inbound: {
      id: `twilio:sms:${sms.MessageSid}`,
      channel: 'sms',
      provider: 'twilio',
      from: '+254711082123',
      to: '+254700000111',
      text: 'How do I store beans after harvest?',
      providerMessageId: sms.MessageSid,
    },
  },
  {
    label: 'signed WhatsApp text',
    send: { params: wa },
    status: 200,
    inbound: {
      id: `twilio:whatsapp:${wa.MessageSid}`,
      channel: 'whatsapp',
      from: '+254711082123',
      text: 'Nipande mahindi lini?',
    },
  },
  {
    label: 'WhatsApp image without words',
    send: { params: fixture(whatsappImage) },
    status: 200,
    inbound: { channel: 'whatsapp', unsupported: 'image', text: '' },
  },
  {
    label: 'WhatsApp location',
    send: { params: fixture(whatsappLocation) },
    status: 200,
    inbound: { channel: 'whatsapp', location: { latitude: -1.2921, longitude: 36.8219, address: 'Nairobi' } },
  },
  {
    label: 'WhatsApp quick-reply button',
    send: { params: fixture(whatsappButton) },
    status: 200,
    inbound: { channel: 'whatsapp', interactive: { kind: 'button', id: 'menu:ask', title: 'Ask a question' } },
  },
  {
    label: 'signed with a query string in the URL',
    send: { path: `${MESSAGING}?tenant=coop-1`, params: { ...sms, MessageSid: 'SMquery' } },
    status: 200,
    inbound: { id: 'twilio:sms:SMquery' },
  },
  {
    label: 'missing MessageSid',
    send: { params: without(sms, 'MessageSid') },
    status: 400,
    error: "field 'MessageSid' is required",
  },
  { label: 'missing From', send: { params: without(sms, 'From') }, status: 400, error: "field 'From' is required" },
  { label: 'missing Body', send: { params: without(sms, 'Body') }, status: 400, error: "field 'Body' is required" },
  {
    label: 'From that is not a number',
    send: { params: { ...sms, MessageSid: 'SMbadfrom', From: 'client:alice' } },
    status: 400,
    error: "field 'From' is not a valid phone number",
  },
  {
    label: 'no X-Twilio-Signature',
    send: { params: { ...sms, MessageSid: 'SMunsigned' }, signature: null },
    status: 403,
    error: 'X-Twilio-Signature header is missing',
  },
  {
    label: 'forged X-Twilio-Signature',
    send: { params: { ...sms, MessageSid: 'SMforged' }, signature: 'bm90IGEgcmVhbCBzaWduYXR1cmU=' },
    status: 403,
    error: 'X-Twilio-Signature does not match the request',
  },
  {
    label: 'body changed after signing',
    send: {
      params: { ...sms, MessageSid: 'SMtampered', Body: 'Send me money' },
      signParams: { ...sms, MessageSid: 'SMtampered' },
    },
    status: 403,
    error: 'X-Twilio-Signature does not match the request',
  },
  {
    label: 'signed for another URL',
    send: {
      params: { ...sms, MessageSid: 'SMotherurl' },
      signUrl: 'https://evil.example.com/channels/twilio/messaging',
    },
    status: 403,
    error: 'X-Twilio-Signature does not match the request',
  },
  {
    label: 'JSON body',
    send: { params: sms, contentType: 'application/json' },
    status: 415,
    error: 'Content-Type must be application/x-www-form-urlencoded',
  },
];

describe('Twilio incoming messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => close(h));

  it.each(incomingCases)('$label → $status', async (c) => {
    const before = h.inbound.length;
    const res = await send(h, { path: MESSAGING, ...c.send });
    expect(res.status).toBe(c.status);
    if (c.status === 200) {
      // Acknowledged at once with empty TwiML: the answer goes out later through the REST API.
      expect(res.type).toMatch(/^text\/xml/);
      expect(res.body).toBe(EMPTY_TWIML);
    }
    if (c.error) expect(JSON.parse(res.body)).toEqual({ error: c.error });
    await settle();
    if (c.inbound) {
      expect(h.inbound.length).toBe(before + 1);
      expect(h.inbound.at(-1)).toMatchObject(c.inbound);
    } else {
      expect(h.inbound.length).toBe(before);
    }
  });

  it('takes a re-delivered MessageSid once', async () => {
    const params = { ...sms, MessageSid: 'SMdup' };
    const first = await send(h, { path: MESSAGING, params });
    const second = await send(h, { path: MESSAGING, params });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toBe(EMPTY_TWIML);
    await settle();
    expect(h.inbound.filter((m) => m.providerMessageId === 'SMdup')).toHaveLength(1);
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
    const internal = await send(h, { path: `${MESSAGING}?tenant=a`, params: { ...sms, MessageSid: 'SMpub2' } });
    expect(internal.status).toBe(403);
    await close(h);
  });

  it('rebuilds the URL from X-Forwarded-Proto and X-Forwarded-Host without PUBLIC_BASE_URL', async () => {
    const h = await harness();
    const res = await send(h, {
      path: MESSAGING,
      params: { ...sms, MessageSid: 'SMfwd' },
      signUrl: `https://gw.example.org${MESSAGING}`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gw.example.org' },
    });
    expect(res.status).toBe(200);
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

describe('Twilio status callbacks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => close(h));
  const delivered = fixture(statusDelivered);

  it.each([
    ['accepted', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sent'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ])('maps %s to %s and stores it', async (twilioStatus, ours) => {
    const sid = `SMstatus${twilioStatus}`;
    const res = await send(h, { path: STATUS, params: { ...delivered, MessageSid: sid, MessageStatus: twilioStatus } });
    expect(res.status).toBe(204);
    expect(await loadStatus(h.ctx, 'twilio', sid)).toMatchObject({
      provider: 'twilio',
      status: ours,
      providerStatus: twilioStatus,
      subscriber: '+254711082123',
    });
  });

  it.each([
    [
      'unknown status',
      { ...delivered, MessageStatus: 'teleported' },
      400,
      `field 'MessageStatus' has an unknown value "teleported"`,
    ],
    ['missing MessageStatus', without(delivered, 'MessageStatus'), 400, "field 'MessageStatus' is required"],
    ['missing MessageSid', without(delivered, 'MessageSid'), 400, "field 'MessageSid' is required"],
  ])('rejects %s', async (_label, params, status, error) => {
    const res = await send(h, { path: STATUS, params: params as Record<string, string> });
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body)).toEqual({ error });
  });

  it('rejects a forged status callback', async () => {
    const res = await send(h, { path: STATUS, params: delivered, signature: 'Zm9yZ2Vk' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ error: 'X-Twilio-Signature does not match the request' });
  });

  it('marks the recipient opted out on error 21610', async () => {
    const params = fixture(statusOptOut);
    const res = await send(h, { path: STATUS, params });
    expect(res.status).toBe(204);
    expect((await loadProfile(h.ctx.store, '+254711082123')).optedOut).toBe(true);
    expect(await loadStatus(h.ctx, 'twilio', params.MessageSid!)).toMatchObject({
      status: 'failed',
      failureReason: '21610',
      optedOut: true,
    });
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
