import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assetPath } from '../../platform/paths.js';

/**
 * Language data of the analyser, one folder per language under src/knowledge/language/data/<lang>/ (`any/` holds what
 * applies to every language):
 * - `stopwords.txt`: function words, one per line;
 * - `sms-spellings.json`: SMS spelling → words ("hw" → "how");
 * - `greetings.txt`: greeting phrases, one per line;
 * - `prefixes.txt`: word prefixes (Swahili subject and tense markers) stripped before partial word matching;
 * - `out-of-scope.json`: cues of requests no knowledge pack answers unless it covers them (live prices,
 *   news, weather...), see scope.ts.
 * Off-topic probes for calibration are in data/offtopic/<lang>.txt. Lines starting with # are comments.
 * Read once, synchronously, when the module loads: a few kilobytes, and the analyser needs them at once.
 */
/** Shipped language data, found from the package root so compiled code (dist/) reads the same files. */
const DATA_DIR = assetPath('src', 'knowledge', 'language', 'data');

/** The folders of data/ that name a language (not `any`, not `offtopic`). */
function dataLanguages(dir = DATA_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[a-z]{2,3}$/.test(d.name) && d.name !== 'any')
    .map((d) => d.name)
    .sort();
}

/** Non-empty lines of a text data file, without # comments; [] when the file does not exist. */
function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** A copy of `o` without a prototype (keys like "constructor" or "toString" are only its own). */
function dictionary<V>(o: Record<string, V>): Record<string, V> {
  return Object.assign(Object.create(null) as Record<string, V>, o);
}

function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export interface LanguageData {
  stopwords: Record<string, Set<string>>;
  /** Keyed by language, `*` for every language. */
  smsSpellings: Record<string, Record<string, string>>;
  /** Greeting phrases of every language. */
  greetings: string[];
  /** Word prefixes of every language, longest first (prefixes.txt). */
  prefixes: string[];
  /** Per language: intent → cue phrases (see out-of-scope.json). */
  outOfScope: Record<string, Record<string, string[][]>>;
}

export function loadLanguageData(dir = DATA_DIR): LanguageData {
  const langs = dataLanguages(dir);
  const stopwords: Record<string, Set<string>> = {};
  // Looked up with the user's words: tables without a prototype, so "constructor" is not found in them.
  const smsSpellings: Record<string, Record<string, string>> = Object.create(null);
  smsSpellings['*'] = dictionary(readJson(path.join(dir, 'any', 'sms-spellings.json'), {}));
  const greetings: string[] = [];
  const prefixes: string[] = [];
  const outOfScope: Record<string, Record<string, string[][]>> = {};
  for (const lang of langs) {
    const stop = readLines(path.join(dir, lang, 'stopwords.txt'));
    if (stop.length > 0) stopwords[lang] = new Set(stop);
    const sms = readJson<Record<string, string> | undefined>(path.join(dir, lang, 'sms-spellings.json'), undefined);
    if (sms) smsSpellings[lang] = dictionary(sms);
    greetings.push(...readLines(path.join(dir, lang, 'greetings.txt')));
    prefixes.push(...readLines(path.join(dir, lang, 'prefixes.txt')));
    const oos = readJson<Record<string, string[][]> | undefined>(path.join(dir, lang, 'out-of-scope.json'), undefined);
    if (oos) outOfScope[lang] = Object.fromEntries(Object.entries(oos).filter(([k]) => !k.startsWith('$')));
  }
  prefixes.sort((a, b) => b.length - a.length);
  return { stopwords, smsSpellings, greetings, prefixes, outOfScope };
}

/** Off-topic probes shipped for calibration: language → questions (data/offtopic/<lang>.txt). */
export function loadOffTopicProbes(dir = path.join(DATA_DIR, 'offtopic')): Record<string, string[]> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string[]> = {};
  for (const name of readdirSync(dir).sort()) {
    const m = /^([a-z]{2,3})\.txt$/.exec(name);
    if (m) out[m[1]!] = readLines(path.join(dir, name));
  }
  return out;
}
