import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
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

export const TWILIO_MESSAGING_ROUTE = '/channels/twilio/messaging';
export const TWILIO_STATUS_ROUTE = '/channels/twilio/status';
export const SIGNATURE_HEADER = 'x-twilio-signature';
/** The webhook is acknowledged at once; the reply goes through the REST API from the outbound queue. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Twilio: STOP (and the rest of its opt-out family) was sent to this number: the recipient unsubscribed. */
export const TWILIO_OPT_OUT_CODE = '21610';

const required = (name: string, max = 64) => requiredField(name, max);
const optional = (name: string, max = 256) => optionalField(name, max);

/** Twilio incoming message webhook (SMS and WhatsApp). Other fields Twilio sends pass through unread. */
export const incomingSchema = z.object({
  MessageSid: required('MessageSid'),
  AccountSid: required('AccountSid'),
  From: required('From'),
  To: required('To'),
  Body: z.string(fieldMessages('Body')).max(1600, `field 'Body' is longer than 1600 characters`),
  NumMedia: z
    .string(fieldMessages('NumMedia'))
    .regex(/^\d{1,2}$/, `field 'NumMedia' must be a whole number`)
    .optional(),
  MediaContentType0: optional('MediaContentType0', 128),
  MessageType: optional('MessageType', 32),
  ButtonPayload: optional('ButtonPayload', 256),
  ButtonText: optional('ButtonText', 256),
  Latitude: optional('Latitude', 32),
  Longitude: optional('Longitude', 32),
  Address: optional('Address', 256),
  Label: optional('Label', 256),
});

/** Twilio message status callback. */
export const statusSchema = z.object({
  MessageSid: required('MessageSid'),
  MessageStatus: required('MessageStatus', 32),
  To: required('To'),
  From: optional('From', 64),
  ErrorCode: z
    .string(fieldMessages('ErrorCode'))
    .regex(/^\d{0,6}$/, `field 'ErrorCode' must be a number`)
    .optional(),
  ErrorMessage: optional('ErrorMessage', 512),
});

/** Twilio message statuses in our words (data). */
export const TWILIO_STATUS_MAP: Readonly<Record<string, DeliveryStatus>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
  partially_delivered: 'sent',
};

const isWhatsapp = (address: string) => /^whatsapp:/i.test(address);

/**
 * The URL Twilio signed: PUBLIC_BASE_URL (what Twilio was told to call, behind proxies) + path + query, else
 * the request's own protocol and host (X-Forwarded-* when the gateway trusts its proxy).
 */
export function signedUrl(req: FastifyRequest, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl) return publicBaseUrl.replace(/\/+$/, '') + req.url;
  return `${req.protocol}://${req.host}${req.url}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'mismatch';

export function checkTwilioSignature(
  authToken: string,
  header: string | string[] | undefined,
  url: string,
  params: Record<string, unknown>,
): SignatureCheck {
  const signature = Array.isArray(header) ? header[0] : header;
  if (!signature) return 'missing';
  return twilio.validateRequest(authToken, signature, url, params as Record<string, string>) ? 'ok' : 'mismatch';
}

/** Maps a parsed incoming webhook to our message model (pure; throws InvalidPhoneNumberError). */
export function toInboundMessage(
  body: z.infer<typeof incomingSchema>,
  receivedAt: string,
  defaultCountry: string,
): InboundMessage {
  const whatsapp = isWhatsapp(body.From);
  const msg: InboundMessage = {
    id: `twilio:${body.MessageSid}`,
    channel: whatsapp ? 'whatsapp' : 'sms',
    provider: 'twilio',
    from: normaliseSubscriber(body.From, defaultCountry),
    to: body.To,
    text: body.Body.trim(),
    providerMessageId: body.MessageSid,
    receivedAt,
  };
  const lat = Number(body.Latitude);
  const lon = Number(body.Longitude);
  if (body.Latitude !== undefined && body.Longitude !== undefined && Number.isFinite(lat) && Number.isFinite(lon)) {
    msg.location = { latitude: lat, longitude: lon };
    if (body.Label) msg.location.name = body.Label;
    if (body.Address) msg.location.address = body.Address;
  } else if (body.ButtonPayload) {
    msg.interactive = { kind: 'button', id: body.ButtonPayload, title: body.ButtonText ?? body.Body };
  } else if (Number(body.NumMedia ?? '0') > 0 && msg.text === '') {
    // A photo, voice note or sticker without words: nothing we can answer.
    msg.unsupported = (body.MediaContentType0 ?? body.MessageType ?? 'media').split('/')[0] ?? 'media';
  }
  return msg;
}

/** Maps a parsed status callback (pure). Undefined for a status we do not know. */
export function toStatusEvent(
  body: z.infer<typeof statusSchema>,
  at: string,
  defaultCountry: string,
): StatusEvent | undefined {
  return buildStatusEvent({
    provider: 'twilio',
    providerMessageId: body.MessageSid,
    providerStatus: body.MessageStatus,
    statusMap: TWILIO_STATUS_MAP,
    address: body.To,
    at,
    defaultCountry,
    failureReason: body.ErrorCode && (body.ErrorMessage ? `${body.ErrorCode}: ${body.ErrorMessage}` : body.ErrorCode),
    optedOut: body.ErrorCode === TWILIO_OPT_OUT_CODE,
  });
}

function reject(ctx: AppContext, reply: FastifyReply, route: string, code: number, reason: string, error: string) {
  ctx.metrics.rejected.inc({ route, reason });
  return reply.code(code).send({ error });
}

/** Redis away: 503 so Twilio retries (it does, per its fallback/retry settings); nothing acknowledged is lost. */
function unavailable(ctx: AppContext, reply: FastifyReply, route: string, err: unknown): FastifyReply {
  if (err instanceof QueueUnavailableError || err instanceof StoreUnavailableError) {
    ctx.log.warn({ route, err }, 'backend unavailable; asking Twilio to retry');
    return reply.code(503).header('retry-after', '5').send({ error: 'service temporarily unavailable, retry later' });
  }
  throw err;
}

/**
 * Everything a Twilio route checks before reading the body: configuration, content type and signature.
 * Returns the parsed form when the request is Twilio's, else sends the rejection and returns undefined.
 */
function verified(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  route: string,
): Record<string, unknown> | undefined {
  const authToken = ctx.config.twilio.authToken;
  if (!authToken) {
    // Never accept unsigned traffic: without the token nothing can be verified.
    reply.code(503).send({ error: 'TWILIO_AUTH_TOKEN is not configured' });
    return undefined;
  }
  const ct = String(req.headers['content-type'] ?? '');
  if (!ct.startsWith('application/x-www-form-urlencoded')) {
    reject(ctx, reply, route, 415, 'content-type', 'Content-Type must be application/x-www-form-urlencoded');
    return undefined;
  }
  const params = (req.body ?? {}) as Record<string, unknown>;
  const check = checkTwilioSignature(
    authToken,
    req.headers[SIGNATURE_HEADER],
    signedUrl(req, ctx.config.publicBaseUrl),
    params,
  );
  if (check === 'missing') {
    reject(ctx, reply, route, 403, 'signature-missing', 'X-Twilio-Signature header is missing');
    return undefined;
  }
  if (check === 'mismatch') {
    ctx.log.warn(
      { route },
      'Twilio webhook with a signature that does not match (forged, or PUBLIC_BASE_URL is wrong)',
    );
    reject(ctx, reply, route, 403, 'signature-mismatch', 'X-Twilio-Signature does not match the request');
    return undefined;
  }
  return params;
}

/** Twilio SMS and WhatsApp: incoming messages and status callbacks, both signature-checked. */
export function registerTwilio(app: FastifyInstance, ctx: AppContext): void {
  app.post(TWILIO_MESSAGING_ROUTE, async (req, reply) => {
    const params = verified(ctx, req, reply, TWILIO_MESSAGING_ROUTE);
    if (!params) return reply;
    const parsed = incomingSchema.safeParse(params);
    if (!parsed.success)
      return reject(ctx, reply, TWILIO_MESSAGING_ROUTE, 400, 'body', parsed.error.issues[0]!.message);
    let msg: InboundMessage;
    try {
      msg = toInboundMessage(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    } catch (err) {
      if (!(err instanceof InvalidPhoneNumberError)) throw err;
      return reject(ctx, reply, TWILIO_MESSAGING_ROUTE, 400, 'phone', "field 'From' is not a valid phone number");
    }
    try {
      await acceptInbound(ctx, msg);
    } catch (err) {
      return unavailable(ctx, reply, TWILIO_MESSAGING_ROUTE, err);
    }
    return reply.code(200).type('text/xml; charset=utf-8').send(EMPTY_TWIML);
  });

  app.post(TWILIO_STATUS_ROUTE, async (req, reply) => {
    const params = verified(ctx, req, reply, TWILIO_STATUS_ROUTE);
    if (!params) return reply;
    const parsed = statusSchema.safeParse(params);
    if (!parsed.success) return reject(ctx, reply, TWILIO_STATUS_ROUTE, 400, 'body', parsed.error.issues[0]!.message);
    const event = toStatusEvent(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    if (!event) {
      return reject(
        ctx,
        reply,
        TWILIO_STATUS_ROUTE,
        400,
        'status',
        `field 'MessageStatus' has an unknown value "${parsed.data.MessageStatus.slice(0, 32)}"`,
      );
    }
    try {
      await recordStatus(ctx, event, isWhatsapp(parsed.data.To) ? 'whatsapp' : 'sms');
    } catch (err) {
      return unavailable(ctx, reply, TWILIO_STATUS_ROUTE, err);
    }
    return reply.code(204).send();
  });
}
