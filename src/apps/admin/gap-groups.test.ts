import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatCounts, gapTokens, groupGaps, questionSimilarity, wordSimilarity } from './gap-groups.js';

const gap = (question: string, lang = 'en', channel = 'sms', at = '2026-01-01T00:00:00Z') => ({
  question,
  lang,
  channel,
  at,
});

describe('gapTokens', () => {
  it('keeps the words that carry the topic, without case, accents or punctuation', () => {
    expect(gapTokens('How do I store MAIZE?')).toEqual(['store', 'maize']);
    expect(gapTokens('Comment conserver le maïs ?')).toEqual(['conserver', 'mais']);
    expect(gapTokens('Ninawezaje kuhifadhi mahindi?')).toEqual(['kuhifadhi', 'mahindi']);
    // A question made only of function words keeps them rather than vanishing.
    expect(gapTokens('what is it?')).toEqual(['what', 'is', 'it']);
    expect(gapTokens('?!')).toEqual([]);
  });
});

describe('similarity', () => {
  it('forgives SMS spelling and word endings', () => {
    expect(wordSimilarity('mahindi', 'mahindii')).toBeGreaterThanOrEqual(0.6);
    expect(wordSimilarity('fertilizer', 'fertiliser')).toBeGreaterThanOrEqual(0.6);
    expect(wordSimilarity('store', 'storing')).toBeGreaterThanOrEqual(0.6);
    expect(wordSimilarity('maize', 'beans')).toBeLessThan(0.6);
  });

  it('tells topics apart even when the question shape is the same', () => {
    const t = gapTokens;
    expect(questionSimilarity(t('how do I store maize'), t('storing maize grain'))).toBeGreaterThanOrEqual(0.5);
    expect(questionSimilarity(t('how do I store maize'), t('how do I store beans'))).toBeLessThan(0.5);
  });

  it('is symmetric and between 0 and 1', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), fc.array(fc.string(), { maxLength: 5 }), (a, b) => {
        const s = questionSimilarity(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(questionSimilarity(b, a)).toBeCloseTo(s, 10);
      }),
    );
  });
});

describe('groupGaps', () => {
  const gaps = [
    gap('How do I store maize?', 'en', 'ussd', '2026-01-02T10:00:00Z'),
    gap('how do i store maize', 'en', 'sms', '2026-01-03T10:00:00Z'),
    gap('storing maize grain', 'en', 'whatsapp', '2026-01-01T10:00:00Z'),
    gap('How do I store beans?', 'en', 'sms'),
    gap('jinsi ya kuhifadhi mahindi', 'sw', 'ussd'),
    gap('kuhifadhi mahindii', 'sw', 'sms'),
    gap('price of fertilizer', 'en', 'sms'),
    gap('fertiliser price today', 'en', 'whatsapp'),
  ];

  it('groups wordings of the same question, biggest group first, with counts per language and channel', () => {
    const r = groupGaps(gaps);
    expect(r.total).toBe(8);
    expect(r.langs).toEqual({ en: 6, sw: 2 });
    expect(r.channels).toEqual({ ussd: 2, sms: 4, whatsapp: 2 });
    const first = r.groups[0]!;
    expect(first.count).toBe(3);
    expect(first.representative).toBe('How do I store maize?');
    expect(first.variants).toEqual([
      { text: 'How do I store maize?', count: 2 },
      { text: 'storing maize grain', count: 1 },
    ]);
    expect(first.channels).toEqual({ ussd: 1, sms: 1, whatsapp: 1 });
    expect(first.firstAt).toBe('2026-01-01T10:00:00Z');
    expect(first.lastAt).toBe('2026-01-03T10:00:00Z');
    const reps = r.groups.map((g) => [g.representative, g.count]);
    expect(reps).toContainEqual(['How do I store beans?', 1]);
    expect(r.groups.find((g) => g.langs.sw)?.count).toBe(2);
    expect(r.groups.find((g) => g.representative.includes('fert'))?.count).toBe(2);
    expect(r.groups).toHaveLength(4);
  });

  it('gives the same groups whatever the order the gaps were recorded in', () => {
    const a = groupGaps(gaps).groups.map((g) => [g.representative, g.count]);
    const b = groupGaps([...gaps].reverse()).groups.map((g) => [g.representative, g.count]);
    expect(b).toEqual(a);
  });

  it('averages confidence where it was recorded, and labels missing language or channel', () => {
    const r = groupGaps([
      { question: 'loan for farmers', confidence: 0.2 },
      { question: 'loans for farmers', confidence: 0.4, lang: 'en' },
    ]);
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]!.meanConfidence).toBe(0.3);
    expect(r.langs).toEqual({ unknown: 1, en: 1 });
  });

  it('never loses or invents a gap', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            question: fc.string(),
            lang: fc.constantFrom('en', 'sw'),
            channel: fc.constantFrom('sms', 'ussd'),
          }),
        ),
        (list) => {
          const r = groupGaps(list);
          const nonEmpty = list.filter((g) => g.question.trim() !== '').length;
          expect(r.total).toBe(nonEmpty);
          expect(r.groups.reduce((n, g) => n + g.count, 0)).toBe(nonEmpty);
          for (const g of r.groups) expect(g.variants.reduce((n, v) => n + v.count, 0)).toBe(g.count);
        },
      ),
    );
  });

  it('is empty for no gaps', () => {
    expect(groupGaps([])).toEqual({ total: 0, langs: {}, channels: {}, groups: [] });
  });

  it('counts the questions that got no answer and names the entry retrieval came closest to', () => {
    const r = groupGaps([
      { question: 'maize storage pests', found: false },
      { question: 'maize storage pest', found: true, nearest: 'agri/hermetic-bags' },
      { question: 'pests in maize storage', found: true, nearest: 'agri/hermetic-bags' },
      { question: 'maize storage pests?', found: true, nearest: 'agri/grain-drying' },
    ]);
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]).toMatchObject({ unanswered: 1, nearest: 'agri/hermetic-bags' });
  });
});

describe('formatCounts', () => {
  it('lists biggest first', () => {
    expect(formatCounts({ sw: 2, en: 5, fr: 2 })).toBe('en 5, fr 2, sw 2');
  });
});
