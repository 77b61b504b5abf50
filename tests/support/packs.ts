import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempPack {
  /** The temporary folder (room for an index or other files beside the pack). */
  root: string;
  /** The pack folder: `<root>/pack` with pack.yaml and entries/. */
  dir: string;
  remove(): Promise<void>;
}

/** A pack written to a fresh temporary folder: pack.yaml and each entries/<file> from their lines. */
export async function writeTempPack(manifest: string[], entries: Record<string, string[]>): Promise<TempPack> {
  const root = await mkdtemp(path.join(tmpdir(), 'baraza-pack-'));
  const dir = path.join(root, 'pack');
  await mkdir(path.join(dir, 'entries'), { recursive: true });
  await writeFile(path.join(dir, 'pack.yaml'), [...manifest, ''].join('\n'));
  for (const [file, lines] of Object.entries(entries)) {
    await writeFile(path.join(dir, 'entries', file), [...lines, ''].join('\n'));
  }
  return { root, dir, remove: () => rm(root, { recursive: true, force: true }) };
}

/** The lines of one entry file (front matter, then body) for writeTempPack. */
export function entryLines(
  id: string,
  lang: string,
  title: string,
  tags: string[],
  summary: string,
  body: string,
  opts: { topic?: string; source?: string } = {},
): string[] {
  return [
    '---',
    `id: ${id}`,
    `lang: ${lang}`,
    `title: "${title}"`,
    `topic: ${opts.topic ?? 'farm'}`,
    `tags: [${tags.join(', ')}]`,
    `summary: "${summary}"`,
    `source: "${opts.source ?? 'Test pack - https://example.org'}"`,
    '---',
    body,
  ];
}
