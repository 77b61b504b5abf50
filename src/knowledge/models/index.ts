/**
 * Compact-model runtime on @huggingface/transformers: embeddings for dense retrieval, an optional generative
 * step that condenses retrieved text, and translation. Everything loads from MODELS_DIR only (remote models
 * disabled); `baraza models pull` is the one place that downloads.
 */
export { type Embedder, loadEmbedder } from './embedder.js';
export { type CondenseInput, type Generator, type GeneratorOptions, loadGenerator } from './generator.js';
export { checkGenerated, cleanGenerated, unsupportedTerms } from './guard.js';
export { loadPrompt, renderPrompt } from './prompts.js';
export {
  ModelPullError,
  type PulledFile,
  type PullOptions,
  type PullProgress,
  type PullResult,
  parseManifest,
  parseShaOptions,
  pullModel,
} from './pull.js';
export {
  type EmbeddingRecipe,
  embeddingInput,
  findRecipe,
  type GenerationRecipe,
  M2M100_LANG_CODES,
  MODEL_RECIPES,
  type ModelRecipe,
  type ModelTask,
  NLLB_LANG_CODES,
  recipeFor,
  supportedIds,
  type TranslationRecipe,
  translationCode,
  UnsupportedModelError,
} from './recipes.js';
export {
  type InstalledModel,
  isInstalled,
  listInstalled,
  ModelLoadError,
  ModelNotInstalledError,
  modelDir,
} from './runtime.js';
export { loadTranslator, type TranslateOptions, type Translator } from './translator.js';
