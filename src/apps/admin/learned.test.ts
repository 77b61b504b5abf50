/**
 * Learned examples end to end on a real Redis: picks wait in /admin/gaps, editors approve, move or reject them
 * (HTML forms and JSON), approved ones count in retrieval after a reload, and `packs learn export` writes them
 * into the entries' front matter (comments kept) and marks them exported.
 */
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeTestContext, tableAnswerer } from '../../../tests/support/context.js';
import { serveSurfaces, type TestGateway } from '../../../tests/support/http.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../../tests/support/redis.js';
import { PackCatalogue } from '../../knowledge/answer/catalogue.js';
import { createAnswerer } from '../../knowledge/answer/index.js';
import { loadPack } from '../../knowledge/packs/load.js';
import { loadConfig } from '../../platform/config/index.js';
import { listLearned, recordPick } from '../../platform/learned.js';
import { RedisStore } from '../../platform/store/index.js';
import { exportLearned } from '../cli/commands/learn.js';
import { adminRouter } from './routes.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const ADMIN = { ADMIN_USER: 'editor', ADMIN_PASSWORD: 'correct horse battery' };
const AUTH = {
  authorization: `Basic ${Buffer.from(`${ADMIN.ADMIN_USER}:${ADMIN.ADMIN_PASSWORD}`).toString('base64')}`,
};

const prefix = uniquePrefix('learned');
let store: RedisStore;
let app: TestGateway;
let tmp: string;

beforeAll(async () => {
  store = new RedisStore(testRedisUrl(), prefix);
  if (store.client.status !== 'ready') await once(store.client, 'ready');
  tmp = await mkdtemp(path.join(tmpdir(), 'baraza-learned-'));
  await cp(path.join(ROOT, 'packs', 'agri-advisory'), path.join(tmp, 'agri-advisory'), { recursive: true });
  const pack = (await loadPack(path.join(tmp, 'agri-advisory'))).pack!;
  const ctx = await makeTestContext({ env: ADMIN, store, answerer: tableAnswerer({}, new PackCatalogue([pack])) });
  app = await serveSurfaces(ctx, [(c) => ({ path: '/admin', router: adminRouter(c) })]);
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  await cleanupPrefix(prefix);
  await rm(tmp, { recursive: true, force: true });
});

const pick = (question: string, entry: string, lang = 'en') =>
  recordPick(store, { pack: 'agri-advisory', entry, lang, question, channel: 'sms' });

async function post(id: string, body: Record<string, string>, opts: { json?: boolean; headers?: object } = {}) {
  return fetch(`${app.base}/admin/gaps/learned/${id}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...AUTH,
      'content-type': opts.json ? 'application/json' : 'application/x-www-form-urlencoded',
      ...opts.headers,
    },
    body: opts.json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
  });
}

describe('reviewing learned examples in /admin/gaps', () => {
  it('lists pending picks with their counts, and takes approve, move and reject', async () => {
    expect(await pick('blorptastic leaf stripes', 'maize-streak-virus')).toBe('new');
    expect(await pick('Blorptastic leaf stripes?', 'maize-streak-virus')).toBe('again');
    await pick('call me on +254 711 000 999 about striga', 'maize-striga');
    await pick('zorblat fungus on cobs', 'maize-streak-virus', 'sw');
    await pick('hopeless question', 'maize-striga');

    const page = await (await fetch(`${app.base}/admin/gaps`, { headers: AUTH })).text();
    expect(page).toContain("Learned from users' picks");
    expect(page).toContain('blorptastic leaf stripes');
    expect(page).toContain('call me on [number] about striga');
    expect(page).not.toContain('000 999');
    const json = await (await fetch(`${app.base}/admin/gaps/learned.json`, { headers: AUTH })).json();
    const byQ = Object.fromEntries(json.pending.map((x: { question: string }) => [x.question, x]));
    expect(byQ['blorptastic leaf stripes'].hits).toBe(2);

    // A form post comes back to the page; a JSON one gets the example.
    const approved = await post(byQ['blorptastic leaf stripes'].id, { action: 'approve' });
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe('/admin/gaps#learned');
    const moved = await post(
      byQ['zorblat fungus on cobs'].id,
      { action: 'move', entry: 'agri-advisory/maize-lethal-necrosis' },
      { json: true },
    );
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({
      status: 'approved',
      entry: 'maize-lethal-necrosis',
      pickedEntry: 'agri-advisory/maize-streak-virus',
    });
    expect((await post(byQ['hopeless question'].id, { action: 'reject' })).status).toBe(303);

    // Bad input is refused, naming the field; a decided example is not decided again.
    const bad = await post(byQ['call me on [number] about striga'].id, { action: 'move', entry: 'agri-advisory/nope' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/'entry': no entry agri-advisory\/nope/);
    expect((await post(byQ['call me on [number] about striga'].id, { action: 'delete' })).status).toBe(400);
    expect((await post('0123456789abcdef0123', { action: 'approve' })).status).toBe(404);
    expect((await post(byQ['hopeless question'].id, { action: 'approve' })).status).toBe(409);
    // Another site's form cannot ride on the editor's basic-auth credentials.
    const forged = await post(
      byQ['call me on [number] about striga'].id,
      { action: 'approve' },
      { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } },
    );
    expect(forged.status).toBe(403);
    expect(await fetch(`${app.base}/admin/gaps/learned/x`, { method: 'POST' }).then((r) => r.status)).toBe(401);

    expect((await listLearned(store, 'pending')).map((x) => x.question)).toEqual(['call me on [number] about striga']);
    expect((await listLearned(store, 'approved')).map((x) => [x.question, x.entry, x.lang])).toEqual([
      ['blorptastic leaf stripes', 'maize-streak-virus', 'en'],
      ['zorblat fungus on cobs', 'maize-lethal-necrosis', 'sw'],
    ]);
  });

  it('counts approved examples in retrieval after the next reload', async () => {
    const answerer = await createAnswerer({
      config: loadConfig({ PACKS_DIR: tmp, MODELS_DIR: path.join(ROOT, '.no-models'), PII_SALT: 'test' }),
      store,
      watch: false,
      useStoredIndex: false,
      embedder: null,
      translator: null,
      condenser: null,
    });
    try {
      const ask = async (q: string) => (await answerer.retrieve(q, { lang: 'sw' })).hits[0]?.entry;
      // Approved before the answerer was built: counted from the start.
      expect(await ask('zorblat fungus')).toBe('maize-lethal-necrosis');
      expect(await ask('kwizzle')).not.toBe('maize-striga');
      // Approved after: not counted until the packs are read again.
      await pick('kwizzle pembeni mwa mahindi', 'maize-striga', 'sw');
      const id = (await listLearned(store, 'pending')).find((x) => x.question.startsWith('kwizzle'))!.id;
      await post(id, { action: 'approve' });
      expect(await ask('kwizzle')).not.toBe('maize-striga');
      expect((await answerer.reload()).changed).toBe(true);
      const snapshot = answerer.snapshot()!;
      const striga = snapshot.packs[0]!.entries.find((e) => e.id === 'maize-striga' && e.lang === 'sw')!;
      expect(striga.questions).toContain('kwizzle pembeni mwa mahindi');
      const mln = snapshot.packs[0]!.entries.find((e) => e.id === 'maize-lethal-necrosis' && e.lang === 'sw')!;
      expect(mln.questions).toContain('zorblat fungus on cobs');
      expect(await ask('zorblat fungus')).toBe('maize-lethal-necrosis');
      expect(await ask('kwizzle')).toBe('maize-striga');
    } finally {
      await answerer.close();
    }
  });

  it('packs learn export writes approved examples into the entry file of their language and marks them exported', async () => {
    const file = path.join(tmp, 'agri-advisory', 'entries', 'maize-streak-virus.en.md');
    const before = await readFile(file, 'utf8');
    const report = await exportLearned(store, tmp);
    expect(report.written).toBe(3);
    expect(report.files.map((f) => path.basename(f)).sort()).toEqual([
      'maize-lethal-necrosis.sw.md',
      'maize-streak-virus.en.md',
      'maize-striga.sw.md',
    ]);
    const after = await readFile(file, 'utf8');
    // Only the questions list grew: every other line, the body included, is as it was.
    const added = after.split('\n').filter((l) => !before.split('\n').includes(l));
    expect(added).toEqual(['  - blorptastic leaf stripes']);
    expect(after.slice(after.indexOf('\n---\n'))).toBe(before.slice(before.indexOf('\n---\n')));
    const reloaded = (await loadPack(path.join(tmp, 'agri-advisory'))).pack!;
    expect(reloaded.entries.find((e) => e.id === 'maize-striga' && e.lang === 'sw')!.questions).toContain(
      'kwizzle pembeni mwa mahindi',
    );
    expect(await listLearned(store, 'approved')).toEqual([]);
    expect((await listLearned(store, 'exported')).map((x) => x.question).sort()).toEqual([
      'blorptastic leaf stripes',
      'kwizzle pembeni mwa mahindi',
      'zorblat fungus on cobs',
    ]);
    // Nothing left to write the second time.
    expect((await exportLearned(store, tmp)).written).toBe(0);
  });
});
