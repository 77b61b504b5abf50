/**
 * Shaping under hostile text. src/core/shaping/shaping.test.ts checks the same promises on realistic generated prose
 * (and against Twilio's segment calculator); here the input is anything a provider or a pack could carry: lone
 * surrogates, NUL and control characters, combining marks, zero-width joiners, right-to-left marks, emoji
 * sequences, GSM-7 extension characters and words longer than a segment. Random seeds, so every run looks
 * somewhere new; a failure prints its seed and counterexample.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  analyseSms,
  encodingOf,
  fitButtons,
  fitList,
  fitSms,
  fitWhatsapp,
  GSM7_EXTENSION,
  isGsm7,
  normaliseForSms,
  paginateUssd,
  splitSms,
  stripPartMarker,
  truncateText,
  unitsIn,
  WHATSAPP_LIMITS,
  whatsappProblems,
} from '../../src/core/shaping/index.js';
import { hostileText } from './arbitraries.js';

const tricky = fc.constantFrom(
  '\ud83c',
  '\udf3d',
  '\u0301',
  '\u200d',
  '\u200b',
  '\u202e',
  '\u0000',
  '\u001b',
  '\r\n',
  '\t',
  '👨‍👩‍👧',
  '🇰🇪',
  'é',
  'e\u0301',
  'ß',
  'ﬁ',
  '…',
  '—',
  '“',
  'ሰ',
  'क्षि',
  ...GSM7_EXTENSION.split(''),
);
const word = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')),
      minLength: 1,
      maxLength: 12,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom(...'abcdefghij'.split('')), minLength: 150, maxLength: 400 }),
  },
  { weight: 2, arbitrary: fc.array(tricky, { minLength: 1, maxLength: 4 }).map((a) => a.join('')) },
);
/** Text of 0 to ~2,000 characters mixing words, hostile characters and raw random strings. */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.array(word, { maxLength: 120 }).map((ws) => ws.join(' ')) },
  { weight: 2, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 600 }) },
);
const lang = fc.constantFrom('en', 'sw', 'fr', 'ha', 'yo', 'am', 'xx', undefined);

describe('shaping under hostile text', () => {
  it('analyseSms never throws and agrees with isGsm7 / unitsIn', () => {
    fc.assert(
      fc.property(text, (t) => {
        const a = analyseSms(t);
        expect(a.encoding).toBe(isGsm7(t) ? 'GSM-7' : 'UCS-2');
        expect(a.encoding).toBe(encodingOf(t));
        expect(a.units).toBe(unitsIn(t, a.encoding));
        expect(a.segments).toBeGreaterThanOrEqual(t.length === 0 ? 0 : 1);
      }),
      { numRuns: 1500 },
    );
  });

  it('normaliseForSms never throws and is idempotent', () => {
    fc.assert(
      fc.property(text, lang, (t, l) => {
        const once = normaliseForSms(t, l);
        expect(normaliseForSms(once, l)).toBe(once);
      }),
      { numRuns: 1500 },
    );
  });

  it('splitSms: 1..maxSegments parts of one segment each; the text comes back whole or as an honest prefix', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 10 }), lang, (raw, max, l) => {
        const t = normaliseForSms(raw, l);
        const parts = splitSms(t, max);
        expect(parts.length).toBeGreaterThanOrEqual(1);
        expect(parts.length).toBeLessThanOrEqual(max);
        for (const p of parts) expect(analyseSms(p).segments).toBeLessThanOrEqual(1);
        const joined = parts.length === 1 ? parts[0]! : parts.map(stripPartMarker).join('');
        if (joined === t) return;
        expect(joined.endsWith('...')).toBe(true);
        expect(t.startsWith(joined.slice(0, -3).trimEnd())).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('fitSms stays within maxSegments and reports exactly what it returns', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 6 }), lang, (raw, max, l) => {
        const fit = fitSms(raw, max, l);
        const a = analyseSms(fit.text);
        expect(a.segments).toBeLessThanOrEqual(max);
        expect({ encoding: a.encoding, segments: a.segments, units: a.units }).toEqual({
          encoding: fit.encoding,
          segments: fit.segments,
          units: fit.units,
        });
        const normalised = normaliseForSms(raw, l);
        if (!fit.truncated) expect(fit.text).toBe(normalised);
        else expect(normalised.startsWith(fit.text.slice(0, -3))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('paginateUssd: every screen within the (GSM-7 or halved UCS-2) budget, and the text round-trips', () => {
    const labels = { more: '1 More', back: '0 Back' };
    fc.assert(
      fc.property(text, fc.integer({ min: 60, max: 182 }), (t, maxChars) => {
        const pages = paginateUssd(t, maxChars, labels);
        const encoding = isGsm7(t + labels.more + labels.back) ? 'GSM-7' : 'UCS-2';
        const budget = encoding === 'GSM-7' ? maxChars : Math.floor(maxChars / 2);
        expect(pages.length).toBeGreaterThanOrEqual(1);
        for (const p of pages) expect(unitsIn(p.screen, encoding)).toBeLessThanOrEqual(budget);
        expect(pages.map((p) => p.text).join('')).toBe(t);
      }),
      { numRuns: 1500 },
    );
  });

  it('truncateText never exceeds its limit and keeps a prefix', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 300 }), (t, max) => {
        const out = truncateText(t, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (out !== t) expect(t.startsWith(out.slice(0, -1).trimEnd())).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('WhatsApp fitters never exceed a Cloud API limit, whatever the buttons and rows', () => {
    // Titles and ids as callers give them: never blank (the fitters cannot invent one), otherwise anything.
    const label = fc.oneof(text, word).filter((l) => l.trim().length > 0);
    const withIds = <T extends object>(items: T[]) =>
      items.map((item, i) => ({ ...item, id: `id-${i}-${'x'.repeat(i * 37)}` }));
    fc.assert(
      fc.property(
        fc.oneof(text, fc.string({ minLength: 4000, maxLength: 9000 })),
        fc.array(fc.record({ title: label }), { maxLength: 6 }).map(withIds),
        fc.record({
          button: label,
          rows: fc
            .array(fc.record({ title: label, description: fc.option(label, { nil: undefined }) }), {
              minLength: 1,
              maxLength: 14,
            })
            .map(withIds),
        }),
        (body, buttons, list) => {
          const out = fitWhatsapp(body);
          expect(out.length).toBeLessThanOrEqual(WHATSAPP_LIMITS.text);
          const fittedButtons = fitButtons(buttons);
          expect(fittedButtons.length).toBeLessThanOrEqual(3);
          const fittedList = fitList(list);
          expect(fittedList.rows.length).toBeLessThanOrEqual(10);
          expect(whatsappProblems({ text: out, ...(fittedButtons.length ? { buttons: fittedButtons } : {}) })).toEqual(
            [],
          );
          expect(whatsappProblems({ text: out, list: fittedList })).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('regressions the fuzzing found', () => {
  it('normaliseForSms is final even when stripping a stray combining mark leaves a space', () => {
    expect(normaliseForSms('\u0301 a', 'en')).toBe('a');
    expect(normaliseForSms('ma\u0301\u0301 \u0301', 'fr')).toBe(
      normaliseForSms(normaliseForSms('ma\u0301\u0301 \u0301', 'fr'), 'fr'),
    );
  });
});
