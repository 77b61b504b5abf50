import type { Channel } from '../messages/index.js';

export interface Citation {
  pack: string;
  entry: string;
  title: string;
  source: string;
}

export interface AnswerRequest {
  question: string;
  channel: Channel;
  /** Language the user asked for (`--lang`, saved subscriber language); free-text detection may refine it. */
  lang?: string;
  /** Milliseconds the caller can still wait; the optional generative step is skipped when it would overrun. */
  deadlineMs?: number;
}

export interface AnswerResult {
  /** The reply text, already fitted to the channel budget (SMS segments, WhatsApp 4096, USSD pages). */
  answer: string;
  lang: string;
  /** Best first; empty when nothing relevant was found. */
  citations: Citation[];
  /** Calibrated 0..1; below the threshold `found` is false and the answer says so honestly. */
  confidence: number;
  found: boolean;
  segments?: number;
  encoding?: 'GSM-7' | 'UCS-2';
}

export interface PackInfo {
  id: string;
  title: string;
  version: string;
  languages: string[];
  defaultLanguage: string;
  topics: string[];
}

export interface EntryView {
  pack: string;
  id: string;
  lang: string;
  title: string;
  topic: string;
  summary?: string;
  body: string;
  source: string;
  /** True when the entry is not in the requested language and this is the pack's default one. */
  fallback: boolean;
}

/** Browsing the loaded packs (USSD topic menus, tips). Reads the in-memory index only: fast, no I/O. */
export interface Catalogue {
  packs(): PackInfo[];
  topicTitle(packId: string, topic: string, lang: string): string;
  entries(packId: string, topic: string, lang: string): { id: string; title: string }[];
  entry(packId: string, entryId: string, lang: string): EntryView | undefined;
}

export interface Answerer {
  answer(req: AnswerRequest): Promise<AnswerResult>;
  readonly catalogue: Catalogue;
}
