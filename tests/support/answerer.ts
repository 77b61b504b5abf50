import path from 'node:path';
import type { Answerer } from '../../src/core/answers.js';
import { type BarazaAnswerer, createAnswerer } from '../../src/knowledge/answer/index.js';
import { loadConfig } from '../../src/platform/config/index.js';
import type { KeyValueStore } from '../../src/platform/store/index.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../..');
let shared: Promise<Answerer> | undefined;

/** The real answerer over the sample packs, built once per test file (lexical tier, no model). */
export function sharedAnswerer(): Promise<Answerer> {
  shared ??= createAnswerer({
    config: loadConfig({
      PACKS_DIR: path.join(ROOT, 'packs'),
      MODELS_DIR: path.join(ROOT, 'no-models'),
      PII_SALT: 'test',
    }),
    watch: false,
  } as Parameters<typeof createAnswerer>[0]);
  return shared;
}

/**
 * A new answerer over `packsDirs`, indexed and calibrated in memory (no stored index, no model, no watching),
 * recording its gaps in `store` when one is given. Close it after use.
 */
export function lexicalAnswerer(packsDirs: string[], store?: KeyValueStore): Promise<BarazaAnswerer> {
  return createAnswerer({
    config: loadConfig({
      PACKS_DIR: packsDirs.join(','),
      INDEX_DIR: path.join(ROOT, 'no-index-here'),
      MODELS_DIR: path.join(ROOT, 'no-models'),
    }),
    store,
    watch: false,
    embedder: null,
    translator: null,
    condenser: null,
  });
}
