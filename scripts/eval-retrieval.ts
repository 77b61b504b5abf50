/**
 * Answer quality on the tuning sets, each pack indexed alone as a deployment would, with its own calibration:
 *
 *   npx tsx scripts/eval-retrieval.ts [--misses] [file.jsonl ...]
 *
 * Default sets: src/knowledge/answer/testdata/{tune,dev,calibration}.jsonl (the ones tuning may look at; they cover the
 * two original sample packs). A question belongs to the pack of its expected entry; off-topic questions are
 * asked of every pack. The benchmark's sets (bench/data/) are held out: `npm run bench` scores them.
 * Prints each pack's calibration line and its figures; --misses lists the answerable questions not answered
 * right first.
 */
import path from 'node:path';
import { describeFigures, figures, outcomes, readLabelled } from '../bench/quality.js';
import { describeCalibration } from '../src/knowledge/answer/calibration.js';
import { buildSnapshot } from '../src/knowledge/answer/engine.js';
import { findPackDirs, loadPack } from '../src/knowledge/packs/load.js';

const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const files = args.filter((a) => !a.startsWith('--'));
const sets = files.length
  ? files
  : ['tune', 'dev', 'calibration'].map((n) => `src/knowledge/answer/testdata/${n}.jsonl`);
const questions = sets.flatMap((f) => readLabelled(path.resolve(f)));

for (const dir of await findPackDirs(path.resolve('packs'))) {
  const pack = (await loadPack(dir)).pack;
  if (!pack) throw new Error(`${dir} does not load`);
  const ids = new Set(pack.entries.map((e) => e.id));
  const mine = questions.filter((q) => q.expected.length === 0 || q.expected.some((e) => ids.has(e)));
  const t0 = performance.now();
  const snap = await buildSnapshot([pack]);
  const ms = Math.round(performance.now() - t0);
  console.log(`\n${describeCalibration(snap.calibrations[pack.manifest.id]!)} [built and calibrated in ${ms} ms]`);
  const results = await outcomes(snap, mine);
  console.log(`  tuning sets: ${describeFigures(figures(results))}`);
  if (showMisses) {
    for (const o of results) {
      if (o.q.expected.length === 0) {
        if (o.kind !== 'decline') console.log(`  OFF ${o.kind} ${o.entries.join(',')}  <- ${o.q.q}`);
        continue;
      }
      if (!o.q.expected.includes(o.entries[0] ?? ''))
        console.log(
          `  MISS ${o.kind} [${o.entries.join(',')}] want ${o.q.expected.join('|')} ranked ${o.ranked.indexOf(o.q.expected[0]!)}  <- ${o.q.q}`,
        );
    }
  }
}
