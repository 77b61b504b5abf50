import { describe, expect, it } from '@jest/globals';
import { makeTestContext } from '../../tests/support/context.js';
import { loadStatus, recordStatus } from './delivery-status.js';
import { MemoryStore } from './store/index.js';

describe('delivery reports (issue 14, finding 7)', () => {
  it('finding 7: a report whose id is longer than any provider sends is never stored', async () => {
    const store = new MemoryStore();
    const ctx = await makeTestContext({ store });
    const long = 'A'.repeat(5000);
    const at = '2026-05-01T10:00:00.000Z';
    const event = {
      kind: 'status',
      provider: 'africastalking',
      status: 'delivered',
      providerStatus: 'Success',
      at,
    } as const;
    expect(await recordStatus(ctx, { ...event, providerMessageId: long }, 'sms')).toBe('stale');
    expect(await loadStatus(ctx, 'africastalking', long)).toBeUndefined();
    expect(await recordStatus(ctx, { ...event, providerMessageId: 'ATXid_1' }, 'sms')).toBe('stored');
    await ctx.queues.close();
  });
});
