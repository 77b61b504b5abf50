/**
 * GSM 03.38 (GSM-7) alphabet, encoding detection and segment counting.
 * Counting follows Twilio's segment calculator: a concatenated part carries a 6-octet header, graphemes are
 * never split across parts, and an extension character (escape + code) is one indivisible 2-septet unit.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Basic table: one septet each (3GPP TS 23.038 default alphabet; ESC 0x1B excluded). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Extension table: escape + code, two septets each. */
export const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** Septets a character takes in GSM-7 (1 or 2), or undefined when it is not in the alphabet. */
function gsmSeptets(ch: string): 1 | 2 | undefined {
  if (BASIC.has(ch)) return 1;
  if (EXTENSION.has(ch)) return 2;
  return undefined;
}

export function isGsm7Char(ch: string): boolean {
  return BASIC.has(ch) || EXTENSION.has(ch);
}

/** True when every UTF-16 code unit of `text` is in the GSM-7 alphabet. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!BASIC.has(c) && !EXTENSION.has(c)) return false;
  }
  return true;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Code points that can join a neighbour into one grapheme (marks, ZWJ, emoji modifiers, flags, Hangul
 * jamo, prepended signs). Text without any is one grapheme per code point, which is much faster than the
 * segmenter; the agreement test with Twilio's calculator covers both paths.
 */
const JOINING =
  /[\p{M}\p{Emoji_Modifier}\p{Regional_Indicator}\u1100-\u11ff\ua960-\ua97f\uac00-\ud7ff\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u0d4e\u{110bd}\u{110cd}\u{e0000}-\u{e007f}]|\u200c|\u200d/u;

/** User-perceived characters; CRLF counts as two (as carriers and Twilio count it). */
export function graphemes(text: string): string[] {
  if (!JOINING.test(text)) return [...text];
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    if (segment === '\r\n') out.push('\r', '\n');
    else out.push(segment);
  }
  return out;
}

/** An indivisible piece of an SMS with its cost in the message's encoding (septets or UTF-16 units). */
export interface SmsAtom {
  text: string;
  units: number;
  space: boolean;
}

const SPACE = /^\s+$/u;

export function smsAtoms(text: string, encoding: SmsEncoding = encodingOf(text)): SmsAtom[] {
  // GSM-7 text is all single code units: its characters are its graphemes (no segmenter needed).
  const pieces = encoding === 'GSM-7' && isGsm7(text) ? [...text] : graphemes(text);
  return pieces.map((g) => ({
    text: g,
    units: encoding === 'GSM-7' ? gsmUnits(g) : g.length,
    space: SPACE.test(g),
  }));
}

function gsmUnits(s: string): number {
  let n = 0;
  for (const c of s) n += gsmSeptets(c) ?? 1;
  return n;
}

export function encodingOf(text: string): SmsEncoding {
  return isGsm7(text) ? 'GSM-7' : 'UCS-2';
}

/** Units one segment holds: a single message, and each part of a concatenated one (6-octet header). */
export const SEGMENT_CAPACITY: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2, an emoji counts 2). */
  units: number;
  segments: number;
  /** Units per segment at this length: 160/70 for a single message, 153/67 per part when concatenated. */
  perSegment: number;
}

/** Counts atoms into parts the way the handset and Twilio's calculator do (greedy, atoms never split). */
function countParts(units: number[], capacity: number): number {
  let parts = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > capacity) {
      parts++;
      used = 0;
    }
    used += u;
  }
  return parts;
}

export function analyseSms(text: string): SmsAnalysis {
  const encoding = encodingOf(text);
  const cap = SEGMENT_CAPACITY[encoding];
  const units = unitsIn(text, encoding);
  if (units <= cap.single) return { encoding, units, segments: 1, perSegment: cap.single };
  const atoms = smsAtoms(text, encoding);
  const segments = countParts(
    atoms.map((a) => a.units),
    cap.part,
  );
  return { encoding, units, segments, perSegment: cap.part };
}

/** Weight of a string in a given encoding (used for USSD screens and budgets). */
export function unitsIn(text: string, encoding: SmsEncoding): number {
  return encoding === 'GSM-7' ? gsmUnits(text) : text.length;
}
