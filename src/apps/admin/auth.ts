import type { RequestHandler } from 'express';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../../../channels/shared/errors.js';
import type { AppContext } from '../../platform/context.js';
import { sameSecret } from '../../platform/secrets.js';
import { LoginLockout } from './lockout.js';

const ADMIN_REALM = 'Baraza admin';

/** `Authorization: Basic <base64(user:password)>` → the pair, or undefined when absent or malformed. */
function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Both fields are always compared, so a wrong user name takes as long as a wrong password. */
function credentialsMatch(
  given: { user: string; password: string },
  expected: { user: string; password: string },
): boolean {
  const userOk = sameSecret(given.user, expected.user);
  const passwordOk = sameSecret(given.password, expected.password);
  return userOk && passwordOk;
}

export interface AdminGuardOptions {
  /** Label of the rejection metric (`baraza_rejected_requests_total{route}`). @defaultValue '/admin' */
  route?: string;
}

/**
 * Middleware in front of every `/admin` route (and `/metrics` on PORT): 401 with a Basic challenge unless the
 * credentials match; 403 naming the variables when ADMIN_USER/ADMIN_PASSWORD are unset (the pages are then off,
 * not open); 429 with Retry-After while the address or user name is locked out after failed logins (lockout.ts).
 */
export function adminGuard(ctx: AppContext, opts: AdminGuardOptions = {}): RequestHandler {
  const admin = ctx.config.admin;
  const route = opts.route ?? '/admin';
  const lockout = new LoginLockout(ctx.store, ctx.now);
  const reject = (reason: string) => ctx.metrics.rejected.inc({ route, reason });
  return async (req, _res, next) => {
    if (!admin.user || !admin.password) {
      reject('unconfigured');
      return next(new ForbiddenError('admin pages are disabled: set ADMIN_USER and ADMIN_PASSWORD to enable them'));
    }
    const challenge = { headers: { 'www-authenticate': `Basic realm="${ADMIN_REALM}", charset="UTF-8"` } };
    const given = parseBasicAuth(req.headers.authorization);
    if (!given) {
      reject('authorization-missing');
      return next(new UnauthorizedError('Authorization header is missing (HTTP basic auth)', challenge));
    }
    const ip = req.ip ?? '';
    // Redis away: StoreUnavailableError, a 503; never a login without the lockout's count.
    const lock = await lockout.check(ip, given.user);
    if (lock.locked) {
      // Counted by the error handler under reason 'locked-out'.
      return next(
        new TooManyRequestsError(lock.retryAfterSeconds, 'too many failed logins from this address or for this user', {
          reason: 'locked-out',
          route,
        }),
      );
    }
    if (!credentialsMatch(given, { user: admin.user, password: admin.password })) {
      reject('credentials');
      if (await lockout.fail(ip, given.user)) {
        ctx.log.warn({ route }, 'admin logins locked out after repeated failures (address or user name)');
      }
      return next(new UnauthorizedError('Authorization: wrong user name or password', challenge));
    }
    await lockout.succeed(ip, given.user);
    next();
  };
}
