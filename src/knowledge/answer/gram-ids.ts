import { charNgrams } from '../language/text.js';

/**
 * Short strings (character n-grams) → ids, looked up by a window of a longer string without cutting it out.
 *
 * Hand-written: a question's n-gram lookups in a Map of tens of thousands of strings were the largest single
 * cost of a search (each window cut out as a new string, hashed, then a probe into a large table). Here a
 * window is hashed from its character codes, one probe lands in a flat Int32Array, and the key is checked
 * against the characters kept beside it: no string is made, and a lookup touches two small arrays.
 */
const MAX_UNITS = 8; // 4 code points, each possibly a surrogate pair

function hashOf(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class GramIds {
  /** Per id: its UTF-16 units (MAX_UNITS per id) and their number. */
  private readonly units: Uint16Array;
  private readonly lengths: Uint8Array;
  /** Open addressing: id + 1, or 0 for an empty slot. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Keys too long to keep as units (never seen for 1–4-grams of real text), looked up as strings. */
  private readonly long = new Map<string, number>();

  /** `keys[id]` is the key of id. */
  constructor(keys: readonly string[]) {
    let size = 16;
    while (size < keys.length * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.units = new Uint16Array(keys.length * MAX_UNITS);
    this.lengths = new Uint8Array(keys.length);
    keys.forEach((key, id) => {
      if (key.length > MAX_UNITS) {
        this.long.set(key, id);
        return;
      }
      this.lengths[id] = key.length;
      for (let k = 0; k < key.length; k++) this.units[id * MAX_UNITS + k] = key.charCodeAt(k);
      let slot = hashOf(key, 0, key.length) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    });
  }

  /** Id of `s.slice(from, to)`, or -1. */
  idOf(s: string, from = 0, to = s.length): number {
    const len = to - from;
    if (len > MAX_UNITS) return this.long.get(s.slice(from, to)) ?? -1;
    let slot = hashOf(s, from, to) & this.mask;
    for (;;) {
      const v = this.slots[slot]!;
      if (v === 0) return -1;
      const id = v - 1;
      if (this.lengths[id] === len) {
        let k = 0;
        const base = id * MAX_UNITS;
        while (k < len && this.units[base + k] === s.charCodeAt(from + k)) k++;
        if (k === len) return id;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

/** Some UTF-16 unit of `s` is half of a surrogate pair (an astral character). */
function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * Calls `visit(id)` for every n-gram charNgrams(token, sizes) cuts, in the same order, with its id in `ids` (-1
 * when it is not a key). The n-grams are windows of the padded token, not cut out, except in text with astral
 * characters, where charNgrams counts code points and cuts them itself.
 */
export function forEachGramId(
  ids: GramIds,
  token: string,
  sizes: readonly number[],
  visit: (id: number) => void,
): void {
  const padded = ` ${token} `;
  if (hasSurrogate(padded)) {
    for (const g of charNgrams(token, sizes)) visit(ids.idOf(g));
    return;
  }
  let any = false;
  for (const n of sizes) {
    for (let i = 0; i + n <= padded.length; i++) {
      visit(ids.idOf(padded, i, i + n));
      any = true;
    }
  }
  if (!any) visit(ids.idOf(padded));
}

/**
 * A set of ids below `size`, emptied in constant time (a member holds the current stamp): the n-gram lists or
 * words one lookup has already taken.
 */
export class StampSet {
  private readonly stamps: Int32Array;
  private stamp = 1;

  constructor(size: number) {
    this.stamps = new Int32Array(size);
  }

  clear(): void {
    if (this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
  }

  /** Adds `id`; false when it was in already. */
  add(id: number): boolean {
    if (this.stamps[id] === this.stamp) return false;
    this.stamps[id] = this.stamp;
    return true;
  }
}
