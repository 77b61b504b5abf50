import { snowballStem } from '../language/stemming.js';
import { swahiliRoots } from '../language/swahili.js';
import { prefixLength } from '../language/text.js';
import { type AnalysedDoc, type AnalysedQuery, isGroupToken, ngramSizes } from './analyse.js';
import { forEachGramId, GramIds, StampSet } from './gram-ids.js';
import { type Alternative, NearSpellings } from './near-spelling.js';
import { GramPostingsBuilder, PostingsBuilder, type PostingsTable } from './postings.js';
import {
  BODY_MATCH,
  BRIDGE_WEIGHT,
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
  ROOT_WEIGHT,
  SAME_LANGUAGE_BOOST,
  saturate,
} from './scoring.js';

export type { Alternative } from './near-spelling.js';

export type { FusionWeights } from './scoring.js';

/** One indexed document: an entry in one language. */
export interface IndexDoc {
  pack: string;
  entry: string;
  lang: string;
  analysed: AnalysedDoc;
  /** Passage embedding, L2-normalised (only when an embedding model built the index). */
  vector?: Float32Array;
  /** Out-of-scope requests this entry covers after all (scope.ts), e.g. "live-prices" for a market-prices entry. */
  intents?: string[];
  /** English vocabulary bridge (wordnet.ts): [question word, word of this document], both stemmed. */
  bridge?: [string, string][];
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
  /** For the best hit (and runners-up the decision measures): `coverage` and `matched` of this entry. */
  coverage?: number;
  matched?: number;
}

/** How one question unit matched an entry (LexicalIndex.unitMatches). */
export interface UnitMatch {
  token: string;
  /** Idf of the word in the pack, or that of a rare word when the pack does not know it. */
  weight: number;
  known: boolean;
  /** 0..1: full in a strong field, less in the body only, by similarity for a near spelling. */
  match: number;
  maxIdf: number;
}

/** Hits whose coverage search measures (the decision measures close runners-up itself). */
const EVIDENCE_HITS = 1;

/** Most entry words a question word's root may reach (more: the root is too common to say which is meant). */
const ROOT_MATCHES_MAX = 8;

/**
 * Languages whose unknown question words reach entry words of their Snowball family (familyMatches). Measured on
 * the tuning sets: French gains (right first +4, "I don't know" -1, wrong answers -2, off-topic declined +2);
 * English gains nothing over the light suffix rules and WordNet, so it is left out.
 */
const FAMILY_LANGUAGES = ['fr'];
/** A stem extending another counts from this many letters of the shorter one (4 and 5 alike but for two questions). */
const FAMILY_PREFIX = 4;

/** A document as the index keeps it: its term maps live on only in the postings (see docMatch). */
export type IndexedDoc = Omit<IndexDoc, 'analysed' | 'bridge'>;

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
  readonly docs: IndexedDoc[];
  private readonly terms: PostingsTable;
  private readonly grams: PostingsTable;
  /** Idf of each posting list (by list id), computed once. */
  private readonly termIdf: Float64Array;
  private readonly gramIdf: Float64Array;
  /** The indexed words (not group or pair tokens), and their near spellings. */
  private readonly words: string[];
  private readonly near: NearSpellings;
  private readonly partialCache = new Map<string, [string, number][]>();
  /** Out-of-scope requests some document covers (IndexDoc.intents). */
  private readonly intentsCovered: Set<string>;
  /** Question word unknown to the index → words of English entries WordNet relates it to (wordnet.ts). */
  private readonly bridge = new Map<string, string[]>();
  /** Words of Swahili documents (candidates for root matching, built on first use). */
  private readonly swahiliWords: string[];
  private swahiliRootIndex: Map<string, string[]> | undefined;
  private readonly rootCache = new Map<string, Alternative[]>();
  /** Words of documents per language with a Snowball stemmer (candidates for family matching). */
  private readonly stemmedWords = new Map<string, string[]>();
  private familyIndex: Map<string, { stems: Map<string, string[]>; sorted: string[] }> | undefined;
  private readonly familyCache = new Map<string, Alternative[]>();
  private readonly avgBodyLength: number;
  /** Per gram posting: idf × BM25F score of the gram in that document (see gramScores). */
  private readonly gramScore: Float32Array;
  /** Gram → posting list id (the gram table's own map is dropped: this one looks up windows of a word). */
  private readonly gramIds: GramIds;
  /** The gram lists one question has used (a gram counts once per question). */
  private readonly gramSeen: StampSet;
  /** Per document: 1 / (1 - b + b · len / avglen) for strong fields and body (BM25F). */
  private readonly strongNorm: Float64Array;
  private readonly titleNorm: Float64Array;
  private readonly questionsNorm: Float64Array;
  /** Pack id → its documents [lo, hi): packs are indexed one after the other. */
  private readonly packRanges = new Map<string, { lo: number; hi: number }>();
  /** Document → entry number; entry number → [pack, entry id] and its documents (language versions). */
  private readonly entryOf: Int32Array;
  private readonly entryKeys: [string, string][] = [];
  private readonly docsOfEntry: number[][] = [];
  private readonly bodyNorm: Float64Array;
  readonly maxIdf: number;
  /** Scratch arrays of `search` (per document and per entry), reused by every question. */
  private readonly scratch: Record<
    'docTokens' | 'best' | 'docGrams' | 'entryTokens' | 'entryGrams' | 'entryDense' | 'fused',
    Float64Array
  >;
  private readonly touched: number[] = [];
  private readonly matching: number[] = [];

  constructor(docs: IndexDoc[]) {
    // Each document's analysis is needed only to build the postings below; from then on the postings answer "is
    // this term in that document, and in a strong field?" (docMatch), so a worker that loaded its index does not
    // hold every document's terms twice.
    this.docs = docs.map(({ analysed: _, bridge: __, ...rest }) => rest);
    this.intentsCovered = new Set(docs.flatMap((d) => d.intents ?? []));
    docs.forEach((d, i) => {
      const r = this.packRanges.get(d.pack);
      if (!r) this.packRanges.set(d.pack, { lo: i, hi: i + 1 });
      else if (r.hi === i) r.hi = i + 1;
      else throw new Error(`documents of pack ${d.pack} must be contiguous`);
    });
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
        terms.add(
          t,
          i,
          tf,
          d.analysed.body.get(t) ?? 0,
          d.analysed.title.get(t) ?? 0,
          d.analysed.questions.get(t) ?? 0,
        );
      blen += d.analysed.bodyLength;
      return grams.add(d.analysed, i);
    });
    this.terms = terms.freeze();
    this.grams = grams.freeze();
    const idfs = (t: PostingsTable) =>
      Float64Array.from({ length: t.ids.size }, (_, i) => this.idfOf(t.start[i + 1]! - t.start[i]!, docs.length));
    this.termIdf = idfs(this.terms);
    this.gramIdf = idfs(this.grams);
    const n = Math.max(1, docs.length);
    this.avgBodyLength = blen / n || 1;
    const avgSg = gramLengths.reduce((a, g) => a + g.strong, 0) / n || 1;
    const avgBg = gramLengths.reduce((a, g) => a + g.body, 0) / n || 1;
    const strongGramNorm = Float64Array.from(gramLengths, (g) => lengthNorm(g.strong, avgSg));
    const bodyGramNorm = Float64Array.from(gramLengths, (g) => lengthNorm(g.body, avgBg));
    // A gram's score in a document depends on nothing the question brings (its count in the question is not
    // used): computed here once per posting, search adds it up. Measured: a third of the time of a search on one
    // pack went to this arithmetic; the gram table keeps one number per posting instead of four.
    this.gramScore = gramScores(this.grams, this.gramIdf, strongGramNorm, bodyGramNorm);
    this.gramIds = new GramIds([...this.grams.ids.keys()]);
    this.grams.ids.clear();
    this.gramSeen = new StampSet(this.gramIdf.length);
    const restLen = (d: IndexDoc) => d.analysed.strongLength - d.analysed.titleLength - d.analysed.questionsLength;
    const avgRest = docs.reduce((a, d) => a + restLen(d), 0) / n || 1;
    const avgTitle = docs.reduce((a, d) => a + d.analysed.titleLength, 0) / n || 1;
    // Averaged over the documents that have example questions: an entry without any is not a short one.
    const withQuestions = docs.filter((d) => d.analysed.questionsLength > 0);
    const avgQuestions = withQuestions.reduce((a, d) => a + d.analysed.questionsLength, 0) / withQuestions.length || 1;
    this.questionsNorm = Float64Array.from(docs, (d) => lengthNorm(d.analysed.questionsLength, avgQuestions));
    this.strongNorm = Float64Array.from(docs, (d) => lengthNorm(restLen(d), avgRest));
    this.titleNorm = Float64Array.from(docs, (d) => lengthNorm(d.analysed.titleLength, avgTitle));
    this.bodyNorm = Float64Array.from(docs, (d) => lengthNorm(d.analysed.bodyLength, this.avgBodyLength));
    this.words = [...this.terms.keys()].filter((t) => !isGroupToken(t));
    this.swahiliWords = wordsOf(docs, 'sw');
    for (const lang of FAMILY_LANGUAGES) {
      const words = wordsOf(docs, lang).filter((t) => /^[a-z]+$/.test(t));
      if (words.length > 0) this.stemmedWords.set(lang, words);
    }
    // Bridge pairs whose question word no pack here uses (a known word matches itself).
    for (const d of docs) {
      for (const [from, to] of d.bridge ?? []) {
        if (this.terms.has(from) || !this.terms.has(to)) continue;
        const list = this.bridge.get(from);
        if (!list) this.bridge.set(from, [to]);
        else if (!list.includes(to)) list.push(to);
      }
    }
    // A bound method, not an arrow: an arrow made here would share the constructor's scope, and with it keep
    // `docs` and the postings builders alive for the life of the index.
    this.near = new NearSpellings(this.words, this.idf.bind(this));
    this.maxIdf = this.idfOf(1);
    const ne = this.entryKeys.length;
    this.scratch = {
      docTokens: new Float64Array(n),
      best: new Float64Array(n),
      docGrams: new Float64Array(n),
      entryTokens: new Float64Array(ne),
      entryGrams: new Float64Array(ne),
      entryDense: new Float64Array(ne),
      fused: new Float64Array(ne),
    };
  }

  /** Forget cached near-spelling lookups (benchmarks measure cold lookups). */
  clearCaches(): void {
    this.near.clear();
    this.partialCache.clear();
    this.rootCache.clear();
    this.familyCache.clear();
  }

  /** Entry words of the same Snowball family as an unknown word (same stem, or one stem extends the other). */
  familyMatches(token: string): Alternative[] {
    const cached = this.familyCache.get(token);
    if (cached) return cached;
    if (!this.familyIndex) {
      this.familyIndex = new Map();
      for (const [lang, words] of this.stemmedWords) {
        const stems = new Map<string, string[]>();
        for (const w of words) {
          const st = snowballStem(lang, w)!;
          const list = stems.get(st);
          if (!list) stems.set(st, [w]);
          else list.push(w);
        }
        this.familyIndex.set(lang, { stems, sorted: [...stems.keys()].sort() });
      }
    }
    const found = new Set<string>();
    // French words seldom end in a, i, o or u; Swahili words nearly always do: those skip the stemmer.
    if (token.length >= 4 && /^[a-z]+[^aiou]$/.test(token)) {
      for (const [lang, { stems, sorted }] of this.familyIndex) {
        const st = snowballStem(lang, token)!;
        for (const w of stems.get(st) ?? []) found.add(w);
        if (st.length < FAMILY_PREFIX) continue;
        // Stems that are a prefix of this one, and stems this one is a prefix of ("stock" ~ "stockag").
        for (let n = FAMILY_PREFIX; n < st.length; n++) for (const w of stems.get(st.slice(0, n)) ?? []) found.add(w);
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (sorted[m]! < st) lo = m + 1;
          else hi = m;
        }
        for (let i = lo; i < sorted.length && sorted[i]!.startsWith(st); i++)
          for (const w of stems.get(sorted[i]!)!) found.add(w);
      }
    }
    found.delete(token);
    // The same family is the same word: full weight, as the word itself would have.
    const out = found.size <= ROOT_MATCHES_MAX ? [...found].map((term) => ({ term, weight: 1 })) : [];
    if (this.familyCache.size >= 20_000) this.familyCache.clear();
    this.familyCache.set(token, out);
    return out;
  }

  /**
   * Words of Swahili entries sharing a root with an unknown word (language/swahili.ts), those sharing the longest
   * one, weighted like a near spelling.
   */
  rootMatches(token: string): Alternative[] {
    const cached = this.rootCache.get(token);
    if (cached) return cached;
    if (!this.swahiliRootIndex) {
      const index = new Map<string, string[]>();
      for (const w of this.swahiliWords) {
        for (const r of swahiliRoots(w)) {
          const list = index.get(r);
          if (!list) index.set(r, [w]);
          else list.push(w);
        }
      }
      this.swahiliRootIndex = index;
    }
    let best = 0;
    let words = new Set<string>();
    for (const r of swahiliRoots(token)) {
      const list = this.swahiliRootIndex.get(r);
      if (!list || r.length < best) continue;
      if (r.length > best) {
        best = r.length;
        words = new Set();
      }
      for (const w of list) words.add(w);
    }
    // A root many entry words share says little about which one the question means.
    const out = words.size <= ROOT_MATCHES_MAX ? [...words].map((term) => ({ term, weight: ROOT_WEIGHT })) : [];
    if (this.rootCache.size >= 20_000) this.rootCache.clear();
    this.rootCache.set(token, out);
    return out;
  }

  /** Vocabulary words within a few edits of `token` (or that it abbreviates), best first. */
  fuzzy(token: string): Alternative[] {
    return this.near.find(token);
  }

  get size(): number {
    return this.docs.length;
  }

  /** Some document covers this out-of-scope request after all (IndexDoc.intents). */
  coversIntent(name: string): boolean {
    return this.intentsCovered.has(name);
  }

  hasTerm(t: string): boolean {
    return this.terms.has(t);
  }

  /**
   * How `term` occurs in document `d`: 1 in a strong field (title, questions, summary, tags...), BODY_MATCH in the
   * body alone, 0 when absent. One binary search in the term's posting list (lists are in document order).
   */
  docMatch(d: number, term: string): number {
    const T = this.terms;
    const i = T.ids.get(term);
    if (i === undefined) return 0;
    let a = T.start[i]!;
    const end = T.start[i + 1]!;
    let b = end;
    while (a < b) {
      const m = (a + b) >> 1;
      if (T.docs[m]! < d) a = m + 1;
      else b = m;
    }
    if (a === end || T.docs[a] !== d) return 0;
    // The weighted frequency counts every field; the body part alone equals it when no strong field has the term.
    return T.tfs[a]! > T.body[a]! ? 1 : BODY_MATCH;
  }

  private idfOf(df: number, n = this.docs.length): number {
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  idf(term: string): number {
    const li = this.terms.ids.get(term);
    return li === undefined ? 0 : this.termIdf[li]!;
  }

  /**
   * Idf within one pack's documents, and the largest one there: confidence is measured as if the pack were
   * indexed alone, as its calibration was (other packs loaded beside it do not move its thresholds).
   */
  private packIdf(pack: string | undefined): { idf: (term: string) => number; maxIdf: number } {
    const r = pack === undefined ? undefined : this.packRanges.get(pack);
    if (!r || (r.lo === 0 && r.hi === this.docs.length)) return { idf: (t) => this.idf(t), maxIdf: this.maxIdf };
    const n = r.hi - r.lo;
    return {
      idf: (t) => {
        const df = this.terms.dfIn(t, r.lo, r.hi);
        return df === 0 ? 0 : this.idfOf(df, n);
      },
      maxIdf: this.idfOf(1, n),
    };
  }

  private readonly boostCache = new Map<string, Float64Array>();

  /** Per document: the ranking boost of documents in the preferred language (1 for the others). */
  private boosts(preferLang: string | undefined): Float64Array {
    const key = preferLang ?? '';
    let b = this.boostCache.get(key);
    if (!b) {
      b = Float64Array.from(this.docs, (d) => (preferLang && d.lang === preferLang ? 1 + SAME_LANGUAGE_BOOST : 1));
      this.boostCache.set(key, b);
    }
    return b;
  }

  /** Ids of the packs in the index, in index order. */
  packs(): string[] {
    return [...this.packRanges.keys()];
  }

  /**
   * What each query unit may match: itself, its synonym groups; when it is unknown, near spellings, words of
   * Swahili entries of the same root (language/swahili.ts) and WordNet words (wordnet.ts).
   */
  alternatives(q: AnalysedQuery): Alternative[][] {
    return q.units.map((u) => {
      const alts: Alternative[] = [];
      if (this.terms.has(u.token)) alts.push({ term: u.token, weight: 1 });
      for (const g of u.groups) if (this.terms.has(g)) alts.push({ term: g, weight: 1 });
      // Near spellings only for words the packs never use: for known words they mostly add other words
      // (measured on src/knowledge/answer/testdata/dev.jsonl: Recall@1 0.944 without, 0.900–0.922 with, at any weight).
      if (alts.length === 0) {
        alts.push(...this.fuzzy(u.token));
        for (const a of this.rootMatches(u.token)) addAlternative(alts, a.term, a.weight);
        for (const a of this.familyMatches(u.token)) addAlternative(alts, a.term, a.weight);
        // WordNet words of the entries: weaker than the word itself, like a near spelling.
        for (const term of this.bridge.get(u.token) ?? []) addAlternative(alts, term, BRIDGE_WEIGHT);
      }
      return alts;
    });
  }

  search(
    q: AnalysedQuery,
    opts: { limit?: number; queryVector?: Float32Array; fusion?: FusionWeights; preferLang?: string } = {},
  ): SearchOutcome {
    const n = this.docs.length;
    const ne = this.entryKeys.length;
    const boost = this.boosts(opts.preferLang);
    const alternatives = this.alternatives(q);
    // A question unit scores a document by its best alternative (word, synonym or near spelling); an entry
    // scores as its best language version. Adding a unit's best over the versions instead (so a code-mixed
    // question gathers Swahili and English evidence on one entry) measured worse on
    // src/knowledge/answer/testdata/dev.jsonl, code-mixed questions included: Recall@1 0.920 vs 0.930.
    const T = this.terms;
    const G = this.grams;
    // Per-question scratch arrays are the index's own, zeroed here: allocating them for every question made
    // garbage collection a tenth of the search time (search is synchronous, so one set serves every call).
    const { docTokens, best, docGrams, entryTokens, entryGrams, entryDense } = this.scratch;
    docTokens.fill(0);
    best.fill(0);
    docGrams.fill(0);
    entryTokens.fill(0);
    entryGrams.fill(0);
    entryDense.fill(0);
    const touched = this.touched;
    touched.length = 0;
    // Adjacent question words found next to each other in a title, tag or summary ("fonds d'urgence",
    // "gharama ya mkopo") add to the entry's token score, weighted less than the words themselves.
    const pairAlts = q.pairs.map((p) => p.map((term) => ({ term, weight: PAIR_WEIGHT })));
    for (let u = 0; u < alternatives.length + pairAlts.length; u++) {
      const alts = u < alternatives.length ? alternatives[u]! : pairAlts[u - alternatives.length]!;
      for (const a of alts) {
        const li = T.ids.get(a.term);
        if (li === undefined) continue;
        const from = T.start[li]!;
        const to = T.start[li + 1]!;
        const idf = this.termIdf[li]! * a.weight;
        for (let i = from; i < to; i++) {
          const d = T.docs[i]!;
          const bodyTf = T.body[i]!;
          const titleTf = T.title[i]!;
          const questionsTf = T.questions[i]!;
          // BM25F over title, example questions, the other strong fields (tags, summary, topic) and body: each
          // length-normalised on its own, then one saturation.
          const tf =
            titleTf * this.titleNorm[d]! +
            questionsTf * this.questionsNorm[d]! +
            (T.tfs[i]! - bodyTf - titleTf - questionsTf) * this.strongNorm[d]! +
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
    // Character n-grams of the question's words, each counted once.
    const seen = this.gramSeen;
    seen.clear();
    const score = this.gramScore;
    const gdocs = G.docs;
    const addGram = (li: number) => {
      if (li < 0 || !seen.add(li)) return;
      const to = G.start[li + 1]!;
      for (let i = G.start[li]!; i < to; i++) docGrams[gdocs[i]!]! += score[i]!;
    };
    for (const u of q.units) forEachGramId(this.gramIds, u.token, ngramSizes(u.token), addGram);
    for (let d = 0; d < n; d++) {
      const e = this.entryOf[d]!;
      entryTokens[e] = Math.max(entryTokens[e]!, docTokens[d]! * boost[d]!);
      entryGrams[e] = Math.max(entryGrams[e]!, docGrams[d]! * boost[d]!);
    }
    const fusion = opts.fusion ?? (opts.queryVector ? DENSE_FUSION : LEXICAL_FUSION);
    if (opts.queryVector && fusion.dense > 0) {
      for (let d = 0; d < n; d++) {
        const v = this.docs[d]!.vector;
        if (!v) continue;
        const e = this.entryOf[d]!;
        entryDense[e] = Math.max(entryDense[e]!, Math.max(0, dot(v, opts.queryVector)) * boost[d]!);
      }
    }
    const maxT = max(entryTokens);
    const maxG = max(entryGrams);
    const maxD = max(entryDense);
    const limit = opts.limit ?? 10;
    // Fused scores of every matching entry; hit objects only for the best `limit` of them.
    const fusedScores = this.scratch.fused;
    const matching = this.matching;
    matching.length = 0;
    for (let e = 0; e < ne; e++) {
      if (entryTokens[e] === 0 && entryGrams[e] === 0) continue;
      fusedScores[e] =
        (maxT > 0 ? (fusion.tokens * entryTokens[e]!) / maxT : 0) +
        (maxG > 0 ? (fusion.grams * entryGrams[e]!) / maxG : 0) +
        (maxD > 0 ? (fusion.dense * entryDense[e]!) / maxD : 0);
      matching.push(e);
    }
    // The best `limit`, best first, equal scores in entry order: a selection into a short sorted list (sorting
    // every matching entry with a comparator was a tenth of a search on one pack).
    const chosen: number[] = [];
    for (const e of matching) {
      const v = fusedScores[e]!;
      if (chosen.length === limit && v <= fusedScores[chosen[limit - 1]!]!) continue;
      let at = chosen.length;
      while (at > 0 && fusedScores[chosen[at - 1]!]! < v) at--;
      chosen.splice(at, 0, e);
      if (chosen.length > limit) chosen.pop();
    }
    const hits: EntryHit[] = [];
    for (const e of chosen) {
      const fused = fusedScores[e]!;
      const docs = this.docsOfEntry[e]!;
      // The language version that matched best on its own (for the preferred language, when it matched).
      let doc = docs[0]!;
      let docScore = -1;
      for (const d of docs) {
        const v = ((maxT > 0 ? docTokens[d]! / maxT : 0) + (maxG > 0 ? docGrams[d]! / maxG : 0)) * boost[d]!;
        if (v > docScore) {
          docScore = v;
          doc = d;
        }
      }
      const [pack, entry] = this.entryKeys[e]!;
      hits.push({ pack, entry, score: fused, doc, docs });
    }
    const top = hits[0];
    for (const h of hits.slice(0, EVIDENCE_HITS)) {
      const c = this.coverage(alternatives, q, h.docs, opts.preferLang, h.pack);
      h.coverage = c.coverage;
      h.matched = c.matched;
    }
    const cov = { coverage: top?.coverage ?? 0, matched: top?.matched ?? 0 };
    let tokenScore = 0;
    if (top) for (const d of top.docs) tokenScore = Math.max(tokenScore, docTokens[d]!);
    const total = hits[0]?.score ?? 1;
    for (const h of hits) h.score = h.score / total;
    return { hits, coverage: cov.coverage, matched: cov.matched, tokenScore, alternatives };
  }

  /**
   * Share of the question's information (idf-weighted units) found in an entry (any of its language
   * versions): a unit counts fully when its word or a synonym is in a title, tag or summary, less in the
   * body only, by similarity for a near spelling, and partly when a long stretch of it is inside an entry
   * word (Swahili verb forms: "amezaliwa" ~ "kuzaliwa"). Matches only in another language than a confidently
   * detected one count less ("capital" in a French entry is not the English "capital"). Unknown words weigh
   * like rare ones: a question about something the packs never mention stays uncovered. Idf is the pack's own
   * (`pack`, see packIdf).
   */
  coverage(
    alternatives: Alternative[][],
    q: AnalysedQuery,
    docIdx: number[],
    preferLang?: string,
    pack?: string,
  ): { coverage: number; matched: number } {
    const units = this.unitMatches(alternatives, q, docIdx, preferLang, pack);
    let total = 0;
    let got = 0;
    for (const u of units) {
      total += u.weight;
      got += u.weight * u.match;
    }
    const { maxIdf } = this.packIdf(pack);
    return { coverage: total === 0 ? 0 : got / total, matched: maxIdf > 0 ? got / maxIdf : 0 };
  }

  /** Per question unit: its weight (idf in the pack, or that of a rare word when unknown) and match (0..1). */
  unitMatches(
    alternatives: Alternative[][],
    q: AnalysedQuery,
    docIdx: number[],
    preferLang?: string,
    pack?: string,
  ): UnitMatch[] {
    const { idf, maxIdf } = this.packIdf(pack);
    return alternatives.map((alts, i) => {
      const token = q.units[i]!.token;
      let weight = 0;
      for (const a of alts) if (a.weight === 1) weight = Math.max(weight, idf(a.term));
      const known = weight > 0;
      if (!known) weight = maxIdf * (token.length >= 3 ? 0.8 : 0.4);
      let match = 0;
      for (const d of docIdx) {
        const doc = this.docs[d]!;
        const langFactor = preferLang && doc.lang !== preferLang ? CROSS_LANGUAGE_MATCH : 1;
        for (const a of alts) {
          const where = this.docMatch(d, a.term);
          if (where === 0) continue;
          const credit = a.weight === 1 ? 1 : fuzzyCredit(a.weight, token.length);
          match = Math.max(match, credit * langFactor * where);
        }
        if (match === 0 && !alts.some((a) => a.weight === 1) && token.length >= 6) {
          match = Math.max(match, langFactor * this.partialMatch(token, d));
        }
      }
      return { token, weight, known, match, maxIdf };
    });
  }

  /** Credit for an unknown word sharing a long stretch (≥ 5 letters, most of the word) with an entry word. */
  private partialMatch(token: string, d: number): number {
    let best = 0;
    for (const [t, share] of this.partialCandidates(token)) {
      const where = this.docMatch(d, t);
      if (where > 0) best = Math.max(best, 0.8 * share * where);
    }
    return best;
  }

  private fiveGramIndex: { ids: GramIds; lists: Int32Array[]; seen: StampSet } | undefined;

  /**
   * 5-letter piece → ids (into `words`) of the words of five letters or more containing it (built on first use),
   * looked up as windows of the token (gram-ids.ts); `seen` marks the words already taken for one token.
   */
  private fiveGrams(): NonNullable<LexicalIndex['fiveGramIndex']> {
    if (!this.fiveGramIndex) {
      const index = new Map<string, number[]>();
      this.words.forEach((t, id) => {
        for (let i = 0; i + 5 <= t.length; i++) {
          const g = t.slice(i, i + 5);
          const list = index.get(g);
          if (!list) index.set(g, [id]);
          else if (list[list.length - 1] !== id) list.push(id);
        }
      });
      this.fiveGramIndex = {
        ids: new GramIds([...index.keys()]),
        lists: [...index.values()].map((l) => Int32Array.from(l)),
        seen: new StampSet(this.words.length),
      };
    }
    return this.fiveGramIndex;
  }

  /** Index words sharing a stretch of ≥ 5 letters (and ≥ 60 % of it, prefix aside) with `token`, with that share (cached). */
  private partialCandidates(token: string): [string, number][] {
    const cached = this.partialCache.get(token);
    if (cached) return cached;
    const out: [string, number][] = [];
    // A common stretch of 5 letters contains one of the token's 5-letter pieces: candidates come from them.
    const five = this.fiveGrams();
    five.seen.clear();
    const candidates: number[] = [];
    for (let i = 0; i + 5 <= token.length; i++) {
      const li = five.ids.idOf(token, i, i + 5);
      if (li < 0) continue;
      for (const id of five.lists[li]!) {
        if (five.seen.add(id)) candidates.push(id);
      }
    }
    // Measured against the word without a Swahili subject/tense prefix: "nime-tapeliwa" ~ "utapeli".
    const stem = token.length - prefixLength(token);
    for (const id of candidates) {
      const t = this.words[id]!;
      const l = longestCommonSubstring(token, t);
      const share = Math.min(1, l / stem);
      if (l >= 5 && share >= 0.6) out.push([t, share]);
    }
    if (this.partialCache.size >= 20_000) this.partialCache.clear();
    this.partialCache.set(token, out);
    return out;
  }
}

/** The words (not group or pair tokens) of four letters or more in the documents of one language. */
function wordsOf(docs: IndexDoc[], lang: string): string[] {
  const out = new Set<string>();
  for (const d of docs) {
    if (d.lang !== lang) continue;
    for (const t of d.analysed.terms.keys()) if (!isGroupToken(t) && t.length >= 4) out.add(t);
  }
  return [...out];
}

/** Adds `term` to a unit's alternatives, or raises its weight when it is there already (by another route). */
function addAlternative(alts: Alternative[], term: string, weight: number): void {
  const there = alts.find((a) => a.term === term);
  if (!there) alts.push({ term, weight });
  else there.weight = Math.max(there.weight, weight);
}

/**
 * idf × BM25F score of every gram posting, in posting order; the table's frequency arrays are dropped after (the
 * gram table answers nothing else).
 */
function gramScores(
  G: PostingsTable,
  idf: Float64Array,
  strongNorm: Float64Array,
  bodyNorm: Float64Array,
): Float32Array {
  const out = new Float32Array(G.docs.length);
  for (let li = 0; li < G.ids.size; li++) {
    for (let i = G.start[li]!; i < G.start[li + 1]!; i++) {
      const d = G.docs[i]!;
      const bodyTf = G.body[i]!;
      out[i] = idf[li]! * fieldScore(G.tfs[i]! - bodyTf, strongNorm[d]!, bodyTf, bodyNorm[d]!);
    }
  }
  G.tfs = G.body = G.title = G.questions = new Float32Array(0);
  return out;
}
