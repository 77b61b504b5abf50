import { isGsm7, isGsm7Char } from './gsm.js';

/**
 * Typographic characters with a plain GSM-7 equivalent. Applied for every language: one curly quote pasted
 * from a word processor would otherwise turn the whole message UCS-2 and cut its capacity by more than half.
 */
const TYPOGRAPHIC_REPLACEMENTS: Readonly<Record<string, string>> = {
  // quotes and apostrophes
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u2035': "'",
  '\u02bc': "'",
  '\u02b9': "'",
  '\u00b4': "'",
  '\u0060': "'",
  '\u2039': "'",
  '\u203a': "'",
  '\uff07': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u2036': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\uff02': '"',
  // dashes and minus signs
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2043': '-',
  '\ufe63': '-',
  '\uff0d': '-',
  // ellipsis, bullets, middle dots
  '\u2026': '...',
  '\u2022': '-',
  '\u2023': '-',
  '\u25aa': '-',
  '\u25cf': '-',
  '\u25e6': '-',
  '\u00b7': '.',
  '\u2027': '.',
  // spaces (no-break, thin, figure, ideographic...) and line separators
  '\u00a0': ' ',
  '\u2000': ' ',
  '\u2001': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2004': ' ',
  '\u2005': ' ',
  '\u2006': ' ',
  '\u2007': ' ',
  '\u2008': ' ',
  '\u2009': ' ',
  '\u200a': ' ',
  '\u202f': ' ',
  '\u205f': ' ',
  '\u3000': ' ',
  '\t': ' ',
  '\u2028': '\n',
  '\u2029': '\n',
  '\u000b': '\n',
  // invisible characters that only cost units (ZWJ/ZWNJ are kept: emoji and some scripts need them)
  '\u200b': '',
  '\u2060': '',
  '\ufeff': '',
  '\u00ad': '',
  // symbols common in advice texts
  '\u00bd': '1/2',
  '\u00bc': '1/4',
  '\u00be': '3/4',
  '\u2153': '1/3',
  '\u2154': '2/3',
  '\u00d7': 'x',
  '\u00f7': '/',
  '\u2044': '/',
  '\u2215': '/',
  '\u00a9': '(c)',
  '\u00ae': '(R)',
  '\u2122': 'TM',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2192': '->',
  '\u2190': '<-',
  '\u2248': '~',
  '\u2030': ' per mille',
  '\uff01': '!',
  '\uff1f': '?',
  '\uff0c': ',',
  '\uff1a': ':',
  '\uff1b': ';',
};

/** Letters without a Unicode decomposition that still have a natural Latin base. */
const LETTER_FALLBACKS: Readonly<Record<string, string>> = {
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ɓ: 'b',
  Ɓ: 'B',
  ɗ: 'd',
  Ɗ: 'D',
  ƙ: 'k',
  Ƙ: 'K',
  ƴ: 'y',
  Ƴ: 'Y',
  œ: 'oe',
  Œ: 'OE',
  ı: 'i',
  ŋ: 'ng',
  Ŋ: 'NG',
  ẞ: 'SS',
  ð: 'd',
  þ: 'th',
  Þ: 'TH',
  ƒ: 'f',
  ɛ: 'e',
  Ɛ: 'E',
  ɔ: 'o',
  Ɔ: 'O',
};

/**
 * Per-locale diacritics policy (data). `strip-if-gsm`: remove diacritics GSM-7 lacks (keeping é è ù ì ò
 * Ç Ø ø Å å Ä Ö Ñ Ü ä ö ñ ü à É ß) when that turns the whole message GSM-7. `keep`: never strip (Ethiopic
 * script has no GSM-7 form; stripping would only damage it).
 */
type DiacriticsPolicy = 'strip-if-gsm' | 'keep';

const DIACRITICS_POLICY: Readonly<Record<string, DiacriticsPolicy>> = {
  en: 'strip-if-gsm',
  sw: 'strip-if-gsm',
  fr: 'strip-if-gsm',
  ha: 'strip-if-gsm',
  yo: 'strip-if-gsm',
  am: 'keep',
  ti: 'keep',
};

/** Languages not listed fall back to this: stripping only ever happens when it yields GSM-7. */
const DEFAULT_DIACRITICS_POLICY: DiacriticsPolicy = 'strip-if-gsm';

function diacriticsPolicy(lang: string | undefined): DiacriticsPolicy {
  const base = (lang ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return DIACRITICS_POLICY[base] ?? DEFAULT_DIACRITICS_POLICY;
}

const MARK = /\p{M}/u;
const MARKS = /\p{M}+/gu;

function replaceTypographic(text: string): string {
  let out = '';
  for (const ch of text) {
    const r = TYPOGRAPHIC_REPLACEMENTS[ch];
    out += r ?? ch;
  }
  // Degree signs read naturally without the symbol: 25°C -> 25C, 30° -> 30 deg.
  return out.replace(/\u00b0(?=[CF]\b)/g, '').replace(/\u00b0/g, ' deg');
}

/** Removes the diacritics GSM-7 cannot carry; characters with no Latin base are left as they are. */
function stripDiacritics(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (isGsm7Char(ch)) {
      out += ch;
      continue;
    }
    const fallback = LETTER_FALLBACKS[ch];
    if (fallback !== undefined) {
      out += fallback;
      continue;
    }
    if (MARK.test(ch)) continue; // a combining mark left over after NFC (e.g. a tone mark on ẹ)
    const base = ch.normalize('NFD').replace(MARKS, '');
    out += base !== '' && base !== ch && isGsm7(base) ? base : ch;
  }
  return out;
}

function tidyWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ ]+\n/g, '\n')
    .replace(/\n[ ]+/g, '\n')
    .replace(/ {2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Makes text cheap to send as SMS without changing what it says: typographic characters become their
 * GSM-7 equivalents, whitespace is tidied, and diacritics are stripped per the language's policy when that
 * turns the whole message GSM-7. Emoji and scripts without a GSM-7 form stay (the message is then UCS-2).
 */
export function normaliseForSms(text: string, lang?: string): string {
  const plain = tidyWhitespace(replaceTypographic(text.normalize('NFC')));
  if (isGsm7(plain) || diacriticsPolicy(lang) === 'keep') return plain;
  // Tidied again: a combining mark with no letter before it ("\u0301 a") leaves a space once stripped, and the
  // result must be final (normalising twice gives the same text).
  const stripped = tidyWhitespace(stripDiacritics(plain));
  return isGsm7(stripped) ? stripped : plain;
}
