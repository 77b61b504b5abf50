import type { KeyValueStore, SetOptions } from './types.js';

interface Entry {
  value: string | string[] | Set<string>;
  expiresAt: number | undefined;
}

/** The embedded default: same semantics as the Redis store, one process only. */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  private sweeps = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    // Amortised expiry so a long-running embedded gateway does not grow without bound.
    if (++this.sweeps % 1000 !== 0) return;
    for (const key of this.data.keys()) this.live(key);
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return typeof e?.value === 'string' ? e.value : null;
  }

  async set(key: string, value: string, opts: SetOptions = {}): Promise<boolean> {
    this.sweep();
    if (opts.onlyIfAbsent && this.live(key)) return false;
    this.data.set(key, { value, expiresAt: opts.ttlMs ? this.now() + opts.ttlMs : undefined });
    return true;
  }

  async del(key: string): Promise<void> {
    this.data.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.live(key) !== undefined;
  }

  async incr(key: string, ttlMs?: number): Promise<number> {
    const e = this.live(key);
    const next = (typeof e?.value === 'string' ? Number(e.value) : 0) + 1;
    this.data.set(key, {
      value: String(next),
      expiresAt: e ? e.expiresAt : ttlMs ? this.now() + ttlMs : undefined,
    });
    return next;
  }

  async listPush(key: string, value: string, opts: { maxLength?: number; ttlMs?: number } = {}): Promise<void> {
    const e = this.live(key);
    const list = Array.isArray(e?.value) ? e.value : [];
    list.push(value);
    if (opts.maxLength !== undefined && list.length > opts.maxLength) list.splice(0, list.length - opts.maxLength);
    this.data.set(key, { value: list, expiresAt: opts.ttlMs ? this.now() + opts.ttlMs : e?.expiresAt });
  }

  async listRange(key: string, start: number, stop: number): Promise<string[]> {
    const e = this.live(key);
    if (!Array.isArray(e?.value)) return [];
    const list = e.value;
    const s = start < 0 ? Math.max(list.length + start, 0) : start;
    const t = stop < 0 ? list.length + stop : stop;
    return list.slice(s, t + 1);
  }

  private set_(key: string): Set<string> {
    const e = this.live(key);
    if (e?.value instanceof Set) return e.value;
    const s = new Set<string>();
    this.data.set(key, { value: s, expiresAt: undefined });
    return s;
  }

  async setAdd(key: string, member: string, opts: { ttlMs?: number } = {}): Promise<void> {
    this.sweep();
    this.set_(key).add(member);
    if (opts.ttlMs) this.data.get(key)!.expiresAt = this.now() + opts.ttlMs;
  }

  /** One page holding the whole set (allowed by SSCAN's contract): one process, nothing to spread. */
  async setScan(key: string, _cursor: string, _count: number): Promise<{ cursor: string; members: string[] }> {
    const e = this.live(key);
    return { cursor: '0', members: e?.value instanceof Set ? [...e.value] : [] };
  }

  async expire(key: string, ttlMs: number): Promise<void> {
    const e = this.live(key);
    if (e) e.expiresAt = this.now() + ttlMs;
  }

  async setRemove(key: string, member: string): Promise<void> {
    this.set_(key).delete(member);
  }

  async setMembers(key: string): Promise<string[]> {
    return [...this.set_(key)];
  }

  async setHas(key: string, member: string): Promise<boolean> {
    return this.set_(key).has(member);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.data.clear();
  }
}
