import type { Channel } from '../../core/messages/index.js';
import {
  analyseSms,
  markdownBlocks,
  normaliseForSms,
  paginateUssd,
  renderInline,
  renderMarkdown,
  type SmsEncoding,
  WHATSAPP_LIMITS,
} from '../../core/shaping/index.js';
import { answerStrings, choiceStrings, inLanguageNote } from './strings.js';

/** The carrier limits an answer must fit (from Config). */
export interface ChannelBudget {
  smsMaxSegments: number;
  ussdMaxChars: number;
  /** Screens a USSD answer may use ("1 More" pages). */
  ussdMaxScreens: number;
}

/** The longest navigation labels of our locales, so a USSD answer fits its screens in every UI language. */
export const USSD_BUDGET_LABELS = { more: '1 Suite', back: '0 Retour' };
/** The longest "full answer by SMS" offer of our locales (the last page of a cut USSD answer shows it). */
export const USSD_OFFER_LABEL = '2 Reponse complete par SMS';
/** An extractive SMS summary (no editor summary) aims at this many segments, within the channel maximum. */
const EXTRACTIVE_SMS_SEGMENTS = 2;
const ELLIPSIS = '...';

export interface ComposableEntry {
  lang: string;
  title: string;
  summary?: string;
  body: string;
  source: string;
  sourceShort: string;
}

export interface Composed {
  text: string;
  /** The entry says more than `text` (the budget cut it). */
  truncated?: boolean;
  segments?: number;
  encoding?: SmsEncoding;
}

/** Scores how well a sentence answers the question (higher is better). */
export type SentenceScorer = (sentence: string) => number;

/**
 * A short citation tag for SMS/USSD from a full `source`: the organisation when it is short, else its
 * acronym ("Pan-Africa Bean Research Alliance (PABRA, ...)" → "PABRA"), else the URL's host.
 */
export function deriveShortSource(source: string, max = 24): string {
  const url = /https?:\/\/([^/\s]+)/.exec(source);
  const text = source.replace(/\s*[-—–]?\s*https?:\/\/\S+/g, '').trim();
  let depth = 0;
  let cut = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      cut = i;
      break;
    }
  }
  const org = text.slice(0, cut).trim();
  if (org.length > 0 && org.length <= max + 4) return org;
  const acronym = /\b([A-Z][A-Z0-9&+]{1,9})\b/.exec(org) ?? /\b([A-Z][A-Z0-9&+]{1,9})\b/.exec(text);
  if (acronym) return acronym[1]!;
  if (url) return url[1]!.replace(/^www\./, '');
  const words = org.split(/\s+/);
  let out = '';
  for (const w of words) {
    if ((out ? `${out} ${w}` : w).length > max) break;
    out = out ? `${out} ${w}` : w;
  }
  return out || org.slice(0, max);
}

/** A sentence of an entry, and whether it opens a line (a list item, a heading, a paragraph). */
interface Sentence {
  text: string;
  lineStart: boolean;
}

/**
 * Sentences of a Markdown body: each block (paragraph, heading, list item) opens a line, so list items stay
 * lines of their own on USSD and SMS; a line that introduces a list ends with ":".
 */
function sentences(body: string): Sentence[] {
  const out: Sentence[] = [];
  const blocks = markdownBlocks(body);
  blocks.forEach((b, bi) => {
    const line = renderInline(b.text, 'plain').trim();
    const parts = line
      .split(/(?<=[.!?።])\s+(?=[\p{Lu}\p{N}"'(])/u)
      .map((x) => x.trim())
      .filter(Boolean);
    const introducesList = b.kind !== 'item' && blocks[bi + 1]?.kind === 'item';
    parts.forEach((t, i) => {
      const last = i === parts.length - 1;
      const ended = /[.!?:;።]$/.test(t) ? t : `${t}${last && introducesList ? ':' : '.'}`;
      const numbered = i === 0 && b.ordinal !== undefined ? `${b.ordinal}. ${ended}` : ended;
      out.push({ text: numbered, lineStart: i === 0 });
    });
  });
  return out;
}

/** Sentences back into text: a sentence that opens a line starts one. */
function joinSentences(list: Sentence[]): string {
  return list.map((x, i) => (i === 0 ? '' : x.lineStart ? '\n' : ' ') + x.text).join('');
}

/**
 * Extractive summary: the sentences that best answer the question (then the earliest ones), in their
 * original order, as many as `fits` allows. Always returns something: the first sentence, cut, at worst.
 */
function extractiveSummary(body: string, score: SentenceScorer, fits: (text: string) => boolean): string {
  const all = sentences(body);
  if (all.length === 0) return '';
  const ranked = all
    .map((s, i) => ({ s, i, score: score(s.text) + 0.6 / (1 + i) }))
    .sort((a, b) => b.score - a.score || a.i - b.i);
  const chosen: { s: Sentence; i: number }[] = [];
  for (const c of ranked) {
    const trial = [...chosen, c].sort((a, b) => a.i - b.i);
    if (fits(joinSentences(trial.map((x) => x.s)))) chosen.push(c);
    else if (chosen.length > 0 && chosen.length >= 3) break;
  }
  if (chosen.length === 0) return cutToFit(ranked[0]!.s.text, fits);
  return joinSentences(chosen.sort((a, b) => a.i - b.i).map((x) => x.s));
}

/** Longest word-boundary prefix of `text` (plus "...") that `fits`. */
function cutToFit(text: string, fits: (t: string) => boolean): string {
  if (fits(text)) return text;
  const cuts = [...text.matchAll(/\s+/g)].map((m) => m.index!).filter((i) => i > 0);
  let lo = 0;
  let hi = cuts.length - 1;
  let best = '';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = `${text.slice(0, cuts[mid]).replace(/[\s,;:.]+$/, '')}${ELLIPSIS}`;
    if (fits(t)) {
      best = t;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best) return best;
  // One very long word: cut by characters.
  const chars = [...text];
  lo = 0;
  hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(chars.slice(0, mid).join('') + ELLIPSIS)) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? chars.slice(0, lo).join('') + ELLIPSIS : '';
}

const smsFits = (max: number, lang: string) => (text: string) =>
  analyseSms(normaliseForSms(text, lang)).segments <= max;

function ussdFits(budget: ChannelBudget, lang: string, last?: string): (text: string) => boolean {
  const labels = last ? { ...USSD_BUDGET_LABELS, last } : USSD_BUDGET_LABELS;
  return (text) => {
    try {
      return paginateUssd(normaliseForSms(text, lang), budget.ussdMaxChars, labels).length <= budget.ussdMaxScreens;
    } catch {
      return false;
    }
  };
}

/**
 * One answer for one channel: the entry in the user's language (or a note and the pack's language), always
 * cited, fitted to the channel. `related` titles are offered on WhatsApp only (room to spare).
 */
export function composeAnswer(input: {
  entry: ComposableEntry;
  userLang: string;
  channel: Channel;
  budget: ChannelBudget;
  score: SentenceScorer;
  related?: string[];
}): Composed {
  const { entry, userLang, channel, budget } = input;
  const strings = answerStrings(userLang);
  const note = entry.lang !== userLang ? `${inLanguageNote(userLang, entry.lang)} ` : '';

  if (channel === 'whatsapp') {
    const head = `*${entry.title}*\n${note ? `${note.trim()}\n` : ''}\n`;
    const summary = entry.summary ? `${entry.summary}\n\n` : '';
    const see = input.related?.length ? `\n\n${strings.seeAlso}: ${input.related.join('; ')}` : '';
    const tail = `\n\n${strings.source}: ${entry.source}${see}`;
    const body = renderMarkdown(entry.body, 'whatsapp');
    const room = WHATSAPP_LIMITS.text - head.length - summary.length - tail.length;
    const fitted = body.length <= room ? body : cutToFit(body, (t) => t.length <= room);
    return { text: `${head}${summary}${fitted}${tail}` };
  }

  const tag = ` ${strings.src}: ${entry.sourceShort}`;
  if (channel === 'sms') {
    const fits = smsFits(budget.smsMaxSegments, entry.lang);
    const whole = (core: string) => `${note}${core}${tag}`;
    let core: string;
    if (entry.summary && fits(whole(entry.summary))) core = entry.summary;
    else {
      const target = smsFits(Math.min(budget.smsMaxSegments, EXTRACTIVE_SMS_SEGMENTS), entry.lang);
      const source = entry.summary ?? entry.body;
      core = entry.summary
        ? cutToFit(entry.summary, (c) => fits(whole(c)))
        : extractiveSummary(source, input.score, (c) => target(whole(c)));
    }
    const text = normaliseForSms(whole(core), entry.lang);
    const info = analyseSms(text);
    return { text, segments: info.segments, encoding: info.encoding };
  }

  // USSD: the summary first (what fits one screen), then the body for the "More" pages, source last. An entry
  // longer than the screens is cut at a sentence, leaving room on the last page for the offer of the full
  // answer by SMS (the dialogue makes it; `truncated` tells it to).
  const whole = (core: string) => `${note}${core}${tag}`;
  const lead = entry.summary ?? '';
  const leadSentence: Sentence[] = lead ? [{ text: lead, lineStart: true }] : [];
  const all = [...leadSentence];
  for (const s of sentences(entry.body)) if (!repeats(s.text, joinSentences(all))) all.push(s);
  const everything = whole(joinSentences(all));
  if (all.length > 0 && ussdFits(budget, entry.lang)(everything)) {
    return { text: normaliseForSms(everything, entry.lang) };
  }
  const fits = ussdFits(budget, entry.lang, USSD_OFFER_LABEL);
  let core: string;
  if (!lead || fits(whole(lead))) {
    const parts = [...leadSentence];
    for (const s of all.slice(leadSentence.length)) {
      if (fits(whole(joinSentences([...parts, s])))) parts.push(s);
      else break;
    }
    core = joinSentences(parts);
    if (!core) core = extractiveSummary(entry.body, input.score, (c) => fits(whole(c)));
  } else {
    core = cutToFit(lead, (c) => fits(whole(c)));
  }
  return { text: normaliseForSms(whole(core), entry.lang), truncated: true };
}

/** A body sentence that mostly says again what is already there (editors' summaries restate the body). */
function repeats(sentence: string, sofar: string): boolean {
  const have = new Set(sofar.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []);
  const words = sentence.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? [];
  if (words.length === 0) return false;
  return words.filter((w) => have.has(w)).length / words.length >= 0.6;
}

/** The honest "no answer yet" in the user's language, fitted like any answer. */
export function composeNotFound(userLang: string, channel: Channel, budget: ChannelBudget): Composed {
  const text = answerStrings(userLang).notFound;
  if (channel === 'sms') {
    const shaped = normaliseForSms(cutToFit(text, smsFits(budget.smsMaxSegments, userLang)), userLang);
    const info = analyseSms(shaped);
    return { text: shaped, segments: info.segments, encoding: info.encoding };
  }
  if (channel === 'ussd') return { text: normaliseForSms(cutToFit(text, ussdFits(budget, userLang)), userLang) };
  return { text };
}

/**
 * The clarifying question when a few entries are plausible: "Did you mean: 1) ... 2) ... 3) ...? Reply with
 * the number." in the user's language, titles cut (never the numbering) until it fits the channel.
 */
export function composeChoices(titles: string[], userLang: string, channel: Channel, budget: ChannelBudget): Composed {
  const s = choiceStrings(userLang);
  const render = (ts: string[]) => {
    if (channel === 'whatsapp')
      return `${s.didYouMean}\n${ts.map((t, i) => `${i + 1}. *${t}*`).join('\n')}\n\n${s.replyWithNumber}`;
    if (channel === 'ussd')
      return `${s.didYouMean}\n${ts.map((t, i) => `${i + 1} ${t}`).join('\n')}\n0 ${s.noneOfThese}`;
    return `${s.didYouMean} ${ts.map((t, i) => `${i + 1}) ${t}`).join(' ')} ${s.replyWithNumber}`;
  };
  const fits =
    channel === 'sms'
      ? smsFits(budget.smsMaxSegments, userLang)
      : channel === 'ussd'
        ? (t: string) => normaliseForSms(t, userLang).length <= budget.ussdMaxChars
        : (t: string) => t.length <= WHATSAPP_LIMITS.text;
  let shown = titles;
  // Cut the longest title by a word at a time until the whole question fits.
  for (let guard = 0; !fits(render(shown)) && guard < 200; guard++) {
    const longest = shown.reduce((a, t, i) => (t.length > shown[a]!.length ? i : a), 0);
    const t = shown[longest]!;
    const cut = t.replace(/\s*\S+(?:\.\.\.)?$/, '');
    if (cut.length < 8) break;
    shown = shown.map((x, i) => (i === longest ? `${cut.replace(/[\s,;:.]+$/, '')}...` : x));
  }
  const text = channel === 'whatsapp' ? render(shown) : normaliseForSms(render(shown), userLang);
  if (channel !== 'sms') return { text };
  const info = analyseSms(text);
  return { text, segments: info.segments, encoding: info.encoding };
}

/**
 * The whole entry as one SMS of at most `budget.smsMaxSegments` (the USSD "full answer by SMS"): the summary
 * and the body's sentences in order, list items on lines, cut after the last sentence that fits (never on a
 * line introducing a list it cannot show), the short source last.
 */
export function composeFullSms(entry: ComposableEntry, userLang: string, budget: ChannelBudget): Composed {
  const note = entry.lang !== userLang ? `${inLanguageNote(userLang, entry.lang)} ` : '';
  const tag = ` ${answerStrings(userLang).src}: ${entry.sourceShort}`;
  const whole = (core: string) => `${note}${core}${tag}`;
  const fits = smsFits(budget.smsMaxSegments, entry.lang);
  const parts: Sentence[] = entry.summary ? [{ text: entry.summary, lineStart: true }] : [];
  let cut = false;
  for (const s of sentences(entry.body)) {
    if (repeats(s.text, joinSentences(parts))) continue;
    if (!fits(whole(joinSentences([...parts, s])))) {
      cut = true;
      break;
    }
    parts.push(s);
  }
  while (cut && parts.length > 1 && parts.at(-1)!.text.endsWith(':')) parts.pop();
  const core = parts.length > 0 && fits(whole(joinSentences(parts))) ? joinSentences(parts) : '';
  const text = normaliseForSms(whole(core || cutToFit(entry.summary ?? entry.body, (c) => fits(whole(c)))), entry.lang);
  const info = analyseSms(text);
  return { text, segments: info.segments, encoding: info.encoding, ...(cut ? { truncated: true } : {}) };
}
