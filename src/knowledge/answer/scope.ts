import { expandAbbreviations, normalise, OUT_OF_SCOPE, words } from '../language/text.js';

/**
 * Requests that no knowledge pack answers unless it covers them: live prices, exchange rates, weather
 * forecasts, news, sports results. "what is the price of maize today" shares "maize" with a farming pack, but
 * no entry there says what maize sells for today, so it is declined rather than answered with a maize entry.
 * The cues are data (src/knowledge/language/data/<lang>/out-of-scope.json), per language.
 */
export interface OutOfScopeIntent {
  name: string;
  /** Each group: cue phrases as normalised word sequences. The intent needs one cue of every group. */
  groups: string[][][];
}

function compile(table: Record<string, Record<string, string[][]>>): OutOfScopeIntent[] {
  const byName = new Map<string, string[][][]>();
  for (const intents of Object.values(table)) {
    for (const [name, groups] of Object.entries(intents)) {
      const merged = byName.get(name) ?? [];
      groups.forEach((cues, i) => {
        merged[i] ??= [];
        for (const cue of cues) {
          const seq = words(normalise(cue));
          if (seq.length > 0) merged[i]!.push(seq);
        }
      });
      byName.set(name, merged);
    }
  }
  return [...byName].map(([name, groups]) => ({ name, groups }));
}

/** The intents of every language merged by name: questions mix languages ("bei ya maize today"). */
const OUT_OF_SCOPE_INTENTS: OutOfScopeIntent[] = compile(OUT_OF_SCOPE);

/** Where each intent's cues start: first word → (intent, group, cue) of the cues that begin with it. */
type CueIndex = Map<string, { intent: number; group: number; seq: string[] }[]>;

const cueIndexes = new WeakMap<OutOfScopeIntent[], CueIndex>();

function cueIndex(intents: OutOfScopeIntent[]): CueIndex {
  let index = cueIndexes.get(intents);
  if (!index) {
    index = new Map();
    for (const [intent, it] of intents.entries())
      for (const [group, cues] of it.groups.entries())
        for (const seq of cues) {
          const list = index.get(seq[0]!);
          if (list) list.push({ intent, group, seq });
          else index.set(seq[0]!, [{ intent, group, seq }]);
        }
    cueIndexes.set(intents, index);
  }
  return index;
}

/**
 * The out-of-scope intents a question expresses (`words`: its normalised words, SMS spellings expanded). One pass
 * over the question's words, looking up the cues that start at each (trying every cue at every word was a tenth of
 * a search).
 */
export function outOfScopeIntents(questionWords: string[], intents = OUT_OF_SCOPE_INTENTS): OutOfScopeIntent[] {
  const index = cueIndex(intents);
  let found: Set<string> | undefined;
  for (let i = 0; i < questionWords.length; i++) {
    for (const { intent, group, seq } of index.get(questionWords[i]!) ?? []) {
      if (i + seq.length > questionWords.length) continue;
      let ok = true;
      for (let k = 1; k < seq.length && ok; k++) ok = questionWords[i + k] === seq[k];
      if (!ok) continue;
      found ??= new Set();
      found.add(`${intent}/${group}`);
    }
  }
  if (!found) return [];
  const met = found;
  return intents.filter((it, n) => it.groups.every((_, g) => met.has(`${n}/${g}`)));
}

/**
 * The intents an entry (one language version) covers: those that one of the requests it says it answers (its
 * title or an example question), read like a user's question, expresses with every group of cues. So "Maize
 * prices this week" covers live prices, and an entry that explains how to read a buyer's offer does not, however
 * often its tags, summary or body say "market price" or "no prices today": words scattered over an entry's fields
 * are what it talks about, not what it answers.
 */
export function intentsCovered(requests: string[], lang: string, intents = OUT_OF_SCOPE_INTENTS): string[] {
  const covered = new Set<string>();
  for (const request of requests) {
    for (const it of outOfScopeIntents(expandAbbreviations(words(normalise(request)), [lang]), intents))
      covered.add(it.name);
  }
  return intents.filter((it) => covered.has(it.name)).map((it) => it.name);
}
