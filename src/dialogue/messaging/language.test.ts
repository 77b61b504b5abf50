import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedAnswerer } from '../../../tests/support/answerer.js';
import { makeTestContext } from '../../../tests/support/context.js';
import type { InboundMessage } from '../../core/messages/index.js';
import type { AppContext } from '../../platform/context.js';
import { chooseLanguage, saveProfile } from '../../platform/subscribers.js';
import { handleMessage } from './index.js';

let ctx: AppContext;
let seq = 0;
beforeAll(async () => {
  ctx = await makeTestContext({ answerer: await sharedAnswerer() });
});
afterAll(() => ctx.queues.close());

const inbound = (from: string, text: string, channel: 'sms' | 'whatsapp'): InboundMessage => ({
  id: `africastalking:lang${++seq}`,
  channel,
  provider: channel === 'sms' ? 'africastalking' : 'meta',
  from,
  to: '40123',
  text,
  providerMessageId: `lang${seq}`,
  receivedAt: new Date().toISOString(),
});

// The saved language says one thing, the message clearly another: "I don't know" follows the message.
const cases = [
  { lang: 'en', saved: 'sw', text: 'who won the football match last night', says: /^Sorry/ },
  { lang: 'sw', saved: 'fr', text: 'nani alishinda mechi ya mpira jana usiku', says: /^Samahani/ },
  { lang: 'fr', saved: 'en', text: 'qui a gagné le match de football hier soir', says: /^Désolé/ },
] as const;

describe('SMS and WhatsApp: "I don\'t know" in the language of the message', () => {
  it.each(cases)('$lang message, $saved saved', async ({ saved, text, says }) => {
    for (const channel of ['sms', 'whatsapp'] as const) {
      const phone = `+25471109${String(++seq).padStart(4, '0')}`;
      await saveProfile(ctx.store, phone, chooseLanguage({}, saved));
      const out = await handleMessage(ctx, inbound(phone, text, channel));
      expect(out).toHaveLength(1);
      expect(out[0]!.text).toMatch(says);
    }
  });
});
