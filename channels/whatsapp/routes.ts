import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import type { AppContext } from '../../src/platform/context.js';
import { recordStatus, statusKey as sharedStatusKey } from '../../src/platform/delivery-status.js';
import { acceptInbound } from '../../src/platform/inbound.js';
import { sameSecret } from '../../src/platform/secrets.js';
import { updateProfile } from '../../src/platform/subscribers.js';
import { limitProviderAccount } from '../shared/account-limit.js';
import { readBody } from '../shared/body.js';
import {
  BadRequestError,
  ForbiddenError,
  type HttpError,
  NotConfiguredError,
  UnsupportedMediaTypeError,
} from '../shared/errors.js';
import { markAuthenticated, newRouter } from '../shared/http.js';
import { describeIssue, OTHER_PHONE_NUMBER, parseWebhook, webhookSchema } from './payload.js';
import { checkSignature, SIGNATURE_HEADER, type SignatureCheck } from './signature.js';

export const WHATSAPP_ROUTE = '/channels/whatsapp';
/** Meta's statuses live beside the other providers' (`status:meta:<wamid>`), never stepping backwards. */
export const statusKey = (wamid: string) => sharedStatusKey('meta', wamid);

const route = WHATSAPP_ROUTE;

/** Meta's `hub.*` handshake: echoes the challenge when the verify token matches. */
const verify =
  (ctx: AppContext): RequestHandler =>
  (req, res) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const expected = ctx.config.whatsapp.verifyToken;
    if (!expected) throw new NotConfiguredError('WHATSAPP_VERIFY_TOKEN is not configured');
    if (q['hub.mode'] !== 'subscribe') {
      throw new ForbiddenError('hub.mode must be "subscribe"', { route, reason: 'hub.mode' });
    }
    const token = q['hub.verify_token'];
    if (typeof token !== 'string' || !sameSecret(token, expected)) {
      throw new ForbiddenError('hub.verify_token does not match', { route, reason: 'hub.verify_token' });
    }
    const challenge = q['hub.challenge'];
    if (typeof challenge !== 'string' || challenge === '') {
      throw new BadRequestError('hub.challenge is missing', { route, reason: 'hub.challenge' });
    }
    res.status(200).type('text/plain; charset=utf-8').send(challenge);
  };

const JSON_PROBLEM = Symbol('whatsapp JSON problem');
type WithJsonProblem = { [JSON_PROBLEM]?: true };

/**
 * Meta signs the raw bytes, and whoever cannot sign them learns nothing about their JSON: a body the JSON parser
 * refused (not JSON, or empty) waits here until the signature over its raw bytes has been checked.
 */
const holdJsonProblems: ErrorRequestHandler = (err, req, _res, next) => {
  const type = (err as { type?: unknown }).type;
  if (req.rawBody && (type === 'entity.parse.failed' || type === 'json.empty')) {
    (req as WithJsonProblem)[JSON_PROBLEM] = true;
    return next();
  }
  next(err);
};

/** The 403 for a signature that is not Meta's, naming what is wrong with the header. */
function signatureRejection(check: Exclude<SignatureCheck, 'ok'>): HttpError {
  const reason = `signature-${check}`;
  if (check === 'missing') return new ForbiddenError('X-Hub-Signature-256 header is missing', { route, reason });
  if (check === 'malformed') {
    return new ForbiddenError('X-Hub-Signature-256 must be "sha256=" followed by 64 hex digits', { route, reason });
  }
  return new ForbiddenError('X-Hub-Signature-256 does not match the body', { route, reason });
}

/** The webhook: signature over the raw body first, then the payload; messages queued once per wamid. */
const receive =
  (ctx: AppContext): RequestHandler =>
  async (req, res) => {
    const secret = ctx.config.whatsapp.appSecret;
    if (!secret) throw new NotConfiguredError('WHATSAPP_APP_SECRET is not configured');
    const raw = req.rawBody;
    if (!raw) {
      throw new UnsupportedMediaTypeError('Content-Type must be application/json', { route, reason: 'content-type' });
    }
    const check = checkSignature(raw, req.headers[SIGNATURE_HEADER], secret);
    if (check !== 'ok') throw signatureRejection(check);
    markAuthenticated(req);
    if ((req as WithJsonProblem)[JSON_PROBLEM])
      throw new BadRequestError('body is not valid JSON', { route, reason: 'json' });
    const parsed = webhookSchema.safeParse(req.body);
    if (!parsed.success) throw new BadRequestError(describeIssue(parsed.error), { route, reason: 'schema' });

    // The per-account budget: once per business number this delivery is for (ours only, when configured).
    const numbers = new Set(
      parsed.data.entry.flatMap((e) => e.changes.map((c) => c.value.metadata?.phone_number_id ?? 'unknown')),
    );
    for (const number of numbers) {
      if (ctx.config.whatsapp.phoneNumberId === undefined || number === ctx.config.whatsapp.phoneNumberId) {
        await limitProviderAccount(ctx, route, 'meta', number);
      }
    }

    const receivedAt = new Date(ctx.now()).toISOString();
    const phoneNumberId = ctx.config.whatsapp.phoneNumberId;
    const items = parseWebhook(parsed.data, {
      receivedAt,
      defaultCountry: ctx.config.defaultCountry,
      ...(phoneNumberId ? { phoneNumberId } : {}),
    });
    let accepted = 0;
    let duplicates = 0;
    for (const item of items) {
      if (item.kind === 'skipped') {
        if (item.reason === OTHER_PHONE_NUMBER) {
          // Acknowledged (Meta would retry a 4xx for days), but neither queued nor stored; counted and logged.
          ctx.metrics.rejected.inc({ route, reason: 'phone-number-id' });
          ctx.log.warn({ provider: 'meta', reason: item.reason }, 'WhatsApp webhook item for another business number');
        } else ctx.log.info({ provider: 'meta', reason: item.reason }, 'WhatsApp webhook item skipped');
      } else if (item.kind === 'message') {
        const msg = item.message;
        // The window must be known before the worker replies, so the profile is updated before the job exists.
        const at = item.sentAt && item.sentAt < receivedAt ? item.sentAt : receivedAt;
        await updateProfile(ctx.store, msg.from, (p) => {
          if (!p.lastWhatsappInboundAt || p.lastWhatsappInboundAt < at) p.lastWhatsappInboundAt = at;
        });
        const result = await acceptInbound(ctx, msg);
        if (result === 'accepted') accepted++;
        else duplicates++;
      } else {
        await recordStatus(ctx, item.status, 'whatsapp');
        if (item.status.status === 'failed' || item.errors.length) {
          ctx.log.warn(
            {
              provider: 'meta',
              wamid: item.status.providerMessageId,
              sub: item.status.subscriber ? ctx.pseudonym(item.status.subscriber) : undefined,
              errors: item.errors,
            },
            'WhatsApp message failed',
          );
        }
      }
    }
    res.status(200).json({ ok: true, accepted, duplicates });
  };

/** Meta WhatsApp Cloud API: the `hub.*` verification (GET) and signed webhooks (POST), JSON only. */
export function whatsappRouter(ctx: AppContext): Router {
  const router = newRouter();
  router.get('/', verify(ctx));
  router.post('/', readBody(ctx.config.limits.bodyLimitBytes), holdJsonProblems, receive(ctx));
  return router;
}
