import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../platform/config/index.js';
import { type Embedder, loadEmbedder } from './embedder.js';
import { UnsupportedModelError } from './recipes.js';
import { ModelNotInstalledError } from './runtime.js';

const FIXTURES = path.resolve('tests/fixtures/models');
const config = loadConfig({ MODELS_DIR: FIXTURES });
// the fixture's own config says how wide its vectors are; the recipe must agree with it
const HIDDEN = (
  JSON.parse(readFileSync(path.join(FIXTURES, 'baraza-fixtures/tiny-bert/config.json'), 'utf8')) as {
    hidden_size: number;
  }
).hidden_size;
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Vectors come L2-normalised, so their dot product is the cosine. */
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('loadEmbedder with the fixture encoder', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    // no EMBEDDING_MODEL: the first supported embedding model installed in MODELS_DIR is used
    embedder = (await loadEmbedder(config))!;
  });

  it('picks the installed fixture and reports its dimensions', () => {
    expect(embedder.id).toBe('baraza-fixtures/tiny-bert');
    expect(embedder.dims).toBe(HIDDEN);
  });

  it('returns one L2-normalised vector of the right size per text', async () => {
    const texts = ['When do I plant maize?', 'Bei ya mbolea ni ngapi?', 'Comment épargner ?', ''];
    const vectors = await embedder.embedPassages(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(HIDDEN);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
  });

  it('is deterministic, including across batch sizes', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `maize and beans ${'rain '.repeat(i % 5)}`);
    const batch = await embedder.embedPassages(texts);
    const again = await embedder.embedPassages(texts);
    const single = await embedder.embedPassages([texts[17]!]);
    expect(again).toEqual(batch);
    expect(cosine(single[0]!, batch[17]!)).toBeCloseTo(1, 5);
  });

  it('applies the recipe prefixes: a query and a passage of the same text differ', async () => {
    const [q] = await embedder.embedQueries(['plant maize']);
    const [p] = await embedder.embedPassages(['plant maize']);
    expect(cosine(q!, p!)).toBeLessThan(0.9999);
    expect(cosine(q!, p!)).toBeGreaterThan(0.3);
  });

  it('scores passages that share words or concepts with the query above unrelated ones', async () => {
    const passages = {
      maize: 'Plant maize at the start of the long rains, in moist soil.',
      pin: 'Never tell anyone your mobile money PIN, not even an agent.',
      loan: 'Compare the total cost of a loan before you borrow.',
      chicks: 'Keep chicks warm under a brooder for the first weeks.',
    };
    const ids = Object.keys(passages);
    const pv = await embedder.embedPassages(Object.values(passages));
    const rank = async (query: string) => {
      const [q] = await embedder.embedQueries([query]);
      return ids.map((id, i) => ({ id, score: cosine(q!, pv[i]!) })).sort((a, b) => b.score - a.score);
    };
    expect((await rank('when should I plant maize')).map((r) => r.id)[0]).toBe('maize');
    expect((await rank('my PIN for mobile money'))[0]!.id).toBe('pin');
    // this Swahili query shares no word with the English passage (a lexical ranker scores it 0); the
    // fixture's bilingual lexicon gives kupanda/plant, mahindi/maize and mvua/rains one vector each
    expect((await rank('kupanda mahindi mvua'))[0]!.id).toBe('maize');
  });
});

describe('loadEmbedder choices and errors', () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(path.join(os.tmpdir(), 'baraza-models-'));
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('returns undefined when no model is configured or installed (lexical only)', async () => {
    await expect(loadEmbedder(loadConfig({ MODELS_DIR: empty }))).resolves.toBeUndefined();
  });

  it('throws a clear error when the configured model is not installed', async () => {
    const cfg = loadConfig({ MODELS_DIR: empty, EMBEDDING_MODEL: 'Xenova/multilingual-e5-small' });
    const err = await loadEmbedder(cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotInstalledError);
    expect((err as Error).message).toMatch(/npx baraza models pull Xenova\/multilingual-e5-small/);
  });

  it('throws for an unknown or wrong-task model id', async () => {
    await expect(loadEmbedder(config, 'acme/mystery-encoder')).rejects.toThrow(UnsupportedModelError);
    await expect(loadEmbedder(config, 'baraza-fixtures/tiny-gpt2')).rejects.toThrow(/generation model/);
  });
});
