import { once } from 'node:events';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { makeTestContext, tableAnswerer } from '../../../tests/support/context.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../../tests/support/redis.js';
import type { Catalogue, EntryView, PackInfo } from '../../core/answers.js';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { analyseSms } from '../../core/shaping/index.js';
import { RedisStore } from '../../platform/store/index.js';
import { loadProfile, saveProfile, updateProfile } from '../../platform/subscribers.js';
import { localClock, timeZoneFor } from './clock.js';
import {
  handleTipsKeyword,
  runTipsTick,
  scheduleTips,
  TIPS_SUBSCRIBERS_KEY,
  TIPS_SUBSCRIBERS_TTL_MS,
  TIPS_TICK_JOB,
} from './index.js';

const NAIROBI = '+254712345678'; // UTC+3
const LAGOS = '+2348031234567'; // UTC+1
const at = (iso: string) => new Date(iso);

const packs: PackInfo[] = [
  {
    id: 'agri-advisory',
    title: 'Farming',
    version: '1',
    languages: ['en', 'sw'],
    defaultLanguage: 'en',
    topics: ['maize', 'beans'],
    menuTitle: { en: 'Farming', sw: 'Kilimo', fr: 'Agriculture' },
  },
  {
    id: 'financial-literacy',
    title: 'Money',
    version: '1',
    languages: ['en', 'fr'],
    defaultLanguage: 'en',
    topics: ['saving', 'mobile-money'],
    menuTitle: { en: 'Money', sw: 'Fedha', fr: 'Argent' },
  },
];
const titles: Record<string, Record<string, string>> = {
  maize: { en: 'Maize', sw: 'Mahindi', fr: 'Maïs' },
  beans: { en: 'Beans', sw: 'Maharagwe', fr: 'Haricots' },
  saving: { en: 'Saving', sw: 'Kuweka akiba', fr: 'Épargne' },
  'mobile-money': { en: 'Mobile money', sw: 'Pesa kwa simu', fr: 'Argent mobile' },
};
const entry = (pack: string, topic: string, id: string, lang = 'en'): EntryView => ({
  pack,
  id,
  lang,
  title: `About ${id}`,
  topic,
  summary: `${lang === 'sw' ? 'Kidokezo' : 'Advice'} number ${id}: keep it simple.`,
  body: `Long body of ${id}.`,
  source: 'FAO, A guide (2018) — https://www.fao.org/',
  fallback: false,
});
const entries: EntryView[] = [
  entry('agri-advisory', 'maize', 'maize-1'),
  entry('agri-advisory', 'maize', 'maize-2'),
  entry('agri-advisory', 'beans', 'beans-1'),
  entry('agri-advisory', 'maize', 'maize-1', 'sw'),
  entry('financial-literacy', 'saving', 'saving-1'),
  entry('financial-literacy', 'mobile-money', 'momo-1'),
];
const catalogue: Catalogue = {
  packs: () => packs,
  topicTitle: (_p, topic, lang) => titles[topic]?.[lang] ?? topic,
  // Like the real catalogue: every entry of the topic, in the language when it exists, else the default.
  entries: (pack, topic, lang) =>
    [...new Set(entries.filter((e) => e.pack === pack && e.topic === topic).map((e) => e.id))].map((id) => {
      const e = catalogue.entry(pack, id, lang)!;
      return { id, title: e.title };
    }),
  entry: (pack, id, lang) =>
    entries.find((e) => e.pack === pack && e.id === id && e.lang === lang) ??
    entries.find((e) => e.pack === pack && e.id === id && e.lang === 'en'),
};

let ctx: Awaited<ReturnType<typeof makeTestContext>>;
let queued: OutboundMessage[];

beforeEach(async () => {
  ctx = await makeTestContext({ answerer: tableAnswerer({}, catalogue) });
  queued = [];
  ctx.queues.queue<OutboundMessage>('outbound').process(async (job) => {
    queued.push(job.data);
  });
});
afterEach(() => ctx.queues.close());

const settle = () => new Promise((r) => setTimeout(r, 20));

let seq = 0;
const sms = (text: string, from = NAIROBI, over: Partial<InboundMessage> = {}): InboundMessage => ({
  id: `africastalking:${++seq}`,
  channel: 'sms',
  provider: 'africastalking',
  from,
  text,
  providerMessageId: String(seq),
  receivedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

async function send(text: string, from = NAIROBI, over: Partial<InboundMessage> = {}) {
  return handleTipsKeyword(ctx, sms(text, from, over), await loadProfile(ctx.store, from));
}

async function tick(iso: string) {
  const before = queued.length;
  const report = await runTipsTick(ctx, at(iso));
  await settle();
  return { report, sent: queued.slice(before) };
}

describe('clock', () => {
  it.each([
    [NAIROBI, 'Africa/Nairobi', '2026-01-01T04:05:00Z', { date: '2026-01-01', hour: 7, minute: 5 }],
    [LAGOS, 'Africa/Lagos', '2026-01-01T04:05:00Z', { date: '2026-01-01', hour: 5, minute: 5 }],
    ['+22376123456', 'Africa/Abidjan', '2026-01-01T23:30:00Z', { date: '2026-01-01', hour: 23, minute: 30 }],
    [NAIROBI, 'Africa/Nairobi', '2026-01-01T21:30:00Z', { date: '2026-01-02', hour: 0, minute: 30 }],
  ])('%s is in %s', (phone, zone, iso, clock) => {
    expect(timeZoneFor(phone, 'KE')).toBe(zone);
    expect(localClock(at(iso), zone)).toEqual(clock);
  });
});

describe('handleTipsKeyword', () => {
  it('ignores what is not a tips command', async () => {
    for (const text of [
      'STOP',
      'hello',
      'When should I plant maize?',
      'tips on how to save money for school fees please',
    ]) {
      expect(await send(text)).toBeUndefined();
    }
    expect(await handleTipsKeyword(ctx, sms('TIPS', NAIROBI, { channel: 'ussd' }), {})).toBeUndefined();
  });

  it('TIPS subscribes to every topic of both packs and confirms', async () => {
    const out = await send('tips');
    expect(out).toHaveLength(1);
    expect(out![0]).toMatchObject({ channel: 'sms', provider: 'africastalking', to: NAIROBI, kind: 'reply' });
    expect(out![0]!.text).toMatch(/one tip a day.*Farming, Money.*TIPS STOP/);
    const p = await loadProfile(ctx.store, NAIROBI);
    expect(p.tips?.map((s) => `${s.pack}/${s.topic}`)).toEqual(['agri-advisory/any', 'financial-literacy/any']);
    expect(p.tipsVia).toEqual({ channel: 'sms', provider: 'africastalking' });
    expect(await ctx.store.setMembers(TIPS_SUBSCRIBERS_KEY)).toEqual([NAIROBI]);
  });

  it.each([
    ['TIPS maize', 'en', 'agri-advisory/maize', /Maize/],
    ['Tips: mobile money', 'en', 'financial-literacy/mobile-money', /Mobile money/],
    ['VIDOKEZO mahindi', 'sw', 'agri-advisory/maize', /Mahindi.*VIDOKEZO ACHA/],
    ['dondoo kilimo', 'sw', 'agri-advisory/any', /Kilimo/],
    ['DONDOO fedha', 'sw', 'financial-literacy/any', /Fedha/],
    ['CONSEILS épargne', 'fr', 'financial-literacy/saving', /Épargne.*CONSEILS STOP/],
    ['conseils argent', 'fr', 'financial-literacy/any', /Argent/],
    ['TIPS money', 'en', 'financial-literacy/any', /Money/],
  ])('%s → %s in %s', async (text, lang, sub, reply) => {
    const out = await send(text);
    expect(out![0]!.text).toMatch(reply);
    const p = await loadProfile(ctx.store, NAIROBI);
    expect(p.tips?.map((s) => `${s.pack}/${s.topic}`)).toEqual([sub]);
    expect(p.lang).toBe(lang);
  });

  it('replies in the saved language whatever keyword was used', async () => {
    await saveProfile(ctx.store, NAIROBI, { lang: 'sw' });
    const out = await send('TIPS maize');
    expect(out![0]!.text).toMatch(/^Umejiunga!.*Mahindi/);
  });

  it('an unknown topic lists what is available and subscribes to nothing', async () => {
    const out = await send('TIPS bitcoin');
    expect(out![0]!.text).toMatch(/no tips on "bitcoin".*Farming, Money, Maize, Beans, Saving, Mobile money/);
    expect((await loadProfile(ctx.store, NAIROBI)).tips).toBeUndefined();
    expect(await ctx.store.setMembers(TIPS_SUBSCRIBERS_KEY)).toEqual([]);
  });

  it.each([
    ['VIDOKEZO vya kilimo', 'vya kilimo'],
    ['TIPS sav', 'sav'],
    ['TIPS mobile', 'mobile'],
    ['CONSEILS argent mobile money', undefined],
  ])('%s names no topic by a shared or partial word, and subscribes to nothing', async (text, named) => {
    const out = await send(text);
    if (named === undefined) expect(out).toBeUndefined();
    else expect(out![0]!.text).toContain(named);
    expect((await loadProfile(ctx.store, NAIROBI)).tips).toBeUndefined();
  });

  it('a question that starts with TIPS and names no topic is left to the answerer', async () => {
    expect(await send('tips for drying maize fast')).toBeUndefined();
  });

  it('a WhatsApp tap is never a tips command, whatever its title says', async () => {
    const tap = { kind: 'button' as const, id: 'pack:agri-advisory', title: 'Vidokezo vya kilimo' };
    expect(
      await send('Vidokezo vya kilimo', NAIROBI, { channel: 'whatsapp', provider: 'meta', interactive: tap }),
    ).toBeUndefined();
    expect((await loadProfile(ctx.store, NAIROBI)).tips).toBeUndefined();
  });

  it('adds topics, and a whole pack replaces its single topics', async () => {
    await send('TIPS maize');
    await send('TIPS saving');
    await send('TIPS maize');
    expect((await loadProfile(ctx.store, NAIROBI)).tips?.map((s) => s.topic)).toEqual(['maize', 'saving']);
    await send('TIPS farming');
    expect((await loadProfile(ctx.store, NAIROBI)).tips?.map((s) => `${s.pack}/${s.topic}`)).toEqual([
      'financial-literacy/saving',
      'agri-advisory/any',
    ]);
  });

  it.each(['TIPS STOP', 'stop tips', 'VIDOKEZO ACHA', 'acha vidokezo', 'CONSEILS ARRÊT', 'stop conseils'])(
    '%s unsubscribes',
    async (text) => {
      await send('TIPS');
      const out = await send(text);
      expect(out![0]!.text).toMatch(/stopped|sitishwa|arrêtés/i);
      expect((await loadProfile(ctx.store, NAIROBI)).tips).toBeUndefined();
      expect(await ctx.store.setMembers(TIPS_SUBSCRIBERS_KEY)).toEqual([]);
      expect((await tick('2026-01-01T05:00:00Z')).sent).toEqual([]);
    },
  );

  it('unsubscribing without a subscription says so', async () => {
    expect((await send('TIPS STOP'))![0]!.text).toMatch(/no tips subscription/);
  });

  it('a WhatsApp subscriber gets tips on WhatsApp', async () => {
    await send('TIPS', NAIROBI, { channel: 'whatsapp', provider: 'meta' });
    expect((await loadProfile(ctx.store, NAIROBI)).tipsVia).toEqual({ channel: 'whatsapp', provider: 'meta' });
  });

  it('never logs the number', async () => {
    await send('TIPS');
    await tick('2026-01-01T05:00:00Z');
    expect(ctx.logs.text()).not.toContain('254712345678');
  });
});

describe('runTipsTick', () => {
  it('nothing at 06:30 local, one tip at 07:05, nothing more that day, a different one the next day', async () => {
    await send('TIPS maize');
    expect((await tick('2026-01-01T03:30:00Z')).sent).toEqual([]); // 06:30 Nairobi
    const first = await tick('2026-01-01T04:05:00Z'); // 07:05 Nairobi
    expect(first.report.sent).toBe(1);
    expect(first.sent).toHaveLength(1);
    const tip = first.sent[0]!;
    expect(tip).toMatchObject({
      id: `tip:${ctx.pseudonym(NAIROBI)}:2026-01-01`,
      channel: 'sms',
      provider: 'africastalking',
      to: NAIROBI,
      kind: 'tip',
    });
    expect(tip.text).toMatch(
      /^Tip \(Maize\): Advice number maize-1: keep it simple\. \[FAO\] Reply TIPS STOP to end\.$/,
    );
    expect((await tick('2026-01-01T15:00:00Z')).sent).toEqual([]); // same local day
    const next = await tick('2026-01-02T04:05:00Z');
    expect(next.sent).toHaveLength(1);
    expect(next.sent[0]!.text).toContain('maize-2');
    expect(next.sent[0]!.id).toBe(`tip:${ctx.pseudonym(NAIROBI)}:2026-01-02`);
  });

  it('a re-run or concurrent tick never queues twice', async () => {
    await send('TIPS');
    const reports = await Promise.all([
      runTipsTick(ctx, at('2026-01-01T05:00:00Z')),
      runTipsTick(ctx, at('2026-01-01T05:00:00Z')),
    ]);
    await settle();
    expect(queued).toHaveLength(1);
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBeGreaterThanOrEqual(1);
  });

  it('opt-out blocks the scheduled tip', async () => {
    await send('TIPS');
    await updateProfile(ctx.store, NAIROBI, (p) => {
      p.optedOut = true;
    });
    const { report, sent } = await tick('2026-01-01T05:00:00Z');
    expect(sent).toEqual([]);
    expect(report.skipped['opted-out']).toBe(1);
    // Opting back in resumes the same subscription.
    await updateProfile(ctx.store, NAIROBI, (p) => {
      p.optedOut = false;
    });
    expect((await tick('2026-01-01T05:15:00Z')).sent).toHaveLength(1);
  });

  it('respects quiet hours in each subscriber’s own time zone (Nairobi UTC+3, Lagos UTC+1)', async () => {
    await send('TIPS', NAIROBI);
    await send('TIPS', LAGOS);
    // 05:30Z: 08:30 in Nairobi, 06:30 in Lagos.
    let r = await tick('2026-01-01T05:30:00Z');
    expect(r.sent.map((m) => m.to)).toEqual([NAIROBI]);
    expect(r.report.skipped['quiet-hours']).toBe(1);
    // 06:00Z: 07:00 in Lagos.
    r = await tick('2026-01-01T06:00:00Z');
    expect(r.sent.map((m) => m.to)).toEqual([LAGOS]);
    // Next day 19:30Z: 22:30 in Nairobi (quiet), 20:30 in Lagos.
    r = await tick('2026-01-02T19:30:00Z');
    expect(r.sent.map((m) => m.to)).toEqual([LAGOS]);
    // 20:00Z: 21:00 in Lagos is quiet too.
    await saveProfile(ctx.store, LAGOS, { ...(await loadProfile(ctx.store, LAGOS)), lastTipDate: undefined });
    expect((await tick('2026-01-02T20:00:00Z')).sent).toEqual([]);
  });

  it('sends every entry once, alternating topics, then says so once and ends', async () => {
    await send('TIPS');
    const texts: string[] = [];
    for (let day = 1; day <= 8; day++) {
      const { sent } = await tick(`2026-01-${String(day).padStart(2, '0')}T06:00:00Z`);
      texts.push(...sent.map((m) => m.text));
    }
    const ids = texts.map((t) => /number ([\w-]+)/.exec(t)?.[1] ?? 'END');
    expect(ids).toEqual(['maize-1', 'saving-1', 'beans-1', 'momo-1', 'maize-2', 'END']);
    expect(texts[5]).toMatch(/all our tips on Farming, Money/);
    expect((await loadProfile(ctx.store, NAIROBI)).tips).toBeUndefined();
    expect(await ctx.store.setMembers(TIPS_SUBSCRIBERS_KEY)).toEqual([]);
  });

  it('sends in the subscriber’s language, falling back to the pack default', async () => {
    await saveProfile(ctx.store, NAIROBI, { lang: 'sw' });
    await send('VIDOKEZO mahindi');
    const a = await tick('2026-01-01T05:00:00Z');
    expect(a.sent[0]!.text).toMatch(/^Kidokezo \(Mahindi\): Kidokezo number maize-1.*VIDOKEZO ACHA/);
    const b = await tick('2026-01-02T05:00:00Z');
    expect(b.sent[0]!.text).toContain('Advice number maize-2');
  });

  it('keeps an SMS tip within SMS_MAX_SEGMENTS, footer included', async () => {
    const long = entry('agri-advisory', 'maize', 'maize-1');
    long.summary = 'Sow maize early. '.repeat(60);
    const own: Catalogue = { ...catalogue, entry: (p, id, l) => (id === 'maize-1' ? long : catalogue.entry(p, id, l)) };
    ctx = await makeTestContext({ answerer: tableAnswerer({}, own), env: { SMS_MAX_SEGMENTS: '2' } });
    queued = [];
    ctx.queues.queue<OutboundMessage>('outbound').process(async (job) => {
      queued.push(job.data);
    });
    await send('TIPS maize');
    const { sent } = await tick('2026-01-01T05:00:00Z');
    expect(analyseSms(sent[0]!.text).segments).toBeLessThanOrEqual(2);
    expect(sent[0]!.text).toMatch(/Reply TIPS STOP to end\.$/);
  });

  it('WhatsApp tips outside the 24-hour window use the template, or wait when none is configured', async () => {
    await send('TIPS maize', NAIROBI, { channel: 'whatsapp', provider: 'meta' });
    await updateProfile(ctx.store, NAIROBI, (p) => {
      p.lastWhatsappInboundAt = '2025-12-25T00:00:00.000Z';
    });
    const closed = await tick('2026-01-01T05:00:00Z');
    expect(closed.sent).toEqual([]);
    expect(closed.report.skipped['window-closed']).toBe(1);

    const withTemplate = await makeTestContext({
      answerer: tableAnswerer({}, catalogue),
      store: ctx.store,
      env: { WHATSAPP_TEMPLATE_NAME: 'daily_tip', WHATSAPP_TEMPLATE_LANG: 'en' },
    });
    await runTipsTick(withTemplate, at('2026-01-01T05:00:00Z'));
    const outbound = await withTemplate.queues.queue('outbound').counts();
    expect(outbound.waiting).toBe(1);
    await withTemplate.queues.close();
  });

  it('drops numbers whose subscription is gone from the subscriber set', async () => {
    await ctx.store.setAdd(TIPS_SUBSCRIBERS_KEY, LAGOS);
    const { report } = await tick('2026-01-01T08:00:00Z');
    expect(report.skipped['no-subscription']).toBe(1);
    expect(await ctx.store.setMembers(TIPS_SUBSCRIBERS_KEY)).toEqual([]);
  });
});

describe('scheduleTips', () => {
  it('registers a repeating tips-tick job on the scheduled queue', async () => {
    const names: string[] = [];
    ctx.queues.queue('scheduled').process(async (job) => {
      names.push(job.name);
    });
    await scheduleTips(ctx, 30);
    await scheduleTips(ctx, 30); // idempotent upsert
    await new Promise((r) => setTimeout(r, 150));
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(new Set(names)).toEqual(new Set([TIPS_TICK_JOB]));
  });
});

describe('a bounded subscriber set (issue 14, finding 7)', () => {
  const prefix = uniquePrefix('tips-bounded');
  afterAll(() => cleanupPrefix(prefix));

  it('finding 7: the tick pages through the set (SSCAN) and never reads it whole; the set carries a TTL', async () => {
    const redis = new RedisStore(testRedisUrl(), prefix);
    if (redis.client.status !== 'ready') await once(redis.client, 'ready');
    // A store whose whole-set read fails: a tick that still calls it cannot pass.
    const store = Object.assign(Object.create(redis) as RedisStore, {
      setMembers: async (key: string) => {
        throw new Error(`setMembers(${key}) reads a whole set`);
      },
    });
    const scans: number[] = [];
    const scan = redis.setScan.bind(redis);
    store.setScan = async (key, cursor, count) => {
      const page = await scan(key, cursor, count);
      scans.push(page.members.length);
      return page;
    };
    await ctx.queues.close();
    ctx = await makeTestContext({ store, answerer: tableAnswerer({}, catalogue) });
    queued = [];
    ctx.queues.queue<OutboundMessage>('outbound').process(async (job) => {
      queued.push(job.data);
    });
    await send('tips maize', NAIROBI);
    const pttl = await redis.client.pttl(`${prefix}${TIPS_SUBSCRIBERS_KEY}`);
    expect(pttl).toBeGreaterThan(TIPS_SUBSCRIBERS_TTL_MS - 60_000);
    // 1,200 more members (as a stale set would hold): pages of TICK_PAGE_SIZE, each dropped for lack of a subscription.
    const extra = Array.from({ length: 1200 }, (_, i) => `+2547${String(10_000_000 + i).padStart(8, '0')}`);
    await redis.client.sadd(`${prefix}${TIPS_SUBSCRIBERS_KEY}`, ...extra);
    const { report, sent } = await tick('2026-01-05T05:00:00Z');
    expect(sent.map((m) => m.to)).toEqual([NAIROBI]);
    expect(report.skipped['no-subscription']).toBe(1200);
    expect(scans.length).toBeGreaterThan(1);
    expect(Math.max(...scans)).toBeLessThan(1200);
    expect(await redis.client.smembers(`${prefix}${TIPS_SUBSCRIBERS_KEY}`)).toEqual([NAIROBI]);
    await redis.close();
  }, 30_000);
});
