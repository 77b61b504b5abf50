import { performance } from 'node:perf_hooks';
import type { Config } from '../../platform/config/index.js';
import { recipeFor, type TranslationRecipe, translationCode } from './recipes.js';
import { assertInstalled, chooseModelId, loadFailure, localOptions, withLocalModels } from './runtime.js';

export interface TranslateOptions {
  /** Time budget in milliseconds for this call; past it the result is dropped (undefined). */
  deadlineMs?: number;
}

/** A translation model as answer composition uses it (ISO 639 codes); the optional tier of the answer module. */
export interface Translator {
  readonly id?: string;
  /**
   * `text` from one ISO 639 language to another, or undefined when the model does not serve one of the two
   * languages, produces nothing, or runs past the deadline. Same language in and out returns the text.
   */
  translate(text: string, from: string, to: string, options?: TranslateOptions): Promise<string | undefined>;
}

type TranslationPipeline = (
  text: string,
  options: Record<string, unknown>,
) => Promise<Array<{ translation_text: string }> | { translation_text: string }>;

type Transformers = typeof import('@huggingface/transformers');

class TransformersTranslator implements Translator {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly recipe: TranslationRecipe,
    private readonly t: Transformers,
    private readonly pipe: TranslationPipeline,
  ) {}

  get id(): string {
    return this.recipe.id;
  }

  translate(text: string, from: string, to: string, options: TranslateOptions = {}): Promise<string | undefined> {
    const deadlineAt = performance.now() + (options.deadlineMs ?? Number.POSITIVE_INFINITY);
    const run = () => this.translateBy(text, from, to, deadlineAt);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async translateBy(text: string, from: string, to: string, deadlineAt: number): Promise<string | undefined> {
    if (text.trim() === '') return undefined;
    const src = translationCode(this.recipe, from);
    const tgt = translationCode(this.recipe, to);
    if (src === undefined || tgt === undefined) return undefined;
    if (src === tgt) return text;
    if (performance.now() >= deadlineAt) return undefined;
    let timedOut = false;
    class DeadlineCriterion extends this.t.StoppingCriteria {
      override _call(inputIds: unknown[]): boolean[] {
        timedOut = performance.now() >= deadlineAt;
        return inputIds.map(() => timedOut);
      }
    }
    const out = await this.pipe(text, {
      src_lang: src,
      tgt_lang: tgt,
      max_new_tokens: Math.ceil(text.length / 2) + 16,
      stopping_criteria: [new DeadlineCriterion()],
    });
    if (timedOut) return undefined;
    const first = Array.isArray(out) ? out[0] : out;
    const translated = first?.translation_text?.trim() ?? '';
    return translated === '' ? undefined : translated;
  }
}

/**
 * The translation model: `modelId`, else TRANSLATION_MODEL, else the first supported translation model
 * installed in MODELS_DIR; undefined when there is none. Throws when the chosen model is unsupported,
 * not installed or broken. Never downloads.
 */
export async function loadTranslator(config: Config, modelId?: string): Promise<Translator | undefined> {
  const id = chooseModelId(config, 'translation', modelId);
  if (id === undefined) return undefined;
  const recipe = recipeFor(id, 'translation');
  assertInstalled(config, recipe);
  return withLocalModels(config.modelsDir, async (t) => {
    try {
      const pipe = (await t.pipeline('translation', recipe.id, localOptions(recipe))) as unknown as TranslationPipeline;
      return new TransformersTranslator(recipe, t, pipe);
    } catch (err) {
      throw loadFailure(recipe, err);
    }
  });
}
