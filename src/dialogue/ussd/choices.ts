/**
 * Choices on USSD: a `CON` screen "Did you mean:\n1 ...\n2 ...\n3 ...\n0 None of these". The screen carries the
 * offer's id (so it survives a resumed session, and leaving the screen forgets it), and the offer itself lives in the shared store (src/dialogue/choices/offers.ts),
 * so the next hop resolves on any gateway: a number shows that entry's answer, 0 records a gap and ends.
 */
import type { AnswerResult } from '../../core/answers.js';
import type { Provider } from '../../core/messages/index.js';
import { channelBudget } from '../../knowledge/answer/index.js';
import type { AppContext } from '../../platform/context.js';
import { findOffer, openOffer, settleOffer } from '../choices/offers.js';
import { digitReply, pickAnswer, ussdOfferText } from '../choices/texts.js';
import {
  answerScreen,
  continueUssd,
  newInput,
  type Screen,
  type UssdDeps,
  type UssdState,
  type UssdStep,
} from './machine.js';

/** The menu machine's answer screen, carrying the id of the offer it shows. */
type OfferScreen = Extract<Screen, { kind: 'answer' }> & { offer?: string };

/** After a question answered with choices: open the offer and show it. */
export async function showChoices(
  ctx: AppContext,
  deps: UssdDeps,
  phone: string,
  provider: Provider,
  question: string,
  result: Pick<AnswerResult, 'lang' | 'userLang' | 'choices'> & { confidence?: number },
  state: UssdState,
): Promise<UssdStep> {
  const offer = await openOffer(ctx, phone, {
    channel: 'ussd',
    provider,
    question,
    lang: result.userLang ?? result.lang,
    choices: result.choices ?? [],
    confidence: result.confidence ?? 0,
  });
  const text = ussdOfferText(offer.choices, state.lang, (k, v) => deps.t(state.lang, k, v), deps.maxChars);
  const screen: OfferScreen = { kind: 'answer', pages: [text], page: 0, back: { kind: 'main' }, offer: offer.id };
  return { state: { ...state, screen }, text, end: false, effect: undefined };
}

/**
 * The hop after a choices screen: undefined when the session shows no offer or nothing new was typed (the menu
 * machine handles it), else the next step without the offer.
 */
export async function choiceHop(
  ctx: AppContext,
  deps: UssdDeps,
  phone: string,
  hopId: string,
  state: UssdState,
  text: string,
): Promise<UssdStep | undefined> {
  const shown = state.screen as OfferScreen;
  if (shown.kind !== 'answer' || !shown.offer || text === state.lastText) return undefined;
  const input = newInput(text, state.lastText).split('*')[0] ?? '';
  const found = await findOffer(ctx, 'ussd', phone);
  // The offer is gone (expired, settled elsewhere): the screen is plain text now, "0" goes back.
  if (found.state !== 'open' || found.offer.id !== shown.offer) {
    const { offer: _gone, ...screen } = shown;
    return continueUssd({ ...state, screen }, text, deps);
  }
  const offer = found.offer;
  const n = digitReply(input);
  const s = { ...state, hops: state.hops + 1 };
  if (n === undefined || n > offer.choices.length) {
    const page = shown.pages[0] ?? '';
    const hinted = `${deps.t(state.lang, 'ussd:invalid')}\n${page}`;
    return { state: s, text: hinted.length <= deps.maxChars ? hinted : page, end: false, effect: undefined };
  }
  if (n === 0) {
    await settleOffer(ctx, phone, offer, { kind: 'none' }, hopId);
    return { state: s, text: deps.t(state.lang, 'choices:ussdNoted'), end: true, effect: undefined };
  }
  await settleOffer(ctx, phone, offer, { kind: 'pick', index: n - 1 }, hopId);
  const picked = pickAnswer(
    deps.catalogue,
    offer.choices[n - 1]!,
    offer.question,
    offer.lang,
    'ussd',
    channelBudget(ctx.config),
  );
  if (!picked) return { state: s, text: deps.t(state.lang, 'choices:gone'), end: true, effect: undefined };
  const screen = answerScreen(picked.answer, { kind: 'main' }, state.lang, deps);
  return {
    state: { ...s, screen },
    text: screen.kind === 'answer' ? (screen.pages[0] ?? '') : '',
    end: false,
    effect: undefined,
  };
}
