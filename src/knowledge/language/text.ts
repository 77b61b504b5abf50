import { loadLanguageData } from './lang-data.js';

/**
 * Text analysis for noisy SMS/USSD questions: normalisation, SMS abbreviations, stopwords, light stemming and
 * character n-grams. Pure functions; the same pipeline analyses pack entries and questions.
 */

/** Letters that do not decompose under NFKD but have a plain Latin reading (Hausa hooked letters, ligatures). */
const FOLD: Record<string, string> = {
  ɓ: 'b',
  ɗ: 'd',
  ƙ: 'k',
  ƴ: 'y',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  ı: 'i',
  ŋ: 'n',
  ɛ: 'e',
  ɔ: 'o',
};
const FOLD_RE = new RegExp(`[${Object.keys(FOLD).join('')}]`, 'g');

/** French elisions (l', d', qu'...) split off; other apostrophes (ng'ombe, dang'a) are dropped inside the word. */
const ELISION = /(^|[^\p{L}])(l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu)['’‘`´]/giu;
const ASCII_ELISION = /(^|[^a-z])(l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu)['`]/g;

/**
 * Lowercase, strip diacritics (tone marks included: Yorùbá "ọ̀" → "o"), fold special letters. Ethiopic and other
 * scripts without case pass through unchanged.
 */
export function normalise(text: string): string {
  // ASCII text (most questions) needs no Unicode decomposition, has no marks or special letters to fold, and its
  // only letters are a-z once lower-cased: the same steps with ASCII patterns.
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 128;
  if (ascii)
    return text
      .toLowerCase()
      .replace(ASCII_ELISION, '$1$2 ')
      .replace(/([a-z])['`]([a-z])/g, '$1$2');
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(FOLD_RE, (c) => FOLD[c] ?? c)
    .replace(ELISION, '$1$2 ')
    .replace(/(\p{L})['’‘`´](\p{L})/gu, '$1$2');
}

/** Raw word tokens: runs of letters/digits, plus inner hyphen splits ("ku-apply" → "ku", "apply"). */
export function words(normalised: string): string[] {
  let ascii = true;
  for (let i = 0; i < normalised.length && ascii; i++) ascii = normalised.charCodeAt(i) < 128;
  // In ASCII text the letters and digits are [A-Za-z0-9].
  return (ascii ? normalised.match(/[A-Za-z0-9]+/g) : normalised.match(/[\p{L}\p{N}]+/gu)) ?? [];
}

const DATA = loadLanguageData();

/**
 * SMS spellings → words, per language ("*" = any language), from data/<lang>/sms-spellings.json. Only
 * unambiguous forms: a token that is also a real word in a pack (e.g. "cmt" = California Mastitis Test) is kept
 * as written by the caller.
 */
export const SMS_ABBREVIATIONS: Record<string, Record<string, string>> = DATA.smsSpellings;

/**
 * Function words per language (data/<lang>/stopwords.txt): dropped from indexing and from the coverage used for
 * confidence, and a strong cue for language identification. Question words are included: they say nothing
 * about the topic.
 */
export const STOPWORDS: Record<string, Set<string>> = DATA.stopwords;

/**
 * Greetings and pleasantries (data/<lang>/greetings.txt): conversational, never the topic ("habari za asubuhi"
 * is "good morning", not a question about mornings). Removed from questions as whole phrases before analysis.
 */
const GREETINGS: string[] = DATA.greetings;

/** Word prefixes (data/<lang>/prefixes.txt), longest first. */
const PREFIXES: string[] = DATA.prefixes;

/** Length of the longest listed prefix of `token` that leaves at least `keep` letters. */
export function prefixLength(token: string, keep = 4): number {
  for (const p of PREFIXES) if (token.length - p.length >= keep && token.startsWith(p)) return p.length;
  return 0;
}

/** Cues of requests out of any pack's scope unless a pack covers them (data/<lang>/out-of-scope.json). */
export const OUT_OF_SCOPE: Record<string, Record<string, string[][]>> = DATA.outOfScope;
const GREETING_SEQS = GREETINGS.map((g) => g.split(' ')).sort((a, b) => b.length - a.length);

/** Greeting phrases by their first word, longest first (a lookup per token, not a scan of every greeting). */
const GREETINGS_BY_FIRST = new Map<string, string[][]>();
for (const g of GREETING_SEQS) {
  const list = GREETINGS_BY_FIRST.get(g[0]!);
  if (list) list.push(g);
  else GREETINGS_BY_FIRST.set(g[0]!, [g]);
}

/** Words in the longest greeting phrase: how far from the end a closing one can start. */
const LONGEST_GREETING = GREETING_SEQS[0]?.length ?? 0;

/** The greeting phrase that starts at tokens[i], if any (longest first). */
function greetingAt(tokens: string[], i: number): string[] | undefined {
  return GREETINGS_BY_FIRST.get(tokens[i]!)?.find((g) => g.every((w, k) => tokens[i + k] === w));
}

/**
 * Drop the greetings and thanks that open or close a message ("habari, ..." / "... asante sana"). Inside a
 * sentence the same words often mean something else: "nataka habari za bei" (news), "nieleze mambo ya mkopo"
 * (matters), "tujikinge vipi" (how).
 */
export function stripGreetings(tokens: string[]): string[] {
  let from = 0;
  for (let g = greetingAt(tokens, from); g; g = greetingAt(tokens, from)) from += g.length;
  // Closing phrases, from the last one back ("... asante sana", "... thanks, bye").
  let to = tokens.length;
  for (let moved = true; moved && to > from; ) {
    moved = false;
    for (let i = Math.max(from, to - LONGEST_GREETING); i < to; i++) {
      const g = greetingAt(tokens, i);
      if (g && i + g.length === to) {
        to = i;
        moved = true;
        break;
      }
    }
  }
  return from === 0 && to === tokens.length ? tokens : tokens.slice(from, to);
}

const ANY_STOPWORD = new Set(Object.values(STOPWORDS).flatMap((s) => [...s]));

export function isStopword(token: string, langs?: readonly string[]): boolean {
  if (!langs) return ANY_STOPWORD.has(token);
  return langs.some((l) => STOPWORDS[l]?.has(token));
}

/**
 * Expand SMS abbreviations for the candidate languages (the writer's first); `keep` holds real pack words not
 * to expand unless the abbreviation is of the writer's own language.
 */
export function expandAbbreviations(
  tokens: string[],
  langs: readonly string[],
  keep?: (t: string) => boolean,
): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    // An SMS spelling of the writer's own language wins over a pack word spelled the same: "cmt" in a French
    // question is "comment", not the California Mastitis Test.
    let expansion: string | undefined = langs[0] === undefined ? undefined : SMS_ABBREVIATIONS[langs[0]]?.[t];
    if (expansion === undefined) {
      expansion = SMS_ABBREVIATIONS['*']![t];
      for (const l of langs) {
        if (expansion !== undefined) break;
        expansion = SMS_ABBREVIATIONS[l]?.[t];
      }
      // Digit-for-syllable spellings ("2day", "b4", "gr8") not in the tables: spell the digit out only in English.
      if (expansion === undefined && hasDigit(t) && langs.includes('en') && /^[a-z]+\d[a-z]*$|^\d[a-z]+$/.test(t)) {
        expansion = t.replace(/2/g, 'to').replace(/4/g, 'for').replace(/8/g, 'ate');
      }
      // A real pack word is kept as written (asked only when there is something to expand).
      if (expansion !== undefined && keep?.(t)) expansion = undefined;
    }
    if (expansion === undefined) out.push(t);
    else out.push(...expansion.split(' '));
  }
  return out;
}

/** Some character of `t` is an ASCII digit (a loop: most words have none, and this runs for every word). */
function hasDigit(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/**
 * Light, language-neutral suffix folding (plural -s/-es/-ies, -ing, -ed): the same on packs and questions, so
 * exactness does not matter, only consistency. Swahili and Ethiopic words are left alone by these rules in practice.
 */
export function stem(token: string): string {
  if (token.length <= 3 || /\d/.test(token)) return token;
  if (!/^[a-z]+$/.test(token)) return token;
  // English adverbs: "safely" ~ "safe", "monthly" ~ "month" (not "family", "supply", "apply", "reply").
  if (token.endsWith('ly') && token.length >= 6 && !/(ily|ply|ally)$/.test(token)) return token.slice(0, -2);
  // "variety"/"varieties" and French "pluie"/"pluies" all fold to an "-ie" form.
  if (/[^aeiou]y$/.test(token)) return `${token.slice(0, -1)}ie`;
  if (token.endsWith('sses')) return token.slice(0, -2);
  if (token.endsWith('ing') && token.length > 5) return token.slice(0, -3);
  if (token.endsWith('ed') && token.length > 4 && !token.endsWith('eed')) return token.slice(0, -2);
  if (token.endsWith('es') && /(ch|sh|x|z|ss)es$/.test(token)) return token.slice(0, -2);
  if (token.endsWith('s') && !/(ss|us|is|ys)$/.test(token)) return dropSilentE(token.slice(0, -1));
  if (token.endsWith('x') && token.length > 4 && /(aux|eux)$/.test(token)) return token.slice(0, -1);
  return dropSilentE(token);
}

/** A silent final "e" goes, as the -ing/-ed rules already drop it: "compare" ~ "comparing" ~ "compared". */
function dropSilentE(token: string): string {
  return token.length > 4 && /[^aeiou]e$/.test(token) ? token.slice(0, -1) : token;
}

/** Character n-grams of one token with boundary marks: "maize" → " ma", "mai", ..., "ze ", " mai", ... */
export function charNgrams(token: string, sizes: readonly number[] = [3, 4]): string[] {
  const padded = ` ${token} `;
  // Fast path for text without astral characters (nearly all): index UTF-16 units directly.
  const chars: string[] | string = /[\uD800-\uDFFF]/.test(padded) ? [...padded] : padded;
  const out: string[] = [];
  for (const n of sizes) {
    if (chars.length < n) continue;
    for (let i = 0; i + n <= chars.length; i++) {
      out.push(typeof chars === 'string' ? chars.slice(i, i + n) : chars.slice(i, i + n).join(''));
    }
  }
  if (out.length === 0) out.push(padded);
  return out;
}

/** Script of a token, for tokenisers and n-gram sizes. */
export function isEthiopic(text: string): boolean {
  return /\p{Script=Ethiopic}/u.test(text);
}

/** A one-word synonym that is a function word of its language ("avec" in French) would match everything. */
export function isStopwordMember(member: string, lang: string): boolean {
  const w = words(normalise(member));
  return w.length === 1 && isStopword(w[0]!, [lang]);
}
