/**
 * End to end: an entry that exists only in English, asked about in Swahili, is answered in Swahili through the
 * real translation model path (src/knowledge/models: MODELS_DIR, recipe, tokenizer, ONNX encoder-decoder) with the fixture
 * model that knows this entry's title and summary by heart (scripts/build-translation-fixture.py).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TempPack, writeTempPack } from '../../../tests/support/packs.js';
import { type Config, loadConfig } from '../../platform/config/index.js';
import { createAnswerer } from './index.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const MODELS = path.join(ROOT, 'tests/fixtures/models');
const MODEL = 'baraza-fixtures/tiny-m2m100';

interface Example {
  entry: string;
  field: 'title' | 'summary';
  to: string;
  source: string;
  translation: string;
}
const examples = JSON.parse(readFileSync(path.join(MODELS, MODEL, 'fixture_examples.json'), 'utf8')) as Example[];
const known = (field: Example['field']) =>
  examples.find((e) => e.entry === 'loan-total-cost-apr' && e.field === field && e.to === 'sw')!;
const title = known('title');
const summary = known('summary');

let temp: TempPack;
let config: Config;
beforeAll(async () => {
  temp = await writeTempPack(
    [
      'id: money-basics',
      'title: Money basics',
      'version: "1.0.0"',
      'license: CC-BY-4.0',
      'languages: [en, sw]',
      'default_language: en',
      // how editors let questions in another language find English entries
      'synonyms:',
      '  sw:',
      '    - [mkopo, loan]',
      '    - [gharama, cost]',
      '    - [kamili, total]',
      '    - [riba, interest]',
    ],
    {
      // in English only: a Swahili question must be answered from it
      'loan-total-cost-apr.en.md': [
        '---',
        'id: loan-total-cost-apr',
        'lang: en',
        `title: "${title.source}"`,
        'topic: loans',
        'tags: [loan, apr, interest, fees]',
        `summary: "${summary.source}"`,
        'source: "Baraza tests, written for this test"',
        'reviewed: 2026-01-15',
        '---',
        `${summary.source} The APR shows the yearly cost of the loan with every charge included.`,
      ],
    },
  );
  config = loadConfig({
    PACKS_DIR: temp.dir,
    INDEX_DIR: path.join(temp.root, 'index'),
    MODELS_DIR: MODELS,
    TRANSLATION_MODEL: MODEL,
  });
});
afterAll(() => temp.remove());

describe('answering in the user language with the fixture translation model', () => {
  const question = { question: title.translation, channel: 'sms' as const, lang: 'sw', deadlineMs: 6000 };

  it('translates an English-only entry into Swahili instead of answering "in English"', async () => {
    // translator not injected: createAnswerer loads TRANSLATION_MODEL from MODELS_DIR, as the workers do
    const answerer = await createAnswerer({ config, watch: false, embedder: null, condenser: null });
    try {
      const r = await answerer.answer(question);
      expect(r.found).toBe(true);
      expect(r.citations[0]?.entry).toBe('loan-total-cost-apr');
      expect(r.lang).toBe('sw');
      expect(r.citations[0]?.title).toBe(title.translation);
      expect(r.answer).toContain(summary.translation);
      expect(r.answer).not.toContain(summary.source);
    } finally {
      await answerer.close();
    }
  });

  it('answers from the English text when no translation model is used', async () => {
    const answerer = await createAnswerer({ config, watch: false, embedder: null, condenser: null, translator: null });
    try {
      const r = await answerer.answer(question);
      expect(r.found).toBe(true);
      expect(r.lang).toBe('en');
      expect(r.answer).toContain(summary.source);
      expect(r.answer).not.toContain(summary.translation);
    } finally {
      await answerer.close();
    }
  });
});
