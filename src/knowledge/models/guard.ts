/**
 * Checks on generated text before it may replace the extractive answer. Pure, so the rules are tested
 * without a model. A small model that rephrases may invent a dose, a price or a crop; the guard refuses any
 * number or content word that the retrieved passage (or the user's own question) does not contain.
 */

/** Function words long enough to pass the length filter, per language we write prompts for. */
const STOPWORDS = new Set(
  [
    // en
    'about after also because been before being both could does doing each from have having here into just ' +
      'like make more most much must only other over should some such than that them then there these they this ' +
      'those very want were what when where which while will with would your yours their there answer',
    // sw
    'ambao ambayo ambazo ambalo ambapo baada bila hadi hata hivyo hiyo huyo ikiwa kabla kama katika kila kisha ' +
      'kuhusu kutoka lakini mara pamoja sana tena wakati yako yake yangu zaidi hii hizi huo jibu',
    // fr
    'alors aussi avant avec avez avoir cela celle celles celui cette ceux chaque comme dans depuis donc elle ' +
      'elles encore entre est être fait leur leurs mais même nous notre pour plus sans selon sont sous votre vous ' +
      'très réponse',
  ]
    .join(' ')
    .split(/\s+/)
    .map(fold),
);

/** Lower case, no diacritics: "Mbolea", "mbolea" and "réponse"/"reponse" compare equal. */
function fold(word: string): string {
  return word
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Word-like tokens: letters (any script) with inner apostrophes/hyphens, or numbers with separators. */
function tokens(text: string): string[] {
  return fold(text).match(/\p{N}+(?:[.,:/-]\p{N}+)*|\p{L}+(?:['’-]\p{L}+)*/gu) ?? [];
}

const isNumber = (t: string) => /^\p{N}/u.test(t);

/** Numbers as digit runs, so "45-50" in the passage supports "45" and "50" in the output. */
function numberParts(t: string): string[] {
  return t.match(/\p{N}+/gu) ?? [];
}

const STEM = 5;

/**
 * Words and numbers in `output` that the sources do not support. A content word is supported when it
 * appears in a source, or shares its first five letters with a source word ("planting" ~ "plant",
 * "mbegu" ~ "mbegu,"). Short words (under four letters) and function words are not checked.
 */
export function unsupportedTerms(output: string, sources: { passage: string; question?: string }): string[] {
  const passageTokens = tokens(sources.passage);
  const questionTokens = tokens(sources.question ?? '');
  const numbers = new Set(passageTokens.filter(isNumber).flatMap(numberParts));
  const words = new Set([...passageTokens, ...questionTokens].filter((t) => !isNumber(t)));
  const stems = new Set([...words].filter((w) => w.length >= STEM).map((w) => w.slice(0, STEM)));
  const problems: string[] = [];
  for (const t of tokens(output)) {
    if (isNumber(t)) {
      // numbers must come from the passage itself, never from the question
      for (const part of numberParts(t)) if (!numbers.has(part)) problems.push(part);
      continue;
    }
    if (t.length < 4 || STOPWORDS.has(t) || words.has(t)) continue;
    if (t.length >= STEM && stems.has(t.slice(0, STEM))) continue;
    problems.push(t);
  }
  return [...new Set(problems)];
}

export type GuardVerdict = { ok: true; text: string } | { ok: false; reason: string };

/** Labels a model may echo from the prompt before its answer. */
const LEADING_LABEL = /^\s*(?:answer|jibu|réponse|reponse)\s*:\s*/iu;

/** First paragraph of the model's output, without an echoed label, quotes or runs of whitespace. */
export function cleanGenerated(raw: string): string {
  const first = raw.trim().split(/\n\s*\n/)[0] ?? '';
  return first
    .replace(LEADING_LABEL, '')
    .replace(/\s+/g, ' ')
    .replace(/^["'“”«»\s]+|["'“”«»\s]+$/gu, '')
    .trim();
}

/** Accepts generated text only when it is non-empty, within maxChars, and faithful to the passage. */
export function checkGenerated(
  raw: string,
  input: { passage: string; question?: string; maxChars: number },
): GuardVerdict {
  const text = cleanGenerated(raw);
  if (text === '' || !/[\p{L}\p{N}]/u.test(text)) return { ok: false, reason: 'empty output' };
  if (text.length > input.maxChars) {
    return { ok: false, reason: `output has ${text.length} characters, budget is ${input.maxChars}` };
  }
  const unsupported = unsupportedTerms(text, input);
  if (unsupported.length > 0) {
    return { ok: false, reason: `output adds terms not in the passage: ${unsupported.slice(0, 5).join(', ')}` };
  }
  return { ok: true, text };
}
