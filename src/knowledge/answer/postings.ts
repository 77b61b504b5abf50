import { charNgrams } from '../language/text.js';
import { type AnalysedDoc, isGroupToken, ngramSizes } from './analyse.js';

/**
 * Postings of every term: documents containing it, with its weighted frequency and the body part of it
 * (BM25F). All lists live in flat typed arrays (list i spans start[i]..start[i+1]): tens of thousands
 * of small arrays would cost more in object headers than in data, and lengthen every GC pause.
 */
export class PostingsTable {
  readonly ids = new Map<string, number>();
  start = new Int32Array(1);
  docs = new Int32Array(0);
  tfs = new Float32Array(0);
  body = new Float32Array(0);
  title = new Float32Array(0);
  questions = new Float32Array(0);

  has(key: string): boolean {
    return this.ids.has(key);
  }

  df(key: string): number {
    const i = this.ids.get(key);
    return i === undefined ? 0 : this.start[i + 1]! - this.start[i]!;
  }

  /** Documents in [lo, hi) containing `key` (lists are in document order: two binary searches). */
  dfIn(key: string, lo: number, hi: number): number {
    const i = this.ids.get(key);
    if (i === undefined) return 0;
    return (
      this.lowerBound(this.start[i]!, this.start[i + 1]!, hi) - this.lowerBound(this.start[i]!, this.start[i + 1]!, lo)
    );
  }

  private lowerBound(from: number, to: number, doc: number): number {
    let a = from;
    let b = to;
    while (a < b) {
      const m = (a + b) >> 1;
      if (this.docs[m]! < doc) a = m + 1;
      else b = m;
    }
    return a;
  }

  keys(): IterableIterator<string> {
    return this.ids.keys();
  }
}

/** Gathers postings in plain arrays, then packs them into a PostingsTable. */
export class PostingsBuilder {
  private readonly lists = new Map<string, number[]>();

  add(key: string, doc: number, tf: number, body: number, title = 0, questions = 0): void {
    let l = this.lists.get(key);
    if (!l) {
      l = [];
      this.lists.set(key, l);
    }
    l.push(doc, tf, body, title, questions);
  }

  freeze(): PostingsTable {
    const table = freezePostings(this.lists.entries(), this.lists.size);
    this.lists.clear();
    return table;
  }
}

const STRIDE = 5;

/** Packs posting lists (doc, tf, body, title, questions repeated) into the flat arrays of a PostingsTable. */
function freezePostings(lists: Iterable<[string, number[]]>, count: number): PostingsTable {
  const table = new PostingsTable();
  const all = [...lists];
  let total = 0;
  for (const [, l] of all) total += l.length / STRIDE;
  table.start = new Int32Array(count + 1);
  table.docs = new Int32Array(total);
  table.tfs = new Float32Array(total);
  table.body = new Float32Array(total);
  table.title = new Float32Array(total);
  table.questions = new Float32Array(total);
  let at = 0;
  let id = 0;
  for (const [key, l] of all) {
    table.ids.set(key, id);
    table.start[id] = at;
    for (let i = 0; i < l.length; i += STRIDE) {
      table.docs[at] = l[i]!;
      table.tfs[at] = l[i + 1]!;
      table.body[at] = l[i + 2]!;
      table.title[at] = l[i + 3]!;
      table.questions[at] = l[i + 4]!;
      at++;
    }
    id++;
  }
  table.start[id] = at;
  return table;
}

/**
 * The character n-gram postings of every document. Gram strings are interned to ids once and a word's grams
 * are cut once for all the documents it is in; per-document counts go to typed arrays. (Maps keyed by gram
 * string per document made this most of the index build time.)
 */
export class GramPostingsBuilder {
  private readonly ids = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly lists: number[][] = [];
  private readonly ofWord = new Map<string, Int32Array>();
  private all = new Float64Array(4096);
  private inBody = new Float64Array(4096);

  private gramsOf(word: string): Int32Array {
    let grams = this.ofWord.get(word);
    if (grams) return grams;
    grams = Int32Array.from(charNgrams(word, ngramSizes(word)), (g) => {
      let id = this.ids.get(g);
      if (id === undefined) {
        id = this.keys.length;
        this.ids.set(g, id);
        this.keys.push(g);
        this.lists.push([]);
      }
      return id;
    });
    this.ofWord.set(word, grams);
    if (this.keys.length > this.all.length) {
      const size = Math.max(this.all.length * 2, this.keys.length);
      const all = new Float64Array(size);
      all.set(this.all);
      this.all = all;
      const inBody = new Float64Array(size);
      inBody.set(this.inBody);
      this.inBody = inBody;
    }
    return grams;
  }

  /** Adds document `i` (in increasing order); returns its gram lengths in strong fields and body. */
  add(doc: AnalysedDoc, i: number): { strong: number; body: number } {
    const touched: number[] = [];
    let strong = 0;
    let body = 0;
    for (const [t, tf] of doc.terms) {
      if (isGroupToken(t)) continue;
      const b = doc.body.get(t) ?? 0;
      const grams = this.gramsOf(t);
      for (let k = 0; k < grams.length; k++) {
        const id = grams[k]!;
        if (this.all[id] === 0) touched.push(id);
        this.all[id]! += tf;
        this.inBody[id]! += b;
      }
      strong += (tf - b) * grams.length;
      body += b * grams.length;
    }
    for (const id of touched) {
      this.lists[id]!.push(i, this.all[id]!, this.inBody[id]!, 0, 0);
      this.all[id] = 0;
      this.inBody[id] = 0;
    }
    return { strong, body };
  }

  freeze(): PostingsTable {
    return freezePostings(
      this.keys.map((k, id) => [k, this.lists[id]!] as [string, number[]]),
      this.keys.length,
    );
  }
}
