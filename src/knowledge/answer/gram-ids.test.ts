import { charNgrams } from '../language/text.js';
import { forEachGramId, GramIds, StampSet } from './gram-ids.js';

describe('GramIds', () => {
  const vocabulary = ['mahindi', 'maharage', 'viwavijeshi', 'ngʼombe', 'ጤፍ', 'maïs'];
  const keys = [...new Set(vocabulary.flatMap((w) => charNgrams(w, [1, 2, 3, 4])))];
  const ids = new GramIds(keys);

  it('finds every key, as a whole string and as a window of a longer one', () => {
    keys.forEach((k, id) => {
      expect(ids.idOf(k)).toBe(id);
      expect(ids.idOf(`xx${k}yy`, 2, 2 + k.length)).toBe(id);
    });
  });

  it('finds nothing for strings that are not keys, including ones that share a hash slot', () => {
    for (const s of ['zzz', 'mahi ', ' viwz', 'ma1s', '', 'x'.repeat(12)]) expect(ids.idOf(s)).toBe(-1);
  });

  it('gives the ids of the n-grams charNgrams cuts, in the same order, -1 for the unknown ones', () => {
    // Known words, a word not in the vocabulary, one shorter than the n-grams, and astral text (code points).
    for (const w of ['mahindi', 'viwavijeshi', 'mtama', 'a', 'maïs', 'ጤፍ', '𝒜bc']) {
      const got: number[] = [];
      forEachGramId(ids, w, [3, 4], (id) => got.push(id));
      expect(got).toEqual(charNgrams(w, [3, 4]).map((g) => keys.indexOf(g)));
    }
  });
});

describe('StampSet', () => {
  it('keeps each id once until cleared, then takes them again', () => {
    const s = new StampSet(4);
    expect([s.add(1), s.add(1), s.add(3)]).toEqual([true, false, true]);
    s.clear();
    expect([s.add(1), s.add(1), s.add(0)]).toEqual([true, false, true]);
  });
});
