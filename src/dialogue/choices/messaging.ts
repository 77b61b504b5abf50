/**
 * Choices on SMS and WhatsApp. An answer with choices becomes an offer: on SMS "Did you mean: 1) ... Reply 1, 2
 * or 3", on WhatsApp an interactive list (rows `choice:<offer>:<n>`, the last one "None of these") whose body
 * numbers the entries too, so a typed digit works wherever lists are not shown. A reply "1".."3" (or a tapped
 * row) within OFFER_TTL_MS gets that entry's answer; "0" (or the "none" row) records a gap. After expiry a digit is
 * an ordinary message.
 */
import type { AnswerResult } from '../../core/answers.js';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { channelBudget } from '../../knowledge/answer/index.js';
import type { AppContext } from '../../platform/context.js';
import { uiLanguage } from '../../platform/i18n/index.js';
import { findOffer, type Offer, openOffer, type Settlement, settleOffer } from './offers.js';
import { digitReply, parseChoiceRowId, pickAnswer, smsOfferText, type T, whatsappOffer } from './texts.js';

function reply(
  ctx: AppContext,
  msg: InboundMessage,
  text: string,
  extra: Pick<OutboundMessage, 'list'> = {},
): OutboundMessage {
  return {
    // The same id as the messaging module's replies: a re-run of the inbound job sends once.
    id: `reply:${msg.id}`,
    channel: msg.channel === 'whatsapp' ? 'whatsapp' : 'sms',
    provider: msg.provider,
    to: msg.from,
    text,
    kind: 'reply',
    replyTo: msg.id,
    ...(msg.linkId ? { linkId: msg.linkId } : {}),
    ...extra,
    createdAt: new Date(ctx.now()).toISOString(),
  };
}

const translator =
  (ctx: AppContext, lang: string): T =>
  (key, vars) =>
    ctx.i18n.t(uiLanguage(lang), key, vars);

/** The offer's message: SMS text, or a WhatsApp list. */
function offerMessage(ctx: AppContext, msg: InboundMessage, offer: Offer): OutboundMessage {
  const t = translator(ctx, offer.lang);
  if (msg.channel === 'whatsapp') {
    const { text, list } = whatsappOffer(offer.id, offer.choices, t);
    return reply(ctx, msg, text, { list });
  }
  return reply(ctx, msg, smsOfferText(offer.choices, offer.lang, t, ctx.config.sms.maxSegments));
}

/** An answer with choices: remember the offer for this subscriber and put it to them. */
export async function offerChoices(
  ctx: AppContext,
  msg: InboundMessage,
  question: string,
  result: AnswerResult,
): Promise<OutboundMessage[]> {
  const offer = await openOffer(ctx, msg.from, {
    channel: msg.channel,
    provider: msg.provider,
    question,
    lang: result.userLang ?? result.lang,
    choices: result.choices ?? [],
    confidence: result.confidence,
  });
  return [offerMessage(ctx, msg, offer)];
}

/** What a settled offer says back: the picked entry's answer, or thanks for "none of these". */
function settledReply(ctx: AppContext, msg: InboundMessage, offer: Offer, s: Settlement): OutboundMessage {
  const t = translator(ctx, offer.lang);
  if (s.kind === 'pick') {
    const choice = offer.choices[s.index];
    const picked = choice
      ? pickAnswer(
          ctx.answerer.catalogue,
          choice,
          offer.question,
          offer.lang,
          msg.channel === 'whatsapp' ? 'whatsapp' : 'sms',
          channelBudget(ctx.config),
        )
      : undefined;
    return reply(ctx, msg, picked?.answer ?? t('choices:gone'));
  }
  return reply(ctx, msg, t('choices:noted'));
}

/**
 * A reply to an open offer (a digit, or a tapped `choice:` row): the replies to send, or undefined when the
 * message is not one (no open offer, or not a number), for the messaging module to handle as usual.
 */
export async function handleChoiceReply(ctx: AppContext, msg: InboundMessage): Promise<OutboundMessage[] | undefined> {
  if (msg.channel === 'ussd' || msg.unsupported || msg.location) return undefined;
  let n: number | undefined;
  let offerId: string | undefined;
  if (msg.interactive) {
    const row = parseChoiceRowId(msg.interactive.id);
    if (!row) return undefined;
    ({ n, offerId } = row);
  } else {
    n = digitReply(msg.text);
  }
  if (n === undefined) return undefined;
  const found = await findOffer(ctx, msg.channel, msg.from);
  // A stale row (an older list, or an offer that expired): its title is read as an ordinary question.
  if (found.state === 'none' || (offerId !== undefined && found.offer.id !== offerId)) return undefined;
  const { offer } = found;
  if (found.state === 'settled') {
    // This very message settled it before (a retried job): the same reply again; else it is an ordinary message.
    return found.settled.by === msg.id && found.settled.kind !== 'unanswered'
      ? [settledReply(ctx, msg, offer, found.settled)]
      : undefined;
  }
  if (n > offer.choices.length) {
    // "3" to an offer of two: put the offer again rather than answering something else.
    return [offerMessage(ctx, msg, offer)];
  }
  const s: Settlement = n === 0 ? { kind: 'none' } : { kind: 'pick', index: n - 1 };
  // Another message settled it a moment ago (two replies at once): this one is an ordinary message.
  if (!(await settleOffer(ctx, msg.from, offer, s, msg.id))) return undefined;
  return [settledReply(ctx, msg, offer, s)];
}
