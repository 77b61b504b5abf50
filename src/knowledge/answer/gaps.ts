import type { Channel } from '../../core/messages/index.js';
import type { KeyValueStore } from '../../platform/store/index.js';

/** Store list key of knowledge gaps (questions the packs could not answer well), newest last. */
export const GAPS_KEY = 'gaps';
/** Oldest gaps are dropped beyond this many. */
const GAPS_MAX = 10_000;

export interface KnowledgeGap {
  question: string;
  lang: string;
  channel: Channel;
  /** Pseudonym of the subscriber (never the number). */
  subscriber?: string;
  confidence: number;
  /** ISO-8601 time. */
  at: string;
  /** False: nothing relevant was found; true: answered, but with low confidence. */
  found?: boolean;
  /** Best candidate entry, when there was one (pack/entry), to help editors. */
  nearest?: string;
  /** Entries offered as choices (pack/entry, best first), when the user was asked to pick. */
  offered?: string[];
  /** What the user did with the choices offered: none of them fitted, or no reply came in time. */
  outcome?: 'none-of-these' | 'unanswered';
}

const PHONE_LIKE = /\+?\d[\d\s-]{7,16}\d/g;
/** A question id is remembered this long: a retried job or a late SMS answer comes well within it. */
const GAP_CLAIM_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** True the first time a question id is seen: its gap is recorded then, and only then. */
export async function claimGap(store: KeyValueStore, questionId: string): Promise<boolean> {
  return store.set(`gaps:question:${questionId}`, '1', { ttlMs: GAP_CLAIM_TTL_MS, onlyIfAbsent: true });
}

export async function recordGap(store: KeyValueStore, gap: KnowledgeGap): Promise<void> {
  // People type their own number into questions; the gaps list is read by editors, so it never keeps one.
  const question = gap.question.replace(PHONE_LIKE, '[number]').slice(0, 500);
  await store.listPush(GAPS_KEY, JSON.stringify({ ...gap, question }), { maxLength: GAPS_MAX });
}

/** Gaps oldest first (at most `limit` newest ones). Unreadable items are skipped. */
export async function listGaps(store: KeyValueStore, limit = GAPS_MAX): Promise<KnowledgeGap[]> {
  const raw = await store.listRange(GAPS_KEY, -limit, -1);
  const out: KnowledgeGap[] = [];
  for (const r of raw) {
    try {
      const g = JSON.parse(r) as KnowledgeGap;
      if (typeof g.question === 'string' && typeof g.lang === 'string') out.push(g);
    } catch {
      // skip
    }
  }
  return out;
}
