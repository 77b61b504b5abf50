/**
 * Approved examples learned from users' picks (src/platform/learned.ts) as extra `questions` of their entries,
 * so they count as strong evidence when the index is built. Pure: the packs come back with the questions added.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { examplesForRetrieval, normaliseQuestion } from '../../platform/learned.js';
import type { KeyValueStore } from '../../platform/store/index.js';
import type { LoadedPack, PackEntry } from '../packs/types.js';

export interface LearnedQuestion {
  pack: string;
  entry: string;
  lang: string;
  question: string;
}

/**
 * Each example joins the version of its entry in the example's language, else the pack's default-language
 * version. A question the entry already has is not added twice (so once exported into the files, nothing
 * changes). A pack that gains questions gets a content hash of its own: the stored index of its files alone no
 * longer matches it, and it is indexed in memory.
 */
export function withLearnedQuestions(packs: LoadedPack[], examples: LearnedQuestion[]): LoadedPack[] {
  if (examples.length === 0) return packs;
  return packs.map((pack) => {
    const mine = examples.filter((x) => x.pack === pack.manifest.id);
    if (mine.length === 0) return pack;
    const entries: PackEntry[] = pack.entries.map((e) => ({ ...e, questions: [...(e.questions ?? [])] }));
    const added: string[] = [];
    for (const x of mine) {
      const versions = entries.filter((e) => e.id === x.entry);
      const target =
        versions.find((e) => e.lang === x.lang) ??
        versions.find((e) => e.lang === pack.manifest.defaultLanguage) ??
        versions[0];
      if (!target) continue;
      const norm = normaliseQuestion(x.question);
      if (norm === '' || target.questions.some((q) => normaliseQuestion(q) === norm)) continue;
      target.questions.push(x.question);
      added.push(`${target.id}\0${target.lang}\0${x.question}`);
    }
    if (added.length === 0) return pack;
    const contentHash = createHash('sha256')
      .update(`${pack.contentHash}\0learned\0${added.sort().join('\n')}`)
      .digest('hex');
    return { ...pack, entries, contentHash };
  });
}

/** The approved examples in the store; none (with a warning) when the store cannot be read. */
export async function learnedQuestions(store: KeyValueStore, log?: Logger): Promise<LearnedQuestion[]> {
  try {
    return (await examplesForRetrieval(store)).map(({ pack, entry, lang, question }) => ({
      pack,
      entry,
      lang,
      question,
    }));
  } catch (err) {
    log?.warn({ err }, 'could not read learned examples; indexing the packs without them');
    return [];
  }
}
