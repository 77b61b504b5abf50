import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Response, type Router } from 'express';
import { readBody } from '../../../channels/shared/body.js';
import { BadRequestError, NotConfiguredError, NotFoundError } from '../../../channels/shared/errors.js';
import { newRouter } from '../../../channels/shared/http.js';
import { readOutbox } from '../../../channels/simulator/outbox.js';
import { signBody } from '../../../channels/whatsapp/signature.js';
import { InvalidPhoneNumberError, normaliseSubscriber } from '../../core/messages/index.js';
import type { AppContext } from '../../platform/context.js';
import { assetPath } from '../../platform/paths.js';

export const SIMULATOR_PUBLIC_DIR = assetPath('src', 'apps', 'simulator', 'public');
/** AT closes an idle USSD session after this long; the handset pane does the same. */
const USSD_IDLE_TIMEOUT_MS = 180_000;
/** Largest body the signing helper accepts (a WhatsApp webhook the page builds is a few hundred bytes). */
const MAX_SIGN_BODY = 16 * 1024;

/** The files the page loads; nothing else under the folder is served. */
const ASSETS: ReadonlySet<string> = new Set(['app.js', 'sim-core.js', 'style.css']);

/** What the page needs to talk to this gateway as the providers would. */
interface SimulatorSettings {
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

function simulatorSettings(ctx: AppContext): SimulatorSettings {
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
function parseOutboxQuery(query: unknown, defaultCountry: string): { to: string } | { error: string } {
  const raw = (query as Record<string, unknown> | undefined)?.to;
  if (typeof raw !== 'string' || raw.trim() === '') return { error: "query 'to' is required (an E.164 phone number)" };
  try {
    return { to: normaliseSubscriber(raw, defaultCountry) };
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError) return { error: "query 'to' is not a valid phone number" };
    throw err;
  }
}

function sendPage(res: Response, html: string): void {
  res.type('text/html; charset=utf-8').set('cache-control', 'no-store').send(html);
}

/**
 * The phone simulator: a page whose three panes post to the real webhook routes as the providers would, plus
 * a small JSON API (outbox, settings, and a signer for WhatsApp webhooks because the browser cannot hold the
 * app secret). Mounted only when `SIMULATOR=on`; otherwise `/simulator` says it is off.
 */
export function simulatorRouter(ctx: AppContext): Router {
  const router = newRouter();
  if (!ctx.config.simulator) {
    const off = () => {
      throw new NotFoundError('the simulator is off (set SIMULATOR=on to enable it)');
    };
    router.get('/{*rest}', off);
    router.post('/{*rest}', off);
    return router;
  }
  const html = readFileSync(path.join(SIMULATOR_PUBLIC_DIR, 'index.html'), 'utf8');

  router.use(
    '/assets',
    (req, _res, next) => {
      const file = req.path.slice(1);
      next(ASSETS.has(file) ? undefined : new NotFoundError(`no simulator asset ${file}`));
    },
    express.static(SIMULATOR_PUBLIC_DIR, {
      index: false,
      fallthrough: false,
      cacheControl: false,
      setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
    }),
  );
  // The page's links follow the gateway's mount path (a host app may mount it under /baraza).
  router.get('/', (req, res) => sendPage(res, html.replaceAll('/simulator/assets/', `${req.baseUrl}/assets/`)));

  router.get('/api/settings', (_req, res) => {
    res.json(simulatorSettings(ctx));
  });

  router.get('/api/outbox', async (req, res) => {
    const q = parseOutboxQuery(req.query, ctx.config.defaultCountry);
    if ('error' in q) throw new BadRequestError(q.error);
    res.json(await readOutbox(ctx.store, q.to));
  });

  router.post('/api/sign/whatsapp', readBody(ctx.config.limits.bodyLimitBytes), (req, res) => {
    const secret = ctx.config.whatsapp.appSecret;
    if (!secret)
      throw new NotConfiguredError('WHATSAPP_APP_SECRET is not configured, so WhatsApp webhooks cannot be signed');
    const body = (req.body as Record<string, unknown> | undefined)?.body;
    if (typeof body !== 'string' || body === '') {
      throw new BadRequestError("field 'body' is required: the exact JSON text of the webhook to sign");
    }
    if (Buffer.byteLength(body) > MAX_SIGN_BODY)
      throw new BadRequestError(`field 'body' is longer than ${MAX_SIGN_BODY} bytes`);
    res.json({ signature: signBody(body, secret) });
  });
  return router;
}
