import type { ErrorRequestHandler, Request } from 'express';
import type { AppContext } from '../../src/platform/context.js';
import { QueueUnavailableError } from '../../src/platform/queue/index.js';
import { StoreUnavailableError } from '../../src/platform/store/index.js';

export interface RejectionOptions {
  /** Counted in baraza_rejected_requests_total under this reason (provider routes); uncounted when absent. */
  reason?: string;
  /** Metric label of the route; the request's own path when absent. */
  route?: string;
  headers?: Record<string, string>;
}

/**
 * A request refused with a 4xx (or a 503 for missing configuration): the message names the field or header at
 * fault and becomes the `{ "error" }` body. Middleware passes these to next(err) or throws them from handlers.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly options: RejectionOptions = {},
  ) {
    super(message);
  }
}

export class BadRequestError extends HttpError {
  override readonly name = 'BadRequestError';
  constructor(message: string, options?: RejectionOptions) {
    super(400, message, options);
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string, options?: RejectionOptions) {
    super(401, message, options);
  }
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  constructor(message: string, options?: RejectionOptions) {
    super(403, message, options);
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(message: string, options?: RejectionOptions) {
    super(404, message, options);
  }
}

class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, `request body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(message: string, options?: RejectionOptions) {
    super(415, message, options);
  }
}

/**
 * Over a request budget (by default the per-IP one); the caller may retry after `retryAfterSeconds`. `what` names
 * the budget in the message, `reason` labels the rejection metric.
 */
export class TooManyRequestsError extends HttpError {
  override readonly name = 'TooManyRequestsError';
  constructor(
    readonly retryAfterSeconds: number,
    what = 'too many requests from this address',
    options: { reason?: string; route?: string } = {},
  ) {
    super(429, `${what}; retry in ${retryAfterSeconds} s`, {
      reason: options.reason ?? 'rate-limit',
      ...(options.route ? { route: options.route } : {}),
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** A secret the route needs is not configured: the route refuses everything rather than accept unverified traffic. */
export class NotConfiguredError extends HttpError {
  override readonly name = 'NotConfiguredError';
  constructor(message: string) {
    super(503, message);
  }
}

/** Errors of Express and its parsers are http-errors: a status, `expose` when the message is for the client, and a `type` for body-parser's. */
interface LibraryError {
  type?: string;
  status?: number;
  expose?: boolean;
  message: string;
}

const isLibraryError = (err: unknown): err is LibraryError =>
  err instanceof Error &&
  (typeof (err as LibraryError).type === 'string' || typeof (err as LibraryError).status === 'number');

/** Path of the request for messages and labels: the full path the caller used, without the query. */
export const requestPath = (req: Request): string => (req.originalUrl ?? req.url).split('?')[0] ?? '/';

/** A library's client error in our words, or undefined when it is not one. */
function fromLibrary(err: unknown, req: Request, bodyLimitBytes: number): HttpError | undefined {
  if (!isLibraryError(err)) return undefined;
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(bodyLimitBytes);
    case 'entity.parse.failed':
      return new BadRequestError('request body is not valid JSON');
    case 'json.empty':
      return new BadRequestError('request body is empty');
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError(
        `${err.message} in Content-Type "${String(req.headers['content-type'] ?? '')}"`,
      );
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError(
        `unsupported Content-Encoding "${String(req.headers['content-encoding'] ?? '')}"`,
      );
    default: {
      const status = err.status ?? 500;
      if (status < 400 || status >= 500) return undefined;
      return new HttpError(status, err.type && err.expose !== false ? `request body: ${err.message}` : err.message);
    }
  }
}

/**
 * The one error handler, last in the gateway: typed errors become their status and `{ "error" }` body, Redis
 * trouble a 503 the provider retries, anything else a 500 that is logged (and never shows its message).
 */
export function errorHandler(ctx: AppContext, surfaces: readonly string[] = []): ErrorRequestHandler {
  /** A bounded metric label for a request without a declared route: the surface it reached under the mount. */
  const routeLabel = (req: Request): string => {
    const relative = requestPath(req).slice(req.baseUrl.length);
    return surfaces.find((s) => relative === s || relative.startsWith(`${s}/`)) ?? 'other';
  };
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof StoreUnavailableError || err instanceof QueueUnavailableError) {
      ctx.log.warn({ route: requestPath(req), err }, 'backend unavailable; asking the caller to retry');
      res.status(503).set('retry-after', '5').json({ error: 'service temporarily unavailable, retry later' });
      return;
    }
    const known = err instanceof HttpError ? err : fromLibrary(err, req, ctx.config.limits.bodyLimitBytes);
    if (!known) {
      ctx.log.error({ route: requestPath(req), err }, 'unhandled error');
      res.status(500).json({ error: 'internal error' });
      return;
    }
    const { reason, route, headers } = known.options;
    if (reason) ctx.metrics.rejected.inc({ route: route ?? routeLabel(req), reason });
    if (headers) res.set(headers);
    res.status(known.status).json({ error: known.message });
  };
}
