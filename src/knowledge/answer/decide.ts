/**
 * What to do with a ranking: answer with the best entry, ask the user to pick among a few, or say honestly
 * that the packs do not know. Pure: the retrieval features of one question and the thresholds of the best
 * entry's pack (its calibration, see calibration.ts) decide.
 */

/** One candidate entry as the decision sees it. */
export interface Candidate {
  /** Fused ranking score relative to the question's best (0..1]. */
  score: number;
  /** coverage × matched of this entry, in its own pack's idf (see LexicalIndex.coverage). */
  evidence: number;
  /** Every word of a short question is in this entry's title, tags, topic, summary or example questions. */
  namesSubject: boolean;
}

export interface DecisionFeatures {
  /** The best few entries, best first, already without those an out-of-scope request rules out. */
  candidates: Candidate[];
  /** Out-of-scope requests (live prices, weather...) that no candidate covers: decline. */
  outOfScope: string[];
  /** One or two content words, each a word the best entry is about ("maize", "mahindi", "mammite"). */
  short: boolean;
  /**
   * The best entry's BM25 over the question's words, in units of the rarest word's idf: how much the words
   * that did match say about it. Coverage (in `evidence`) falls with every word a long paraphrase adds; this
   * does not, so a long question that matches an entry on several words is not taken for an off-topic one.
   */
  strength: number;
}

/** The thresholds a decision needs (PackCalibration carries them, with how they were derived). */
export interface DecisionThresholds {
  /** Evidence below which the packs do not know (nothing is offered), unless `strength` is reached. */
  choices: number;
  /** Strength (DecisionFeatures.strength) from which choices are offered whatever the evidence. */
  strength: number;
  /** Evidence from which a clearly best entry is given as the answer. */
  answer: number;
  /** A runner-up scoring at least this (relative to the best) makes the best one not clearly best. */
  closeRunnerUp: number;
}

type DecisionKind = 'answer' | 'choices' | 'decline';

export interface Decision {
  kind: DecisionKind;
  /** Indices into `candidates`: the answer (one), or the choices (one to MAX_CHOICES, best first). */
  picks: number[];
  /** Why, for logs and the gap list. */
  reason: 'clear' | 'close-runner-up' | 'weak-evidence' | 'short-question' | 'out-of-scope' | 'no-evidence';
}

export const MAX_CHOICES = 3;

/** A runner-up below this share of the best score is never close (calibration keeps closeRunnerUp above it). */
export const RUNNER_UP_FLOOR = 0.6;

/** Best evidence among the entries that would be offered (the best one and runners-up not far behind it). */
export function offeredEvidence(f: DecisionFeatures): number {
  let e = 0;
  for (const h of f.candidates.slice(0, MAX_CHOICES)) if (h.score >= RUNNER_UP_FLOOR && h.evidence > e) e = h.evidence;
  return e;
}

/** Something is worth offering: one of the offered entries has the evidence, or the best one the strength. */
function plausible(f: DecisionFeatures, t: DecisionThresholds): boolean {
  return offeredEvidence(f) >= t.choices || f.strength >= t.strength;
}

export function decide(f: DecisionFeatures, t: DecisionThresholds): Decision {
  const c = f.candidates;
  const top = c[0];
  if (!top) return { kind: 'decline', picks: [], reason: f.outOfScope.length > 0 ? 'out-of-scope' : 'no-evidence' };
  if (f.outOfScope.length > 0) return { kind: 'decline', picks: [], reason: 'out-of-scope' };
  // A runner-up scoring close to the best makes it not clearly best, whatever the runner-up's own evidence: a
  // paraphrase that shares few words with the right entry gives it little evidence, and answering the best one
  // then gives a wrong answer where the user could have picked (on the tuning sets, wrong answers 22 -> 10, no
  // right answer lost).
  const close = c.slice(1, MAX_CHOICES).filter((h) => h.score >= t.closeRunnerUp);
  if (top.evidence >= t.answer && close.length === 0) return { kind: 'answer', picks: [0], reason: 'clear' };
  if (f.short && top.namesSubject) {
    // A subject named in a word or two ("maize", "kuku"): the entries about it, never "I don't know".
    const about = c.flatMap((h, i) => (h.namesSubject ? [i] : [])).slice(0, MAX_CHOICES);
    return { kind: 'choices', picks: about, reason: 'short-question' };
  }
  // Not clearly best: the best few are offered (a runner-up far behind never is, see RUNNER_UP_FLOOR), when
  // one of them has the evidence, or the question's words say enough about the best one.
  const offered = c
    .slice(1, MAX_CHOICES)
    .map((h, i) => ({ h, i: i + 1 }))
    .filter(({ h }) => h.score >= RUNNER_UP_FLOOR);
  if (!plausible(f, t)) return { kind: 'decline', picks: [], reason: 'weak-evidence' };
  return {
    kind: 'choices',
    picks: [0, ...offered.map((x) => x.i)],
    reason: close.length > 0 ? 'close-runner-up' : 'weak-evidence',
  };
}
