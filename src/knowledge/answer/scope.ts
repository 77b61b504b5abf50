import { normalise, OUT_OF_SCOPE, words } from '../language/text.js';

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
export const OUT_OF_SCOPE_INTENTS: OutOfScopeIntent[] = compile(OUT_OF_SCOPE);

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
 * The intents an entry (one language version) covers: every group has a cue found as a phrase in one of its
 * strong fields (title, a tag, the summary, an example question), so a market-prices entry titled "Maize
 * prices this week" covers live prices, and a loan entry that says "on time" does not cover the clock.
 */
export function intentsCovered(strongFields: string[], intents = OUT_OF_SCOPE_INTENTS): string[] {
  const fields = strongFields.map((f) => words(normalise(f)));
  return intents
    .filter((it) => it.groups.every((cues) => cues.some((seq) => fields.some((f) => containsSeq(f, seq)))))
    .map((it) => it.name);
}
