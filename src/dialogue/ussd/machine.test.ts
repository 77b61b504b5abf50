import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { sharedAnswerer } from '../../../tests/support/answerer.js';
import { encodingOf, normaliseForSms } from '../../core/shaping/index.js';
import { createTranslator } from '../../platform/i18n/index.js';
import { assetPath } from '../../platform/paths.js';
import { continueUssd, startUssd, type UssdDeps } from './machine.js';
import { loadUssdMenus } from './menus.js';

let deps: UssdDeps;
let invalid: Record<string, string>;

beforeAll(async () => {
  const i18n = await createTranslator(assetPath('locales'));
  deps = {
    catalogue: (await sharedAnswerer()).catalogue,
    menus: loadUssdMenus(path.join(assetPath('src'), 'dialogue', 'ussd', 'menu.yaml')),
    maxChars: 160,
    t: (lang, key, vars) => i18n.t(lang, key, vars),
  };
  invalid = Object.fromEntries(['en', 'sw', 'fr'].map((l) => [l, i18n.t(l, 'ussd:invalid')]));
});

describe.each(['en', 'sw', 'fr'])('USSD input history (%s)', (lang) => {
  it('applies every input since the last hop: "" then "1*how do I store maize" asks that question', () => {
    const first = startUssd('S1', lang, '', deps);
    const state = { ...first.state, lastText: '' };
    const next = continueUssd(state, '1*how do I store maize', deps);
    expect(next.effect).toEqual({ kind: 'question', text: 'how do I store maize' });
    expect(next.text).not.toContain(invalid[lang]);
  });

  it('keeps a "*" the user typed inside the question', () => {
    const start = startUssd('S2', lang, '', deps);
    const next = continueUssd({ ...start.state, lastText: '' }, '1*maize 2*3 spacing', deps);
    expect(next.effect).toEqual({ kind: 'question', text: 'maize 2*3 spacing' });
  });

  it('walks two menu levels typed ahead in one hop, as if typed one by one', () => {
    const start = startUssd('S3', lang, '', deps);
    const oneByOne = continueUssd(
      { ...continueUssd({ ...start.state, lastText: '' }, '2', deps).state, lastText: '2' },
      '2*1',
      deps,
    );
    const ahead = continueUssd({ ...start.state, lastText: '' }, '2*1', deps);
    expect(ahead.text).toBe(oneByOne.text);
    expect(ahead.state.screen).toEqual(oneByOne.state.screen);
  });

  it('answers a retried hop with the same screen, not "invalid choice"', () => {
    const start = startUssd('S4', lang, '', deps);
    const topics = continueUssd({ ...start.state, lastText: '' }, '2', deps);
    const retried = continueUssd({ ...topics.state, lastText: '2' }, '2', deps);
    expect(retried.text).toBe(topics.text);
    expect(retried.state.screen).toEqual(topics.state.screen);
    const firstAgain = continueUssd({ ...start.state, lastText: '' }, '', deps);
    expect(firstAgain.text).toBe(start.text);
  });
});

describe('French USSD screens', () => {
  it('keep the accents GSM-7 carries (é, è, à, ù) and never turn a screen UCS-2', async () => {
    const fr = JSON.parse(readFileSync(assetPath('locales', 'fr', 'ussd.json'), 'utf8')) as Record<string, unknown>;
    const strings = (v: unknown): string[] =>
      typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];
    for (const text of strings(fr)) {
      const shown = normaliseForSms(text, 'fr');
      expect({ text, encoding: encodingOf(shown) }).toEqual({ text, encoding: 'GSM-7' });
    }
    expect(normaliseForSms(deps.t('fr', 'ussd:language.saved'), 'fr')).toBe('Langue enregistrée.');
    const main = startUssd('S5', 'fr', '', deps).text;
    const language = /^(\d) Changer de langue$/m.exec(main)![1]!;
    const menu = startUssd('S5', 'fr', language, deps).text;
    // ç is not in GSM-7: the one letter the channel cannot carry is folded, the screen stays one GSM-7 page.
    expect(menu).toMatch(/^3 Francais$/m);
    expect(encodingOf(menu)).toBe('GSM-7');
  });
});
