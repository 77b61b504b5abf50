import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedAnswerer } from '../../../tests/support/answerer.js';
import { makeTestContext } from '../../../tests/support/context.js';
import type { Answerer } from '../../core/answers.js';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { analyseSms } from '../../core/shaping/index.js';
import { loadProfile } from '../../platform/subscribers.js';
import { handleTipsKeyword, runTipsTick } from './index.js';

const FROM = '+254712345678';
let answerer: Answerer;
let ctx: Awaited<ReturnType<typeof makeTestContext>>;

beforeAll(async () => {
  answerer = await sharedAnswerer();
});
afterEach(() => ctx?.queues.close());

const sms = (text: string): InboundMessage => ({
  id: `africastalking:${text}`,
  channel: 'sms',
  provider: 'africastalking',
  from: FROM,
  text,
  providerMessageId: text,
  receivedAt: '2026-01-01T00:00:00.000Z',
});

describe('tips over the shipped sample packs', () => {
  it.each([
    ['TIPS maize', ['agri-advisory/maize']],
    ['TIPS fall armyworm', ['agri-advisory/fall-armyworm']],
    ['TIPS mobile money', ['financial-literacy/mobile-money']],
    ['VIDOKEZO mahindi', ['agri-advisory/maize']],
    ['DONDOO kuku', ['agri-advisory/poultry']],
    ['CONSEILS épargne', ['financial-literacy/saving']],
    ['CONSEILS manioc', ['agri-advisory/cassava']],
    ['TIPS', ['agri-advisory/any', 'financial-literacy/any', 'nutrition-water/any']],
  ])('%s subscribes to %j', async (text, expected) => {
    ctx = await makeTestContext({ answerer });
    const out = await handleTipsKeyword(ctx, sms(text), {});
    expect(out).toHaveLength(1);
    const p = await loadProfile(ctx.store, FROM);
    expect(p.tips?.map((s) => `${s.pack}/${s.topic}`)).toEqual(expected);
  });

  it('a month of daily tips: no repeats, each SMS within SMS_MAX_SEGMENTS and cited', async () => {
    ctx = await makeTestContext({ answerer });
    const queued: OutboundMessage[] = [];
    ctx.queues.queue<OutboundMessage>('outbound').process(async (job) => {
      queued.push(job.data);
    });
    await handleTipsKeyword(ctx, sms('VIDOKEZO'), { lang: 'sw' });
    for (let day = 1; day <= 30; day++) {
      await runTipsTick(ctx, new Date(Date.UTC(2026, 0, day, 5, 0)));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(queued).toHaveLength(30);
    const sent = (await loadProfile(ctx.store, FROM)).tipsSent ?? [];
    expect(new Set(sent).size).toBe(30);
    expect(sent.some((s) => s.startsWith('agri-advisory/'))).toBe(true);
    expect(sent.some((s) => s.startsWith('financial-literacy/'))).toBe(true);
    for (const m of queued) {
      expect(analyseSms(m.text).segments).toBeLessThanOrEqual(ctx.config.sms.maxSegments);
      expect(m.text).toMatch(/^Kidokezo \(.+\): .+ \[.+\] Jibu VIDOKEZO ACHA kusitisha\.$/s);
    }
  });
});
