/**
 * Choices offered to a subscriber ("Did you mean: 1 ... 2 ... 3 ..."), remembered in the shared store so the
 * reply resolves on whichever gateway or worker it reaches. One open offer per subscriber and channel, for
 * OFFER_TTL_MS. Each offer is settled exactly once, by whoever claims it first (SET NX on its id):
 *  - a pick keeps the question as a pending example for the picked entry (src/platform/learned.ts);
 *  - "none of these", and an offer left unanswered (expired, or replaced by a newer one), is a knowledge gap.
 * An expired offer is noticed when the subscriber's next message arrives, or by the sweep the worker runs every
 * minute (sweepOffers), whichever comes first.
 */
import { randomBytes } from 'node:crypto';
import type { Choice } from '../../core/answers.js';
import type { Channel, Provider } from '../../core/messages/index.js';
import { recordGap } from '../../knowledge/answer/gaps.js';
import type { AppContext } from '../../platform/context.js';
import { recordPick } from '../../platform/learned.js';
import { getJson, setJson } from '../../platform/store/index.js';

/** How long a reply to an offer counts as a pick. */
export const OFFER_TTL_MS = 10 * 60_000;
/** How long past its expiry an offer is kept, so an unanswered one is still found and recorded. */
const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export interface Offer {
  id: string;
  channel: Channel;
  provider: Provider;
  /** The question as the user asked it (what a pick teaches, what a gap records). */
  question: string;
  /** The user's language as understood: the choices' titles are in it. */
  lang: string;
  choices: Choice[];
  confidence: number;
  /** Epoch milliseconds. */
  at: number;
  expiresAt: number;
}

export type Settlement = { kind: 'pick'; index: number } | { kind: 'none' } | { kind: 'unanswered' };
/** Who settled an offer how: `by` is the inbound message (or USSD hop) that did, so a retried job can tell. */
type SettledRecord = Settlement & { by?: string };

const offerKey = (channel: Channel, phone: string) => `choices:offer:${channel}:${phone}`;
const settledKey = (id: string) => `choices:settled:${id}`;
/** Offers not settled yet, as `<channel>|<phone>|<id>`: the sweep walks this set. */
const OPEN_KEY = 'choices:open';
const member = (channel: Channel, phone: string, id: string) => `${channel}|${phone}|${id}`;

/**
 * Remembers a new offer for this subscriber and channel. An open one it replaces was left unanswered (the user
 * asked something else) and is recorded so.
 */
export async function openOffer(
  ctx: AppContext,
  phone: string,
  o: Omit<Offer, 'id' | 'at' | 'expiresAt'>,
  ttlMs = OFFER_TTL_MS,
): Promise<Offer> {
  const previous = await getJson<Offer>(ctx.store, offerKey(o.channel, phone));
  if (previous) await settleOffer(ctx, phone, previous, { kind: 'unanswered' });
  const at = ctx.now();
  const offer: Offer = { ...o, id: randomBytes(6).toString('hex'), at, expiresAt: at + ttlMs };
  const keep = ttlMs + KEEP_AFTER_EXPIRY_MS;
  await setJson(ctx.store, offerKey(o.channel, phone), offer, { ttlMs: keep });
  await ctx.store.setAdd(OPEN_KEY, member(o.channel, phone, offer.id), { ttlMs: keep });
  return offer;
}

async function settledRecord(ctx: AppContext, id: string): Promise<SettledRecord | undefined> {
  return getJson<SettledRecord>(ctx.store, settledKey(id));
}

/**
 * Settles an offer once: true when this caller did (and recorded the pick or the gap). If recording fails the
 * claim is released, so the job's retry settles it again.
 */
export async function settleOffer(
  ctx: AppContext,
  phone: string,
  offer: Offer,
  s: Settlement,
  by?: string,
): Promise<boolean> {
  const record: SettledRecord = { ...s, ...(by ? { by } : {}) };
  const won = await setJson(ctx.store, settledKey(offer.id), record, {
    onlyIfAbsent: true,
    ttlMs: Math.max(0, offer.expiresAt - ctx.now()) + KEEP_AFTER_EXPIRY_MS,
  });
  if (!won) return false;
  try {
    if (s.kind === 'pick') {
      const choice = offer.choices[s.index];
      if (choice) {
        await recordPick(
          ctx.store,
          {
            pack: choice.pack,
            entry: choice.entry,
            lang: offer.lang,
            question: offer.question,
            channel: offer.channel,
          },
          ctx.now(),
        );
      }
    } else {
      await recordGap(ctx.store, {
        question: offer.question,
        lang: offer.lang,
        channel: offer.channel,
        subscriber: ctx.pseudonym(phone),
        confidence: offer.confidence,
        at: new Date(ctx.now()).toISOString(),
        found: false,
        ...(offer.choices[0] ? { nearest: `${offer.choices[0].pack}/${offer.choices[0].entry}` } : {}),
        offered: offer.choices.map((c) => `${c.pack}/${c.entry}`),
        outcome: s.kind === 'none' ? 'none-of-these' : 'unanswered',
      });
    }
  } catch (err) {
    await ctx.store.del(settledKey(offer.id)).catch(() => undefined);
    throw err;
  }
  await ctx.store.setRemove(OPEN_KEY, member(offer.channel, phone, offer.id));
  ctx.log.info(
    { sub: ctx.pseudonym(phone), channel: offer.channel, offer: offer.id, outcome: s.kind },
    'choices offer settled',
  );
  return true;
}

export type OfferLookup =
  | { state: 'open'; offer: Offer }
  /** Settled already: `by` tells whether it was this very message (a retried job answers the same again). */
  | { state: 'settled'; offer: Offer; settled: SettledRecord }
  | { state: 'none' };

/**
 * The subscriber's offer on this channel. An expired one is settled as unanswered on the way (the digit they
 * send now is an ordinary message).
 */
export async function findOffer(ctx: AppContext, channel: Channel, phone: string): Promise<OfferLookup> {
  const offer = await getJson<Offer>(ctx.store, offerKey(channel, phone));
  if (!offer) return { state: 'none' };
  const settled = await settledRecord(ctx, offer.id);
  if (settled) return { state: 'settled', offer, settled };
  if (ctx.now() >= offer.expiresAt) {
    await settleOffer(ctx, phone, offer, { kind: 'unanswered' });
    return { state: 'none' };
  }
  return { state: 'open', offer };
}

/**
 * Settles every offer that expired unanswered (the worker's scheduled sweep). Returns how many this call
 * settled; several workers may sweep at once, each offer still counts once.
 */
export async function sweepOffers(ctx: AppContext): Promise<number> {
  let settled = 0;
  let cursor = '0';
  do {
    const page = await ctx.store.setScan(OPEN_KEY, cursor, 200);
    cursor = page.cursor;
    for (const m of page.members) {
      const [channel, phone, id] = m.split('|') as [Channel, string, string];
      const offer = phone ? await getJson<Offer>(ctx.store, offerKey(channel, phone)) : undefined;
      // Gone, or replaced by a newer offer (which settled this one): nothing left to do.
      if (!offer || offer.id !== id || (await settledRecord(ctx, id))) {
        await ctx.store.setRemove(OPEN_KEY, m);
        continue;
      }
      if (ctx.now() >= offer.expiresAt && (await settleOffer(ctx, phone, offer, { kind: 'unanswered' }))) settled++;
    }
  } while (cursor !== '0');
  return settled;
}

const SWEEP_SCHEDULER_ID = 'choices-sweep';
export const SWEEP_JOB = 'choices-sweep';

/** Starts (or replaces) the repeating sweep; the worker calls it at start-up. */
export async function scheduleOfferSweep(ctx: AppContext, everyMs = SWEEP_EVERY_MS): Promise<void> {
  await ctx.queues.queue('scheduled').upsertScheduler(SWEEP_SCHEDULER_ID, everyMs, SWEEP_JOB, {});
}
