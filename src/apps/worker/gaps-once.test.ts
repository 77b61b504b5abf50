/**
 * Issue 11 part 7: a question is a knowledge gap when the answer's decision (by the pack's calibration) declines
 * or offers choices, never by a fixed confidence; and it is recorded once, however often it is answered.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { lexicalAnswerer } from '../../../tests/support/answerer.js';
import { makeTestContext } from '../../../tests/support/context.js';
import type { InboundMessage } from '../../core/messages/index.js';
import { claimDelivery } from '../../dialogue/ussd/delivery.js';
import { type BarazaAnswerer, listGaps } from '../../knowledge/answer/index.js';
import { MemoryStore } from '../../platform/store/index.js';
import { processInbound } from './inbound.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');

let store: MemoryStore;
let answerer: BarazaAnswerer;

beforeAll(async () => {
  store = new MemoryStore();
  answerer = await lexicalAnswerer([path.join(ROOT, 'packs')], store);
});
afterAll(() => answerer.close());

const gapsFor = async (question: string) => (await listGaps(store)).filter((g) => g.question === question);

describe('a right answer below 0.6 confidence is not a gap (the calibrated decision answers it)', () => {
  // Sample-pack questions whose right entry wins with a confidence between 0.5 and 0.6.
  const cases = [
    { lang: 'en', question: 'how to complain about my bank', entry: 'financial-complaints-how-to' },
    {
      lang: 'sw',
      question: 'nimeambiwa nimeshinda pikipiki kwenye promosheni, nitume 2000 ya usajili',
      entry: 'phishing-fake-prizes',
    },
    { lang: 'fr', question: "comment reconnaitre un faux agent d'assurance", entry: 'fake-insurance-sellers' },
  ];
  it.each(cases)('$lang: "$question"', async ({ lang, question, entry }) => {
    const r = await answerer.answer({ question, channel: 'sms', questionId: `low-${lang}` });
    expect(r.found).toBe(true);
    expect(r.citations[0]?.entry).toBe(entry);
    expect(r.confidence).toBeLessThan(0.6);
    expect(r.lowConfidence).toBe(false);
    expect(r.gapRecorded).toBeUndefined();
    expect(await gapsFor(question)).toEqual([]);
  });
});

describe('a gap is recorded once per question', () => {
  const unknown = [
    { lang: 'en', question: 'who won the football match yesterday evening' },
    { lang: 'sw', question: 'nani alishinda mechi ya mpira jana jioni' },
    { lang: 'fr', question: 'qui a gagné le match de football hier soir' },
  ];

  it.each(unknown)(
    '$lang: a USSD question past its deadline (answered for the screen, then again for the SMS) and its retried job: one gap',
    async ({ lang, question }) => {
      const ctx = await makeTestContext({ store, answerer });
      const msg: InboundMessage = {
        id: `africastalking:ussd:gaps-${lang}:2`,
        channel: 'ussd',
        provider: 'africastalking',
        from: '+254711000321',
        to: '*384#',
        text: question,
        providerMessageId: `ussd:gaps-${lang}:2`,
        receivedAt: new Date().toISOString(),
        ussdSessionId: `gaps-${lang}`,
      };
      // The gateway's deadline passed first: the worker answers the screen, loses the claim, answers for SMS.
      expect(await claimDelivery(store, msg.id, 'sms')).toBe(true);
      const job = { id: msg.id, name: 'inbound', data: msg, attemptsMade: 0, maxAttempts: 5 };
      const first = await processInbound(ctx, async () => [], job);
      expect(first).toMatchObject({ delivered: 'sms', found: false, lang });
      // A killed worker's job runs again.
      await processInbound(ctx, async () => [], { ...job, attemptsMade: 1 });
      const gaps = await gapsFor(question);
      expect(gaps).toHaveLength(1);
      expect(gaps[0]).toMatchObject({ lang, channel: 'ussd', found: false });
      await ctx.queues.close();
    },
  );

  it.each(unknown)('$lang: the same words asked again as a new question are a gap again', async ({ question }) => {
    const again = `${question} please`;
    for (const id of ['q-a', 'q-b']) {
      const r = await answerer.answer({ question: again, channel: 'sms', questionId: `${id}-${question.length}` });
      expect(r.gapRecorded).toBe(true);
    }
    const repeat = await answerer.answer({
      question: again,
      channel: 'whatsapp',
      questionId: `q-a-${question.length}`,
    });
    expect(repeat.found).toBe(false);
    expect(repeat.gapRecorded).toBe(false);
    expect(await gapsFor(again)).toHaveLength(2);
  });
});
