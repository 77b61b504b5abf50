import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { entryLines, writeTempPack } from '../../../tests/support/packs.js';
import { loadPack } from '../packs/load.js';
import { buildSnapshot } from './engine.js';
import { retrieve } from './retrieve.js';
import type { Snapshot } from './snapshot.js';

const entry = (id: string, title: string, tags: string[], summary: string, body: string, lang = 'sw') =>
  entryLines(id, lang, title, tags, summary, body, { topic: 'pesa' });

let snap: Snapshot;
let french: Snapshot;
const removals: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const tmp = await writeTempPack(
    [
      'id: roots-test',
      'title: Roots test',
      'version: 0.1.0',
      'license: CC-BY-4.0',
      'languages: [sw]',
      'default_language: sw',
    ],
    {
      'borrowing.sw.md': entry(
        'borrowing',
        'Kukopa kwa busara',
        ['riba', 'ada'],
        'Kabla ya kukopa linganisha riba na ada za wakopeshaji.',
        'Uliza jumla ya gharama utakayolipa, si riba ya mwezi pekee.',
      ),
      'saving.sw.md': entry(
        'saving',
        'Kuweka akiba kila wiki',
        ['akiba'],
        'Weka kiasi kidogo kila wiki kwenye kikundi au benki.',
        'Anza na kiasi unachoweza, hata kidogo sana.',
      ),
      'fraud.sw.md': entry(
        'fraud',
        'Jinsi ya kuepuka utapeli wa simu',
        ['namba ya siri'],
        'Usimpe mtu yeyote namba yako ya siri.',
        'Matapeli hujifanya wafanyakazi wa kampuni ya simu.',
      ),
    },
  );
  removals.push(tmp.remove);
  snap = await buildSnapshot([(await loadPack(tmp.dir)).pack!]);
  const fr = await writeTempPack(
    [
      'id: families-test',
      'title: Families test',
      'version: 0.1.0',
      'license: CC-BY-4.0',
      'languages: [fr]',
      'default_language: fr',
    ],
    {
      'storage.fr.md': entry(
        'storage',
        'Le stockage des récoltes',
        ['stockage', 'sacs hermétiques'],
        'Séchez bien les grains avant le stockage dans des sacs hermétiques.',
        'Un grain humide moisit. Rangez les sacs sur des palettes.',
        'fr',
      ),
      'poultry.fr.md': entry(
        'poultry',
        'La vaccination des poules',
        ['vaccination', 'newcastle'],
        'La vaccination protège les poules contre la maladie de Newcastle.',
        'Répétez la vaccination tous les trois mois.',
        'fr',
      ),
    },
  );
  removals.push(fr.remove);
  french = await buildSnapshot([(await loadPack(fr.dir)).pack!]);
});

afterAll(async () => {
  for (const r of removals) await r();
});

describe('Swahili words an entry never spells', () => {
  // "nimekopa" (I borrowed), "tulikopa" (we borrowed): forms of "kukopa" (to borrow) the pack never writes.
  it.each(['nimekopa halafu nashindwa kulipa', 'tulikopa pesa nyingi'])(
    'reach the entry of the same root instead of "I don\'t know": %s',
    async (q) => {
      const r = await retrieve(snap, q);
      expect(r.decision?.kind).not.toBe('decline');
      expect(r.hits[r.decision?.picks[0] ?? -1]?.entry).toBe('borrowing');
    },
  );

  it('do not make an unrelated question match', async () => {
    const r = await retrieve(snap, 'tunazuiaje mafuriko');
    expect(r.decision?.kind).toBe('decline');
  });
});

describe('French words an entry never spells', () => {
  it('reach the entry of the same word family: "stocker" (to store) finds the entry on "stockage"', async () => {
    const r = await retrieve(french, 'comment stocker mon maïs');
    expect(r.decision?.kind).not.toBe('decline');
    expect(r.hits[r.decision?.picks[0] ?? -1]?.entry).toBe('storage');
  });
});
