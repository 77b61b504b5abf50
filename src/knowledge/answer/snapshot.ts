import { UI_LANGUAGES } from '../../platform/i18n/index.js';
import type { LoadedPack } from '../packs/types.js';
import { SynonymTable } from './analyse.js';
import type { PackCalibration } from './calibration.js';
import { type Embedder, normaliseVector, passageText } from './dense.js';
import { packDocs } from './docs.js';
import { LanguageModel } from './langid.js';
import { type IndexDoc, LexicalIndex } from './lexical.js';
import { WORDNET_BRIDGE, WordNet } from './wordnet.js';

/** Everything a question is answered from; swapped whole on reload (never mutated). */
export interface Snapshot {
  packs: LoadedPack[];
  index: LexicalIndex;
  /** Synonyms of every pack (questions may mix the packs' vocabularies). */
  synonyms: SynonymTable;
  languages: string[];
  langModel: LanguageModel;
  /** Pack id → where its index came from. */
  indexSource: Record<string, 'stored' | 'memory'>;
  /** Set when every document has a passage vector from this model. */
  embeddingModel?: string;
  /** Pack id → its confidence thresholds (absent while a pack is being calibrated). */
  calibrations: Record<string, PackCalibration>;
  builtAt: number;
}

const EMBED_BATCH = 16;

/** Analyse a pack from scratch (and embed its passages when a model is given). */
export async function buildPackDocs(
  pack: LoadedPack,
  opts: {
    embedder?: Embedder;
    onAnalyse?: (done: number, total: number) => void;
    onEmbed?: (done: number, total: number) => void;
    /** English vocabulary bridge from WordNet (default: the WORDNET_BRIDGE switch). */
    wordnet?: boolean;
  } = {},
): Promise<IndexDoc[]> {
  const own = new SynonymTable([{ id: pack.manifest.id, synonyms: pack.manifest.synonyms }]);
  const docs: IndexDoc[] = [];
  const step = Math.max(1, Math.floor(pack.entries.length / 50));
  // WordNet is open only while the pack is analysed: nothing of it stays loaded for questions.
  const wordnet =
    (opts.wordnet ?? WORDNET_BRIDGE) && pack.entries.some((e) => e.lang === 'en') ? new WordNet() : undefined;
  try {
    pack.entries.forEach((e, i) => {
      docs.push(...packDocs({ ...pack, entries: [e] }, own, wordnet));
      if (opts.onAnalyse && ((i + 1) % step === 0 || i + 1 === pack.entries.length))
        opts.onAnalyse(i + 1, pack.entries.length);
    });
  } finally {
    wordnet?.close();
  }
  if (opts.embedder) {
    const texts = pack.entries.map(passageText);
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      const vectors = await opts.embedder.embedPassages(texts.slice(i, i + EMBED_BATCH));
      vectors.forEach((v, k) => {
        docs[i + k]!.vector = normaliseVector(v);
      });
      opts.onEmbed?.(Math.min(texts.length, i + EMBED_BATCH), texts.length);
    }
  }
  return docs;
}

/** Train language identification on the packs' own text (titles, tags and summaries weigh more). */
export function trainLanguageModel(packs: LoadedPack[]): LanguageModel {
  const model = new LanguageModel();
  // The UI languages too: a French question to an English and Swahili pack is recognised as French, so the
  // reply ("I don't know", the navigation) is French even though no entry is.
  const langs = [...new Set([...packs.flatMap((p) => p.manifest.languages), ...UI_LANGUAGES])];
  model.trainBuiltins(langs);
  for (const p of packs) {
    for (const e of p.entries) {
      model.train(e.lang, `${e.title}\n${e.tags.join(' ')}\n${e.summary ?? ''}`, 2);
      // The opening of the body is enough to learn the language's letters; all of it only costs start-up time.
      model.train(e.lang, e.body.slice(0, 600));
    }
    for (const labels of Object.values(p.manifest.topicTitles)) {
      for (const [lang, label] of Object.entries(labels)) model.train(lang, label, 2);
    }
  }
  model.prepare();
  return model;
}

/** A snapshot of packs whose documents are analysed already (stored, or just built). */
export function assembleSnapshot(
  packs: LoadedPack[],
  docs: IndexDoc[],
  extra: {
    indexSource?: Record<string, 'stored' | 'memory'>;
    embeddingModel?: string;
    calibrations?: Record<string, PackCalibration>;
  } = {},
): Snapshot {
  return {
    packs,
    index: new LexicalIndex(docs),
    synonyms: new SynonymTable(packs.map((p) => ({ id: p.manifest.id, synonyms: p.manifest.synonyms }))),
    languages: [...new Set(packs.flatMap((p) => p.manifest.languages))],
    langModel: trainLanguageModel(packs),
    indexSource: extra.indexSource ?? Object.fromEntries(packs.map((p) => [p.manifest.id, 'memory' as const])),
    embeddingModel: extra.embeddingModel,
    calibrations: extra.calibrations ?? {},
    builtAt: Date.now(),
  };
}

/** Forget every per-word cache of a snapshot (near spellings, partial matches, language scores): benchmarks. */
export function clearSnapshotCaches(snap: Snapshot): void {
  snap.index.clearCaches();
  snap.langModel.clearCaches();
}
