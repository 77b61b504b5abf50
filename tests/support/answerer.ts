import path from 'node:path';
import type { Answerer } from '../../src/core/answers.js';
import { createAnswerer } from '../../src/knowledge/answer/index.js';
import { loadConfig } from '../../src/platform/config/index.js';

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
