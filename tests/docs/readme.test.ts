import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CONFIG_VARIABLES } from '../../src/platform/config/index.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  it('documents every configuration variable', () => {
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('gives the two-command quick start and the scripts it names exist', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    for (const script of ['start', 'test', 'gateway', 'worker', 'bench']) expect(pkg.scripts[script]).toBeDefined();
  });
});
