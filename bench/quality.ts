/**
 * Answer quality of Baraza's decisions on labelled questions (shared by bench/retrieval.ts and
 * scripts/eval-retrieval.ts). A question is labelled with the entry ids that answer it; an empty label marks an
 * off-topic question; `kind` (direct, paraphrase, short, offtopic) is optional.
 */
import { readFileSync } from 'node:fs';
import { type DecisionThresholds, MAX_CHOICES } from '../src/knowledge/answer/decide.js';
import { CANDIDATES, retrieve } from '../src/knowledge/answer/retrieve.js';
import type { Snapshot } from '../src/knowledge/answer/snapshot.js';

export interface LabelledQuestion {
  q: string;
  lang: string;
  expected: string[];
  kind?: 'direct' | 'paraphrase' | 'short' | 'offtopic';
}

export function readLabelled(file: string): LabelledQuestion[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledQuestion);
}

/** What Baraza did with one question. */
export interface Outcome {
  q: LabelledQuestion;
  kind: 'answer' | 'choices' | 'decline';
  /** The answer's entry, or the offered ones, best first. */
  entries: string[];
  /** The ranking (entry ids), best first. */
  ranked: string[];
  /**
   * The entries a decision could have offered for this question: the ranking's first three, the first five for a
   * question that names a subject in a word or two (decide.ts).
   */
  reachable: string[];
}

export async function outcomes(
  snap: Snapshot,
  questions: LabelledQuestion[],
  thresholds?: (pack: string) => DecisionThresholds | undefined,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const q of questions) {
    const r = await retrieve(snap, q.q, { limit: 10, thresholds });
    const d = r.decision;
    const kind = d?.kind ?? 'decline';
    out.push({
      q,
      kind,
      entries: kind === 'decline' ? [] : d!.picks.map((i) => r.hits[i]!.entry),
      ranked: r.hits.map((h) => h.entry),
      reachable: r.hits.slice(0, r.features.short ? CANDIDATES : MAX_CHOICES).map((h) => h.entry),
    });
  }
  return out;
}

export interface QualityFigures {
  answerable: number;
  offTopic: number;
  /** The answer, or the first choice, is a right entry. */
  rightFirst: number;
  /** The answer is right, or a right entry is among the choices. */
  rightFirstOrChoices: number;
  /** "I don't know" to an answerable question. */
  dontKnow: number;
  /** A direct answer from a wrong entry. */
  wrongAnswer: number;
  offTopicDeclined: number;
  /** Off-topic questions that got a direct answer. */
  offTopicAnswered: number;
  paraphrases: number;
  paraphraseRightFirst: number;
  /** Choices offered to answerable questions. */
  choicesOffered: number;
  /**
   * A right entry among those a decision could have offered (Outcome.reachable), whatever was decided: this
   * bounds "right first or among choices".
   */
  reachable: number;
}

export function figures(results: Outcome[]): QualityFigures {
  const f: QualityFigures = {
    answerable: 0,
    offTopic: 0,
    rightFirst: 0,
    rightFirstOrChoices: 0,
    dontKnow: 0,
    wrongAnswer: 0,
    offTopicDeclined: 0,
    offTopicAnswered: 0,
    paraphrases: 0,
    paraphraseRightFirst: 0,
    choicesOffered: 0,
    reachable: 0,
  };
  for (const o of results) {
    if (o.q.expected.length === 0) {
      f.offTopic++;
      if (o.kind === 'decline') f.offTopicDeclined++;
      if (o.kind === 'answer') f.offTopicAnswered++;
      continue;
    }
    f.answerable++;
    const right = (id: string | undefined) => id !== undefined && o.q.expected.includes(id);
    const first = right(o.entries[0]);
    if (first) f.rightFirst++;
    if (o.entries.some(right)) f.rightFirstOrChoices++;
    if (o.kind === 'decline') f.dontKnow++;
    if (o.kind === 'answer' && !first) f.wrongAnswer++;
    if (o.kind === 'choices') f.choicesOffered++;
    if (o.reachable.some(right)) f.reachable++;
    if (o.q.kind === 'paraphrase') {
      f.paraphrases++;
      if (first) f.paraphraseRightFirst++;
    }
  }
  return f;
}

/**
 * One number to choose global settings by, on other packs' sets: first how many of the issue's targets are met
 * (right first >= 90 %, "I don't know" <= 5 %, right first or among choices >= 97 %, off-topic declined
 * >= 80 %), then right first and among choices, less "I don't know" and wrong answers, plus off-topic declined.
 */
export function objective(f: QualityFigures): number {
  const a = Math.max(1, f.answerable);
  const o = Math.max(1, f.offTopic);
  const met =
    Number(f.rightFirst / a >= 0.9) +
    Number(f.dontKnow / a <= 0.05) +
    Number(f.rightFirstOrChoices / a >= 0.97) +
    Number(f.offTopic === 0 || f.offTopicDeclined / o >= 0.8);
  return (
    10 * met + (f.rightFirst + f.rightFirstOrChoices - f.dontKnow - 2 * f.wrongAnswer) / a + f.offTopicDeclined / o
  );
}

const pct = (x: number, n: number) => (n === 0 ? 'n/a' : `${Math.round((1000 * x) / n) / 10} %`);

export function describeFigures(f: QualityFigures): string {
  return [
    `right first ${pct(f.rightFirst, f.answerable)} (${f.rightFirst}/${f.answerable})`,
    `first or among choices ${pct(f.rightFirstOrChoices, f.answerable)}`,
    `don't know ${pct(f.dontKnow, f.answerable)} (${f.dontKnow})`,
    `wrong answer ${f.wrongAnswer}`,
    `choices ${f.choicesOffered}`,
    `off-topic declined ${pct(f.offTopicDeclined, f.offTopic)} (${f.offTopicDeclined}/${f.offTopic}, answered ${f.offTopicAnswered})`,
    ...(f.paraphrases > 0 ? [`paraphrases right first ${f.paraphraseRightFirst}/${f.paraphrases}`] : []),
  ].join('; ');
}
