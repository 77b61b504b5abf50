/**
 * Runs traffic on every channel through the whole product with every log line captured, including error paths
 * that tend to leak (provider errors quoting the number, bad signatures, wrong admin passwords), then checks
 * that no phone number used and no secret configured appears anywhere in the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { simulatorSender } from '../../channels/simulator/outbox.js';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError } from '../../src/core/outbound.js';
import { createLogger, pseudonymiser } from '../../src/platform/log/index.js';
import { type RunningGateway, startGateway, waitFor } from '../e2e/gateway.js';
import { LogCapture } from '../support/context.js';
import { outbox, sendSms, sendWhatsapp, ussdHop } from './traffic.js';

const SECRETS = {
  WHATSAPP_APP_SECRET: 'wa-app-secret-Q7vX2mLp9',
  WHATSAPP_VERIFY_TOKEN: 'wa-verify-token-K3nR8sT1',
  AT_WEBHOOK_TOKEN: 'at-webhook-token-Z5cY4hB6',
  ADMIN_USER: 'ops-admin-H2',
  ADMIN_PASSWORD: 'admin-password-W9dF3jQ8',
  PII_SALT: 'pii-salt-N4gU7eA0',
};
/** Subscriber numbers of this run; each is also searched for without `+` and in national form. */
const NUMBERS = {
  ussd: '+254700000501',
  sms: '+254700000502',
  smsQuestionWithNumber: '+254700000503',
  stop: '+254700000504',
  wa: '+254700000505',
  refused: '+254700000509',
};
const OWN_NUMBER_IN_TEXT = '0722 000 577';

const forms = (e164: string) => [e164, e164.slice(1), `0${e164.slice(4)}`, e164.slice(4)];

let gw: RunningGateway;
const capture = new LogCapture();

beforeAll(async () => {
  const pseudonym = pseudonymiser(SECRETS.PII_SALT);
  gw = await startGateway({
    env: { ...SECRETS, LOG_LEVEL: 'trace' },
    log: createLogger({ level: 'trace', pseudonym }, capture),
    senders: (rt) => {
      const outboxSender = simulatorSender(rt.store, 'meta');
      return {
        meta: {
          provider: 'meta' as const,
          async send(msg: OutboundMessage) {
            // Providers quote the number back in their errors; that text reaches the logs.
            if (msg.to === NUMBERS.refused) {
              throw new ProviderSendError(`(#131026) Message undeliverable to ${msg.to}`, {
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
  const token = SECRETS.AT_WEBHOOK_TOKEN;
  const sid = `ATUid_logs_${Date.now()}`;
  await ussdHop(gw.url, { sessionId: sid, phone: NUMBERS.ussd, text: '', token });
  await ussdHop(gw.url, { sessionId: sid, phone: NUMBERS.ussd, text: '1', token });
  await ussdHop(gw.url, { sessionId: sid, phone: NUMBERS.ussd, text: '1*how do I dry maize', token });
  await ussdHop(gw.url, { sessionId: `${sid}_nt`, phone: NUMBERS.ussd, text: '' }); // no token: 403
  await ussdHop(gw.url, { sessionId: `${sid}_bad`, phone: 'not-a-number', text: '', token }); // 400

  await sendSms(gw.url, { from: NUMBERS.sms, text: 'how do I store beans?', token });
  await sendSms(gw.url, {
    from: NUMBERS.smsQuestionWithNumber,
    text: `call me on ${OWN_NUMBER_IN_TEXT} about maize prices`,
    token,
  });
  await sendSms(gw.url, { from: NUMBERS.stop, text: 'STOP', token });
  await sendSms(gw.url, { from: NUMBERS.sms, text: 'hello', token: 'wrong-token' });

  await sendWhatsapp(gw.url, {
    from: NUMBERS.wa,
    secret: SECRETS.WHATSAPP_APP_SECRET,
    message: { type: 'text', text: 'hi' },
  });
  await sendWhatsapp(gw.url, {
    from: NUMBERS.refused,
    secret: SECRETS.WHATSAPP_APP_SECRET,
    message: { type: 'text', text: 'when do I plant beans?' },
  });
  await sendWhatsapp(gw.url, { from: NUMBERS.wa, secret: 'not-the-secret', message: { type: 'text', text: 'forged' } }); // 403
  await fetch(
    `${gw.url}/channels/whatsapp?hub.mode=subscribe&hub.verify_token=${SECRETS.WHATSAPP_VERIFY_TOKEN}&hub.challenge=42`,
  );

  const basic = (p: string) => `Basic ${Buffer.from(`${SECRETS.ADMIN_USER}:${p}`).toString('base64')}`;
  await fetch(`${gw.url}/admin/gaps`, { headers: { authorization: basic('guess-1') } });
  await fetch(`${gw.url}/admin/gaps`, { headers: { authorization: basic(SECRETS.ADMIN_PASSWORD) } });

  await waitFor('SMS reply', async () => ((await outbox(gw.rt.store, NUMBERS.sms)).length ? true : undefined));
  await waitFor('WhatsApp reply', async () => ((await outbox(gw.rt.store, NUMBERS.wa)).length ? true : undefined));
  await waitFor('the refused send to be logged', async () => (capture.text().includes('131026') ? true : undefined));
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

describe('logs of a run', () => {
  it('were written, including the events that concern one subscriber (so the checks below mean something)', () => {
    const msgs = capture.lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
    expect(msgs.some((m) => m.includes('opted out'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('send failed'))).toBe(true);
  });

  it('never contain a subscriber number in any form', () => {
    const text = capture.text();
    for (const n of Object.values(NUMBERS)) {
      for (const form of forms(n)) expect(text).not.toContain(form);
    }
    expect(text).not.toContain(OWN_NUMBER_IN_TEXT);
    expect(text).not.toContain(OWN_NUMBER_IN_TEXT.replace(/ /g, ''));
  });

  it('name subscribers by pseudonym instead, where they name them at all', () => {
    const pseudonym = pseudonymiser(SECRETS.PII_SALT);
    expect(capture.text()).toContain(pseudonym(NUMBERS.refused));
  });

  it('never contain a secret', () => {
    const text = capture.text();
    for (const [name, value] of Object.entries(SECRETS)) {
      if (name === 'ADMIN_USER') continue; // a user name is not a secret
      expect({ name, leaked: text.includes(value) }).toEqual({ name, leaked: false });
    }
    expect(text).not.toContain('guess-1');
  });

  it('are JSON lines a log shipper can parse', () => {
    for (const line of capture.text().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });
});
