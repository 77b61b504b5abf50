/**
 * Groups knowledge gaps (questions answered badly or not at all) by similarity, so content editors see
 * "what to write next" as a short list of topics rather than hundreds of near-identical questions.
 * Pure functions: the admin page and `baraza gaps` both render what `groupGaps` returns.
 */

/** The fields of a recorded gap this module reads (src/knowledge/answer/gaps.ts writes more). */
export interface GapLike {
  question: string;
  lang?: string;
  channel?: string;
  at?: string;
  confidence?: number;
  /** False: nothing relevant found; true: answered with low confidence. */
  found?: boolean;
  /** Closest entry (`pack/entry`) when there was one. */
  nearest?: string;
}

interface GapVariant {
  text: string;
  count: number;
}

interface GapGroup {
  /** The most frequent wording in the group. */
  representative: string;
  count: number;
  variants: GapVariant[];
  langs: Record<string, number>;
  channels: Record<string, number>;
  firstAt?: string;
  lastAt?: string;
  /** Mean confidence of the answers given, when recorded. */
  meanConfidence?: number;
  /** How many got no answer at all (the rest were answered with low confidence). */
  unanswered: number;
  /** The entry retrieval came closest to most often: improve it, or write a new one beside it. */
  nearest?: string;
}

export interface GapReport {
  total: number;
  langs: Record<string, number>;
  channels: Record<string, number>;
  groups: GapGroup[];
}

/** Function words that say nothing about the topic (en, sw, fr: the languages of the sample packs). */
const STOPWORDS = new Set(
  (
    'a an the i im me my we our you your is are was were be been am do does did doing how what whats when where why which who whom ' +
    'to of in on for and or with can could should would will shall it its this that these those at by from about as into ' +
    'get got much many there some any please tell know need want give best way ways there here if so not no yes ' +
    'na ya wa za la kwa ni je vipi gani nini ninawezaje nawezaje naweza jinsi kuhusu katika au hii hiyo kama kwenye ili ' +
    'mimi yangu wangu nina ninataka nataka tafadhali gani lini wapi kwanini kwa nini sana pia ' +
    'le la les un une des de du et ou en au aux est sont que qui quoi quel quelle quels quelles comment quand ' +
    'pourquoi je j mon ma mes pour dans sur avec il elle on ce cet cette ces faire faut peux puis dois est-ce ' +
    'ne pas plus tres bien'
  ).split(/\s+/),
);

/** Lower case, no diacritics, letters and digits only, stop words dropped. */
export function gapTokens(question: string): string[] {
  const plain = question
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (!plain) return [];
  const words = plain.split(' ');
  const content = words.filter((w) => !STOPWORDS.has(w) && !(w.length === 1 && !/\d/.test(w)));
  return content.length ? content : words;
}

function trigrams(word: string): Set<string> {
  const padded = ` ${word} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

/** Dice coefficient of character trigrams: forgiving of SMS spelling (mahindi / mahind / mahindii). */
export function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  // Same stem with another ending (store / storing / stored): a shared start of 4+ letters covering most of the shorter word.
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  if (p >= 4 && p >= 0.75 * Math.min(a.length, b.length)) return Math.max(0.75, p / Math.max(a.length, b.length));
  const ta = trigrams(a);
  const tb = trigrams(b);
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return (2 * shared) / (ta.size + tb.size);
}

const WORD_MATCH = 0.6;

/**
 * Soft Jaccard similarity of two token lists: a word counts as shared when it is close enough to a word of
 * the other side (a typo or a plural), so "store maize" ≈ "storing maize grain" but "store maize" ≉ "store beans".
 */
export function questionSimilarity(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 1 : 0;
  const ua = [...new Set(a)];
  const ub = [...new Set(b)];
  const used = new Set<number>();
  let matched = 0;
  for (const wa of ua) {
    let best = -1;
    let bestScore = WORD_MATCH;
    ub.forEach((wb, j) => {
      if (used.has(j)) return;
      const s = wordSimilarity(wa, wb);
      if (s >= bestScore) {
        bestScore = s;
        best = j;
      }
    });
    if (best >= 0) {
      used.add(best);
      matched++;
    }
  }
  return matched / (ua.length + ub.length - matched);
}

const DEFAULT_GROUP_THRESHOLD = 0.5;

const bump = (rec: Record<string, number>, key: string | undefined) => {
  const k = key || 'unknown';
  rec[k] = (rec[k] ?? 0) + 1;
};

/**
 * Leader clustering: wordings in order of frequency; each joins the first group whose representative it
 * resembles (similarity ≥ threshold) or starts a new one. Deterministic; groups biggest first.
 */
export function groupGaps(gaps: GapLike[], opts: { threshold?: number } = {}): GapReport {
  const threshold = opts.threshold ?? DEFAULT_GROUP_THRESHOLD;
  const report: GapReport = { total: 0, langs: {}, channels: {}, groups: [] };

  // Identical wordings (after normalisation) first, so frequency decides who leads a group.
  const wordings = new Map<
    string,
    { tokens: string[]; texts: Map<string, { text: string; at: string; count: number }>; gaps: GapLike[] }
  >();
  for (const g of gaps) {
    const text = g.question.trim().replace(/\s+/g, ' ');
    if (!text) continue;
    report.total++;
    bump(report.langs, g.lang);
    bump(report.channels, g.channel);
    const tokens = gapTokens(text);
    const key = tokens.join(' ');
    let w = wordings.get(key);
    if (!w) {
      w = { tokens, texts: new Map(), gaps: [] };
      wordings.set(key, w);
    }
    // Wordings differing only in case or end punctuation are one variant, shown as first asked.
    const variantKey = text.toLowerCase().replace(/[\s?!.。？！]+$/u, '');
    const seen = w.texts.get(variantKey);
    const at = g.at ?? '';
    const earlier = !seen || at < seen.at || (at === seen.at && text.localeCompare(seen.text) < 0);
    w.texts.set(variantKey, {
      text: earlier ? text : seen.text,
      at: earlier ? at : seen.at,
      count: (seen?.count ?? 0) + 1,
    });
    w.gaps.push(g);
  }

  const ordered = [...wordings.values()].sort(
    (a, b) => b.gaps.length - a.gaps.length || a.tokens.join(' ').localeCompare(b.tokens.join(' ')),
  );
  const clusters: { lead: string[]; members: typeof ordered }[] = [];
  for (const w of ordered) {
    const home = clusters.find((c) => questionSimilarity(c.lead, w.tokens) >= threshold);
    if (home) home.members.push(w);
    else clusters.push({ lead: w.tokens, members: [w] });
  }

  for (const c of clusters) {
    const variants = new Map<string, number>();
    const group: GapGroup = { representative: '', count: 0, variants: [], langs: {}, channels: {}, unanswered: 0 };
    const nearest: Record<string, number> = {};
    let confSum = 0;
    let confN = 0;
    for (const m of c.members) {
      for (const v of m.texts.values()) variants.set(v.text, (variants.get(v.text) ?? 0) + v.count);
      for (const g of m.gaps) {
        group.count++;
        bump(group.langs, g.lang);
        bump(group.channels, g.channel);
        if (g.at) {
          if (!group.firstAt || g.at < group.firstAt) group.firstAt = g.at;
          if (!group.lastAt || g.at > group.lastAt) group.lastAt = g.at;
        }
        if (g.found === false) group.unanswered++;
        if (g.nearest) nearest[g.nearest] = (nearest[g.nearest] ?? 0) + 1;
        if (typeof g.confidence === 'number' && Number.isFinite(g.confidence)) {
          confSum += g.confidence;
          confN++;
        }
      }
    }
    group.variants = [...variants.entries()]
      .map(([text, count]) => ({ text, count }))
      .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text));
    group.representative = group.variants[0]!.text;
    const topNearest = Object.entries(nearest).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    if (topNearest) group.nearest = topNearest[0];
    if (confN) group.meanConfidence = Math.round((confSum / confN) * 100) / 100;
    report.groups.push(group);
  }
  report.groups.sort(
    (a, b) =>
      b.count - a.count ||
      (b.lastAt ?? '').localeCompare(a.lastAt ?? '') ||
      a.representative.localeCompare(b.representative),
  );
  return report;
}

/** `en 12, sw 3` — counts biggest first, for tables. */
export function formatCounts(rec: Record<string, number>): string {
  return Object.entries(rec)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
