import { isStopword, normalise, SMS_ABBREVIATIONS, words } from '../language/text.js';
import type { LoadedPack, PackEntry } from '../packs/types.js';
import { stripMarkdown } from './docs.js';

/**
 * Questions made from a pack's own entries, written the way SMS users write: the calibration's positives (see
 * calibration.ts). Each comes from a title, tags, the summary, an example question or a stretch of the body,
 * then gets SMS noise: a dropped word, SMS spellings ("how" → "hw"), a misspelled word, a word swapped for its
 * synonym in another language of the pack ("maize" → "mahindi"). Deterministic: the random choices are seeded
 * by the pack, entry and language, so a pack calibrates the same way every time.
 */
export interface PseudoQuestion {
  q: string;
  lang: string;
  entry: string;
  source: 'title' | 'tags' | 'summary' | 'question' | 'body';
}

/** mulberry32: a small, well-known seeded generator (uniform in [0, 1)). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: the seed of an entry's generator. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const pick = <T>(rnd: () => number, items: T[]): T | undefined =>
  items.length === 0 ? undefined : items[Math.floor(rnd() * items.length)];

/** SMS spellings by the word they stand for ("how" → ["hw"]), single words only. */
function reverseSpellings(lang: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const table of [SMS_ABBREVIATIONS[lang] ?? {}, SMS_ABBREVIATIONS['*'] ?? {}]) {
    for (const [abbr, word] of Object.entries(table)) {
      if (word.includes(' ') || /^\d+$/.test(abbr) || abbr.length < 2) continue;
      const list = out.get(word) ?? [];
      list.push(abbr);
      out.set(word, list);
    }
  }
  return out;
}

/** One typo of the kinds SMS writers make: a letter dropped, doubled, swapped with the next, or a vowel changed. */
function misspell(word: string, rnd: () => number): string {
  const i = 1 + Math.floor(rnd() * (word.length - 2));
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return word.slice(0, i) + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word[i] + word.slice(i);
    case 2:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    default: {
      const vowels = 'aeiou';
      const at = [...word].findIndex((c, k) => k >= i && vowels.includes(c));
      if (at < 0) return word.slice(0, i) + word.slice(i + 1);
      const other = vowels[(vowels.indexOf(word[at]!) + 1 + Math.floor(rnd() * 4)) % 5]!;
      return word.slice(0, at) + other + word.slice(at + 1);
    }
  }
}

/** Word → synonyms of it in the pack's other languages (single words), for code-mixing. */
function crossLanguageSynonyms(pack: LoadedPack): Map<string, { lang: string; word: string }[]> {
  const out = new Map<string, { lang: string; word: string }[]>();
  const groups = Object.entries(pack.manifest.synonyms).flatMap(([lang, gs]) =>
    gs.map((g) => g.map((w) => ({ lang, word: normalise(w) }))),
  );
  for (const g of groups) {
    for (const a of g) {
      if (a.word.includes(' ')) continue;
      for (const b of g) {
        if (b.word === a.word || b.word.includes(' ')) continue;
        const list = out.get(a.word) ?? [];
        list.push(b);
        out.set(a.word, list);
      }
    }
  }
  return out;
}

interface Noise {
  spellings: Map<string, string[]>;
  synonyms: Map<string, { lang: string; word: string }[]>;
}

/** SMS noise on a short text: each kind with some chance, never leaving the text empty. */
function noisy(text: string, lang: string, rnd: () => number, noise: Noise): string {
  let toks = words(normalise(text));
  const content = () => toks.map((t, i) => ({ t, i })).filter(({ t }) => !isStopword(t, [lang]) && t.length > 2);
  if (content().length >= 3 && rnd() < 0.5) {
    const drop = pick(rnd, content())!;
    toks = toks.filter((_, i) => i !== drop.i);
  }
  toks = toks.map((t) => {
    const abbr = noise.spellings.get(t);
    return abbr && rnd() < 0.5 ? pick(rnd, abbr)! : t;
  });
  const long = content().filter(({ t }) => t.length >= 5);
  if (long.length > 0 && rnd() < 0.5) {
    const m = pick(rnd, long)!;
    toks[m.i] = misspell(m.t, rnd);
  }
  const mixable = content().filter(({ t }) => noise.synonyms.get(t)?.some((s) => s.lang !== lang));
  if (mixable.length > 0 && rnd() < 0.3) {
    const m = pick(rnd, mixable)!;
    const other = pick(
      rnd,
      noise.synonyms.get(m.t)!.filter((s) => s.lang !== lang),
    )!;
    toks[m.i] = other.word;
  }
  return toks.join(' ');
}

function bodyStretch(body: string, lang: string, rnd: () => number): string | undefined {
  const sentences = stripMarkdown(body)
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => words(s).length >= 5)
    .slice(0, 6);
  const s = pick(rnd, sentences);
  if (!s) return undefined;
  const toks = words(normalise(s)).filter((t) => !isStopword(t, [lang]));
  if (toks.length < 3) return undefined;
  const len = Math.min(toks.length, 3 + Math.floor(rnd() * 3));
  const from = Math.floor(rnd() * (toks.length - len + 1));
  return toks.slice(from, from + len).join(' ');
}

/** At most this many example questions of an entry are used (each with noise). */
const QUESTIONS_PER_ENTRY = 6;

function entryQuestions(pack: LoadedPack, e: PackEntry, noise: Noise): PseudoQuestion[] {
  const rnd = seededRandom(hashSeed(`${pack.manifest.id}/${e.id}/${e.lang}`));
  const out: PseudoQuestion[] = [];
  const add = (q: string | undefined, source: PseudoQuestion['source']) => {
    const text = q?.trim();
    if (text && words(text).length > 0) out.push({ q: text, lang: e.lang, entry: e.id, source });
  };
  add(e.title, 'title');
  add(noisy(e.title, e.lang, rnd, noise), 'title');
  const tags = [...e.tags];
  add(pick(rnd, tags), 'tags');
  if (tags.length >= 2) {
    const a = pick(rnd, tags)!;
    const b = pick(
      rnd,
      tags.filter((t) => t !== a),
    )!;
    add(noisy(`${a} ${b}`, e.lang, rnd, noise), 'tags');
  }
  if (e.summary) {
    const toks = words(e.summary);
    const len = Math.min(toks.length, 5 + Math.floor(rnd() * 5));
    add(noisy(toks.slice(0, len).join(' '), e.lang, rnd, noise), 'summary');
  }
  for (const q of (e.questions ?? []).slice(0, QUESTIONS_PER_ENTRY)) add(noisy(q, e.lang, rnd, noise), 'question');
  const stretch = bodyStretch(e.body, e.lang, rnd);
  if (stretch) add(noisy(stretch, e.lang, rnd, noise), 'body');
  return out;
}

/** The pseudo-questions of every entry (every language version) of a pack. */
export function pseudoQuestions(pack: LoadedPack): PseudoQuestion[] {
  const synonyms = crossLanguageSynonyms(pack);
  const spellings = new Map<string, Map<string, string[]>>();
  return pack.entries.flatMap((e) => {
    let sp = spellings.get(e.lang);
    if (!sp) {
      sp = reverseSpellings(e.lang);
      spellings.set(e.lang, sp);
    }
    return entryQuestions(pack, e, { spellings: sp, synonyms });
  });
}
