import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../platform/config/index.js';
import { findRecipe, MODEL_RECIPES, type ModelRecipe, type ModelTask } from './recipes.js';

/** A configured model is not in MODELS_DIR, or its files cannot be loaded. */
export class ModelNotInstalledError extends Error {
  override readonly name = 'ModelNotInstalledError';
}

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

export function modelDir(modelsDir: string, id: string): string {
  return path.resolve(modelsDir, ...id.split('/'));
}

/** Required files of the recipe that are not on disk (empty when the model is installed). */
function missingFiles(modelsDir: string, recipe: ModelRecipe): string[] {
  const dir = modelDir(modelsDir, recipe.id);
  return recipe.files.filter((f) => !existsSync(path.join(dir, f)));
}

export function isInstalled(modelsDir: string, recipe: ModelRecipe): boolean {
  return missingFiles(modelsDir, recipe).length === 0;
}

/** First supported model of the task that is installed, in MODEL_RECIPES order (real models before fixtures). */
function firstInstalled(modelsDir: string, task: ModelTask): ModelRecipe | undefined {
  return MODEL_RECIPES.find((r) => r.task === task && isInstalled(modelsDir, r));
}

/**
 * The id to load: the explicit one, else the configured one, else (embedding, translation) the first
 * supported model found in MODELS_DIR. Generation is opt-in (GENERATION_MODEL), never picked up by itself.
 */
export function chooseModelId(config: Config, task: ModelTask, modelId?: string): string | undefined {
  const explicit = modelId ?? config.models[task];
  if (explicit !== undefined) return explicit;
  if (task === 'generation') return undefined;
  return firstInstalled(config.modelsDir, task)?.id;
}

export interface InstalledModel {
  id: string;
  dir: string;
  bytes: number;
  supported: boolean;
  task?: ModelTask;
  /** Supported and every required file present. */
  complete: boolean;
  missing: string[];
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Models in MODELS_DIR, in the hub layout <org>/<name>/ (a folder holding config.json), sorted by id. */
export function listInstalled(modelsDir: string): InstalledModel[] {
  const root = path.resolve(modelsDir);
  if (!existsSync(root)) return [];
  const found: InstalledModel[] = [];
  for (const org of readdirSync(root, { withFileTypes: true })) {
    if (!org.isDirectory() || org.name.startsWith('.')) continue;
    for (const name of readdirSync(path.join(root, org.name), { withFileTypes: true })) {
      if (!name.isDirectory() || name.name.startsWith('.')) continue;
      const dir = path.join(root, org.name, name.name);
      if (!existsSync(path.join(dir, 'config.json')) && !existsSync(path.join(dir, 'onnx'))) continue;
      const id = `${org.name}/${name.name}`;
      const recipe = findRecipe(id);
      const missing = recipe ? missingFiles(modelsDir, recipe) : [];
      found.push({
        id,
        dir,
        bytes: dirBytes(dir),
        supported: recipe !== undefined,
        task: recipe?.task,
        complete: recipe !== undefined && missing.length === 0,
        missing,
      });
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

type Transformers = typeof import('@huggingface/transformers');

let transformersModule: Promise<Transformers> | undefined;
let loadQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with @huggingface/transformers set to read only from `modelsDir`: remote models off, no
 * cache directory, so a missing file is an error and never a download. Loads are serialised because the
 * library's `env` is global.
 */
export function withLocalModels<T>(modelsDir: string, load: (t: Transformers) => Promise<T>): Promise<T> {
  const run = async () => {
    // imported on first use: onnxruntime is heavy and most processes run without models
    transformersModule ??= import('@huggingface/transformers');
    const t = await transformersModule;
    t.env.allowRemoteModels = false;
    t.env.allowLocalModels = true;
    t.env.useFSCache = false;
    t.env.useBrowserCache = false;
    t.env.localModelPath = path.resolve(modelsDir) + path.sep;
    t.env.logLevel = t.LogLevel.ERROR;
    return load(t);
  };
  const result = loadQueue.then(run, run);
  loadQueue = result.catch(() => undefined);
  return result;
}

/** Options every from_pretrained/pipeline call gets: local files only, the recipe's dtype, CPU. */
export function localOptions(recipe: ModelRecipe) {
  return { dtype: recipe.dtype, local_files_only: true, device: 'cpu' as const };
}

/** Throws a clear error when a model chosen for loading is not (fully) in MODELS_DIR. */
export function assertInstalled(config: Config, recipe: ModelRecipe): void {
  const missing = missingFiles(config.modelsDir, recipe);
  if (missing.length > 0) {
    throw new ModelNotInstalledError(
      `${recipe.task} model "${recipe.id}" is not installed in MODELS_DIR (${path.resolve(config.modelsDir)}): ` +
        `missing ${missing.join(', ')}. Fetch it once with: npx baraza models pull ${recipe.id}`,
    );
  }
}

export function loadFailure(recipe: ModelRecipe, err: unknown): ModelLoadError {
  const message = err instanceof Error ? err.message : String(err);
  return new ModelLoadError(`${recipe.task} model "${recipe.id}" could not be loaded: ${message}`);
}
