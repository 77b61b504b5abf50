import {
  analyseSms,
  graphemes,
  isGsm7,
  SEGMENT_CAPACITY,
  type SmsAtom,
  type SmsEncoding,
  smsAtoms,
  unitsIn,
} from './gsm.js';
import { normaliseForSms } from './normalise.js';

/** What a truncated SMS ends with: GSM-7 dots, since "…" alone would force UCS-2. */
const SMS_ELLIPSIS = '...';

/**
 * A word break is taken only when it keeps at least this share of the budget; otherwise the chunk is cut
 * between graphemes (a long URL or word must not waste most of a part).
 */
const MIN_WORD_BREAK_SHARE = 1 / 3;

const sum = (atoms: SmsAtom[], from: number, to: number) => {
  let n = 0;
  for (let i = from; i < to; i++) n += atoms[i]!.units;
  return n;
};

const join = (atoms: SmsAtom[], from: number, to: number) => {
  let s = '';
  for (let i = from; i < to; i++) s += atoms[i]!.text;
  return s;
};

/**
 * End (exclusive) of the chunk starting at `start` that fits `budget`: all of the rest when it fits, else
 * the end of the last whitespace run inside the budget (the run stays with this chunk, so the next chunk
 * starts on a word), else a cut between graphemes. With `trimmed` (the caller trims what it shows), a budget
 * ending exactly on a word end breaks there. Atoms are whole graphemes or whole escape pairs, so an
 * extension character or an emoji is never split.
 */
function nextChunkEnd(atoms: SmsAtom[], start: number, budget: number, trimmed = false): number {
  let used = 0;
  let end = start;
  while (end < atoms.length && used + atoms[end]!.units <= budget) {
    used += atoms[end]!.units;
    end++;
  }
  if (end === atoms.length) return end;
  if (end === start) return start + 1; // one grapheme larger than a part: cannot be helped
  // When the caller trims the chunk anyway, a budget that ends right on a word end is the best break.
  if (trimmed && atoms[end]!.space) return end;
  let wordEnd = -1;
  for (let p = end; p > start; p--) {
    if (atoms[p - 1]!.space && !atoms[p]?.space) {
      wordEnd = p;
      break;
    }
  }
  if (wordEnd > start && sum(atoms, start, wordEnd) >= budget * MIN_WORD_BREAK_SHARE) return wordEnd;
  return end;
}

/** The longest word-bounded prefix of atoms[start..] that, with `ellipsis` appended, fits `budget`. */
function truncatedTail(atoms: SmsAtom[], start: number, budget: number, ellipsis: string, encoding: SmsEncoding) {
  if (sum(atoms, start, atoms.length) <= budget) return { text: join(atoms, start, atoms.length), truncated: false };
  const ellipsisUnits = unitsIn(ellipsis, encoding);
  const end = nextChunkEnd(atoms, start, Math.max(0, budget - ellipsisUnits), true);
  let kept = join(atoms, start, end).trimEnd();
  if (unitsIn(kept, encoding) + ellipsisUnits > budget) kept = '';
  return { text: kept + ellipsis, truncated: true };
}

/**
 * Graphemes wider than `maxUnits` (only stacks of combining marks get there) are broken into code points,
 * so every atom fits a part and no limit is ever exceeded; surrogate pairs and escape pairs stay whole.
 */
function boundAtoms(atoms: SmsAtom[], maxUnits: number, encoding: SmsEncoding): SmsAtom[] {
  if (atoms.every((a) => a.units <= maxUnits)) return atoms;
  return atoms.flatMap((a) =>
    a.units <= maxUnits ? [a] : [...a.text].map((c) => ({ text: c, units: unitsIn(c, encoding), space: false })),
  );
}

/** `(2/3) `: what each part of a split message starts with. */
const partMarker = (index: number, total: number) => `(${index}/${total}) `;
const MARKER_PATTERN = /^\(\d+\/\d+\) /;

/** Removes a part marker; joining the stripped parts of an untruncated split gives back the text. */
export function stripPartMarker(part: string): string {
  return part.replace(MARKER_PATTERN, '');
}

/**
 * Splits text into separate single-segment messages marked "(1/3) ", "(2/3) "..., on word boundaries,
 * at most `maxSegments` of them; when the text needs more, the last part ends at a word with "...".
 * Text that fits one segment is returned as is, without a marker. Call normaliseForSms first.
 */
export function splitSms(text: string, maxSegments: number): string[] {
  const max = Math.max(1, Math.floor(Number.isFinite(maxSegments) ? maxSegments : 1));
  const info = analyseSms(text);
  if (info.segments === 1) return [text];
  const cap = SEGMENT_CAPACITY[info.encoding].single;
  const atoms = boundAtoms(smsAtoms(text, info.encoding), cap - partMarker(10, 10).length, info.encoding);
  if (max === 1) return [truncatedTail(atoms, 0, cap, SMS_ELLIPSIS, info.encoding).text];

  for (let n = 2; n <= max; n++) {
    const budget = cap - partMarker(n, n).length;
    const ends: number[] = [];
    let start = 0;
    while (start < atoms.length && ends.length < n) {
      start = nextChunkEnd(atoms, start, budget);
      ends.push(start);
    }
    if (start >= atoms.length) {
      let from = 0;
      return ends.map((end, i) => {
        const chunk = join(atoms, from, end);
        from = end;
        return partMarker(i + 1, ends.length) + chunk;
      });
    }
  }

  // Too long for maxSegments parts: fill max - 1 parts, then end the last one honestly with "...".
  const budget = cap - partMarker(max, max).length;
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i < max; i++) {
    const end = nextChunkEnd(atoms, start, budget);
    parts.push(partMarker(i, max) + join(atoms, start, end));
    start = end;
  }
  parts.push(partMarker(max, max) + truncatedTail(atoms, start, budget, SMS_ELLIPSIS, info.encoding).text);
  return parts;
}

export interface FittedSms {
  text: string;
  encoding: SmsEncoding;
  segments: number;
  units: number;
  /** True when the text was cut (at a word, ending with "...") to fit. */
  truncated: boolean;
}

/**
 * Normalises for the language, then fits one concatenated message of at most `maxSegments` segments,
 * cutting at a word boundary with "..." when it is longer.
 */
export function fitSms(text: string, maxSegments: number, lang?: string): FittedSms {
  const max = Math.max(1, Math.floor(Number.isFinite(maxSegments) ? maxSegments : 1));
  const normalised = normaliseForSms(text, lang);
  const whole = analyseSms(normalised);
  if (whole.segments <= max) return { text: normalised, ...pick(whole), truncated: false };

  const g = graphemes(normalised);
  const fits = (k: number) => analyseSms(g.slice(0, k).join('').trimEnd() + SMS_ELLIPSIS).segments <= max;
  // Binary search for the longest prefix that fits, then step back to a word boundary.
  let lo = 0;
  let hi = g.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  while (lo > 0 && !fits(lo)) lo--;
  let cut = lo;
  for (let p = lo; p >= lo * (2 / 3) && p > 0; p--) {
    if (p < g.length && /^\s+$/u.test(g[p]!)) {
      cut = p;
      break;
    }
  }
  const out = g.slice(0, cut).join('').trimEnd() + SMS_ELLIPSIS;
  const info = analyseSms(out);
  return { text: out, ...pick(info), truncated: true };
}

const pick = (a: ReturnType<typeof analyseSms>) => ({ encoding: a.encoding, segments: a.segments, units: a.units });

/**
 * Cuts text to at most `maxUnits` UTF-16 code units at a word boundary (or between graphemes for one long
 * word), appending `ellipsis`. Text that fits is returned unchanged. For WhatsApp bodies, Twilio's 1,600.
 */
export function truncateText(text: string, maxUnits: number, ellipsis = '\u2026'): string {
  if (text.length <= maxUnits) return text;
  const atoms = boundAtoms(
    graphemes(text).map((g) => ({ text: g, units: g.length, space: /^\s+$/u.test(g) })),
    2,
    'UCS-2',
  );
  const budget = Math.max(0, maxUnits - ellipsis.length);
  const end = nextChunkEnd(atoms, 0, budget, true);
  const kept = join(atoms, 0, end).trimEnd();
  if (kept.length + ellipsis.length <= maxUnits) return kept + ellipsis;
  return ellipsis.length <= maxUnits ? ellipsis : '';
}

/** A page holds at least this share of its budget when it is ended early at a sentence or line. */
const MIN_SENTENCE_BREAK_SHARE = 1 / 2;

/**
 * A page that would end inside a sentence ends after the last sentence or line on it instead, when that keeps
 * most of the page: the reader pages on at a sentence, not in the middle of one.
 */
function sentenceBreakBefore(atoms: SmsAtom[], start: number, end: number, budget: number): number {
  if (end >= atoms.length) return end;
  if (/[.!?:;]/.test(atoms[end - 1]?.text ?? '') || atoms[end - 1]?.text === '\n') return end;
  const atEnd = atoms[end - 1]!.space && /[.!?:;]/.test(atoms[end - 2]?.text ?? '');
  if (atEnd) return end;
  let used = sum(atoms, start, end);
  for (let p = end; p > start + 1; p--) {
    if (used < budget * MIN_SENTENCE_BREAK_SHARE) break;
    const a = atoms[p - 1]!;
    used -= a.units;
    if (a.text === '\n' || (a.space && /^[.!?;:]$/.test(atoms[p - 2]!.text))) return p;
  }
  return end;
}

export interface UssdLabels {
  /** Shown on every page but the last, e.g. "1 More". */
  more: string;
  /** Shown on every page, e.g. "0 Back"; pass '' to leave it out. */
  back: string;
  /** Shown on the last page only, above `back`, e.g. "2 Full answer by SMS". */
  last?: string;
}

export interface UssdPage {
  /** What the handset shows: this page's text (trimmed) and its footer; never over the budget. */
  screen: string;
  /** The exact slice of the input on this page: joining every page's `text` gives the input back. */
  text: string;
}

/**
 * Splits a long text into USSD screens of at most `maxChars` (the caller leaves room for "CON "), each with
 * its footer, cutting on word boundaries. A screen that needs UCS-2 holds half: then the budget is
 * maxChars / 2 UTF-16 units; in GSM-7 an extension character counts 2. Throws RangeError only when the
 * footer alone leaves no room for text (a configuration error).
 */
export function paginateUssd(text: string, maxChars: number, labels: UssdLabels): UssdPage[] {
  const encoding: SmsEncoding = isGsm7(text + labels.more + labels.back + (labels.last ?? '')) ? 'GSM-7' : 'UCS-2';
  const budget = encoding === 'GSM-7' ? Math.floor(maxChars) : Math.floor(maxChars / 2);
  const backFooter = labels.back ? `\n${labels.back}` : '';
  const lastFooter = labels.last ? `\n${labels.last}${backFooter}` : backFooter;
  const moreFooter = `\n${labels.more}${backFooter}`;
  const bodyBudget = budget - unitsIn(moreFooter, encoding);
  if (bodyBudget < 8 || budget - unitsIn(lastFooter, encoding) < 8) {
    const footer = unitsIn(lastFooter, encoding) > unitsIn(moreFooter, encoding) ? lastFooter : moreFooter;
    throw new RangeError(`USSD screen of ${maxChars} characters is too small for the footer "${footer.trim()}"`);
  }
  const atoms = boundAtoms(smsAtoms(text, encoding), bodyBudget, encoding);
  const pages: UssdPage[] = [];
  const page = (from: number, to: number, footer: string) => {
    const slice = join(atoms, from, to);
    const body = slice.trim();
    pages.push({ screen: body ? body + footer : footer.replace(/^\n/, ''), text: slice });
  };
  let start = 0;
  do {
    if (sum(atoms, start, atoms.length) + unitsIn(lastFooter, encoding) <= budget) {
      page(start, atoms.length, lastFooter);
      break;
    }
    let end = nextChunkEnd(atoms, start, bodyBudget, true);
    // The rest fits a "More" page but not the last page's longer footer: leave some of it for a last page.
    if (end >= atoms.length) end = nextChunkEnd(atoms, start, budget - unitsIn(lastFooter, encoding), true);
    end = sentenceBreakBefore(atoms, start, end, bodyBudget);
    page(start, end, moreFooter);
    start = end;
  } while (start < atoms.length);
  return pages;
}
