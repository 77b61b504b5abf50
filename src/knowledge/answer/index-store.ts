import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OUT_OF_SCOPE, SMS_ABBREVIATIONS, STOPWORDS } from '../language/text.js';
import type { LoadedPack } from '../packs/types.js';
import type { PackCalibration } from './calibration.js';
import { FIELD_WEIGHTS } from './docs.js';
import type { IndexDoc } from './lexical.js';
import { BRIDGE_VARIANT, BRIDGE_VERSION, WORDNET_BRIDGE } from './wordnet.js';

/** Bump when the stored layout changes. */
const INDEX_FORMAT = 4;

/** Stored indexes are reused only when built by the same analysis rules (stopwords, weights, stemming). */
const ANALYSER_VERSION = createHash('sha256')
  .update(
    JSON.stringify({
      v: 6,
      stop: Object.fromEntries(Object.entries(STOPWORDS).map(([k, v]) => [k, [...v].sort()])),
      abbr: SMS_ABBREVIATIONS,
      scope: OUT_OF_SCOPE,
      weights: FIELD_WEIGHTS,
      wordnet: WORDNET_BRIDGE ? { v: BRIDGE_VERSION, variant: BRIDGE_VARIANT } : false,
    }),
  )
  .digest('hex')
  .slice(0, 12);

interface StoredDoc {
  entry: string;
  lang: string;
  /** [term, weighted frequency, of which in the body, in the title, in the example questions] */
  terms: [string, number, number, number, number][];
  strong: string[];
  length: number;
  strongLength: number;
  titleLength: number;
  questionsLength: number;
  bodyLength: number;
  /** Out-of-scope requests the entry covers (scope.ts). */
  intents?: string[];
  /** WordNet bridge pairs (wordnet.ts). */
  bridge?: [string, string][];
  /** base64 of the Float32 passage vector */
  vector?: string;
}

export interface StoredPackIndex {
  format: number;
  analyser: string;
  pack: string;
  version: string;
  contentHash: string;
  builtAt: string;
  embedding?: { model: string; dim: number };
  /** The pack's confidence thresholds, measured when it was built (calibration.ts). */
  calibration?: PackCalibration;
  docs: StoredDoc[];
}

/** `<INDEX_DIR>/<pack id>/<content hash>.json`: keyed by pack id and content, never by folder name. */
export function indexPath(indexDir: string, packId: string, contentHash: string): string {
  return path.join(indexDir, packId, `${contentHash}.json`);
}

function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function decodeVector(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

export function serialisePackIndex(
  pack: LoadedPack,
  docs: IndexDoc[],
  embeddingModel?: string,
  calibration?: PackCalibration,
): StoredPackIndex {
  const dim = docs.find((d) => d.vector)?.vector?.length ?? 0;
  return {
    format: INDEX_FORMAT,
    analyser: ANALYSER_VERSION,
    pack: pack.manifest.id,
    version: pack.manifest.version,
    contentHash: pack.contentHash,
    builtAt: new Date().toISOString(),
    embedding: embeddingModel && dim > 0 ? { model: embeddingModel, dim } : undefined,
    calibration,
    docs: docs.map((d) => ({
      entry: d.entry,
      lang: d.lang,
      terms: [...d.analysed.terms.entries()].map(
        ([t, tf]) =>
          [t, tf, d.analysed.body.get(t) ?? 0, d.analysed.title.get(t) ?? 0, d.analysed.questions.get(t) ?? 0] as [
            string,
            number,
            number,
            number,
            number,
          ],
      ),
      strong: [...d.analysed.strong],
      length: d.analysed.length,
      strongLength: d.analysed.strongLength,
      titleLength: d.analysed.titleLength,
      questionsLength: d.analysed.questionsLength,
      bodyLength: d.analysed.bodyLength,
      intents: d.intents,
      bridge: d.bridge,
      vector: d.vector ? encodeVector(d.vector) : undefined,
    })),
  };
}

function deserialisePackIndex(stored: StoredPackIndex): IndexDoc[] {
  return stored.docs.map((d) => {
    const terms = new Map(d.terms.map(([t, tf]) => [t, tf] as [string, number]));
    const body = new Map(d.terms.filter(([, , b]) => b > 0).map(([t, , b]) => [t, b] as [string, number]));
    const title = new Map(d.terms.filter(([, , , h]) => h > 0).map(([t, , , h]) => [t, h] as [string, number]));
    const questions = new Map(d.terms.filter(([, , , , q]) => q > 0).map(([t, , , , q]) => [t, q] as [string, number]));
    return {
      pack: stored.pack,
      entry: d.entry,
      lang: d.lang,
      analysed: {
        terms,
        strong: new Set(d.strong),
        body,
        title,
        questions,
        strongLength: d.strongLength,
        titleLength: d.titleLength,
        questionsLength: d.questionsLength,
        bodyLength: d.bodyLength,
        length: d.length,
      },
      vector: d.vector ? decodeVector(d.vector) : undefined,
      ...(d.intents ? { intents: d.intents } : {}),
      ...(d.bridge ? { bridge: d.bridge } : {}),
    };
  });
}

/** Write atomically (temp file + rename) and drop this pack's older builds. Returns the file written. */
export async function writePackIndex(indexDir: string, stored: StoredPackIndex): Promise<string> {
  const file = indexPath(indexDir, stored.pack, stored.contentHash);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(stored));
  await rename(tmp, file);
  for (const name of await readdir(path.dirname(file))) {
    if (name !== path.basename(file) && name.endsWith('.json'))
      await rm(path.join(path.dirname(file), name), { force: true });
  }
  return file;
}

export type StoredIndexLookup =
  | { status: 'hit'; docs: IndexDoc[]; embeddingModel?: string; calibration?: PackCalibration }
  | { status: 'missing' | 'stale'; reason: string };

/** The stored index for exactly this pack content and analyser, if `packs build` made one. */
export async function readPackIndex(indexDir: string, pack: LoadedPack): Promise<StoredIndexLookup> {
  const file = indexPath(indexDir, pack.manifest.id, pack.contentHash);
  let stored: StoredPackIndex;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredPackIndex;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { status: 'missing', reason: code === 'ENOENT' ? `no index at ${file}` : `unreadable index ${file}` };
  }
  if (stored.format !== INDEX_FORMAT || stored.analyser !== ANALYSER_VERSION) {
    return { status: 'stale', reason: `index ${file} was built by another version; run baraza packs build` };
  }
  if (
    stored.pack !== pack.manifest.id ||
    stored.contentHash !== pack.contentHash ||
    stored.docs.length !== pack.entries.length
  ) {
    return { status: 'stale', reason: `index ${file} does not match the pack content` };
  }
  return {
    status: 'hit',
    docs: deserialisePackIndex(stored),
    embeddingModel: stored.embedding?.model,
    calibration: stored.calibration,
  };
}
