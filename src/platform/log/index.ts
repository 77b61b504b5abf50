import { createHmac } from 'node:crypto';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Keys whose values are secrets or personal data wherever they appear in a log object. */
const REDACT_PATHS = [
  'phone',
  'from',
  'to',
  'msisdn',
  'phoneNumber',
  'subscriber',
  'text',
  '*.phone',
  '*.from',
  '*.to',
  '*.msisdn',
  '*.phoneNumber',
  '*.subscriber',
  '*.text',
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-hub-signature-256"]',
  'apiKey',
  'authToken',
  'token',
  'password',
  'secret',
  '*.apiKey',
  '*.authToken',
  '*.token',
  '*.password',
];

export function pseudonymiser(salt: string): (phone: string) => string {
  return (phone: string) => `sub_${createHmac('sha256', salt).update(phone).digest('hex').slice(0, 16)}`;
}

const PHONE_LIKE = /\+?\d[\d\s-]{8,16}\d/g;

/** Last line of defence for free text (error messages, URLs): phone-like digit runs become pseudonyms. */
export function scrubText(text: string, pseudonym: (p: string) => string): string {
  return text.replace(PHONE_LIKE, (m) => pseudonym(m.replace(/[\s-]/g, '')));
}

export function createLogger(
  opts: { level: string; pseudonym: (p: string) => string; name?: string },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: opts.name ?? 'baraza',
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a, opts.pseudonym) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: Error) => ({
          type: err.name,
          message: scrubText(err.message, opts.pseudonym),
          stack: err.stack ? scrubText(err.stack, opts.pseudonym) : undefined,
        }),
      },
    },
    destination,
  );
}
