/**
 * Leave-one-pack-out evaluation: quality on packs Baraza was not tuned on is the product's quality.
 *
 * Two question sets per pack, both written apart from the retrieval code (direct questions, paraphrases, short
 * questions, off-topic ones) by writers who saw only the pack's entries:
 * - bench/data/<P>.jsonl, the TUNING sets: retrieval changes have been measured on them, so their figures are
 *   not the product's;
 * - bench/holdout/<P>.jsonl, the HELD-OUT sets: written later, by other writers, and used for reporting only.
 *   Nothing in the retrieval code or its settings was chosen by looking at them.
 * For each pack P with a set, P is indexed alone, as a deployment would, with its own calibration; Baraza and
 * MiniSearch with default settings answer P's held-out questions (its tuning set when it has none) on that same
 * index content. The only global setting left, the calibration's off-topic false-accept targets, is chosen on
 * the OTHER packs' tuning sets (objective in quality.ts), never on P's; with no other set the defaults stand.
 *
 * Per fold: right entry first, right first or among the choices, "I don't know" to answerable questions,
 * off-topic declined, paraphrases right first, and p50/p99 search latency of both systems (each question's
 * fastest of five passes, as in retrieval.ts `race`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import {
  type CalibrationSamples,
  type CalibrationTargets,
  DEFAULT_TARGETS,
  deriveThresholds,
  measurePack,
} from '../src/knowledge/answer/calibration.js';
import type { DecisionThresholds } from '../src/knowledge/answer/decide.js';
import { buildPackDocs, buildSnapshot } from '../src/knowledge/answer/engine.js';
import { retrieve } from '../src/knowledge/answer/retrieve.js';
import { clearSnapshotCaches, type Snapshot } from '../src/knowledge/answer/snapshot.js';
import { findPackDirs, loadPack } from '../src/knowledge/packs/load.js';
import type { LoadedPack } from '../src/knowledge/packs/types.js';
import {
  figures,
  type LabelledQuestion,
  type Outcome,
  objective,
  outcomes,
  type QualityFigures,
  readLabelled,
} from './quality.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '..');
const DATA_DIR = path.join(ROOT, 'bench/data');
const HOLDOUT_DIR = path.join(ROOT, 'bench/holdout');

/** The grid the false-accept targets are chosen from (on other packs' sets). */
const TARGET_GRID: CalibrationTargets[] = [0.05, 0.08, 0.1, 0.15, 0.2].flatMap((choices) =>
  [0.01, 0.03, 0.05].filter((answer) => answer <= choices).map((answer) => ({ choices, answer })),
);

export interface Fold {
  pack: LoadedPack;
  /** The tuning set (bench/data): used to choose settings for the OTHER packs' folds. */
  questions: LabelledQuestion[];
  /** The held-out set (bench/holdout), when the pack has one: the fold's reported figures. */
  heldOut?: LabelledQuestion[];
  snap: Snapshot;
  samples: CalibrationSamples;
}

/** Every pack under packs/ with a question set in bench/data/. */
export async function loadFolds(
  packsDir = path.join(ROOT, 'packs'),
  dataDir = DATA_DIR,
  holdoutDir = HOLDOUT_DIR,
): Promise<Fold[]> {
  const folds: Fold[] = [];
  for (const dir of await findPackDirs(packsDir)) {
    const r = await loadPack(dir);
    if (!r.pack) throw new Error(`${dir} does not load: ${r.issues.map((i) => i.message).join('; ')}`);
    const file = path.join(dataDir, `${r.pack.manifest.id}.jsonl`);
    if (!existsSync(file)) continue;
    const snap = await buildSnapshot([r.pack]);
    const samples = await measurePack(r.pack, await buildPackDocs(r.pack));
    const held = path.join(holdoutDir, `${r.pack.manifest.id}.jsonl`);
    folds.push({
      pack: r.pack,
      questions: readLabelled(file),
      ...(existsSync(held) ? { heldOut: readLabelled(held) } : {}),
      snap,
      samples,
    });
  }
  return folds;
}

/** Thresholds of a fold's pack for given targets (from its own measured samples). */
function thresholdsFor(fold: Fold, targets: CalibrationTargets): (pack: string) => DecisionThresholds {
  const t = deriveThresholds(fold.samples, targets);
  return () => t;
}

/** The targets that do best on the other folds' sets (summed objective); the defaults when there are none. */
async function selectTargets(others: Fold[]): Promise<{ targets: CalibrationTargets; score?: number }> {
  if (others.length === 0) return { targets: DEFAULT_TARGETS };
  let best: { targets: CalibrationTargets; score: number } | undefined;
  for (const targets of TARGET_GRID) {
    let score = 0;
    for (const f of others) score += objective(figures(await outcomes(f.snap, f.questions, thresholdsFor(f, targets))));
    if (!best || score > best.score + 1e-9) best = { targets, score };
  }
  return best!;
}

/** MiniSearch as a new user would set it up: the entry's text fields, every default left alone. */
function defaultMiniSearch(pack: LoadedPack): (q: string) => string[] {
  const ms = new MiniSearch({
    fields: ['title', 'tags', 'summary', 'questions', 'topic', 'body'],
    storeFields: ['entry'],
  });
  ms.addAll(
    pack.entries.map((e) => ({
      id: `${e.id}/${e.lang}`,
      entry: e.id,
      title: e.title,
      tags: e.tags.join(' '),
      summary: e.summary ?? '',
      questions: (e.questions ?? []).join('\n'),
      topic: pack.manifest.topicTitles[e.topic]?.[e.lang] ?? e.topic,
      body: e.body,
    })),
  );
  return (q) => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const hit of ms.search(q)) {
      const entry = hit.entry as string;
      if (seen.has(entry)) continue;
      seen.add(entry);
      out.push(entry);
      if (out.length === 10) break;
    }
    return out;
  };
}

/** MiniSearch's figures: it never declines unless nothing matches, and never offers choices. */
function miniSearchFigures(questions: LabelledQuestion[], ranked: string[][]): QualityFigures {
  const results: Outcome[] = questions.map((q, i) => {
    const r = ranked[i] ?? [];
    return { q, kind: r.length > 0 ? 'answer' : 'decline', entries: r.slice(0, 1), ranked: r };
  });
  return figures(results);
}

export interface FoldResult {
  pack: string;
  /** Which set the figures are on: the held-out one, or the tuning one when the pack has no held-out set. */
  set: 'held-out' | 'tuning';
  questions: number;
  targets: CalibrationTargets;
  thresholds: DecisionThresholds;
  baraza: QualityFigures;
  minisearch: QualityFigures;
  latency: { baraza: { p50: number; p99: number }; minisearch: { p50: number; p99: number } };
  misses: { q: string; lang: string; expected: string[]; kind: string; got: string[] }[];
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** 0..n-1, in order for the first pass, shuffled (seeded by the pass, so runs repeat) for the others. */
export function passOrder(n: number, pass: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = pass * 2654435761;
  for (let i = n - 1; i > 0 && pass > 0; i--) {
    seed = (Math.imul(seed ^ (seed >>> 15), 2246822519) + 3266489917) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Fastest of `passes` timings per question, both systems taking turns (see retrieval.ts `race`). */
async function latencies(
  questions: LabelledQuestion[],
  systems: ((q: string) => Promise<unknown> | unknown)[],
  reset: () => void,
  passes = 5,
): Promise<number[][]> {
  for (const s of systems) for (const q of questions) await s(q.q);
  const best = systems.map(() => questions.map(() => Number.POSITIVE_INFINITY));
  for (let pass = 0; pass < passes; pass++) {
    reset();
    // A deployment runs one engine: each system answers the whole pass on its own (which one goes first
    // alternates), so neither is timed with the other's data in the CPU caches. Each pass asks the questions in
    // another order: a collection triggered by the allocations before a question would otherwise fall on the
    // same question in every pass, and the fastest of five would not drop it.
    const order = pass % 2 === 0 ? systems.map((_, k) => k) : systems.map((_, k) => systems.length - 1 - k);
    for (const k of order) {
      for (const i of passOrder(questions.length, pass)) {
        const t0 = performance.now();
        await systems[k]!(questions[i]!.q);
        const ms = performance.now() - t0;
        if (ms < best[k]![i]!) best[k]![i] = ms;
      }
    }
  }
  return best;
}

async function runFold(fold: Fold, others: Fold[]): Promise<FoldResult> {
  const { targets } = await selectTargets(others);
  const thresholds = deriveThresholds(fold.samples, targets);
  const questions = fold.heldOut ?? fold.questions;
  const results = await outcomes(fold.snap, questions, () => thresholds);
  const mini = defaultMiniSearch(fold.pack);
  const ranked = questions.map((q) => mini(q.q));
  const [b, m] = await latencies(
    questions,
    [(q) => retrieve(fold.snap, q, { limit: 10, thresholds: () => thresholds }), mini],
    () => clearSnapshotCaches(fold.snap),
  );
  return {
    pack: fold.pack.manifest.id,
    set: fold.heldOut ? 'held-out' : 'tuning',
    questions: questions.length,
    targets,
    thresholds,
    baraza: figures(results),
    minisearch: miniSearchFigures(questions, ranked),
    latency: {
      baraza: { p50: quantile(b!, 0.5), p99: quantile(b!, 0.99) },
      minisearch: { p50: quantile(m!, 0.5), p99: quantile(m!, 0.99) },
    },
    misses: results
      .filter((o) => (o.q.expected.length === 0 ? o.kind !== 'decline' : !o.q.expected.includes(o.entries[0] ?? '')))
      .map((o) => ({
        q: o.q.q,
        lang: o.q.lang,
        expected: o.q.expected,
        kind: o.kind,
        got: o.entries.length > 0 ? o.entries : o.ranked.slice(0, 3).map((e) => `(${e})`),
      })),
  };
}

export async function runFolds(folds: Fold[]): Promise<FoldResult[]> {
  const out: FoldResult[] = [];
  for (const fold of folds)
    out.push(
      await runFold(
        fold,
        folds.filter((f) => f !== fold),
      ),
    );
  return out;
}
