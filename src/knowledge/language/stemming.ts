import { createRequire } from 'node:module';

/**
 * The Snowball French stemmer (nlp.js's `@nlpjs/lang-fr`, a port of the Snowball project's algorithm): it folds
 * derived forms the analyser's light suffix rules (text.ts `stem`) leave apart ("stocker" ~ "stock",
 * "vaccination" ~ "vacciner"). Used only to relate a question word no entry uses to entry words of the same
 * family (lexical.ts), never to analyse text. (The `snowball-stemmers` package gives the same stems about 40 times
 * slower: 8 µs a word, too much for a question's unknown words.)
 */
interface Stemmer {
  stem(word: string): string;
}

const STEMMERS: Record<string, () => Stemmer> = {
  fr: () => {
    const StemmerFr = createRequire(import.meta.url)('@nlpjs/lang-fr/src/stemmer-fr') as new () => Stemmer;
    return new StemmerFr();
  },
};
const stemmers = new Map<string, Stemmer>();

/** The Snowball stem of a lower-case word, or undefined for a language without a stemmer. */
export function snowballStem(lang: string, word: string): string | undefined {
  let s = stemmers.get(lang);
  if (!s) {
    const make = STEMMERS[lang];
    if (!make) return undefined;
    s = make();
    stemmers.set(lang, s);
  }
  return s.stem(word);
}
