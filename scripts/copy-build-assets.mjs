// After tsc: copy the plain-JavaScript modules that compiled code imports (the simulator's sim-core.js is shared
// by the browser page and the CLI) into dist/, beside the modules that import them.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const MODULES = ['src/apps/simulator/public/sim-core.js'];

export function copyBuildAssets() {
  for (const rel of MODULES) {
    const to = path.join(ROOT, 'dist', rel);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(path.join(ROOT, rel), to);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) copyBuildAssets();
