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
  /**
   * The caller shows choices as a dialogue and records what the user does with them (a pick, "none of these",
   * no reply): an offer of choices is then not recorded as a knowledge gap here.
   */
  offerFollowUp?: boolean;
  /**
   * The question's stable id (its inbound job): it is recorded as a knowledge gap at most once, however often
   * it is answered (a retried job, the SMS after a USSD deadline).
   */
  questionId?: string;
}

/** An entry offered to the user to pick from (see AnswerResult.choices). */
export interface Choice {
  pack: string;
  entry: string;
  /** The entry's title in the user's language (else the pack's default language). */
  title: string;
}

/**
 * One reply, of three kinds:
 * - an answer: `found` is true, `citations` lists the entry answered from (best first), `choices` is absent;
 * - a clarifying question: no entry is clearly best but a few are plausible (or the question names a subject
 *   in a word or two, "maize"): `citations` is empty and `choices` lists one to three entries, best first;
 *   `answer` is the question put to the user ("Did you mean: 1 ... 2 ... 3 ...? Reply with the number"), fitted
 *   to the channel. The dialogue layer may instead show `choices` as a USSD menu ("0 None of these"), an SMS
 *   offer ("Reply 1, 2 or 3"), or a WhatsApp list, then answer the pick with `Catalogue.entry`;
 * - "I don't know": neither citations nor choices; `answer` says so in the user's language.
 */
export interface AnswerResult {
  /** The reply text, already fitted to the channel budget (SMS segments, WhatsApp 4096, USSD pages). */
  answer: string;
  lang: string;
  /** Best first; empty when nothing relevant was found, and when choices are offered instead. */
  citations: Citation[];
  /** Present (one to three, best first) when the user is asked to pick; then `citations` is empty. */
  choices?: Choice[];
  /** 0..1, calibrated per pack: 0.5 at the pack's "I don't know" threshold. */
  confidence: number;
  /** True when the reply answers from an entry (`citations` non-empty). */
  found: boolean;
  /**
   * The packs did not answer outright ("I don't know", or choices): such questions are recorded as knowledge
   * gaps by the answerer (with the entries offered, if any) and counted in the gaps metric. Absent means false.
   * The answer's decision (declined, or choices, by the pack's calibration) sets it, never a fixed confidence.
   */
  lowConfidence?: boolean;
  /** This call recorded the question as a knowledge gap (false for one already recorded under its questionId). */
  gapRecorded?: boolean;
  segments?: number;
  encoding?: 'GSM-7' | 'UCS-2';
  /**
   * The channel's budget cut the entry: it says more than `answer` (on USSD the dialogue then offers the full
   * answer by SMS). Absent means false.
   */
  truncated?: boolean;
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
  /** Short menu label per language (`menu_title` in pack.yaml); menus fall back to `title`. */
  menuTitle?: Record<string, string>;
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
