import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { expandAbbreviations, normalise, words } from '../language/text.js';
import { intentsCovered, outOfScopeIntents } from './scope.js';

const asked = (q: string, lang: string) =>
  outOfScopeIntents(expandAbbreviations(words(normalise(q)), [lang])).map((it) => it.name);

describe('out-of-scope requests in a question', () => {
  it.each([
    ['what is the price of maize today', 'en', 'live-prices'],
    ['bei ya mahindi sokoni leo', 'sw', 'live-prices'],
    ["prix du maïs aujourd'hui", 'fr', 'live-prices'],
    ['hali ya hewa kesho', 'sw', 'weather-forecast'],
    ['dernieres nouvelles du cameroun', 'fr', 'news'],
    ['how many cholera cases in nairobi this week', 'en', 'current-events'],
    ['combien de cas de cholera aujourd hui', 'fr', 'current-events'],
    ['who sells day old chicks near me', 'en', 'shop-contacts'],
    ['nitumie vocha ya mia tano tafadhali', 'sw', 'airtime-requests'],
    ['send me airtime please', 'en', 'airtime-requests'],
    ['how to fix a cracked phone screen', 'en', 'phone-repair'],
    ['simu yangu haichaji tangu jana', 'sw', 'phone-repair'],
    ['will it rain tomorrow in nakuru', 'en', 'weather-forecast'],
    ['mvua itanyesha kesho nakuru?', 'sw', 'weather-forecast'],
    ['what is airtel money customer care number', 'en', 'customer-care-numbers'],
    ['namba ya huduma kwa wateja ya m-pesa ni gani', 'sw', 'customer-care-numbers'],
    ['numero du service client orange money', 'fr', 'customer-care-numbers'],
  ])('"%s" (%s) asks for %s', (q, lang, intent) => {
    expect(asked(q, lang)).toEqual([intent]);
  });

  it.each([
    ['trader offers 3000 per bag is it a good price', 'en'],
    ['niuze maharagwe wapi nipate bei nzuri', 'sw'],
    // "les nouvelles chèvres" are newly bought goats, not the news.
    ['comment isoler les nouvelles chevres', 'fr'],
    // "nitumie" is also "should I use"; an outbreak in the village now is a question the packs answer.
    ['nitumie njia gani kujua kila shilingi ninayotumia', 'sw'],
    ['there is cholera in our village now how do we protect the children', 'en'],
    ['my brother wants to send me money from dubai which way is cheapest', 'en'],
    ['someone says he is from customer care and wants my pin', 'en'],
    ['customer care does not answer my complaint, where do i go next', 'en'],
    ['will it rain enough this season to plant maize', 'en'],
  ])('"%s" (%s) asks for nothing out of scope', (q, lang) => {
    expect(asked(q, lang)).toEqual([]);
  });
});

describe('the cue tables', () => {
  it('give every language version of an intent the same groups (they are merged group by group)', () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../language/data');
    const groups = new Map<string, Map<string, number>>();
    for (const lang of readdirSync(dir)) {
      const file = path.join(dir, lang, 'out-of-scope.json');
      if (!existsSync(file)) continue;
      for (const [name, g] of Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)) {
        if (name.startsWith('$')) continue;
        if (!groups.has(name)) groups.set(name, new Map());
        groups.get(name)!.set(lang, (g as unknown[]).length);
      }
    }
    for (const [name, byLang] of groups) expect([name, new Set(byLang.values()).size]).toEqual([name, 1]);
  });
});

describe('what an entry covers', () => {
  it('covers live prices when its title or an example question asks for them', () => {
    expect(intentsCovered(['What are honey prices this week?'], 'en')).toEqual(['live-prices']);
    expect(intentsCovered(['Selling honey', 'bei ya asali leo ni ngapi'], 'sw')).toEqual(['live-prices']);
    // Read like a user's question: SMS spellings count.
    expect(intentsCovered(['Selling honey', 'price of honey 2day'], 'en')).toEqual(['live-prices']);
  });

  it('does not cover them by talking about prices: an entry on reading a buyer offer answers no price request', () => {
    const offers = [
      "Where should I sell my harvest and how do I read a buyer's offer?",
      'trader offers 3000 per bag is it a good price',
      'where can i sell my beans for a better price',
    ];
    expect(intentsCovered(offers, 'en')).toEqual([]);
  });

  it('needs every cue of an intent in one request, not spread over several', () => {
    // "price" in one question and "today" in another are two requests, neither for today's price.
    expect(intentsCovered(['is 3000 a good price for a bag', 'calf born today not suckling'], 'en')).toEqual([]);
  });
});
