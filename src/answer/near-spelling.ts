
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
  /** Character trigram → ids (into `vocabulary`) of the words containing it: candidates for near spellings. */
  private readonly gramVocab = new Map<string, Int32Array>();
  /** Scratch counters for `fuzzy` (one per vocabulary word), zeroed after each use. */
  private readonly sharedCount: Int32Array;
  private readonly fuzzyCache = new Map<string, Alternative[]>();

  constructor(
    private readonly vocabulary: string[],
    /** Ties between equally near words go to the rarer one. */
    private readonly idf: (term: string) => number,
  ) {
    const lists = new Map<string, number[]>();
    vocabulary.forEach((t, id) => {
      for (const bg of trigrams(t)) {
        const list = lists.get(bg);
        if (list) list.push(id);
        else lists.set(bg, [id]);
      }
    });
    for (const [bg, list] of lists) this.gramVocab.set(bg, Int32Array.from(list));
    this.sharedCount = new Int32Array(vocabulary.length);
  }

  /** Forget cached lookups (benchmarks measure cold lookups). */
  clear(): void {
    this.fuzzyCache.clear();
  }

  /** Vocabulary words within a few edits of `token` (or that it abbreviates), best first. */
  find(token: string): Alternative[] {
    const cached = this.fuzzyCache.get(token);
    if (cached) return cached;
    const out: Alternative[] = [];
    if (token.length >= 4 && !/^\d+$/.test(token)) {
      const maxEdits = maxEditsFor(token.length);
      const grams = trigrams(token);
      // Counting shared trigrams in a typed array: this loop visits hundreds of words for a common trigram.
      const shared = this.sharedCount;
      const touched: number[] = [];
      for (const g of grams) {
        const list = this.gramVocab.get(g);
        if (!list) continue;
        for (let k = 0; k < list.length; k++) {
          const id = list[k]!;
          if (shared[id] === 0) touched.push(id);
          shared[id]!++;
        }
      }
      // An edit destroys at most three trigrams (q-gram lemma); a word the token abbreviates shares all but the last.
      const need = Math.max(1, grams.size - 3 * maxEdits);
      for (const id of touched) {
        const n = shared[id]!;
        shared[id] = 0;
        if (n < need) continue;
        const t = this.vocabulary[id]!;
        if (t === token) continue;
        let sim = 0;
        if (t.length >= token.length + 2 && t.startsWith(token)) sim = 0.6 + 0.3 * (token.length / t.length);
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
}
