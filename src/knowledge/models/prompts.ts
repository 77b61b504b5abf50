import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assetPath } from '../../platform/paths.js';

/** prompts/ at the project root (templates for the generative tier, e.g. condense.sw.txt). */
const DEFAULT_PROMPTS_DIR = assetPath('prompts');

const cache = new Map<string, string | null>();

/**
 * The template `<name>.<lang>.txt`, or undefined when there is none for that language: a prompt in
 * another language would get an answer in another language, so the caller falls back to extractive text.
 */
export function loadPrompt(name: string, lang: string, dir = DEFAULT_PROMPTS_DIR): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name) || !/^[a-z]{2,3}$/.test(lang)) return undefined;
  const file = path.join(dir, `${name}.${lang}.txt`);
  if (!cache.has(file)) cache.set(file, existsSync(file) ? readFileSync(file, 'utf8') : null);
  return cache.get(file) ?? undefined;
}

/** Fills {{name}} placeholders; an unknown placeholder is an error in the template, not silently blank. */
export function renderPrompt(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!Object.hasOwn(values, key)) throw new Error(`prompt template uses {{${key}}}, which is not provided`);
    return String(values[key]);
  });
}
