import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../src/app/context.js';
import { fieldMessages, optionalField, requiredField } from '../../src/gateway/form-fields.js';
import { acceptInbound } from '../../src/gateway/inbound.js';
import {
  type DeliveryStatus,
  type InboundMessage,
  InvalidPhoneNumberError,
  normaliseSubscriber,
  type StatusEvent,
} from '../../src/messages/index.js';
import { buildStatusEvent, recordStatus } from '../../src/messages/status.js';
import { QueueUnavailableError } from '../../src/queue/index.js';
import { StoreUnavailableError } from '../../src/store/index.js';
import { atGuard } from './guard.js';

export const AT_SMS_ROUTE = '/channels/africastalking/sms';
export const AT_DELIVERY_ROUTE = '/channels/africastalking/delivery';

/** An SMS body is at most a few concatenated parts; anything longer is not a real callback. */
const MAX_TEXT = 2000;

const required = (name: string, max = 200) => requiredField(name, max);
const optional = (name: string, max = 200) => optionalField(name, max);

/** AT inbound SMS callback (form): from, to, text, date, id, linkId? (premium), networkCode?. */
export const inboundSmsSchema = z.object({
  from: required('from', 32),
  to: required('to', 32),
  text: z.string(fieldMessages('text')).max(MAX_TEXT, `field 'text' is longer than ${MAX_TEXT} characters`),
  date: required('date', 64),
  id: required('id', 128),
  linkId: optional('linkId', 128),
  networkCode: optional('networkCode', 16),
});

/** AT delivery report (form): id, status, phoneNumber, networkCode, failureReason?, retryCount?. */
export const deliveryReportSchema = z.object({
  id: required('id', 128),
  status: required('status', 32),
  phoneNumber: required('phoneNumber', 32),
  networkCode: z.string(fieldMessages('networkCode')).max(16, `field 'networkCode' is longer than 16 characters`),
  failureReason: optional('failureReason', 64),
  retryCount: z
    .string(fieldMessages('retryCount'))
    .regex(/^\d{1,4}$/, `field 'retryCount' must be a whole number`)
    .optional(),
});

/** Africa's Talking delivery statuses, in our words (data: add a row when AT adds a status). */
export const AT_STATUS_MAP: Readonly<Record<string, DeliveryStatus>> = {
  Success: 'delivered',
  Sent: 'sent',
  Submitted: 'sent',
  Buffered: 'queued',
  Queued: 'queued',
  Rejected: 'failed',
  Failed: 'failed',
  AbsentSubscriber: 'failed',
  Expired: 'failed',
};

/** Failure reasons meaning the number refuses our messages (the subscriber opted out at the operator). */
export const AT_OPT_OUT_REASONS: readonly string[] = ['UserInBlackList', 'UserInBlacklist'];

function rejectBody(ctx: AppContext, reply: FastifyReply, route: string, reason: string, error: string) {
  ctx.metrics.rejected.inc({ route, reason });
  return reply.code(400).send({ error });
}

function formOnly(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, route: string): boolean {
  const ct = String(req.headers['content-type'] ?? '');
  if (ct.startsWith('application/x-www-form-urlencoded')) return true;
  ctx.metrics.rejected.inc({ route, reason: 'content-type' });
  reply.code(415).send({ error: 'Content-Type must be application/x-www-form-urlencoded' });
  return false;
}

/** Redis away: 503 so Africa's Talking retries the callback later (nothing acknowledged is lost). */
function unavailable(ctx: AppContext, reply: FastifyReply, route: string, err: unknown): FastifyReply {
  if (err instanceof QueueUnavailableError || err instanceof StoreUnavailableError) {
    ctx.log.warn({ route, err }, "backend unavailable; asking Africa's Talking to retry");
    return reply.code(503).header('retry-after', '5').send({ error: 'service temporarily unavailable, retry later' });
  }
  throw err;
}

/** Maps a parsed inbound SMS callback to our message model (pure; throws InvalidPhoneNumberError). */
export function toInboundMessage(
  body: z.infer<typeof inboundSmsSchema>,
  receivedAt: string,
  defaultCountry: string,
): InboundMessage {
  const msg: InboundMessage = {
    id: `africastalking:${body.id}`,
    channel: 'sms',
    provider: 'africastalking',
    from: normaliseSubscriber(body.from, defaultCountry),
    to: body.to,
    text: body.text.trim(),
    providerMessageId: body.id,
    receivedAt,
  };
  if (body.linkId) msg.linkId = body.linkId;
  return msg;
}

/** Maps a parsed delivery report (pure). Returns undefined for a status we do not know. */
export function toStatusEvent(
  body: z.infer<typeof deliveryReportSchema>,
  at: string,
  defaultCountry: string,
): StatusEvent | undefined {
  return buildStatusEvent({
    provider: 'africastalking',
    providerMessageId: body.id,
    providerStatus: body.status,
    statusMap: AT_STATUS_MAP,
    address: body.phoneNumber,
    at,
    defaultCountry,
    failureReason: body.failureReason,
    optedOut: body.failureReason !== undefined && AT_OPT_OUT_REASONS.includes(body.failureReason),
  });
}

/** Africa's Talking inbound SMS and delivery reports. */
export function registerAfricasTalkingSms(app: FastifyInstance, ctx: AppContext): void {
  const guard = atGuard(ctx);

  app.post(AT_SMS_ROUTE, { preHandler: guard }, async (req, reply) => {
    if (!formOnly(ctx, req, reply, AT_SMS_ROUTE)) return reply;
    const parsed = inboundSmsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return rejectBody(ctx, reply, AT_SMS_ROUTE, 'body', parsed.error.issues[0]!.message);
    let msg: InboundMessage;
    try {
      msg = toInboundMessage(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    } catch (err) {
      if (!(err instanceof InvalidPhoneNumberError)) throw err;
      return rejectBody(ctx, reply, AT_SMS_ROUTE, 'phone', "field 'from' is not a valid phone number");
    }
    try {
      const result = await acceptInbound(ctx, msg);
      return reply.code(200).send({ status: result });
    } catch (err) {
      return unavailable(ctx, reply, AT_SMS_ROUTE, err);
    }
  });

  app.post(AT_DELIVERY_ROUTE, { preHandler: guard }, async (req, reply) => {
    if (!formOnly(ctx, req, reply, AT_DELIVERY_ROUTE)) return reply;
    const parsed = deliveryReportSchema.safeParse(req.body ?? {});
    if (!parsed.success) return rejectBody(ctx, reply, AT_DELIVERY_ROUTE, 'body', parsed.error.issues[0]!.message);
    const event = toStatusEvent(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    if (!event) {
      return rejectBody(
        ctx,
        reply,
        AT_DELIVERY_ROUTE,
        'status',
        `field 'status' has an unknown value "${parsed.data.status.slice(0, 32)}"`,
      );
    }
    try {
      const result = await recordStatus(ctx, event, 'sms');
      return reply.code(200).send({ status: event.status, result });
    } catch (err) {
      return unavailable(ctx, reply, AT_DELIVERY_ROUTE, err);
    }
  });
}
