import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signBody } from '../../channels/whatsapp/signature.js';
import type { AppContext } from '../app/context.js';
import { InvalidPhoneNumberError, normaliseSubscriber } from '../messages/index.js';
import { assetPath } from '../paths.js';
import { readOutbox } from './outbox.js';

export const SIMULATOR_PUBLIC_DIR = assetPath('src', 'simulator', 'public');
/** AT closes an idle USSD session after this long; the handset pane does the same. */
export const USSD_IDLE_TIMEOUT_MS = 180_000;
/** Largest body the signing helper accepts (a WhatsApp webhook the page builds is a few hundred bytes). */
export const MAX_SIGN_BODY = 16 * 1024;

const ASSET_TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'sim-core.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** What the page needs to talk to this gateway as the providers would. */
export interface SimulatorSettings {
  ussdCode: string;
  ussdMaxChars: number;
  ussdIdleTimeoutMs: number;
  smsShortcode: string;
  smsMaxSegments: number;
  whatsappPhoneNumberId: string;
  whatsappDisplayNumber: string;
  /** AT routes require `?token=` when AT_WEBHOOK_TOKEN is set; the simulator acts as AT, so it carries it. */
  atToken?: string;
  whatsappSigning: boolean;
  defaultCountry: string;
}

export function simulatorSettings(ctx: AppContext): SimulatorSettings {
  const c = ctx.config;
  return {
    ussdCode: '*384*12#',
    ussdMaxChars: c.ussd.maxChars,
    ussdIdleTimeoutMs: USSD_IDLE_TIMEOUT_MS,
    smsShortcode: c.africasTalking.shortcode ?? '21525',
    smsMaxSegments: c.sms.maxSegments,
    whatsappPhoneNumberId: c.whatsapp.phoneNumberId ?? '100000000000001',
    whatsappDisplayNumber: '15550001234',
    ...(c.africasTalking.webhookToken ? { atToken: c.africasTalking.webhookToken } : {}),
    whatsappSigning: Boolean(c.whatsapp.appSecret),
    defaultCountry: c.defaultCountry,
  };
}

/** `to` query → E.164, or the 400 message naming the field. */
export function parseOutboxQuery(query: unknown, defaultCountry: string): { to: string } | { error: string } {
  const raw = (query as Record<string, unknown> | undefined)?.to;
  if (typeof raw !== 'string' || raw.trim() === '') return { error: "query 'to' is required (an E.164 phone number)" };
  try {
    return { to: normaliseSubscriber(raw, defaultCountry) };
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError) return { error: "query 'to' is not a valid phone number" };
    throw err;
  }
}

function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
    .send(html);
}

/**
 * The phone simulator: a page whose three panes post to the real webhook routes as the providers would, plus
 * a small JSON API (outbox, settings, and a signer for WhatsApp webhooks because the browser cannot hold the
 * app secret). Mounted only when `SIMULATOR=on`; otherwise `/simulator` says it is off.
 */
export async function registerSimulator(app: FastifyInstance, ctx: AppContext): Promise<void> {
  if (!ctx.config.simulator) {
    const off = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(404).send({ error: 'the simulator is off (set SIMULATOR=on to enable it)' });
    app.get('/simulator', off);
    app.get('/simulator/*', off);
    app.post('/simulator/*', off);
    return;
  }
  const html = readFileSync(path.join(SIMULATOR_PUBLIC_DIR, 'index.html'), 'utf8');
  // A fixed set of files read once: nothing under the folder is reachable except these.
  const assets = new Map(
    Object.entries(ASSET_TYPES).map(([file, type]) => [
      file,
      { type, body: readFileSync(path.join(SIMULATOR_PUBLIC_DIR, file)) },
    ]),
  );

  await app.register(async (scope) => {
    scope.get('/simulator/assets/:file', async (req, reply) => {
      const asset = assets.get((req.params as { file: string }).file);
      if (!asset) return reply.code(404).send({ error: `no simulator asset ${(req.params as { file: string }).file}` });
      return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
    });
    scope.get('/simulator', async (_req, reply) => sendPage(reply, html));
    scope.get('/simulator/', async (_req, reply) => sendPage(reply, html));

    scope.get('/simulator/api/settings', async () => simulatorSettings(ctx));

    scope.get('/simulator/api/outbox', async (req, reply) => {
      const q = parseOutboxQuery(req.query, ctx.config.defaultCountry);
      if ('error' in q) return reply.code(400).send({ error: q.error });
      return readOutbox(ctx.store, q.to);
    });

    scope.post('/simulator/api/sign/whatsapp', async (req, reply) => {
      const secret = ctx.config.whatsapp.appSecret;
      if (!secret)
        return reply
          .code(503)
          .send({ error: 'WHATSAPP_APP_SECRET is not configured, so WhatsApp webhooks cannot be signed' });
      const body = (req.body as Record<string, unknown> | undefined)?.body;
      if (typeof body !== 'string' || body === '') {
        return reply.code(400).send({ error: "field 'body' is required: the exact JSON text of the webhook to sign" });
      }
      if (Buffer.byteLength(body) > MAX_SIGN_BODY) {
        return reply.code(400).send({ error: `field 'body' is longer than ${MAX_SIGN_BODY} bytes` });
      }
      return { signature: signBody(body, secret) };
    });
  });
}
