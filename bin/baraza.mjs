#!/usr/bin/env node
// The `baraza` command: the compiled CLI when `npm run build` has written dist/, else the TypeScript sources
// through tsx (a development dependency), so a fresh clone works before its first build.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/apps/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/apps/cli/main.ts');
}
