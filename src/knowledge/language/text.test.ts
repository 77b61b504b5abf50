import { describe, expect, it } from '@jest/globals';
import { analyseQuery, SynonymTable } from '../answer/analyse.js';
import { charNgrams, expandAbbreviations, normalise, stem, stripGreetings, words } from './text.js';

describe('normalise and words', () => {
  it('folds case and diacritics, Yorùbá tone marks and Hausa hooked letters', () => {
    expect(words(normalise('Maïs, ÉPARGNE et crédit'))).toEqual(['mais', 'epargne', 'et', 'credit']);
    expect(words(normalise('Ọ̀gbìn àgbàdo'))).toEqual(['ogbin', 'agbado']);
    expect(words(normalise('ƙasa ɗaya ɓera'))).toEqual(['kasa', 'daya', 'bera']);
  });

  it("keeps Swahili ng' words whole and splits French elisions", () => {
    expect(words(normalise("ng'ombe wa maziwa"))).toEqual(['ngombe', 'wa', 'maziwa']);
    expect(words(normalise("l'engrais d’urgence qu'il"))).toEqual(['l', 'engrais', 'd', 'urgence', 'qu', 'il']);
  });

  it('tokenises Ethiopic script (no case) into words and syllable n-grams', () => {
    const toks = words(normalise('የበቆሎ ዘር እንዴት እዘራለሁ?'));
    expect(toks).toEqual(['የበቆሎ', 'ዘር', 'እንዴት', 'እዘራለሁ']);
    expect(charNgrams('ዘር', [2, 3])).toEqual([' ዘ', 'ዘር', 'ር ', ' ዘር', 'ዘር ']);
  });
});

describe('SMS spellings', () => {
  it('expands English, French and Swahili abbreviations for the languages in play', () => {
    expect(expandAbbreviations(words('hw 2 plant maize 2day pls'), ['en'])).toEqual([
      'how',
      'to',
      'plant',
      'maize',
      'today',
      'please',
    ]);
    expect(expandAbbreviations(words('c koi pk stp'), ['fr'])).toEqual([
      'c',
      'est',
      'quoi',
      'pourquoi',
      's',
      'il',
      'te',
      'plait',
    ]);
    expect(expandAbbreviations(words('kwann mahindi nn'), ['sw'])).toEqual(['kwa', 'nini', 'mahindi', 'nini']);
  });

  it("keeps a word the packs use unless it is an SMS spelling of the writer's own language", () => {
    const packWord = (t: string) => t === 'cmt';
    // An English or Swahili writer's "cmt" is the California Mastitis Test...
    expect(expandAbbreviations(['cmt', 'test'], ['en', 'fr'], packWord)).toEqual(['cmt', 'test']);
    expect(expandAbbreviations(['cmt'], ['sw', 'en', 'fr'], packWord)).toEqual(['cmt']);
    // ...a French writer's is "comment" ("cmt choisir un pret" is not about mastitis).
    expect(expandAbbreviations(['cmt', 'choisir'], ['fr', 'en'], packWord)).toEqual(['comment', 'choisir']);
  });

  it('leaves words that name built-in object properties alone ("constructor" once crashed a question)', () => {
    expect(expandAbbreviations(words('constructor tostring valueof proto hasownproperty'), ['en', 'fr', 'sw'])).toEqual(
      ['constructor', 'tostring', 'valueof', 'proto', 'hasownproperty'],
    );
  });

  it('drops the greetings and thanks that open or close a message, which are never the topic', () => {
    expect(stripGreetings(words('habari za asubuhi nipande mahindi lini'))).toEqual(['nipande', 'mahindi', 'lini']);
    expect(stripGreetings(words('bonjour ca va'))).toEqual([]);
    expect(stripGreetings(words('hello hi how do i store beans thank you'))).toEqual([
      'how',
      'do',
      'i',
      'store',
      'beans',
    ]);
    expect(stripGreetings(words('jambo nipe ushauri wa mbolea asante sana'))).toEqual([
      'nipe',
      'ushauri',
      'wa',
      'mbolea',
    ]);
  });

  it('keeps greeting words inside a sentence, where they mean something else', () => {
    // "habari" is news, "mambo" matters, "vipi" how.
    expect(stripGreetings(words('nataka habari za bei ya mahindi'))).toEqual([
      'nataka',
      'habari',
      'za',
      'bei',
      'ya',
      'mahindi',
    ]);
    expect(stripGreetings(words('nieleze mambo ya mkopo wa chama'))).toEqual([
      'nieleze',
      'mambo',
      'ya',
      'mkopo',
      'wa',
      'chama',
    ]);
    expect(stripGreetings(words('tujikinge vipi na kipindupindu'))).toEqual([
      'tujikinge',
      'vipi',
      'na',
      'kipindupindu',
    ]);
  });
});

describe('stem', () => {
  it('folds plurals and common English endings the same way on both sides', () => {
    expect(stem('loans')).toBe(stem('loan'));
    expect(stem('varieties')).toBe(stem('variety'));
    expect(stem('pluies')).toBe(stem('pluie'));
    expect(stem('safely')).toBe(stem('safe'));
    expect(stem('families')).toBe(stem('family'));
    expect(stem('family')).not.toBe('fami');
    expect(new Set(['compare', 'comparing', 'compared', 'compares'].map(stem)).size).toBe(1);
    expect(new Set(['store', 'storing', 'stored'].map(stem)).size).toBe(1);
  });
});

describe('analyseQuery', () => {
  const synonyms = new SynonymTable([
    {
      id: 'agri',
      synonyms: {
        en: [['maize', 'corn']],
        sw: [
          ['mahindi', 'maize'],
          ['viwavi jeshi', 'fall armyworm'],
        ],
      },
    },
  ]);

  it('meets the same synonym group from either language (code-mixing) and from multi-word phrases', () => {
    const a = analyseQuery('corn', { langs: ['en'], synonyms });
    const b = analyseQuery('mahindi', { langs: ['sw'], synonyms });
    expect(a.units[0]!.groups).toEqual(b.units[0]!.groups);
    const c = analyseQuery('viwavi jeshi kwa mahindi', { langs: ['sw', 'en'], synonyms });
    const d = analyseQuery('fall armyworm', { langs: ['en'], synonyms });
    expect(c.units[0]!.groups[0]).toBe(d.units[0]!.groups[0]);
  });

  it('drops the stopwords of every language in play', () => {
    expect(
      analyseQuery('what is the best way to plant maize?', { langs: ['en', 'sw', 'fr'], synonyms }).units.map(
        (u) => u.token,
      ),
    ).toEqual(['plant', stem('maize')]);
    expect(
      analyseQuery('je nipande mahindi lini?', { langs: ['sw', 'en'], synonyms }).units.map((u) => u.token),
    ).toEqual([stem('nipande'), 'mahindi']);
  });
});
