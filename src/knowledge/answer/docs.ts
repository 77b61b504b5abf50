import type { LoadedPack, PackEntry } from '../packs/types.js';
import { analyseDoc, type SynonymTable, type WeightedField } from './analyse.js';
import type { IndexDoc } from './lexical.js';
import { intentsCovered } from './scope.js';
import { bridgePairs, type WordNet } from './wordnet.js';

/** Field weights: what an entry is about (title, tags) outweighs a passing mention in the body. */
export const FIELD_WEIGHTS = { title: 3, tags: 3, summary: 2, questions: 2, topic: 1, body: 1 } as const;

export function humaniseTopic(topic: string): string {
  const s = topic.replace(/[-_]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function entryFields(entry: PackEntry, topicLabel: string | undefined): WeightedField[] {
  const fields: WeightedField[] = [
    { text: entry.title, weight: FIELD_WEIGHTS.title, strong: true, title: true },
    ...entry.tags.map((t) => ({ text: t, weight: FIELD_WEIGHTS.tags, strong: true })),
    { text: topicLabel ?? humaniseTopic(entry.topic), weight: FIELD_WEIGHTS.topic, strong: true },
    { text: stripMarkdown(entry.body), weight: FIELD_WEIGHTS.body, strong: false },
  ];
  if (entry.summary) fields.push({ text: entry.summary, weight: FIELD_WEIGHTS.summary, strong: true });
  // Example questions as users ask them: strong evidence, in a BM25F field of their own (many questions do not
  // drown the tags, and an entry without any is not penalised).
  for (const q of entry.questions ?? [])
    fields.push({ text: q, weight: FIELD_WEIGHTS.questions, strong: true, question: true });
  return fields;
}

export function stripMarkdown(md: string): string {
  return md
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*>\s?/gm, '')
    .replace(/[*_`~]+/g, '');
}

/**
 * Analyse every entry of a pack (one document per entry and language). With `wordnet`, English documents get
 * their vocabulary bridge pairs (wordnet.ts).
 */
export function packDocs(pack: LoadedPack, synonyms: SynonymTable, wordnet?: WordNet): IndexDoc[] {
  return pack.entries.map((e) => {
    const fields = entryFields(e, pack.manifest.topicTitles[e.topic]?.[e.lang]);
    const covered = intentsCovered([e.title, ...(e.questions ?? [])], e.lang);
    const bridge =
      wordnet && e.lang === 'en'
        ? bridgePairs(
            wordnet,
            fields.filter((f) => f.strong).map((f) => f.text),
          )
        : [];
    return {
      pack: pack.manifest.id,
      entry: e.id,
      lang: e.lang,
      analysed: analyseDoc(fields, e.lang, synonyms),
      ...(covered.length > 0 ? { intents: covered } : {}),
      ...(bridge.length > 0 ? { bridge } : {}),
    };
  });
}
