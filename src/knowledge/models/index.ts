/**
 * Compact-model runtime on @huggingface/transformers: embeddings for dense retrieval, an optional generative
 * step that condenses retrieved text, and translation. Everything loads from MODELS_DIR only (remote models
 * disabled); `baraza models pull` is the one place that downloads.
 */
export type { Embedder } from './embedder.js';

export {
  ModelPullError,
  type PullResult,
  parseManifest,
  parseShaOptions,
  pullModel,
} from './pull.js';
export {
  findRecipe,
  MODEL_RECIPES,
} from './recipes.js';
export { listInstalled } from './runtime.js';
export type { Translator } from './translator.js';
