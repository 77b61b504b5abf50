/**
 * Leave-one-pack-out evaluation: quality on packs Baraza was not tuned on is the product's quality.
 *
 * Question sets per pack, all written apart from the retrieval code (direct questions, paraphrases, short
 * questions, off-topic ones) by writers who saw only the pack's entries:
 * - bench/data/<P>.jsonl, the TUNING sets: retrieval changes have been measured on them, so their figures are
 *   not the product's;
 * - bench/holdout/<P>.jsonl, the HELD-OUT sets: written later, by other writers, and used for reporting. No
 *   setting was chosen on them; one addition (the WordNet bridge) was kept because it helped there, as its issue
 *   asked, so they are not quite untouched;
 * - bench/fresh/<P>.jsonl, the FRESH sets: written later still, scored once for the report; the changes after
 *   them were judged on the tuning sets only;
 * - bench/fresh-2/<P>.jsonl, the SECOND FRESH sets: written by new writers (who saw only the entries) while those
 *   changes were made, first scored after them; the few changes since were judged on the tuning sets only;
 * - bench/fresh-3/<P>.jsonl, the THIRD FRESH sets: written by new writers, scored once on the code as it then
 *   stood (before the changes below);
 * - bench/fresh-4/<P>.jsonl, the FOURTH FRESH sets: written by new writers while those changes (faster out-of-scope
 *   and near-spelling lookups, greetings kept inside a sentence) were made, and first scored after them; the one
 *   change since (near spellings of 10-12-letter words within two edits, not three) was judged on the tuning sets,
 *   where it changed no figure. A later change should be judged on new sets.
 * For each pack P with a set, P is indexed alone, as a deployment would, with its own calibration; Baraza and
 * MiniSearch with default settings answer P's held-out and fresh questions (its tuning set when it has neither)
 * on that same index content. The only global setting left, the calibration's off-topic false-accept targets, is
 * the product's default unless another on the grid does clearly better on the OTHER packs' tuning sets (objective
 * in quality.ts), never judged on P's; with no other set the defaults stand.
 *
 * Per fold and set: right entry first, right first or among the choices (and how often a right entry is among the
 * entries a decision could offer, which bounds it), "I don't know" to answerable questions, off-topic declined, paraphrases right first, and p50/p99 search latency of both systems (each question's
 * fastest of five passes, in a process of its own per fold: fold-latency.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type CalibrationSamples,
  type CalibrationTargets,
  DEFAULT_TARGETS,
  deriveThresholds,
  measurePack,
} from '../src/knowledge/answer/calibration.js';
import type { DecisionThresholds } from '../src/knowledge/answer/decide.js';
import { buildPackDocs, buildSnapshot } from '../src/knowledge/answer/engine.js';
import type { Snapshot } from '../src/knowledge/answer/snapshot.js';
import { findPackDirs, loadPack } from '../src/knowledge/packs/load.js';
import type { LoadedPack } from '../src/knowledge/packs/types.js';
import { foldLatencies } from './fold-latency.js';
import { defaultMiniSearch } from './minisearch-default.js';
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
/** The sets a fold reports on, oldest first (see above). */
const REPORT_SETS = [
  ['held-out', path.join(ROOT, 'bench/holdout')],
  ['fresh', path.join(ROOT, 'bench/fresh')],
  ['fresh-2', path.join(ROOT, 'bench/fresh-2')],
  ['fresh-3', path.join(ROOT, 'bench/fresh-3')],
  ['fresh-4', path.join(ROOT, 'bench/fresh-4')],
] as const;

/** The grid the false-accept targets are chosen from (on other packs' sets). */
const TARGET_GRID: CalibrationTargets[] = [0.05, 0.08, 0.1, 0.15, 0.2].flatMap((choices) =>
  [0.01, 0.03, 0.05].filter((answer) => answer <= choices).map((answer) => ({ choices, answer })),
);

/** A set of questions a fold reports figures on. */
interface ReportSet {
  set: (typeof REPORT_SETS)[number][0] | 'tuning';
  file: string;
  questions: LabelledQuestion[];
}

export interface Fold {
  pack: LoadedPack;
  dir: string;
  /** The tuning set (bench/data): used to choose settings for the OTHER packs' folds. */
  questions: LabelledQuestion[];
  /**
   * What the fold reports on: those of REPORT_SETS it has (bench/holdout, bench/fresh*), else its tuning set.
   */
  report: ReportSet[];
  snap: Snapshot;
  samples: CalibrationSamples;
}

/** Every pack under packs/ with a question set in bench/data/. */
export async function loadFolds(
  packsDir = path.join(ROOT, 'packs'),
  dataDir = DATA_DIR,
  reportSets: readonly (readonly [ReportSet['set'], string])[] = REPORT_SETS,
): Promise<Fold[]> {
  const folds: Fold[] = [];
  for (const dir of await findPackDirs(packsDir)) {
    const r = await loadPack(dir);
    if (!r.pack) throw new Error(`${dir} does not load: ${r.issues.map((i) => i.message).join('; ')}`);
    const file = path.join(dataDir, `${r.pack.manifest.id}.jsonl`);
    if (!existsSync(file)) continue;
    const snap = await buildSnapshot([r.pack]);
    const samples = await measurePack(r.pack, await buildPackDocs(r.pack));
    const report: ReportSet[] = [];
    for (const [set, d] of reportSets) {
      const f = path.join(d, `${r.pack.manifest.id}.jsonl`);
      if (existsSync(f)) report.push({ set, file: f, questions: readLabelled(f) });
    }
    const questions = readLabelled(file);
    if (report.length === 0) report.push({ set: 'tuning', file, questions });
    folds.push({ pack: r.pack, dir, questions, report, snap, samples });
  }
  return folds;
}

/** Thresholds of a fold's pack for given targets (from its own measured samples). */
function thresholdsFor(fold: Fold, targets: CalibrationTargets): (pack: string) => DecisionThresholds {
  const t = deriveThresholds(fold.samples, targets);
  return () => t;
}

/**
 * How much better on the other folds' sets (summed objective) a target must do to replace the product's default:
 * about one off-topic question of a tuning set (1/21 of a pack's off-topic share). Without it the choice followed
 * ties and one-question differences: three small retrieval changes in a row moved one fold from 10 % to 15 % to 8 %,
 * and its figures by several points each time, on nothing the other packs clearly showed.
 */
const CLEARLY_BETTER = 0.05;

/**
 * The targets that do clearly best on the other folds' sets (summed objective), else the product's defaults (also
 * when there are no other folds).
 */
async function selectTargets(others: Fold[]): Promise<{ targets: CalibrationTargets; score?: number }> {
  if (others.length === 0) return { targets: DEFAULT_TARGETS };
  const scoreOf = async (targets: CalibrationTargets) => {
    let score = 0;
    for (const f of others) score += objective(figures(await outcomes(f.snap, f.questions, thresholdsFor(f, targets))));
    return score;
  };
  const same = (a: CalibrationTargets) => a.choices === DEFAULT_TARGETS.choices && a.answer === DEFAULT_TARGETS.answer;
  const grid = TARGET_GRID.some(same) ? TARGET_GRID : [DEFAULT_TARGETS, ...TARGET_GRID];
  const scored: { targets: CalibrationTargets; score: number }[] = [];
  for (const targets of grid) scored.push({ targets, score: await scoreOf(targets) });
  const fallback = scored.find((x) => same(x.targets))!;
  const best = scored.reduce((a, b) => (b.score > a.score + 1e-9 ? b : a));
  return best.score > fallback.score + CLEARLY_BETTER ? best : fallback;
}

/**
 * MiniSearch's figures: it never declines unless nothing matches, and never offers choices (`reachable`: its top 3,
 * what Baraza's choices would be drawn from).
 */
function miniSearchFigures(questions: LabelledQuestion[], ranked: string[][]): QualityFigures {
  const results: Outcome[] = questions.map((q, i) => {
    const r = ranked[i] ?? [];
    return {
      q,
      kind: r.length > 0 ? 'answer' : 'decline',
      entries: r.slice(0, 1),
      ranked: r,
      reachable: r.slice(0, 3),
    };
  });
  return figures(results);
}

export interface FoldResult {
  pack: string;
  /** Which set the figures are on: the held-out one, or the tuning one when the pack has no held-out set. */
  set: ReportSet['set'];
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

async function runFold(fold: Fold, others: Fold[]): Promise<FoldResult[]> {
  const { targets } = await selectTargets(others);
  const thresholds = deriveThresholds(fold.samples, targets);
  const mini = defaultMiniSearch(fold.pack);
  const out: FoldResult[] = [];
  for (const { set, file, questions } of fold.report) {
    const results = await outcomes(fold.snap, questions, () => thresholds);
    const ranked = questions.map((q) => mini(q.q));
    const { baraza: b, minisearch: m } = foldLatencies(fold.dir, file);
    out.push({
      pack: fold.pack.manifest.id,
      set,
      questions: questions.length,
      targets,
      thresholds,
      baraza: figures(results),
      minisearch: miniSearchFigures(questions, ranked),
      latency: {
        baraza: { p50: quantile(b, 0.5), p99: quantile(b, 0.99) },
        minisearch: { p50: quantile(m, 0.5), p99: quantile(m, 0.99) },
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
    });
  }
  return out;
}

export async function runFolds(folds: Fold[]): Promise<FoldResult[]> {
  const out: FoldResult[] = [];
  for (const fold of folds)
    out.push(
      ...(await runFold(
        fold,
        folds.filter((f) => f !== fold),
      )),
    );
  return out;
}
