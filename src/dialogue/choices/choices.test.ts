/**
 * The three clarification dialogues on a real Redis: a pick gets that entry's answer (also when the reply reaches
 * another gateway or worker, with its own in-memory state), "none of these" and an offer left to expire are
 * recorded as gaps exactly once, and a pick is kept as a pending learned example.
 */
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { parseWebhook, webhookSchema } from '../../../channels/whatsapp/payload.js';
import { MetaWhatsappSender } from '../../../channels/whatsapp/send.js';
import { fixture, GRAPH_API, GRAPH_MESSAGES_PATH, graphAccepted } from '../../../channels/whatsapp/testcases.js';
import { makeTestContext } from '../../../tests/support/context.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../../tests/support/redis.js';
import { processInbound } from '../../apps/worker/inbound.js';
import type { Answerer, AnswerRequest, AnswerResult, Choice } from '../../core/answers.js';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { PackCatalogue } from '../../knowledge/answer/catalogue.js';
import { type KnowledgeGap, listGaps } from '../../knowledge/answer/gaps.js';
import { loadPack } from '../../knowledge/packs/load.js';
import type { LoadedPack } from '../../knowledge/packs/types.js';
import { loadConfig } from '../../platform/config/index.js';
import { listLearned } from '../../platform/learned.js';
import { EmbeddedQueueBackend } from '../../platform/queue/index.js';
import { RedisStore } from '../../platform/store/index.js';
import { saveProfile } from '../../platform/subscribers.js';
import { handleMessage } from '../messaging/index.js';
import { loadUssdMenus } from '../ussd/menus.js';
import { createUssdDialogue } from '../ussd/session.js';
import { OFFER_TTL_MS, sweepOffers } from './offers.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const PHONE = '+254711000111';
const MINUTE = 60_000;

let pack: LoadedPack;
const prefixes: string[] = [];
const stores: RedisStore[] = [];

beforeAll(async () => {
  pack = (await loadPack(path.join(ROOT, 'packs', 'agri-advisory'))).pack!;
});
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const p of prefixes) await cleanupPrefix(p);
});

/**
 * The answer module's side of the contract, as a double: a question with "maize" or "mahindi" gets three entries
 * to pick from (titles in the user's language, from the real pack); anything else "don't know".
 */
function choosyAnswerer(catalogue: PackCatalogue): Answerer & { calls: AnswerRequest[] } {
  const calls: AnswerRequest[] = [];
  return {
    calls,
    catalogue,
    async answer(req): Promise<AnswerResult> {
      calls.push(req);
      const lang = /mahindi/i.test(req.question) ? 'sw' : /maïs/i.test(req.question) ? 'fr' : 'en';
      if (!/maize|mahindi|maïs/i.test(req.question))
        return { answer: "Sorry, I don't know.", lang, citations: [], confidence: 0.1, found: false };
      const choices: Choice[] = ['maize-lethal-necrosis', 'maize-streak-virus', 'maize-striga'].map((entry) => ({
        pack: 'agri-advisory',
        entry,
        title: catalogue.entry('agri-advisory', entry, lang)!.title,
      }));
      return {
        answer: 'Did you mean ...',
        lang,
        userLang: lang,
        citations: [],
        choices,
        confidence: 0.45,
        found: false,
        lowConfidence: true,
      };
    },
  };
}

/**
 * One gateway/worker instance: its own Redis connection, answerer, catalogue and queue, sharing only the Redis
 * prefix with the other instances of the same test.
 */
async function instance(prefix: string, clock: { now: number }) {
  const store = new RedisStore(testRedisUrl(), prefix);
  stores.push(store);
  if (store.client.status !== 'ready') await once(store.client, 'ready');
  const answerer = choosyAnswerer(new PackCatalogue([pack]));
  const ctx = await makeTestContext({
    store,
    answerer,
    queues: new EmbeddedQueueBackend(),
    now: () => clock.now,
    env: { SMS_MAX_SEGMENTS: '3' },
  });
  return { ctx, answerer, store };
}

async function pair() {
  const prefix = uniquePrefix('choices');
  prefixes.push(prefix);
  const clock = { now: Date.parse('2026-05-04T08:00:00Z') };
  return { a: await instance(prefix, clock), b: await instance(prefix, clock), clock };
}

let seq = 0;
function sms(text: string, from = PHONE): InboundMessage {
  seq++;
  return {
    id: `africastalking:sms:m${seq}`,
    channel: 'sms',
    provider: 'africastalking',
    from,
    text,
    providerMessageId: `m${seq}`,
    receivedAt: new Date().toISOString(),
  };
}

const outcomes = (gaps: KnowledgeGap[]) => gaps.map((g) => [g.question, g.outcome, g.offered?.length]);

describe('SMS: "Reply 1, 2 or 3"', () => {
  it('answers a pick with that entry, on another worker, and keeps the pick as a pending example', async () => {
    const { a, b } = await pair();
    const [offer] = await handleMessage(a.ctx, sms('maize'));
    expect(offer!.text).toMatch(/^Did you mean: 1\) What is maize lethal necrosis \(MLN\)\? 2\) What is maize streak/);
    expect(offer!.text).toMatch(/Reply 1, 2 or 3, or 0 if none of these\.$/);
    // The answerer was told the dialogue follows up (so the offer itself is not a gap yet).
    expect(a.answerer.calls[0]!.offerFollowUp).toBe(true);

    const [answer] = await handleMessage(b.ctx, sms('2'));
    expect(answer!.text).toMatch(/^Maize streak virus \(MSV\), spread by leafhoppers/);
    expect(answer!.text).toMatch(/Src: CIMMYT/);
    expect(b.answerer.calls).toHaveLength(0); // resolved from the shared offer, not asked again

    const pending = await listLearned(b.store, 'pending');
    expect(pending.map((x) => [x.question, x.pack, x.entry, x.lang, x.channel])).toEqual([
      ['maize', 'agri-advisory', 'maize-streak-virus', 'en', 'sms'],
    ]);
    expect(await listGaps(a.store)).toEqual([]);

    // The offer is used up: "2" again is an ordinary message.
    await handleMessage(a.ctx, sms('2'));
    expect(a.answerer.calls.map((c) => c.question)).toEqual(['maize', '2']);
  });

  it('speaks the user\'s language (sw) and records "0" as a gap, once', async () => {
    const { a, b } = await pair();
    const [offer] = await handleMessage(a.ctx, sms('mahindi'));
    expect(offer!.text).toMatch(/^Ulimaanisha: 1\) /);
    expect(offer!.text).toMatch(/Jibu 1, 2 au 3, au 0 kama si mojawapo\.$/);
    const [noted] = await handleMessage(b.ctx, sms('0'));
    expect(noted!.text).toMatch(/^Asante\. Tumeliandika swali lako/);
    const gaps = await listGaps(a.store);
    expect(outcomes(gaps)).toEqual([['mahindi', 'none-of-these', 3]]);
    expect(gaps[0]!.subscriber).toBe(a.ctx.pseudonym(PHONE));
    expect(JSON.stringify(gaps)).not.toContain(PHONE);
    expect(await sweepOffers(b.ctx)).toBe(0);
    expect(await listGaps(a.store)).toHaveLength(1);
    expect(await listLearned(a.store, 'pending')).toEqual([]);
  });

  it('puts the offer again for a number past the choices, and answers a retried job the same', async () => {
    const { a, b } = await pair();
    await handleMessage(a.ctx, sms('maize'));
    const [again] = await handleMessage(b.ctx, sms('7'));
    expect(again!.text).toMatch(/^Did you mean: 1\)/);
    const pick = sms('1');
    const [first] = await handleMessage(a.ctx, pick);
    const [retried] = await handleMessage(b.ctx, pick);
    expect(first!.text).toMatch(/MLN/);
    expect(retried).toEqual(first);
    expect((await listLearned(a.store, 'pending'))[0]!.hits).toBe(1);
  });

  it('after ten minutes a digit is an ordinary message, and the expired offer is one unanswered gap', async () => {
    const { a, b, clock } = await pair();
    await handleMessage(a.ctx, sms('maize'));
    clock.now += OFFER_TTL_MS + 1;
    const [reply] = await handleMessage(b.ctx, sms('2'));
    expect(reply!.text).toBe("Sorry, I don't know.");
    expect(b.answerer.calls.map((c) => c.question)).toEqual(['2']);
    expect(outcomes(await listGaps(a.store))).toEqual([['maize', 'unanswered', 3]]);
    // The sweep on either instance finds nothing more to record.
    expect(await sweepOffers(a.ctx)).toBe(0);
    expect(await sweepOffers(b.ctx)).toBe(0);
    expect(await listGaps(a.store)).toHaveLength(1);
    expect(await listLearned(a.store, 'pending')).toEqual([]);
  });

  it('the sweep records an offer nobody answered, once across workers; a newer offer settles the older', async () => {
    const { a, b, clock } = await pair();
    await handleMessage(a.ctx, sms('maize', '+254711000222'));
    await handleMessage(a.ctx, sms('maize', '+254711000333'));
    clock.now += 5 * MINUTE;
    await handleMessage(a.ctx, sms('maize again', '+254711000333')); // replaces the open offer: unanswered
    expect(outcomes(await listGaps(a.store))).toEqual([['maize', 'unanswered', 3]]);
    clock.now += 4 * MINUTE;
    expect(await sweepOffers(a.ctx)).toBe(0);
    clock.now += 2 * MINUTE;
    const [x, y] = await Promise.all([sweepOffers(a.ctx), sweepOffers(b.ctx)]);
    expect(x + y).toBe(1); // only +254711000222's first offer; the replacement is still young
    clock.now += 5 * MINUTE;
    expect((await sweepOffers(b.ctx)) + (await sweepOffers(a.ctx))).toBe(1);
    expect(outcomes(await listGaps(a.store))).toEqual([
      ['maize', 'unanswered', 3],
      ['maize', 'unanswered', 3],
      ['maize again', 'unanswered', 3],
    ]);
  });
});

describe('USSD: "Did you mean" screen', () => {
  async function ussdPair() {
    const p = await pair();
    const menus = loadUssdMenus();
    // Gateway A has a worker behind its queue; gateway B only serves screens.
    p.a.ctx.queues.queue<InboundMessage>('inbound').process((job) => processInbound(p.a.ctx, handleMessage, job));
    return { ...p, ussdA: createUssdDialogue(p.a.ctx, menus), ussdB: createUssdDialogue(p.b.ctx, menus) };
  }
  const hop = (sessionId: string, text: string, phone = PHONE) => ({
    provider: 'africastalking' as const,
    sessionId,
    phone,
    serviceCode: '*384*1#',
    text,
    arrivedAt: performance.now(),
  });

  it('shows the choices with "0 None of these" within the screen, and the pick on another gateway answers', async () => {
    const { a, b, ussdA, ussdB } = await ussdPair();
    await ussdA.hop(hop('S1', ''));
    await ussdA.hop(hop('S1', '1'));
    const offered = await ussdA.hop(hop('S1', '1*maize'));
    expect(offered.end).toBe(false);
    expect(offered.text.split('\n')[0]).toBe('Did you mean:');
    expect(offered.text).toMatch(/\n1 What is maize lethal necrosis \(MLN\)\?\n2 What is maize streak/);
    expect(offered.text.endsWith('\n0 None of these')).toBe(true);
    expect(offered.text.length).toBeLessThanOrEqual(a.ctx.config.ussd.maxChars);

    const picked = await ussdB.hop(hop('S1', '1*maize*2'));
    expect(picked.end).toBe(false);
    expect(picked.text).toMatch(/^Maize streak virus \(MSV\)/);
    expect(picked.text.length).toBeLessThanOrEqual(a.ctx.config.ussd.maxChars);
    expect((await listLearned(b.store, 'pending')).map((x) => [x.entry, x.channel])).toEqual([
      ['maize-streak-virus', 'ussd'],
    ]);
    // A carrier retry of the same hop gets the same screen, and learns nothing twice.
    expect((await ussdA.hop(hop('S1', '1*maize*2'))).text).toBe(picked.text);
    expect((await listLearned(b.store, 'pending'))[0]!.hits).toBe(1);
  });

  it('in French, 0 ends with thanks and records the gap; an invalid input shows the choices again', async () => {
    const { a, ussdA, ussdB } = await ussdPair();
    await saveProfile(a.store, PHONE, { lang: 'fr' });
    await ussdA.hop(hop('S2', ''));
    const offered = await ussdA.hop(hop('S2', '1*maïs'));
    expect(offered.text).toMatch(/^Vouliez-vous dire :\n1 /);
    expect(offered.text).toMatch(/\n0 Aucun de ceux-ci$/);
    const invalid = await ussdB.hop(hop('S2', '1*maïs*5'));
    expect(invalid.end).toBe(false);
    expect(invalid.text).toMatch(/1 .*\n0 Aucun de ceux-ci$/s);
    const none = await ussdB.hop(hop('S2', '1*maïs*5*0'));
    expect(none).toEqual({ text: 'Merci. Votre question est notée pour nos rédacteurs.', end: true });
    expect(outcomes(await listGaps(a.store))).toEqual([['maïs', 'none-of-these', 3]]);
  });

  it('a session dropped on the choices screen is an unanswered gap once the offer expires', async () => {
    const { a, b, clock, ussdA } = await ussdPair();
    await ussdA.hop(hop('S3', '1*maize'));
    clock.now += OFFER_TTL_MS + 1;
    expect((await sweepOffers(b.ctx)) + (await sweepOffers(a.ctx))).toBe(1);
    expect(outcomes(await listGaps(a.store))).toEqual([['maize', 'unanswered', 3]]);
  });
});

describe('WhatsApp: an interactive list, rows dispatched by id', () => {
  const WA = '+254712345678';
  const config = { token: 'EAAG-test-token', phoneNumberId: '106540352242922' };
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  /** Meta's captured list_reply webhook (channels/whatsapp/testdata), for the row the user tapped, sent now. */
  function listReply(id: string, title: string, wamid: string): InboundMessage {
    const body = JSON.parse(fixture('list_reply.json'));
    const value = body.entry[0].changes[0].value;
    expect(value.metadata.phone_number_id).toBe(config.phoneNumberId);
    Object.assign(value.messages[0], { id: wamid, timestamp: String(Math.floor(Date.now() / 1000)) });
    value.messages[0].interactive.list_reply = { id, title, description: '' };
    const items = parseWebhook(webhookSchema.parse(body), {
      receivedAt: new Date().toISOString(),
      defaultCountry: 'KE',
    });
    const msg = items.find((i) => i.kind === 'message') as { kind: 'message'; message: InboundMessage } | undefined;
    if (!msg) throw new Error('the list_reply did not parse as a message');
    return { ...msg.message, id: `meta:whatsapp:${wamid}` };
  }

  function whatsappText(text: string, wamid: string): InboundMessage {
    return {
      id: `meta:whatsapp:${wamid}`,
      channel: 'whatsapp',
      provider: 'meta',
      from: WA,
      text,
      providerMessageId: wamid,
      receivedAt: new Date().toISOString(),
    };
  }

  async function sendThroughGraph(store: RedisStore, out: OutboundMessage): Promise<Record<string, unknown>> {
    let sent: Record<string, unknown> | undefined;
    nock(GRAPH_API)
      .post(GRAPH_MESSAGES_PATH, (body) => {
        sent = body;
        return true;
      })
      .reply(200, graphAccepted());
    await saveProfile(store, WA, { lastWhatsappInboundAt: new Date().toISOString() });
    const { whatsapp } = loadConfig({
      PII_SALT: 'choices-test-salt-0123456789abcdef',
      WHATSAPP_TOKEN: config.token,
      WHATSAPP_PHONE_NUMBER_ID: config.phoneNumberId,
    });
    const sender = new MetaWhatsappSender({ whatsapp, store });
    await sender.send(out);
    return sent!;
  }

  it('sends the choices as a Graph API list; a tapped row answers on another worker; "none" is a gap', async () => {
    const { a, b } = await pair();
    const [offer] = await handleMessage(a.ctx, whatsappText('maize', 'wamid.Q1'));
    const graph = await sendThroughGraph(a.store, offer!);
    expect(graph).toMatchObject({ type: 'interactive', interactive: { type: 'list' } });
    const interactive = graph.interactive as {
      body: { text: string };
      action: { button: string; sections: { rows: { id: string; title: string; description?: string }[] }[] };
    };
    expect(interactive.body.text).toMatch(
      /^Which of these do you mean\?.*\n1\. What is maize lethal necrosis \(MLN\)\?/s,
    );
    expect(interactive.action.button).toBe('Choose');
    const rows = interactive.action.sections[0]!.rows;
    expect(rows.map((r) => r.title)).toEqual([
      'What is maize lethal…',
      'What is maize streak…',
      'How do I control striga…',
      'None of these',
    ]);
    expect(rows[1]!.description).toBe('What is maize streak virus and how do I manage it?');
    expect(rows.every((r) => /^choice:[0-9a-f]+:[0-3]$/.test(r.id) && r.title.length <= 24)).toBe(true);

    const [answer] = await handleMessage(b.ctx, listReply(rows[1]!.id, rows[1]!.title, 'wamid.T1'));
    expect(answer!.text).toMatch(/^\*What is maize streak virus and how do I manage it\?\*/);
    expect(answer!.list).toBeUndefined();
    const sent = await sendThroughGraph(b.store, answer!);
    expect(sent).toMatchObject({ type: 'text' });
    expect((await listLearned(a.store, 'pending')).map((x) => [x.entry, x.channel])).toEqual([
      ['maize-streak-virus', 'whatsapp'],
    ]);

    // A tap on the old list after the pick goes by its id, which is settled: never read as a question or command.
    const [stale] = await handleMessage(a.ctx, listReply(rows[0]!.id, rows[0]!.title, 'wamid.T2'));
    expect(stale!.text).toMatch(/no longer available/);
    expect(a.answerer.calls.map((c) => c.question)).toEqual(['maize']);

    const [second] = await handleMessage(a.ctx, whatsappText('maize', 'wamid.Q2'));
    const none = second!.list!.rows.at(-1)!;
    const [noted] = await handleMessage(b.ctx, listReply(none.id, none.title, 'wamid.T3'));
    expect(noted!.text).toMatch(/^Thank you\. We have noted your question/);
    expect(outcomes(await listGaps(a.store))).toEqual([['maize', 'none-of-these', 3]]);
  });
});
