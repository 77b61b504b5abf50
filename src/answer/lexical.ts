import { type AnalysedDoc, type AnalysedQuery, isGroupToken } from './analyse.js';
import { charNgrams } from './text.js';

/** One indexed document: an entry in one language. */
export interface IndexDoc {
  pack: string;
  entry: string;
  lang: string;
  analysed: AnalysedDoc;
  /** Passage embedding, L2-normalised (only when an embedding model built the index). */
  vector?: Float32Array;
}

export interface Alternative {
  term: string;
  /** 1 for the word itself and its synonyms, the string similarity for a fuzzy match. */
  weight: number;
}

export interface EntryHit {
  pack: string;
  entry: string;
  /** Fused score, relative to this question's best (0..1]. */
  score: number;
  /** Index of the best-scoring document (language version) of the entry. */
  doc: number;
  /** Indices of every language version of the entry that matched. */
  docs: number[];
}

export interface SearchOutcome {
  hits: EntryHit[];
  /** 0..1: how much of the question (idf-weighted) the best entry covers; the basis of the confidence. */
  coverage: number;
  /** The covered information itself (sum of idf × match): a question of common words only has little. */
  matched: number;
  /** Raw token BM25 of the best entry (not normalised). */
  tokenScore: number;
  /** Query units with their alternatives (for explanations and summaries). */
  alternatives: Alternative[][];
}

export interface FusionWeights {
  tokens: number;
  grams: number;
  dense: number;
}

/** Lexical default (no model): tokens carry exact meaning, n-grams catch misspellings and word forms. */
export const LEXICAL_FUSION: FusionWeights = { tokens: 0.6, grams: 0.4, dense: 0 };
/** With an embedding model, dense similarity joins the fusion. */
export const DENSE_FUSION: FusionWeights = { tokens: 0.4, grams: 0.25, dense: 0.35 };

const K1 = 1.2;
const B = 0.75;
/** Body-only matches count this much of a title/tag/summary match in the coverage. */
const BODY_MATCH = 0.75;
/** A match only in another language version than the detected language counts this much. */
const CROSS_LANGUAGE_MATCH = 0.6;
/** Documents in the detected language get this much more in the ranking (ties between translations). */
const SAME_LANGUAGE_BOOST = 0.1;
const FUZZY_CACHE_MAX = 20_000;

interface Postings {
  docs: number[];
  tfs: number[];
}

function addPosting(map: Map<string, Postings>, key: string, doc: number, tf: number): void {
  let p = map.get(key);
  if (!p) {
    p = { docs: [], tfs: [] };
    map.set(key, p);
  }
  p.docs.push(doc);
  p.tfs.push(tf);
}

/** Optimal string alignment distance (Damerau: a transposition costs 1), bounded. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1);
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    for (let j = 0; j <= b.length; j++) prev2[j] = prev[j]!;
    prev = cur;
    if (rowMin > max) return max + 1;
  }
  return prev[b.length]!;
}

const maxEditsFor = (len: number) => (len <= 3 ? 0 : len <= 5 ? 1 : len <= 9 ? 2 : 3);

/**
 * BM25 over normalised tokens and synonym groups, fused with BM25 over character 3–4-grams (and cosine over
 * passage embeddings when present); per-question scores are normalised by their maximum before fusion, and an
 * entry scores as its best language version.
 */
export class LexicalIndex {
  readonly docs: IndexDoc[];
  private readonly terms = new Map<string, Postings>();
  private readonly grams = new Map<string, Postings>();
  private readonly bigramVocab = new Map<string, string[]>();
  private readonly vocabulary: string[];
  private readonly avgLength: number;
  private readonly avgGramLength: number;
  private readonly fuzzyCache = new Map<string, Alternative[]>();
  readonly maxIdf: number;

  constructor(docs: IndexDoc[]) {
    this.docs = docs;
    let len = 0;
    let glen = 0;
    docs.forEach((d, i) => {
      for (const [t, tf] of d.analysed.terms) addPosting(this.terms, t, i, tf);
      for (const [g, tf] of d.analysed.grams) addPosting(this.grams, g, i, tf);
      len += d.analysed.length;
      glen += d.analysed.gramLength;
    });
    this.avgLength = len / Math.max(1, docs.length);
    this.avgGramLength = glen / Math.max(1, docs.length);
    this.vocabulary = [...this.terms.keys()].filter((t) => !isGroupToken(t));
    for (const t of this.vocabulary) {
      for (const bg of new Set(charNgrams(t, [2]))) {
        const list = this.bigramVocab.get(bg) ?? [];
        list.push(t);
        this.bigramVocab.set(bg, list);
      }
    }
    this.maxIdf = this.idfOf(1);
  }

  get size(): number {
    return this.docs.length;
  }

  hasTerm(t: string): boolean {
    return this.terms.has(t);
  }

  private idfOf(df: number): number {
    const n = this.docs.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  idf(term: string): number {
    const df = this.terms.get(term)?.docs.length ?? 0;
    return df === 0 ? 0 : this.idfOf(df);
  }

  /** Vocabulary words within a few edits of `token` (or that it abbreviates), best first. */
  fuzzy(token: string): Alternative[] {
    const cached = this.fuzzyCache.get(token);
    if (cached) return cached;
    const out: Alternative[] = [];
    if (token.length >= 4 && !/^\d+$/.test(token)) {
      const maxEdits = maxEditsFor(token.length);
      const grams = new Set(charNgrams(token, [2]));
      const shared = new Map<string, number>();
      for (const g of grams) for (const t of this.bigramVocab.get(g) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
      // Each edit destroys at most two bigrams.
      const need = Math.max(1, grams.size - 2 * maxEdits);
      for (const [t, n] of shared) {
        if (t === token) continue;
        let sim = 0;
        if (t.length >= token.length + 2 && t.startsWith(token)) sim = 0.6 + 0.3 * (token.length / t.length);
        if (n >= need && maxEdits > 0) {
          const d = editDistance(token, t, maxEdits);
          if (d <= maxEdits) sim = Math.max(sim, 1 - d / Math.max(token.length, t.length));
        }
        if (sim >= 0.6) out.push({ term: t, weight: sim });
      }
      out.sort((a, b) => b.weight - a.weight || this.idf(b.term) - this.idf(a.term));
      out.splice(4);
    }
    if (this.fuzzyCache.size >= FUZZY_CACHE_MAX) this.fuzzyCache.clear();
    this.fuzzyCache.set(token, out);
    return out;
  }

  /** What each query unit may match: itself, its synonym groups, and near spellings when it is unknown. */
  alternatives(q: AnalysedQuery): Alternative[][] {
    return q.units.map((u) => {
      const alts: Alternative[] = [];
      if (this.terms.has(u.token)) alts.push({ term: u.token, weight: 1 });
      for (const g of u.groups) if (this.terms.has(g)) alts.push({ term: g, weight: 1 });
      if (alts.length === 0) alts.push(...this.fuzzy(u.token));
      return alts;
    });
  }

  search(
    q: AnalysedQuery,
    opts: { limit?: number; queryVector?: Float32Array; fusion?: FusionWeights; preferLang?: string } = {},
  ): SearchOutcome {
    const n = this.docs.length;
    const alternatives = this.alternatives(q);
    const tokenScores = new Float64Array(n);
    const best = new Float64Array(n);
    const touched: number[] = [];
    for (const alts of alternatives) {
      touched.length = 0;
      for (const a of alts) {
        const p = this.terms.get(a.term);
        if (!p) continue;
        const idf = this.idfOf(p.docs.length) * a.weight;
        for (let i = 0; i < p.docs.length; i++) {
          const d = p.docs[i]!;
          const tf = p.tfs[i]!;
          const s = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.docs[d]!.analysed.length) / this.avgLength));
          if (best[d] === 0) touched.push(d);
          if (s > best[d]!) best[d] = s;
        }
      }
      for (const d of touched) {
        tokenScores[d]! += best[d]!;
        best[d] = 0;
      }
    }
    const gramScores = new Float64Array(n);
    for (const g of q.grams.keys()) {
      const p = this.grams.get(g);
      if (!p) continue;
      const idf = this.idfOf(p.docs.length);
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i]!;
        const tf = p.tfs[i]!;
        gramScores[d]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.docs[d]!.analysed.gramLength) / this.avgGramLength));
      }
    }
    const fusion = opts.fusion ?? (opts.queryVector ? DENSE_FUSION : LEXICAL_FUSION);
    const dense = new Float64Array(n);
    if (opts.queryVector && fusion.dense > 0) {
      for (let d = 0; d < n; d++) {
        const v = this.docs[d]!.vector;
        if (v) dense[d] = Math.max(0, dot(v, opts.queryVector));
      }
    }
    const maxT = max(tokenScores);
    const maxG = max(gramScores);
    const maxD = max(dense);
    const byEntry = new Map<string, EntryHit>();
    for (let d = 0; d < n; d++) {
      if (tokenScores[d] === 0 && gramScores[d] === 0) continue;
      const doc = this.docs[d]!;
      const fused =
        ((maxT > 0 ? (fusion.tokens * tokenScores[d]!) / maxT : 0) +
          (maxG > 0 ? (fusion.grams * gramScores[d]!) / maxG : 0) +
          (maxD > 0 ? (fusion.dense * dense[d]!) / maxD : 0)) *
        (opts.preferLang && doc.lang === opts.preferLang ? 1 + SAME_LANGUAGE_BOOST : 1);
      const key = `${doc.pack}\0${doc.entry}`;
      const hit = byEntry.get(key);
      if (!hit) byEntry.set(key, { pack: doc.pack, entry: doc.entry, score: fused, doc: d, docs: [d] });
      else {
        hit.docs.push(d);
        if (fused > hit.score) {
          hit.score = fused;
          hit.doc = d;
        }
      }
    }
    const hits = [...byEntry.values()].sort((a, b) => b.score - a.score);
    const top = hits[0];
    const cov = top ? this.coverage(alternatives, q, top.docs, opts.preferLang) : { coverage: 0, matched: 0 };
    let tokenScore = 0;
    if (top) for (const d of top.docs) tokenScore = Math.max(tokenScore, tokenScores[d]!);
    const limit = opts.limit ?? 10;
    const total = hits[0]?.score ?? 1;
    for (const h of hits) h.score = h.score / total;
    return { hits: hits.slice(0, limit), coverage: cov.coverage, matched: cov.matched, tokenScore, alternatives };
  }

  /**
   * Share of the question's information (idf-weighted units) found in an entry (any of its language
   * versions): a unit counts fully when its word or a synonym is in a title, tag or summary, less in the
   * body only, by similarity for a near spelling, and partly when a long stretch of it is inside an entry
   * word (Swahili verb forms: "amezaliwa" ~ "kuzaliwa"). Matches only in another language than a confidently
   * detected one count less ("capital" in a French entry is not the English "capital"). Unknown words weigh
   * like rare ones: a question about something the packs never mention stays uncovered.
   */
  coverage(alternatives: Alternative[][], q: AnalysedQuery, docIdx: number[], preferLang?: string): { coverage: number; matched: number } {
    let total = 0;
    let got = 0;
    alternatives.forEach((alts, i) => {
      const token = q.units[i]!.token;
      let weight = 0;
      for (const a of alts) if (a.weight === 1) weight = Math.max(weight, this.idf(a.term));
      if (weight === 0) weight = this.maxIdf * (token.length >= 3 ? 0.8 : 0.4);
      let match = 0;
      for (const d of docIdx) {
        const doc = this.docs[d]!;
        const langFactor = preferLang && doc.lang !== preferLang ? CROSS_LANGUAGE_MATCH : 1;
        for (const a of alts) {
          if (!doc.analysed.terms.has(a.term)) continue;
          const credit = a.weight === 1 ? 1 : fuzzyCredit(a.weight);
          match = Math.max(match, credit * langFactor * (doc.analysed.strong.has(a.term) ? 1 : BODY_MATCH));
        }
        if (match === 0 && !alts.some((a) => a.weight === 1) && token.length >= 6) {
          match = Math.max(match, langFactor * this.partialMatch(token, doc.analysed));
        }
      }
      total += weight;
      got += weight * match;
    });
    return { coverage: total === 0 ? 0 : got / total, matched: got };
  }

  /** Credit for an unknown word sharing a long stretch (≥ 5 letters, most of the word) with an entry word. */
  private partialMatch(token: string, doc: AnalysedDoc): number {
    let best = 0;
    for (const t of doc.terms.keys()) {
      if (t.length < 5 || isGroupToken(t)) continue;
      const l = longestCommonSubstring(token, t);
      if (l >= 5 && l / token.length >= 0.6) {
        best = Math.max(best, 0.8 * (l / token.length) * (doc.strong.has(t) ? 1 : BODY_MATCH));
      }
    }
    return best;
  }
}

/** A near spelling is weaker evidence than the word itself: similarity 0.75 → 0.5, 0.9 → 0.8. */
function fuzzyCredit(similarity: number): number {
  return Math.max(0, Math.min(1, (similarity - 0.5) * 2));
}

export function longestCommonSubstring(a: string, b: string): number {
  let best = 0;
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : 0;
      if (row[j]! > best) best = row[j]!;
      diag = tmp;
    }
  }
  return best;
}

function max(a: Float64Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) s += a[i]! * b[i]!;
  return s;
}
