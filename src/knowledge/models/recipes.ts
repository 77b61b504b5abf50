/**
 * Supported model ids and how each must be used. A model run with the wrong pooling or prefixes retrieves
 * badly without any error, so the recipe travels with the id, in code, and unknown ids are refused.
 */

export type ModelTask = 'embedding' | 'generation' | 'translation';

/** transformers.js dtypes we use; each picks an ONNX file suffix (see onnxFile). */
export type ModelDtype = 'fp32' | 'q8' | 'q4';

/**
 * The exact files `models pull` accepts for a recipe: a commit of the hub repository (never a branch or tag,
 * which can move) and the SHA-256 of every file it fetches, configuration and tokenizer files included. Kept
 * here, in code, so a hub or mirror that serves something else is caught, whatever it says about its files.
 */
interface ModelPin {
  /** 40-hex commit id of the hub repository. */
  revision: string;
  /** SHA-256 (64 hex) per file path, for every entry of `files` and `optionalFiles`. */
  sha256: Readonly<Record<string, string>>;
}

interface RecipeBase {
  id: string;
  task: ModelTask;
  dtype: ModelDtype;
  /** Files fetched by `models pull` and required for the model to count as installed. */
  files: string[];
  /** Fetched when the host has them; a 404 is not an error. */
  optionalFiles: string[];
  description: string;
  /** Built by scripts/build-fixture-models.py or build-translation-fixture.py for the tests; never a real model. */
  fixture?: boolean;
  /**
   * The commit and per-file SHA-256 `models pull` verifies against. Unpinned recipes can only be pulled with
   * an operator's `--revision <commit>` and a SHA-256 for every file (`--manifest` or `--sha256`).
   */
  pin?: ModelPin;
}

export interface EmbeddingRecipe extends RecipeBase {
  task: 'embedding';
  dims: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  queryPrefix: string;
  passagePrefix: string;
}

export interface GenerationRecipe extends RecipeBase {
  task: 'generation';
  /** Instruct models take the prompt as a chat message through their chat template; plain LMs take raw text. */
  chat: boolean;
}

export interface TranslationRecipe extends RecipeBase {
  task: 'translation';
  /** Our ISO 639 codes to the model's language codes; a language missing here is not translated. */
  langCodes: Readonly<Record<string, string>>;
}

export type ModelRecipe = EmbeddingRecipe | GenerationRecipe | TranslationRecipe;

const DTYPE_SUFFIX: Record<ModelDtype, string> = { fp32: '', q8: '_quantized', q4: '_q4' };

/** The ONNX file transformers.js loads for a session name and dtype, e.g. onnx/model_quantized.onnx. */
export function onnxFile(session: string, dtype: ModelDtype): string {
  return `onnx/${session}${DTYPE_SUFFIX[dtype]}.onnx`;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL_TOKENIZER_FILES = ['special_tokens_map.json'];

function encoderFiles(dtype: ModelDtype): string[] {
  return ['config.json', ...TOKENIZER_FILES, onnxFile('model', dtype)];
}

function decoderFiles(dtype: ModelDtype): string[] {
  return ['config.json', 'generation_config.json', ...TOKENIZER_FILES, onnxFile('model', dtype)];
}

function seq2seqFiles(dtype: ModelDtype): string[] {
  return [
    'config.json',
    'generation_config.json',
    ...TOKENIZER_FILES,
    onnxFile('encoder_model', dtype),
    onnxFile('decoder_model_merged', dtype),
  ];
}

/** FLORES-200 codes used by NLLB for the languages Baraza serves. */
export const NLLB_LANG_CODES: Readonly<Record<string, string>> = Object.freeze({
  en: 'eng_Latn',
  sw: 'swh_Latn',
  fr: 'fra_Latn',
  ha: 'hau_Latn',
  yo: 'yor_Latn',
  am: 'amh_Ethi',
});

/** M2M100 uses ISO 639-1 codes directly; these are the ones we serve that it knows. */
export const M2M100_LANG_CODES: Readonly<Record<string, string>> = Object.freeze({
  en: 'en',
  sw: 'sw',
  fr: 'fr',
  ha: 'ha',
  yo: 'yo',
  am: 'am',
});

/** The language tokens of the translation fixture (scripts/build-translation-fixture.py). */
const FIXTURE_M2M100_LANG_CODES: Readonly<Record<string, string>> = Object.freeze({ en: 'en', sw: 'sw', fr: 'fr' });

/** The fake hub in the tests serves these revisions only; the hashes are those of tests/fixtures/models. */
const TINY_BERT_PIN: ModelPin = {
  revision: 'b1a2c3d4e5f60718293a4b5c6d7e8f9011223344',
  sha256: {
    'config.json': '371e6de920b36a674119ad98683e88a2c6dc0d92e41271d071d431cbb419a01e',
    'tokenizer.json': '7d5ed9b05e22d1e0861de04dbe8b1f625c98a157b7904814b750d329952cfee1',
    'tokenizer_config.json': '1cfaa6fec65d0a817230e1051ae0aa954bf73c73e15c57b51ee438729bf74389',
    'onnx/model.onnx': '988babb1d66586f1ee46d8da6cc8b1b3d0c8e4a66143950dc695c1249cb359b0',
  },
};

const TINY_GPT2_PIN: ModelPin = {
  revision: 'c2b3d4e5f60718293a4b5c6d7e8f901122334455',
  sha256: {
    'config.json': '1d64aec335060a49995b9df599d6277971229b17aff490b2aed320f404303fb5',
    'generation_config.json': '459bb41df92dd7c6b29c6f156b8413be66153d5f1290f074cc35297eeef81497',
    'tokenizer.json': 'dab9262ca108d1112a427139a2f1b12cb4227d5c1d72feff241be44dcdb99fee',
    'tokenizer_config.json': '4a3b69ddcc259fc79bf1d1cc717b51d5b3db7b47747bea5bf96c14111e625d1e',
    'onnx/model.onnx': '9ea2235dacd9265d10c7b726dfb210597870da319da6c76f4a8b44afd36259df',
  },
};

const TINY_M2M100_PIN: ModelPin = {
  revision: 'd3c4e5f60718293a4b5c6d7e8f90112233445566',
  sha256: {
    'config.json': '05434f5fa1a33d7f2f8de693d50329a6be387c7672a676a9595b81d498f01f9e',
    'generation_config.json': '5b0cfa22fb31c48847d27b5eca375f3191af12532ff55bb60464592945ff2033',
    'tokenizer.json': '8c42f6fa5a5362fa3a0bc79c7bc85ac30ba1899628db6d125738d0b718d130ef',
    'tokenizer_config.json': '0552ae3771cfe58752533c38da71e341762f03ca993afd7068c09f5b5d147c2c',
    'onnx/encoder_model.onnx': 'e19519017f77afccf625fe35fe32fb593141ced7e790427bc2b85f9833a351bf',
    'onnx/decoder_model_merged.onnx': '3c3ee10dceef7b19a51e16eb6af987d82af5ba994dae3148b64a7f1a599dfe7e',
  },
};

/** Order matters: when no model is configured, the first installed one of a task is used. */
export const MODEL_RECIPES: readonly ModelRecipe[] = Object.freeze([
  {
    id: 'Xenova/multilingual-e5-small',
    task: 'embedding',
    dtype: 'q8',
    files: encoderFiles('q8'),
    optionalFiles: OPTIONAL_TOKENIZER_FILES,
    description: 'multilingual E5 small: 384-d, "query: "/"passage: " prefixes, mean pooling, L2-normalised',
    dims: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
  },
  {
    id: 'Xenova/paraphrase-multilingual-MiniLM-L12-v2',
    task: 'embedding',
    dtype: 'q8',
    files: encoderFiles('q8'),
    optionalFiles: OPTIONAL_TOKENIZER_FILES,
    description: 'paraphrase-multilingual MiniLM-L12 v2: 384-d, mean pooling, L2-normalised, no prefixes',
    dims: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    passagePrefix: '',
  },
  {
    id: 'Xenova/nllb-200-distilled-600M',
    task: 'translation',
    dtype: 'q8',
    files: seq2seqFiles('q8'),
    optionalFiles: OPTIONAL_TOKENIZER_FILES,
    description: 'NLLB-200 distilled 600M translation (FLORES-200 language codes)',
    langCodes: NLLB_LANG_CODES,
  },
  {
    id: 'Xenova/m2m100_418M',
    task: 'translation',
    dtype: 'q8',
    files: seq2seqFiles('q8'),
    optionalFiles: OPTIONAL_TOKENIZER_FILES,
    description: 'M2M100 418M translation (ISO 639-1 language codes)',
    langCodes: M2M100_LANG_CODES,
  },
  {
    id: 'onnx-community/Qwen2.5-0.5B-Instruct',
    task: 'generation',
    dtype: 'q4',
    files: decoderFiles('q4'),
    optionalFiles: [],
    description: 'Qwen2.5 0.5B Instruct, 4-bit: condenses retrieved text within the budget',
    chat: true,
  },
  {
    id: 'baraza-fixtures/tiny-bert',
    task: 'embedding',
    dtype: 'fp32',
    files: encoderFiles('fp32'),
    optionalFiles: [],
    description: 'test fixture: 2-layer BERT-style encoder, 128-d, mean pooling, normalised (no real semantics)',
    fixture: true,
    pin: TINY_BERT_PIN,
    dims: 128,
    pooling: 'mean',
    normalize: true,
    // e5-style prefixes, so the fixture exercises the prefixing path the way multilingual-e5 does
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
  },
  {
    id: 'baraza-fixtures/tiny-gpt2',
    task: 'generation',
    dtype: 'fp32',
    files: decoderFiles('fp32'),
    optionalFiles: [],
    description: 'test fixture: 2-layer GPT-2-style decoder that knows a few condensations by heart',
    fixture: true,
    pin: TINY_GPT2_PIN,
    chat: false,
  },
  {
    id: 'baraza-fixtures/tiny-m2m100',
    task: 'translation',
    dtype: 'fp32',
    files: seq2seqFiles('fp32'),
    optionalFiles: [],
    description: 'test fixture: tiny M2M100-style encoder-decoder that knows a few en->sw/fr translations by heart',
    fixture: true,
    pin: TINY_M2M100_PIN,
    langCodes: FIXTURE_M2M100_LANG_CODES,
  },
] satisfies ModelRecipe[]);

/** The model id is not in MODEL_RECIPES, or is used for the wrong task. */
export class UnsupportedModelError extends Error {
  override readonly name = 'UnsupportedModelError';
}

export function findRecipe(id: string): ModelRecipe | undefined {
  return MODEL_RECIPES.find((r) => r.id === id);
}

export function supportedIds(task?: ModelTask): string[] {
  return MODEL_RECIPES.filter((r) => task === undefined || r.task === task).map((r) => r.id);
}

export function recipeFor<T extends ModelTask>(id: string, task?: T): Extract<ModelRecipe, { task: T }> {
  const recipe = findRecipe(id);
  if (!recipe) {
    const known = supportedIds(task).join(', ');
    throw new UnsupportedModelError(`unsupported model "${id}"${task ? ` for ${task}` : ''}; supported: ${known}`);
  }
  if (task !== undefined && recipe.task !== task) {
    throw new UnsupportedModelError(
      `model "${id}" is a ${recipe.task} model and cannot be used for ${task}; ${task} models: ${supportedIds(task).join(', ')}`,
    );
  }
  return recipe as Extract<ModelRecipe, { task: T }>;
}

/** The text an embedding model must see for a query or a passage, per its recipe. */
export function embeddingInput(recipe: EmbeddingRecipe, kind: 'query' | 'passage', text: string): string {
  return (kind === 'query' ? recipe.queryPrefix : recipe.passagePrefix) + text;
}

/** The model's code for one of our language codes, or undefined when the model does not serve it. */
export function translationCode(recipe: TranslationRecipe, lang: string): string | undefined {
  const base = lang.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return Object.hasOwn(recipe.langCodes, base) ? recipe.langCodes[base] : undefined;
}
