/**
 * The TIPS keyword family as pure functions: parse the command, resolve its topic against the loaded packs.
 * Keywords live in locales/<lang>/tips.json (comma-separated), so adding a language adds its keywords.
 */
import type { Catalogue } from '../../core/answers.js';
import { packLabel } from '../menus/pack-menus.js';

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

/** Longer texts are questions that happen to start with "tips", not commands (the longest topic label fits). */
const MAX_COMMAND_WORDS = 9;

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

/**
 * What the words after TIPS name, as a whole phrase and exactly (case, accents and punctuation aside), never by a
 * word they share with a label ("vya" names nothing):
 * - a pack: its id, title or menu label (any language), or an alias from locales/<lang>/tips.json → the whole pack;
 * - else the topics whose id or label is the phrase, in the first of `langs` (the command's language first) that
 *   has any.
 * Empty when the phrase names nothing.
 */
export function resolveTopic(
  catalogue: Catalogue,
  phrase: string,
  vocab: TipsVocabulary,
  langs: readonly string[],
): TopicChoice[] {
  const normal = normaliseKeyword(phrase);
  if (normal === '') return [];
  const packs = catalogue.packs();
  const named = (label: string) => normaliseKeyword(label) === normal;
  const aliased = vocab.packAliases.get(normal);
  const pack = packs.find(
    (p) =>
      p.id === aliased ||
      named(p.id) ||
      named(p.title) ||
      Object.values(p.menuTitle ?? {}).some(named) ||
      named(packLabel(p, p.defaultLanguage)),
  );
  if (pack) return [{ pack: pack.id, topic: 'any' }];
  for (const lang of langs) {
    const choices = packs.flatMap((p) =>
      p.topics
        .filter((topic) => named(topic.replace(/-/g, ' ')) || named(catalogue.topicTitle(p.id, topic, lang)))
        .map((topic) => ({ pack: p.id, topic })),
    );
    if (choices.length > 0) return choices;
  }
  return [];
}
