import type { Channel } from './messages/index.js';

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
  /** Pseudonym of the subscriber (ctx.pseudonym(phone)), recorded with knowledge gaps; never the number. */
  subscriber?: string;
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
  /** The user's language as understood (detected from the text, else the saved/requested one); `lang` may
   * differ when the entry exists only in the pack's default language. Worth saving on the profile. */
  userLang?: string;
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
  /** Short citation for SMS/USSD ("FAO"): `source_short` or derived from `source`. */
  sourceShort?: string;
  topicTitle?: string;
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
