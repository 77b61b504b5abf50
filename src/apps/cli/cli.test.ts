import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAnswerer } from '../../knowledge/answer/index.js';
import { loadConfig } from '../../platform/config/index.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const BIN = path.join(ROOT, 'bin/baraza.mjs');
const HEALTH = path.join(ROOT, 'tests/fixtures/packs/health-pack-folder');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `baraza` executable, as a user would. */
function baraza(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      BIN,
      args,
      {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL: '', INDEX_DIR: path.join(ROOT, 'no-index-here'), ...opts.env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'baraza-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('baraza --help', () => {
  it('lists every command with an example', async () => {
    const r = await baraza(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['packs', 'ask', 'gaps', 'sim']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^  \\$ baraza ${cmd}\\b`, 'm'));
    }
  }, 60_000);
});

describe('baraza ask', () => {
  it('answers from a pack it has never seen, as JSON of exactly the documented shape', async () => {
    const r = await baraza(['ask', '--pack', HEALTH, '--json', 'my child has diarrhoea what do i give him']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(['answer', 'citations', 'confidence', 'encoding', 'lang', 'segments']);
    expect(json.citations[0]).toEqual({
      pack: 'community-health',
      entry: 'ors-diarrhoea',
      title: 'What should I give a child with diarrhoea?',
      source:
        'WHO and UNICEF, Diarrhoea treatment guidelines (ORS and zinc) - https://www.who.int/health-topics/diarrhoea',
    });
    expect(json.lang).toBe('en');
    expect(json.confidence).toBeGreaterThan(0.5);
    expect(json.segments).toBeLessThanOrEqual(3);
    expect(json.answer).toMatch(/ORS/);
  }, 60_000);

  it('reports the choices offered, and no citations, when it asks the user to pick', async () => {
    const r = await baraza(['ask', '--pack', path.join(ROOT, 'packs/agri-advisory'), '--json', 'mahindi']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual([
      'answer',
      'choices',
      'citations',
      'confidence',
      'encoding',
      'lang',
      'segments',
    ]);
    expect(json.citations).toEqual([]);
    expect(json.choices.length).toBeGreaterThanOrEqual(1);
    expect(json.choices.length).toBeLessThanOrEqual(3);
    for (const c of json.choices) {
      expect(Object.keys(c).sort()).toEqual(['entry', 'pack', 'title']);
      expect(c.pack).toBe('agri-advisory');
      expect(json.answer).toContain(c.title);
    }
    expect(json.lang).toBe('sw');
    expect(json.answer).toMatch(/^Ulimaanisha: 1\) /);
  }, 60_000);

  it('reads one question per line from stdin with "-" and prints one JSON object per line', async () => {
    const r = await baraza(['ask', '--pack', HEALTH, '--channel', 'ussd', '-'], {
      input: 'mtoto anaharisha nimpe nini\n\nxqzv blorp\nhow to hang a mosquito net\n',
    });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ lang: 'sw', citations: [expect.objectContaining({ entry: 'ors-diarrhoea' })] });
    expect(lines[1].citations).toEqual([]);
    expect(lines[1].answer).toMatch(/^Sorry/);
    expect(lines[2].citations[0].entry).toBe('mosquito-nets');
    expect(lines[2].segments).toBeUndefined();
  }, 60_000);

  it('says clearly what is wrong with its arguments (exit 2)', async () => {
    const [missing, channel, lang] = await Promise.all([
      baraza(['ask', '--pack', path.join(tmp, 'nope'), 'hello']),
      baraza(['ask', '--channel', 'fax', 'hello']),
      baraza(['ask', '--lang', 'english', 'hello']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--pack ${path.join(tmp, 'nope')}: folder not found`);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toMatch(/'fax'.*(ussd|choices)/);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain('--lang english');
  }, 60_000);

  it('fails (exit 1) with the problems when no pack can be loaded', async () => {
    const r = await baraza(['ask', '--pack', path.join(ROOT, 'tests/fixtures/packs/broken'), 'maize']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no knowledge pack could be loaded: .*pack\.yaml:1: "id" must be lowercase/);
  }, 60_000);
});

describe('baraza packs', () => {
  it('validate: file:line: message for each problem and exit 1; OK and exit 0 for good packs', async () => {
    const [bad, good] = await Promise.all([
      baraza(['packs', 'validate', 'tests/fixtures/packs/broken']),
      baraza(['packs', 'validate', 'packs']),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      'tests/fixtures/packs/broken/pack.yaml:3: "version" must be a string, got number; quote it ("1.0")',
    );
    expect(bad.stdout).toContain(
      'tests/fixtures/packs/broken/entries/wrong-id.en.md:2: id "another-id" does not match the file name (expected "wrong-id")',
    );
    expect(bad.stderr).toMatch(/FAILED tests\/fixtures\/packs\/broken: \d+ errors/);
    expect(good.code).toBe(0);
    const lines = good.stdout.trim().split('\n');
    // One unreviewed-pack warning per pack (the samples are drafts), then the pack's OK line.
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      /^packs\/agri-advisory\/pack.yaml:1: warning: (\d+) of \1 entry files have no expert review/,
    );
    expect(lines[1]).toMatch(
      /^OK packs\/agri-advisory: agri-advisory@[\d.]+, \d+ entries \(\d+ files\) in en, sw, fr, 1 warning$/,
    );
    expect(lines[2]).toMatch(
      /^packs\/financial-literacy\/pack.yaml:1: warning: (\d+) of \1 entry files have no expert review/,
    );
    expect(lines[3]).toMatch(
      /^OK packs\/financial-literacy: financial-literacy@[\d.]+, \d+ entries \(\d+ files\) in en, sw, fr, 1 warning$/,
    );
    expect(lines[4]).toMatch(
      /^packs\/nutrition-water\/pack.yaml:1: warning: (\d+) of \1 entry files have no expert review/,
    );
    expect(lines[5]).toMatch(
      /^OK packs\/nutrition-water: nutrition-water@[\d.]+, \d+ entries \(\d+ files\) in en, sw, fr, 1 warning$/,
    );
  }, 60_000);

  it('build: writes the index keyed by pack id and content hash, and answering then uses it', async () => {
    const indexDir = path.join(tmp, 'index');
    const r = await baraza(['packs', 'build', HEALTH, '--index-dir', indexDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/built community-health@0\.3\.0: 6 documents, lexical/);
    // The pack's calibration, measured from itself: thresholds, then what they do to its pseudo-questions and the probes.
    expect(r.stdout).toMatch(
      /calibration community-health: don't know < [\d.]+ (\(or strength [\d.]+\) )?<= choices < [\d.]+ <= answer .*pseudo-questions \d+: right answer [\d.]+%.*off-topic probes \d+: declined [\d.]+%/,
    );
    const files = await readdir(path.join(indexDir, 'community-health'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(existsSync(path.join(indexDir, HEALTH))).toBe(false);

    const config = loadConfig({ PACKS_DIR: HEALTH, INDEX_DIR: indexDir, MODELS_DIR: path.join(tmp, 'no-models') });
    const stored = await createAnswerer({ config, watch: false, embedder: null });
    const memory = await createAnswerer({ config, watch: false, embedder: null, useStoredIndex: false });
    try {
      expect(stored.status().index).toEqual({ 'community-health': 'stored' });
      expect(memory.status().index).toEqual({ 'community-health': 'memory' });
      for (const q of ['mosquito net holes', 'mtoto anaharisha', 'wash hands soap']) {
        expect(await stored.answer({ question: q, channel: 'sms' })).toEqual(
          await memory.answer({ question: q, channel: 'sms' }),
        );
      }
    } finally {
      await stored.close();
      await memory.close();
    }
  }, 60_000);
});
