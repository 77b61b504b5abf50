import { AT_ROOT, africasTalkingRouter } from '../../../channels/africastalking/routes.js';
import { TWILIO_ROOT, twilioRouter } from '../../../channels/twilio/routes.js';
import { WHATSAPP_ROUTE, whatsappRouter } from '../../../channels/whatsapp/routes.js';
import { loadUssdMenus } from '../../dialogue/ussd/menus.js';
import { createUssdDialogue } from '../../dialogue/ussd/session.js';
import { type Config, loadConfig } from '../../platform/config/index.js';
import { adminRouter } from '../admin/index.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { simulatorRouter } from '../simulator/index.js';
import { startWorkers } from '../worker/index.js';
import {
  buildGatewayRouter,
  type GatewayRouter,
  type GatewayServer,
  gatewayServer,
  type MetricsServer,
  type SurfaceFactory,
  startMetricsServer,
} from './app.js';

export type { GatewayRouter, GatewayServer } from './app.js';

/** Every route surface of the gateway, each mounted at its own path (channels, simulator, admin). */
function gatewaySurfaces(): SurfaceFactory[] {
  const menus = loadUssdMenus();
  return [
    (ctx) => ({ path: AT_ROOT, router: africasTalkingRouter(ctx, createUssdDialogue(ctx, menus)) }),
    (ctx) => ({ path: TWILIO_ROOT, router: twilioRouter(ctx) }),
    (ctx) => ({ path: WHATSAPP_ROUTE, router: whatsappRouter(ctx) }),
    (ctx) => ({ path: '/simulator', router: simulatorRouter(ctx) }),
    (ctx) => ({ path: '/admin', router: adminRouter(ctx) }),
  ];
}

/** The router carrying every route, on a runtime that already exists. */
function createGatewayRouter(rt: Runtime): Promise<GatewayRouter> {
  return buildGatewayRouter(rt, { surfaces: gatewaySurfaces(), readiness: { packs: rt.packsStatus } });
}

/** The gateway process's server (`npm start`, `npm run gateway`): the router at '/', and METRICS_PORT's listener. */
export async function createGatewayServer(rt: Runtime): Promise<GatewayServer> {
  const server = gatewayServer(await createGatewayRouter(rt), rt.config.trustedProxies);
  const metricsPort = rt.config.metricsPort;
  if (metricsPort === undefined) return server;
  let metrics: MetricsServer | undefined;
  return {
    ...server,
    async listen(port, host) {
      const address = await server.listen(port, host);
      metrics = await startMetricsServer(rt, metricsPort, host);
      return address;
    },
    async close() {
      await metrics?.close();
      await server.close();
    },
  };
}

/** Settings that replace what the environment says; a nested group (e.g. `twilio`) is merged field by field. */
export type ConfigOverrides = {
  [K in keyof Config]?: Config[K] extends readonly unknown[]
    ? Config[K]
    : Config[K] extends object
      ? Partial<Config[K]>
      : Config[K];
};

export interface CreateGatewayOptions {
  /**
   * Environment variables to read (as documented in the README).
   * @defaultValue process.env
   */
  env?: NodeJS.ProcessEnv;
  /** Settings that override the environment's. */
  config?: ConfigOverrides;
  /** Serve from this runtime (store, queues, answerer) instead of building one; its owner closes it. */
  runtime?: Runtime;
  /**
   * Run the inbound, outbound and scheduled workers in this process too.
   * @defaultValue true on the embedded backend when the gateway builds its own runtime (nothing else could
   * consume its in-process queue), false with REDIS_URL (run `npm run worker` beside it).
   */
  workers?: boolean;
}

/** The gateway's router, plus the runtime it serves from; `close()` stops what createGateway started. */
export type MountableGateway = GatewayRouter & { runtime: Runtime };

const isGroup = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function withOverrides(config: Config, overrides: ConfigOverrides = {}): Config {
  const merged: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isGroup(current) && isGroup(value) ? { ...current, ...value } : value;
  }
  return merged as unknown as Config;
}

/**
 * Baraza as an Express router a host app mounts under a path: `app.use('/baraza', await createGateway())`.
 * Configured from the environment unless `options` say otherwise. Provider signatures are checked against the
 * URL the provider called (PUBLIC_BASE_URL or the request's host, plus the mount path); whose X-Forwarded-*
 * to believe is the host app's `trust proxy` setting.
 */
export async function createGateway(options: CreateGatewayOptions = {}): Promise<MountableGateway> {
  const owned = options.runtime === undefined;
  const rt =
    options.runtime ?? (await createRuntime(withOverrides(loadConfig(options.env ?? process.env), options.config)));
  try {
    const workers = (options.workers ?? (owned && rt.queues.kind === 'embedded')) ? await startWorkers(rt) : undefined;
    const router = await createGatewayRouter(rt);
    const closeRouter = router.close.bind(router);
    // METRICS_PORT: the mounted router has no /metrics; its own listener serves it.
    const metrics =
      rt.config.metricsPort === undefined
        ? undefined
        : await startMetricsServer(rt, rt.config.metricsPort, rt.config.host);
    return Object.assign(router, {
      runtime: rt,
      async close() {
        await metrics?.close();
        await closeRouter();
        await workers?.close();
        if (owned) await rt.close();
      },
    });
  } catch (err) {
    if (owned) await rt.close().catch(() => undefined);
    throw err;
  }
}
