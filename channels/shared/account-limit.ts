import type { Provider } from '../../src/core/messages/index.js';
import type { AppContext } from '../../src/platform/context.js';
import { StoreUnavailableError } from '../../src/platform/store/index.js';
import { TooManyRequestsError } from './errors.js';

const WINDOW_MS = 60_000;

/** The minute a moment falls in, and the seconds left of it (pure). */
function accountWindow(now: number): { index: number; retryAfterSeconds: number } {
  const index = Math.floor(now / WINDOW_MS);
  return { index, retryAfterSeconds: Math.max(1, Math.ceil(((index + 1) * WINDOW_MS - now) / 1000)) };
}

/**
 * The per-account budget of authenticated provider traffic (issue 14): PROVIDER_RATE_LIMIT_PER_MINUTE callbacks
 * per provider account (AT username, Twilio AccountSid, Meta phone_number_id) and minute, counted in the shared
 * store, so every gateway of a deployment sees one count. It is never keyed on the source address: a provider
 * sends every user's traffic from a few addresses. Called only once the request's signature, token or address
 * check has passed (the ids come from an authenticated payload, and are at most 64 characters in every schema).
 * Over the budget: 429 with Retry-After, which providers retry. Redis away: the request goes on (it is
 * authenticated; the route's own store access answers 503 if it needs Redis).
 */
export async function limitProviderAccount(
  ctx: AppContext,
  route: string,
  provider: Provider,
  account: string,
): Promise<void> {
  const { index, retryAfterSeconds } = accountWindow(ctx.now());
  let count: number;
  try {
    count = await ctx.store.incr(`ratelimit:account:${provider}:${account.slice(0, 64)}:${index}`, WINDOW_MS + 5_000);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err;
    ctx.log.debug({ err, provider }, 'provider account limiter unavailable');
    return;
  }
  if (count === ctx.config.limits.requestsPerMinutePerAccount + 1) {
    ctx.log.warn({ provider, route }, 'provider account over PROVIDER_RATE_LIMIT_PER_MINUTE: answering 429');
  }
  if (count > ctx.config.limits.requestsPerMinutePerAccount) {
    throw new TooManyRequestsError(retryAfterSeconds, 'too many requests for this provider account', {
      reason: 'account-rate-limit',
      route,
    });
  }
}
