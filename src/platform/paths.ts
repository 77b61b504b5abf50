import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder that holds Baraza's package.json, found by walking up from this module, so shipped assets
 * (locales, prompts, the simulator page, language data) resolve the same from `src/` under tsx, from `dist/`
 * in production, and from a host application that mounts the gateway with another working directory.
 */
function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'baraza') return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Baraza's package.json above ${from}`);
    dir = parent;
  }
}

const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A file or folder shipped with the package, e.g. `assetPath('locales')`. */
export const assetPath = (...parts: string[]): string => path.join(PACKAGE_ROOT, ...parts);
