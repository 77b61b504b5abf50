import type { Catalogue, EntryView, PackInfo } from '../../core/answers.js';
import type { LoadedPack, PackEntry } from '../packs/types.js';
import { deriveShortSource } from './compose.js';
import { humaniseTopic } from './docs.js';

interface PackView {
  pack: LoadedPack;
  info: PackInfo;
  /** entry id → lang → entry */
  byId: Map<string, Map<string, PackEntry>>;
  /** topic → entry ids in file order */
  byTopic: Map<string, string[]>;
}

/** Pick the entry version for a language: itself, else the pack default, else any (flagged as fallback). */
function pickVersion(
  versions: Map<string, PackEntry>,
  lang: string,
  defaultLang: string,
): { entry: PackEntry; fallback: boolean } | undefined {
  const exact = versions.get(lang);
  if (exact) return { entry: exact, fallback: false };
  const def = versions.get(defaultLang) ?? versions.values().next().value;
  return def ? { entry: def, fallback: true } : undefined;
}

/** Browsing the loaded packs from memory (menus, tips): built once per reload, no I/O. */
export class PackCatalogue implements Catalogue {
  private readonly views = new Map<string, PackView>();

  constructor(packs: LoadedPack[]) {
    for (const pack of packs) {
      const byId = new Map<string, Map<string, PackEntry>>();
      const byTopic = new Map<string, string[]>();
      for (const e of pack.entries) {
        let versions = byId.get(e.id);
        if (!versions) {
          versions = new Map();
          byId.set(e.id, versions);
          const list = byTopic.get(e.topic) ?? [];
          list.push(e.id);
          byTopic.set(e.topic, list);
        }
        versions.set(e.lang, e);
      }
      // Editors order topics in topic_titles; topics without a label follow alphabetically.
      const labelled = Object.keys(pack.manifest.topicTitles).filter((t) => byTopic.has(t));
      const rest = [...byTopic.keys()].filter((t) => !labelled.includes(t)).sort();
      this.views.set(pack.manifest.id, {
        pack,
        byId,
        byTopic,
        info: {
          id: pack.manifest.id,
          title: pack.manifest.title,
          version: pack.manifest.version,
          languages: pack.manifest.languages,
          defaultLanguage: pack.manifest.defaultLanguage,
          topics: [...labelled, ...rest],
          menuTitle: pack.manifest.menuTitle,
        },
      });
    }
  }

  packs(): PackInfo[] {
    return [...this.views.values()].map((v) => v.info);
  }

  topicTitle(packId: string, topic: string, lang: string): string {
    const v = this.views.get(packId);
    const labels = v?.pack.manifest.topicTitles[topic];
    return labels?.[lang] ?? (v ? labels?.[v.pack.manifest.defaultLanguage] : undefined) ?? humaniseTopic(topic);
  }

  entries(packId: string, topic: string, lang: string): { id: string; title: string }[] {
    const v = this.views.get(packId);
    if (!v) return [];
    return (v.byTopic.get(topic) ?? []).flatMap((id) => {
      const picked = pickVersion(v.byId.get(id)!, lang, v.pack.manifest.defaultLanguage);
      return picked ? [{ id, title: picked.entry.title }] : [];
    });
  }

  entry(packId: string, entryId: string, lang: string): EntryView | undefined {
    const v = this.views.get(packId);
    const versions = v?.byId.get(entryId);
    if (!v || !versions) return undefined;
    const picked = pickVersion(versions, lang, v.pack.manifest.defaultLanguage);
    if (!picked) return undefined;
    return toView(picked.entry, picked.fallback, this.topicTitle(packId, picked.entry.topic, lang));
  }

  /** Every language version of an entry (retrieval picks the one to show). */
  versions(packId: string, entryId: string): Map<string, PackEntry> | undefined {
    return this.views.get(packId)?.byId.get(entryId);
  }

  defaultLanguage(packId: string): string | undefined {
    return this.views.get(packId)?.pack.manifest.defaultLanguage;
  }
}

export function toView(e: PackEntry, fallback: boolean, topicTitle?: string): EntryView {
  return {
    pack: e.pack,
    id: e.id,
    lang: e.lang,
    title: e.title,
    topic: e.topic,
    topicTitle,
    summary: e.summary,
    body: e.body,
    source: e.source,
    sourceShort: e.sourceShort ?? deriveShortSource(e.source),
    fallback,
  };
}
