import { Redis, type RedisOptions } from 'ioredis';
import type { KeyValueStore, SetOptions } from './types.js';

/** Thrown when Redis does not answer in time: callers turn it into "busy, try again" / HTTP 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Fail fast instead of queueing commands while Redis is away, so webhooks can answer 503 within deadlines. */
function redisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    ...extra,
  };
}

export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly ownsClient: boolean;

  /** `prefix` starts every key (REDIS_PREFIX); other users of the client (rate limiter) reuse it. */
  constructor(
    urlOrClient: string | Redis,
    readonly prefix = 'baraza:',
  ) {
    if (typeof urlOrClient === 'string') {
      this.client = new Redis(urlOrClient, redisOptions());
      this.client.on('error', () => {
        /* surfaced per command as StoreUnavailableError; readiness reports it */
      });
      this.ownsClient = true;
    } else {
      this.client = urlOrClient;
      this.ownsClient = false;
    }
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new StoreUnavailableError(`Redis unavailable: ${(err as Error).message}`);
    }
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.k(key)));
  }

  set(key: string, value: string, opts: SetOptions = {}): Promise<boolean> {
    return this.run(async () => {
      const k = this.k(key);
      let res: string | null;
      if (opts.ttlMs && opts.onlyIfAbsent) res = await this.client.set(k, value, 'PX', opts.ttlMs, 'NX');
      else if (opts.ttlMs) res = await this.client.set(k, value, 'PX', opts.ttlMs);
      else if (opts.onlyIfAbsent) res = await this.client.set(k, value, 'NX');
      else res = await this.client.set(k, value);
      return res === 'OK';
    });
  }

  async del(key: string): Promise<void> {
    await this.run(() => this.client.del(this.k(key)));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.run(() => this.client.exists(this.k(key)))) === 1;
  }

  incr(key: string, ttlMs?: number): Promise<number> {
    return this.run(async () => {
      const k = this.k(key);
      if (!ttlMs) return this.client.incr(k);
      // PEXPIRE NX (Redis >= 7) sets the window once, when the counter is created.
      const res = (await this.client.multi().incr(k).pexpire(k, ttlMs, 'NX').exec()) as [Error | null, number][];
      return res[0]![1];
    });
  }

  async listPush(key: string, value: string, opts: { maxLength?: number; ttlMs?: number } = {}): Promise<void> {
    await this.run(async () => {
      const k = this.k(key);
      const m = this.client.multi().rpush(k, value);
      if (opts.maxLength !== undefined) m.ltrim(k, -opts.maxLength, -1);
      if (opts.ttlMs) m.pexpire(k, opts.ttlMs);
      await m.exec();
    });
  }

  listRange(key: string, start: number, stop: number): Promise<string[]> {
    return this.run(() => this.client.lrange(this.k(key), start, stop));
  }

  async setAdd(key: string, member: string, opts: { ttlMs?: number } = {}): Promise<void> {
    await this.run(async () => {
      const k = this.k(key);
      if (!opts.ttlMs) return this.client.sadd(k, member);
      return this.client.multi().sadd(k, member).pexpire(k, opts.ttlMs).exec();
    });
  }

  async setScan(key: string, cursor: string, count: number): Promise<{ cursor: string; members: string[] }> {
    const [next, members] = await this.run(() => this.client.sscan(this.k(key), cursor, 'COUNT', count));
    return { cursor: next, members };
  }

  async expire(key: string, ttlMs: number): Promise<void> {
    await this.run(() => this.client.pexpire(this.k(key), ttlMs));
  }

  async setRemove(key: string, member: string): Promise<void> {
    await this.run(() => this.client.srem(this.k(key), member));
  }

  setMembers(key: string): Promise<string[]> {
    return this.run(() => this.client.smembers(this.k(key)));
  }

  async setHas(key: string, member: string): Promise<boolean> {
    return (await this.run(() => this.client.sismember(this.k(key), member))) === 1;
  }

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }
}
