import type { Request, RequestHandler } from 'express';
import { type Options, type RateLimitInfo, rateLimit } from 'express-rate-limit';
import { RedisStore as RateLimitRedisStore } from 'rate-limit-redis';
import { TooManyRequestsError } from '../../../channels/shared/errors.js';
import type { AppContext } from '../../platform/context.js';
import { RedisStore } from '../../platform/store/index.js';

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

/**
 * The per-client request limit in front of every route (IP_RATE_LIMIT_PER_MINUTE per address and minute), shared
 * by every gateway of a deployment through Redis under its REDIS_PREFIX; in memory on the embedded backend.
 * Redis trouble never blocks traffic: the limiter has its own connection whose commands (queued while it
 * connects) time out after 250 ms, so a hung or absent Redis costs a request at most that, and lets requests
 * through when its store fails.
 */
export function requestLimiter(ctx: AppContext): RequestLimiter {
  const redis =
    ctx.store instanceof RedisStore
      ? ctx.store.client.duplicate({ commandTimeout: 250, maxRetriesPerRequest: 0, enableOfflineQueue: true })
      : undefined;
  redis?.on('error', () => {});
  const store =
    redis && ctx.store instanceof RedisStore
      ? new ReloadingRedisStore({
          sendCommand: (command: string, ...args: string[]) =>
            redis.call(command, ...args) as Promise<string | number | (string | number)[]>,
          prefix: `${ctx.store.prefix}ratelimit:ip:`,
        })
      : undefined;
  if (store) redis?.on('ready', () => store.reloadScripts());
  const options: Partial<Options> = {
    windowMs: WINDOW_MS,
    limit: ctx.config.limits.requestsPerMinutePerIp,
    // The key is the client address (req.ip, after TRUSTED_PROXIES), whole: one IPv6 address, one budget.
    ipv6Subnet: false,
    skip: (req: Request) => UNLIMITED.test(req.path),
    passOnStoreError: true,
    legacyHeaders: true,
    standardHeaders: false,
    handler: (req, _res, next) => {
      const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
      const reset = info?.resetTime?.getTime() ?? Date.now() + WINDOW_MS;
      next(new TooManyRequestsError(Math.max(1, Math.ceil((reset - Date.now()) / 1000))));
    },
    // Whose X-Forwarded-For counts is TRUSTED_PROXIES' decision, checked at start-up.
    validate: { trustProxy: false, xForwardedForHeader: false, forwardedHeader: false },
    logger: {
      error: (err, message) => ctx.log.debug({ err }, message ?? 'request limiter error'),
      warn: (err, message) => ctx.log.warn({ err }, message ?? 'request limiter warning'),
    },
    ...(store ? { store } : {}),
  };
  return {
    middleware: rateLimit(options),
    close: () => redis?.disconnect(),
  };
}
