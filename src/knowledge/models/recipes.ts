/**
 * Supported model ids and how each must be used. A model run with the wrong pooling or prefixes retrieves
 * badly without any error, so the recipe travels with the id, in code, and unknown ids are refused.
 */

export type ModelTask = 'embedding' | 'generation' | 'translation';

/** transformers.js dtypes we use; each picks an ONNX file suffix (see onnxFile). */
export type ModelDtype = 'fp32' | 'q8' | 'q4';

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
