/**
 * Retrieval quality on the labelled question sets, for tuning the ranking and the confidence threshold:
 *
 *   npx tsx scripts/eval-retrieval.ts [file.jsonl ...]
 *
 * Default sets: src/knowledge/answer/testdata/{tune,dev,calibration}.jsonl (the ones tuning may look at). The benchmark's
 * bench/data/queries.jsonl is held out: `npx tsx bench/run.ts retrieval` scores it against MiniSearch.
 * Prints Recall@1 per set and language, then, over all sets, what a range of evidence thresholds would do:
 * off-topic questions answered, right answers held back, wrong answers given.
 */
import { readFileSync } from 'node:fs';
import { loadShippedPacks } from '../bench/retrieval.js';
import { buildSnapshot } from '../src/knowledge/answer/engine.js';
import { EVIDENCE_THRESHOLD, retrieve } from '../src/knowledge/answer/index.js';

interface Labelled {
  q: string;
  lang: string;
  expected: string[];
}

const files = process.argv.slice(2);
const sets = files.length
  ? files
  : ['tune', 'dev', 'calibration'].map((n) => `src/knowledge/answer/testdata/${n}.jsonl`);
const snap = await buildSnapshot(await loadShippedPacks());
const rows: { evidence: number; kind: 'off' | 'right' | 'wrong' }[] = [];

for (const file of sets) {
  const questions = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Labelled);
  const byLang: Record<string, string> = {};
  const tally: Record<string, [number, number]> = {};
  for (const q of questions) {
    const r = await retrieve(snap, q.q);
    const evidence = r.coverage * r.matched;
    if (q.expected.length === 0) {
      rows.push({ evidence, kind: 'off' });
      continue;
    }
    const right = q.expected.includes(r.hits[0]?.entry ?? '');
    rows.push({ evidence, kind: right ? 'right' : 'wrong' });
    tally[q.lang] ??= [0, 0];
    tally[q.lang]![1]++;
    if (right) tally[q.lang]![0]++;
  }
  let top = 0;
  let n = 0;
  for (const [lang, [r1, total]] of Object.entries(tally)) {
    byLang[lang] = `${r1}/${total}`;
    top += r1;
    n += total;
  }
  console.log(`${file}: Recall@1 ${top}/${n} (${((100 * top) / Math.max(1, n)).toFixed(1)} %)`, byLang);
}

const count = (kind: string, pass: (e: number) => boolean) =>
  rows.filter((r) => r.kind === kind && pass(r.evidence)).length;
console.log(`\nevidence threshold (current ${EVIDENCE_THRESHOLD}):`);
for (const t of [0.45, 0.5, 0.55, 0.58, 0.62, 0.66, 0.7]) {
  console.log(
    `  ${t.toFixed(2)}: off-topic answered ${count('off', (e) => e >= t)}/${count('off', () => true)}, ` +
      `right held back ${count('right', (e) => e < t)}/${count('right', () => true)}, ` +
      `wrong answered ${count('wrong', (e) => e >= t)}/${count('wrong', () => true)}`,
  );
}
