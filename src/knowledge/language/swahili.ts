/**
 * Candidate roots of a Swahili word, for matching an inflected question word no entry uses with the entry words of
 * the same root ("kinazuiwaje" ~ "kuzuia", "tujikinge" ~ "kinga", "nimetapeliwa" ~ "utapeli"). Swahili stacks
 * markers before a verb root (negation, subject, tense, object) and extensions after it (passive, applicative, the
 * final vowel, enclitics such as "-je" how), so most question words are forms a pack never spells. No maintained
 * package stems Swahili (the Snowball family has no Swahili), so this is a small hand-written affix grammar: every
 * way of peeling the listed affixes that leaves at least three letters is a candidate; matching needs a candidate
 * shared by both words.
 */
const NEGATION = ['si', 'ha', 'hu'];
/** Subject markers, and the noun class prefixes that look like them. */
// biome-ignore format: one list
const SUBJECT = ['ni', 'u', 'a', 'tu', 'm', 'mu', 'mw', 'wa', 'ki', 'vi', 'ch', 'vy', 'li', 'ya', 'i', 'zi', 'ku', 'pa', 'ma', 'mi'];
const TENSE = ['na', 'li', 'ta', 'me', 'ki', 'nge', 'ngali', 'ka', 'sha', 'ja'];
const OBJECT = ['ji', 'ni', 'ku', 'm', 'mw', 'tu', 'wa', 'ki', 'vi', 'li', 'ya', 'zi'];
const SLOTS = [NEGATION, SUBJECT, TENSE, OBJECT];
const ENCLITIC = /(je|ni|ko|po|mo)$/;
const MIN_ROOT = 3;

function stems(word: string, slot: number, out: Set<string>): void {
  if (slot === SLOTS.length) {
    out.add(word);
    return;
  }
  stems(word, slot + 1, out);
  for (const p of SLOTS[slot]!) {
    if (word.length - p.length >= MIN_ROOT && word.startsWith(p)) stems(word.slice(p.length), slot + 1, out);
  }
}

/** Without its final vowel, then without a passive "w" or an applicative "i"/"e" before it. */
function cores(stem: string, out: Set<string>): void {
  const ends = new Set([stem]);
  const bare = stem.replace(ENCLITIC, '');
  if (bare.length >= MIN_ROOT + 1) ends.add(bare);
  for (const s of ends) {
    const v = /[aeiou]$/.test(s) ? s.slice(0, -1) : s;
    if (v.length < MIN_ROOT) continue;
    // A three-letter root only from a verb form (final a, e or i): "kuomba" is not "chombo".
    if (v.length === MIN_ROOT && !/[aei]$/.test(s)) continue;
    out.add(v);
    const p = v.endsWith('w') ? v.slice(0, -1) : v;
    if (p.length >= MIN_ROOT) out.add(p);
    const a = /[^aeiou][ie]$/.test(p) ? p.slice(0, -1) : p;
    if (a.length >= MIN_ROOT) out.add(a);
    // "zuiw" -> "zui": a root ending in a vowel before the passive
    const q = /[aeiou]i$/.test(p) && p.length > MIN_ROOT ? p.slice(0, -1) : p;
    if (q.length >= MIN_ROOT) out.add(q);
  }
}

/**
 * Candidate roots of a lower-case Swahili word of five letters or more ([] for other words, and for words Swahili
 * spelling rules out: a final consonant, q, x, or c outside "ch", as in most English and French words).
 */
export function swahiliRoots(word: string): string[] {
  if (word.length < 5 || !/^[a-z']+[aeiou]$/.test(word) || /[qx]|c(?!h)/.test(word)) return [];
  const s = new Set<string>();
  stems(word, 0, s);
  const out = new Set<string>();
  for (const x of s) cores(x, out);
  return [...out].filter((r) => r.length >= MIN_ROOT);
}
