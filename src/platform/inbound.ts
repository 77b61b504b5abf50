import {
  type InboundMessage,
  inboundMessageId,
  MAX_PROVIDER_ID_LENGTH,
  olderThanReplayWindow,
  replayWindow,
} from '../core/messages/index.js';
import type { AppContext } from './context.js';
import { PRIORITY } from './queue/index.js';

/**
 * The gateway-wide id of a message: `<provider>:<channel>:<providerMessageId>`. A USSD question has no provider
 * message id; its id is formed by the USSD route (`africastalking:ussd:<session>:<hop>`), already under the
 * channel, and the route waits on it, so it is kept.
 */
export function gatewayMessageId(
  msg: Pick<InboundMessage, 'id' | 'provider' | 'channel' | 'providerMessageId'>,
): string {
  if (msg.channel === 'ussd' && msg.id.startsWith(`${msg.provider}:ussd:`)) return msg.id;
  return inboundMessageId(msg.provider, msg.channel, msg.providerMessageId);
}

/** Dedupe marks are per provider, channel and id, as long as the provider's replay window (see replayWindow). */
const dedupeKey = (msg: Pick<InboundMessage, 'id' | 'provider' | 'channel' | 'providerMessageId'>) =>
  `dedupe:${gatewayMessageId(msg)}`;

/** `dropped`: a replay older than the provider's retry window, or an id too long to be the provider's. */
export type AcceptResult = 'accepted' | 'duplicate' | 'dropped';

/**
 * The one way a webhook hands a message to the workers. The dedupe mark is written only after the job is
 * safely queued (the job id itself dedupes concurrent deliveries), so a 503 never loses a message.
 * Throws QueueUnavailableError / StoreUnavailableError when Redis is away: the route answers 503.
 */
export async function acceptInbound(ctx: AppContext, given: InboundMessage): Promise<AcceptResult> {
  if (given.providerMessageId.length > MAX_PROVIDER_ID_LENGTH) {
    ctx.log.warn({ provider: given.provider, channel: given.channel }, 'inbound message with an over-long id: dropped');
    return 'dropped';
  }
  if (olderThanReplayWindow(given.provider, given.sentAt, ctx.now())) {
    ctx.log.warn(
      { provider: given.provider, channel: given.channel, sentAt: given.sentAt, sub: ctx.pseudonym(given.from) },
      "inbound message older than the provider's retry window: a replay, dropped",
    );
    return 'dropped';
  }
  const msg = { ...given, id: gatewayMessageId(given) };
  const key = dedupeKey(msg);
  if (await ctx.store.exists(key)) {
    ctx.metrics.dedupeHits.inc({ provider: msg.provider });
    return 'duplicate';
  }
  await ctx.queues.queue<InboundMessage>('inbound').add(msg.channel, msg, {
    jobId: msg.id,
    priority: msg.channel === 'ussd' ? PRIORITY.ussd : PRIORITY.interactive,
  });
  const fresh = await ctx.store.set(key, msg.receivedAt, {
    ttlMs: replayWindow(msg.provider).dedupeTtlMs,
    onlyIfAbsent: true,
  });
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
