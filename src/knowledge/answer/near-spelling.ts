import { GramIds } from './gram-ids.js';

export interface Alternative {
  term: string;
  /** 1 for the word itself and its synonyms, the string similarity for a fuzzy match. */
  weight: number;
}

const FUZZY_CACHE_MAX = 20_000;

/** Scratch rows for `editDistance` (grown on demand): it runs for hundreds of candidates per unknown word. */
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/**
 * Optimal string alignment distance (Damerau: a transposition costs 1), bounded: only the diagonal band of
 * cells within `max` of it is computed (Ukkonen), any other is "more than max". Hand-written: the packages that
 * compute edit distances do not bound them, and this runs for hundreds of candidates per unknown word.
 */
function editDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  const big = max + 1;
  const w = lb + 2;
  if (rowA.length < w) {
    rowA = new Int32Array(w * 2);
    rowB = new Int32Array(w * 2);
    rowC = new Int32Array(w * 2);
  }
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j <= Math.min(lb, big); j++) prev[j] = Math.min(j, big);
  for (let i = 1; i <= la; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(lb, i + max);
    // The cells just outside the band are read by this row and the next: "more than max" (or the first column).
    cur[lo - 1] = lo === 1 ? Math.min(i, big) : big;
    if (hi < lb) cur[hi + 1] = big;
    let rowMin = big;
    const ai = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return big;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return Math.min(prev[lb]!, big);
}

/** Letters folded into 32 bins (by code point), counted: a multiset that bounds the edit distance from below. */
const BINS = 32;
const bagScratch = new Int32Array(BINS);

function letterBag(word: string): Int32Array {
  const bag = new Int32Array(BINS);
  for (let i = 0; i < word.length; i++) bag[word.charCodeAt(i) & (BINS - 1)]!++;
  return bag;
}

/**
 * Bag distance: the letters one word has and the other lacks, the larger side. An insertion, deletion or
 * substitution changes it by at most one and a transposition not at all, and folding letters into bins only
 * lowers it, so it never exceeds the edit distance: a candidate above the bound needs no edit distance (most of
 * the candidates of a long word are, and edit distances were half the cost of its lookup).
 */
function bagDistance(tokenBag: Int32Array, word: string): number {
  const diff = bagScratch;
  diff.set(tokenBag);
  for (let i = 0; i < word.length; i++) diff[word.charCodeAt(i) & (BINS - 1)]!--;
  let more = 0;
  let fewer = 0;
  for (let i = 0; i < BINS; i++) {
    const v = diff[i]!;
    if (v > 0) more += v;
    else fewer -= v;
  }
  return Math.max(more, fewer);
}

/**
 * Edits allowed for a word of this length. Three only from 13 letters: at three edits a 10–12-letter word matches
 * at a similarity of 0.70–0.75 (little credit, see fuzzyCredit), and the q-gram filter below lets through a
 * large share of the vocabulary, which made such a word cost 20–35 µs; with two, the same figures on every tuning
 * set and calibration, and a few µs.
 */
const maxEditsFor = (len: number) => (len <= 3 ? 0 : len <= 5 ? 1 : len <= 12 ? 2 : 3);

/** Character trigrams of a word with boundary marks (" ab", "abc", ..., "yz "): one edit changes at most three. */
function trigrams(word: string): Set<string> {
  const padded = ` ${word} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

/**
 * Near spellings of a vocabulary: the words within a few edits of a token, or that it abbreviates. Candidates
 * come from shared character trigrams (far fewer words share a trigram than a bigram: this is most of the
 * cost of a question with unknown words), then a bounded edit distance decides.
 */
export class NearSpellings {
  /**
   * Character trigram → ids (into `vocabulary`) of the words containing it, ordered by word length, so a lookup
   * visits only the words of about the token's length: candidates for near spellings.
   */
  private readonly gramLists: Int32Array[] = [];
  /** Trigram → its list in gramLists, looked up as a window of the padded token (gram-ids.ts). */
  private readonly gramIds: GramIds;
  private readonly lengths: Int32Array;
  /** Distinct trigrams of each word (the q-gram bound below holds from either side). */
  private readonly gramCounts: Int32Array;
  /** Word ids in alphabetical order: the words a token abbreviates are one range of it. */
  private readonly alphabetical: Int32Array;
  /** Scratch counters for `find` (one per vocabulary word), zeroed after each use. */
  private readonly sharedCount: Int32Array;
  private readonly fuzzyCache = new Map<string, Alternative[]>();

  constructor(
    private readonly vocabulary: string[],
    /** Ties between equally near words go to the rarer one. */
    private readonly idf: (term: string) => number,
  ) {
    this.lengths = Int32Array.from(vocabulary, (t) => t.length);
    const byLength = vocabulary.map((_, id) => id).sort((a, b) => this.lengths[a]! - this.lengths[b]!);
    const lists = new Map<string, number[]>();
    this.gramCounts = new Int32Array(vocabulary.length);
    for (const id of byLength) {
      const grams = trigrams(vocabulary[id]!);
      this.gramCounts[id] = grams.size;
      for (const g of grams) {
        const list = lists.get(g);
        if (list) list.push(id);
        else lists.set(g, [id]);
      }
    }
    for (const list of lists.values()) this.gramLists.push(Int32Array.from(list));
    this.gramIds = new GramIds([...lists.keys()]);
    this.alphabetical = Int32Array.from(
      vocabulary.map((_, id) => id).sort((a, b) => (vocabulary[a]! < vocabulary[b]! ? -1 : 1)),
    );
    this.sharedCount = new Int32Array(vocabulary.length);
  }

  /** Forget cached lookups (benchmarks measure cold lookups). */
  clear(): void {
    this.fuzzyCache.clear();
  }

  /** First index in `list` (ordered by word length) of a word at least `len` long. */
  private fromLength(list: Int32Array, len: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lengths[list[mid]!]! < len) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Vocabulary words within a few edits of `token` (or that it abbreviates), best first. */
  find(token: string): Alternative[] {
    const cached = this.fuzzyCache.get(token);
    if (cached) return cached;
    const out: Alternative[] = [];
    if (token.length >= 4 && !/^\d+$/.test(token)) {
      const maxEdits = maxEditsFor(token.length);
      const sims = new Map<number, number>();
      // Words the token abbreviates ("fertiliz" for "fertilizer"): a range of the alphabetical order.
      let lo = 0;
      let hi = this.alphabetical.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.vocabulary[this.alphabetical[mid]!]! < token) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < this.alphabetical.length; k++) {
        const id = this.alphabetical[k]!;
        const t = this.vocabulary[id]!;
        if (!t.startsWith(token)) break;
        if (t.length >= token.length + 2) sims.set(id, 0.6 + 0.3 * (token.length / t.length));
      }
      if (maxEdits > 0) {
        // Counting shared trigrams in a typed array, over the words of about the token's length only. The
        // token's trigrams are windows of the padded token, each distinct one once (as a set of them would be).
        const padded = ` ${token} `;
        let distinct = 0;
        const shared = this.sharedCount;
        const touched: number[] = [];
        const minLen = token.length - maxEdits;
        const maxLen = token.length + maxEdits;
        for (let i = 0; i + 3 <= padded.length; i++) {
          let repeated = false;
          for (let j = 0; j < i && !repeated; j++)
            repeated =
              padded.charCodeAt(j) === padded.charCodeAt(i) &&
              padded.charCodeAt(j + 1) === padded.charCodeAt(i + 1) &&
              padded.charCodeAt(j + 2) === padded.charCodeAt(i + 2);
          if (repeated) continue;
          distinct++;
          const gid = this.gramIds.idOf(padded, i, i + 3);
          if (gid < 0) continue;
          const list = this.gramLists[gid]!;
          for (let k = this.fromLength(list, minLen); k < list.length; k++) {
            const id = list[k]!;
            if (this.lengths[id]! > maxLen) break;
            if (shared[id] === 0) touched.push(id);
            shared[id]!++;
          }
        }
        // An edit destroys at most three trigrams (q-gram lemma). A word of six letters or more that shares a
        // single trigram with the token is two edits away at best, and then hardly ever the word meant ("mavuno"
        // harvest / "mafunzo" training): at least two shared trigrams, which spares most edit distances.
        const need = Math.max(token.length >= 6 ? 2 : 1, distinct - 3 * maxEdits);
        const tokenBag = letterBag(token);
        for (const id of touched) {
          const n = shared[id]!;
          shared[id] = 0;
          // Each edit destroys at most three of either word's distinct trigrams.
          if (n < need || n < this.gramCounts[id]! - 3 * maxEdits) continue;
          const t = this.vocabulary[id]!;
          if (t === token) continue;
          if (bagDistance(tokenBag, t) > maxEdits) continue;
          const d = editDistance(token, t, maxEdits);
          if (d <= maxEdits) sims.set(id, Math.max(sims.get(id) ?? 0, 1 - d / Math.max(token.length, t.length)));
        }
      }
      for (const [id, sim] of sims) if (sim >= 0.6) out.push({ term: this.vocabulary[id]!, weight: sim });
      out.sort((a, b) => b.weight - a.weight || this.idf(b.term) - this.idf(a.term));
      out.splice(4);
    }
    if (this.fuzzyCache.size >= FUZZY_CACHE_MAX) this.fuzzyCache.clear();
    this.fuzzyCache.set(token, out);
    return out;
  }
}
