import { createHmac } from 'node:crypto';
import { sameSecret } from '../../src/platform/secrets.js';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** The header value Meta sends: `sha256=` + hex HMAC-SHA256 of the raw body with the app secret. */
export function signBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'malformed' | 'mismatch';

/** Constant-time check of `X-Hub-Signature-256` against the raw body. */
export function checkSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  appSecret: string,
): SignatureCheck {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return 'missing';
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(value.trim());
  if (!m) return 'malformed';
  const expected = createHmac('sha256', appSecret).update(rawBody).digest('hex');
  return sameSecret(m[1]!.toLowerCase(), expected) ? 'ok' : 'mismatch';
}
