import {
  expandAbbreviations,
  isEthiopic,
  isStopword,
  isStopwordMember,
  normalise,
  stem,
  stripGreetings,
  words,
} from '../language/text.js';

/** A synonym group token never collides with a word: words have no "~". */
const GROUP_PREFIX = '~';

interface SynonymPhrase {
  seq: string[];
  group: string;
}

/**
 * Pack synonyms as phrase → group. Groups of one pack that share a word are merged across languages, so a
 * Swahili–English mixed question meets the same group token as the entry ("mahindi" ~ "maize" ~ "corn").
 */
export class SynonymTable {
  private readonly byFirst = new Map<string, SynonymPhrase[]>();
  readonly groupCount: number;

  constructor(packs: { id: string; synonyms: Record<string, string[][]> }[]) {
    let count = 0;
    for (const pack of packs) {
      // A one-word member that is a function word of its language ("avec", the French acronym for village
      // savings groups, is also "with") would put the group on ordinary text: it is left out (`packs validate`
      // warns about it); phrases that contain one ("groupe avec") still count.
      const groups = Object.entries(pack.synonyms).flatMap(([lang, gs]) =>
        gs.map((g) => g.filter((w) => !isStopwordMember(w, lang))),
      );
      // Union-find over groups that share a normalised member.
      const parent = groups.map((_, i) => i);
      const find = (i: number): number => {
        if (parent[i] !== i) parent[i] = find(parent[i]!);
        return parent[i]!;
      };
      const owner = new Map<string, number>();
      const keyed = groups.map((g) => g.map((w) => phraseTokens(w).join(' ')).filter(Boolean));
      keyed.forEach((members, i) => {
        for (const m of members) {
          const o = owner.get(m);
          if (o === undefined) owner.set(m, i);
          else parent[find(i)] = find(o);
        }
      });
      const seen = new Set<string>();
      keyed.forEach((members, i) => {
        const group = `${GROUP_PREFIX}${pack.id}:${find(i)}`;
        for (const m of members) {
          const k = `${m}\0${group}`;
          if (seen.has(k)) continue;
          seen.add(k);
          const seq = m.split(' ');
          const list = this.byFirst.get(seq[0]!) ?? [];
          list.push({ seq, group });
          this.byFirst.set(seq[0]!, list);
        }
      });
      count += new Set(groups.map((_, i) => find(i))).size;
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.seq.length - a.seq.length);
    this.groupCount = count;
  }

  /** For each token position, the group tokens of every phrase covering it (longest match first). */
  match(tokens: string[]): string[][] {
    const out: string[][] = tokens.map(() => []);
    for (let i = 0; i < tokens.length; i++) {
      const list = this.byFirst.get(tokens[i]!);
      if (!list) continue;
      for (const p of list) {
        if (p.seq.length > tokens.length - i) continue;
        let ok = true;
        for (let k = 1; k < p.seq.length; k++) {
          if (tokens[i + k] !== p.seq[k]) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        for (let k = 0; k < p.seq.length; k++) {
          const slot = out[i + k]!;
          if (!slot.includes(p.group)) slot.push(p.group);
        }
      }
    }
    return out;
  }

  has(token: string): boolean {
    return this.byFirst.has(token);
  }
}

/** A synonym member that is a single stopword of `lang` (never matched on its own). */
/** Tokens of a synonym member or any text, stemmed, stopwords kept (phrases like "mbolea ya chumvi"). */
function phraseTokens(text: string): string[] {
  return words(normalise(text)).map(stem);
}

export function isGroupToken(t: string): boolean {
  return t.startsWith(GROUP_PREFIX);
}

/** Two content words next to each other (stopwords between them skipped), as an index term: "~~fond urgence". */
function pairToken(a: string, b: string): string {
  return `${GROUP_PREFIX}${GROUP_PREFIX}${a} ${b}`;
}

export function ngramSizes(token: string): readonly number[] {
  // An Ethiopic character is a whole syllable: shorter grams carry as much as Latin 3-4 grams.
  return isEthiopic(token) ? [2, 3] : [3, 4];
}

/** One content token of a question with what it may match. */
interface QueryUnit {
  /** The (stemmed) token as typed, after abbreviation expansion. */
  token: string;
  /** Synonym groups covering it. */
  groups: string[];
}

export interface AnalysedQuery {
  units: QueryUnit[];
  /** Adjacent content words of the question: each pair lists the pair tokens (words or their groups) it may match. */
  pairs: string[][];
  /**
   * Normalised words before stopword and greeting removal, SMS spellings expanded: what out-of-scope requests are
   * read from ("habari" alone is a greeting, "habari mpya" is the news).
   */
  words: string[];
}

/**
 * Question analysis: normalise, expand SMS abbreviations (for the likely languages, best first), stem, find
 * synonym phrases, then drop stopwords of every candidate language (code-mixed questions).
 */
export function analyseQuery(
  text: string,
  opts: {
    langs: readonly string[];
    synonyms: SynonymTable;
    isKnownTerm?: (t: string) => boolean;
    /** Languages whose stopwords are dropped (default: all of `langs`, for code-mixed text). */
    stopLangs?: readonly string[];
  },
): AnalysedQuery {
  const stopLangs = opts.stopLangs ?? opts.langs;
  const all = words(normalise(text));
  const raw = stripGreetings(all);
  const keep = (t: string) =>
    opts.isKnownTerm?.(t) === true || opts.isKnownTerm?.(stem(t)) === true || opts.synonyms.has(t);
  const expanded = expandAbbreviations(raw, opts.langs, keep);
  const spoken = raw.length === all.length ? expanded : expandAbbreviations(all, opts.langs, keep);
  const stemmed = expanded.map(stem);
  const groups = opts.synonyms.match(stemmed);
  const units: QueryUnit[] = [];
  const seen = new Map<string, QueryUnit>();
  const pairs: string[][] = [];
  let last: string[] | undefined;
  for (let i = 0; i < stemmed.length; i++) {
    const t = stemmed[i]!;
    const g = groups[i]!;
    if (g.length === 0 && (isStopword(expanded[i]!, stopLangs) || isStopword(t, stopLangs))) continue;
    if (g.length === 0 && t.length < 2 && !/\d/.test(t) && !isEthiopic(t)) continue;
    const forms = [t, ...g];
    if (last) pairs.push(pairForms(last, forms));
    last = forms;
    const prev = seen.get(t);
    if (prev) {
      for (const x of g) if (!prev.groups.includes(x)) prev.groups.push(x);
      continue;
    }
    const unit = { token: t, groups: [...g] };
    seen.set(t, unit);
    units.push(unit);
  }
  return { units, pairs, words: spoken };
}

function pairForms(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (const x of a) for (const y of b) if (x !== y) out.push(pairToken(x, y));
  return out;
}

/** A field of an entry with its weight in the index (title and tags say more than a body sentence). */
export interface WeightedField {
  text: string;
  weight: number;
  /** Strong fields (title, tags, summary, topic) count fully in confidence; body-only matches count less. */
  strong: boolean;
  /** The title: a field of its own in BM25F (short, and phrased like the questions people ask). */
  title?: boolean;
  /** An example question of the entry (`questions`): a strong field of its own in BM25F. */
  question?: boolean;
}

export interface AnalysedDoc {
  /** term (stemmed token or synonym group) → weighted frequency */
  terms: Map<string, number>;
  /** terms seen in strong fields */
  strong: Set<string>;
  /** term → frequency in the body alone (the rest of `terms` is in strong fields, weighted) */
  body: Map<string, number>;
  /** term → weighted frequency in the title alone (part of the strong fields) */
  title: Map<string, number>;
  /** term → weighted frequency in the example questions alone (part of the strong fields) */
  questions: Map<string, number>;
  /** weighted length of the strong fields (title and questions included), of the title, the questions, and the body */
  strongLength: number;
  titleLength: number;
  questionsLength: number;
  bodyLength: number;
  length: number;
}

/** Entry analysis: the same pipeline, without abbreviation expansion (editors write in full), own stopwords. */
export function analyseDoc(fields: WeightedField[], lang: string, synonyms: SynonymTable): AnalysedDoc {
  const terms = new Map<string, number>();
  const strong = new Set<string>();
  const body = new Map<string, number>();
  const title = new Map<string, number>();
  const questions = new Map<string, number>();
  let length = 0;
  let strongLength = 0;
  let titleLength = 0;
  let questionsLength = 0;
  let bodyLength = 0;
  const langs = [lang];
  const count = (x: string, f: WeightedField) => {
    terms.set(x, (terms.get(x) ?? 0) + f.weight);
    if (f.strong) strong.add(x);
    else body.set(x, (body.get(x) ?? 0) + f.weight);
    if (f.title) title.set(x, (title.get(x) ?? 0) + f.weight);
    if (f.question) questions.set(x, (questions.get(x) ?? 0) + f.weight);
  };
  for (const f of fields) {
    const toks = words(normalise(f.text));
    const stemmed = toks.map(stem);
    const groups = synonyms.match(stemmed);
    let prev: string[] | undefined;
    for (let i = 0; i < stemmed.length; i++) {
      const t = stemmed[i]!;
      const g = groups[i]!;
      for (const x of g) count(x, f);
      if (isStopword(toks[i]!, langs) || isStopword(t, langs)) continue;
      if (t.length < 2 && !/\d/.test(t) && !isEthiopic(t)) continue;
      const forms = [t, ...g];
      if (prev && f.strong) for (const p of new Set(pairForms(prev, forms))) count(p, f);
      prev = forms;
      terms.set(t, (terms.get(t) ?? 0) + f.weight);
      if (f.title) {
        title.set(t, (title.get(t) ?? 0) + f.weight);
        titleLength += f.weight;
      }
      if (f.question) {
        questions.set(t, (questions.get(t) ?? 0) + f.weight);
        questionsLength += f.weight;
      }
      if (f.strong) {
        strong.add(t);
        strongLength += f.weight;
      } else {
        body.set(t, (body.get(t) ?? 0) + f.weight);
        bodyLength += f.weight;
      }
      length += f.weight;
    }
  }
  return { terms, strong, body, title, questions, strongLength, titleLength, questionsLength, bodyLength, length };
}
