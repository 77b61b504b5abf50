import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../src/app/context.js';
import { acceptInbound } from '../../src/gateway/inbound.js';
import { recordStatus, statusKey as sharedStatusKey } from '../../src/messages/status.js';
import { updateProfile } from '../../src/subscribers/index.js';
import { describeIssue, parseWebhook, webhookSchema } from './payload.js';
import { checkSignature, SIGNATURE_HEADER, safeEqualText } from './signature.js';

export const WHATSAPP_ROUTE = '/channels/whatsapp';
/** Meta's statuses live beside the other providers' (`status:meta:<wamid>`), never stepping backwards. */
export const statusKey = (wamid: string) => sharedStatusKey('meta', wamid);

function reject(ctx: AppContext, reply: FastifyReply, code: number, reason: string, error: string) {
  ctx.metrics.rejected.inc({ route: WHATSAPP_ROUTE, reason });
  return reply.code(code).send({ error });
}

async function verify(ctx: AppContext, req: FastifyRequest, reply: FastifyReply) {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const expected = ctx.config.whatsapp.verifyToken;
  if (!expected) return reply.code(503).send({ error: 'WHATSAPP_VERIFY_TOKEN is not configured' });
  if (q['hub.mode'] !== 'subscribe') return reject(ctx, reply, 403, 'hub.mode', 'hub.mode must be "subscribe"');
  const token = q['hub.verify_token'];
  if (typeof token !== 'string' || !safeEqualText(token, expected)) {
    return reject(ctx, reply, 403, 'hub.verify_token', 'hub.verify_token does not match');
  }
  const challenge = q['hub.challenge'];
  if (typeof challenge !== 'string' || challenge === '') {
    return reject(ctx, reply, 400, 'hub.challenge', 'hub.challenge is missing');
  }
  return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
}

async function receive(ctx: AppContext, req: FastifyRequest, reply: FastifyReply) {
  const secret = ctx.config.whatsapp.appSecret;
  if (!secret) return reply.code(503).send({ error: 'WHATSAPP_APP_SECRET is not configured' });
  const raw = req.body;
  if (!Buffer.isBuffer(raw)) {
    return reject(ctx, reply, 415, 'content-type', 'Content-Type must be application/json');
  }
  const check = checkSignature(raw, req.headers[SIGNATURE_HEADER], secret);
  if (check === 'missing') return reject(ctx, reply, 403, 'signature-missing', 'X-Hub-Signature-256 header is missing');
  if (check === 'malformed') {
    return reject(
      ctx,
      reply,
      403,
      'signature-malformed',
      'X-Hub-Signature-256 must be "sha256=" followed by 64 hex digits',
    );
  }
  if (check === 'mismatch')
    return reject(ctx, reply, 403, 'signature-mismatch', 'X-Hub-Signature-256 does not match the body');

  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return reject(ctx, reply, 400, 'json', 'body is not valid JSON');
  }
  const parsed = webhookSchema.safeParse(json);
  if (!parsed.success) return reject(ctx, reply, 400, 'schema', describeIssue(parsed.error));

  const receivedAt = new Date(ctx.now()).toISOString();
  const items = parseWebhook(parsed.data, { receivedAt, defaultCountry: ctx.config.defaultCountry });
  let accepted = 0;
  let duplicates = 0;
  for (const item of items) {
    if (item.kind === 'skipped') {
      ctx.log.info({ provider: 'meta', reason: item.reason }, 'WhatsApp webhook item skipped');
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
  return reply.code(200).send({ ok: true, accepted, duplicates });
}

/**
 * Mounts the Meta WhatsApp Cloud API routes. The raw-body JSON parser is scoped to this plugin, so signature
 * checks see the exact bytes Meta signed while other routes keep Fastify's normal JSON parsing.
 */
export function registerWhatsapp(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.get(WHATSAPP_ROUTE, (req, reply) => verify(ctx, req, reply));
    scope.post(WHATSAPP_ROUTE, (req, reply) => receive(ctx, req, reply));
  });
}
