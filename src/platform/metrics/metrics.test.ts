import { describe, expect, it } from '@jest/globals';
import { createMetrics } from './index.js';

describe('metric names', () => {
  it('are all baraza_*, with no doubled word such as baraza_process_process_*', async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('baraza_process_cpu_seconds_total');
    expect(names).toContain('baraza_nodejs_heap_size_used_bytes');
    for (const name of names) {
      expect(name).toMatch(/^baraza_[a-z0-9_]+$/);
      expect(name).not.toMatch(/(^|_)(\w+)_\2_/);
    }
  });
});
