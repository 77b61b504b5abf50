import { type Request, type RequestHandler, Router } from 'express';
import { UnsupportedMediaTypeError } from './errors.js';

/** Routers match paths exactly as written (case and trailing slash), as the providers were told to call them. */
export const newRouter = (): Router => Router({ caseSensitive: true, strict: true });

const arrivals = new WeakMap<Request, number>();

/** The gateway's first middleware: notes when the request arrived, before the limiter or a parser waited on anything. */
export const markArrival: RequestHandler = (req, _res, next) => {
  if (!arrivals.has(req)) arrivals.set(req, performance.now());
  next();
};

/**
 * When the request reached the gateway (performance.now() clock). Deadlines such as USSD's count from here: the
 * per-IP limiter in front of every route waits up to Redis's command timeout when Redis hangs.
 */
export function arrivedAt(req: Request): number {
  return arrivals.get(req) ?? performance.now();
}

const authenticated = new WeakSet<Request>();

/**
 * The provider's signature, token or source-address check passed: the per-IP limit does not count this request
 * (a provider sends every user's traffic from a few addresses; finding 1, issue 14).
 */
export function markAuthenticated(req: Request): void {
  authenticated.add(req);
}

export function wasAuthenticated(req: Request): boolean {
  return authenticated.has(req);
}

const FORM = 'application/x-www-form-urlencoded';

/** Provider callbacks that are forms (Africa's Talking, Twilio) refuse any other body with 415. */
export function requireForm(route: string): RequestHandler {
  return (req, _res, next) => {
    if (String(req.headers['content-type'] ?? '').startsWith(FORM)) return next();
    next(new UnsupportedMediaTypeError(`Content-Type must be ${FORM}`, { route, reason: 'content-type' }));
  };
}
