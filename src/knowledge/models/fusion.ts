/** Pure helpers the retrieval code uses to combine lexical and dense scores. */

export interface Scored {
  id: string;
  score: number;
}

export interface Fused extends Scored {
  /** 1-based rank in each input list, when the id appears there. */
  lexicalRank?: number;
  denseRank?: number;
}

/** Ids best first (score descending; equal scores keep input order), each id once at its best place. */
function ranks(list: readonly Scored[]): Map<string, number> {
  const order = list
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => Number.isFinite(item.score))
    .sort((a, b) => b.item.score - a.item.score || a.index - b.index);
  const out = new Map<string, number>();
  for (const { item } of order) {
    if (!out.has(item.id)) out.set(item.id, out.size + 1);
  }
  return out;
}

/**
 * Reciprocal-rank fusion: score(id) = Σ 1 / (k + rank) over the lists it appears in. Uses ranks, not raw
 * scores, so BM25 values and cosines need no calibration against each other. Ties are broken by the better
 * single rank, then by id, so the result is deterministic.
 */
export function fuseRankings(lexical: readonly Scored[], dense: readonly Scored[], k = 60): Fused[] {
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`k must be a finite number >= 0, got ${k}`);
  const lex = ranks(lexical);
  const den = ranks(dense);
  const ids = new Set([...lex.keys(), ...den.keys()]);
  const fused: Fused[] = [];
  for (const id of ids) {
    const lr = lex.get(id);
    const dr = den.get(id);
    const score = (lr === undefined ? 0 : 1 / (k + lr)) + (dr === undefined ? 0 : 1 / (k + dr));
    fused.push({ id, score, ...(lr !== undefined && { lexicalRank: lr }), ...(dr !== undefined && { denseRank: dr }) });
  }
  const best = (f: Fused) => Math.min(f.lexicalRank ?? Infinity, f.denseRank ?? Infinity);
  return fused.sort((a, b) => b.score - a.score || best(a) - best(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Cosine similarity; 0 when either vector is all zeros. Throws on a length mismatch (mixed models). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`vectors differ in length (${a.length} vs ${b.length}): were they made by the same model?`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  // sqrt each norm separately: na * nb underflows to 0 for tiny vectors
  const denom = Math.sqrt(na) * Math.sqrt(nb);
  if (denom === 0 || !Number.isFinite(denom)) return 0;
  return Math.max(-1, Math.min(1, dot / denom));
}
