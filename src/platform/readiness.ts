/**
 * Redis health as `/readyz` should report it. A short Redis outage (a restart, a fail-over) makes every gateway
 * fail its check at the same moment; reporting that at once would make the load balancer drop every backend,
 * and callers would get a carrier error instead of the localised "busy, try again" USSD screen and the 503 that
 * providers retry. So a gateway turns unready only when Redis has failed for a while: at least
 * `failuresBeforeUnready` checks in a row, spanning at least `graceMs`. One success makes it ready again.
 * Pure (the caller runs the check and passes the time), so the rule is tested without Redis or timers.
 */
export interface RedisHealthOptions {
  /** @defaultValue 3 consecutive failed checks */
  failuresBeforeUnready?: number;
  /** @defaultValue 20000 ms from the first failure of the streak */
  graceMs?: number;
}

export const READINESS_FAILURES_BEFORE_UNREADY = 3;
export const READINESS_GRACE_MS = 20_000;

type RedisHealthState = 'ok' | 'degraded' | 'unavailable';

export interface RedisHealthStatus {
  state: RedisHealthState;
  /** Whether `/readyz` should say ready: true while `ok` or `degraded` (riding out the outage). */
  ready: boolean;
  consecutiveFailures: number;
  /** When the current streak of failures began (ms since the epoch); undefined while healthy. */
  failingSinceMs?: number;
  /** Generic words for the response body: never the Redis error (it names hosts and ports). */
  detail: string;
}

export class RedisHealth {
  private readonly failuresBeforeUnready: number;
  private readonly graceMs: number;
  private failures = 0;
  private failingSince: number | undefined;

  constructor(opts: RedisHealthOptions = {}) {
    this.failuresBeforeUnready = opts.failuresBeforeUnready ?? READINESS_FAILURES_BEFORE_UNREADY;
    this.graceMs = opts.graceMs ?? READINESS_GRACE_MS;
    if (!(this.failuresBeforeUnready >= 1) || !(this.graceMs >= 0)) {
      throw new RangeError('failuresBeforeUnready must be at least 1 and graceMs at least 0');
    }
  }

  /** The outcome of one check at `atMs`. */
  record(ok: boolean, atMs: number): RedisHealthStatus {
    if (ok) {
      this.failures = 0;
      this.failingSince = undefined;
    } else {
      this.failures++;
      this.failingSince ??= atMs;
    }
    return this.status(atMs);
  }

  status(atMs: number): RedisHealthStatus {
    if (this.failingSince === undefined) {
      return { state: 'ok', ready: true, consecutiveFailures: 0, detail: 'reachable' };
    }
    const unavailable = this.failures >= this.failuresBeforeUnready && atMs - this.failingSince >= this.graceMs;
    return {
      state: unavailable ? 'unavailable' : 'degraded',
      ready: !unavailable,
      consecutiveFailures: this.failures,
      failingSinceMs: this.failingSince,
      detail: unavailable ? 'unreachable' : 'not answering; riding out a short outage',
    };
  }
}
