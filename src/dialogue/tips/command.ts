/**
 * The TIPS keyword family as pure functions: parse the command, resolve its topic against the loaded packs.
 * Keywords live in locales/<lang>/tips.json (comma-separated), so adding a language adds its keywords.
 */
import type { Catalogue } from '../../core/answers.js';

export interface TipsVocabulary {
  /** Keyword → the language it belongs to. */
  subscribe: Map<string, string>;
  stop: Map<string, string>;
  /** Normalised alias ("farming", "kilimo") → pack id. */
  packAliases: Map<string, string>;
}

export type TipsCommand = { kind: 'subscribe'; lang: string; topic?: string } | { kind: 'unsubscribe'; lang: string };

/** Lower case, no diacritics, no punctuation: "Arrêt!" → "arret". */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Longer texts are questions that happen to start with "tips", not commands. */
const MAX_COMMAND_WORDS = 5;

/**
 * `TIPS`, `TIPS <topic>`, `TIPS STOP`, `STOP TIPS` and their localised forms; undefined for anything else.
 */
export function parseTipsCommand(text: string, vocab: TipsVocabulary): TipsCommand | undefined {
  const words = normaliseKeyword(text).split(' ').filter(Boolean);
  if (words.length === 0 || words.length > MAX_COMMAND_WORDS) return undefined;
  const [first, ...rest] = words as [string, ...string[]];
  const subLang = vocab.subscribe.get(first);
  if (subLang) {
    if (rest.length === 1 && vocab.stop.has(rest[0]!)) return { kind: 'unsubscribe', lang: subLang };
    return rest.length
      ? { kind: 'subscribe', lang: subLang, topic: rest.join(' ') }
      : { kind: 'subscribe', lang: subLang };
  }
  const stopLang = vocab.stop.get(first);
  if (stopLang && rest.length === 1 && vocab.subscribe.has(rest[0]!)) {
    return { kind: 'unsubscribe', lang: vocab.subscribe.get(rest[0]!) ?? stopLang };
  }
  return undefined;
}

export interface TopicChoice {
  pack: string;
  /** A pack topic, or `any` for every topic of the pack. */
  topic: string;
}

const significant = (phrase: string) =>
  normaliseKeyword(phrase)
    .split(/[\s-]+/)
    .filter((w) => w.length >= 3);

/**
 * Resolves the words after TIPS: a pack alias ("farming", "kilimo", "argent") → the whole pack; otherwise the
 * topics whose id or title (in any of `langs`) shares the most words with the phrase. Empty when none match.
 */
export function resolveTopic(
  catalogue: Catalogue,
  phrase: string,
  vocab: TipsVocabulary,
  langs: readonly string[],
): TopicChoice[] {
  const normal = normaliseKeyword(phrase);
  const words = significant(phrase);
  const packs = catalogue.packs();
  const aliased = vocab.packAliases.get(normal) ?? packs.find((p) => p.id === normal)?.id;
  if (aliased && packs.some((p) => p.id === aliased)) return [{ pack: aliased, topic: 'any' }];
  if (words.length === 0) return [];

  let best = 0;
  let choices: TopicChoice[] = [];
  for (const pack of packs) {
    for (const topic of pack.topics) {
      const names = new Set([topic.replace(/-/g, ' '), ...langs.map((l) => catalogue.topicTitle(pack.id, topic, l))]);
      let score = 0;
      for (const name of names) {
        if (normaliseKeyword(name) === normal) score = Math.max(score, 2);
        const nameWords = significant(name);
        const overlap = nameWords.filter((w) =>
          words.some((q) => q === w || (q.length >= 4 && w.startsWith(q))),
        ).length;
        if (overlap > 0) score = Math.max(score, overlap / nameWords.length);
      }
      if (score > best) {
        best = score;
        choices = [{ pack: pack.id, topic }];
      } else if (score > 0 && score === best) {
        choices.push({ pack: pack.id, topic });
      }
    }
  }
  return choices;
}
