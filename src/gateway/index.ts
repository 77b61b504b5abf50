import type { FastifyInstance } from 'fastify';
import { registerAfricasTalkingSms } from '../../channels/africastalking/sms.js';
import { registerAfricasTalkingUssd } from '../../channels/africastalking/ussd.js';
import { registerTwilio } from '../../channels/twilio/routes.js';
import { registerWhatsapp } from '../../channels/whatsapp/routes.js';
import { registerAdmin } from '../admin/index.js';
import type { Runtime } from '../app/runtime.js';
import { loadUssdMenus } from '../conversation/ussd-menus.js';
import { registerSimulator } from '../simulator/index.js';
import { buildGateway, type RoutePlugin } from './app.js';

/** Every route surface of the gateway process, in one list (channels, simulator, admin). */
export function gatewayPlugins(rt: Runtime): RoutePlugin[] {
  const menus = loadUssdMenus();
  return [
    (app, ctx) => registerAfricasTalkingUssd(app, ctx, menus),
    registerAfricasTalkingSms,
    registerTwilio,
    registerWhatsapp,
    registerSimulator,
    (app, ctx) => registerAdmin(app, ctx),
  ];
}

export async function createGatewayApp(rt: Runtime): Promise<FastifyInstance> {
  return buildGateway(rt, {
    plugins: gatewayPlugins(rt),
    readiness: { packs: rt.packsStatus },
    trustProxy: rt.config.trustedProxies,
  });
}
