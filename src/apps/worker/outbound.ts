import { simulatorSender } from '../../../channels/simulator/outbox.js';
import type { OutboundMessage, Provider } from '../../core/messages/index.js';
import { ProviderSendError, type ProviderSender } from '../../core/outbound.js';
import type { AppContext } from '../../platform/context.js';
import { type QueueJob, UnrecoverableJobError } from '../../platform/queue/index.js';
import { loadProfile, updateProfile } from '../../platform/subscribers.js';

export const SENT_MARK_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const sentKey = (id: string) => `sent:${id}`;

export type SenderRegistry = Partial<Record<Provider, ProviderSender>>;

export type OutboundOutcome =
  | { status: 'sent'; providerMessageId: string; via: string }
  | { status: 'skipped'; reason: 'already-sent' | 'opted-out' };

/** Live senders for providers with credentials; everything else (or SEND_MODE=simulator) goes to the outbox. */
export function pickSender(ctx: AppContext, live: SenderRegistry, msg: OutboundMessage): ProviderSender {
  const sender = ctx.config.sendMode === 'live' ? live[msg.provider] : undefined;
  if (sender && (sender.canSend?.(msg) ?? true)) return sender;
  return simulatorSender(ctx.store, msg.provider, ctx.now);
}

/**
 * Sends one outbound job. The `sent:<id>` mark makes a retried or re-delivered job a no-op; opted-out numbers
 * get nothing but the opt-out confirmation itself (kind `system`).
 */
export async function processOutbound(
  ctx: AppContext,
  live: SenderRegistry,
  job: QueueJob<OutboundMessage>,
): Promise<OutboundOutcome> {
  const msg = job.data;
  if (await ctx.store.exists(sentKey(msg.id))) return { status: 'skipped', reason: 'already-sent' };
  if (msg.kind !== 'system') {
    const profile = await loadProfile(ctx.store, msg.to);
    if (profile.optedOut) return { status: 'skipped', reason: 'opted-out' };
  }
  const sender = pickSender(ctx, live, msg);
  try {
    const receipt = await sender.send(msg);
    await ctx.store.set(sentKey(msg.id), receipt.providerMessageId, { ttlMs: SENT_MARK_TTL_MS });
    ctx.metrics.outbound.inc({ channel: msg.channel, provider: sender.provider, kind: msg.kind });
    ctx.log.debug(
      { job: job.id, channel: msg.channel, via: sender.provider, kind: msg.kind, sub: ctx.pseudonym(msg.to) },
      'sent',
    );
    return { status: 'sent', providerMessageId: receipt.providerMessageId, via: sender.provider };
  } catch (err) {
    if (err instanceof ProviderSendError) {
      ctx.metrics.sendFailures.inc({ provider: msg.provider, retryable: String(err.opts.retryable) });
      ctx.log.warn(
        {
          provider: msg.provider,
          code: err.opts.code,
          status: err.opts.status,
          job: job.id,
          attempt: job.attemptsMade + 1,
        },
        `send failed: ${err.message}`,
      );
      if (err.opts.optOut) {
        await updateProfile(ctx.store, msg.to, (p) => ({ ...p, optedOut: true }));
        ctx.metrics.optOuts.inc({ channel: msg.channel });
      }
      if (!err.opts.retryable) throw new UnrecoverableJobError(err.message);
    } else {
      ctx.metrics.sendFailures.inc({ provider: msg.provider, retryable: 'true' });
    }
    throw err;
  }
}
