/**
 * Examples learned from users' picks. When a user is offered choices and picks one, the question they asked and
 * the entry they picked are kept as a pending example for that pack. Editors review pending examples in
 * /admin/gaps (approve, move to another entry, reject); approved ones feed retrieval as extra example questions
 * after the next reload, and `baraza packs learn export` writes them into the entries' `questions` and marks them
 * exported. Everything lives in the shared store, bounded and with expiries:
 *
 * - `learned:example:<id>` one example (JSON); the id is a hash of pack, entry, language and the question as
 *   normalised, so the same question picked again is one example picked twice (`learned:hits:<id>` counts);
 * - `learned:pending`, `learned:approved`, `learned:exported`: sets of ids by status (a rejected example keeps its
 *   record a while, in no set, so the same pick does not come back for review at once).
 */
import { createHash } from 'node:crypto';
import type { Channel } from '../core/messages/index.js';
import { getJson, type KeyValueStore, setJson } from './store/index.js';

type LearnedStatus = 'pending' | 'approved' | 'exported' | 'rejected';

export interface LearnedExample {
  id: string;
  pack: string;
  /** The entry the example belongs to (after an editor's move, the new one). */
  entry: string;
  /** The language the user wrote in (as understood): the example goes into that language's version. */
  lang: string;
  question: string;
  channel: Channel;
  /** ISO-8601 time of the first pick. */
  at: string;
  status: LearnedStatus;
  /** `pack/entry` the user picked, when an editor moved the example to another entry. */
  pickedEntry?: string;
  reviewedAt?: string;
  exportedAt?: string;
}

const DAY = 24 * 60 * 60 * 1000;
/** A pending (or rejected) example is forgotten after this long without a review. */
const PENDING_TTL_MS = 30 * DAY;
/** Approved and exported examples are kept this long (retrieval uses them until the pack files carry them). */
const KEPT_TTL_MS = 365 * DAY;
/** New picks are not kept while this many wait for review. */
const MAX_PENDING = 500;
const MAX_QUESTION_CHARS = 300;

const exampleKey = (id: string) => `learned:example:${id}`;
const hitsKey = (id: string) => `learned:hits:${id}`;
const SET: Record<'pending' | 'approved' | 'exported', string> = {
  pending: 'learned:pending',
  approved: 'learned:approved',
  exported: 'learned:exported',
};

const PHONE_LIKE = /\+?\d[\d\s-]{7,16}\d/g;

/** Lower case, no accents, single spaces, no edge punctuation: "Maize?" and "maize" are one question. */
export function normaliseQuestion(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function exampleId(pack: string, entry: string, lang: string, question: string): string {
  return createHash('sha256')
    .update(`${pack}\0${entry}\0${lang}\0${normaliseQuestion(question)}`)
    .digest('hex')
    .slice(0, 20);
}

export interface Pick {
  pack: string;
  entry: string;
  lang: string;
  question: string;
  channel: Channel;
}

/**
 * Keeps a pick as a pending example (once per question and entry; later picks count). 'full' when MAX_PENDING
 * examples already wait for review, 'skipped' for a question with no words.
 */
export async function recordPick(
  store: KeyValueStore,
  pick: Pick,
  now = Date.now(),
): Promise<'new' | 'again' | 'full' | 'skipped'> {
  // People type their own number into questions; editors read these, so numbers never stay.
  const question = pick.question
    .replace(PHONE_LIKE, '[number]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_QUESTION_CHARS);
  if (normaliseQuestion(question) === '') return 'skipped';
  const id = exampleId(pick.pack, pick.entry, pick.lang, question);
  const existing = await store.exists(exampleKey(id));
  if (!existing) {
    // A soft bound (two picks at once may both pass): enough to keep a flood of picks from growing the store.
    if ((await store.setMembers(SET.pending)).length >= MAX_PENDING) return 'full';
    const example: LearnedExample = {
      id,
      pack: pick.pack,
      entry: pick.entry,
      lang: pick.lang,
      question,
      channel: pick.channel,
      at: new Date(now).toISOString(),
      status: 'pending',
    };
    const created = await setJson(store, exampleKey(id), example, { ttlMs: PENDING_TTL_MS, onlyIfAbsent: true });
    if (created) await store.setAdd(SET.pending, id, { ttlMs: KEPT_TTL_MS });
  }
  await store.incr(hitsKey(id), PENDING_TTL_MS);
  return existing ? 'again' : 'new';
}

export interface LearnedView extends LearnedExample {
  /** How often users picked this entry for this question. */
  hits: number;
}

/** Examples of one status, oldest first. Ids whose record has expired are dropped from the set on the way. */
export async function listLearned(
  store: KeyValueStore,
  status: 'pending' | 'approved' | 'exported',
): Promise<LearnedView[]> {
  const ids = new Set<string>();
  let cursor = '0';
  do {
    const page = await store.setScan(SET[status], cursor, 200);
    cursor = page.cursor;
    for (const id of page.members) ids.add(id);
  } while (cursor !== '0');
  const out: LearnedView[] = [];
  for (const id of ids) {
    const ex = await getJson<LearnedExample>(store, exampleKey(id));
    if (!ex || ex.status !== status) {
      if (!ex) await store.setRemove(SET[status], id);
      continue;
    }
    out.push({ ...ex, hits: Number((await store.get(hitsKey(id))) ?? '1') || 1 });
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

async function getLearned(store: KeyValueStore, id: string): Promise<LearnedExample | undefined> {
  return /^[0-9a-f]{20}$/.test(id) ? getJson<LearnedExample>(store, exampleKey(id)) : undefined;
}

export type Review = { action: 'approve' } | { action: 'reject' } | { action: 'move'; pack: string; entry: string };

export class ReviewError extends Error {
  override readonly name = 'ReviewError';
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

/** An editor's decision on a pending example; moving approves it under another entry (the caller checks it exists). */
export async function reviewLearned(
  store: KeyValueStore,
  id: string,
  review: Review,
  now = Date.now(),
): Promise<LearnedExample> {
  const ex = await getLearned(store, id);
  if (!ex) throw new ReviewError(`no learned example ${id}`, 404);
  if (ex.status !== 'pending') throw new ReviewError(`example ${id} is ${ex.status}, not pending`, 409);
  const reviewedAt = new Date(now).toISOString();
  if (review.action === 'reject') {
    const rejected: LearnedExample = { ...ex, status: 'rejected', reviewedAt };
    await setJson(store, exampleKey(id), rejected, { ttlMs: PENDING_TTL_MS });
    await store.setRemove(SET.pending, id);
    return rejected;
  }
  const approved: LearnedExample = {
    ...ex,
    status: 'approved',
    reviewedAt,
    ...(review.action === 'move' && (review.pack !== ex.pack || review.entry !== ex.entry)
      ? { pack: review.pack, entry: review.entry, pickedEntry: `${ex.pack}/${ex.entry}` }
      : {}),
  };
  await setJson(store, exampleKey(id), approved, { ttlMs: KEPT_TTL_MS });
  await store.setAdd(SET.approved, id, { ttlMs: KEPT_TTL_MS });
  await store.setRemove(SET.pending, id);
  await store.expire(hitsKey(id), KEPT_TTL_MS);
  return approved;
}

/** After `packs learn export` wrote them into the pack files. */
export async function markExported(store: KeyValueStore, ids: string[], now = Date.now()): Promise<void> {
  for (const id of ids) {
    const ex = await getLearned(store, id);
    if (ex?.status !== 'approved') continue;
    await setJson(
      store,
      exampleKey(id),
      { ...ex, status: 'exported', exportedAt: new Date(now).toISOString() },
      {
        ttlMs: KEPT_TTL_MS,
      },
    );
    await store.setAdd(SET.exported, id, { ttlMs: KEPT_TTL_MS });
    await store.setRemove(SET.approved, id);
  }
}

/** Approved and exported examples: what retrieval adds to the entries' example questions. */
export async function examplesForRetrieval(store: KeyValueStore): Promise<LearnedExample[]> {
  return [...(await listLearned(store, 'approved')), ...(await listLearned(store, 'exported'))];
}
