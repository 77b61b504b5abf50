import type { RequestHandler } from 'express';
import { z } from 'zod';
import {
  type DeliveryStatus,
  type InboundMessage,
  InvalidPhoneNumberError,
  normaliseSubscriber,
  type StatusEvent,
} from '../../src/core/messages/index.js';
import type { AppContext } from '../../src/platform/context.js';
import { buildStatusEvent, recordStatus } from '../../src/platform/delivery-status.js';
import { acceptInbound } from '../../src/platform/inbound.js';
import { BadRequestError } from '../shared/errors.js';
import { fieldMessages, optionalField, requiredField } from '../shared/form-fields.js';

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
const AT_OPT_OUT_REASONS: readonly string[] = ['UserInBlackList', 'UserInBlacklist'];

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

/** Inbound SMS callback (after the guard and the form check): queued once per AT message id. */
export function inboundSmsHandler(ctx: AppContext): RequestHandler {
  const reject = (reason: string, error: string) => new BadRequestError(error, { route: AT_SMS_ROUTE, reason });
  return async function africasTalkingSms(req, res) {
    const parsed = inboundSmsSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw reject('body', parsed.error.issues[0]!.message);
    let msg: InboundMessage;
    try {
      msg = toInboundMessage(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    } catch (err) {
      if (!(err instanceof InvalidPhoneNumberError)) throw err;
      throw reject('phone', "field 'from' is not a valid phone number");
    }
    // Redis away: the error handler answers 503 and Africa's Talking retries (nothing acknowledged is lost).
    const result = await acceptInbound(ctx, msg);
    res.status(200).json({ status: result });
  };
}

/** Delivery report callback (after the guard and the form check): the status is stored, never stepping back. */
export function deliveryReportHandler(ctx: AppContext): RequestHandler {
  const reject = (reason: string, error: string) => new BadRequestError(error, { route: AT_DELIVERY_ROUTE, reason });
  return async function africasTalkingDelivery(req, res) {
    const parsed = deliveryReportSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw reject('body', parsed.error.issues[0]!.message);
    const event = toStatusEvent(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    if (!event) throw reject('status', `field 'status' has an unknown value "${parsed.data.status.slice(0, 32)}"`);
    const result = await recordStatus(ctx, event, 'sms');
    res.status(200).json({ status: event.status, result });
  };
}
