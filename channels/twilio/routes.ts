import type { Request, RequestHandler, Router } from 'express';
// The webhook helpers alone: the SDK's root module loads every REST domain (about 20 MB per process).
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
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
import { limitProviderAccount } from '../shared/account-limit.js';
import { readBody } from '../shared/body.js';
import { BadRequestError, ForbiddenError, NotConfiguredError } from '../shared/errors.js';
import { fieldMessages, optionalField, requiredField } from '../shared/form-fields.js';
import { markAuthenticated, newRouter, requireForm } from '../shared/http.js';

/** Where the gateway mounts the Twilio routes. */
export const TWILIO_ROOT = '/channels/twilio';
const TWILIO_MESSAGING_ROUTE = '/channels/twilio/messaging';
export const TWILIO_STATUS_ROUTE = '/channels/twilio/status';
const SIGNATURE_HEADER = 'x-twilio-signature';
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
  // A row picked in a list-picker message (twilio/list-picker content).
  ListId: optional('ListId', 256),
  ListTitle: optional('ListTitle', 256),
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
const TWILIO_STATUS_MAP: Readonly<Record<string, DeliveryStatus>> = {
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
 * The URL Twilio signed: PUBLIC_BASE_URL (what Twilio was told to call) + path + query. The path is the original
 * one, mount path included, so the check holds when a host app mounts the gateway under a path. Without
 * PUBLIC_BASE_URL only in simulator mode is it rebuilt from the request's own protocol and host (X-Forwarded-*
 * when the app trusts its proxy): in live mode the caller's Host header would let a request signed for another
 * address in (finding 10, issue 14), so start-up refuses that configuration and the route answers 503.
 */
function signedUrl(req: Request, config: AppContext['config']): string | undefined {
  if (config.publicBaseUrl) return config.publicBaseUrl.replace(/\/+$/, '') + req.originalUrl;
  if (config.sendMode === 'simulator') return `${req.protocol}://${req.host}${req.originalUrl}`;
  return undefined;
}

type SignatureCheck = 'ok' | 'missing' | 'mismatch';

function checkTwilioSignature(
  authToken: string,
  header: string | string[] | undefined,
  url: string,
  params: Record<string, unknown>,
): SignatureCheck {
  const signature = Array.isArray(header) ? header[0] : header;
  if (!signature) return 'missing';
  return validateRequest(authToken, signature, url, params as Record<string, string>) ? 'ok' : 'mismatch';
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
  } else if (body.ListId) {
    msg.interactive = { kind: 'list', id: body.ListId, title: body.ListTitle ?? body.Body };
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

/** Without the token nothing can be verified, so nothing is accepted: every Twilio route answers 503. */
const requireAuthToken =
  (ctx: AppContext): RequestHandler =>
  (_req, _res, next) =>
    next(ctx.config.twilio.authToken ? undefined : new NotConfiguredError('TWILIO_AUTH_TOKEN is not configured'));

/**
 * X-Twilio-Signature over the signed URL and the form fields, with the twilio package's own validateRequest; then
 * the AccountSid the payload names must be TWILIO_ACCOUNT_SID when that is set (finding 10, issue 14).
 */
function verifySignature(ctx: AppContext, route: string): RequestHandler {
  return async (req, _res, next) => {
    const params = (req.body ?? {}) as Record<string, unknown>;
    const url = signedUrl(req, ctx.config);
    if (url === undefined) {
      return next(
        new NotConfiguredError(
          'PUBLIC_BASE_URL is not configured: Twilio signatures are checked against it in live mode',
        ),
      );
    }
    const check = checkTwilioSignature(ctx.config.twilio.authToken ?? '', req.headers[SIGNATURE_HEADER], url, params);
    if (check === 'missing') {
      return next(new ForbiddenError('X-Twilio-Signature header is missing', { route, reason: 'signature-missing' }));
    }
    if (check === 'mismatch') {
      ctx.log.warn(
        { route },
        'Twilio webhook with a signature that does not match (forged, or PUBLIC_BASE_URL is wrong)',
      );
      return next(
        new ForbiddenError('X-Twilio-Signature does not match the request', { route, reason: 'signature-mismatch' }),
      );
    }
    const expected = ctx.config.twilio.accountSid;
    if (expected !== undefined && params.AccountSid !== expected) {
      // Never the payload's numbers; the account ids are not personal data.
      ctx.log.warn(
        { route, accountSid: typeof params.AccountSid === 'string' ? params.AccountSid.slice(0, 64) : undefined },
        'Twilio webhook for another account than TWILIO_ACCOUNT_SID: refused',
      );
      return next(
        new ForbiddenError("field 'AccountSid' is not this gateway's TWILIO_ACCOUNT_SID", { route, reason: 'account' }),
      );
    }
    markAuthenticated(req);
    const account = typeof params.AccountSid === 'string' ? params.AccountSid : (expected ?? 'unknown');
    // Over the budget: TooManyRequestsError, which Express 5 passes on from the rejected promise.
    await limitProviderAccount(ctx, route, 'twilio', account);
    next();
  };
}

/** Incoming SMS or WhatsApp message: queued once per MessageSid and acknowledged at once with empty TwiML. */
function messagingHandler(ctx: AppContext): RequestHandler {
  const route = TWILIO_MESSAGING_ROUTE;
  return async function twilioMessaging(req, res) {
    const parsed = incomingSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError(parsed.error.issues[0]!.message, { route, reason: 'body' });
    let msg: InboundMessage;
    try {
      msg = toInboundMessage(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    } catch (err) {
      if (!(err instanceof InvalidPhoneNumberError)) throw err;
      throw new BadRequestError("field 'From' is not a valid phone number", { route, reason: 'phone' });
    }
    // Redis away: the error handler answers 503 and Twilio retries; nothing acknowledged is lost.
    await acceptInbound(ctx, msg);
    res.status(200).type('text/xml; charset=utf-8').send(EMPTY_TWIML);
  };
}

/** Status callback: the delivery status is stored (never stepping back); 21610 opts the recipient out. */
function statusHandler(ctx: AppContext): RequestHandler {
  const route = TWILIO_STATUS_ROUTE;
  return async function twilioStatus(req, res) {
    const parsed = statusSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError(parsed.error.issues[0]!.message, { route, reason: 'body' });
    const event = toStatusEvent(parsed.data, new Date(ctx.now()).toISOString(), ctx.config.defaultCountry);
    if (!event) {
      throw new BadRequestError(
        `field 'MessageStatus' has an unknown value "${parsed.data.MessageStatus.slice(0, 32)}"`,
        { route, reason: 'status' },
      );
    }
    await recordStatus(ctx, event, isWhatsapp(parsed.data.To) ? 'whatsapp' : 'sms');
    res.status(204).end();
  };
}

/** Twilio SMS and WhatsApp: incoming messages and status callbacks, both signature-checked. */
export function twilioRouter(ctx: AppContext): Router {
  const router = newRouter();
  const checks = (route: string) => [
    readBody(ctx.config.limits.bodyLimitBytes),
    requireAuthToken(ctx),
    requireForm(route),
    verifySignature(ctx, route),
  ];
  router.post('/messaging', ...checks(TWILIO_MESSAGING_ROUTE), messagingHandler(ctx));
  router.post('/status', ...checks(TWILIO_STATUS_ROUTE), statusHandler(ctx));
  return router;
}
