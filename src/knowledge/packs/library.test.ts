import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { loadConfig } from '../../platform/config/index.js';
import { type BarazaAnswerer, createAnswerer } from '../answer/index.js';
import { loadPack } from './load.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const FIXTURE = path.join(ROOT, 'tests/fixtures/packs/health-pack-folder');

async function until(check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for the pack library');
    await new Promise((r) => setTimeout(r, 40));
  }
}

describe('hot reload of packs', () => {
  let dir: string;
  let answerer: BarazaAnswerer;
  const logs: { level: number; msg: string; problem?: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'baraza-packs-'));
    await cp(FIXTURE, path.join(dir, 'health'), { recursive: true });
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    answerer = await createAnswerer({
      config: loadConfig({
        PACKS_DIR: dir,
        INDEX_DIR: path.join(dir, '.index'),
        MODELS_DIR: path.join(dir, 'no-models'),
      }),
      log: pino({ level: 'info' }, sink),
      watch: true,
      debounceMs: 50,
      embedder: null,
      translator: null,
    });
  });

  afterAll(async () => {
    await answerer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const ask = (question: string) => answerer.answer({ question, channel: 'sms', lang: 'en' });
  const entryFile = () => path.join(dir, 'health/entries/mosquito-nets.en.md');

  it('serves the pack, keeps serving the last good version when an edit breaks it, and picks up the fix', async () => {
    const before = await ask('how to use a mosquito net');
    expect(before.found).toBe(true);
    expect(before.answer).toContain('Sleep under an insecticide-treated net');
    expect(answerer.status()).toMatchObject({ ok: true, packs: [expect.objectContaining({ id: 'community-health' })] });

    const good = await readFile(entryFile(), 'utf8');
    const reloads = answerer.status().reloads;
    // An editor saves a half-written file: unclosed YAML list in the front matter.
    await writeFile(entryFile(), good.replace('tags: [mosquito net,', 'tags: [mosquito net'));
    await writeFile(entryFile(), good.replace(/^title: .*$/m, 'title: [oops'));
    // Under load the watcher may reload between (or during) the two writes; wait for the state of the last one.
    await until(
      () =>
        answerer.status().reloads > reloads && (answerer.status().lastError ?? '').includes('mosquito-nets.en.md:4'),
    );

    const during = await ask('how to use a mosquito net');
    expect(during.answer).toBe(before.answer);
    const status = answerer.status();
    expect(status.ok).toBe(true);
    expect(status.lastError).toContain('mosquito-nets.en.md:4');
    expect(logs.some((l) => l.level >= 50 && /last good index keeps serving/.test(l.msg))).toBe(true);

    await writeFile(
      entryFile(),
      good.replace(
        'Sleep under an insecticide-treated net every night, all year.',
        'Use your treated net every single night.',
      ),
    );
    await until(async () => (await ask('how to use a mosquito net')).answer.includes('every single night'));
    expect(answerer.status().lastError).toBeUndefined();
  });

  it('adds a pack dropped into the folder and drops a removed one', async () => {
    await cp(path.join(ROOT, 'packs/financial-literacy'), path.join(dir, 'money'), { recursive: true });
    // The copy lands file by file; the library settles on the whole pack.
    const files = (await loadPack(path.join(ROOT, 'packs/financial-literacy'))).pack!.entries.length;
    await until(() => answerer.status().packs.find((p) => p.id === 'financial-literacy')?.entries === files, 20_000);
    expect((await ask('should i share my mpesa pin')).citations[0]?.pack).toBe('financial-literacy');
    await rm(path.join(dir, 'money'), { recursive: true, force: true });
    await until(() => answerer.status().packs.length === 1);
    expect((await ask('should i share my mpesa pin')).citations.every((c) => c.pack !== 'financial-literacy')).toBe(
      true,
    );
  });
});
