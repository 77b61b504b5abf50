/**
 * "Full answer by SMS": the last page of a USSD answer the screens cut short offers the whole entry as one
 * SMS. Choosing it queues that SMS once per question, however often the hop is retried or the choice repeated.
 */
import type { OutboundMessage, Provider } from '../../core/messages/index.js';
import { composeFullSms } from '../../knowledge/answer/compose.js';
import type { AppContext } from '../../platform/context.js';
import { PRIORITY } from '../../platform/queue/index.js';

/** The answer a cut USSD answer offers in full: its entry, and the question (inbound job) it answered. */
export interface FullAnswerRef {
  /** The inbound job of the question: one SMS per question. */
  job: string;
  pack: string;
  entry: string;
  /** The language of the entry shown. */
  entryLang: string;
  /** The language of the screen (its navigation and this offer). */
  lang: string;
}

/** The key the offer is chosen with (never "1": a user paging on with "1" must not send an SMS by mistake). */
export const FULL_ANSWER_KEY = '2';

const CLAIM_TTL_MS = 24 * 60 * 60 * 1000;
const claimKey = (job: string) => `ussd:full-sms:${job}`;
/**
 * Queues the full answer as one SMS to `to`, once per question: the store's claim makes a retried hop (or the
 * offer chosen twice) a no-op. 'missing' when the entry is gone (packs reloaded since the answer).
 */
export async function sendFullAnswer(
  ctx: AppContext,
  to: string,
  provider: Provider,
  ref: FullAnswerRef,
): Promise<'queued' | 'already' | 'missing'> {
  const entry = ctx.answerer.catalogue.entry(ref.pack, ref.entry, ref.entryLang);
  if (!entry) return 'missing';
  if (!(await ctx.store.set(claimKey(ref.job), '1', { ttlMs: CLAIM_TTL_MS, onlyIfAbsent: true }))) return 'already';
  const { text } = composeFullSms({ ...entry, sourceShort: entry.sourceShort ?? entry.source }, ref.lang, {
    smsMaxSegments: ctx.config.sms.maxSegments,
    ussdMaxChars: ctx.config.ussd.maxChars,
    ussdMaxScreens: 0,
  });
  const msg: OutboundMessage = {
    // Deterministic, like every reply: the outbound worker sends an id once.
    id: `reply:${ref.job}:full`,
    channel: 'sms',
    provider,
    to,
    text,
    kind: 'reply',
    replyTo: ref.job,
    createdAt: new Date(ctx.now()).toISOString(),
  };
  try {
    await ctx.queues
      .queue<OutboundMessage>('outbound')
      .add('send', msg, { jobId: msg.id, priority: PRIORITY.interactive });
  } catch (err) {
    // Not queued: give the claim back, so choosing the offer again can still send it.
    await ctx.store.del(claimKey(ref.job)).catch(() => undefined);
    throw err;
  }
  return 'queued';
}
