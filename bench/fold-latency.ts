/**
 * Search latency of one fold, in a process of its own that holds only that pack's index and MiniSearch's, as a
 * deployment's worker holds its pack. (Measured inside the benchmark process, beside every fold's index, the
 * calibration samples and the tuning runs, both engines were up to twice as slow, and unevenly so.)
 *
 *   tsx bench/fold-latency.ts <pack dir> <questions.jsonl>   → prints {"baraza": [...ms], "minisearch": [...ms]}
 *
 * Per question, the fastest of five passes; each engine answers a whole pass on its own (which one goes first
 * alternates), in a shuffled order per pass, Baraza's caches (near spellings, language scores) emptied before each.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildSnapshot } from '../src/knowledge/answer/engine.js';
import { retrieve } from '../src/knowledge/answer/retrieve.js';
import { clearSnapshotCaches } from '../src/knowledge/answer/snapshot.js';
import { loadPack } from '../src/knowledge/packs/load.js';
import { defaultMiniSearch } from './minisearch-default.js';
import { readLabelled } from './quality.js';

/** 0..n-1, in order for the first pass, shuffled (seeded by the pass, so runs repeat) for the others. */
function passOrder(n: number, pass: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = pass * 2654435761;
  for (let i = n - 1; i > 0 && pass > 0; i--) {
    seed = (Math.imul(seed ^ (seed >>> 15), 2246822519) + 3266489917) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function measure(packDir: string, file: string, passes = 5): Promise<{ baraza: number[]; minisearch: number[] }> {
  const r = await loadPack(packDir);
  if (!r.pack) throw new Error(`${packDir} does not load`);
  const snap = await buildSnapshot([r.pack]);
  const mini = defaultMiniSearch(r.pack);
  const questions = readLabelled(file).map((q) => q.q);
  const systems: ((q: string) => unknown)[] = [(q) => retrieve(snap, q, { limit: 10 }), mini];
  for (const s of systems) for (const q of questions) await s(q); // warm-up: JIT, alike for both
  const best = systems.map(() => questions.map(() => Number.POSITIVE_INFINITY));
  for (let pass = 0; pass < passes; pass++) {
    clearSnapshotCaches(snap);
    const order = pass % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      for (const i of passOrder(questions.length, pass)) {
        const t0 = performance.now();
        await systems[k]!(questions[i]!);
        const ms = performance.now() - t0;
        if (ms < best[k]![i]!) best[k]![i] = ms;
      }
    }
  }
  return { baraza: best[0]!, minisearch: best[1]! };
}

/** Runs `measure` in a child process (same Node flags and loader as this one). */
export function foldLatencies(packDir: string, file: string): { baraza: number[]; minisearch: number[] } {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), packDir, file], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { baraza: number[]; minisearch: number[] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [packDir, file] = process.argv.slice(2);
  if (!packDir || !file) {
    console.error('usage: tsx bench/fold-latency.ts <pack dir> <questions.jsonl>');
    process.exit(2);
  }
  console.log(JSON.stringify(await measure(packDir, file)));
}
