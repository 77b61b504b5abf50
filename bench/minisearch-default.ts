import MiniSearch from 'minisearch';
import type { LoadedPack } from '../src/knowledge/packs/types.js';

/** MiniSearch as a new user would set it up: the entry's text fields, every default left alone. */
export function defaultMiniSearch(pack: LoadedPack): (q: string) => string[] {
  const ms = new MiniSearch({
    fields: ['title', 'tags', 'summary', 'questions', 'topic', 'body'],
    storeFields: ['entry'],
  });
  ms.addAll(
    pack.entries.map((e) => ({
      id: `${e.id}/${e.lang}`,
      entry: e.id,
      title: e.title,
      tags: e.tags.join(' '),
      summary: e.summary ?? '',
      questions: (e.questions ?? []).join('\n'),
      topic: pack.manifest.topicTitles[e.topic]?.[e.lang] ?? e.topic,
      body: e.body,
    })),
  );
  return (q) => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const hit of ms.search(q)) {
      const entry = hit.entry as string;
      if (seen.has(entry)) continue;
      seen.add(entry);
      out.push(entry);
      if (out.length === 10) break;
    }
    return out;
  };
}
