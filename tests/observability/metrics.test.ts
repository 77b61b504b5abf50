/**
 * Scrapes /metrics before and after real traffic through the provider routes and checks that every counter
 * operators alert on moved: inbound and outbound per channel, USSD response times per hop kind, deadline
 * fallbacks, answer confidence, knowledge gaps, dedupe hits, opt-outs, send failures, rejections, queue depths.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { simulatorSender } from '../../channels/simulator/outbox.js';
import type { Answerer } from '../../src/core/answers.js';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError } from '../../src/core/outbound.js';
import { type RunningGateway, startGateway, waitFor } from '../e2e/gateway.js';
import { metricSum, outbox, scrape, sendSms, sendWhatsapp, ussdHop } from './traffic.js';

const SECRET = 'metrics-test-app-secret';
/** /metrics on PORT is behind the admin credentials (finding 12, issue 14). */
const ADMIN = { user: 'prometheus', password: 'metrics-test-scrape-password' };
const DEADLINE_MS = 1500;
const FAILING_NUMBER = '+254700000409';
const N = {
  ussd: '+254700000401',
  slowUssd: '+254700000402',
  sms: '+254700000403',
  gapSms: '+254700000404',
  stopSms: '+254700000405',
  wa: '+254700000406',
};

let gw: RunningGateway;
let before: Map<string, number>;
let after: Map<string, number>;

beforeAll(async () => {
  gw = await startGateway({
    env: {
      WHATSAPP_APP_SECRET: SECRET,
      USSD_DEADLINE_MS: String(DEADLINE_MS),
      AT_ALLOW_UNAUTHENTICATED: 'true',
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
    },
    // One question is made slower than the USSD deadline, so the SMS fallback path runs.
    wrapAnswerer: (real: Answerer): Answerer => ({
      ...real,
      answer: async (req) => {
        if (req.question.includes('SLOWPOKE')) await new Promise((r) => setTimeout(r, DEADLINE_MS + 300));
        return real.answer(req);
      },
    }),
    // WhatsApp sends to one number fail for good, as a provider refusing them would; the rest reach the outbox.
    senders: (rt) => {
      const outboxSender = simulatorSender(rt.store, 'meta');
      return {
        meta: {
          provider: 'meta' as const,
          async send(msg: OutboundMessage) {
            if (msg.to === FAILING_NUMBER) {
              throw new ProviderSendError('recipient refused (test)', {
                retryable: false,
                status: 400,
                code: '131026',
              });
            }
            return outboxSender.send(msg);
          },
        },
      };
    },
  });

  before = await scrape(gw.url, ADMIN);

  // USSD: a menu hop, the ask prompt, a question answered on screen.
  const s1 = `ATUid_metrics_${Date.now()}`;
  expect((await ussdHop(gw.url, { sessionId: s1, phone: N.ussd, text: '' })).body).toMatch(/^CON /);
  expect((await ussdHop(gw.url, { sessionId: s1, phone: N.ussd, text: '1' })).body).toMatch(/^CON /);
  expect(
    (await ussdHop(gw.url, { sessionId: s1, phone: N.ussd, text: '1*how do I dry maize before storage' })).status,
  ).toBe(200);
  // USSD: a question past the deadline ends with "by SMS".
  const s2 = `ATUid_metrics_slow_${Date.now()}`;
  await ussdHop(gw.url, { sessionId: s2, phone: N.slowUssd, text: '' });
  await ussdHop(gw.url, { sessionId: s2, phone: N.slowUssd, text: '1' });
  expect((await ussdHop(gw.url, { sessionId: s2, phone: N.slowUssd, text: '1*SLOWPOKE maize drying' })).body).toMatch(
    /^END /,
  );

  // SMS: a question, a question nobody wrote an entry for, and STOP.
  expect((await sendSms(gw.url, { from: N.sms, text: 'how do I store beans against weevils?' })).status).toBe(200);
  expect(
    (await sendSms(gw.url, { from: N.gapSms, text: 'what is the airspeed velocity of an unladen swallow' })).status,
  ).toBe(200);
  expect((await sendSms(gw.url, { from: N.stopSms, text: 'STOP' })).status).toBe(200);

  // WhatsApp: a question delivered twice (Meta retries), and one to a number the provider refuses.
  const first = await sendWhatsapp(gw.url, {
    from: N.wa,
    secret: SECRET,
    message: { type: 'text', text: 'when should I plant beans?' },
  });
  expect(first.status).toBe(200);
  expect(
    (
      await sendWhatsapp(gw.url, {
        from: N.wa,
        secret: SECRET,
        message: { type: 'text', text: 'when should I plant beans?' },
        wamid: first.wamid,
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await sendWhatsapp(gw.url, {
        from: FAILING_NUMBER,
        secret: SECRET,
        message: { type: 'text', text: 'how do I feed layers?' },
      })
    ).status,
  ).toBe(200);

  // A malformed callback.
  expect(
    (
      await fetch(`${gw.url}/channels/africastalking/ussd`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'text=1',
      })
    ).status,
  ).toBe(400);

  // Replies are asynchronous: wait until they reached the outbox, and the refused send was tried.
  await waitFor('SMS reply', async () => ((await outbox(gw.rt.store, N.sms)).length ? true : undefined));
  await waitFor('WhatsApp reply', async () => ((await outbox(gw.rt.store, N.wa)).length ? true : undefined));
  await waitFor('SMS fallback of the slow USSD question', async () =>
    (await outbox(gw.rt.store, N.slowUssd)).length ? true : undefined,
  );
  await waitFor('the refused WhatsApp send', async () => {
    const m = await scrape(gw.url, ADMIN);
    return metricSum(m, 'baraza_send_failures_total') > metricSum(before, 'baraza_send_failures_total')
      ? true
      : undefined;
  });
  after = await scrape(gw.url, ADMIN);
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

const moved = (name: string, labels: Record<string, string> = {}) =>
  metricSum(after, name, labels) - metricSum(before, name, labels);

describe('/metrics after traffic', () => {
  it('counts inbound messages per channel and provider', () => {
    expect(moved('baraza_inbound_messages_total', { channel: 'ussd', provider: 'africastalking' })).toBe(2);
    expect(
      moved('baraza_inbound_messages_total', { channel: 'sms', provider: 'africastalking' }),
    ).toBeGreaterThanOrEqual(2);
    expect(moved('baraza_inbound_messages_total', { channel: 'whatsapp', provider: 'meta' })).toBe(2);
  });

  it('counts outbound messages per channel, and sends that failed', () => {
    expect(moved('baraza_outbound_messages_total', { channel: 'sms' })).toBeGreaterThanOrEqual(2);
    expect(moved('baraza_outbound_messages_total', { channel: 'whatsapp' })).toBeGreaterThanOrEqual(1);
    expect(moved('baraza_outbound_messages_total', { kind: 'ussd-fallback' })).toBe(1);
    expect(moved('baraza_send_failures_total', { provider: 'meta', retryable: 'false' })).toBe(1);
  });

  it('times USSD responses per hop kind and counts deadline fallbacks', () => {
    expect(moved('baraza_ussd_response_seconds_count', { hop: 'menu' })).toBeGreaterThanOrEqual(4);
    expect(moved('baraza_ussd_response_seconds_count', { hop: 'question' })).toBe(2);
    expect(moved('baraza_ussd_deadline_fallbacks_total')).toBe(1);
    // The slow hop still answered within the deadline.
    expect(moved('baraza_ussd_response_seconds_bucket', { hop: 'question', le: '2' })).toBe(2);
  });

  it('observes answer confidence and counts knowledge gaps', () => {
    expect(moved('baraza_answer_confidence_count')).toBeGreaterThanOrEqual(4);
    expect(moved('baraza_knowledge_gaps_total', { channel: 'sms' })).toBeGreaterThanOrEqual(1);
  });

  it('counts duplicate deliveries, opt-outs and rejected requests', () => {
    expect(moved('baraza_dedupe_hits_total', { provider: 'meta' })).toBe(1);
    expect(moved('baraza_opt_outs_total', { channel: 'sms' })).toBe(1);
    expect(moved('baraza_rejected_requests_total')).toBeGreaterThanOrEqual(1);
  });

  it('samples queue depths at scrape time', () => {
    expect(moved('baraza_queue_depth', { queue: 'inbound', state: 'completed' })).toBeGreaterThanOrEqual(7);
    expect(moved('baraza_queue_depth', { queue: 'outbound', state: 'completed' })).toBeGreaterThanOrEqual(3);
  });
});
