import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { lexicalAnswerer } from '../../../tests/support/answerer.js';
import { entryLines, type TempPack, writeTempPack } from '../../../tests/support/packs.js';
import type { BarazaAnswerer } from './index.js';

/** A pack in English and Swahili only: French questions must still get French replies. */
const entry = (id: string, lang: string, title: string, tags: string[], summary: string, body: string) =>
  entryLines(id, lang, title, tags, summary, body, {
    topic: 'animals',
    source: 'FAO, Small-scale livestock guides - https://www.fao.org/home/en',
  });

const pack = () =>
  writeTempPack(
    [
      'id: goats-en-sw',
      'title: Goats',
      'version: 0.1.0',
      'license: CC-BY-4.0',
      'languages: [en, sw]',
      'default_language: en',
    ],
    {
      'goat-deworming.en.md': entry(
        'goat-deworming',
        'en',
        'How often should I deworm my goats?',
        ['goats', 'deworming', 'worms', 'dewormer'],
        'Deworm goats when the inner eyelid turns pale, and rotate pastures.',
        'Check the inner eyelid every two weeks. Treat only pale-eyed goats at the dose for their weight.',
      ),
      'goat-deworming.sw.md': entry(
        'goat-deworming',
        'sw',
        'Nipe mbuzi dawa ya minyoo mara ngapi?',
        ['mbuzi', 'minyoo', 'dawa ya minyoo'],
        'Wape mbuzi dawa ya minyoo kope la ndani likiwa jeupe, na badilisha malisho.',
        'Angalia kope la ndani kila wiki mbili. Tibu mbuzi wenye kope jeupe tu kwa kipimo cha uzito wao.',
      ),
      'goat-kidding.en.md': entry(
        'goat-kidding',
        'en',
        'How do I care for a goat giving birth?',
        ['goats', 'kidding', 'birth', 'colostrum'],
        'Give the doe a clean dry pen and let the kid suckle colostrum within an hour.',
        'Prepare a clean pen with dry bedding before the doe is due. Most kids are born without help.',
      ),
      'goat-kidding.sw.md': entry(
        'goat-kidding',
        'sw',
        'Nimtunzeje mbuzi anayezaa?',
        ['mbuzi', 'kuzaa', 'mtoto wa mbuzi', 'maziwa ya kwanza'],
        'Mpe mbuzi banda safi kavu na mtoto anyonye maziwa ya kwanza ndani ya saa moja.',
        'Andaa banda safi lenye matandiko makavu kabla mbuzi hajazaa. Watoto wengi huzaliwa bila msaada.',
      ),
    },
  );

// The message says which language it is in; the saved profile says another. "I don't know" follows the message.
const cases = [
  { lang: 'en', saved: 'sw', question: 'who won the football match last night in the city', says: /^Sorry/ },
  { lang: 'sw', saved: 'en', question: 'nani alishinda mechi ya mpira jana usiku', says: /^Samahani/ },
  { lang: 'fr', saved: 'sw', question: 'qui a gagné le match de football hier soir', says: /^Désolé/ },
  { lang: 'fr', saved: undefined, question: 'quelle est la recette du gâteau au chocolat', says: /^Désolé/ },
] as const;

describe('one language per reply: the message language, even one the pack lacks', () => {
  let tmp: TempPack;
  let answerer: BarazaAnswerer;
  beforeAll(async () => {
    tmp = await pack();
    answerer = await lexicalAnswerer([tmp.dir]);
  });
  afterAll(async () => {
    await answerer.close();
    await tmp.remove();
  });

  it.each(cases)('$lang question (saved: $saved) gets "I don\'t know" in $lang on every channel', async (c) => {
    for (const channel of ['ussd', 'sms', 'whatsapp'] as const) {
      const r = await answerer.answer({ question: c.question, channel, ...(c.saved ? { lang: c.saved } : {}) });
      expect(r.found).toBe(false);
      expect(r.userLang).toBe(c.lang);
      expect(r.lang).toBe(c.lang);
      expect(r.answer).toMatch(c.says);
    }
  });

  it('a French question the pack answers in English says so in French ("(en anglais)")', async () => {
    const r = await answerer.answer({ question: 'tous les combien vermifuger mes chèvres', channel: 'sms' });
    expect(r.userLang).toBe('fr');
    if (r.found) expect(r.answer).toMatch(/^\(en anglais\)/);
    else expect(r.answer).toMatch(/^(Désolé|Vouliez-vous)/);
  });
});
