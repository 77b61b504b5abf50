import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../platform/config/index.js';
import { normalise, words } from '../language/text.js';
import { loadPack } from '../packs/load.js';
import type { Embedder } from './dense.js';
import { buildPackDocs } from './engine.js';
import { createAnswerer } from './index.js';
import { readPackIndex, serialisePackIndex, writePackIndex } from './index-store.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const HEALTH = path.join(ROOT, 'tests/fixtures/packs/health-pack-folder');

/** A stand-in embedding model: bag of hashed words, L2-normalised; counts its calls. */
function fakeEmbedder(id = 'test/fake-embedder'): Embedder & { passages: number; queries: number } {
  const embed = (text: string) => {
    const v = new Float32Array(64);
    for (const w of words(normalise(text))) {
      let h = 0;
      for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
      v[h % 64]! += 1;
    }
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const e = {
    id,
    passages: 0,
    queries: 0,
    async embedPassages(texts: string[]) {
      e.passages += texts.length;
      return texts.map(embed);
    },
    async embedQueries(texts: string[]) {
      e.queries += texts.length;
      return texts.map(embed);
    },
  };
  return e;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'baraza-dense-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dense tier (with an embedding model)', () => {
  it('embeds passages at build time, stores them with the index, and embeds only the question per request', async () => {
    const pack = (await loadPack(HEALTH)).pack!;
    const builder = fakeEmbedder();
    const docs = await buildPackDocs(pack, { embedder: builder });
    expect(builder.passages).toBe(pack.entries.length);
    await writePackIndex(dir, serialisePackIndex(pack, docs, builder.id));
    const stored = await readPackIndex(dir, pack);
    expect(stored.status).toBe('hit');
    if (stored.status === 'hit') {
      expect(stored.embeddingModel).toBe('test/fake-embedder');
      expect(Array.from(stored.docs[0]!.vector!)).toEqual(Array.from(docs[0]!.vector!));
    }

    const worker = fakeEmbedder();
    const config = loadConfig({ PACKS_DIR: HEALTH, INDEX_DIR: dir, MODELS_DIR: path.join(dir, 'models') });
    const answerer = await createAnswerer({ config, watch: false, embedder: worker });
    try {
      expect(answerer.status()).toMatchObject({ tier: 'dense', index: { 'community-health': 'stored' } });
      const r = await answerer.answer({ question: 'what to give a child with diarrhoea', channel: 'sms' });
      expect(r.citations[0]?.entry).toBe('ors-diarrhoea');
      expect(worker.passages).toBe(0);
      expect(worker.queries).toBe(1);
    } finally {
      await answerer.close();
    }
  });

  it('embeds in memory (once, at load) when the stored index was built without that model', async () => {
    const other = fakeEmbedder('test/another-model');
    const config = loadConfig({ PACKS_DIR: HEALTH, INDEX_DIR: dir, MODELS_DIR: path.join(dir, 'models') });
    const answerer = await createAnswerer({ config, watch: false, embedder: other });
    try {
      expect(answerer.status()).toMatchObject({ tier: 'dense', index: { 'community-health': 'memory' } });
      const loaded = other.passages;
      expect(loaded).toBe(6);
      await answerer.answer({ question: 'mosquito net', channel: 'sms' });
      await answerer.answer({ question: 'wash hands', channel: 'sms' });
      expect(other.passages).toBe(loaded);
    } finally {
      await answerer.close();
    }
  });

  it('stays lexical when no model is installed', async () => {
    const config = loadConfig({ PACKS_DIR: HEALTH, INDEX_DIR: dir, MODELS_DIR: path.join(dir, 'models') });
    const answerer = await createAnswerer({ config, watch: false, embedder: null });
    try {
      expect(answerer.status().tier).toBe('lexical');
      expect((await answerer.answer({ question: 'mosquito net', channel: 'sms' })).found).toBe(true);
    } finally {
      await answerer.close();
    }
  });
});

describe('generative tier (condensing entries without an editor summary)', () => {
  const config = () =>
    loadConfig({ PACKS_DIR: HEALTH, INDEX_DIR: path.join(dir, 'none'), MODELS_DIR: path.join(dir, 'models') });

  it('uses the condensed text, fitted and cited, only where editors wrote no summary', async () => {
    const calls: { passage: string; maxChars: number }[] = [];
    const answerer = await createAnswerer({
      config: config(),
      watch: false,
      embedder: null,
      condenser: {
        async condense(input) {
          calls.push(input);
          return 'Wash hands with soap after the toilet and before food.';
        },
      },
    });
    try {
      const hands = await answerer.answer({ question: 'when should we wash hands', channel: 'sms' });
      expect(hands.answer).toBe('Wash hands with soap after the toilet and before food. Src: WHO');
      expect(calls[0]!.passage).toContain('Washing hands with soap');
      expect(calls[0]!.maxChars).toBeGreaterThan(100);
      const nets = await answerer.answer({ question: 'how to use a mosquito net', channel: 'sms' });
      expect(nets.answer).toMatch(/^Sleep under an insecticide-treated net/);
      expect(calls).toHaveLength(1);
    } finally {
      await answerer.close();
    }
  });

  it('falls back to the extractive answer when the model gives nothing (too slow, unfaithful)', async () => {
    const answerer = await createAnswerer({
      config: config(),
      watch: false,
      embedder: null,
      condenser: { condense: async () => undefined },
    });
    try {
      const r = await answerer.answer({ question: 'when should we wash hands', channel: 'sms' });
      expect(r.answer).toMatch(/^Washing hands with soap and water removes the germs/);
    } finally {
      await answerer.close();
    }
  });
});

describe('translation tier', () => {
  it('translates an entry missing in the user language instead of the "(in English)" fallback', async () => {
    const config = loadConfig({
      PACKS_DIR: HEALTH,
      INDEX_DIR: path.join(dir, 'none'),
      MODELS_DIR: path.join(dir, 'models'),
    });
    const seen: string[] = [];
    const answerer = await createAnswerer({
      config,
      watch: false,
      embedder: null,
      translator: {
        async translate(text, from, to) {
          seen.push(`${from}>${to}`);
          return `[${to}] ${text}`;
        },
      },
    });
    try {
      const r = await answerer.answer({ question: 'mosquito net', channel: 'sms', lang: 'ha', deadlineMs: 5000 });
      expect(r.lang).toBe('ha');
      expect(r.answer.startsWith('[ha] Sleep under')).toBe(true);
      expect(r.answer).toMatch(/Tushe: World Health Organization$/);
      expect(new Set(seen)).toEqual(new Set(['en>ha']));
      // An entry that exists in the user's language is never machine-translated.
      seen.length = 0;
      await answerer.answer({ question: 'yaro mai gudawa', channel: 'sms', lang: 'ha', deadlineMs: 5000 });
      expect(seen).toEqual([]);
    } finally {
      await answerer.close();
    }
  });
});
