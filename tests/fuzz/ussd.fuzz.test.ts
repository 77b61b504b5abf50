/**
 * Africa's Talking USSD: the route's body schema, the subscriber normaliser and the dialogue (`newInput`,
 * `startUssd`, `stepUssd`) over the real packs, menus and locales, fed with hostile input.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_USSD_TEXT, ussdBody } from '../../channels/africastalking/ussd.js';
import { InvalidPhoneNumberError, normaliseSubscriber } from '../../src/core/messages/index.js';
import { encodingOf, unitsIn } from '../../src/core/shaping/index.js';
import { newInput, startUssd, stepUssd, type UssdDeps } from '../../src/dialogue/ussd/machine.js';
import { loadUssdMenus } from '../../src/dialogue/ussd/menus.js';
import { createTranslator } from '../../src/platform/i18n/index.js';
import { sharedAnswerer } from '../support/answerer.js';
import { anyValue, E164, formBody, hostileText, phoneish } from './arbitraries.js';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

describe('AT USSD body schema', () => {
  it('never throws, and whatever it accepts is within the limits the route relies on', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: formBody(['sessionId', 'serviceCode', 'phoneNumber', 'networkCode', 'text']) },
          anyValue,
        ),
        (body) => {
          const parsed = ussdBody.safeParse(body);
          if (!parsed.success) {
            // The 400 body names the field at fault.
            expect(parsed.error.issues[0]?.message).toMatch(/\S/);
            return;
          }
          const d = parsed.data;
          expect(d.sessionId.length).toBeGreaterThan(0);
          expect(d.sessionId.length).toBeLessThanOrEqual(128);
          expect(d.sessionId).toBe(d.sessionId.trim());
          expect(d.phoneNumber.length).toBeGreaterThan(0);
          expect(d.phoneNumber.length).toBeLessThanOrEqual(32);
          expect(typeof d.text).toBe('string');
          expect(d.text.length).toBeLessThanOrEqual(MAX_USSD_TEXT);
          expect(typeof d.serviceCode).toBe('string');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('normaliseSubscriber', () => {
  it('returns E.164 with a + or throws InvalidPhoneNumberError, nothing else', () => {
    fc.assert(
      fc.property(phoneish, fc.constantFrom('KE', 'NG', 'TZ', 'FR', 'US', 'XX'), (raw, country) => {
        let out: string;
        try {
          out = normaliseSubscriber(raw, country);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidPhoneNumberError);
          return;
        }
        expect(out).toMatch(E164);
        // Normalising is idempotent: a stored number looks the same when it comes back.
        expect(normaliseSubscriber(out, country)).toBe(out);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('newInput (what the caller typed on this hop)', () => {
  it('never throws and always returns the tail of the text', () => {
    fc.assert(
      fc.property(hostileText, fc.option(hostileText, { nil: undefined }), (text, last) => {
        const input = newInput(text, last);
        expect(typeof input).toBe('string');
        expect(text.endsWith(input)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips: text = previous + "*" + input gives the input back', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), hostileText, (last, typed) => {
        expect(newInput(`${last}*${typed}`, last)).toBe(typed);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('USSD dialogue over the real packs and locales', () => {
  let base: Omit<UssdDeps, 'maxChars'>;

  beforeAll(async () => {
    const answerer = await sharedAnswerer();
    const i18n = await createTranslator(path.join(ROOT, 'locales'));
    base = {
      catalogue: answerer.catalogue,
      menus: loadUssdMenus(path.join(ROOT, 'src', 'dialogue', 'ussd', 'menu.yaml')),
      t: (lang, key, vars) => i18n.t(lang, key, vars),
    };
  });

  // Mostly menu digits (so sessions go deep: topics, entries, answer pages), some free text and garbage.
  const hopInput = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '9', '0') },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 99 }).map(String) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('how do I plant maize', 'akiba', 'épargne', ' 1 ', '01', '1.0', '-1', '1e3'),
    },
    { weight: 2, arbitrary: hostileText },
  );

  /** A screen holds USSD_MAX_CHARS in GSM-7 (extension characters count 2), half of it in UCS-2. */
  const screenFits = (text: string, maxChars: number) => {
    const encoding = encodingOf(text);
    return unitsIn(text, encoding) <= (encoding === 'GSM-7' ? maxChars : Math.floor(maxChars / 2));
  };

  it('never throws; every screen fits USSD_MAX_CHARS (half in UCS-2); no empty screen unless a question is on its way', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 120, max: 182 }),
        fc.constantFrom('en', 'sw', 'fr', 'xx'),
        fc.oneof(
          fc.constant(''),
          fc.array(hopInput, { maxLength: 4 }).map((a) => a.join('*')),
          hostileText,
        ),
        fc.array(hopInput, { maxLength: 14 }),
        (maxChars, lang, dialled, hops) => {
          const deps: UssdDeps = { ...base, maxChars };
          let step = startUssd('ATUid_fuzz', lang, dialled, deps);
          const check = () => {
            if (!screenFits(step.text, maxChars)) {
              throw new Error(
                `screen of ${step.text.length} characters (${encodingOf(step.text)}) over ${maxChars}:\n${step.text}`,
              );
            }
            if (step.effect?.kind !== 'question') expect(step.text.trim().length).toBeGreaterThan(0);
            else expect(step.effect.text.trim().length).toBeGreaterThan(0);
          };
          check();
          for (const input of hops) {
            if (step.end) break;
            if (step.effect?.kind === 'question') {
              // The route puts the answer on an answer screen; here the caller simply goes back.
              step = stepUssd({ ...step.state, screen: { kind: 'main' } }, '0', deps);
            }
            step = stepUssd(step.state, input, deps);
            check();
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('regressions the fuzzing found', () => {
  it('a bad networkCode is rejected naming the field', () => {
    for (const networkCode of ['x'.repeat(17), ['1', '2']]) {
      const parsed = ussdBody.safeParse({ sessionId: 'ATUid_1', phoneNumber: '+254711000001', networkCode });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/field 'networkCode'/);
    }
  });
});
