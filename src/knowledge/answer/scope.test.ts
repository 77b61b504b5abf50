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
  ])('"%s" (%s) asks for %s', (q, lang, intent) => {
    expect(asked(q, lang)).toEqual([intent]);
  });

  it.each([
    ['trader offers 3000 per bag is it a good price', 'en'],
    ['niuze maharagwe wapi nipate bei nzuri', 'sw'],
    // "les nouvelles chèvres" are newly bought goats, not the news.
    ['comment isoler les nouvelles chevres', 'fr'],
  ])('"%s" (%s) asks for nothing out of scope', (q, lang) => {
    expect(asked(q, lang)).toEqual([]);
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
