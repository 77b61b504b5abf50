import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONFIG_VARIABLES } from '../../src/platform/config/index.js';
import { type BarazaProcess, spawnBaraza, stopAll } from '../reliability/harness.js';

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

/** The ```sh blocks of a README section whose lines are `curl` commands (with their `\` continuations). */
function curlCommands(section: string): string[] {
  const start = readme.indexOf(section);
  const text = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const commands: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) if (line.trim().startsWith('curl ')) commands.push(line.trim());
  }
  return commands;
}

describe("README's quick start, run as written", () => {
  let gateway: BarazaProcess;
  beforeAll(async () => {
    // `npm start`: the embedded default (no REDIS_URL), gateway + worker + simulator in one process.
    gateway = await spawnBaraza('all', { REDIS_URL: '' }, 'readme');
  }, 90_000);
  afterAll(() => stopAll());

  it('answers the USSD requests as the README shows (the menu, then the question typed after "1")', () => {
    const commands = curlCommands('## Quick start');
    expect(commands).toHaveLength(2);
    const port = new URL(gateway.url!).port;
    const run = (cmd: string) =>
      execFileSync('sh', ['-c', cmd.replaceAll('localhost:3000', `127.0.0.1:${port}`)], { encoding: 'utf8' });
    const menu = run(commands[0]!);
    expect(menu.startsWith('CON Baraza: ask us anything')).toBe(true);
    expect(menu).toMatch(/^1 Ask a question/m);
    const answer = run(commands[1]!);
    expect(answer).toMatch(/^(CON|END) /);
    expect(answer).not.toMatch(/invalid choice/i);
    expect(answer.toLowerCase()).toMatch(/maize|grain|store|dry/);
  }, 60_000);
});
