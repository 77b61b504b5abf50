import { z } from 'zod';
import { simulatorSender } from '../../../channels/simulator/outbox.js';
import {
  InvalidPhoneNumberError,
  normaliseSubscriber,
  type OutboundMessage,
  type Provider,
} from '../../core/messages/index.js';
import { ProviderSendError, type ProviderSender } from '../../core/outbound.js';
import type { AppContext } from '../../platform/context.js';
import { type QueueJob, UnrecoverableJobError } from '../../platform/queue/index.js';
import { loadProfile, updateProfile } from '../../platform/subscribers.js';

const SENT_MARK_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const sentKey = (id: string) => `sent:${id}`;

export type SenderRegistry = Partial<Record<Provider, ProviderSender>>;

const PROVIDER_CHANNELS: Readonly<Record<Provider, readonly string[]>> = {
  africastalking: ['sms'],
  twilio: ['sms', 'whatsapp'],
  meta: ['whatsapp'],
  simulator: ['sms', 'whatsapp'],
};

/** The id prefix each kind of message gets where the gateway makes it (messaging, tips, the USSD fallback). */
const ID_PREFIX: Readonly<Record<OutboundMessage['kind'], string>> = {
  reply: 'reply:',
  system: 'reply:',
  tip: 'tip:',
  'ussd-fallback': 'ussd-fallback:',
};

const title = z.string().max(256);

/** A number as the gateway writes it: E.164 and a real number, so nothing hand-made reaches a provider. */
const recipient = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')
  .refine((to) => {
    try {
      return normaliseSubscriber(to) === to;
    } catch (err) {
      if (err instanceof InvalidPhoneNumberError) return false;
      throw err;
    }
  }, 'is not a valid phone number');

/**
 * Exactly what the gateway itself puts on the outbound queue, and nothing else: whatever reaches Redis must not
 * be able to send from the operator's sender id by writing a job. Unknown fields, a channel the provider does
 * not have, an id that does not match its kind, or a number we could not have written are refused.
 */
const outboundJobSchema = z
  .object({
    id: z.string().min(1).max(600),
    channel: z.enum(['sms', 'whatsapp']),
    provider: z.enum(['africastalking', 'twilio', 'meta', 'simulator']),
    to: recipient,
    text: z.string().max(4096),
    kind: z.enum(['reply', 'tip', 'ussd-fallback', 'system']),
    replyTo: z.string().min(1).max(600).optional(),
    linkId: z.string().max(256).optional(),
    buttons: z
      .array(z.object({ id: z.string().max(256), title }).strict())
      .max(10)
      .optional(),
    list: z
      .object({
        button: title,
        rows: z
          .array(z.object({ id: z.string().max(256), title, description: z.string().max(512).optional() }).strict())
          .max(100),
      })
      .strict()
      .optional(),
    template: z
      .object({
        name: z.string().min(1).max(512),
        lang: z.string().min(1).max(16),
        params: z.array(z.string().max(4096)).max(10),
      })
      .strict()
      .optional(),
    createdAt: z.string().datetime(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!PROVIDER_CHANNELS[m.provider].includes(m.channel)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['channel'],
        message: `${m.provider} does not send ${m.channel}`,
      });
    }
    if (!m.id.startsWith(ID_PREFIX[m.kind])) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['id'],
        message: `a ${m.kind} message id starts with ${ID_PREFIX[m.kind]}`,
      });
    }
    if (m.channel === 'sms' && m.text.length > 1600) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['text'], message: 'an SMS is at most 1,600 characters' });
    }
    if (m.replyTo !== undefined && !m.id.startsWith(`${ID_PREFIX[m.kind]}${m.replyTo}`)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['replyTo'], message: 'does not match the message id' });
    }
  });

/** Data of an outbound job, or UnrecoverableJobError naming the first bad field (never its value: it may be PII). */
function parseOutboundJob(data: unknown): OutboundMessage {
  const parsed = outboundJobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `field '${issue.path.join('.')}'` : 'job data';
    throw new UnrecoverableJobError(`malformed outbound job: ${where}: ${issue.message}`);
  }
  return parsed.data as OutboundMessage;
}

export type OutboundOutcome =
  | { status: 'sent'; providerMessageId: string; via: string }
  | { status: 'skipped'; reason: 'already-sent' | 'opted-out' };

/** Live senders for providers with credentials; everything else (or SEND_MODE=simulator) goes to the outbox. */
function pickSender(ctx: AppContext, live: SenderRegistry, msg: OutboundMessage): ProviderSender {
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
  let msg: OutboundMessage;
  try {
    msg = parseOutboundJob(job.data);
  } catch (err) {
    ctx.log.warn({ job: job.id, reason: (err as Error).message }, 'malformed outbound job: dead-lettered, never sent');
    throw err;
  }
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
