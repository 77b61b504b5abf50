import { describe, expect, it } from '@jest/globals';
import { READINESS_FAILURES_BEFORE_UNREADY, READINESS_GRACE_MS, RedisHealth } from './readiness.js';

describe('readiness through a short Redis outage (issue 14, finding 13)', () => {
  it('finding 13: a Redis restart of a few seconds never turns the gateway unready (probes every 5 s)', () => {
    const health = new RedisHealth();
    const t0 = 1_000_000;
    expect(health.record(true, t0).ready).toBe(true);
    // Redis down for 12 s: three failed probes, still inside the grace period.
    for (const dt of [5_000, 10_000, 15_000]) {
      const s = health.record(false, t0 + dt);
      expect(s).toMatchObject({ ready: true, state: 'degraded' });
    }
    expect(health.record(true, t0 + 20_000)).toEqual({
      state: 'ok',
      ready: true,
      consecutiveFailures: 0,
      detail: 'reachable',
    });
  });

  it('finding 13: a long outage turns it unready only after enough failures over the grace period', () => {
    const health = new RedisHealth();
    const t0 = 5_000_000;
    // Many quick failures are not enough on their own...
    for (let i = 0; i < 10; i++) expect(health.record(false, t0 + i * 100).ready).toBe(true);
    // ...nor is time alone with too few checks.
    const slow = new RedisHealth();
    slow.record(false, t0);
    expect(slow.record(false, t0 + READINESS_GRACE_MS * 3).ready).toBe(READINESS_FAILURES_BEFORE_UNREADY > 2);
    const s = health.record(false, t0 + READINESS_GRACE_MS);
    expect(s).toMatchObject({ ready: false, state: 'unavailable', consecutiveFailures: 11, failingSinceMs: t0 });
    // The body says nothing about hosts or ports.
    expect(s.detail).toBe('unreachable');
    expect(health.record(true, t0 + READINESS_GRACE_MS + 5_000).ready).toBe(true);
  });

  it('takes its thresholds as options and refuses nonsense', () => {
    const strict = new RedisHealth({ failuresBeforeUnready: 1, graceMs: 0 });
    expect(strict.record(false, 0).ready).toBe(false);
    expect(() => new RedisHealth({ failuresBeforeUnready: 0 })).toThrow(RangeError);
  });
});
