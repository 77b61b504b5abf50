import { type AnalysedQuery, analyseQuery } from './analyse.js';
import {
  type Candidate,
  type Decision,
  type DecisionFeatures,
  type DecisionThresholds,
  decide,
  RUNNER_UP_FLOOR,
} from './decide.js';
import type { Embedder } from './dense.js';
import type { LanguageGuess } from './langid.js';
import type { Alternative, EntryHit, FusionWeights, LexicalIndex } from './lexical.js';
import { type OutOfScopeIntent, outOfScopeIntents } from './scope.js';
import type { Snapshot } from './snapshot.js';

export interface Retrieval {
  /** Ranked entries, best first (after out-of-scope filtering: see `features.outOfScope`). */
  hits: EntryHit[];
  /** Coverage and matched information of the best entry (LexicalIndex.coverage). */
  coverage: number;
  matched: number;
  tokenScore: number;
  /** 0..1, 0.5 at the best entry's pack's "don't know" threshold. */
  confidence: number;
  /** The decision says: answer with hits[0]. */
  found: boolean;
  /** Answer, offer choices or decline; undefined when the best entry's pack has no calibration yet. */
  decision?: Decision;
  /** What the decision was made from (calibration gathers these for pseudo-questions and probes). */
  features: DecisionFeatures;
  /** The language the user is taken to write in. */
  userLang: string;
  guess?: LanguageGuess;
  query: AnalysedQuery;
  alternatives: Alternative[][];
}

/** Below this, an unreliable guess is no better than the packs' default language. */
const PLAUSIBLE_GUESS = 0.75;
/** Candidates the decision looks at (choices are at most 3 of them). */
export const CANDIDATES = 5;

/**
 * Language of the user: the detected one when the text says so clearly, else the saved/requested one
 * (short questions, loanwords), else a plausible guess, else the first pack's default ("xqzv blorp").
 */
export function chooseUserLanguage(
  requested: string | undefined,
  guess: LanguageGuess | undefined,
  fallback: string,
): string {
  if (guess?.reliable) return guess.lang;
  if (requested) return requested;
  return guess && guess.probability >= PLAUSIBLE_GUESS ? guess.lang : fallback;
}

/** Confidence from evidence: 0.5 at the pack's "don't know" threshold, towards 1 above it. */
export function confidenceFromEvidence(evidence: number, threshold: number): number {
  const e = Math.max(0, evidence);
  if (threshold <= 0) return e > 0 ? 1 : 0;
  return Math.round((e / (e + threshold)) * 1000) / 1000;
}

/** Every word of the question is a word of the entry's strong fields (a word, or a synonym group of it). */
function namesSubject(index: LexicalIndex, alternatives: Alternative[][], hit: EntryHit): boolean {
  return alternatives.every((alts) =>
    alts.some((a) => a.weight === 1 && hit.docs.some((d) => index.docMatch(d, a.term) === 1)),
  );
}

/** The decision's view of a ranking: out-of-scope requests, candidates with their evidence, short questions. */
function decisionFeatures(
  index: LexicalIndex,
  query: AnalysedQuery,
  intents: OutOfScopeIntent[],
  alternatives: Alternative[][],
  hits: EntryHit[],
  preferLang: string | undefined,
  tokenScore: number,
): { features: DecisionFeatures; hits: EntryHit[] } {
  let kept = hits;
  let outOfScope: string[] = [];
  if (intents.length > 0) {
    // Only entries that cover the request itself may answer it ("maize prices today" in a market-prices pack).
    kept = hits.filter((h) => intents.every((it) => h.docs.some((d) => index.docs[d]!.intents?.includes(it.name))));
    if (kept.length === 0) outOfScope = intents.map((it) => it.name);
  }
  const known = alternatives.length > 0 && alternatives.every((alts) => alts.some((a) => a.weight === 1));
  const best = kept[0]?.score ?? 1;
  const candidates: Candidate[] = kept.slice(0, CANDIDATES).map((h, i) => {
    // A runner-up far behind is never offered: its evidence is not measured (search time).
    if (i > 0 && h.score < RUNNER_UP_FLOOR * best) return { score: h.score, evidence: 0, namesSubject: false };
    if (h.coverage === undefined || h.matched === undefined) {
      const c = index.coverage(alternatives, query, h.docs, preferLang, h.pack);
      h.coverage = c.coverage;
      h.matched = c.matched;
    }
    return {
      score: h.score,
      evidence: h.coverage * h.matched,
      namesSubject: known && alternatives.length <= 2 && namesSubject(index, alternatives, h),
    };
  });
  const top = kept[0];
  const scale = top?.score ?? 1;
  // Scores relative to the best remaining candidate.
  for (const c of candidates) c.score = scale > 0 ? c.score / scale : 0;
  return {
    features: {
      candidates,
      outOfScope,
      short: known && alternatives.length <= 2 && (candidates[0]?.namesSubject ?? false),
      strength: index.maxIdf > 0 ? tokenScore / index.maxIdf : 0,
    },
    hits: kept,
  };
}

/**
 * Retrieval and decision (no composition): what `answer` and the benchmark measure. `thresholds` replaces the
 * packs' calibrated ones (the benchmark's leave-one-pack-out selection of the false-accept targets).
 */
export async function retrieve(
  snapshot: Snapshot,
  question: string,
  opts: {
    lang?: string;
    embedder?: Embedder;
    limit?: number;
    fusion?: FusionWeights;
    thresholds?: (pack: string) => DecisionThresholds | undefined;
  } = {},
): Promise<Retrieval> {
  // Every language the model knows: the packs' and the UI languages (see trainLanguageModel).
  const guess = snapshot.langModel.detect(question);
  const fallbackLang = snapshot.packs[0]?.manifest.defaultLanguage ?? 'en';
  const userLang = chooseUserLanguage(opts.lang, guess, fallbackLang);
  const langs = [userLang, ...snapshot.languages.filter((l) => l !== userLang)];
  const query = analyseQuery(question, {
    langs,
    synonyms: snapshot.synonyms,
    isKnownTerm: (t) => snapshot.index.hasTerm(t),
  });
  // A request that no entry of any loaded pack covers (live prices, news, weather...) is declined whatever the
  // ranking would be (see decisionFeatures): without searching, so an off-topic question costs no near-spelling
  // lookups. Same decision as after a search.
  const intents = outOfScopeIntents(query.words);
  if (intents.some((it) => !snapshot.index.coversIntent(it.name))) {
    const outOfScope = intents.map((it) => it.name);
    return {
      hits: [],
      coverage: 0,
      matched: 0,
      tokenScore: 0,
      confidence: 0,
      found: false,
      decision: { kind: 'decline', picks: [], reason: 'out-of-scope' },
      features: { candidates: [], outOfScope, short: false, strength: 0 },
      userLang,
      guess,
      query,
      alternatives: [],
    };
  }
  let queryVector: Float32Array | undefined;
  if (opts.embedder && snapshot.embeddingModel && query.units.length > 0) {
    queryVector = (await opts.embedder.embedQueries([question]))[0];
  }
  const preferLang = guess?.reliable ? guess.lang : undefined;
  const outcome = snapshot.index.search(query, {
    limit: Math.max(opts.limit ?? 10, CANDIDATES),
    queryVector,
    fusion: opts.fusion,
    preferLang,
  });
  const { features, hits } = decisionFeatures(
    snapshot.index,
    query,
    intents,
    outcome.alternatives,
    outcome.hits,
    preferLang,
    outcome.tokenScore,
  );
  const top = hits[0];
  const thresholds = top ? (opts.thresholds?.(top.pack) ?? snapshot.calibrations[top.pack]?.thresholds) : undefined;
  const decision: Decision | undefined = !top
    ? { kind: 'decline', picks: [], reason: features.outOfScope.length > 0 ? 'out-of-scope' : 'no-evidence' }
    : thresholds
      ? decide(features, thresholds)
      : undefined;
  const evidence = features.candidates[0]?.evidence ?? 0;
  return {
    hits: hits.slice(0, opts.limit ?? 10),
    coverage: top?.coverage ?? 0,
    matched: top?.matched ?? 0,
    tokenScore: outcome.tokenScore,
    // A request no pack covers (live prices, weather...) is not made likelier by the pack words it contains.
    confidence:
      top && thresholds && features.outOfScope.length === 0 ? confidenceFromEvidence(evidence, thresholds.choices) : 0,
    found: decision?.kind === 'answer',
    decision,
    features,
    userLang,
    guess,
    query,
    alternatives: outcome.alternatives,
  };
}
