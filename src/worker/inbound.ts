import type { AppContext } from '../app/context.js';
import { claimDelivery, deliveryClaim, storeAnswer } from '../conversation/ussd-delivery.js';
import type { InboundMessage, OutboundMessage } from '../messages/index.js';
import { PRIORITY, type QueueJob } from '../queue/index.js';

export type InboundOutcome =
  | { text: string; lang: string; delivered: 'screen' | 'sms' }
  | { replies: number };

/** Messaging (SMS/WhatsApp) handling is injected so the worker core stays channel-agnostic. */
export type MessageHandler = (ctx: AppContext, msg: InboundMessage) => Promise<OutboundMessage[]>;

export async function enqueueOutbound(ctx: AppContext, messages: OutboundMessage[]): Promise<void> {
  const outbound = ctx.queues.queue<OutboundMessage>('outbound');
  for (const m of messages) {
    await outbound.add('send', m, { jobId: m.id, priority: m.kind === 'tip' ? PRIORITY.bulk : PRIORITY.interactive });
  }
}

/**
 * A USSD question: answer for the screen, then race the gateway for delivery (see ussd-delivery.ts).
 * Re-running the job (a killed worker) gives the same result and at most one SMS (deterministic outbound id).
 */
export async function answerUssdQuestion(ctx: AppContext, msg: InboundMessage): Promise<InboundOutcome> {
  const started = ctx.now();
  const result = await ctx.answerer.answer({
    question: msg.text,
    channel: 'ussd',
    lang: msg.localeHint,
    deadlineMs: ctx.config.ussd.deadlineMs / 2,
  });
  recordAnswerMetrics(ctx, msg, result.confidence);
  await storeAnswer(ctx.store, msg.id, { text: result.answer, lang: result.lang, found: result.found });
  if (await claimDelivery(ctx.store, msg.id, 'screen')) {
    return { text: result.answer, lang: result.lang, delivered: 'screen' };
  }
  if ((await deliveryClaim(ctx.store, msg.id)) === 'screen') {
    return { text: result.answer, lang: result.lang, delivered: 'screen' };
  }
  // The gateway gave up at its deadline and promised an SMS.
  const sms = await ctx.answerer.answer({ question: msg.text, channel: 'sms', lang: msg.localeHint });
  await enqueueOutbound(ctx, [
    {
      id: `ussd-fallback:${msg.id}`,
      channel: 'sms',
      provider: msg.provider,
      to: msg.from,
      text: sms.answer,
      kind: 'ussd-fallback',
      replyTo: msg.id,
      createdAt: new Date(ctx.now()).toISOString(),
    },
  ]);
  ctx.log.info({ job: msg.id, ms: ctx.now() - started }, 'USSD answer sent by SMS after the deadline');
  return { text: sms.answer, lang: sms.lang, delivered: 'sms' };
}

function recordAnswerMetrics(ctx: AppContext, msg: InboundMessage, confidence: number): void {
  ctx.metrics.answerConfidence.observe({ channel: msg.channel }, confidence);
}

export async function processInbound(
  ctx: AppContext,
  handleMessage: MessageHandler,
  job: QueueJob<InboundMessage>,
): Promise<InboundOutcome> {
  const msg = job.data;
  if (msg.channel === 'ussd') return answerUssdQuestion(ctx, msg);
  const replies = await handleMessage(ctx, msg);
  await enqueueOutbound(ctx, replies);
  return { replies: replies.length };
}
