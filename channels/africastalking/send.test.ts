import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { processOutbound } from '../../src/apps/worker/outbound.js';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError } from '../../src/core/outbound.js';
import type { AppContext } from '../../src/platform/context.js';
import { loadProfile } from '../../src/platform/subscribers.js';
import { runOutgoingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { AfricasTalkingSender, classifyAfricasTalkingError, createAfricasTalkingSender } from './send.js';
import { AT_TEST_API_KEY, AT_LIVE_API as LIVE, outgoingCases } from './testcases.js';
import blacklistResponse from './testdata/send-response-blacklist.json' with { type: 'json' };
import successResponse from './testdata/send-response-success.json' with { type: 'json' };

const TO = '+254711082123';

interface Captured {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, string>;
}

/** One expected call to AT's bulk endpoint; records exactly what the SDK sent. */
function expectAt(host: string, path: string, status: number, response: unknown, captured: Captured[], delayMs = 0) {
  return nock(host)
    .post(path)
    .delay(delayMs)
    .reply(function (_uri, body) {
      captured.push({ headers: this.req.headers, body: Object.fromEntries(new URLSearchParams(String(body))) });
      return [status, response as nock.Body];
    });
}

let seq = 0;
function outbound(extra: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: `reply:test-${++seq}`,
    channel: 'sms',
    provider: 'africastalking',
    to: TO,
    text: 'Plant maize at the onset of the long rains.',
    kind: 'reply',
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

const sender = (extra: Partial<ConstructorParameters<typeof AfricasTalkingSender>[0]> = {}) =>
  new AfricasTalkingSender({
    username: 'baraza-live',
    apiKey: 'test-api-key',
    shortcode: '40123',
    maxSegments: 3,
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

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

runOutgoingCases("Africa's Talking sender: requests and answers at the HTTP boundary", {
  host: LIVE,
  path: '/version1/messaging',
  bodyFormat: 'form',
  message: outbound(),
  cases: outgoingCases,
  sender: (c) => sender(c.senderOptions),
  secrets: [AT_TEST_API_KEY],
});

describe("Africa's Talking sender: requests at the HTTP boundary", () => {
  it('fits a long reply into SMS_MAX_SEGMENTS before sending', async () => {
    const captured: Captured[] = [];
    expectAt(LIVE, '/version1/messaging', 201, successResponse, captured);
    const receipt = await sender({ maxSegments: 2 }).send(outbound({ text: 'Weed early and often. '.repeat(40) }));
    expect(captured[0]!.body.message!.length).toBeLessThanOrEqual(306);
    expect(captured[0]!.body.message!.endsWith('...')).toBe(true);
    expect(receipt.segments).toBe(2);
  });

  it('sends a linkId reply as ordinary bulk SMS when no premium keyword is configured', async () => {
    const captured: Captured[] = [];
    expectAt(LIVE, '/version1/messaging', 201, successResponse, captured);
    await sender().send(outbound({ linkId: 'SampleLinkId123' }));
    expect(captured[0]!.body).not.toHaveProperty('linkId');
  });

  it('gives up on a request that hangs past the timeout, as retryable', async () => {
    expectAt(LIVE, '/version1/messaging', 201, successResponse, [], 2000);
    const started = Date.now();
    const err = await rejection(sender({ timeoutMs: 150 }).send(outbound()));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err.opts).toMatchObject({ retryable: true, code: 'timeout' });
  });

  // Transport failures are classified without a mock socket: nock's replyWithError re-emits the error on its
  // socket after the request settled, which surfaced as an unhandled error in whichever test ran next.
  it.each([
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    // What the SDK's axios rejects with when no HTTP answer came back at all.
    ['an error without a code', Object.assign(new Error('network down'), { isAxiosError: true }), 'network'],
  ])('treats %s as retryable', (_label, error, code) => {
    expect(classifyAfricasTalkingError(error).opts).toMatchObject({ retryable: true, code });
  });

  it('is only created when AT_USERNAME and AT_API_KEY are set', async () => {
    const bare = await makeTestContext();
    expect(createAfricasTalkingSender(bare.config)).toBeUndefined();
    const live = await makeTestContext({ env: { AT_USERNAME: 'u', AT_API_KEY: 'k' } });
    expect(createAfricasTalkingSender(live.config)).toBeInstanceOf(AfricasTalkingSender);
  });
});

describe("Africa's Talking sender inside the outbound worker: the retries errors cause", () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(async () => {
    await ctx.queues.close();
  });

  async function run(msg: OutboundMessage, attempts = 3) {
    const queue = ctx.queues.queue<OutboundMessage>('outbound');
    const live = { africastalking: sender() };
    const worker = queue.process((job) => processOutbound(ctx, live, job));
    await queue.add('send', msg, { jobId: msg.id, attempts, backoffMs: 20 });
    const outcome = await queue.waitForResult(msg.id, 5000);
    await worker.close();
    return outcome;
  }

  it('retries a 500 and sends once when AT recovers; a re-run of the job sends nothing', async () => {
    const captured: Captured[] = [];
    expectAt(LIVE, '/version1/messaging', 500, 'Internal Server Error', captured);
    expectAt(LIVE, '/version1/messaging', 201, successResponse, captured);
    const msg = outbound();
    const outcome = await run(msg);
    expect(outcome).toMatchObject({ status: 'completed', value: { status: 'sent' } });
    expect(captured).toHaveLength(2);
    // A re-delivered job with the same id: no HTTP call at all (nock would refuse one).
    const again = await processOutbound(
      ctx,
      { africastalking: sender() },
      {
        id: 'again',
        name: 'send',
        data: msg,
        attemptsMade: 0,
        maxAttempts: 1,
      },
    );
    expect(again).toEqual({ status: 'skipped', reason: 'already-sent' });
  });

  it('does not retry a 401: one request, then the dead-letter list', async () => {
    const captured: Captured[] = [];
    expectAt(LIVE, '/version1/messaging', 401, 'The supplied authentication is invalid', captured);
    const msg = outbound();
    const outcome = await run(msg);
    expect(outcome.status).toBe('failed');
    expect(captured).toHaveLength(1);
    const dead = await ctx.queues.queue('outbound').deadLetters();
    expect(dead.map((d) => d.id)).toContain(msg.id);
  });

  it('retries 429 until attempts run out', async () => {
    const captured: Captured[] = [];
    for (let i = 0; i < 3; i++) expectAt(LIVE, '/version1/messaging', 429, 'Too Many Requests', captured);
    const outcome = await run(outbound(), 3);
    expect(outcome.status).toBe('failed');
    expect(captured).toHaveLength(3);
  });

  it('marks the number opted out when AT reports it blacklisted', async () => {
    expectAt(LIVE, '/version1/messaging', 201, blacklistResponse, []);
    const outcome = await run(outbound({ to: '+254711082777' }));
    expect(outcome.status).toBe('failed');
    expect((await loadProfile(ctx.store, '+254711082777')).optedOut).toBe(true);
  });
});

// Last on purpose: the SDK switches every client in the process to the sandbox host once one is built for it.
describe("Africa's Talking sandbox", () => {
  it('talks to api.sandbox.africastalking.com for username "sandbox"', async () => {
    const captured: Captured[] = [];
    const scope = expectAt(
      'https://api.sandbox.africastalking.com',
      '/version1/messaging',
      201,
      successResponse,
      captured,
    );
    await sender({ username: 'sandbox' }).send(outbound());
    expect(scope.isDone()).toBe(true);
    expect(captured[0]!.body.username).toBe('sandbox');
  });
});
