import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../../channels/shared/errors.js';
import { sameSecret } from '../../platform/secrets.js';

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

/**
 * Middleware in front of every `/admin` route: 401 with a Basic challenge unless the credentials match; 403
 * naming the variables when ADMIN_USER/ADMIN_PASSWORD are unset (the pages are then off, not open).
 */
export function adminGuard(
  admin: { user?: string; password?: string },
  onReject?: (reason: string) => void,
): RequestHandler {
  return (req, _res, next) => {
    if (!admin.user || !admin.password) {
      onReject?.('unconfigured');
      return next(new ForbiddenError('admin pages are disabled: set ADMIN_USER and ADMIN_PASSWORD to enable them'));
    }
    const given = parseBasicAuth(req.headers.authorization);
    if (!given || !credentialsMatch(given, { user: admin.user, password: admin.password })) {
      onReject?.(given ? 'credentials' : 'authorization-missing');
      return next(
        new UnauthorizedError(
          given ? 'Authorization: wrong user name or password' : 'Authorization header is missing (HTTP basic auth)',
          { headers: { 'www-authenticate': `Basic realm="${ADMIN_REALM}", charset="UTF-8"` } },
        ),
      );
    }
    next();
  };
}
