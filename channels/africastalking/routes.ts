import type { Router } from 'express';
import type { UssdDialogue } from '../../src/core/ussd.js';
import type { AppContext } from '../../src/platform/context.js';
import { readBody } from '../shared/body.js';
import { newRouter, requireForm } from '../shared/http.js';
import { atGuard } from './guard.js';
import { AT_DELIVERY_ROUTE, AT_SMS_ROUTE, deliveryReportHandler, inboundSmsHandler } from './sms.js';
import { AT_USSD_ROUTE, ussdHandler } from './ussd.js';

/** Where the gateway mounts the Africa's Talking routes. */
export const AT_ROOT = '/channels/africastalking';

/**
 * Africa's Talking: USSD, inbound SMS and delivery reports, each a form behind the token/IP guard. USSD hops go to
 * the dialogue the app wires in (the adapter parses and formats; it does not run the session).
 */
export function africasTalkingRouter(ctx: AppContext, ussd: UssdDialogue): Router {
  const router = newRouter();
  const body = readBody(ctx.config.limits.bodyLimitBytes);
  const checks = (route: string) => [body, atGuard(ctx, route), requireForm(route)];
  router.post('/ussd', ...checks(AT_USSD_ROUTE), ussdHandler(ctx, ussd));
  router.post('/sms', ...checks(AT_SMS_ROUTE), inboundSmsHandler(ctx));
  router.post('/delivery', ...checks(AT_DELIVERY_ROUTE), deliveryReportHandler(ctx));
  return router;
}
