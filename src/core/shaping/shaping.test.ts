import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import {
  analyseSms,
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
} from './index.js';

const SEED = 20240611;

// Text pieces a real message mixes: GSM letters, extension characters, accents in and out of GSM-7,
// emoji (skin tones, ZWJ families, flags), other scripts, line breaks, and long unbroken words.
const gsmLetters = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
const punctuation = fc.constantFrom(
  ' ',
  ' ',
  ' ',
  '.',
  ',',
  '?',
  '!',
  ':',
  ';',
  '-',
  "'",
  '"',
  '@',
  '£',
  '$',
  '%',
  '&',
  '/',
);
const extension = fc.constantFrom(...GSM7_EXTENSION.split(''));
const gsmAccents = fc.constantFrom(...'éèùìòÇØøÅåÄÖÑÜäöñüàÉßΔΩ'.split(''));
const otherAccents = fc.constantFrom(
  'ê',
  'â',
  'î',
  'ô',
  'û',
  'ç',
  'ë',
  'ï',
  'œ',
  'ẹ',
  'ọ',
  'ṣ',
  'ɓ',
  'ƙ',
  'e\u0301',
  'o\u0300',
  'Á',
);
const emoji = fc.constantFrom('😀', '👍🏽', '👨‍👩‍👧', '🇰🇪', '🌽', '❤️', '✅', '🐄');
const otherScripts = fc.constantFrom('ሰ', 'ላ', 'ም', 'ع', 'ק', 'क्षि', '中', 'ก้');
const breaks = fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\f');
const longWord = fc.string({ unit: gsmLetters, minLength: 20, maxLength: 60 });

const piece = fc.oneof(
  { weight: 30, arbitrary: gsmLetters },
  { weight: 10, arbitrary: punctuation },
  { weight: 4, arbitrary: extension },
  { weight: 4, arbitrary: gsmAccents },
  { weight: 2, arbitrary: otherAccents },
  { weight: 1, arbitrary: emoji },
  { weight: 1, arbitrary: otherScripts },
  { weight: 1, arbitrary: breaks },
  { weight: 1, arbitrary: longWord },
);
/** Lengths spread evenly over 0..n pieces, so every segment boundary is crossed (fast-check favours short). */
const sized = <T>(arb: fc.Arbitrary<T>, max: number) =>
  fc.integer({ min: 0, max }).chain((n) => fc.array(arb, { minLength: n, maxLength: n }));
const gsmPiece = fc.oneof(
  { weight: 20, arbitrary: gsmLetters },
  { weight: 6, arbitrary: punctuation },
  { weight: 2, arbitrary: extension },
  { weight: 2, arbitrary: gsmAccents },
  { weight: 1, arbitrary: longWord },
);
const gsmOnlyMessage = sized(gsmPiece, 220).map((p) => p.join(''));
/** Half pure GSM-7, half mixed (and so mostly UCS-2). */
const message = fc.oneof(
  gsmOnlyMessage,
  sized(piece, 160).map((p) => p.join('')),
);
/** Prose-like text (words and spaces) for splitting and pagination. */
const prose = fc
  .integer({ min: 0, max: 120 })
  .chain((n) =>
    fc.array(
      fc.oneof(
        { weight: 12, arbitrary: fc.string({ unit: gsmLetters, minLength: 1, maxLength: 12 }) },
        {
          weight: 2,
          arbitrary: fc.string({ unit: fc.oneof(gsmLetters, gsmAccents, extension), minLength: 1, maxLength: 10 }),
        },
        { weight: 1, arbitrary: fc.oneof(emoji, otherAccents, otherScripts) },
        { weight: 1, arbitrary: longWord },
      ),
      { minLength: n, maxLength: n },
    ),
  )
  .chain((words) =>
    fc
      .array(fc.constantFrom(' ', ' ', ' ', '\n', ', ', '. '), { minLength: words.length, maxLength: words.length })
      .map((seps) =>
        words
          .map((w, i) => w + seps[i])
          .join('')
          .trim(),
      ),
  );

describe('analyseSms agrees with Twilio sms-segments-calculator', () => {
  it('on 1,200 generated messages (extension characters, emoji, accents, long words)', () => {
    let ucs2 = 0;
    let multi = 0;
    fc.assert(
      fc.property(message, (text) => {
        const ours = analyseSms(text);
        const theirs = new SegmentedMessage(text);
        if (ours.encoding === 'UCS-2') ucs2++;
        if (ours.segments > 1) multi++;
        expect({ encoding: ours.encoding, segments: ours.segments }).toEqual({
          encoding: theirs.encodingName,
          segments: theirs.segmentsCount,
        });
        if (ours.encoding === 'GSM-7') expect(ours.units).toBe(theirs.numberOfCharacters);
      }),
      { numRuns: 1200, seed: SEED },
    );
    // The generator must really exercise both encodings and concatenation, or the comparison proves little.
    expect(ucs2).toBeGreaterThan(150);
    expect(1200 - ucs2).toBeGreaterThan(150);
    expect(multi).toBeGreaterThan(300);
  });

  it.each([
    ['160 GSM characters', 'a'.repeat(160), 'GSM-7', 160, 1],
    ['161 GSM characters', 'a'.repeat(161), 'GSM-7', 161, 2],
    ['306 GSM characters', 'a'.repeat(306), 'GSM-7', 306, 2],
    ['307 GSM characters', 'a'.repeat(307), 'GSM-7', 307, 3],
    ['80 euro signs count 2 each', '€'.repeat(80), 'GSM-7', 160, 1],
    ['an escape pair is not split: 152 + € + x', `${'a'.repeat(152)}€${'b'.repeat(10)}`, 'GSM-7', 164, 2],
    ['one curly quote forces UCS-2', `${'a'.repeat(69)}’`, 'UCS-2', 70, 1],
    ['71 UCS-2 units', `${'a'.repeat(70)}’`, 'UCS-2', 71, 2],
    ['an emoji counts 2 units', '😀'.repeat(35), 'UCS-2', 70, 1],
    ['emoji are not split across parts', `${'a'.repeat(66)}😀${'b'.repeat(10)}`, 'UCS-2', 78, 2],
    ['empty message', '', 'GSM-7', 0, 1],
  ])('%s', (_label, text, encoding, units, segments) => {
    expect(analyseSms(text)).toMatchObject({ encoding, units, segments });
    expect(new SegmentedMessage(text).segmentsCount).toBe(segments);
  });

  it('reports the capacity per segment for single and concatenated messages', () => {
    expect(analyseSms('hi').perSegment).toBe(160);
    expect(analyseSms('a'.repeat(200)).perSegment).toBe(153);
    expect(analyseSms('ሰላም').perSegment).toBe(70);
    expect(analyseSms('ሰ'.repeat(100)).perSegment).toBe(67);
  });
});

describe('normaliseForSms', () => {
  it.each([
    ['smart quotes', 'Don’t “wait”', 'Don\'t "wait"'],
    ['dashes', 'Plant 2–3 seeds — not more', 'Plant 2-3 seeds - not more'],
    ['ellipsis', 'Wait…', 'Wait...'],
    ['no-break and thin spaces', '10\u00a0kg and 5\u202fL', '10 kg and 5 L'],
    ['bullets', '• maize\n• beans', '- maize\n- beans'],
    ['zero-width space', 'ma\u200bize', 'maize'],
    ['degrees', 'Store below 25°C', 'Store below 25C'],
    ['tabs and runs of spaces', 'a\t\tb   c', 'a b c'],
  ])('replaces typographic characters: %s', (_label, input, expected) => {
    const out = normaliseForSms(input, 'en');
    expect(out).toBe(expected);
    expect(isGsm7(out)).toBe(true);
  });

  it('strips French diacritics GSM-7 lacks but keeps the ones it has', () => {
    const out = normaliseForSms('Tôt, ça évite la maîtrise ratée à Noël; Où est Élodie?', 'fr');
    expect(out).toBe('Tot, ca évite la maitrise ratée à Noel; Où est Élodie?');
    expect(analyseSms(out).encoding).toBe('GSM-7');
  });

  it('turns a Yoruba and a Hausa message GSM-7', () => {
    expect(isGsm7(normaliseForSms('Ẹ kú àárọ̀, ṣé dáadáa ni?', 'yo'))).toBe(true);
    expect(normaliseForSms('Ƙasa ɗaya', 'ha')).toBe('Kasa daya');
  });

  it('keeps decomposed accents that GSM-7 has (NFC first)', () => {
    expect(normaliseForSms('cafe\u0301', 'fr')).toBe('café');
  });

  it('never strips Amharic (Ethiopic stays UCS-2) yet still replaces typography', () => {
    const out = normaliseForSms('ሰላም “ገበሬ” — ጤና ይስጥልኝ', 'am');
    expect(out).toBe('ሰላም "ገበሬ" - ጤና ይስጥልኝ');
    expect(analyseSms(out).encoding).toBe('UCS-2');
  });

  it('keeps diacritics when stripping would not make the message GSM-7 anyway', () => {
    expect(normaliseForSms('Très bien 👍', 'fr')).toBe('Très bien 👍');
    expect(normaliseForSms('Hâtez-vous 👍', 'fr')).toBe('Hâtez-vous 👍');
  });

  it('never throws and is idempotent', () => {
    fc.assert(
      fc.property(message, fc.constantFrom('en', 'sw', 'fr', 'ha', 'yo', 'am', 'xx', undefined), (text, lang) => {
        const once = normaliseForSms(text, lang);
        expect(normaliseForSms(once, lang)).toBe(once);
      }),
      { numRuns: 300, seed: SEED + 2 },
    );
  });
});

describe('splitSms', () => {
  it('returns short text untouched and without a marker', () => {
    expect(splitSms('Plant after the first rains.', 3)).toEqual(['Plant after the first rains.']);
  });

  it('splits on word boundaries with part markers', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const parts = splitSms(words, 3);
    expect(parts.length).toBe(3);
    parts.forEach((p, i) => {
      expect(p.startsWith(`(${i + 1}/3) `)).toBe(true);
      expect(analyseSms(p).segments).toBe(1);
    });
    // every part but the last ends on a whole word
    for (const p of parts.slice(0, -1)) expect(p).toMatch(/word\d+ $/);
    expect(parts.map(stripPartMarker).join('')).toBe(words);
  });

  it('keeps an escape pair whole at a part boundary', () => {
    const text = `${'a'.repeat(153)}€€€ ${'b'.repeat(50)}`;
    const parts = splitSms(text, 3);
    for (const p of parts) expect(analyseSms(p).units).toBeLessThanOrEqual(160);
    expect(parts.map(stripPartMarker).join('')).toBe(text);
  });

  it('truncates honestly at a word with "..." when the text needs more than maxSegments parts', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    const parts = splitSms(words, 2);
    expect(parts).toHaveLength(2);
    expect(parts[1]).toMatch(/w\d+\.\.\.$/);
    const joined = parts.map(stripPartMarker).join('');
    expect(words.startsWith(joined.slice(0, -3))).toBe(true);
  });

  it('properties: never throws, never exceeds a segment or maxSegments, round-trips text', () => {
    fc.assert(
      fc.property(prose, fc.integer({ min: 1, max: 10 }), (raw, max) => {
        const text = normaliseForSms(raw, 'en');
        const parts = splitSms(text, max);
        expect(parts.length).toBeGreaterThanOrEqual(1);
        expect(parts.length).toBeLessThanOrEqual(max);
        for (const p of parts) expect(analyseSms(p).segments).toBe(1);
        const joined = parts.length === 1 ? parts[0]! : parts.map(stripPartMarker).join('');
        if (joined === text) return;
        // truncated: an honest prefix followed by "..."
        expect(joined.endsWith('...')).toBe(true);
        expect(text.startsWith(joined.slice(0, -3).trimEnd())).toBe(true);
      }),
      { numRuns: 400, seed: SEED + 3 },
    );
  });
});

describe('fitSms', () => {
  it('normalises and returns text that already fits unchanged otherwise', () => {
    expect(fitSms('It’s time — plant now', 3, 'en')).toEqual({
      text: "It's time - plant now",
      encoding: 'GSM-7',
      segments: 1,
      units: 21,
      truncated: false,
    });
  });

  it('fits SMS_MAX_SEGMENTS by cutting at a word with "..."', () => {
    const long = 'Maize needs nitrogen at knee height. '.repeat(30);
    const fit = fitSms(long, 3, 'en');
    expect(fit.segments).toBe(3);
    expect(fit.truncated).toBe(true);
    expect(fit.text).toMatch(/[a-z.]\.\.\.$/);
    expect(long.startsWith(fit.text.slice(0, -3))).toBe(true);
  });

  it('properties: within maxSegments, reports what it returns, prefix of the normalised text', () => {
    fc.assert(
      fc.property(
        message,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('en', 'fr', 'sw', 'am'),
        (raw, max, lang) => {
          const fit = fitSms(raw, max, lang);
          const normalised = normaliseForSms(raw, lang);
          const a = analyseSms(fit.text);
          expect(a.segments).toBeLessThanOrEqual(max);
          expect({ encoding: a.encoding, segments: a.segments, units: a.units }).toEqual({
            encoding: fit.encoding,
            segments: fit.segments,
            units: fit.units,
          });
          if (!fit.truncated) expect(fit.text).toBe(normalised);
          else expect(normalised.startsWith(fit.text.slice(0, -3))).toBe(true);
        },
      ),
      { numRuns: 300, seed: SEED + 4 },
    );
  });
});

describe('paginateUssd', () => {
  const labels = { more: '1 More', back: '0 Back' };

  it('keeps a short answer on one screen with Back', () => {
    expect(paginateUssd('Plant maize after the first rains.', 160, labels).map((p) => p.screen)).toEqual([
      'Plant maize after the first rains.\n0 Back',
    ]);
  });

  it('pages a long answer on word boundaries with More on every page but the last', () => {
    const text = 'Fall armyworm eats young maize leaves. '.repeat(12).trim();
    const pages = paginateUssd(text, 120, labels);
    expect(pages.length).toBeGreaterThan(3);
    pages.forEach((p, i) => {
      expect(p.screen.length).toBeLessThanOrEqual(120);
      if (i < pages.length - 1) expect(p.screen.endsWith('\n1 More\n0 Back')).toBe(true);
      else expect(p.screen.endsWith('\n0 Back')).toBe(true);
      const body = p.screen.split('\n')[0]!;
      expect(body).toMatch(/^\S.*\S$/); // no half words at either edge
    });
    expect(pages.map((p) => p.text).join('')).toBe(text);
  });

  it('halves the budget when the text needs UCS-2', () => {
    const text = 'ሰላም ገበሬ '.repeat(40).trim();
    const pages = paginateUssd(text, 160, { more: '1 ተጨማሪ', back: '0 ተመለስ' });
    for (const p of pages) expect(p.screen.length).toBeLessThanOrEqual(80);
    expect(pages.map((p) => p.text).join('')).toBe(text);
  });

  it('properties: every screen within the budget, text round-trips, never throws', () => {
    fc.assert(
      fc.property(prose, fc.integer({ min: 60, max: 182 }), (text, maxChars) => {
        const pages = paginateUssd(text, maxChars, labels);
        const encoding = isGsm7(text + labels.more + labels.back) ? 'GSM-7' : 'UCS-2';
        const budget = encoding === 'GSM-7' ? maxChars : Math.floor(maxChars / 2);
        for (const p of pages) {
          expect(unitsIn(p.screen, encoding)).toBeLessThanOrEqual(budget);
          expect(p.screen.length).toBeLessThanOrEqual(maxChars);
        }
        expect(pages.map((p) => p.text).join('')).toBe(text);
        expect(pages.at(-1)!.screen.includes('1 More')).toBe(false);
      }),
      { numRuns: 400, seed: SEED + 5 },
    );
  });

  it('refuses a screen too small for its footer with a clear error', () => {
    expect(() => paginateUssd('text', 12, labels)).toThrow(RangeError);
  });
});

describe('WhatsApp limits', () => {
  it('cuts text over 4,096 characters at a word', () => {
    const long = 'Savings groups help members save together. '.repeat(200);
    const out = fitWhatsapp(long);
    expect(out.length).toBeLessThanOrEqual(WHATSAPP_LIMITS.text);
    expect(out.endsWith('…')).toBe(true);
    expect(fitWhatsapp('short')).toBe('short');
  });

  it('keeps at most 3 buttons with titles of at most 20 characters', () => {
    const buttons = fitButtons([
      { id: 'a', title: 'Farming tips for the long rains' },
      { id: 'b', title: 'Money' },
      { id: 'c', title: 'Language' },
      { id: 'd', title: 'Exit' },
    ]);
    expect(buttons).toHaveLength(3);
    expect(buttons[0]!.title.length).toBeLessThanOrEqual(20);
    expect(whatsappProblems({ text: 'Menu', buttons })).toEqual([]);
  });

  it('keeps at most 10 list rows with titles of at most 24 characters', () => {
    const rows = Array.from({ length: 14 }, (_, i) => ({
      id: `r${i}`,
      title: `Topic number ${i} with a long name`,
      description: 'd'.repeat(100),
    }));
    const list = fitList({ button: 'Choose a topic from the list', rows });
    expect(list.rows).toHaveLength(10);
    for (const r of list.rows) {
      expect(r.title.length).toBeLessThanOrEqual(24);
      expect(r.description!.length).toBeLessThanOrEqual(72);
    }
    expect(whatsappProblems({ text: 'Topics', list })).toEqual([]);
    expect(whatsappProblems({ text: 'Topics', list: { button: 'x', rows } })).toContain(
      'list.rows: 14 given, 1 to 10 allowed',
    );
  });

  it('truncateText never exceeds its limit', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 1, max: 300 }), (text, max) => {
        expect(truncateText(text, max).length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 300, seed: SEED + 6 },
    );
  });
});
