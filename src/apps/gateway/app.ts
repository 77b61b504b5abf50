import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { errorHandler, NotFoundError, requestPath } from '../../../channels/shared/errors.js';
import { markArrival, newRouter } from '../../../channels/shared/http.js';
import { securityHeaders } from '../../../channels/shared/security.js';
import type { AppContext } from '../../platform/context.js';
import type { QueueName } from '../../platform/queue/index.js';
import { RedisHealth } from '../../platform/readiness.js';
import { adminGuard } from '../admin/auth.js';
import { requestLimiter } from './limiter.js';

/** One concern's routes (a provider, the simulator, the admin pages) and where the gateway mounts them. */
interface Surface {
  /** Mount path under the gateway, e.g. `/channels/twilio`. */
  path: string;
  router: Router;
}

/** Builds a surface from the shared context (the gateway calls each once). */
export type SurfaceFactory = (ctx: AppContext) => Surface | Promise<Surface>;

interface ReadinessProbe {
  /** Packs loaded and serving. */
  packs(): { ok: boolean; detail: string };
}

export interface GatewayRouterOptions {
  surfaces: SurfaceFactory[];
  readiness: ReadinessProbe;
}

/** An Express router carrying every route of the gateway; `close()` releases what it holds (the limiter's Redis). */
export type GatewayRouter = Router & { close(): Promise<void> };

const QUEUES: QueueName[] = ['inbound', 'outbound', 'scheduled'];
/** A ping that takes longer than this counts as a failed readiness check. */
const READYZ_PING_TIMEOUT_MS = 2000;

/** Whether the store answers a ping within `timeoutMs`; the error is logged at debug, never returned. */
async function pingWithin(ctx: AppContext, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.store.ping(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
      }),
    ]);
    return true;
  } catch (err) {
    ctx.log.debug({ err }, 'readiness: Redis ping failed');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
/** Prometheus text for `/metrics`, queue depths sampled at scrape time (on PORT behind auth, or on METRICS_PORT). */
function metricsHandler(ctx: AppContext): RequestHandler {
  return async (_req, res) => {
    await Promise.all(
      QUEUES.map(async (q) => {
        try {
          const counts = await ctx.queues.queue(q).counts();
          for (const [state, n] of Object.entries(counts)) ctx.metrics.queueDepth.set({ queue: q, state }, n);
        } catch {
          /* Redis away: keep the last sample */
        }
      }),
    );
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  };
}

/** A listener serving only `GET /metrics` (METRICS_PORT): reachable by the scraper, not by the providers' path. */
export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export function startMetricsServer(ctx: AppContext, port: number, host: string): Promise<MetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(ctx));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}: this port serves GET /metrics only` });
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Longest a request may still run when the server closes (a USSD hop waits at most USSD_DEADLINE_MS). */
const CLOSE_GRACE_MS = 16_000;

/**
 * The gateway as one Express router, mountable anywhere: arrival time, security headers, the per-IP limit,
 * health and metrics, every surface under its path, then a JSON 404 and the one error handler.
 */
export async function buildGatewayRouter(ctx: AppContext, opts: GatewayRouterOptions): Promise<GatewayRouter> {
  const router = newRouter();
  // First of all, so the arrival time is taken before the rate limiter touches Redis.
  router.use(markArrival);
  router.use(securityHeaders());
  const limiter = requestLimiter(ctx);
  router.use(limiter.middleware);

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // A short Redis outage must not fail every gateway's readiness at once (findings 12 and 13, issue 14): the
  // load balancer would drop every backend and callers would get a carrier error instead of the "busy" screen.
  const redisHealth = new RedisHealth();
  router.get('/readyz', async (_req, res) => {
    const packs = opts.readiness.packs();
    let redis: { ok: boolean; detail: string } = { ok: true, detail: 'embedded' };
    if (ctx.store.kind === 'redis') {
      const ok = await pingWithin(ctx, READYZ_PING_TIMEOUT_MS);
      const health = redisHealth.record(ok, ctx.now());
      // Never the Redis error itself: it names hosts and ports.
      redis = { ok: health.ready, detail: health.detail };
    }
    const ready = packs.ok && redis.ok;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', packs, redis });
  });
  // Metrics are not public (finding 12, issue 14): behind the admin credentials here, or on METRICS_PORT only.
  if (ctx.config.metricsPort === undefined)
    router.get('/metrics', adminGuard(ctx, { route: '/metrics' }), metricsHandler(ctx));

  const paths: string[] = [];
  for (const make of opts.surfaces) {
    const surface = await make(ctx);
    router.use(surface.path, surface.router);
    paths.push(surface.path);
  }
  router.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${requestPath(req)}`)));
  router.use(errorHandler(ctx, paths));

  return Object.assign(router, {
    async close() {
      limiter.close();
    },
  });
}

/** The gateway process's own app: the router at '/', TRUSTED_PROXIES deciding whose X-Forwarded-* to believe. */
function gatewayApp(router: Router, trustProxy: boolean | string[]): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // proxy-addr semantics: addresses, CIDRs, loopback/linklocal/uniquelocal; an empty list trusts no one.
  app.set('trust proxy', trustProxy);
  app.use(router);
  return app;
}

/** A gateway app that listens and stops. */
export interface GatewayServer {
  app: Express;
  /** Resolves once listening (port 0: a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting connections, closes idle ones, waits for requests in flight, then closes the router. */
  close(): Promise<void>;
}

export function gatewayServer(router: GatewayRouter, trustProxy: boolean | string[]): GatewayServer {
  const app = gatewayApp(router, trustProxy);
  let server: ReturnType<Express['listen']> | undefined;
  return {
    app,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const s = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          resolve(s.address() as AddressInfo);
        });
        server = s;
      });
    },
    async close() {
      const s = server;
      server = undefined;
      if (s) {
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        // A keep-alive client that stays connected does not hold the shutdown longer than a request may take.
        const force = setTimeout(() => s.closeAllConnections(), CLOSE_GRACE_MS);
        await closed;
        clearTimeout(force);
      }
      await router.close();
    },
  };
}
