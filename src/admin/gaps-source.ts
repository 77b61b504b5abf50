import type { KeyValueStore } from '../store/index.js';
import type { GapLike } from './gap-groups.js';

/** The store list the answer module appends gaps to (src/answer/gaps.ts). */
export const GAPS_KEY = 'gaps';

/** Every recorded gap, oldest first; unreadable entries are skipped rather than failing the page. */
export async function readGaps(store: KeyValueStore): Promise<GapLike[]> {
  const raw = await store.listRange(GAPS_KEY, 0, -1);
  const out: GapLike[] = [];
  for (const r of raw) {
    try {
      const g = JSON.parse(r) as Record<string, unknown>;
      const question = typeof g.question === 'string' ? g.question : typeof g.text === 'string' ? g.text : undefined;
      if (!question) continue;
      out.push({
        question,
        lang: typeof g.lang === 'string' ? g.lang : undefined,
        channel: typeof g.channel === 'string' ? g.channel : undefined,
        at: typeof g.at === 'string' ? g.at : undefined,
        confidence: typeof g.confidence === 'number' ? g.confidence : undefined,
      });
    } catch {
      /* not JSON: skip */
    }
  }
  return out;
}
