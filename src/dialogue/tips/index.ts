/**
 * SMS (and WhatsApp) tip subscriptions: `TIPS [topic]` subscribes to one tip a day drawn from pack entries
 * without repeats, delivered by a BullMQ job scheduler between 07:00 and 21:00 local time.
 */

import type { Catalogue } from '../../core/answers.js';
import type { InboundMessage, OutboundMessage, Provider } from '../../core/messages/index.js';
import { fitSms, fitWhatsapp, truncateText } from '../../core/shaping/index.js';
import { windowOpen } from '../../core/whatsapp-window.js';
import type { AppContext } from '../../platform/context.js';
import type { Translator } from '../../platform/i18n/index.js';
import { PRIORITY } from '../../platform/queue/index.js';
import { loadProfile, PROFILE_TTL_MS, type SubscriberProfile, updateProfile } from '../../platform/subscribers.js';
import { packLabel } from '../menus/pack-menus.js';
import { inDeliveryHours, localClock, timeZoneFor } from './clock.js';
import { normaliseKeyword, parseTipsCommand, resolveTopic, type TipsVocabulary, type TopicChoice } from './command.js';
import { pickNextTip, type Subscription, sentId } from './pick.js';

export const TIPS_SUBSCRIBERS_KEY = 'tips:subscribers';
/**
 * The subscriber set lives as long as a kept profile, refreshed by every subscription and every tick, so it
 * goes away with a deployment that stopped running; a member whose profile has no subscription left is
 * dropped by the tick.
 */
export const TIPS_SUBSCRIBERS_TTL_MS = PROFILE_TTL_MS;
/** Members read per SSCAN page: a tick never holds the whole set in memory. */
const TICK_PAGE_SIZE = 500;
const TIPS_SCHEDULER_ID = 'tips';
export const TIPS_TICK_JOB = 'tips-tick';
/** Every 15 minutes: a subscriber's tip arrives within a quarter of an hour of 07:00 local. */
const TIPS_TICK_EVERY_MS = 15 * 60 * 1000;
/** Where tips go when a profile predates `tipsVia`. */
const DEFAULT_VIA = { channel: 'sms', provider: 'africastalking' } as const;

const vocabularies = new WeakMap<Translator, TipsVocabulary>();
const aliasCache = new WeakMap<Translator, { signature: string; aliases: Map<string, string> }>();

const list = (s: string) => s.split(',').map(normaliseKeyword).filter(Boolean);

/** Keywords and pack aliases of every UI language, from locales/<lang>/tips.json. */
export function tipsVocabulary(i18n: Translator, catalogue: Catalogue): TipsVocabulary {
  let v = vocabularies.get(i18n);
  if (!v) {
    v = { subscribe: new Map(), stop: new Map(), packAliases: new Map() };
    for (const lang of i18n.languages) {
      if (!i18n.has(lang, 'tips:keywords.subscribe')) continue;
      for (const k of list(i18n.t(lang, 'tips:keywords.subscribe'))) if (!v.subscribe.has(k)) v.subscribe.set(k, lang);
      for (const k of list(i18n.t(lang, 'tips:keywords.stop'))) if (!v.stop.has(k)) v.stop.set(k, lang);
    }
    vocabularies.set(i18n, v);
  }
  // Aliases depend on which packs are loaded (they reload), so they are cached by the loaded pack ids: built on
  // every message they cost a third of a worker's keyword handling (i18next lookups), for the same answer.
  const ids = catalogue.packs().map((p) => p.id);
  const signature = ids.join('\n');
  const cached = aliasCache.get(i18n);
  if (cached?.signature === signature) return { ...v, packAliases: cached.aliases };
  const packAliases = new Map<string, string>();
  for (const id of ids) {
    for (const lang of i18n.languages) {
      const key = `tips:packAliases.${id}`;
      if (i18n.has(lang, key)) for (const a of list(i18n.t(lang, key))) packAliases.set(a, id);
    }
  }
  aliasCache.set(i18n, { signature, aliases: packAliases });
  return { ...v, packAliases };
}

/** A subscription as the user sees it: the pack's menu label, or the topic's, in their language. */
function subscriptionLabel(ctx: AppContext, lang: string, sub: TopicChoice): string {
  const catalogue = ctx.answerer.catalogue;
  if (sub.topic !== 'any') return catalogue.topicTitle(sub.pack, sub.topic, lang);
  const pack = catalogue.packs().find((p) => p.id === sub.pack);
  return pack ? packLabel(pack, lang) : sub.pack;
}

/** Text fitted to the channel: SMS within SMS_MAX_SEGMENTS (the tip body shortens, the footer stays). */
function fitForChannel(
  ctx: AppContext,
  channel: 'sms' | 'whatsapp',
  lang: string,
  head: string,
  body: string,
  tail: string,
): string {
  if (channel === 'whatsapp') return fitWhatsapp(`${head}${body}${tail}`);
  let budget = body.length;
  for (;;) {
    const fitted = fitSms(`${head}${truncateText(body, budget)}${tail}`, ctx.config.sms.maxSegments, lang);
    if (!fitted.truncated || budget <= 20) return fitted.text;
    budget = Math.floor(budget * 0.85);
  }
}

function replyTo(ctx: AppContext, msg: InboundMessage, lang: string, text: string): OutboundMessage[] {
  const channel = msg.channel === 'whatsapp' ? 'whatsapp' : 'sms';
  return [
    {
      id: `reply:${msg.id}`,
      channel,
      provider: msg.provider,
      to: msg.from,
      text: fitForChannel(ctx, channel, lang, '', text, ''),
      kind: 'reply',
      replyTo: msg.id,
      ...(msg.linkId ? { linkId: msg.linkId } : {}),
      createdAt: new Date(ctx.now()).toISOString(),
    },
  ];
}

/**
 * Handles `TIPS`, `TIPS <topic>`, `TIPS STOP` / `STOP TIPS` and their localised forms (locales/<lang>/tips.json).
 * Returns the confirmation, or undefined when the text is not a tips command. Call it before the STOP-family
 * check, so "STOP TIPS" ends the tips rather than every message.
 */
export async function handleTipsKeyword(
  ctx: AppContext,
  msg: InboundMessage,
  profile: SubscriberProfile,
): Promise<OutboundMessage[] | undefined> {
  // Typed text only: a WhatsApp tap is dispatched by its id (whatsapp/menus.ts), whatever its title says.
  if (msg.channel === 'ussd' || msg.interactive) return undefined;
  const catalogue = ctx.answerer.catalogue;
  const vocab = tipsVocabulary(ctx.i18n, catalogue);
  const command = parseTipsCommand(msg.text, vocab);
  if (!command) return undefined;
  const lang = profile.lang ?? command.lang;
  const t = (key: string, vars?: Record<string, unknown>) => ctx.i18n.t(lang, `tips:${key}`, vars);
  const words = { keyword: t('keyword'), stop: t('stopCommand') };

  if (command.kind === 'unsubscribe') {
    const had = (profile.tips?.length ?? 0) > 0;
    await updateProfile(ctx.store, msg.from, (p) => {
      delete p.tips;
    });
    await ctx.store.setRemove(TIPS_SUBSCRIBERS_KEY, msg.from);
    ctx.log.info({ sub: ctx.pseudonym(msg.from) }, 'tips: unsubscribed');
    return replyTo(ctx, msg, lang, t(had ? 'unsubscribed' : 'notSubscribed', words));
  }

  const packs = catalogue.packs();
  if (packs.length === 0) return replyTo(ctx, msg, lang, t('noTips'));
  // The keyword's language names the topic first ("VIDOKEZO mahindi"), then the reply's, then any other.
  const languages = [...new Set([command.lang, lang, ...ctx.i18n.languages, ...packs.flatMap((p) => p.languages)])];
  const chosen: TopicChoice[] = command.topic
    ? resolveTopic(catalogue, command.topic, vocab, languages)
    : packs.map((p) => ({ pack: p.id, topic: 'any' }));
  // "TIPS for drying maize fast" names no topic: a question that starts with the keyword, for the answerer.
  if (chosen.length === 0 && command.topic && command.topic.split(' ').length >= 3) return undefined;
  if (chosen.length === 0) {
    const options = [
      ...packs.map((p) => packLabel(p, lang)),
      ...packs.flatMap((p) => p.topics.map((topic) => catalogue.topicTitle(p.id, topic, lang))),
    ];
    return replyTo(ctx, msg, lang, t('unknownTopic', { ...words, topic: command.topic, topics: options.join(', ') }));
  }

  const since = new Date(ctx.now()).toISOString();
  const via = { channel: msg.channel === 'whatsapp' ? 'whatsapp' : 'sms', provider: msg.provider } as const;
  const updated = await updateProfile(ctx.store, msg.from, (p) => {
    let subs: Subscription[] = [...(p.tips ?? [])];
    for (const c of chosen) {
      // A whole-pack subscription covers that pack's single topics.
      if (c.topic === 'any') subs = subs.filter((s) => s.pack !== c.pack);
      else if (subs.some((s) => s.pack === c.pack && (s.topic === c.topic || s.topic === 'any'))) continue;
      subs.push({ pack: c.pack, topic: c.topic, since });
    }
    p.tips = subs;
    p.tipsVia = via;
    p.lang ??= lang;
  });
  await ctx.store.setAdd(TIPS_SUBSCRIBERS_KEY, msg.from, { ttlMs: TIPS_SUBSCRIBERS_TTL_MS });
  ctx.log.info({ sub: ctx.pseudonym(msg.from), topics: chosen.map((c) => `${c.pack}/${c.topic}`) }, 'tips: subscribed');
  const topics = (updated.tips ?? []).map((s) => subscriptionLabel(ctx, lang, s)).join(', ');
  return replyTo(ctx, msg, lang, t('subscribed', { ...words, topics }));
}

/** Starts (or replaces) the repeating tick; the worker calls it at start-up. */
export async function scheduleTips(ctx: AppContext, everyMs = TIPS_TICK_EVERY_MS): Promise<void> {
  await ctx.queues.queue('scheduled').upsertScheduler(TIPS_SCHEDULER_ID, everyMs, TIPS_TICK_JOB, {});
}

type TipSkip = 'opted-out' | 'quiet-hours' | 'already-today' | 'window-closed' | 'no-subscription';

export interface TickReport {
  sent: number;
  exhausted: number;
  skipped: Partial<Record<TipSkip, number>>;
  errors: number;
}

type TipOutcome = 'sent' | 'exhausted' | TipSkip;

function tipMessage(
  ctx: AppContext,
  phone: string,
  profile: SubscriberProfile,
  date: string,
  text: string,
  now: Date,
): OutboundMessage | 'window-closed' {
  const via: { channel: 'sms' | 'whatsapp'; provider: Provider } = profile.tipsVia ?? DEFAULT_VIA;
  const msg: OutboundMessage = {
    id: `tip:${ctx.pseudonym(phone)}:${date}`,
    channel: via.channel,
    provider: via.provider,
    to: phone,
    text,
    kind: 'tip',
    createdAt: now.toISOString(),
  };
  if (via.channel === 'whatsapp' && via.provider === 'meta' && !windowOpen(profile.lastWhatsappInboundAt, now)) {
    const { templateName, templateLang } = ctx.config.whatsapp;
    if (!templateName) return 'window-closed';
    msg.template = { name: templateName, lang: templateLang, params: [text] };
  }
  return msg;
}

async function tipFor(ctx: AppContext, phone: string, now: Date): Promise<TipOutcome> {
  const profile = await loadProfile(ctx.store, phone);
  const subs = profile.tips ?? [];
  if (subs.length === 0) {
    await ctx.store.setRemove(TIPS_SUBSCRIBERS_KEY, phone);
    return 'no-subscription';
  }
  if (profile.optedOut) return 'opted-out';
  const clock = localClock(now, timeZoneFor(phone, ctx.config.defaultCountry));
  if (!inDeliveryHours(clock)) return 'quiet-hours';
  if (profile.lastTipDate === clock.date) return 'already-today';

  const catalogue = ctx.answerer.catalogue;
  const lang = profile.lang ?? 'en';
  const t = (key: string, vars?: Record<string, unknown>) => ctx.i18n.t(lang, `tips:${key}`, vars);
  const channel = profile.tipsVia?.channel ?? DEFAULT_VIA.channel;
  const next = pickNextTip(catalogue, subs, profile.tipsSent ?? [], lang);
  const entry = next ? catalogue.entry(next.pack, next.entryId, lang) : undefined;

  let text: string;
  if (next && entry) {
    const head = `${t('tip', { topic: entry.topicTitle ?? catalogue.topicTitle(next.pack, next.topic, lang) })} `;
    const body = entry.summary ?? entry.body.replace(/\s+/g, ' ').trim();
    const source = entry.sourceShort ?? entry.source.split(/\s[-—–]\s|,|\(/)[0]!.trim();
    text = fitForChannel(ctx, channel, lang, head, body, ` [${source}] ${t('footer', { stop: t('stopCommand') })}`);
  } else {
    const topics = subs.map((s) => subscriptionLabel(ctx, lang, s)).join(', ');
    text = fitForChannel(ctx, channel, lang, '', t('exhausted', { topics, keyword: t('keyword') }), '');
  }

  const msg = tipMessage(ctx, phone, profile, clock.date, text, now);
  if (msg === 'window-closed') return 'window-closed';
  // Queue first, then remember: a tick that dies in between re-adds the same job id, which is a no-op.
  await ctx.queues.queue<OutboundMessage>('outbound').add('send', msg, { jobId: msg.id, priority: PRIORITY.bulk });
  await updateProfile(ctx.store, phone, (p) => {
    p.lastTipDate = clock.date;
    if (next && entry) p.tipsSent = [...(p.tipsSent ?? []), sentId(next.pack, next.entryId)];
    else delete p.tips;
  });
  if (!next || !entry) {
    await ctx.store.setRemove(TIPS_SUBSCRIBERS_KEY, phone);
    return 'exhausted';
  }
  return 'sent';
}

/** How many subscribers a tick handles at once. */
const TICK_CONCURRENCY = 16;

/**
 * One pass over the subscribers, a page (SSCAN) at a time: each one inside 07:00–21:00 local time who has not
 * had today's tip and has not opted out gets the next unsent entry, queued on `outbound` with the id
 * `tip:<pseudonym>:<local date>`, so running the tick twice (or meeting a subscriber twice in one scan) never
 * sends twice.
 */
export async function runTipsTick(ctx: AppContext, now: Date): Promise<TickReport> {
  const report: TickReport = { sent: 0, exhausted: 0, skipped: {}, errors: 0 };
  await ctx.store.expire(TIPS_SUBSCRIBERS_KEY, TIPS_SUBSCRIBERS_TTL_MS);
  let cursor = '0';
  do {
    const page = await ctx.store.setScan(TIPS_SUBSCRIBERS_KEY, cursor, TICK_PAGE_SIZE);
    cursor = page.cursor;
    await tipsForPage(ctx, page.members, now, report);
  } while (cursor !== '0');
  if (report.sent || report.exhausted || report.errors) ctx.log.info({ ...report }, 'tips: tick done');
  return report;
}

async function tipsForPage(ctx: AppContext, phones: string[], now: Date, report: TickReport): Promise<void> {
  for (let i = 0; i < phones.length; i += TICK_CONCURRENCY) {
    const batch = phones.slice(i, i + TICK_CONCURRENCY);
    const outcomes = await Promise.all(
      batch.map((phone) =>
        tipFor(ctx, phone, now).catch((err: unknown) => {
          ctx.log.warn({ sub: ctx.pseudonym(phone), err }, 'tips: could not prepare a tip');
          return 'error' as const;
        }),
      ),
    );
    for (const o of outcomes) {
      if (o === 'error') report.errors++;
      else if (o === 'sent') report.sent++;
      else if (o === 'exhausted') report.exhausted++;
      else report.skipped[o] = (report.skipped[o] ?? 0) + 1;
    }
  }
}
