import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The one comparison of a presented secret (token, password, verify token) with the configured one. Both are
 * hashed to equal-length digests first, so neither the content nor the length of the secret leaks through timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
