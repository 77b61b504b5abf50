import type { RequestHandler } from 'express';
import helmet, { contentSecurityPolicy, xFrameOptions } from 'helmet';

/** Everything from this server only, nothing inline: the simulator page is written to this policy. */
const BASE_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  objectSrc: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
};

/**
 * Helmet's security headers on every response. No upgrade-insecure-requests: `npm start` serves plain HTTP on
 * localhost, where upgraded asset URLs would not load.
 */
export const securityHeaders = (): RequestHandler =>
  helmet({ contentSecurityPolicy: { useDefaults: false, directives: BASE_POLICY } });

/**
 * The admin pages and Bull Board style their markup inline (style elements and attributes; scripts stay external),
 * and are never framed by anyone.
 */
export const adminSecurityHeaders = (): RequestHandler[] => [
  contentSecurityPolicy({
    useDefaults: false,
    directives: { ...BASE_POLICY, styleSrc: ["'self'", "'unsafe-inline'"], frameAncestors: ["'none'"] },
  }),
  xFrameOptions({ action: 'deny' }),
];
