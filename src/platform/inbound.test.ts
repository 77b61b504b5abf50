import { describe, expect, it } from '@jest/globals';
import { makeTestContext } from '../../tests/support/context.js';
import type { InboundMessage } from '../core/messages/index.js';
import { acceptInbound } from './inbound.js';
import { MemoryStore } from './store/index.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-05-01T10:00:00Z');

async function context(now: () => number) {
  const ctx = await makeTestContext({ store: new MemoryStore(now), now });
  const jobs: InboundMessage[] = [];
  // Nobody processes the queue: what it holds is what was accepted.
  const add = ctx.queues.queue<InboundMessage>('inbound').add.bind(ctx.queues.queue('inbound'));
  ctx.queues.queue<InboundMessage>('inbound').add = async (name, data, opts) => {
    jobs.push(data);
    return add(name, data, opts);
  };
  return { ctx, jobs };
}

const meta = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  id: 'meta:whatsapp:wamid.A1',
  channel: 'whatsapp',
  provider: 'meta',
  from: '+254712345678',
  text: 'when do I plant beans?',
  providerMessageId: 'wamid.A1',
  receivedAt: new Date(T0).toISOString(),
  ...over,
});

describe('inbound ids and replays (issue 14)', () => {
  it("finding 11: an AT SMS whose id is 'ussd:S:1' and the USSD question S:1 are two messages, two jobs", async () => {
    const { ctx, jobs } = await context(() => T0);
    const ussd: InboundMessage = {
      id: 'africastalking:ussd:S:1',
      channel: 'ussd',
      provider: 'africastalking',
      from: '+254712345678',
      text: 'maize',
      providerMessageId: 'ussd:S:1',
      receivedAt: new Date(T0).toISOString(),
      ussdSessionId: 'S',
    };
    const sms: InboundMessage = {
      id: 'africastalking:ussd:S:1',
      channel: 'sms',
      provider: 'africastalking',
      from: '+254799999999',
      text: 'something else',
      providerMessageId: 'ussd:S:1',
      receivedAt: new Date(T0).toISOString(),
    };
    expect(await acceptInbound(ctx, sms)).toBe('accepted');
    expect(await acceptInbound(ctx, ussd)).toBe('accepted');
    const queue = ctx.queues.queue<InboundMessage>('inbound');
    expect((await queue.counts()).waiting).toBe(2);
    expect(jobs.map((j) => j.id)).toEqual(['africastalking:sms:ussd:S:1', 'africastalking:ussd:S:1']);
    await ctx.queues.close();
  });

  it('finding 10: a Meta message delivered again six days later is still a duplicate (Meta retries for 7 days)', async () => {
    let now = T0;
    const { ctx } = await context(() => now);
    expect(await acceptInbound(ctx, meta())).toBe('accepted');
    now += 6 * DAY + 20 * 60 * 60 * 1000;
    expect(await acceptInbound(ctx, meta({ receivedAt: new Date(now).toISOString() }))).toBe('duplicate');
    await ctx.queues.close();
  });

  it("finding 10: a message older than the provider's retry window is logged and dropped, one inside it is taken", async () => {
    const { ctx, jobs } = await context(() => T0);
    const stale = meta({
      id: 'meta:whatsapp:wamid.OLD',
      providerMessageId: 'wamid.OLD',
      sentAt: new Date(T0 - 7 * DAY - 2 * 60 * 60 * 1000).toISOString(),
    });
    expect(await acceptInbound(ctx, stale)).toBe('dropped');
    expect(ctx.logs.text()).toMatch(/older than the provider's retry window/);
    // Meta may still retry this one (6 days 23 hours old): it is never dropped.
    const late = meta({ sentAt: new Date(T0 - 7 * DAY + 60 * 60 * 1000).toISOString() });
    expect(await acceptInbound(ctx, late)).toBe('accepted');
    expect(jobs.map((j) => j.providerMessageId)).toEqual(['wamid.A1']);
    await ctx.queues.close();
  });

  it('finding 7: an id longer than any provider sends is dropped before it becomes a key', async () => {
    const { ctx, jobs } = await context(() => T0);
    const long = 'x'.repeat(10_000);
    expect(await acceptInbound(ctx, meta({ id: `meta:whatsapp:${long}`, providerMessageId: long }))).toBe('dropped');
    expect(jobs).toEqual([]);
    await ctx.queues.close();
  });
});
