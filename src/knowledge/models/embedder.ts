import type { Config } from '../../platform/config/index.js';
import { type EmbeddingRecipe, embeddingInput, recipeFor } from './recipes.js';
import {
  assertInstalled,
  chooseModelId,
  loadFailure,
  localOptions,
  ModelLoadError,
  withLocalModels,
} from './runtime.js';

/** An embedding model as retrieval uses it; the model's recipe (prefixes, pooling) lives behind the two calls. */
export interface Embedder {
  /** Model id, e.g. "Xenova/multilingual-e5-small": stored with passage vectors so a changed model rebuilds. */
  readonly id: string;
  readonly dims?: number;
  /** One L2-normalised vector per text, prefixed and pooled per the model's recipe. */
  embedQueries(texts: string[]): Promise<Float32Array[]>;
  embedPassages(texts: string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

interface EmbeddingTensor {
  dims: number[];
  data: ArrayLike<number>;
}

type FeatureExtractor = (
  texts: string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<EmbeddingTensor>;

/** Texts per model call: bounds the padded batch (and memory) when a pack is embedded at build time. */
const BATCH = 16;

class TransformersEmbedder implements Embedder {
  constructor(
    private readonly recipe: EmbeddingRecipe,
    private readonly extract: FeatureExtractor,
  ) {}

  get id(): string {
    return this.recipe.id;
  }

  get dims(): number {
    return this.recipe.dims;
  }

  embedQueries(texts: string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => embeddingInput(this.recipe, 'query', t)));
  }

  embedPassages(texts: string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => embeddingInput(this.recipe, 'passage', t)));
  }

  private async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const batch = texts.slice(i, i + BATCH);
      const tensor = await this.extract(batch, { pooling: this.recipe.pooling, normalize: this.recipe.normalize });
      const [rows, dims] = tensor.dims;
      if (rows !== batch.length || dims !== this.recipe.dims) {
        throw new ModelLoadError(
          `embedding model "${this.recipe.id}" returned [${tensor.dims.join(', ')}], expected [${batch.length}, ${this.recipe.dims}]`,
        );
      }
      for (let r = 0; r < rows; r++) {
        out.push(Float32Array.from({ length: dims }, (_, c) => tensor.data[r * dims + c]!));
      }
    }
    return out;
  }
}

/**
 * The embedding model to use: `modelId`, else EMBEDDING_MODEL, else the first supported embedding model
 * installed in MODELS_DIR. Undefined when none is chosen (retrieval stays lexical). Throws when the chosen
 * model is unsupported, not installed or broken. Never downloads.
 */
export async function loadEmbedder(config: Config, modelId?: string): Promise<Embedder | undefined> {
  const id = chooseModelId(config, 'embedding', modelId);
  if (id === undefined) return undefined;
  const recipe = recipeFor(id, 'embedding');
  assertInstalled(config, recipe);
  const extract = await withLocalModels(config.modelsDir, async (t) => {
    try {
      return (await t.pipeline('feature-extraction', recipe.id, localOptions(recipe))) as unknown as FeatureExtractor;
    } catch (err) {
      throw loadFailure(recipe, err);
    }
  });
  const embedder = new TransformersEmbedder(recipe, extract);
  // one probe now, so a model with the wrong shape fails at start-up rather than on a user's question
  await embedder.embedQueries(['ok']);
  return embedder;
}
