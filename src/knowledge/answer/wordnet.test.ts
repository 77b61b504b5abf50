import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { entryLines, writeTempPack } from '../../../tests/support/packs.js';
import { stem } from '../language/text.js';
import { loadPack } from '../packs/load.js';
import type { LoadedPack } from '../packs/types.js';
import { retrieve } from './index.js';
import { readPackIndex, serialisePackIndex, writePackIndex } from './index-store.js';
import type { IndexDoc } from './lexical.js';
import { assembleSnapshot, buildPackDocs } from './snapshot.js';
import { bridgePairs, WORDNET_BRIDGE, WordNet } from './wordnet.js';

const entry = entryLines;

let pack: LoadedPack;
let remove: () => Promise<void>;
let on: IndexDoc[];
let off: IndexDoc[];

beforeAll(async () => {
  const tmp = await writeTempPack(
    [
      'id: wn-test',
      'title: WordNet test',
      'version: 0.1.0',
      'license: CC-BY-4.0',
      'languages: [en, sw]',
      'default_language: en',
    ],
    {
      'maize-drying.en.md': entry(
        'maize-drying',
        'en',
        'Drying maize before storage',
        ['maize', 'drying', 'storage'],
        'Dry the cobs in the sun until the grain is hard.',
        'Spread the cobs on a clean tarpaulin in the sun for several days.',
      ),
      'maize-drying.sw.md': entry(
        'maize-drying',
        'sw',
        'Kukausha mahindi kabla ya kuhifadhi',
        ['mahindi', 'kukausha'],
        'Kausha mahindi juani hadi punje ziwe ngumu.',
        'Tandaza mahindi juu ya turubai safi juani kwa siku kadhaa.',
      ),
      'goat-feeding.en.md': entry(
        'goat-feeding',
        'en',
        'Feeding goats well',
        ['goats', 'fodder'],
        'Give goats fodder trees and clean water.',
        'Goats browse leaves and shrubs; add fodder in the hot season.',
      ),
    },
  );
  remove = tmp.remove;
  pack = (await loadPack(tmp.dir)).pack!;
  on = await buildPackDocs(pack, { wordnet: true });
  off = await buildPackDocs(pack, { wordnet: false });
});

afterAll(() => remove());

describe('WordNet vocabulary bridge', () => {
  it('is on by default', () => {
    expect(WORDNET_BRIDGE).toBe(true);
  });

  it('relates an entry word to its WordNet synonyms, analysed as questions are', () => {
    const wordnet = new WordNet();
    try {
      expect(wordnet.relatedWords('maize')).toContain('corn');
      expect(bridgePairs(wordnet, ['Drying maize'])).toContainEqual([stem('corn'), stem('maize')]);
    } finally {
      wordnet.close();
    }
  });

  it('gives pairs to English documents only', () => {
    expect(on.find((d) => d.lang === 'en' && d.entry === 'maize-drying')?.bridge?.length).toBeGreaterThan(0);
    expect(on.filter((d) => d.lang === 'sw').every((d) => d.bridge === undefined)).toBe(true);
  });

  it('takes a question word the pack never uses to the entry that uses its synonym', async () => {
    const r = await retrieve(assembleSnapshot([pack], on), 'corn');
    expect(r.alternatives[0]).toContainEqual(expect.objectContaining({ term: stem('maize') }));
    expect(r.alternatives[0]!.find((a) => a.term === stem('maize'))!.weight).toBeLessThan(1);
    expect(r.hits[0]?.entry).toBe('maize-drying');
  });

  it('changes nothing with the switch off: same analysis, no pairs, no bridged alternative', async () => {
    expect(off.every((d) => d.bridge === undefined)).toBe(true);
    expect(off).toEqual(on.map(({ bridge: _, ...d }) => d));
    const r = await retrieve(assembleSnapshot([pack], off), 'corn');
    expect(r.alternatives[0]!.some((a) => a.term === stem('maize'))).toBe(false);
    expect(r.hits.some((h) => h.entry === 'maize-drying' && h.score === 1 && r.found)).toBe(false);
  });

  it('keeps the pairs in a stored index', async () => {
    const dir = `${pack.dir}/../index`;
    await writePackIndex(dir, serialisePackIndex(pack, on));
    const found = await readPackIndex(dir, pack);
    expect(found.status).toBe('hit');
    if (found.status === 'hit') expect(found.docs.map((d) => d.bridge)).toEqual(on.map((d) => d.bridge));
  });
});
