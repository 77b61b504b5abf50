import { performance } from 'node:perf_hooks';
import type { Config } from '../../platform/config/index.js';
import { checkGenerated } from './guard.js';
import { loadPrompt, renderPrompt } from './prompts.js';
import { type GenerationRecipe, recipeFor } from './recipes.js';
import { assertInstalled, chooseModelId, loadFailure, localOptions, withLocalModels } from './runtime.js';

export interface CondenseInput {
  question: string;
  /** The retrieved text; the output may only restate it. */
  passage: string;
  /** Language of the answer; a prompt template prompts/condense.<lang>.txt must exist for it. */
  lang: string;
  maxChars: number;
  /** Time budget in milliseconds for this call, counted from when it is made. */
  deadlineMs: number;
}

export interface Generator {
  id: string;
  /**
   * A condensed answer built only from the passage, or undefined when the model cannot give one in time,
   * within maxChars, or faithfully (then the caller uses the extractive answer).
   */
  condense(input: CondenseInput): Promise<string | undefined>;
}

export interface GeneratorOptions {
  /** Folder of prompt templates (default: prompts/ at the project root). */
  promptsDir?: string;
  /** Called with the reason whenever generated text is dropped (for logs and metrics). */
  onReject?: (reason: string) => void;
}

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

interface TextGenerationPipeline {
  (
    input: string | ChatMessage[],
    options: Record<string, unknown>,
  ): Promise<Array<{ generated_text: string | ChatMessage[] }>>;
  tokenizer: { encode(text: string): number[] };
  model: {
    generation_config?: { eos_token_id?: number | number[] | null } | null;
    config?: { eos_token_id?: number | number[] | null };
  };
}

type Transformers = typeof import('@huggingface/transformers');

/** Per-token costs on this machine, measured at load and refined after every call. */
interface Timing {
  prefillMsPerToken: number;
  decodeMsPerToken: number;
}

/** Generous token allowance per character of answer (BPE averages 3-4 characters a token). */
const CHARS_PER_TOKEN = 2.5;
/** Fewer new tokens than this cannot hold a useful answer: not worth starting. */
const MIN_NEW_TOKENS = 8;
/** Passage characters given to the model; bounds the prompt's prefill time. */
const MAX_PASSAGE_CHARS = 1500;
const EMA = 0.3;

/** Records, per decoding step, the time and the sequence so far; stops generation at the deadline. */
function makeDeadlineCriterion(t: Transformers, deadlineAt: number) {
  class DeadlineCriterion extends t.StoppingCriteria {
    stamps: number[] = [];
    /** Last token of the sequence so far (the library passes bigints, though its types say number). */
    lastToken: bigint | undefined;
    timedOut = false;
    override _call(inputIds: number[][]): boolean[] {
      const now = performance.now();
      this.stamps.push(now);
      const last = inputIds[0]?.at(-1);
      this.lastToken = last === undefined ? undefined : BigInt(last);
      this.timedOut = now >= deadlineAt;
      return inputIds.map(() => this.timedOut);
    }
  }
  return new DeadlineCriterion();
}

class TransformersGenerator implements Generator {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly eosIds: Set<bigint>;

  constructor(
    private readonly recipe: GenerationRecipe,
    private readonly t: Transformers,
    private readonly pipe: TextGenerationPipeline,
    private readonly options: GeneratorOptions,
    private timing: Timing,
  ) {
    const eos = pipe.model.generation_config?.eos_token_id ?? pipe.model.config?.eos_token_id ?? [];
    this.eosIds = new Set((Array.isArray(eos) ? eos : [eos]).map((id) => BigInt(id)));
  }

  get id(): string {
    return this.recipe.id;
  }

  condense(input: CondenseInput): Promise<string | undefined> {
    const deadlineAt = performance.now() + input.deadlineMs;
    // one generation at a time: concurrent runs would share the CPU and break every time estimate
    const run = () => this.condenseBy(input, deadlineAt);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private reject(reason: string): undefined {
    this.options.onReject?.(reason);
    return undefined;
  }

  private async condenseBy(input: CondenseInput, deadlineAt: number): Promise<string | undefined> {
    const template = loadPrompt('condense', input.lang, this.options.promptsDir);
    if (template === undefined) return this.reject(`no condense prompt for language "${input.lang}"`);
    if (input.passage.trim() === '' || input.maxChars <= 0) return this.reject('nothing to condense');
    const prompt = renderPrompt(template, {
      question: input.question.trim(),
      passage: input.passage.trim().slice(0, MAX_PASSAGE_CHARS),
      maxChars: input.maxChars,
    });

    const promptTokens = this.pipe.tokenizer.encode(prompt).length + (this.recipe.chat ? 24 : 0);
    const remaining = deadlineAt - performance.now();
    const prefill = promptTokens * this.timing.prefillMsPerToken;
    const affordable = Math.floor((remaining - prefill) / this.timing.decodeMsPerToken) + 1;
    const wanted = Math.ceil(input.maxChars / CHARS_PER_TOKEN) + 4;
    const maxNewTokens = Math.min(wanted, affordable);
    if (maxNewTokens < Math.min(MIN_NEW_TOKENS, wanted)) {
      return this.reject(
        `would overrun the deadline (${Math.round(remaining)} ms left, ~${Math.round(prefill)} ms to read the prompt)`,
      );
    }

    const criterion = makeDeadlineCriterion(this.t, deadlineAt);
    const started = performance.now();
    const output = await this.pipe(this.recipe.chat ? [{ role: 'user', content: prompt }] : prompt, {
      max_new_tokens: maxNewTokens,
      do_sample: false,
      return_full_text: false,
      stopping_criteria: [criterion],
    });
    this.learn(started, criterion.stamps, promptTokens);

    if (criterion.timedOut || performance.now() > deadlineAt) return this.reject('deadline reached while generating');
    const lastToken = criterion.lastToken;
    if (lastToken === undefined || !this.eosIds.has(lastToken)) {
      return this.reject(`answer did not finish within ${maxNewTokens} tokens`);
    }
    const generated = output[0]?.generated_text;
    const raw = typeof generated === 'string' ? generated : (generated?.at(-1)?.content ?? '');
    const verdict = checkGenerated(raw, input);
    return verdict.ok ? verdict.text : this.reject(verdict.reason);
  }

  /** Updates per-token costs from the step timestamps of the last run. */
  private learn(started: number, stamps: number[], promptTokens: number): void {
    const first = stamps[0];
    if (first === undefined) return;
    const prefill = (first - started) / Math.max(1, promptTokens);
    this.timing.prefillMsPerToken = (1 - EMA) * this.timing.prefillMsPerToken + EMA * prefill;
    if (stamps.length > 1) {
      const decode = (stamps.at(-1)! - first) / (stamps.length - 1);
      this.timing.decodeMsPerToken = (1 - EMA) * this.timing.decodeMsPerToken + EMA * decode;
    }
  }

  /** Measures this machine's prefill and per-token costs with one short run (at load, off the request path). */
  async warmUp(): Promise<void> {
    const prompt = renderPrompt(loadPrompt('condense', 'en', this.options.promptsDir) ?? '{{passage}}', {
      question: 'How?',
      passage: 'Plant maize at the start of the rains.',
      maxChars: 60,
    });
    const criterion = makeDeadlineCriterion(this.t, Number.POSITIVE_INFINITY);
    const promptTokens = this.pipe.tokenizer.encode(prompt).length;
    const started = performance.now();
    await this.pipe(this.recipe.chat ? [{ role: 'user', content: prompt }] : prompt, {
      max_new_tokens: 4,
      min_new_tokens: 4,
      do_sample: false,
      return_full_text: false,
      stopping_criteria: [criterion],
    });
    const first = criterion.stamps[0];
    if (first === undefined) return;
    this.timing = {
      prefillMsPerToken: Math.max(0.01, (first - started) / Math.max(1, promptTokens)),
      decodeMsPerToken: Math.max(
        0.05,
        criterion.stamps.length > 1
          ? (criterion.stamps.at(-1)! - first) / (criterion.stamps.length - 1)
          : first - started,
      ),
    };
  }
}

/**
 * The generative model: `modelId`, else GENERATION_MODEL; undefined when neither is set (generation is
 * opt-in). Throws when the model is unsupported, not installed or broken. Never downloads.
 */
export async function loadGenerator(
  config: Config,
  modelId?: string,
  options: GeneratorOptions = {},
): Promise<Generator | undefined> {
  const id = chooseModelId(config, 'generation', modelId);
  if (id === undefined) return undefined;
  const recipe = recipeFor(id, 'generation');
  assertInstalled(config, recipe);
  const { t, pipe } = await withLocalModels(config.modelsDir, async (t) => {
    try {
      const pipe = (await t.pipeline(
        'text-generation',
        recipe.id,
        localOptions(recipe),
      )) as unknown as TextGenerationPipeline;
      return { t, pipe };
    } catch (err) {
      throw loadFailure(recipe, err);
    }
  });
  const generator = new TransformersGenerator(recipe, t, pipe, options, { prefillMsPerToken: 1, decodeMsPerToken: 10 });
  await generator.warmUp();
  return generator;
}
