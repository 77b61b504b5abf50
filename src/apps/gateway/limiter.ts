import type { RequestHandler } from 'express';
import { type ClientRateLimitInfo, ipKeyGenerator, MemoryStore, type Options, type Store } from 'express-rate-limit';
import { RedisStore as RateLimitRedisStore } from 'rate-limit-redis';
import { TooManyRequestsError } from '../../../channels/shared/errors.js';
import { wasAuthenticated } from '../../../channels/shared/http.js';
import type { AppContext } from '../../platform/context.js';
import { RedisStore, StoreUnavailableError } from '../../platform/store/index.js';

/** Orchestrators probe these; they never count against anyone's budget. */
const UNLIMITED = /^\/(healthz|readyz|metrics)$/;
const WINDOW_MS = 60_000;

/**
 * rate-limit-redis caches the SHA of its Lua script as a promise loaded once at start-up; a load that failed
 * (Redis not reachable yet, or away) would fail every later request. The scripts are loaded again whenever the
 * connection is (re)established and after any failed increment.
 */
class ReloadingRedisStore extends RateLimitRedisStore {
  reloadScripts(): void {
    const increment = this.loadIncrementScript();
    const get = this.loadGetScript();
    // Awaited by the next request; a failure here is that request's error, not an unhandled rejection.
    increment.catch(() => undefined);
    get.catch(() => undefined);
    this.incrementScriptSha = increment;
    this.getScriptSha = get;
  }

  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.reloadScripts();
  }

  override async increment(key: string) {
    try {
      return await super.increment(key);
    } catch (err) {
      this.reloadScripts();
      throw err;
    }
  }
}

export interface RequestLimiter {
  middleware: RequestHandler;
  /** Releases the limiter's own Redis connection. */
  close(): void;
}

/** Provider routes whose every request is authenticated (signature, token or source address) before it is served. */
function authenticatingRoute(ctx: AppContext, path: string): boolean {
  if (path.startsWith('/channels/twilio/') || path.startsWith('/channels/whatsapp')) return true;
  if (path.startsWith('/channels/africastalking/')) {
    const auth = ctx.config.africasTalking.inboundAuth;
    return auth === 'token' || auth === 'ip' || auth === 'token+ip';
  }
  return false;
}

/**
 * The per-address request limit (IP_RATE_LIMIT_PER_MINUTE per address and minute, IPv6 keyed by its /64), shared
 * by every gateway of a deployment through Redis under its REDIS_PREFIX; in memory on the embedded backend.
 *
 * It counts only traffic that is not authenticated (findings 1 and 6, issue 14). A provider sends every user's
 * hops from a few addresses, so on a provider route that authenticates, a request is counted only when its
 * signature, token or address check failed, and refused up front only when its address has already failed that
 * often; one that passed costs nothing. Everything else (the simulator, admin pages, AT routes open by choice)
 * is counted up front and fails closed: 503 when Redis cannot count it. The limiter has its own connection whose
 * commands time out after 250 ms, so a hung Redis costs a request at most that.
 */
export function requestLimiter(ctx: AppContext): RequestLimiter {
  const redis =
    ctx.store instanceof RedisStore
      ? ctx.store.client.duplicate({ commandTimeout: 250, maxRetriesPerRequest: 0, enableOfflineQueue: true })
      : undefined;
  redis?.on('error', () => {});
  let store: Store;
  if (redis && ctx.store instanceof RedisStore) {
    const redisStore = new ReloadingRedisStore({
      sendCommand: (command: string, ...args: string[]) =>
        redis.call(command, ...args) as Promise<string | number | (string | number)[]>,
      prefix: `${ctx.store.prefix}ratelimit:ip:`,
    });
    redis.on('ready', () => redisStore.reloadScripts());
    store = redisStore;
  } else {
    store = new MemoryStore();
  }
  void store.init?.({ windowMs: WINDOW_MS } as Options);
  const limit = ctx.config.limits.requestsPerMinutePerIp;
  const refuse = (reset: Date | undefined) =>
    new TooManyRequestsError(
      Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + WINDOW_MS) - Date.now()) / 1000)),
    );

  const middleware: RequestHandler = async (req, res, next) => {
    if (UNLIMITED.test(req.path)) return next();
    // One budget per IPv4 address and per IPv6 /64 (one subscriber line gets a whole /64).
    const key = ipKeyGenerator(req.ip ?? '', 64);
    if (authenticatingRoute(ctx, req.path)) {
      try {
        const seen = await store.get?.(key);
        if (seen && seen.totalHits >= limit) return next(refuse(seen.resetTime));
      } catch (err) {
        // Redis away: the provider's own check still refuses every unauthenticated request.
        ctx.log.debug({ err }, 'request limiter unavailable');
      }
      res.on('finish', () => {
        if (!wasAuthenticated(req)) {
          Promise.resolve(store.increment(key)).catch((err: unknown) =>
            ctx.log.debug({ err }, 'request limiter unavailable'),
          );
        }
      });
      return next();
    }
    let hits: ClientRateLimitInfo;
    try {
      hits = await store.increment(key);
    } catch (err) {
      ctx.log.debug({ err }, 'request limiter unavailable');
      return next(new StoreUnavailableError('request limiter unavailable'));
    }
    if (hits.totalHits > limit) return next(refuse(hits.resetTime));
    next();
  };
  return {
    middleware,
    close: () => {
      redis?.disconnect();
      if (store instanceof MemoryStore) store.shutdown();
    },
  };
}
