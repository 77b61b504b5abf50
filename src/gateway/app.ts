import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import { type QueueName, QueueUnavailableError } from '../queue/index.js';
import { RedisStore, StoreUnavailableError } from '../store/index.js';

/** A channel or surface mounts its routes through one of these. */
export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

export interface ReadinessProbe {
  /** Packs loaded and serving. */
  packs(): { ok: boolean; detail: string };
}

export interface GatewayOptions {
  plugins: RoutePlugin[];
  readiness: ReadinessProbe;
  /**
   * Whose X-Forwarded-* to believe (needed for AT_ALLOWED_IPS and the per-IP limit behind a load balancer):
   * true for anyone (tests), or proxy addresses, CIDRs and proxy-addr names (TRUSTED_PROXIES).
   */
  trustProxy?: boolean | string[];
}

const QUEUES: QueueName[] = ['inbound', 'outbound', 'scheduled'];

const arrivals = new WeakMap<object, number>();

/**
 * When the request reached the gateway, before any hook ran (performance.now() clock). Deadlines such as USSD's
 * count from here: the per-IP limiter in front of every route waits up to Redis's command timeout when Redis hangs.
 */
export function arrivedAt(req: FastifyRequest): number {
  return arrivals.get(req.raw) ?? performance.now();
}

export async function buildGateway(ctx: AppContext, opts: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.limits.bodyLimitBytes,
    // An empty list trusts no proxy (TRUSTED_PROXIES=none): proxy-addr then takes the peer address.
    trustProxy: opts.trustProxy ?? false,
    // Provider ids and session ids can be long; anything beyond is not a real callback.
    routerOptions: { maxParamLength: 200 },
  });
  // First hook of all, so the arrival time is taken before the rate limiter touches Redis.
  app.addHook('onRequest', async (req) => {
    arrivals.set(req.raw, performance.now());
  });
  await app.register(formbody, { bodyLimit: ctx.config.limits.bodyLimitBytes });
  // Per-IP limit, shared by every gateway through Redis when there is one; Redis trouble never blocks traffic:
  // the limiter has its own connection with a short timeout, so a hung Redis costs each request 250 ms, not 2 s.
  const limiterRedis =
    ctx.store instanceof RedisStore
      ? ctx.store.client.duplicate({ commandTimeout: 250, maxRetriesPerRequest: 0, enableOfflineQueue: false })
      : undefined;
  limiterRedis?.on('error', () => {});
  app.addHook('onClose', async () => {
    limiterRedis?.disconnect();
  });
  await app.register(rateLimit, {
    global: true,
    max: ctx.config.limits.requestsPerMinutePerIp,
    timeWindow: 60_000,
    keyGenerator: (req) => req.ip,
    allowList: (req) => /^\/(healthz|readyz|metrics)$/.test(req.url.split('?')[0] ?? ''),
    skipOnError: true,
    // Under the deployment's own prefix, so deployments sharing a Redis do not share (or exhaust) one budget.
    ...(limiterRedis && ctx.store instanceof RedisStore
      ? { redis: limiterRedis, nameSpace: `${ctx.store.prefix}ratelimit:ip:` }
      : { nameSpace: 'baraza:ratelimit:ip:' }),
    errorResponseBuilder: (_req, limit) => ({
      statusCode: 429,
      message: `too many requests from this address; retry in ${Math.ceil(limit.ttl / 1000)} s`,
    }),
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof StoreUnavailableError || err instanceof QueueUnavailableError) {
      ctx.log.warn({ route: req.routeOptions.url, err }, 'backend unavailable; asking the caller to retry');
      return reply.code(503).header('retry-after', '5').send({ error: 'service temporarily unavailable, retry later' });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 429) ctx.metrics.rejected.inc({ route: req.routeOptions.url ?? 'unknown', reason: 'rate-limit' });
    if (status === 500) ctx.log.error({ route: req.routeOptions.url, err }, 'unhandled error');
    const message =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `request body is larger than ${ctx.config.limits.bodyLimitBytes} bytes`
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `unsupported Content-Type "${String(req.headers['content-type'] ?? '')}"`
          : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'request body is empty'
            : status === 500
              ? 'internal error'
              : err.message;
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no route for ${req.method} ${req.url.split('?')[0]}` }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const packs = opts.readiness.packs();
    let redis: { ok: boolean; detail: string } = { ok: true, detail: 'embedded' };
    if (ctx.store.kind === 'redis') {
      try {
        await ctx.store.ping();
        redis = { ok: true, detail: 'reachable' };
      } catch (err) {
        redis = { ok: false, detail: (err as Error).message };
      }
    }
    const ready = packs.ok && redis.ok;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', packs, redis });
  });
  app.get('/metrics', async (_req, reply) => {
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
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  for (const plugin of opts.plugins) await plugin(app, ctx);
  return app;
}
