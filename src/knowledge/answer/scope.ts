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

function containsSeq(tokens: string[], seq: string[]): boolean {
  for (let i = 0; i + seq.length <= tokens.length; i++) {
    let ok = true;
    for (let k = 0; k < seq.length && ok; k++) ok = tokens[i + k] === seq[k];
    if (ok) return true;
  }
  return false;
}

/** The out-of-scope intents a question expresses (`words`: its normalised words, SMS spellings expanded). */
export function outOfScopeIntents(questionWords: string[], intents = OUT_OF_SCOPE_INTENTS): OutOfScopeIntent[] {
  return intents.filter((it) => it.groups.every((cues) => cues.some((seq) => containsSeq(questionWords, seq))));
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
