import { createHash } from 'node:crypto';
import { loadOffTopicProbes } from '../language/lang-data.js';
import type { LoadedPack } from '../packs/types.js';
import { type DecisionFeatures, type DecisionThresholds, decide, offeredEvidence, RUNNER_UP_FLOOR } from './decide.js';
import type { IndexDoc } from './lexical.js';
import { pseudoQuestions } from './pseudo-questions.js';
import { retrieve } from './retrieve.js';
import { assembleSnapshot } from './snapshot.js';

/*
 * Per-pack confidence calibration. Every deployment brings its own pack, so no evidence threshold is fixed in
 * code: when a pack is indexed (packs build, in-memory build, hot reload) it is asked two sets of questions,
 * on its own index:
 *  - pseudo-questions made from its entries with SMS noise (pseudo-questions.ts): what its users ask;
 *  - the off-topic probes that ship with Baraza in every supported language (data/offtopic/<lang>.txt):
 *    greetings, weather, football, phones, prices... what it must not answer.
 * The thresholds follow from the probes' evidence: "don't know" below the level that lets through at most
 * `targets.choices` of the probes (they may at most get choices), a direct answer only from the level that
 * lets through at most `targets.answer` of them. The pseudo-questions set how close a runner-up must be to
 * make the best entry "not clearly best" (choices instead of an answer), and their rates are reported so an
 * editor sees how the pack will behave (`packs build` prints them).
 */

/**
 * Bump when the calibration procedure, or the retrieval it measures, changes: stored calibrations of other
 * versions are redone. (3: Swahili roots and French word families reach unknown words.)
 */
const CALIBRATION_VERSION = 3;

/** Off-topic false-accept targets, as shares of the probes. */
export interface CalibrationTargets {
  /**
   * At most this share of the probes may get anything but "I don't know" (choices or an answer).
   * @defaultValue 0.1
   */
  choices: number;
  /**
   * At most this share of the probes may get a direct answer.
   * @defaultValue 0.05
   */
  answer: number;
}

/**
 * A direct-answer target of 1 % gives no fewer right entries first on the tuning sets and three fewer wrong
 * answers in 454 questions, but turns 39 more of them into choices: 5 % keeps a clear question answered at once.
 */
export const DEFAULT_TARGETS: CalibrationTargets = { choices: 0.1, answer: 0.05 };

export interface PseudoQuestionRates {
  n: number;
  /** Answered with the entry it was made from. */
  answeredRight: number;
  answeredWrong: number;
  /** Choices that include the entry. */
  choicesWithRight: number;
  choicesWithoutRight: number;
  declined: number;
}

export interface ProbeRates {
  n: number;
  answered: number;
  choices: number;
  declined: number;
}

export interface PackCalibration {
  version: number;
  pack: string;
  contentHash: string;
  /** Hash of the probes used: new probes recalibrate. */
  probes: string;
  targets: CalibrationTargets;
  thresholds: DecisionThresholds;
  pseudo: PseudoQuestionRates;
  probeRates: ProbeRates;
}

/** One measured question: what the decision sees, and where the right entry ranked (-1: not among them). */
export interface CalibrationSample {
  features: DecisionFeatures;
  rightRank: number;
}

export interface CalibrationSamples {
  pseudo: CalibrationSample[];
  probes: CalibrationSample[];
}

let probesCache: { probes: string[]; hash: string } | undefined;

/** The shipped off-topic probes, every language together (read once). */
export function offTopicProbes(): { probes: string[]; hash: string } {
  if (!probesCache) {
    const probes = Object.values(loadOffTopicProbes()).flat();
    probesCache = { probes, hash: createHash('sha256').update(probes.join('\n')).digest('hex').slice(0, 12) };
  }
  return probesCache;
}

/** Ask a pack (indexed alone) its pseudo-questions and the probes. */
export async function measurePack(
  pack: LoadedPack,
  docs: IndexDoc[],
  probes = offTopicProbes().probes,
): Promise<CalibrationSamples> {
  const snap = assembleSnapshot([pack], docs);
  const pseudo: CalibrationSample[] = [];
  for (const q of pseudoQuestions(pack)) {
    const r = await retrieve(snap, q.q, { limit: 5 });
    pseudo.push({ features: r.features, rightRank: r.hits.findIndex((h) => h.entry === q.entry) });
  }
  const off: CalibrationSample[] = [];
  for (const q of probes) {
    const r = await retrieve(snap, q, { limit: 5 });
    off.push({ features: r.features, rightRank: -1 });
  }
  return { pseudo, probes: off };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))]!;

/** Just above the (k+1)-th largest value: the level that lets at most k of `values` reach it. */
function levelAdmitting(values: number[], k: number): number {
  const desc = [...values].sort((a, b) => b - a);
  if (k < 0) return (desc[0] ?? 0) + 1e-6;
  if (k >= desc.length) return 0;
  return desc[k]! + 1e-6;
}

/** The "don't know" level is at least the evidence this share of the pseudo-questions stays below. */
const PSEUDO_FLOOR = 0.02;

/** Share of the runner-up cases (right entry second or third) that the close-runner-up rule turns into choices. */
const RUNNER_UP_CAUGHT = 0.8;

/** Thresholds from measured samples for given false-accept targets. */
export function deriveThresholds(s: CalibrationSamples, targets: CalibrationTargets): DecisionThresholds {
  const n = s.probes.length;
  // Probes ruled out whatever the thresholds (out-of-scope requests), or let through whatever they are
  // (short questions naming a subject of the pack, which always get choices).
  const open = s.probes.filter((p) => p.features.outOfScope.length === 0 && p.features.candidates.length > 0);
  const short = open.filter((p) => p.features.short && p.features.candidates[0]!.namesSubject);
  const rest = open.filter((p) => !(p.features.short && p.features.candidates[0]!.namesSubject));
  const evidence = (p: CalibrationSample) => p.features.candidates[0]!.evidence;
  // A small pack shares few words with the probes, so the probes alone could put the levels near zero: they
  // never go below what nearly all of the pack's own pseudo-questions reach.
  const answerable = s.pseudo.filter((p) => p.features.candidates.length > 0);
  const floorOf = (v: (p: CalibrationSample) => number) =>
    quantile(
      answerable.map(v).sort((a, b) => a - b),
      PSEUDO_FLOOR,
    );
  const offered = (p: CalibrationSample) => offeredEvidence(p.features);
  const strength = (p: CalibrationSample) => p.features.strength;
  const levels = plausibleLevels(rest.map(offered), rest.map(strength), Math.floor(targets.choices * n) - short.length);
  const choices = Math.max(floorOf(offered), levels.evidence);
  const answer = Math.max(choices, levelAdmitting(open.map(evidence), Math.floor(targets.answer * n)));
  // Right entry ranked second or third: how close it scored to the best one.
  const ratios = s.pseudo
    .filter((p) => p.rightRank >= 1 && p.rightRank < 3)
    .map((p) => p.features.candidates[p.rightRank]?.score ?? 0)
    .sort((a, b) => a - b);
  const closeRunnerUp =
    ratios.length >= 5 ? Math.min(0.95, Math.max(RUNNER_UP_FLOOR, quantile(ratios, 1 - RUNNER_UP_CAUGHT))) : 0.9;
  return { choices, answer, closeRunnerUp, strength: Math.max(floorOf(strength), levels.strength) };
}

/**
 * The two levels of "something is worth offering" (evidence of an offered entry, or the best entry's strength:
 * decide.ts `plausible`) that let at most k probes through either, each at the same rank among the probes'
 * values: the lowest such pair.
 */
function plausibleLevels(evidence: number[], strength: number[], k: number): { evidence: number; strength: number } {
  const e = [...evidence].sort((a, b) => b - a);
  const st = [...strength].sort((a, b) => b - a);
  const at = (j: number) => ({
    evidence: j < 0 ? (e[0] ?? 0) + 1e-6 : j >= e.length ? 0 : e[j]! + 1e-6,
    strength: j < 0 ? (st[0] ?? 0) + 1e-6 : j >= st.length ? 0 : st[j]! + 1e-6,
  });
  const through = (l: { evidence: number; strength: number }) =>
    evidence.filter((v, i) => v >= l.evidence || strength[i]! >= l.strength).length;
  if (k < 0) return at(-1);
  // Admitted probes grow with j: the largest j (lowest levels) whose union stays within k.
  let lo = -1;
  let hi = Math.min(k, e.length);
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (through(at(m)) <= k) lo = m;
    else hi = m - 1;
  }
  return at(lo);
}

/** What the thresholds do to the samples (reported by `packs build` and the benchmark). */
export function rates(
  s: CalibrationSamples,
  t: DecisionThresholds,
): { pseudo: PseudoQuestionRates; probeRates: ProbeRates } {
  const pseudo: PseudoQuestionRates = {
    n: s.pseudo.length,
    answeredRight: 0,
    answeredWrong: 0,
    choicesWithRight: 0,
    choicesWithoutRight: 0,
    declined: 0,
  };
  for (const p of s.pseudo) {
    const d = decide(p.features, t);
    if (d.kind === 'decline') pseudo.declined++;
    else if (d.kind === 'answer') {
      if (p.rightRank === 0) pseudo.answeredRight++;
      else pseudo.answeredWrong++;
    } else if (d.picks.includes(p.rightRank)) pseudo.choicesWithRight++;
    else pseudo.choicesWithoutRight++;
  }
  const probeRates: ProbeRates = { n: s.probes.length, answered: 0, choices: 0, declined: 0 };
  for (const p of s.probes) {
    const d = decide(p.features, t);
    if (d.kind === 'answer') probeRates.answered++;
    else if (d.kind === 'choices') probeRates.choices++;
    else probeRates.declined++;
  }
  return { pseudo, probeRates };
}

const cache = new Map<string, PackCalibration>();
const CACHE_MAX = 64;

/**
 * The calibration of a pack from its analysed documents (cached by content: an unchanged pack reloaded, or
 * built again by tests, is not measured twice; a changed pack has another content hash and is recalibrated).
 */
export async function calibratePack(
  pack: LoadedPack,
  docs: IndexDoc[],
  targets: CalibrationTargets = DEFAULT_TARGETS,
): Promise<PackCalibration> {
  const { probes, hash } = offTopicProbes();
  const key = `${CALIBRATION_VERSION}:${pack.manifest.id}:${pack.contentHash}:${hash}:${targets.choices}:${targets.answer}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const samples = await measurePack(pack, docs, probes);
  const thresholds = deriveThresholds(samples, targets);
  const calibration: PackCalibration = {
    version: CALIBRATION_VERSION,
    pack: pack.manifest.id,
    contentHash: pack.contentHash,
    probes: hash,
    targets,
    thresholds,
    ...rates(samples, thresholds),
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, calibration);
  return calibration;
}

/**
 * A stored calibration is used when it was made by this procedure, for this content, these probes and these
 * false-accept targets.
 */
export function isCurrentCalibration(
  c: PackCalibration | undefined,
  pack: LoadedPack,
  targets: CalibrationTargets = DEFAULT_TARGETS,
): c is PackCalibration {
  return (
    c !== undefined &&
    c.version === CALIBRATION_VERSION &&
    c.contentHash === pack.contentHash &&
    c.probes === offTopicProbes().hash &&
    c.targets.choices === targets.choices &&
    c.targets.answer === targets.answer
  );
}

const pct = (x: number, n: number) => `${n === 0 ? 0 : Math.round((1000 * x) / n) / 10}%`;

/** One line for `packs build`: thresholds, then what they do to the pseudo-questions and the probes. */
export function describeCalibration(c: PackCalibration): string {
  const t = c.thresholds;
  const p = c.pseudo;
  const o = c.probeRates;
  return (
    `${c.pack}: don't know < ${t.choices.toFixed(2)} (or strength ${t.strength.toFixed(2)}) <= choices < ${t.answer.toFixed(2)} <= answer` +
    ` (runner-up >= ${t.closeRunnerUp.toFixed(2)} of the best: choices); ` +
    `pseudo-questions ${p.n}: right answer ${pct(p.answeredRight, p.n)}, right among choices ${pct(p.choicesWithRight, p.n)}, ` +
    `wrong answer ${pct(p.answeredWrong, p.n)}, don't know ${pct(p.declined, p.n)}; ` +
    `off-topic probes ${o.n}: declined ${pct(o.declined, o.n)}, choices ${pct(o.choices, o.n)}, answered ${pct(o.answered, o.n)}`
  );
}
