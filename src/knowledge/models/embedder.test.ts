import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../platform/config/index.js';
import { type Embedder, loadEmbedder } from './embedder.js';
import { cosine, fuseRankings } from './fusion.js';
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

  it('feeds fuseRankings: a passage both rankers like beats one only the lexical ranker likes', async () => {
    const texts = [
      'Plant maize at the start of the long rains.',
      'Store maize in airtight bags.',
      'Save money in a group.',
    ];
    const pv = await embedder.embedPassages(texts);
    const [q] = await embedder.embedQueries(['plant maize with the rains']);
    const dense = pv.map((v, i) => ({ id: String(i), score: cosine(q!, v) }));
    // the lexical ranker put the unrelated savings text first; the dense ranker puts it last
    const lexical = [
      { id: '2', score: 2.1 },
      { id: '0', score: 2.0 },
    ];
    expect([...dense].sort((a, b) => b.score - a.score).map((d) => d.id)).toEqual(['0', '1', '2']);
    const fused = fuseRankings(lexical, dense);
    expect(fused[0]!.id).toBe('0');
    expect(fused[0]!.score).toBeGreaterThan(fused[1]!.score);
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
