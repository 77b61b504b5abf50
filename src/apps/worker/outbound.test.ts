import { describe, expect, it } from '@jest/globals';
import { readOutbox } from '../../../channels/simulator/outbox.js';
import { makeTestContext } from '../../../tests/support/context.js';
import type { OutboundMessage } from '../../core/messages/index.js';
import { ProviderSendError, type ProviderSender } from '../../core/outbound.js';
import { UnrecoverableJobError } from '../../platform/queue/index.js';
import { loadProfile, updateProfile } from '../../platform/subscribers.js';
import { processOutbound } from './outbound.js';

const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: `reply:test:${Math.random()}`,
  channel: 'sms',
  provider: 'twilio',
  to: '+254711000001',
  text: 'Dry maize to 13% moisture before storing. Src: KALRO',
  kind: 'reply',
  createdAt: new Date().toISOString(),
  ...over,
});

function fakeSender(behaviour: (m: OutboundMessage) => Promise<string>, canSend?: (m: OutboundMessage) => boolean) {
  const sent: OutboundMessage[] = [];
  const sender: ProviderSender = {
    provider: 'twilio',
    async send(m) {
      const id = await behaviour(m);
      sent.push(m);
      return { providerMessageId: id };
    },
    ...(canSend ? { canSend } : {}),
  };
  return { sender, sent };
}

const job = (data: OutboundMessage) => ({ id: data.id, name: 'send', data, attemptsMade: 0, maxAttempts: 5 });

describe('processOutbound', () => {
  it('sends through the live sender once; a retried job is a no-op', async () => {
    const ctx = await makeTestContext();
    const { sender, sent } = fakeSender(async () => 'SM1');
    const m = msg();
    expect(await processOutbound(ctx, { twilio: sender }, job(m))).toMatchObject({ status: 'sent', via: 'twilio' });
    expect(await processOutbound(ctx, { twilio: sender }, job(m))).toEqual({
      status: 'skipped',
      reason: 'already-sent',
    });
    expect(sent).toHaveLength(1);
  });

  it('uses the simulator outbox when the live sender cannot send that channel, or in SEND_MODE=simulator', async () => {
    const noWhatsappNumber = fakeSender(
      async () => 'SM1',
      (m) => m.channel !== 'whatsapp',
    );
    const ctx = await makeTestContext();
    const wa = msg({ channel: 'whatsapp', to: '+254711000002' });
    expect(await processOutbound(ctx, { twilio: noWhatsappNumber.sender }, job(wa))).toMatchObject({
      via: 'simulator',
    });
    expect(noWhatsappNumber.sent).toHaveLength(0);
    expect((await readOutbox(ctx.store, wa.to)).map((o) => o.text)).toEqual([wa.text]);

    const simCtx = await makeTestContext({ env: { SEND_MODE: 'simulator' } });
    const live = fakeSender(async () => 'SM2');
    expect(await processOutbound(simCtx, { twilio: live.sender }, job(msg()))).toMatchObject({ via: 'simulator' });
    expect(live.sent).toHaveLength(0);
  });

  it('sends nothing but the opt-out confirmation to an opted-out number', async () => {
    const ctx = await makeTestContext();
    const { sender, sent } = fakeSender(async () => 'SM1');
    await updateProfile(ctx.store, '+254711000003', (p) => ({ ...p, optedOut: true }));
    const tip = msg({ id: 'tip:a1b2:2026-01-05', to: '+254711000003', kind: 'tip' });
    expect(await processOutbound(ctx, { twilio: sender }, job(tip))).toEqual({
      status: 'skipped',
      reason: 'opted-out',
    });
    const confirm = msg({ to: '+254711000003', kind: 'system', text: 'You are unsubscribed.' });
    expect(await processOutbound(ctx, { twilio: sender }, job(confirm))).toMatchObject({ status: 'sent' });
    expect(sent.map((m) => m.kind)).toEqual(['system']);
  });

  it('dead-letters a non-retryable provider error and records a provider opt-out; retryable errors are rethrown', async () => {
    const ctx = await makeTestContext();
    const optOut = fakeSender(async () => {
      throw new ProviderSendError('21610: unsubscribed recipient', { retryable: false, optOut: true, code: '21610' });
    });
    const m = msg({ to: '+254711000004' });
    await expect(processOutbound(ctx, { twilio: optOut.sender }, job(m))).rejects.toBeInstanceOf(UnrecoverableJobError);
    expect((await loadProfile(ctx.store, m.to)).optedOut).toBe(true);

    const busy = fakeSender(async () => {
      throw new ProviderSendError('429 Too Many Requests', { retryable: true, status: 429 });
    });
    const err = await processOutbound(ctx, { twilio: busy.sender }, job(msg())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err).not.toBeInstanceOf(UnrecoverableJobError);
  });
});

describe('outbound jobs are checked before sending (issue 14, finding 8)', () => {
  const good = msg({ id: 'reply:twilio:sms:SM1', replyTo: 'twilio:sms:SM1' });
  it.each<[string, Record<string, unknown>]>([
    ['an extra field', { ...good, from: '+15550001111' }],
    ['a number the gateway never writes', { ...good, to: '0711000001' }],
    ['a premium-rate style short code', { ...good, to: '+90900' }],
    ['a channel the provider does not have', { ...good, provider: 'africastalking', channel: 'whatsapp' }],
    ['an unknown provider', { ...good, provider: 'smpp' }],
    ['an id that does not match its kind', { ...good, id: 'anything-1', replyTo: undefined }],
    ['a reply for a different message', { ...good, replyTo: 'twilio:sms:SM2' }],
    ['an SMS longer than any reply', { ...good, text: 'x'.repeat(5000) }],
    ['no text at all', { ...good, text: undefined }],
  ])('finding 8: a job with %s is dead-lettered and never sent', async (_label, data) => {
    const ctx = await makeTestContext({ env: { SEND_MODE: 'live' } });
    const { sender, sent } = fakeSender(async () => 'SM1');
    const bad = JSON.parse(JSON.stringify(data)) as OutboundMessage;
    const err = await processOutbound(ctx, { twilio: sender, africastalking: sender }, job(bad)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnrecoverableJobError);
    expect((err as Error).message).toMatch(/^malformed outbound job: (field '|job data: Unrecognized key)/);
    expect(sent).toEqual([]);
    expect(await readOutbox(ctx.store, '+254711000001')).toEqual([]);
    // The reason names the field, never the number.
    expect(ctx.logs.text()).not.toContain('+15550001111');
  });

  it('finding 8: what the gateway itself produces still goes out', async () => {
    const ctx = await makeTestContext();
    const { sender, sent } = fakeSender(async () => 'SM1');
    await processOutbound(ctx, { twilio: sender }, job(good));
    const tip = msg({ id: 'tip:3f2a9c:2026-01-05', kind: 'tip', provider: 'twilio', channel: 'whatsapp' });
    await processOutbound(ctx, { twilio: sender }, job(tip));
    expect(sent.map((m) => m.id)).toEqual([good.id, tip.id]);
  });
});
