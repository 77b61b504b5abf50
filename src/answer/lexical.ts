import { type AnalysedDoc, type AnalysedQuery, isGroupToken } from './analyse.js';
import { type Alternative, NearSpellings } from './near-spelling.js';
import { GramPostingsBuilder, PostingsBuilder, type PostingsTable } from './postings.js';
import {
  BODY_MATCH,
  CROSS_LANGUAGE_MATCH,
  DENSE_FUSION,
  dot,
  type FusionWeights,
  fieldScore,
  fuzzyCredit,
  LEXICAL_FUSION,
  lengthNorm,
  longestCommonSubstring,
  max,
  PAIR_WEIGHT,
  SAME_LANGUAGE_BOOST,
  saturate,
} from './scoring.js';

export type { Alternative } from './near-spelling.js';
export { editDistance } from './near-spelling.js';
export { DENSE_FUSION, type FusionWeights, LEXICAL_FUSION } from './scoring.js';

/** One indexed document: an entry in one language. */
export interface IndexDoc {
  pack: string;
  entry: string;
  lang: string;
  analysed: AnalysedDoc;
  /** Passage embedding, L2-normalised (only when an embedding model built the index). */
  vector?: Float32Array;
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
  /**
   * The covered information itself: sum of idf × match, in units of the rarest word's idf (so it does not
   * grow with the collection): a question of common words only has little.
   */
  matched: number;
  /** Raw token BM25 of the best entry (not normalised). */
  tokenScore: number;
  /** Query units with their alternatives (for explanations and summaries). */
  alternatives: Alternative[][];
}

/**
 * BM25 over normalised tokens, synonym groups and adjacent word pairs of the strong fields, fused with BM25 over
 * character 3–4-grams (and cosine over
 * passage embeddings when present); per-question scores are normalised by their maximum before fusion, and an
 * entry scores as its best language version.
 */
export class LexicalIndex {
  readonly docs: IndexDoc[];
  private readonly terms: PostingsTable;
  private readonly grams: PostingsTable;
  /** Near spellings of the indexed words (not of group or pair tokens). */
  private readonly near: NearSpellings;
  private readonly avgBodyLength: number;
  private readonly strongGramNorm: Float64Array;
  private readonly bodyGramNorm: Float64Array;
  /** Per document: 1 / (1 - b + b · len / avglen) for strong fields and body (BM25F). */
  private readonly strongNorm: Float64Array;
  private readonly titleNorm: Float64Array;
  /** Document → entry number; entry number → [pack, entry id] and its documents (language versions). */
  private readonly entryOf: Int32Array;
  private readonly entryKeys: [string, string][] = [];
  private readonly docsOfEntry: number[][] = [];
  private readonly bodyNorm: Float64Array;
  readonly maxIdf: number;

  constructor(docs: IndexDoc[]) {
    this.docs = docs;
    const entryIndex = new Map<string, number>();
    this.entryOf = Int32Array.from(docs, (d, i) => {
      const key = `${d.pack}\0${d.entry}`;
      let e = entryIndex.get(key);
      if (e === undefined) {
        e = this.entryKeys.length;
        entryIndex.set(key, e);
        this.entryKeys.push([d.pack, d.entry]);
        this.docsOfEntry.push([]);
      }
      this.docsOfEntry[e]!.push(i);
      return e;
    });
    let blen = 0;
    const terms = new PostingsBuilder();
    const grams = new GramPostingsBuilder();
    const gramLengths = docs.map((d, i) => {
      for (const [t, tf] of d.analysed.terms)
        terms.add(t, i, tf, d.analysed.body.get(t) ?? 0, d.analysed.title.get(t) ?? 0);
      blen += d.analysed.bodyLength;
      return grams.add(d.analysed, i);
    });
    this.terms = terms.freeze();
    this.grams = grams.freeze();
    const n = Math.max(1, docs.length);
    this.avgBodyLength = blen / n || 1;
    const avgSg = gramLengths.reduce((a, g) => a + g.strong, 0) / n || 1;
    const avgBg = gramLengths.reduce((a, g) => a + g.body, 0) / n || 1;
    this.strongGramNorm = Float64Array.from(gramLengths, (g) => lengthNorm(g.strong, avgSg));
    this.bodyGramNorm = Float64Array.from(gramLengths, (g) => lengthNorm(g.body, avgBg));
    const restLen = (d: IndexDoc) => d.analysed.strongLength - d.analysed.titleLength;
    const avgRest = docs.reduce((a, d) => a + restLen(d), 0) / n || 1;
    const avgTitle = docs.reduce((a, d) => a + d.analysed.titleLength, 0) / n || 1;
    this.strongNorm = Float64Array.from(docs, (d) => lengthNorm(restLen(d), avgRest));
    this.titleNorm = Float64Array.from(docs, (d) => lengthNorm(d.analysed.titleLength, avgTitle));
    this.bodyNorm = Float64Array.from(docs, (d) => lengthNorm(d.analysed.bodyLength, this.avgBodyLength));
    this.near = new NearSpellings(
      [...this.terms.keys()].filter((t) => !isGroupToken(t)),
      (t) => this.idf(t),
    );
    this.maxIdf = this.idfOf(1);
  }

  /** Forget cached near-spelling lookups (benchmarks measure cold lookups). */
  clearCaches(): void {
    this.near.clear();
  }

  /** Vocabulary words within a few edits of `token` (or that it abbreviates), best first. */
  fuzzy(token: string): Alternative[] {
    return this.near.find(token);
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
    const df = this.terms.df(term);
    return df === 0 ? 0 : this.idfOf(df);
  }

  /** What each query unit may match: itself, its synonym groups, and near spellings when it is unknown. */
  alternatives(q: AnalysedQuery): Alternative[][] {
    return q.units.map((u) => {
      const alts: Alternative[] = [];
      if (this.terms.has(u.token)) alts.push({ term: u.token, weight: 1 });
      for (const g of u.groups) if (this.terms.has(g)) alts.push({ term: g, weight: 1 });
      // Near spellings only for words the packs never use: for known words they mostly add other words
      // (measured on src/answer/testdata/dev.jsonl: Recall@1 0.944 without, 0.900–0.922 with, at any weight).
      if (alts.length === 0) alts.push(...this.fuzzy(u.token));
      return alts;
    });
  }

  search(
    q: AnalysedQuery,
    opts: { limit?: number; queryVector?: Float32Array; fusion?: FusionWeights; preferLang?: string } = {},
  ): SearchOutcome {
    const n = this.docs.length;
    const ne = this.entryKeys.length;
    const boost = (d: number) =>
      opts.preferLang && this.docs[d]!.lang === opts.preferLang ? 1 + SAME_LANGUAGE_BOOST : 1;
    const alternatives = this.alternatives(q);
    // A question unit scores a document by its best alternative (word, synonym or near spelling); an entry
    // scores as its best language version. Adding a unit's best over the versions instead (so a code-mixed
    // question gathers Swahili and English evidence on one entry) measured worse on
    // src/answer/testdata/dev.jsonl, code-mixed questions included: Recall@1 0.920 vs 0.930.
    const T = this.terms;
    const G = this.grams;
    const docTokens = new Float64Array(n);
    const best = new Float64Array(n);
    const touched: number[] = [];
    // Adjacent question words found next to each other in a title, tag or summary ("fonds d'urgence",
    // "gharama ya mkopo") add to the entry's token score, weighted less than the words themselves.
    const pairAlts = q.pairs.map((p) => p.map((term) => ({ term, weight: PAIR_WEIGHT })));
    for (const alts of [...alternatives, ...pairAlts]) {
      for (const a of alts) {
        const li = T.ids.get(a.term);
        if (li === undefined) continue;
        const from = T.start[li]!;
        const to = T.start[li + 1]!;
        const idf = this.idfOf(to - from) * a.weight;
        for (let i = from; i < to; i++) {
          const d = T.docs[i]!;
          const bodyTf = T.body[i]!;
          const titleTf = T.title[i]!;
          // BM25F over title, the other strong fields (tags, summary, topic) and body: each length-normalised
          // on its own, then one saturation.
          const tf =
            titleTf * this.titleNorm[d]! +
            (T.tfs[i]! - bodyTf - titleTf) * this.strongNorm[d]! +
            bodyTf * this.bodyNorm[d]!;
          const s = idf * saturate(tf);
          if (best[d] === 0) touched.push(d);
          if (s > best[d]!) best[d] = s;
        }
      }
      for (const d of touched) {
        docTokens[d]! += best[d]!;
        best[d] = 0;
      }
      touched.length = 0;
    }
    const docGrams = new Float64Array(n);
    for (const g of q.grams.keys()) {
      const li = G.ids.get(g);
      if (li === undefined) continue;
      const from = G.start[li]!;
      const to = G.start[li + 1]!;
      const idf = this.idfOf(to - from);
      for (let i = from; i < to; i++) {
        const d = G.docs[i]!;
        const bodyTf = G.body[i]!;
        docGrams[d]! += idf * fieldScore(G.tfs[i]! - bodyTf, this.strongGramNorm[d]!, bodyTf, this.bodyGramNorm[d]!);
      }
    }
    const entryTokens = new Float64Array(ne);
    const entryGrams = new Float64Array(ne);
    for (let d = 0; d < n; d++) {
      const e = this.entryOf[d]!;
      entryTokens[e] = Math.max(entryTokens[e]!, docTokens[d]! * boost(d));
      entryGrams[e] = Math.max(entryGrams[e]!, docGrams[d]! * boost(d));
    }
    const fusion = opts.fusion ?? (opts.queryVector ? DENSE_FUSION : LEXICAL_FUSION);
    const entryDense = new Float64Array(ne);
    if (opts.queryVector && fusion.dense > 0) {
      for (let d = 0; d < n; d++) {
        const v = this.docs[d]!.vector;
        if (!v) continue;
        const e = this.entryOf[d]!;
        entryDense[e] = Math.max(entryDense[e]!, Math.max(0, dot(v, opts.queryVector)) * boost(d));
      }
    }
    const maxT = max(entryTokens);
    const maxG = max(entryGrams);
    const maxD = max(entryDense);
    const hits: EntryHit[] = [];
    for (let e = 0; e < ne; e++) {
      if (entryTokens[e] === 0 && entryGrams[e] === 0) continue;
      const fused =
        (maxT > 0 ? (fusion.tokens * entryTokens[e]!) / maxT : 0) +
        (maxG > 0 ? (fusion.grams * entryGrams[e]!) / maxG : 0) +
        (maxD > 0 ? (fusion.dense * entryDense[e]!) / maxD : 0);
      const docs = this.docsOfEntry[e]!;
      // The language version that matched best on its own (for the preferred language, when it matched).
      let doc = docs[0]!;
      let docScore = -1;
      for (const d of docs) {
        const v = ((maxT > 0 ? docTokens[d]! / maxT : 0) + (maxG > 0 ? docGrams[d]! / maxG : 0)) * boost(d);
        if (v > docScore) {
          docScore = v;
          doc = d;
        }
      }
      const [pack, entry] = this.entryKeys[e]!;
      hits.push({ pack, entry, score: fused, doc, docs: [...docs] });
    }
    hits.sort((a, b) => b.score - a.score);
    const top = hits[0];
    const cov = top ? this.coverage(alternatives, q, top.docs, opts.preferLang) : { coverage: 0, matched: 0 };
    let tokenScore = 0;
    if (top) for (const d of top.docs) tokenScore = Math.max(tokenScore, docTokens[d]!);
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
  coverage(
    alternatives: Alternative[][],
    q: AnalysedQuery,
    docIdx: number[],
    preferLang?: string,
  ): { coverage: number; matched: number } {
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
          const credit = a.weight === 1 ? 1 : fuzzyCredit(a.weight, token.length);
          match = Math.max(match, credit * langFactor * (doc.analysed.strong.has(a.term) ? 1 : BODY_MATCH));
        }
        if (match === 0 && !alts.some((a) => a.weight === 1) && token.length >= 6) {
          match = Math.max(match, langFactor * this.partialMatch(token, doc.analysed));
        }
      }
      total += weight;
      got += weight * match;
    });
    return { coverage: total === 0 ? 0 : got / total, matched: this.maxIdf > 0 ? got / this.maxIdf : 0 };
  }

  /** Credit for an unknown word sharing a long stretch (≥ 5 letters, most of the word) with an entry word. */
  private partialMatch(token: string, doc: AnalysedDoc): number {
    let best = 0;
    // A common stretch of 5 letters contains one of these: a cheap native test before the quadratic one.
    const pieces: string[] = [];
    for (let i = 0; i + 5 <= token.length; i++) pieces.push(token.slice(i, i + 5));
    for (const t of doc.terms.keys()) {
      if (t.length < 5 || isGroupToken(t)) continue;
      if (!pieces.some((p) => t.includes(p))) continue;
      const l = longestCommonSubstring(token, t);
      if (l >= 5 && l / token.length >= 0.6) {
        best = Math.max(best, 0.8 * (l / token.length) * (doc.strong.has(t) ? 1 : BODY_MATCH));
      }
    }
    return best;
  }
}
