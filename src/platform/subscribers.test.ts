import { describe, expect, it } from '@jest/globals';
import { makeTestContext, tableAnswerer } from '../../tests/support/context.js';
import type { InboundMessage } from '../core/messages/index.js';
import { handleMessage } from '../dialogue/messaging/index.js';
import { MemoryStore } from './store/index.js';
import { loadProfile, PROFILE_TTL_MS, TRANSIENT_PROFILE_TTL_MS, updateProfile } from './subscribers.js';

const DAY = 24 * 60 * 60 * 1000;
const ASKER = '+254712000001';
const CHOOSER = '+254712000002';
const QUITTER = '+254712000003';

describe('profiles only for subscribers who act (issue 14, finding 7)', () => {
  it('finding 7: a number that only wrote in is forgotten after a day; an opt-out or a chosen language is kept', async () => {
    let now = Date.parse('2026-02-01T08:00:00Z');
    const store = new MemoryStore(() => now);
    // What the WhatsApp route writes for every message: the 24-hour window, nothing the subscriber chose.
    await updateProfile(store, ASKER, (p) => ({ ...p, lastWhatsappInboundAt: new Date(now).toISOString() }));
    await updateProfile(store, CHOOSER, (p) => ({ ...p, lang: 'sw' }));
    await updateProfile(store, QUITTER, (p) => ({ ...p, optedOut: true }));
    now += TRANSIENT_PROFILE_TTL_MS + 1;
    expect(await loadProfile(store, ASKER)).toEqual({});
    now += PROFILE_TTL_MS - 2 * DAY;
    expect((await loadProfile(store, CHOOSER)).lang).toBe('sw');
    expect((await loadProfile(store, QUITTER)).optedOut).toBe(true);
  });

  it('finding 7: a language read from a question is remembered a day, one chosen by keyword for good', async () => {
    let now = Date.parse('2026-02-01T08:00:00Z');
    const store = new MemoryStore(() => now);
    const answerer = tableAnswerer({ mahindi: 'Panda mahindi mwezi Machi.' });
    const swahili = {
      ...answerer,
      answer: async (req: Parameters<typeof answerer.answer>[0]) => ({
        ...(await answerer.answer(req)),
        userLang: 'sw',
      }),
    };
    const ctx = await makeTestContext({ store, answerer: swahili, now: () => now });
    let seq = 0;
    const sms = (from: string, text: string): InboundMessage => ({
      id: `africastalking:sms:${++seq}`,
      channel: 'sms',
      provider: 'africastalking',
      from,
      text,
      providerMessageId: String(seq),
      receivedAt: new Date(now).toISOString(),
    });
    await handleMessage(ctx, sms(ASKER, 'nipande mahindi lini?'));
    expect(await loadProfile(store, ASKER)).toMatchObject({ lang: 'sw', langDetected: true });
    await handleMessage(ctx, sms(CHOOSER, 'nipande mahindi lini?'));
    // Choosing the very language that was detected makes it a choice.
    await handleMessage(ctx, sms(CHOOSER, 'LUGHA kiswahili'));
    expect(await loadProfile(store, CHOOSER)).toEqual({ lang: 'sw' });
    now += 2 * DAY;
    expect(await loadProfile(store, ASKER)).toEqual({});
    expect(await loadProfile(store, CHOOSER)).toEqual({ lang: 'sw' });
    await ctx.queues.close();
  });
});
