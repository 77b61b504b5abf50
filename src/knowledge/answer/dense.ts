import type { Logger } from 'pino';
import type { Config } from '../../platform/config/index.js';
import type { Embedder, Translator as TextTranslator } from '../models/index.js';

/**
 * What retrieval and composition need from the optional models are the models runtime's own interfaces (one
 * Embedder, one Translator): src/knowledge/models implements them; tests pass small doubles of the same shape.
 */
export type { Embedder, Translator as TextTranslator } from '../models/index.js';

/** What answer composition needs from a generative model (optional tier, src/knowledge/models/generator.ts). */
export interface TextCondenser {
  /** A condensed answer restating only `passage`, or undefined (then the extractive answer is used). */
  condense(input: {
    question: string;
    passage: string;
    lang: string;
    maxChars: number;
    deadlineMs: number;
  }): Promise<string | undefined>;
}

export function embedderId(e: Embedder, config: Config): string {
  return e.id || config.models.embedding || 'embedder';
}

// A variable specifier: the models runtime is optional at build time and is looked up only when used.
const MODELS_MODULE = '../models/index.js';

interface ModelsModule {
  loadEmbedder?: (config: Config) => Promise<Embedder | undefined> | Embedder | undefined;
  loadTranslator?: (config: Config) => Promise<TextTranslator | undefined> | TextTranslator | undefined;
  loadGenerator?: (config: Config) => Promise<TextCondenser | undefined> | TextCondenser | undefined;
}

async function modelsModule(log?: Logger): Promise<ModelsModule | undefined> {
  try {
    return (await import(MODELS_MODULE)) as ModelsModule;
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    const missing =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find module/.test(message ?? '');
    if (!missing) {
      log?.warn({ err }, 'models runtime failed to load; answering with the lexical tier');
    }
    return undefined;
  }
}

/** The configured/installed embedding model, or undefined (lexical tier). Never downloads. */
export async function loadEmbedderIfAvailable(config: Config, log?: Logger): Promise<Embedder | undefined> {
  const mod = await modelsModule(log);
  if (!mod?.loadEmbedder) return undefined;
  try {
    return (await mod.loadEmbedder(config)) ?? undefined;
  } catch (err) {
    log?.warn({ err }, 'embedding model failed to load; answering with the lexical tier');
    return undefined;
  }
}

export async function loadTranslatorIfAvailable(config: Config, log?: Logger): Promise<TextTranslator | undefined> {
  const mod = await modelsModule(log);
  if (!mod?.loadTranslator) return undefined;
  try {
    return (await mod.loadTranslator(config)) ?? undefined;
  } catch (err) {
    log?.warn({ err }, 'translation model failed to load; answers fall back to the pack language');
    return undefined;
  }
}

/** The configured generative model (GENERATION_MODEL), or undefined: generation is opt-in. */
export async function loadCondenserIfAvailable(config: Config, log?: Logger): Promise<TextCondenser | undefined> {
  if (!config.models.generation) return undefined;
  const mod = await modelsModule(log);
  if (!mod?.loadGenerator) return undefined;
  try {
    return (await mod.loadGenerator(config)) ?? undefined;
  } catch (err) {
    log?.warn({ err }, 'generative model failed to load; answers stay extractive');
    return undefined;
  }
}

/** Text embedded for an entry: what it is about first (the model may truncate). */
export function passageText(e: { title: string; summary?: string; tags: string[]; body: string }): string {
  return [e.title, e.summary ?? '', e.tags.join(', '), e.body].filter(Boolean).join('\n').slice(0, 2000);
}

export function normaliseVector(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n === 0 || Math.abs(n - 1) < 1e-6) return v;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}
