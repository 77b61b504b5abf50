import { afterEach, describe, expect, it } from '@jest/globals';
import { makeTestContext, tableAnswerer } from '../../../tests/support/context.js';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import type { AppContext } from '../../platform/context.js';
import { loadProfile, saveProfile } from '../../platform/subscribers.js';
import { handleMessage, messagingVocabulary, parseMessagingCommand } from './index.js';

const PHONE = '+254711082123';
let seq = 0;
let clock = Date.parse('2026-03-02T08:00:00Z');
const contexts: AppContext[] = [];

async function context(env: Record<string, string> = {}) {
  const answerer = tableAnswerer({ maize: 'Plant maize at the start of the long rains. [KALRO]' });
  const ctx = await makeTestContext({ env: { RATE_LIMIT_PER_MINUTE: '3', ...env }, answerer, now: () => clock });
  contexts.push(ctx);
  return { ctx, answerer };
}

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.queues.close();
});

function inbound(text: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  const id = `m${++seq}`;
  return {
    id: `africastalking:${id}`,
    channel: 'sms',
    provider: 'africastalking',
    from: PHONE,
    to: '40123',
    text,
    providerMessageId: id,
    receivedAt: new Date(clock).toISOString(),
    ...extra,
  };
}

const only = (out: OutboundMessage[]) => {
  expect(out).toHaveLength(1);
  return out[0]!;
};

describe('keywords (pure parsing)', () => {
  it.each([
    ['STOP', 'stop', 'en'],
    ['stop.', 'stop', 'en'],
    ['  Unsubscribe ', 'stop', 'en'],
    ['STOPALL', 'stop', 'en'],
    ['QUIT', 'stop', 'en'],
    ['Sitisha', 'stop', 'sw'],
    ['ACHA', 'stop', 'sw'],
    ['Arrêt', 'stop', 'fr'],
    ['ARRET!', 'stop', 'fr'],
    ['START', 'start', 'en'],
    ['unstop', 'start', 'en'],
    ['anza', 'start', 'sw'],
    ['Démarrer', 'start', 'fr'],
    ['HELP', 'help', 'en'],
    ['msaada', 'help', 'sw'],
    ['aide', 'help', 'fr'],
  ])('%s → %s (%s)', async (text, kind, lang) => {
    const { ctx } = await context();
    expect(parseMessagingCommand(text, messagingVocabulary(ctx.i18n))).toEqual({ kind, lang });
  });

  it.each([
    ['LANG SW', 'sw'],
    ['lang fr', 'fr'],
    ['LUGHA', 'sw'],
    ['lugha kiingereza', 'en'],
    ['LANG XX', undefined],
    ['LUGHA EN', 'en'],
    ['LANGUE FR', 'fr'],
    ['langue français', 'fr'],
    ['LANGUAGE ENGLISH', 'en'],
  ])('%s → language %s', async (text, target) => {
    const { ctx } = await context();
    const cmd = parseMessagingCommand(text, messagingVocabulary(ctx.i18n));
    expect(cmd.kind).toBe('language');
    if (cmd.kind === 'language') expect(cmd.target).toBe(target);
  });

  it.each([
    'please stop the rain from rotting my maize',
    'When do I start planting?',
    'help me with beans',
    'Lugha gani?  ya mahindi ni nini',
  ])('a sentence containing a keyword is a question: %s', async (text) => {
    const { ctx } = await context();
    expect(parseMessagingCommand(text, messagingVocabulary(ctx.i18n)).kind).toBe('question');
  });
});

describe('handleMessage', () => {
  it('answers a question with exactly one reply, the way it came, with a deterministic id', async () => {
    const { ctx, answerer } = await context();
    const msg = inbound('When should I plant maize?', { linkId: 'SampleLinkId123' });
    const out = only(await handleMessage(ctx, msg));
    expect(out).toMatchObject({
      id: `reply:${msg.id}`,
      channel: 'sms',
      provider: 'africastalking',
      to: PHONE,
      text: 'Plant maize at the start of the long rains. [KALRO]',
      kind: 'reply',
      replyTo: msg.id,
      linkId: 'SampleLinkId123',
    });
    expect(answerer.calls).toEqual([
      expect.objectContaining({ question: 'When should I plant maize?', channel: 'sms' }),
    ]);
    // The same inbound job run again gives the same outbound id (the outbound worker sends it once).
    expect(only(await handleMessage(ctx, msg)).id).toBe(out.id);
  });

  it('replies on WhatsApp through the provider the message came from', async () => {
    const { ctx } = await context();
    const msg = inbound('How do I store maize?', { id: 'twilio:SM1', provider: 'twilio', channel: 'whatsapp' });
    expect(only(await handleMessage(ctx, msg))).toMatchObject({
      channel: 'whatsapp',
      provider: 'twilio',
      kind: 'reply',
    });
  });

  it('hands WhatsApp media to the WhatsApp conversation (polite "please type")', async () => {
    const { ctx, answerer } = await context();
    const msg = inbound('', { id: 'meta:wamid.1', provider: 'meta', channel: 'whatsapp', unsupported: 'audio' });
    const out = only(await handleMessage(ctx, msg));
    expect(out.text).toBe(ctx.i18n.t('en', 'whatsapp:unsupported'));
    expect(answerer.calls).toHaveLength(0);
  });

  it('STOP opts out with one confirmation, then blocks everything but START', async () => {
    const { ctx, answerer } = await context();
    const confirm = only(await handleMessage(ctx, inbound('STOP')));
    expect(confirm).toMatchObject({ kind: 'system', text: ctx.i18n.t('en', 'messaging:optedOut') });
    expect((await loadProfile(ctx.store, PHONE)).optedOut).toBe(true);
    expect((await ctx.metrics.optOuts.get()).values[0]?.value).toBe(1);

    expect(await handleMessage(ctx, inbound('STOP'))).toEqual([]); // confirmed once only
    expect(await handleMessage(ctx, inbound('When should I plant maize?'))).toEqual([]);
    expect(await handleMessage(ctx, inbound('HELP'))).toEqual([]);
    expect(answerer.calls).toHaveLength(0);
    expect((await ctx.metrics.optOuts.get()).values[0]?.value).toBe(1);

    const back = only(await handleMessage(ctx, inbound('START')));
    expect(back).toMatchObject({ kind: 'system', text: ctx.i18n.t('en', 'messaging:optedIn') });
    expect((await loadProfile(ctx.store, PHONE)).optedOut).toBe(false);
    expect(only(await handleMessage(ctx, inbound('When should I plant maize?'))).kind).toBe('reply');
  });

  it.each([
    ['SITISHA', 'sw', 'ANZA'],
    ['Arrêt', 'fr', 'DEMARRER'],
  ])('confirms %s in its own language (%s) and re-subscribes with %s', async (stop, lang, start) => {
    const { ctx } = await context();
    expect(only(await handleMessage(ctx, inbound(stop))).text).toBe(ctx.i18n.t(lang, 'messaging:optedOut'));
    expect(only(await handleMessage(ctx, inbound(start))).text).toBe(ctx.i18n.t(lang, 'messaging:optedIn'));
  });

  it('confirms in the saved language whatever keyword was used', async () => {
    const { ctx } = await context();
    await saveProfile(ctx.store, PHONE, { lang: 'sw' });
    expect(only(await handleMessage(ctx, inbound('STOP'))).text).toBe(ctx.i18n.t('sw', 'messaging:optedOut'));
  });

  it('limits questions per minute, tells the subscriber once, and lets STOP through', async () => {
    const { ctx, answerer } = await context({ RATE_LIMIT_PER_MINUTE: '3' });
    await saveProfile(ctx.store, PHONE, { lang: 'fr' });
    clock = Date.parse('2026-03-02T09:00:05Z');
    for (let i = 0; i < 3; i++)
      expect(only(await handleMessage(ctx, inbound(`maize question ${i}`))).kind).toBe('reply');
    const notice = only(await handleMessage(ctx, inbound('maize again')));
    expect(notice.text).toBe(ctx.i18n.t('fr', 'messaging:rateLimited'));
    expect(await handleMessage(ctx, inbound('maize and again'))).toEqual([]);
    expect(await handleMessage(ctx, inbound('maize once more'))).toEqual([]);
    expect(answerer.calls).toHaveLength(3);
    // The next minute is a fresh window.
    clock = Date.parse('2026-03-02T09:01:01Z');
    expect(only(await handleMessage(ctx, inbound('maize next minute'))).kind).toBe('reply');
    // Opting out is never rate-limited.
    for (let i = 0; i < 5; i++) await handleMessage(ctx, inbound('maize flood'));
    expect(only(await handleMessage(ctx, inbound('STOP'))).text).toBe(ctx.i18n.t('fr', 'messaging:optedOut'));
  });

  it('keeps rate limits per subscriber', async () => {
    const { ctx } = await context({ RATE_LIMIT_PER_MINUTE: '1' });
    clock = Date.parse('2026-03-02T10:00:00Z');
    expect(only(await handleMessage(ctx, inbound('maize'))).kind).toBe('reply');
    expect(only(await handleMessage(ctx, inbound('maize', { from: '+254711082124' }))).kind).toBe('reply');
  });

  it('changes language on LANG SW and answers in it afterwards', async () => {
    const { ctx, answerer } = await context();
    expect(only(await handleMessage(ctx, inbound('LANG SW'))).text).toBe(ctx.i18n.t('sw', 'messaging:languageSet'));
    expect((await loadProfile(ctx.store, PHONE)).lang).toBe('sw');
    await handleMessage(ctx, inbound('Nipande mahindi lini? maize'));
    expect(answerer.calls.at(-1)?.lang).toBe('sw');
    expect(only(await handleMessage(ctx, inbound('LANGUE FR'))).text).toBe(ctx.i18n.t('fr', 'messaging:languageSet'));
    expect((await loadProfile(ctx.store, PHONE)).lang).toBe('fr');
  });

  it('explains the choices for a language it does not know', async () => {
    const { ctx } = await context();
    expect(only(await handleMessage(ctx, inbound('LANG XX'))).text).toBe(ctx.i18n.t('en', 'messaging:languageUnknown'));
    expect((await loadProfile(ctx.store, PHONE)).lang).toBeUndefined();
  });

  it.each([
    ['HELP', 'en'],
    ['MSAADA', 'sw'],
    ['AIDE', 'fr'],
  ])('%s gives the help text in %s', async (text, lang) => {
    const { ctx } = await context();
    const out = only(await handleMessage(ctx, inbound(text)));
    expect(out.text).toBe(ctx.i18n.t(lang, 'messaging:help'));
  });

  it('asks for a question when the message is empty', async () => {
    const { ctx, answerer } = await context();
    expect(only(await handleMessage(ctx, inbound('   '))).text).toBe(ctx.i18n.t('en', 'messaging:empty'));
    expect(answerer.calls).toHaveLength(0);
  });

  it('hands TIPS to the tips module', async () => {
    const { ctx, answerer } = await context();
    const out = only(await handleMessage(ctx, inbound('TIPS')));
    // No packs in this test's catalogue: the tips module says so honestly.
    expect(out.text).toBe(ctx.i18n.t('en', 'tips:noTips'));
    expect(answerer.calls).toHaveLength(0);
  });

  it('never answers USSD here (the USSD dialogue does)', async () => {
    const { ctx } = await context();
    expect(await handleMessage(ctx, inbound('1', { channel: 'ussd' }))).toEqual([]);
  });
});
