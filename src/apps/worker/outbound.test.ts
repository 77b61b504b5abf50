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
    const tip = msg({ to: '+254711000003', kind: 'tip' });
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
