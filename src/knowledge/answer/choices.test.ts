import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { lexicalAnswerer } from '../../../tests/support/answerer.js';
import type { TempPack } from '../../../tests/support/packs.js';
import { MemoryStore } from '../../platform/store/index.js';
import { decide } from './decide.js';
import { type BarazaAnswerer, listGaps } from './index.js';
import { writeSmallPack } from './testdata/small-pack.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');

/** An entry that really covers live prices: a pack like this one may answer "price of honey today". */
const HONEY_PRICES = [
  '---',
  'id: honey-prices',
  'lang: en',
  'title: "What are honey prices this week?"',
  'topic: animals',
  'tags: [honey prices, market price, honey]',
  'summary: "Honey sells for more in town markets this week; compare two buyers before you sell."',
  'source: "Test cooperative price bulletin - https://example.org/prices"',
  'questions:',
  '  - "price of honey today"',
  '---',
  'Prices change every week. Ask two buyers before you sell, and sell capped honey only.',
];

/**
 * An entry that talks about prices without giving any (how to read a buyer's offer): its tags and summary say
 * "market price" and "today", yet it covers no live-price request.
 */
const HONEY_SELLING = [
  '---',
  'id: honey-selling',
  'lang: en',
  'title: "How do I compare offers from honey buyers?"',
  'topic: animals',
  'tags: [honey buyers, market price, price per kg]',
  'summary: "No prices today here: turn each buyer offer into a price per kg after jar and transport costs."',
  'source: "Test cooperative marketing guide - https://example.org/selling"',
  'questions:',
  '  - "two honey buyers offer different prices which is better"',
  '---',
  'Ask each buyer the price per kg, who pays for jars and transport, and when they pay. Compare per kg.',
];

describe('the decision rule', () => {
  const t = { choices: 0.5, answer: 1, closeRunnerUp: 0.8, strength: 3 };
  const c = (score: number, evidence: number, namesSubject = false) => ({ score, evidence, namesSubject });

  it('answers a clearly best entry with enough evidence', () => {
    expect(decide({ candidates: [c(1, 2), c(0.5, 1)], outOfScope: [], short: false, strength: 0 }, t)).toMatchObject({
      kind: 'answer',
      picks: [0],
    });
  });

  it('offers the close runners-up with it when another entry scores about as well', () => {
    expect(
      decide(
        { candidates: [c(1, 2), c(0.9, 1.5), c(0.85, 0.6), c(0.84, 2)], outOfScope: [], short: false, strength: 0 },
        t,
      ),
    ).toMatchObject({ kind: 'choices', picks: [0, 1, 2], reason: 'close-runner-up' });
  });

  it('offers choices when a runner-up scores about as well, even one the question says little about', () => {
    // A paraphrase shares few words with its right entry: that entry can rank second, close, with weak evidence.
    expect(decide({ candidates: [c(1, 2), c(0.95, 0.1)], outOfScope: [], short: false, strength: 0 }, t)).toMatchObject(
      { kind: 'choices', picks: [0, 1], reason: 'close-runner-up' },
    );
    expect(decide({ candidates: [c(1, 2), c(0.7, 0.1)], outOfScope: [], short: false, strength: 0 }, t)).toMatchObject({
      kind: 'answer',
      picks: [0],
    });
  });

  it('offers the best entry alone between the two thresholds, and declines below', () => {
    expect(decide({ candidates: [c(1, 0.7)], outOfScope: [], short: false, strength: 0 }, t).kind).toBe('choices');
    expect(decide({ candidates: [c(1, 0.3)], outOfScope: [], short: false, strength: 0 }, t).kind).toBe('decline');
  });

  it('offers the runners-up not far behind when the best is not clearly best, close or not', () => {
    const d = decide(
      { candidates: [c(1, 0.7), c(0.65, 0.2), c(0.5, 0.9)], outOfScope: [], short: false, strength: 0 },
      t,
    );
    expect(d).toMatchObject({ kind: 'choices', picks: [0, 1], reason: 'weak-evidence' });
  });

  it('offers choices when a runner-up has the evidence the best one lacks', () => {
    const d = decide({ candidates: [c(1, 0.2), c(0.8, 0.7)], outOfScope: [], short: false, strength: 0 }, t);
    expect(d).toMatchObject({ kind: 'choices', picks: [0, 1] });
  });

  it('offers choices to a long question whose matched words say enough about the best entry', () => {
    const weak = { candidates: [c(1, 0.3), c(0.7, 0.1)], outOfScope: [], short: false };
    expect(decide({ ...weak, strength: 2 }, t).kind).toBe('decline');
    expect(decide({ ...weak, strength: 3.5 }, t)).toMatchObject({ kind: 'choices', picks: [0, 1] });
  });

  it('offers the entries about a subject named in a word or two, whatever the evidence', () => {
    const d = decide(
      {
        candidates: [c(1, 0.1, true), c(0.9, 0.1, false), c(0.8, 0.1, true)],
        outOfScope: [],
        short: true,
        strength: 0,
      },
      t,
    );
    expect(d).toMatchObject({ kind: 'choices', picks: [0, 2], reason: 'short-question' });
  });

  it('declines an out-of-scope request', () => {
    expect(decide({ candidates: [c(1, 5)], outOfScope: ['live-prices'], short: false, strength: 0 }, t).kind).toBe(
      'decline',
    );
  });
});

describe('asking instead of guessing (a pack Baraza was never tuned on)', () => {
  let small: TempPack;
  let answerer: BarazaAnswerer;
  const store = new MemoryStore();

  beforeAll(async () => {
    small = await writeSmallPack({ 'honey-prices.en.md': HONEY_PRICES });
    answerer = await lexicalAnswerer([small.dir], store);
  });
  afterAll(async () => {
    await answerer.close();
    await small.remove();
  });

  it('offers both entries when a question fits two similar ones, and records the offer as a gap', async () => {
    const r = await answerer.answer({ question: 'how often should i deworm', channel: 'sms', subscriber: 'sub_x' });
    expect(r.citations).toEqual([]);
    expect(r.found).toBe(false);
    expect(r.lowConfidence).toBe(true);
    expect(r.choices!.map((x) => x.entry).sort()).toEqual(['goat-deworming', 'sheep-deworming']);
    expect(r.choices![0]).toMatchObject({ pack: 'small-livestock', title: expect.stringMatching(/deworm my/) });
    expect(r.answer).toMatch(
      /^Did you mean: 1\) How often should I deworm my (goats|sheep)\? 2\) .* Reply with the number\.$/,
    );
    expect(r.segments).toBeLessThanOrEqual(3);
    const gap = (await listGaps(store)).at(-1)!;
    expect(gap).toMatchObject({ question: 'how often should i deworm', found: false });
    expect(gap.offered!.sort()).toEqual(['small-livestock/goat-deworming', 'small-livestock/sheep-deworming']);
  });

  it('shows the offer as a numbered USSD menu with "0 None of these" on one screen', async () => {
    const r = await answerer.answer({ question: 'how often should i deworm', channel: 'ussd' });
    expect(r.answer.split('\n')).toEqual([
      'Did you mean:',
      expect.stringMatching(/^1 How often should I deworm my/),
      expect.stringMatching(/^2 How often should I deworm my/),
      '0 None of these',
    ]);
    expect(r.answer.length).toBeLessThanOrEqual(160);
  });

  it('answers a clear question outright', async () => {
    const r = await answerer.answer({ question: 'hw often 2 deworm goats', channel: 'sms' });
    expect(r.found).toBe(true);
    expect(r.choices).toBeUndefined();
    expect(r.citations[0]?.entry).toBe('goat-deworming');
  });

  it('says it does not know for an off-topic question: neither citations nor choices', async () => {
    for (const question of ['who won the football match yesterday', 'asdfgh jkl', 'hello how are you']) {
      const r = await answerer.answer({ question, channel: 'sms' });
      expect(r.citations).toEqual([]);
      expect(r.choices).toBeUndefined();
      expect(r.answer).toMatch(/^Sorry/);
    }
  });

  it('lets a pack that covers prices answer a price question', async () => {
    const r = await answerer.answer({ question: 'what is the price of honey today', channel: 'sms' });
    expect(r.citations[0]?.entry).toBe('honey-prices');
  });
});

describe('a pack that explains prices but gives none', () => {
  let small: TempPack;
  let answerer: BarazaAnswerer;

  beforeAll(async () => {
    small = await writeSmallPack({ 'honey-selling.en.md': HONEY_SELLING });
    answerer = await lexicalAnswerer([small.dir]);
  });
  afterAll(async () => {
    await answerer.close();
    await small.remove();
  });

  it("declines today's price, and answers how to compare offers", async () => {
    const live = await answerer.answer({ question: 'what is the price of honey today', channel: 'sms' });
    expect(live.citations).toEqual([]);
    expect(live.choices).toBeUndefined();
    const offers = await answerer.answer({ question: 'how do i compare two honey buyers offers', channel: 'sms' });
    expect(offers.citations[0]?.entry).toBe('honey-selling');
  });
});

describe('the sample packs', () => {
  let answerer: BarazaAnswerer;
  beforeAll(async () => {
    answerer = await lexicalAnswerer([
      path.join(ROOT, 'packs/agri-advisory'),
      path.join(ROOT, 'packs/financial-literacy'),
    ]);
  });
  afterAll(() => answerer.close());

  it.each([
    ['maize', 'en'],
    ['mahindi', 'sw'],
    ['mammite', 'fr'],
    ['kuku', 'sw'],
  ])(
    'a short question naming a subject ("%s") gets that subject\'s entries, never "I don\'t know"',
    async (q, lang) => {
      const r = await answerer.answer({ question: q, channel: 'sms', lang });
      const offered = r.found ? r.citations : (r.choices ?? []);
      expect(offered.length).toBeGreaterThan(0);
      expect(offered.length).toBeLessThanOrEqual(3);
      expect(offered.every((c) => c.pack === 'agri-advisory')).toBe(true);
      // Titles in the user's language.
      if (r.choices)
        expect(r.answer).toMatch(lang === 'sw' ? /^Ulimaanisha:/ : lang === 'fr' ? /^Vouliez-vous/ : /^Did you/);
    },
  );

  it.each([
    'what is the price of maize today',
    'bei ya mahindi sokoni leo',
    "prix du maïs aujourd'hui",
    'weather forecast for tomorrow in nakuru',
    'hali ya hewa kesho',
    'latest news from nairobi',
    'what time is it now',
  ])(
    'declines "%s": live prices, weather, news and the clock are out of scope unless a pack covers them',
    async (q) => {
      const r = await answerer.answer({ question: q, channel: 'sms' });
      expect(r.citations).toEqual([]);
      expect(r.choices).toBeUndefined();
      expect(r.confidence).toBeLessThan(0.5);
    },
  );
});
