import { describe, expect, it } from '@jest/globals';
import { type MetaWebhook, parseWebhook } from './payload.js';

const receivedAt = '2026-05-10T10:00:00.000Z';
const webhook = (message: Record<string, unknown>): MetaWebhook => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '1',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550001234', phone_number_id: '1' },
            messages: [message],
          },
        },
      ],
    },
  ],
});
const text = (over: Record<string, unknown>) => ({
  from: '254712345678',
  id: 'wamid.HBgM1',
  timestamp: String(Date.parse(receivedAt) / 1000 - 60),
  type: 'text',
  text: { body: 'when do I plant beans?' },
  ...over,
});

describe('Meta webhook parsing (issue 14)', () => {
  it('finding 11: the message id carries the channel, and the provider timestamp travels with the message', () => {
    const [item] = parseWebhook(webhook(text({})), { receivedAt, defaultCountry: 'KE' });
    expect(item).toMatchObject({
      kind: 'message',
      message: {
        id: 'meta:whatsapp:wamid.HBgM1',
        providerMessageId: 'wamid.HBgM1',
        sentAt: '2026-05-10T09:59:00.000Z',
      },
    });
  });

  it('finding 7: over-long ids and texts are skipped at parse time, never stored', () => {
    for (const over of [
      { id: `wamid.${'A'.repeat(400)}` },
      { from: '2'.repeat(200) },
      { text: { body: 'x'.repeat(5000) } },
      { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'x'.repeat(300), title: 't' } } },
    ]) {
      const [item] = parseWebhook(webhook(text(over)), { receivedAt, defaultCountry: 'KE' });
      expect(item).toMatchObject({ kind: 'skipped' });
    }
  });

  it("finding 10: a message sent before Meta's 7-day retry window is skipped as a replay; six days old is kept", () => {
    const days = (n: number) => String(Date.parse(receivedAt) / 1000 - n * 24 * 3600);
    const [old] = parseWebhook(webhook(text({ timestamp: days(8) })), { receivedAt, defaultCountry: 'KE' });
    expect(old).toEqual({ kind: 'skipped', reason: "sent before Meta's retry window: a replay" });
    const [recent] = parseWebhook(webhook(text({ timestamp: days(6) })), { receivedAt, defaultCountry: 'KE' });
    expect(recent).toMatchObject({ kind: 'message' });
  });
});
