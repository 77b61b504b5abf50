import { type AnalysedDoc, type AnalysedQuery, isGroupToken, ngramSizes } from './analyse.js';
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
const PAIR_WEIGHT = 0.3;

/** Body-only matches count this much of a title/tag/summary match in the coverage. */
const BODY_MATCH = 0.75;
/** A match only in another language version than the detected language counts this much. */
const CROSS_LANGUAGE_MATCH = 0.6;
/** Documents in the detected language get this much more in the ranking (ties between translations). */
const SAME_LANGUAGE_BOOST = 0.1;
const FUZZY_CACHE_MAX = 20_000;

/**
 * Postings of every term: documents containing it, with its weighted frequency and the body part of it
 * (BM25F). All lists live in three flat typed arrays (list i spans start[i]..start[i+1]): tens of thousands
 * of small arrays would cost more in object headers than in data, and lengthen every GC pause.
 */
class PostingsTable {
  readonly ids = new Map<string, number>();
  start = new Int32Array(1);
  docs = new Int32Array(0);
  tfs = new Float32Array(0);
  body = new Float32Array(0);
  title = new Float32Array(0);

  has(key: string): boolean {
    return this.ids.has(key);
  }

  df(key: string): number {
    const i = this.ids.get(key);
    return i === undefined ? 0 : this.start[i + 1]! - this.start[i]!;
  }

  keys(): IterableIterator<string> {
    return this.ids.keys();
  }
}

/** Gathers postings in plain arrays, then packs them into a PostingsTable. */
class PostingsBuilder {
  private readonly lists = new Map<string, number[]>();

  add(key: string, doc: number, tf: number, body: number, title = 0): void {
    let l = this.lists.get(key);
    if (!l) {
      l = [];
      this.lists.set(key, l);
    }
    l.push(doc, tf, body, title);
  }

  freeze(): PostingsTable {
    const table = freezePostings(this.lists.entries(), this.lists.size);
    this.lists.clear();
    return table;
  }
}

/** Packs posting lists (doc, tf, body, title repeated) into the flat arrays of a PostingsTable. */
function freezePostings(lists: Iterable<[string, number[]]>, count: number): PostingsTable {
  const table = new PostingsTable();
  const all = [...lists];
  let total = 0;
  for (const [, l] of all) total += l.length / 4;
  table.start = new Int32Array(count + 1);
  table.docs = new Int32Array(total);
  table.tfs = new Float32Array(total);
  table.body = new Float32Array(total);
  table.title = new Float32Array(total);
  let at = 0;
  let id = 0;
  for (const [key, l] of all) {
    table.ids.set(key, id);
    table.start[id] = at;
    for (let i = 0; i < l.length; i += 4) {
      table.docs[at] = l[i]!;
      table.tfs[at] = l[i + 1]!;
      table.body[at] = l[i + 2]!;
      table.title[at] = l[i + 3]!;
      at++;
    }
    id++;
  }
  table.start[id] = at;
  return table;
}

/**
 * The character n-gram postings of every document. Gram strings are interned to ids once and a word's grams
 * are cut once for all the documents it is in; per-document counts go to typed arrays. (Maps keyed by gram
 * string per document made this most of the index build time.)
 */
class GramPostingsBuilder {
  private readonly ids = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly lists: number[][] = [];
  private readonly ofWord = new Map<string, Int32Array>();
  private all = new Float64Array(4096);
  private inBody = new Float64Array(4096);

  private gramsOf(word: string): Int32Array {
    let grams = this.ofWord.get(word);
    if (grams) return grams;
    grams = Int32Array.from(charNgrams(word, ngramSizes(word)), (g) => {
      let id = this.ids.get(g);
      if (id === undefined) {
        id = this.keys.length;
        this.ids.set(g, id);
        this.keys.push(g);
        this.lists.push([]);
      }
      return id;
    });
    this.ofWord.set(word, grams);
    if (this.keys.length > this.all.length) {
      const size = Math.max(this.all.length * 2, this.keys.length);
      const all = new Float64Array(size);
      all.set(this.all);
      this.all = all;
      const inBody = new Float64Array(size);
      inBody.set(this.inBody);
      this.inBody = inBody;
    }
    return grams;
  }

  /** Adds document `i` (in increasing order); returns its gram lengths in strong fields and body. */
  add(doc: AnalysedDoc, i: number): { strong: number; body: number } {
    const touched: number[] = [];
    let strong = 0;
    let body = 0;
    for (const [t, tf] of doc.terms) {
      if (isGroupToken(t)) continue;
      const b = doc.body.get(t) ?? 0;
      const grams = this.gramsOf(t);
      for (let k = 0; k < grams.length; k++) {
        const id = grams[k]!;
        if (this.all[id] === 0) touched.push(id);
        this.all[id]! += tf;
        this.inBody[id]! += b;
      }
      strong += (tf - b) * grams.length;
      body += b * grams.length;
    }
    for (const id of touched) {
      this.lists[id]!.push(i, this.all[id]!, this.inBody[id]!, 0);
      this.all[id] = 0;
      this.inBody[id] = 0;
    }
    return { strong, body };
  }

  freeze(): PostingsTable {
    return freezePostings(
      this.keys.map((k, id) => [k, this.lists[id]!] as [string, number[]]),
      this.keys.length,
    );
  }
}

/** Scratch rows for `editDistance` (grown on demand): it runs for hundreds of candidates per unknown word. */
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/** Optimal string alignment distance (Damerau: a transposition costs 1), bounded. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const w = b.length + 1;
  if (rowA.length < w) {
    rowA = new Int32Array(w * 2);
    rowB = new Int32Array(w * 2);
    rowC = new Int32Array(w * 2);
  }
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j < w; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j < w; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

const maxEditsFor = (len: number) => (len <= 3 ? 0 : len <= 5 ? 1 : len <= 9 ? 2 : 3);

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
  /** Character bigram → ids (into `vocabulary`) of the words containing it: candidates for near spellings. */
  private readonly bigramVocab = new Map<string, Int32Array>();
  private readonly vocabulary: string[];
  /** Scratch counters for `fuzzy` (one per vocabulary word), zeroed after each use. */
  private readonly sharedCount: Int32Array;
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
  private readonly fuzzyCache = new Map<string, Alternative[]>();
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
    this.strongGramNorm = Float64Array.from(gramLengths, (g) => 1 / (1 - B + (B * g.strong) / avgSg));
    this.bodyGramNorm = Float64Array.from(gramLengths, (g) => 1 / (1 - B + (B * g.body) / avgBg));
    const restLen = (d: IndexDoc) => d.analysed.strongLength - d.analysed.titleLength;
    const avgRest = docs.reduce((a, d) => a + restLen(d), 0) / n || 1;
    const avgTitle = docs.reduce((a, d) => a + d.analysed.titleLength, 0) / n || 1;
    this.strongNorm = Float64Array.from(docs, (d) => 1 / (1 - B + (B * restLen(d)) / avgRest));
    this.titleNorm = Float64Array.from(docs, (d) => 1 / (1 - B + (B * d.analysed.titleLength) / avgTitle));
    this.bodyNorm = Float64Array.from(docs, (d) => 1 / (1 - B + (B * d.analysed.bodyLength) / this.avgBodyLength));
    this.vocabulary = [...this.terms.keys()].filter((t) => !isGroupToken(t));
    const lists = new Map<string, number[]>();
    this.vocabulary.forEach((t, id) => {
      for (const bg of new Set(charNgrams(t, [2]))) {
        const list = lists.get(bg);
        if (list) list.push(id);
        else lists.set(bg, [id]);
      }
    });
    for (const [bg, list] of lists) this.bigramVocab.set(bg, Int32Array.from(list));
    this.sharedCount = new Int32Array(this.vocabulary.length);

    this.maxIdf = this.idfOf(1);
  }

  /** Forget cached near-spelling lookups (benchmarks measure cold lookups). */
  clearCaches(): void {
    this.fuzzyCache.clear();
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

  /** Vocabulary words within a few edits of `token` (or that it abbreviates), best first. */
  fuzzy(token: string): Alternative[] {
    const cached = this.fuzzyCache.get(token);
    if (cached) return cached;
    const out: Alternative[] = [];
    if (token.length >= 4 && !/^\d+$/.test(token)) {
      const maxEdits = maxEditsFor(token.length);
      const grams = new Set(charNgrams(token, [2]));
      // Counting shared bigrams in a typed array: this loop visits thousands of words for a common bigram.
      const shared = this.sharedCount;
      const touched: number[] = [];
      for (const g of grams) {
        const list = this.bigramVocab.get(g);
        if (!list) continue;
        for (let k = 0; k < list.length; k++) {
          const id = list[k]!;
          if (shared[id] === 0) touched.push(id);
          shared[id]!++;
        }
      }
      // Each edit destroys at most two bigrams; a word the token abbreviates shares all of them.
      const need = Math.max(1, grams.size - 2 * maxEdits);
      for (const id of touched) {
        const n = shared[id]!;
        shared[id] = 0;
        if (n < need) continue;
        const t = this.vocabulary[id]!;
        if (t === token) continue;
        let sim = 0;
        if (n >= grams.size && t.length >= token.length + 2 && t.startsWith(token))
          sim = 0.6 + 0.3 * (token.length / t.length);
        if (maxEdits > 0 && Math.abs(t.length - token.length) <= maxEdits) {
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
      // Near spellings only for words the packs never use: for known words they mostly add other words
      // (measured on src/knowledge/answer/testdata/dev.jsonl: Recall@1 0.944 without, 0.900–0.922 with, at any weight).
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
    // src/knowledge/answer/testdata/dev.jsonl, code-mixed questions included: Recall@1 0.920 vs 0.930.
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
          const s = (idf * tf * (K1 + 1)) / (tf + K1);
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

/**
 * A near spelling is weaker evidence than the word itself: similarity 0.75 → 0.5, 0.9 → 0.8. For a word of
 * five letters or fewer, one edit often makes another word ("mtamu" sweet / "mtama" sorghum, "wali" rice /
 * "walio"): half that. Measured on tune.jsonl + dev.jsonl + calibration.jsonl: off-topic questions answered
 * 6 → 4 of 32, right answers held back 19 → 20 of 306.
 */
function fuzzyCredit(similarity: number, wordLength: number): number {
  const credit = Math.max(0, Math.min(1, (similarity - 0.5) * 2));
  return wordLength <= 5 ? credit / 2 : credit;
}

export function longestCommonSubstring(a: string, b: string): number {
  let best = 0;
  const row = new Int32Array(b.length + 1);
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

/**
 * Term frequency → score for strong fields and body. BM25F: length-normalise each field, add, saturate once
 * (measured on src/knowledge/answer/testdata/dev.jsonl against one bag of words, and against MiniSearch's sum of
 * per-field BM25: Recall@1 0.944 vs 0.933 and 0.911).
 */
function fieldScore(strongTf: number, strongNorm: number, bodyTf: number, bodyNorm: number): number {
  const tf = strongTf * strongNorm + bodyTf * bodyNorm;
  return (tf * (K1 + 1)) / (tf + K1);
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
