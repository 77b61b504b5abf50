import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { processOutbound } from '../../src/apps/worker/outbound.js';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError } from '../../src/core/outbound.js';
import { WHATSAPP_WINDOW_MS, windowOpen } from '../../src/core/whatsapp-window.js';
import { loadConfig } from '../../src/platform/config/index.js';
import { MemoryStore } from '../../src/platform/store/index.js';
import { saveProfile } from '../../src/platform/subscribers.js';
import { runOutgoingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { MetaWhatsappSender } from './send.js';
import {
  GRAPH_API as GRAPH,
  META_TEST_TOKEN,
  graphAccepted as ok,
  outgoingCases,
  GRAPH_MESSAGES_PATH as PATH,
} from './testcases.js';

const TO = '+254712345678';
const NOW = Date.parse('2026-03-10T12:00:00Z');
const HOUR = 60 * 60 * 1000;

const baseEnv = {
  WHATSAPP_TOKEN: 'EAAG-test-token',
  WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
  PII_SALT: 'whatsapp-send-test-salt',
};

function sender(env: Record<string, string> = {}, store = new MemoryStore(), timeoutMs = 2000) {
  const config = loadConfig({ ...baseEnv, ...env });
  return { store, s: new MetaWhatsappSender({ whatsapp: config.whatsapp, store, now: () => NOW, timeoutMs }) };
}

const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: 'reply:meta:wamid.X',
  channel: 'whatsapp',
  provider: 'meta',
  to: TO,
  text: 'Plant beans at the start of the rains.',
  kind: 'reply',
  createdAt: new Date(NOW).toISOString(),
  ...over,
});

/** Profile with the 24-hour window opened `agoMs` before NOW. */
async function lastInbound(store: MemoryStore, agoMs: number) {
  await saveProfile(store, TO, { lastWhatsappInboundAt: new Date(NOW - agoMs).toISOString() });
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('windowOpen', () => {
  const cases: [string, string | undefined, boolean][] = [
    ['never wrote', undefined, false],
    ['garbage time', 'yesterday', false],
    ['one minute ago', new Date(NOW - 60_000).toISOString(), true],
    ['23 hours ago', new Date(NOW - 23 * HOUR).toISOString(), true],
    ['exactly 24 hours ago', new Date(NOW - WHATSAPP_WINDOW_MS).toISOString(), false],
    ['25 hours ago', new Date(NOW - 25 * HOUR).toISOString(), false],
  ];
  it.each(cases)('%s', (_label, last, expected) => {
    expect(windowOpen(last, NOW)).toBe(expected);
    expect(windowOpen(last, new Date(NOW))).toBe(expected);
  });
});

runOutgoingCases('MetaWhatsappSender: requests and answers at the HTTP boundary', {
  host: GRAPH,
  path: PATH,
  bodyFormat: 'json',
  message: msg(),
  cases: outgoingCases,
  secrets: [META_TEST_TOKEN],
  async sender() {
    const { s, store } = sender();
    await lastInbound(store, HOUR);
    return s;
  },
});

describe('MetaWhatsappSender requests', () => {
  let store: MemoryStore;
  beforeEach(async () => {
    store = new MemoryStore();
    await lastInbound(store, HOUR);
  });

  it('clips text to 4,096 characters on a word boundary', async () => {
    const { s } = sender({}, store);
    let sent = '';
    nock(GRAPH)
      .post(PATH, (b) => {
        sent = b.text.body;
        return true;
      })
      .reply(200, ok());
    await s.send(msg({ text: 'maize '.repeat(1000) }));
    expect([...sent].length).toBeLessThanOrEqual(4096);
    expect(sent.endsWith('maize…')).toBe(true);
  });
});

describe('the 24-hour window', () => {
  it('outside the window sends the configured template with the text as its parameter', async () => {
    const { s, store } = sender({ WHATSAPP_TEMPLATE_NAME: 'baraza_reply', WHATSAPP_TEMPLATE_LANG: 'en' });
    await lastInbound(store, 25 * HOUR);
    nock(GRAPH)
      .post(PATH, {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '254712345678',
        type: 'template',
        template: {
          name: 'baraza_reply',
          language: { code: 'en' },
          components: [
            { type: 'body', parameters: [{ type: 'text', text: 'Plant beans at the start of the rains.' }] },
          ],
        },
      })
      .reply(200, ok());
    await expect(s.send(msg())).resolves.toMatchObject({ providerMessageId: expect.any(String) });
  });

  it('outside the window without a template fails without retry and sends nothing', async () => {
    const { s, store } = sender();
    await lastInbound(store, 25 * HOUR);
    const err = await s.send(msg()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderSendError);
    expect((err as ProviderSendError).opts).toMatchObject({ retryable: false, windowClosed: true });
    expect((err as Error).message).toMatch(/WHATSAPP_TEMPLATE_NAME/);
  });

  it('a subscriber who never wrote is outside the window', async () => {
    const { s } = sender();
    await expect(s.send(msg())).rejects.toMatchObject({ opts: { windowClosed: true, retryable: false } });
  });

  it('Meta 131047 falls back to the template once when one is configured', async () => {
    const { s, store } = sender({ WHATSAPP_TEMPLATE_NAME: 'baraza_reply' });
    await lastInbound(store, HOUR);
    nock(GRAPH)
      .post(PATH, (b) => b.type === 'text')
      .reply(400, {
        error: { message: 'Re-engagement message', type: 'OAuthException', code: 131047, fbtrace_id: 'A1' },
      })
      .post(PATH, (b) => b.type === 'template' && b.template.name === 'baraza_reply')
      .reply(200, ok('wamid.template'));
    await expect(s.send(msg())).resolves.toEqual({ providerMessageId: 'wamid.template' });
  });

  it('Meta 131047 without a template is windowClosed and not retryable', async () => {
    const { s, store } = sender();
    await lastInbound(store, HOUR);
    nock(GRAPH)
      .post(PATH)
      .reply(400, {
        error: {
          message: 'Re-engagement message',
          code: 131047,
          error_data: {
            messaging_product: 'whatsapp',
            details: 'Message failed to send because more than 24 hours have passed',
          },
        },
      });
    await expect(s.send(msg())).rejects.toMatchObject({
      opts: { windowClosed: true, retryable: false, code: '131047', status: 400 },
    });
  });
});

describe('provider errors', () => {
  it('a timeout is retryable', async () => {
    const { s, store } = sender({}, new MemoryStore(), 100);
    await lastInbound(store, HOUR);
    nock(GRAPH).post(PATH).delay(500).reply(200, ok());
    await expect(s.send(msg())).rejects.toMatchObject({ opts: { retryable: true, code: 'timeout' } });
  });

  it('a refused connection is retryable', async () => {
    const { s, store } = sender({ WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9/v21.0' });
    await lastInbound(store, HOUR);
    nock.enableNetConnect('127.0.0.1');
    try {
      await expect(s.send(msg())).rejects.toMatchObject({ opts: { retryable: true, code: 'network' } });
    } finally {
      nock.disableNetConnect();
    }
  });

  it('missing credentials fail without a request', async () => {
    const config = loadConfig({});
    const s = new MetaWhatsappSender({ whatsapp: config.whatsapp, store: new MemoryStore(), now: () => NOW });
    await expect(s.send(msg())).rejects.toMatchObject({ opts: { retryable: false } });
  });

  it('WHATSAPP_GRAPH_URL points the sender at a loopback fake', async () => {
    const { s, store } = sender({ WHATSAPP_GRAPH_URL: 'http://127.0.0.1:4010/v21.0/' });
    await lastInbound(store, HOUR);
    nock('http://127.0.0.1:4010').post('/v21.0/106540352242922/messages').reply(200, ok('wamid.fake'));
    await expect(s.send(msg())).resolves.toEqual({ providerMessageId: 'wamid.fake' });
  });
});

describe('through the outbound worker (retries at the HTTP boundary)', () => {
  async function run(replies: [number, unknown][], attempts = 4) {
    const store = new MemoryStore();
    await lastInbound(store, HOUR);
    const ctx = await makeTestContext({ env: baseEnv, store, now: () => NOW });
    const s = new MetaWhatsappSender({ whatsapp: ctx.config.whatsapp, store, now: () => NOW, timeoutMs: 2000 });
    const outbound = ctx.queues.queue<OutboundMessage>('outbound');
    outbound.process((job) => processOutbound(ctx, { meta: s }, job));
    let requests = 0;
    const scope = nock(GRAPH);
    for (const [status, body] of replies) {
      scope.post(PATH).reply(() => {
        requests++;
        return [status, body as Record<string, unknown>];
      });
    }
    const m = msg();
    await outbound.add('send', m, { jobId: m.id, attempts, backoffMs: 5 });
    const outcome = await outbound.waitForResult(m.id, 5000);
    // A re-delivered job with the same id must not reach Meta again.
    await outbound.add('send', m, { jobId: m.id, attempts, backoffMs: 5 });
    const dead = await outbound.deadLetters();
    await ctx.queues.close();
    return { outcome, requests, dead };
  }

  it('429 then 500 then success: retried, sent exactly once', async () => {
    const { outcome, requests } = await run([
      [429, { error: { message: 'Rate limit hit', code: 130429 } }],
      [500, { error: { message: 'Unknown error', code: 1 } }],
      [200, ok('wamid.third-time')],
    ]);
    expect(outcome).toEqual({
      status: 'completed',
      value: { status: 'sent', providerMessageId: 'wamid.third-time', via: 'meta' },
    });
    expect(requests).toBe(3);
  });

  it('401: one request, then dead-lettered without retries', async () => {
    const { outcome, requests, dead } = await run([
      [401, { error: { message: 'Error validating access token', code: 190 } }],
    ]);
    expect(outcome.status).toBe('failed');
    expect(requests).toBe(1);
    expect(dead.map((d) => d.attemptsMade)).toEqual([1]);
  });

  it('500 every time: gives up after the configured attempts', async () => {
    const err: [number, unknown] = [500, { error: { message: 'Unknown error', code: 1 } }];
    const { outcome, requests, dead } = await run([err, err, err], 3);
    expect(outcome.status).toBe('failed');
    expect(requests).toBe(3);
    expect(dead).toHaveLength(1);
  });
});
