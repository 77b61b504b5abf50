/**
 * Small key-value surface shared by the Redis store (production) and the in-process store (embedded default).
 * Keys are namespaced by the store's prefix; callers pass bare keys such as `ussd:session:<id>`.
 */
export interface SetOptions {
  ttlMs?: number;
  /** Only write when the key does not exist (SET NX); the result says whether it was written. */
  onlyIfAbsent?: boolean;
}

export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: SetOptions): Promise<boolean>;
  del(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Atomic increment; the TTL is set when the counter is created (fixed windows, rate limits). */
  incr(key: string, ttlMs?: number): Promise<number>;
  /** Append to a list, keeping at most `maxLength` newest items. */
  listPush(key: string, value: string, opts?: { maxLength?: number; ttlMs?: number }): Promise<void>;
  listRange(key: string, start: number, stop: number): Promise<string[]>;
  /** Add to a set; `ttlMs` (re)sets the whole set's expiry, so a set written from input never outlives its use. */
  setAdd(key: string, member: string, opts?: { ttlMs?: number }): Promise<void>;
  setRemove(key: string, member: string): Promise<void>;
  /** Every member at once: only for sets known to be small. Large sets are paged with setScan. */
  setMembers(key: string): Promise<string[]>;
  /**
   * One page of a set (SSCAN): start with cursor '0', stop when the returned cursor is '0' again. A member may
   * come twice, and one added or removed meanwhile may or may not come; `count` is a hint, not a limit.
   */
  setScan(key: string, cursor: string, count: number): Promise<{ cursor: string; members: string[] }>;
  setHas(key: string, member: string): Promise<boolean>;
  /** (Re)sets a key's expiry; nothing happens when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function getJson<T>(store: KeyValueStore, key: string): Promise<T | undefined> {
  const raw = await store.get(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export async function setJson(store: KeyValueStore, key: string, value: unknown, opts?: SetOptions): Promise<boolean> {
  return store.set(key, JSON.stringify(value), opts);
}
