import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { UnsupportedMediaTypeError } from './errors.js';

declare global {
  namespace Express {
    interface Request {
      /** The exact bytes of a JSON body, as received: Meta signs these, not the parsed object. */
      rawBody?: Buffer;
    }
  }
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const TEXT = 'text/plain';

/** Kept by the JSON parser's verify hook; an empty JSON body is refused here, as a client mistake worth naming. */
function keepRawBody(req: Request, _res: Response, buf: Buffer): void {
  req.rawBody = buf;
  if (buf.length === 0) throw Object.assign(new Error('request body is empty'), { type: 'json.empty', status: 400 });
}

/** A body is announced by its length or by chunked encoding (type-is's rule, which the parsers follow too). */
const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined ||
  !Number.isNaN(Number.parseInt(req.headers['content-length'] ?? '', 10));

/**
 * Reads a request body once, up to `limitBytes`: forms (flat fields, repeated ones as arrays), JSON (with the raw
 * bytes kept on `req.rawBody`) and plain text. Any other type of body is refused with 415 naming it. A GET or
 * HEAD body is read and dropped, so no parser further on (Bull Board's) tries to make sense of it. Parser errors
 * go to the gateway's error handler, which names them (413, 400, 415).
 */
export function readBody(limitBytes: number): RequestHandler {
  const parsers: RequestHandler[] = [
    // Flat fields as providers send them; the body limit bounds the number of fields, not a separate count.
    express.urlencoded({ extended: false, limit: limitBytes, parameterLimit: Number.POSITIVE_INFINITY }),
    express.json({ limit: limitBytes, strict: false, verify: keepRawBody }),
    express.text({ limit: limitBytes, type: TEXT }),
  ];
  const drop = express.raw({ limit: limitBytes, type: () => true });
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    if (req.method === 'GET' || req.method === 'HEAD') {
      return drop(req, res, (err?: unknown) => {
        req.body = undefined;
        next(err);
      });
    }
    const type = req.headers['content-type'];
    if (!type || !req.is([FORM, JSON_TYPE, TEXT])) {
      // No type and no bytes is no body at all.
      if (!type && req.headers['content-length'] === '0') return next();
      return next(new UnsupportedMediaTypeError(`unsupported Content-Type "${String(type ?? '')}"`));
    }
    let i = 0;
    const step = (err?: unknown) => {
      const parser = parsers[i++];
      if (err || !parser) next(err);
      else parser(req, res, step as NextFunction);
    };
    step();
  };
}
