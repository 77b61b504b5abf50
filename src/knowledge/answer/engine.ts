import type { Logger } from 'pino';
import type { LoadedPack } from '../packs/types.js';
import { calibratePack, isCurrentCalibration, type PackCalibration } from './calibration.js';
import type { Embedder } from './dense.js';
import { readPackIndex } from './index-store.js';
import type { IndexDoc } from './lexical.js';
import { assembleSnapshot, buildPackDocs, type Snapshot } from './snapshot.js';

export { buildPackDocs, type Snapshot, trainLanguageModel } from './snapshot.js';

export interface BuildOptions {
  indexDir?: string;
  embedder?: Embedder;
  embedderId?: string;
  log?: Logger;
  /** Called after each pack is indexed (progress bars). */
  onPack?: (pack: LoadedPack, source: 'stored' | 'memory') => void;
  /** Called while passages are embedded: done / total for one pack. */
  onEmbed?: (pack: LoadedPack, done: number, total: number) => void;
}

/**
 * Index a set of valid packs: the stored index from `packs build` when it matches the content (and has
 * vectors from the configured model), else analysed in memory. Each pack comes with its calibration (stored
 * with its index, else measured now: see calibration.ts).
 */
export async function buildSnapshot(packs: LoadedPack[], opts: BuildOptions = {}): Promise<Snapshot> {
  const docs: IndexDoc[] = [];
  const indexSource: Record<string, 'stored' | 'memory'> = {};
  const calibrations: Record<string, PackCalibration> = {};
  let allVectors = opts.embedder !== undefined;
  for (const pack of packs) {
    let packDocsList: IndexDoc[] | undefined;
    let calibration: PackCalibration | undefined;
    if (opts.indexDir) {
      const found = await readPackIndex(opts.indexDir, pack);
      if (found.status === 'hit') {
        const vectorsOk =
          !opts.embedder || (found.embeddingModel === opts.embedderId && found.docs.every((d) => d.vector));
        if (vectorsOk) {
          packDocsList = found.docs;
          if (isCurrentCalibration(found.calibration, pack)) calibration = found.calibration;
        } else
          opts.log?.info(
            { pack: pack.manifest.id },
            'stored index has no vectors for the configured embedding model; embedding in memory (run baraza packs build)',
          );
      } else if (found.status === 'stale') {
        opts.log?.info({ pack: pack.manifest.id, reason: found.reason }, 'stored index not used');
      }
    }
    const source = packDocsList ? 'stored' : 'memory';
    packDocsList ??= await buildPackDocs(pack, {
      embedder: opts.embedder,
      onEmbed: opts.onEmbed ? (d, t) => opts.onEmbed!(pack, d, t) : undefined,
    });
    if (!opts.embedder) for (const d of packDocsList) d.vector = undefined;
    allVectors &&= packDocsList.every((d) => d.vector);
    calibration ??= await calibratePack(pack, packDocsList);
    calibrations[pack.manifest.id] = calibration;
    indexSource[pack.manifest.id] = source;
    docs.push(...packDocsList);
    opts.onPack?.(pack, source);
  }
  return assembleSnapshot(packs, docs, {
    indexSource,
    embeddingModel: allVectors && docs.length > 0 ? opts.embedderId : undefined,
    calibrations,
  });
}
