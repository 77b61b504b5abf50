import { describe, expect, it } from '@jest/globals';
import { NearSpellings } from './near-spelling.js';

const vocabulary = ['anaharisha', 'akiharisha', 'kuhara', 'maize', 'silent', 'fertilizer', 'mbolea', 'kijiji'];
const near = new NearSpellings(vocabulary, () => 1);
const terms = (token: string) => near.find(token).map((a) => a.term);

describe('near spellings', () => {
  it('finds a long Swahili verb form within two edits, closest first', () => {
    expect(terms('wanaharisha')).toEqual(['anaharisha']);
    expect(near.find('wanaharisha')[0]!.weight).toBeCloseTo(1 - 1 / 11);
    expect(terms('wakiharisha')).toEqual(['akiharisha']);
  });

  it('allows three edits only from thirteen letters', () => {
    // "akiharisha" is three edits from "wanaharisha" (11 letters); "kuhifadhiwa" three from "kuhifadhiwajee" (14).
    const long = new NearSpellings(['kuhifadhiwa', 'akiharisha'], () => 1);
    expect(long.find('wanaharisha')).toEqual([]);
    expect(long.find('kuhifadhiwajee').map((a) => a.term)).toEqual(['kuhifadhiwa']);
  });

  it('counts a swap of two neighbouring letters as one edit, and a wrong letter as one', () => {
    expect(terms('mboela')).toEqual(['mbolea']);
    expect(terms('mbolia')).toEqual(['mbolea']);
    expect(terms('firtilizar')).toEqual(['fertilizer']);
  });

  it('rejects words made of the same letters in another order (an anagram is many edits away)', () => {
    expect(terms('listen')).toEqual([]);
  });

  it('rejects words with too many letters the token lacks, and takes the words a token abbreviates', () => {
    expect(terms('kijijini')).toEqual(['kijiji']);
    expect(terms('kijijonu')).toEqual([]);
    expect(terms('fertiliz')).toEqual(['fertilizer']);
  });
});
