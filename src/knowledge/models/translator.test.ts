import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../platform/config/index.js';
import { UnsupportedModelError } from './recipes.js';
import { loadTranslator, type Translator } from './translator.js';

const FIXTURES = path.resolve('tests/fixtures/models');
const MODEL = 'baraza-fixtures/tiny-m2m100';
const config = loadConfig({ MODELS_DIR: FIXTURES });

/** What the fixture model knows by heart (scripts/build-translation-fixture.py writes it beside the model). */
interface Example {
  entry: string;
  field: 'title' | 'summary';
  from: string;
  to: string;
  source: string;
  translation: string;
}
const examples = JSON.parse(readFileSync(path.join(FIXTURES, MODEL, 'fixture_examples.json'), 'utf8')) as Example[];
const summary = (to: string) => examples.find((e) => e.field === 'summary' && e.to === to)!;

describe('loadTranslator with the fixture M2M100 model', () => {
  let translator: Translator;
  beforeAll(async () => {
    // no TRANSLATION_MODEL: the first supported translation model installed in MODELS_DIR is used
    translator = (await loadTranslator(config))!;
  });

  it('picks the installed fixture', () => {
    expect(translator.id).toBe(MODEL);
  });

  it.each(['sw', 'fr'])('translates known English sentences into %s through the real pipeline', async (to) => {
    const known = examples.filter((e) => e.from === 'en' && e.to === to);
    expect(known.length).toBeGreaterThanOrEqual(4);
    for (const ex of known) {
      await expect(translator.translate(ex.source, 'en', to, { deadlineMs: 10_000 })).resolves.toBe(ex.translation);
    }
  });

  it('takes the target language from each call (forced language token), also when calls overlap', async () => {
    const { source } = summary('sw');
    const [sw, fr, swAgain] = await Promise.all([
      translator.translate(source, 'en', 'sw'),
      translator.translate(source, 'en', 'fr'),
      translator.translate(source, 'en-GB', 'sw-KE'),
    ]);
    expect(sw).toBe(summary('sw').translation);
    expect(fr).toBe(examples.find((e) => e.source === source && e.to === 'fr')!.translation);
    expect(swAgain).toBe(sw);
    expect(fr).not.toBe(sw);
  });

  it('returns undefined for a language the model does not serve, without running it', async () => {
    const { source } = summary('sw');
    await expect(translator.translate(source, 'en', 'ha')).resolves.toBeUndefined();
    await expect(translator.translate(source, 'xx', 'sw')).resolves.toBeUndefined();
    await expect(translator.translate('   ', 'en', 'sw')).resolves.toBeUndefined();
  });

  it('returns the text itself when both languages are the same', async () => {
    await expect(translator.translate('Ndiyo.', 'sw', 'sw-TZ')).resolves.toBe('Ndiyo.');
  });

  it('gives up without throwing when the deadline cannot be met, and still works afterwards', async () => {
    const { source, translation } = summary('fr');
    await expect(translator.translate(source, 'en', 'fr', { deadlineMs: 0 })).resolves.toBeUndefined();
    // started in time, but generating a long text takes longer than 1 ms: the result is dropped
    const long = Array.from({ length: 20 }, () => source).join(' ');
    await expect(translator.translate(long, 'en', 'fr', { deadlineMs: 1 })).resolves.toBeUndefined();
    await expect(translator.translate(source, 'en', 'fr')).resolves.toBe(translation);
  });

  it('refuses a model of another task', async () => {
    await expect(loadTranslator(config, 'baraza-fixtures/tiny-bert')).rejects.toThrow(UnsupportedModelError);
    await expect(loadTranslator(config, 'baraza-fixtures/tiny-bert')).rejects.toThrow(/embedding model/);
  });
});
