import { z } from 'zod';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { offerChoices } from '../../dialogue/choices/messaging.js';
import { claimDelivery, deliveryClaim, type StoredUssdAnswer, storeAnswer } from '../../dialogue/ussd/delivery.js';
import type { AppContext } from '../../platform/context.js';
import { PRIORITY, type QueueJob, UnrecoverableJobError } from '../../platform/queue/index.js';

export type InboundOutcome = (StoredUssdAnswer & { delivered: 'screen' | 'sms' }) | { replies: number };

/** Messaging (SMS/WhatsApp) handling is injected so the worker core stays channel-agnostic. */
export type MessageHandler = (ctx: AppContext, msg: InboundMessage) => Promise<OutboundMessage[]>;

async function enqueueOutbound(ctx: AppContext, messages: OutboundMessage[]): Promise<void> {
  const outbound = ctx.queues.queue<OutboundMessage>('outbound');
  for (const m of messages) {
    await outbound.add('send', m, { jobId: m.id, priority: m.kind === 'tip' ? PRIORITY.bulk : PRIORITY.interactive });
  }
}

/**
 * A USSD question: answer for the screen, then race the gateway for delivery (see ussd-delivery.ts).
 * Re-running the job (a killed worker) gives the same result and at most one SMS (deterministic outbound id).
 */
async function answerUssdQuestion(ctx: AppContext, msg: InboundMessage): Promise<InboundOutcome> {
  const started = ctx.now();
  const result = await ctx.answerer.answer({
    question: msg.text,
    channel: 'ussd',
    lang: msg.localeHint,
    deadlineMs: ctx.config.ussd.deadlineMs / 2,
    subscriber: ctx.pseudonym(msg.from),
    offerFollowUp: true,
    questionId: msg.id,
  });
  recordAnswerMetrics(ctx, msg, result.confidence);
  const top = result.citations[0];
  // The screen speaks the user's language (the answer's note says when the entry is in another one).
  const stored: StoredUssdAnswer = {
    text: result.answer,
    lang: result.userLang ?? result.lang,
    found: result.found,
    ...(result.truncated && result.found && top
      ? { full: { pack: top.pack, entry: top.entry, entryLang: result.lang } }
      : {}),
  };
  // Choices go to the screen as a "Did you mean" menu (the gateway opens the offer, src/dialogue/ussd/choices.ts).
  if (result.choices?.length)
    Object.assign(stored, { choices: result.choices, confidence: result.confidence, userLang: result.userLang });
  await storeAnswer(ctx.store, msg.id, stored);
  if (await claimDelivery(ctx.store, msg.id, 'screen')) return { ...stored, delivered: 'screen' };
  if ((await deliveryClaim(ctx.store, msg.id)) === 'screen') return { ...stored, delivered: 'screen' };
  // The gateway gave up at its deadline and promised an SMS.
  const sms = await ctx.answerer.answer({
    question: msg.text,
    channel: 'sms',
    lang: msg.localeHint,
    subscriber: ctx.pseudonym(msg.from),
    offerFollowUp: true,
    questionId: msg.id,
  });
  // Choices by SMS: an offer a reply "1".."3" answers, like any SMS one.
  const offered = sms.choices?.length ? await offerChoices(ctx, { ...msg, channel: 'sms' }, msg.text, sms) : [];
  await enqueueOutbound(ctx, [
    {
      id: `ussd-fallback:${msg.id}`,
      channel: 'sms',
      provider: msg.provider,
      to: msg.from,
      text: offered[0]?.text ?? sms.answer,
      kind: 'ussd-fallback',
      replyTo: msg.id,
      createdAt: new Date(ctx.now()).toISOString(),
    },
  ]);
  ctx.log.info({ job: msg.id, ms: ctx.now() - started }, 'USSD answer sent by SMS after the deadline');
  return { text: offered[0]?.text ?? sms.answer, lang: sms.userLang ?? sms.lang, found: sms.found, delivered: 'sms' };
}

function recordAnswerMetrics(ctx: AppContext, msg: InboundMessage, confidence: number): void {
  ctx.metrics.answerConfidence.observe({ channel: msg.channel }, confidence);
}

/**
 * What a webhook puts on the inbound queue. Anything else (a bad deploy, a hand-added job) is a poison message:
 * retrying cannot fix it, so it goes straight to the dead letters instead of failing five times.
 */
const inboundJobSchema = z
  .object({
    id: z.string().min(1).max(512),
    channel: z.enum(['ussd', 'sms', 'whatsapp']),
    provider: z.enum(['africastalking', 'twilio', 'meta', 'simulator']),
    from: z.string().regex(/^\+\d{6,15}$/, 'must be an E.164 number'),
    to: z.string().max(64).optional(),
    text: z.string().max(10_000),
    providerMessageId: z.string().min(1).max(512),
    receivedAt: z.string().min(1).max(64),
    ussdSessionId: z.string().max(256).optional(),
    localeHint: z.string().max(16).optional(),
  })
  .passthrough();

/** Data of an inbound job, or UnrecoverableJobError naming the first bad field (never its value: it may be PII). */
function parseInboundJob(data: unknown): InboundMessage {
  const parsed = inboundJobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `field '${issue.path.join('.')}'` : 'job data';
    throw new UnrecoverableJobError(`malformed inbound job: ${where}: ${issue.message}`);
  }
  return parsed.data as InboundMessage;
}

export async function processInbound(
  ctx: AppContext,
  handleMessage: MessageHandler,
  job: QueueJob<InboundMessage>,
): Promise<InboundOutcome> {
  let msg: InboundMessage;
  try {
    msg = parseInboundJob(job.data);
  } catch (err) {
    ctx.log.warn({ job: job.id, reason: (err as Error).message }, 'poison inbound job: dead-lettered without retry');
    throw err;
  }
  // Test hook (BARAZA_TEST_ANSWER_DELAY_MS): a slow answer, so a test can kill this worker mid-job.
  if (ctx.config.testing.answerDelayMs > 0) await new Promise((r) => setTimeout(r, ctx.config.testing.answerDelayMs));
  const started = ctx.now();
  const sub = ctx.pseudonym(msg.from);
  if (msg.channel === 'ussd') {
    const outcome = await answerUssdQuestion(ctx, msg);
    const delivered = 'delivered' in outcome ? outcome.delivered : undefined;
    ctx.log.debug(
      { job: job.id, channel: msg.channel, sub, delivered, ms: ctx.now() - started },
      'inbound job handled',
    );
    return outcome;
  }
  const replies = await handleMessage(ctx, msg);
  await enqueueOutbound(ctx, replies);
  ctx.log.debug(
    { job: job.id, channel: msg.channel, sub, replies: replies.length, ms: ctx.now() - started },
    'inbound job handled',
  );
  return { replies: replies.length };
}
