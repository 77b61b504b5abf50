import { createHash } from 'node:crypto';
import { ipKeyGenerator } from 'express-rate-limit';
import type { KeyValueStore } from '../../platform/store/index.js';

/**
 * Admin login lockout (finding 12, issue 14): failed logins are counted per source address (IPv6 by its /64) and
 * per user name in fixed windows of LOGIN_WINDOW_MS, in the shared store (Redis: every gateway sees the same
 * counts). Once either count reaches its limit, every login from that address or for that user name gets 429
 * with Retry-After until the window ends, the right password included. A successful login clears the user
 * name's count. Browsers send basic-auth credentials on every request, so only failures are counted.
 */
const LOGIN_WINDOW_MS = 15 * 60_000;
const MAX_FAILURES_PER_ADDRESS = 20;
const MAX_FAILURES_PER_USER = 10;

export interface LockoutCheck {
  locked: boolean;
  /** Seconds until the current window ends (when the lock lifts). */
  retryAfterSeconds: number;
}

/** The window a moment falls in, and the seconds left of it (pure). */
function loginWindow(now: number): { index: number; retryAfterSeconds: number } {
  const index = Math.floor(now / LOGIN_WINDOW_MS);
  return { index, retryAfterSeconds: Math.max(1, Math.ceil(((index + 1) * LOGIN_WINDOW_MS - now) / 1000)) };
}

/** A user name as a bounded key part: whatever a caller sends, the key stays 16 hex characters. */
const userPart = (user: string) => createHash('sha256').update(user, 'utf8').digest('hex').slice(0, 16);

export class LoginLockout {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number,
  ) {}

  private keys(ip: string, user: string) {
    const { index } = loginWindow(this.now());
    return {
      address: `admin:login-failures:addr:${ipKeyGenerator(ip, 64)}:${index}`,
      user: `admin:login-failures:user:${userPart(user)}:${index}`,
    };
  }

  /** Whether logins from this address or for this user name are locked now. */
  async check(ip: string, user: string): Promise<LockoutCheck> {
    const keys = this.keys(ip, user);
    const [address, forUser] = await Promise.all([this.store.get(keys.address), this.store.get(keys.user)]);
    const locked = Number(address ?? 0) >= MAX_FAILURES_PER_ADDRESS || Number(forUser ?? 0) >= MAX_FAILURES_PER_USER;
    return { locked, retryAfterSeconds: loginWindow(this.now()).retryAfterSeconds };
  }

  /** Counts a failed login; true when this failure locked the address or the user name. */
  async fail(ip: string, user: string): Promise<boolean> {
    const keys = this.keys(ip, user);
    const ttlMs = LOGIN_WINDOW_MS + 60_000;
    const [address, forUser] = await Promise.all([
      this.store.incr(keys.address, ttlMs),
      this.store.incr(keys.user, ttlMs),
    ]);
    return address === MAX_FAILURES_PER_ADDRESS || forUser === MAX_FAILURES_PER_USER;
  }

  /** A successful login: the user name's failures are forgotten (the address's count stays). */
  async succeed(ip: string, user: string): Promise<void> {
    await this.store.del(this.keys(ip, user).user);
  }
}
