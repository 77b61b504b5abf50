/**
 * Scoring rules of the lexical index: BM25F constants, fusion weights and the credit a near spelling or a
 * partial word match earns. Pure functions and numbers, no index state.
 */

export interface FusionWeights {
  tokens: number;
  grams: number;
  dense: number;
}

/**
 * Lexical default (no model): tokens carry exact meaning, n-grams catch misspellings and word forms (and the
 * prefixes Swahili puts on its words: "kuripoti" ~ "niripoti"). The weights, the BM25 saturation K1 and
 * PAIR_WEIGHT were chosen together on src/knowledge/answer/testdata/tune.jsonl + dev.jsonl + calibration.jsonl (340
 * answerable questions written apart from the benchmark set) by a grid over K1 {0.9..4}, tokens {0.4..0.7},
 * pairs {0, 0.3, 0.6}: Recall@1 there went from 298 to 306 of 340 (tokens 0.6, K1 1.2, no pairs before; 308 with the later
 * own-language abbreviation rule in text.ts).
 */
export const LEXICAL_FUSION: FusionWeights = { tokens: 0.4, grams: 0.6, dense: 0 };
/** With an embedding model, dense similarity joins the fusion (not re-tuned: no real model to measure here). */
export const DENSE_FUSION: FusionWeights = { tokens: 0.4, grams: 0.25, dense: 0.35 };

/**
 * BM25 saturation. Higher than the usual 1.2: questions are a few words and entries short, so a word said
 * twice in a title and its tags is real evidence of what the entry is about.
 */
const K1 = 3;
const B = 0.75;
/** Weight of two adjacent question words found adjacent in a strong field, against one word's. */
export const PAIR_WEIGHT = 0.3;

/** A question word reaching an entry word through WordNet (wordnet.ts): weighted like a near spelling of this similarity. */
export const BRIDGE_WEIGHT = 0.8;

/** Body-only matches count this much of a title/tag/summary match in the coverage. */
export const BODY_MATCH = 0.75;
/**
 * An unknown Swahili word reaching an entry word of the same root ("nimekopa" ~ "kukopa"): weighted like a near
 * spelling of this similarity. Chosen on the tuning sets among 0.8, 0.9 and 1 (0.8 gained less; 1 cost off-topic
 * questions declined).
 */
export const ROOT_WEIGHT = 0.9;
/** A match only in another language version than the detected language counts this much. */
export const CROSS_LANGUAGE_MATCH = 0.6;
/** Documents in the detected language get this much more in the ranking (ties between translations). */
export const SAME_LANGUAGE_BOOST = 0.1;

/** BM25 length normalisation of one field: 1 / (1 - b + b · len / avglen). */
export function lengthNorm(length: number, average: number): number {
  return 1 / (1 - B + (B * length) / average);
}

/** BM25 saturation of a (length-normalised, field-weighted) term frequency. */
export function saturate(tf: number): number {
  return (tf * (K1 + 1)) / (tf + K1);
}

/**
 * Term frequency → score for strong fields and body. BM25F: length-normalise each field, add, saturate once
 * (measured on src/knowledge/answer/testdata/dev.jsonl against one bag of words, and against MiniSearch's sum of
 * per-field BM25: Recall@1 0.944 vs 0.933 and 0.911).
 */
export function fieldScore(strongTf: number, strongNorm: number, bodyTf: number, bodyNorm: number): number {
  return saturate(strongTf * strongNorm + bodyTf * bodyNorm);
}

/**
 * A near spelling is weaker evidence than the word itself: similarity 0.75 → 0.5, 0.9 → 0.8. For a word of
 * five letters or fewer, one edit often makes another word ("mtamu" sweet / "mtama" sorghum, "wali" rice /
 * "walio"): half that. Measured on tune.jsonl + dev.jsonl + calibration.jsonl: off-topic questions answered
 * 6 → 4 of 32, right answers held back 19 → 20 of 306.
 */
export function fuzzyCredit(similarity: number, wordLength: number): number {
  const credit = Math.max(0, Math.min(1, (similarity - 0.5) * 2));
  return wordLength <= 5 ? credit / 2 : credit;
}

let lcsRow = new Int32Array(64);

export function longestCommonSubstring(a: string, b: string): number {
  let best = 0;
  // One scratch row for every call (it runs for each candidate of each unknown word of a question).
  if (lcsRow.length < b.length + 1) lcsRow = new Int32Array(2 * (b.length + 1));
  const row = lcsRow;
  row.fill(0, 0, b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      const v = ai === b.charCodeAt(j - 1) ? diag + 1 : 0;
      row[j] = v;
      if (v > best) best = v;
      diag = tmp;
    }
  }
  return best;
}

export function max(a: Float64Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) s += a[i]! * b[i]!;
  return s;
}
