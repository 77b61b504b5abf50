/**
 * Who delivers a USSD question's answer: the waiting HTTP request (screen) or, past the deadline, an SMS.
 * Both sides race for one key with SET NX, so exactly one of them delivers:
 *  - the worker stores the answer, then claims `screen`; if the gateway already claimed `sms`, it sends SMS;
 *  - the gateway, at its deadline, claims `sms`; if the worker already claimed `screen`, it reads the answer.
 */
import type { Choice } from '../../core/answers.js';
import type { KeyValueStore } from '../../platform/store/index.js';

const CLAIM_TTL_MS = 60 * 60 * 1000;

const answerKey = (jobId: string) => `ussd:answer:${jobId}`;
const claimKey = (jobId: string) => `ussd:claim:${jobId}`;

export interface StoredUssdAnswer {
  text: string;
  /** The language of the answer's screen: the user's, as the answerer understood it. */
  lang: string;
  found: boolean;
  /** Present when the user is to pick among entries (the screen offers them, see choices.ts). */
  choices?: Choice[];
  confidence?: number;
  userLang?: string;
  /** Set when the screens cut the answer: the entry offered in full by SMS (see full-answer.ts). */
  full?: { pack: string; entry: string; entryLang: string };
}

export async function storeAnswer(store: KeyValueStore, jobId: string, answer: StoredUssdAnswer): Promise<void> {
  await store.set(answerKey(jobId), JSON.stringify(answer), { ttlMs: CLAIM_TTL_MS });
}

export async function readAnswer(store: KeyValueStore, jobId: string): Promise<StoredUssdAnswer | undefined> {
  const raw = await store.get(answerKey(jobId));
  return raw ? (JSON.parse(raw) as StoredUssdAnswer) : undefined;
}

/** Returns true when this caller won the right to deliver through `by`. */
export async function claimDelivery(store: KeyValueStore, jobId: string, by: 'screen' | 'sms'): Promise<boolean> {
  return store.set(claimKey(jobId), by, { ttlMs: CLAIM_TTL_MS, onlyIfAbsent: true });
}

export async function deliveryClaim(store: KeyValueStore, jobId: string): Promise<string | null> {
  return store.get(claimKey(jobId));
}
