/**
 * SMS and WhatsApp text turns: opt-out and opt-in keywords, the per-subscriber rate limit, language and help
 * keywords, tip subscriptions, WhatsApp menus, and otherwise a question for the answer module.
 * Keywords live in locales/<lang>/messaging.json (comma-separated), so a new language brings its own.
 */

import type { InboundMessage, OutboundKind, OutboundMessage } from '../../core/messages/index.js';
import type { AppContext } from '../../platform/context.js';
import { type Translator, UI_LANGUAGES, uiLanguage } from '../../platform/i18n/index.js';
import { chooseLanguage, loadProfile, type SubscriberProfile, updateProfile } from '../../platform/subscribers.js';
import { handleChoiceReply, offerChoices } from '../choices/messaging.js';
import { handleTipsKeyword } from '../tips/index.js';
import { handleWhatsappSpecial, handleWhatsappTap } from '../whatsapp/menus.js';

type KeywordKind = 'stop' | 'start' | 'help' | 'language';

export interface MessagingVocabulary {
  /** Normalised keyword → its kind and the language it belongs to. */
  keywords: Map<string, { kind: KeywordKind; lang: string }>;
  /** Normalised language name or code ("sw", "kiswahili", "francais") → UI language. */
  languageNames: Map<string, string>;
}

export type MessagingCommand =
  | { kind: 'stop' | 'start' | 'help'; lang: string }
  | { kind: 'language'; lang: string; target?: string; unknown?: string }
  | { kind: 'empty' }
  | { kind: 'question'; text: string };

/** Upper/lower case, accents and punctuation do not matter: "Arrêt!" and "ARRET" are the same keyword. */
function normaliseKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const list = (s: string) => s.split(',').map(normaliseKeyword).filter(Boolean);
const vocabularies = new WeakMap<Translator, MessagingVocabulary>();

/** Every UI language's keywords: a Swahili speaker's SITISHA works whatever language the profile says. */
export function messagingVocabulary(i18n: Translator): MessagingVocabulary {
  const cached = vocabularies.get(i18n);
  if (cached) return cached;
  const v: MessagingVocabulary = { keywords: new Map(), languageNames: new Map() };
  const kinds: KeywordKind[] = ['stop', 'start', 'help', 'language'];
  // English first so a word shared by several lists (STOP) keeps its English reading.
  const languages = [...new Set(['en', ...i18n.languages])];
  for (const lang of languages) {
    for (const kind of kinds) {
      const key = `messaging:keywords.${kind}`;
      if (!i18n.has(lang, key)) continue;
      for (const k of list(i18n.t(lang, key))) if (!v.keywords.has(k)) v.keywords.set(k, { kind, lang });
    }
    if (i18n.has(lang, 'messaging:languageNames')) {
      for (const n of list(i18n.t(lang, 'messaging:languageNames')))
        if (!v.languageNames.has(n)) v.languageNames.set(n, lang);
    }
  }
  vocabularies.set(i18n, v);
  return v;
}

/** What a text message asks for (pure). Keywords must be the whole message; anything longer is a question. */
export function parseMessagingCommand(text: string, vocab: MessagingVocabulary): MessagingCommand {
  const words = normaliseKeyword(text).split(' ').filter(Boolean);
  if (words.length === 0) return { kind: 'empty' };
  const first = vocab.keywords.get(words[0]!);
  if (first?.kind === 'language' && words.length <= 2) {
    if (words.length === 1) return { kind: 'language', lang: first.lang, target: first.lang };
    const target = vocab.languageNames.get(words[1]!);
    return target
      ? { kind: 'language', lang: first.lang, target }
      : { kind: 'language', lang: first.lang, unknown: words[1] };
  }
  if (first && first.kind !== 'language' && words.length === 1) return { kind: first.kind, lang: first.lang };
  return { kind: 'question', text: text.trim() };
}

/** Fixed window of one minute per subscriber, counted in the shared store (every worker sees the same count). */
const RATE_WINDOW_MS = 60_000;
const rateKey = (phone: string, window: number) => `ratelimit:messages:${phone}:${window}`;

/**
 * 'ok', 'notify' (first message over the limit in this window: tell them once) or 'drop' (silently). USSD
 * questions count against the same budget (src/dialogue/ussd/session.ts).
 */
export async function checkRateLimit(ctx: AppContext, phone: string): Promise<'ok' | 'notify' | 'drop'> {
  const limit = ctx.config.limits.questionsPerMinute;
  const window = Math.floor(ctx.now() / RATE_WINDOW_MS);
  const count = await ctx.store.incr(rateKey(phone, window), RATE_WINDOW_MS + 5_000);
  if (count <= limit) return 'ok';
  return count === limit + 1 ? 'notify' : 'drop';
}

function reply(ctx: AppContext, msg: InboundMessage, text: string, kind: OutboundKind): OutboundMessage {
  const out: OutboundMessage = {
    // Deterministic: a re-run of the inbound job produces the same id, and the outbound worker sends it once.
    id: `reply:${msg.id}`,
    channel: msg.channel === 'whatsapp' ? 'whatsapp' : 'sms',
    provider: msg.provider,
    to: msg.from,
    text,
    kind,
    replyTo: msg.id,
    createdAt: new Date(ctx.now()).toISOString(),
  };
  if (msg.linkId) out.linkId = msg.linkId;
  return out;
}

/** The language to talk to this subscriber in: saved choice, then the keyword's language, then the hint. */
function replyLanguage(profile: SubscriberProfile, msg: InboundMessage, keywordLang?: string): string {
  return uiLanguage(profile.lang ?? keywordLang ?? msg.localeHint);
}

/**
 * One inbound SMS or WhatsApp message → the replies to send (usually one, none for an opted-out number).
 * Never throws for user input; Redis trouble surfaces as StoreUnavailableError and the job is retried.
 */
export async function handleMessage(ctx: AppContext, msg: InboundMessage): Promise<OutboundMessage[]> {
  if (msg.channel === 'ussd') return [];
  const t = (lang: string, key: string, vars?: Record<string, unknown>) => ctx.i18n.t(lang, `messaging:${key}`, vars);
  const sub = ctx.pseudonym(msg.from);
  const profile = await loadProfile(ctx.store, msg.from);
  const command =
    msg.interactive || msg.unsupported || msg.location
      ? undefined
      : parseMessagingCommand(msg.text, messagingVocabulary(ctx.i18n));

  // Opting out and back in always works, and is never rate-limited.
  if (command?.kind === 'stop') {
    if (profile.optedOut) return []; // confirm once
    await updateProfile(ctx.store, msg.from, (p) => ({ ...p, optedOut: true }));
    ctx.metrics.optOuts.inc({ channel: msg.channel });
    ctx.log.info({ sub, channel: msg.channel }, 'subscriber opted out');
    // kind 'system': the one message an opted-out number still gets.
    return [reply(ctx, msg, t(replyLanguage(profile, msg, command.lang), 'optedOut'), 'system')];
  }
  if (profile.optedOut) {
    if (command?.kind !== 'start') return [];
    await updateProfile(ctx.store, msg.from, (p) => ({ ...p, optedOut: false }));
    ctx.log.info({ sub, channel: msg.channel }, 'subscriber opted back in');
    return [reply(ctx, msg, t(replyLanguage(profile, msg, command.lang), 'optedIn'), 'system')];
  }

  const limit = await checkRateLimit(ctx, msg.from);
  if (limit !== 'ok') {
    ctx.metrics.rejected.inc({ route: `messaging:${msg.channel}`, reason: 'subscriber-rate-limit' });
    if (limit === 'drop') return [];
    ctx.log.info({ sub, channel: msg.channel }, 'subscriber over the message rate limit; told once this minute');
    return [reply(ctx, msg, t(replyLanguage(profile, msg), 'rateLimited'), 'system')];
  }

  // "2" (or a tapped row) answering choices offered a moment ago, on whichever worker it lands.
  const picked = await handleChoiceReply(ctx, msg);
  if (picked) return picked;

  // A tap on a button or list row goes by its id, before any keyword: its title is never a command.
  if (msg.channel === 'whatsapp' && msg.interactive) return handleWhatsappTap(ctx, msg);

  const tips = await handleTipsKeyword(ctx, msg, profile);
  if (tips) return tips;

  if (msg.channel === 'whatsapp') {
    const special = await handleWhatsappSpecial(ctx, msg);
    if (special) return special;
  }

  switch (command?.kind) {
    case 'start':
    case 'help':
      return [reply(ctx, msg, t(replyLanguage(profile, msg, command.lang), 'help'), 'system')];
    case 'empty':
      return [reply(ctx, msg, t(replyLanguage(profile, msg), 'empty'), 'system')];
    case 'language': {
      if (!command.target || !(UI_LANGUAGES as readonly string[]).includes(command.target)) {
        return [reply(ctx, msg, t(replyLanguage(profile, msg, command.lang), 'languageUnknown'), 'system')];
      }
      const lang = command.target;
      await updateProfile(ctx.store, msg.from, (p) => chooseLanguage(p, lang));
      return [reply(ctx, msg, t(lang, 'languageSet'), 'system')];
    }
    default:
      break;
  }

  const question = msg.text.trim();
  // An MMS photo or a location on SMS, or a WhatsApp tap nobody claimed: nothing to answer, ask for words.
  if (!question) return [reply(ctx, msg, t(replyLanguage(profile, msg), 'empty'), 'system')];
  const result = await ctx.answerer.answer({
    question,
    channel: msg.channel,
    lang: profile.lang ?? msg.localeHint,
    subscriber: sub,
    offerFollowUp: true,
    questionId: msg.id,
  });
  ctx.metrics.answerConfidence.observe({ channel: msg.channel }, result.confidence);
  const understood = result.userLang;
  if (!profile.lang && understood && (UI_LANGUAGES as readonly string[]).includes(understood)) {
    // Remember the language they wrote in, so confirmations and tips come in it too; detected, not chosen, so
    // it alone keeps the profile only a day.
    await updateProfile(ctx.store, msg.from, (p) => (p.lang ? p : { ...p, lang: understood, langDetected: true }));
  }
  if (result.choices?.length) return offerChoices(ctx, msg, question, result);
  return [reply(ctx, msg, result.answer, 'reply')];
}
