import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { processOutbound } from '../../src/apps/worker/outbound.js';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError } from '../../src/core/outbound.js';
import type { AppContext } from '../../src/platform/context.js';
import { loadProfile } from '../../src/platform/subscribers.js';
import { runOutgoingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { classifyTwilioError, createTwilioSender, TwilioSender } from './send.js';
import {
  TWILIO_API as API,
  outgoingCases,
  TWILIO_MESSAGES_PATH as PATH,
  TWILIO_TEST_SID as SID,
  TWILIO_TEST_TOKEN as TOKEN,
} from './testcases.js';
import error20003 from './testdata/send-error-20003.json' with { type: 'json' };
import error21610 from './testdata/send-error-21610.json' with { type: 'json' };
import created from './testdata/send-response-created.json' with { type: 'json' };

const TO = '+254711082123';

interface Captured {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, string>;
}

function expectTwilio(status: number, response: unknown, captured: Captured[], delayMs = 0) {
  return nock(API)
    .post(PATH)
    .delay(delayMs)
    .reply(function (_uri, body) {
      captured.push({ headers: this.req.headers, body: Object.fromEntries(new URLSearchParams(String(body))) });
      return [status, response as nock.Body, { 'content-type': 'application/json' }];
    });
}

let seq = 0;
function outbound(extra: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: `reply:twilio:test-${++seq}`,
    channel: 'sms',
    provider: 'twilio',
    to: TO,
    text: 'Dry beans well before storing them.',
    kind: 'reply',
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

/**
 * nock 14 never answers a request that carries an explicit `Connection: keep-alive` header (the SDK's default),
 * so these tests turn keep-alive off; the request Twilio receives is otherwise the same.
 */
const sender = (extra: Partial<ConstructorParameters<typeof TwilioSender>[0]> = {}) =>
  new TwilioSender({
    keepAlive: false,
    accountSid: SID,
    authToken: TOKEN,
    smsFrom: '+254700000111',
    whatsappFrom: '+14155238886',
    maxSegments: 3,
    statusCallback: 'https://baraza.example.org/channels/twilio/status',
    ...extra,
  });

async function rejection(p: Promise<unknown>): Promise<ProviderSendError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderSendError);
    return err as ProviderSendError;
  }
  throw new Error('expected the send to fail');
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

runOutgoingCases('Twilio sender: requests and answers at the HTTP boundary', {
  host: API,
  path: PATH,
  bodyFormat: 'form',
  message: outbound(),
  cases: outgoingCases,
  sender: () => sender(),
  secrets: [TOKEN],
});

describe('Twilio sender: WhatsApp lists as list-picker content', () => {
  const CONTENT = 'https://content.twilio.com';
  const list = {
    button: 'Choose',
    rows: [
      { id: 'choice:1', title: 'Never share your PIN', description: 'Nobody needs it, not even staff' },
      { id: 'choice:2', title: 'Choose a strong PIN' },
      { id: 'choice:3', title: 'Lost phone and mobile money' },
    ],
  };
  const offer = () => outbound({ channel: 'whatsapp', text: 'Did you mean:', list });

  function expectContent(status: number, response: unknown, captured: unknown[]) {
    return nock(CONTENT)
      .post('/v1/Content')
      .reply((_uri, body) => {
        captured.push(typeof body === 'string' ? JSON.parse(body) : body);
        return [status, response as nock.Body, { 'content-type': 'application/json' }];
      });
  }

  it('creates the list once through the Content API and sends it by ContentSid, without a body', async () => {
    const contents: unknown[] = [];
    const messages: Captured[] = [];
    const sid = 'HX0123456789abcdef0123456789abcdef';
    expectContent(201, { sid, friendly_name: 'x', types: {} }, contents);
    expectTwilio(201, created, messages);
    expectTwilio(201, created, messages);
    const s = sender();
    await s.send(offer());
    await s.send(offer()); // the same list again: no second content
    expect(contents).toHaveLength(1);
    expect(contents[0]).toMatchObject({
      friendly_name: expect.stringMatching(/^baraza-list-[0-9a-f]{16}$/),
      types: {
        'twilio/list-picker': {
          body: 'Did you mean:',
          button: 'Choose',
          items: [
            { item: 'Never share your PIN', id: 'choice:1', description: 'Nobody needs it, not even staff' },
            { item: 'Choose a strong PIN', id: 'choice:2', description: 'Choose a strong PIN' },
            { item: 'Lost phone and mobile…', id: 'choice:3', description: 'Lost phone and mobile money' },
          ],
        },
        'twilio/text': {
          body: 'Did you mean:\n1. Never share your PIN\n2. Choose a strong PIN\n3. Lost phone and mobile money',
        },
      },
    });
    for (const m of messages) {
      expect(m.body.ContentSid).toBe(sid);
      expect(m.body.Body).toBeUndefined();
      expect(m.body.To).toBe(`whatsapp:${TO}`);
    }
  });

  it('reports a refused content creation as a send error, and sends nothing', async () => {
    const messages: Captured[] = [];
    expectContent(400, { code: 20001, message: 'Invalid types', status: 400 }, []);
    expectTwilio(201, created, messages);
    const err = await rejection(sender().send(offer()));
    expect(err.opts).toMatchObject({ retryable: false, status: 400 });
    expect(messages).toHaveLength(0);
  });

  it('sends an SMS with a list as plain text (lists are WhatsApp only)', async () => {
    const messages: Captured[] = [];
    expectTwilio(201, created, messages);
    await sender().send(outbound({ text: 'Reply 1, 2 or 3', list }));
    expect(messages[0]!.body.Body).toBe('Reply 1, 2 or 3');
    expect(messages[0]!.body.ContentSid).toBeUndefined();
  });
});

describe('Twilio sender: requests at the HTTP boundary', () => {
  it('sends WhatsApp with whatsapp: addresses and at most 1,600 characters', async () => {
    const captured: Captured[] = [];
    expectTwilio(201, created, captured);
    await sender().send(outbound({ channel: 'whatsapp', text: 'Keep records of what you sell. '.repeat(80) }));
    const body = captured[0]!.body;
    expect(body.To).toBe(`whatsapp:${TO}`);
    expect(body.From).toBe('whatsapp:+14155238886');
    expect(body.Body!.length).toBeLessThanOrEqual(1600);
    expect(body.Body!.endsWith('…')).toBe(true);
  });

  it('refuses to send a channel whose sender number is not configured', async () => {
    const err = await rejection(sender({ whatsappFrom: undefined }).send(outbound({ channel: 'whatsapp' })));
    expect(err.opts).toMatchObject({ retryable: false, code: 'not-configured' });
    expect(err.message).toBe('TWILIO_WHATSAPP_FROM is not configured');
  });

  it('gives up on a request that hangs past the timeout, as retryable', async () => {
    expectTwilio(201, created, [], 3000);
    const started = Date.now();
    const err = await rejection(sender({ timeoutMs: 150 }).send(outbound()));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.opts).toMatchObject({ retryable: true, code: 'timeout' });
  });

  // Classified without a mock socket: nock's replyWithError re-emits the error after the request settled.
  it('treats a reset connection as retryable', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyTwilioError(reset).opts).toMatchObject({ retryable: true, code: 'ECONNRESET' });
  });

  it('is created only with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, with the status callback under PUBLIC_BASE_URL', async () => {
    expect(createTwilioSender((await makeTestContext()).config)).toBeUndefined();
    const ctx = await makeTestContext({
      env: {
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_SMS_FROM: '+254700000111',
        PUBLIC_BASE_URL: 'https://gw.example.org/',
      },
    });
    const live = createTwilioSender(ctx.config, { keepAlive: false });
    expect(live).toBeInstanceOf(TwilioSender);
    const captured: Captured[] = [];
    expectTwilio(201, created, captured);
    await live!.send(outbound());
    expect(captured[0]!.body.StatusCallback).toBe('https://gw.example.org/channels/twilio/status');
  });
});

describe('Twilio sender inside the outbound worker: the retries errors cause', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(async () => {
    await ctx.queues.close();
  });

  async function run(msg: OutboundMessage, attempts = 3) {
    const queue = ctx.queues.queue<OutboundMessage>('outbound');
    const worker = queue.process((job) => processOutbound(ctx, { twilio: sender() }, job));
    await queue.add('send', msg, { jobId: msg.id, attempts, backoffMs: 20 });
    const outcome = await queue.waitForResult(msg.id, 5000);
    await worker.close();
    return outcome;
  }

  it('retries a 500 then sends once', async () => {
    const captured: Captured[] = [];
    expectTwilio(500, { code: 20500, message: 'Internal Server Error', status: 500 }, captured);
    expectTwilio(201, created, captured);
    const outcome = await run(outbound());
    expect(outcome).toMatchObject({ status: 'completed', value: { status: 'sent', providerMessageId: created.sid } });
    expect(captured).toHaveLength(2);
  });

  it('retries a timeout then sends once', async () => {
    const captured: Captured[] = [];
    expectTwilio(201, created, captured, 3000);
    expectTwilio(201, created, captured);
    const queue = ctx.queues.queue<OutboundMessage>('outbound');
    const worker = queue.process((job) => processOutbound(ctx, { twilio: sender({ timeoutMs: 150 }) }, job));
    const msg = outbound();
    await queue.add('send', msg, { jobId: msg.id, attempts: 3, backoffMs: 20 });
    expect(await queue.waitForResult(msg.id, 5000)).toMatchObject({ status: 'completed', value: { status: 'sent' } });
    await worker.close();
  });

  it('does not retry a 401', async () => {
    const captured: Captured[] = [];
    expectTwilio(401, error20003, captured);
    const outcome = await run(outbound());
    expect(outcome.status).toBe('failed');
    expect(captured).toHaveLength(1);
  });

  it('marks the number opted out on 21610 and sends it nothing more', async () => {
    const to = '+254711082555';
    expectTwilio(400, error21610, []);
    expect((await run(outbound({ to }))).status).toBe('failed');
    expect((await loadProfile(ctx.store, to)).optedOut).toBe(true);
    // The next reply to that number never reaches Twilio (nock would refuse the call).
    expect(await run(outbound({ to }))).toMatchObject({
      status: 'completed',
      value: { status: 'skipped', reason: 'opted-out' },
    });
  });
});
