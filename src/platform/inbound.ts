import type { InboundMessage } from '../core/messages/index.js';
import type { AppContext } from './context.js';
import { PRIORITY } from './queue/index.js';

/** Provider ids stay known for 48 h: Meta re-delivers for days, Twilio and AT retry on timeouts. */
export const DEDUPE_TTL_MS = 48 * 60 * 60 * 1000;

export const dedupeKey = (msg: Pick<InboundMessage, 'provider' | 'providerMessageId'>) =>
  `dedupe:${msg.provider}:${msg.providerMessageId}`;

export type AcceptResult = 'accepted' | 'duplicate';

/**
 * The one way a webhook hands a message to the workers. The dedupe mark is written only after the job is
 * safely queued (the job id itself dedupes concurrent deliveries), so a 503 never loses a message.
 * Throws QueueUnavailableError / StoreUnavailableError when Redis is away: the route answers 503.
 */
export async function acceptInbound(ctx: AppContext, msg: InboundMessage): Promise<AcceptResult> {
  const key = dedupeKey(msg);
  if (await ctx.store.exists(key)) {
    ctx.metrics.dedupeHits.inc({ provider: msg.provider });
    return 'duplicate';
  }
  await ctx.queues.queue<InboundMessage>('inbound').add(msg.channel, msg, {
    jobId: msg.id,
    priority: msg.channel === 'ussd' ? PRIORITY.ussd : PRIORITY.interactive,
  });
  const fresh = await ctx.store.set(key, msg.receivedAt, { ttlMs: DEDUPE_TTL_MS, onlyIfAbsent: true });
  if (!fresh) {
    ctx.metrics.dedupeHits.inc({ provider: msg.provider });
    return 'duplicate';
  }
  ctx.metrics.inbound.inc({ channel: msg.channel, provider: msg.provider });
  ctx.log.debug(
    { id: msg.id, channel: msg.channel, provider: msg.provider, sub: ctx.pseudonym(msg.from) },
    'inbound accepted',
  );
  return 'accepted';
}
