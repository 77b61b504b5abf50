import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { writeTempPack } from '../../tests/support/packs.js';
import { analyseQuery, SynonymTable } from '../answer/analyse.js';
import { findPackDirs, loadPack } from './load.js';
import { formatIssue } from './types.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../..');
const fixture = (name: string) => path.join(ROOT, 'tests/fixtures/packs', name);
const rel = (issues: { file: string; line: number; message: string; severity: string }[]) =>
  issues.map((i) => formatIssue({ ...i, file: path.relative(ROOT, i.file) } as never));

describe('loadPack on a deliberately broken pack', () => {
  it('names every problem with file and line, and refuses the pack', async () => {
    const result = await loadPack(fixture('broken'));
    expect(result.pack).toBeUndefined();
    expect(rel(result.issues).sort()).toEqual(
      [
        'tests/fixtures/packs/broken/entries/good-entry.en.md:9: warning: "reviewed" has a date but no "reviewed_by" (name and role of the expert who checked it)',
        'tests/fixtures/packs/broken/pack.yaml:1: "id" must be lowercase letters, digits and dashes, got "Broken Pack"',
        'tests/fixtures/packs/broken/pack.yaml:1: missing required field "license"',
        'tests/fixtures/packs/broken/pack.yaml:3: "version" must be a string, got number; quote it ("1.0")',
        'tests/fixtures/packs/broken/pack.yaml:4: unknown language code "xx" (not ISO 639-1)',
        'tests/fixtures/packs/broken/pack.yaml:5: default_language "fr" is not in languages [en, sw, xx]',
        'tests/fixtures/packs/broken/pack.yaml:7: synonyms.en must be a list of word groups, e.g. - [maize, corn] (got one flat list)',
        'tests/fixtures/packs/broken/entries/bad-yaml.en.md:4: unparsable YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
        'tests/fixtures/packs/broken/entries/no-body.en.md:2: missing required field "title"',
        'tests/fixtures/packs/broken/entries/no-body.en.md:8: empty body: write the long answer below the front matter',
        'tests/fixtures/packs/broken/entries/no-front-matter.en.md:1: missing front matter: the file must start with a line "---"',
        'tests/fixtures/packs/broken/entries/wrong-id.en.md:2: id "another-id" does not match the file name (expected "wrong-id")',
        'tests/fixtures/packs/broken/entries/wrong-id.en.md:3: lang "sw" does not match the file name (expected "en")',
        'tests/fixtures/packs/broken/entries/wrong-id.en.md:6: "tags" must be a list, e.g. tags: [a, b]',
        'tests/fixtures/packs/broken/entries/wrong-id.en.md:7: warning: summary is 187 characters; keep it within 160 (one SMS)',
        'tests/fixtures/packs/broken/entries/wrong-id.en.md:9: "reviewed" must be a date like 2025-06-30, got "2025-13-45"',
      ].sort(),
    );
  });
});

describe('loadPack on good packs', () => {
  it('loads the shipped samples with no problem at all (every entry in en, sw and fr, cited)', async () => {
    for (const name of ['agri-advisory', 'financial-literacy']) {
      const result = await loadPack(path.join(ROOT, 'packs', name));
      // Sample packs are drafts for editors: the only issue is the one per-pack note that nobody reviewed them.
      const pack = result.pack!;
      expect(rel(result.issues)).toEqual([
        `packs/${name}/pack.yaml:1: warning: ${pack.entries.length} of ${pack.entries.length} entries have no expert review ("reviewed" date and "reviewed_by"); have a domain expert check them before launch`,
      ]);
      const ids = new Set(pack.entries.map((e) => e.id));
      expect(ids.size).toBeGreaterThanOrEqual(40);
      for (const id of ids) {
        expect(
          pack.entries
            .filter((e) => e.id === id)
            .map((e) => e.lang)
            .sort(),
        ).toEqual(['en', 'fr', 'sw']);
      }
      for (const e of pack.entries) expect(e.source).toMatch(/https?:\/\//);
    }
  });

  it('takes the id from pack.yaml, not the folder name, and hashes its content', async () => {
    const result = await loadPack(fixture('health-pack-folder'));
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.pack!.manifest.id).toBe('community-health');
    expect(result.pack!.entries.every((e) => e.pack === 'community-health')).toBe(true);
    expect(result.pack!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds packs in a folder of packs, and a single pack folder as itself', async () => {
    expect((await findPackDirs(path.join(ROOT, 'packs'))).map((d) => path.basename(d))).toEqual([
      'agri-advisory',
      'financial-literacy',
      'nutrition-water',
    ]);
    expect(await findPackDirs(fixture('health-pack-folder'))).toEqual([fixture('health-pack-folder')]);
    expect(await findPackDirs(fixture('does-not-exist'))).toEqual([]);
  });

  it('reports a folder that is not there', async () => {
    const result = await loadPack(fixture('does-not-exist'));
    expect(result.pack).toBeUndefined();
    expect(result.issues[0]!.message).toMatch(/not a folder/);
  });
});

describe('synonyms that are everyday words', () => {
  it('warns with the line of a one-word synonym that is a stopword, and never matches it on its own', async () => {
    const temp = await writeTempPack(
      [
        'id: savings',
        'title: Savings',
        'version: "1.0"',
        'license: CC-BY-4.0',
        'languages: [fr]',
        'default_language: fr',
        'synonyms:',
        '  fr:',
        '    - [tontine, avec, groupe avec]',
      ],
      {
        'tontine.fr.md': [
          '---',
          'id: tontine',
          'lang: fr',
          'title: La tontine',
          'topic: epargne',
          'tags: [tontine]',
          'source: "BCEAO - https://www.bceao.int/"',
          '---',
          'Une tontine est un groupe d epargne.',
        ],
      },
    );
    try {
      const result = await loadPack(temp.dir);
      expect(result.pack).toBeDefined();
      expect(result.issues.map((i) => `${path.basename(i.file)}:${i.line}: ${i.message}`)).toEqual([
        'pack.yaml:9: synonyms.fr: "avec" is also a common fr word and is ignored; use a longer phrase',
        'pack.yaml:1: 1 of 1 entries have no expert review ("reviewed" date and "reviewed_by"); have a domain expert check them before launch',
      ]);
      const table = new SynonymTable([{ id: 'savings', synonyms: result.pack!.manifest.synonyms }]);
      const q = (text: string) => analyseQuery(text, { langs: ['fr'], synonyms: table }).units;
      expect(q('engrais avec du fumier').some((u) => u.groups.length > 0)).toBe(false);
      const tontine = q('ma tontine')[0]!.groups;
      expect(tontine).toHaveLength(1);
      expect(q('notre groupe avec 20 membres').filter((u) => u.groups.includes(tontine[0]!))).toHaveLength(2);
    } finally {
      await temp.remove();
    }
  });
});

describe('example questions and honest review fields', () => {
  const manifest = [
    'id: qa',
    'title: QA',
    'version: 1.0.0',
    'license: CC-BY-4.0',
    'languages: [en]',
    'default_language: en',
  ];
  const entry = (extra: string[]) => [
    '---',
    'id: maize-storage',
    'lang: en',
    'title: How do I store maize?',
    'topic: storage',
    'tags: [maize, storage]',
    'source: "FAO - https://www.fao.org/3/x5036e/x5036e00.htm"',
    ...extra,
    '---',
    'Dry the grain well before storing it.',
  ];

  it('keeps the example questions of an entry and says nothing about a reviewed, named entry', async () => {
    const temp = await writeTempPack(manifest, {
      'maize-storage.en.md': entry([
        'questions: ["hw do i store maize", "maize getting weevils in store"]',
        'reviewed: 2026-10-01',
        'reviewed_by: "A. Wanjiru, crops extension officer"',
      ]),
    });
    try {
      const result = await loadPack(temp.dir);
      expect(result.issues).toEqual([]);
      expect(result.pack!.entries[0]!.questions).toEqual(['hw do i store maize', 'maize getting weevils in store']);
      expect(result.pack!.entries[0]!.reviewedBy).toBe('A. Wanjiru, crops extension officer');
    } finally {
      await temp.remove();
    }
  });

  it('warns on a review date with no reviewer, and refuses questions that are not a list of text', async () => {
    const dated = await writeTempPack(manifest, { 'maize-storage.en.md': entry(['reviewed: 2026-10-01']) });
    const badList = await writeTempPack(manifest, {
      'maize-storage.en.md': entry(['questions: how do i store maize']),
    });
    try {
      const a = await loadPack(dated.dir);
      expect(a.pack).toBeDefined();
      expect(a.issues.map((i) => `${path.basename(i.file)}:${i.line}: ${i.message}`)).toEqual([
        'maize-storage.en.md:8: "reviewed" has a date but no "reviewed_by" (name and role of the expert who checked it)',
        'pack.yaml:1: 1 of 1 entries have no expert review ("reviewed" date and "reviewed_by"); have a domain expert check them before launch',
      ]);
      const b = await loadPack(badList.dir);
      expect(b.pack).toBeUndefined();
      expect(b.issues.map((i) => `${path.basename(i.file)}:${i.line}: ${i.message}`)).toContain(
        'maize-storage.en.md:8: "questions" must be a list, e.g. questions: [a, b]',
      );
    } finally {
      await dated.remove();
      await badList.remove();
    }
  });
});
