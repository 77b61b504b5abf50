import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The suite's Redis (REDIS_URL or the private server global-setup started). */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
  if (!url) throw new Error('No Redis for tests: global-setup did not run and REDIS_URL is unset');
  return url;
}

/** A key prefix of this test's own, so files can run in parallel and in any order. */
export function uniquePrefix(label: string): string {
  return `t:${label}:${randomBytes(4).toString('hex')}:`;
}

/** Delete every key under `prefix` (store keys and BullMQ keys share it). */
export async function cleanupPrefix(prefix: string, url = testRedisUrl()): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
