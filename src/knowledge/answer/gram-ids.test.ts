import { charNgrams } from '../language/text.js';
import { forEachWindow, GramIds } from './gram-ids.js';

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

  it('visits the windows charNgrams cuts, in the same order', () => {
    for (const w of ['mahindi', 'a', 'maïs', 'ጤፍ']) {
      const seen: string[] = [];
      const padded = ` ${w} `;
      expect(forEachWindow(padded, [3, 4], (from, to) => seen.push(padded.slice(from, to)))).toBe(true);
      expect(seen).toEqual(charNgrams(w, [3, 4]));
    }
  });

  it('leaves text with astral characters to charNgrams, which counts code points', () => {
    expect(forEachWindow(' 𝒜bc ', [3], () => undefined)).toBe(false);
  });
});
