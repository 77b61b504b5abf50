import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type FakeHub, fixtureContent, startFakeHub } from '../../../tests/support/fake-hub.js';
import { loadConfig } from '../../platform/config/index.js';
import { loadEmbedder } from './embedder.js';
import { checkTransport, ModelPullError, parseManifest, parseShaOptions, pullModel } from './pull.js';
import { MODEL_RECIPES, recipeFor } from './recipes.js';

const MODEL = 'baraza-fixtures/tiny-bert';
const files = recipeFor(MODEL).files;
const PINNED = recipeFor(MODEL).pin!.revision;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('models pull against a hub-layout server', () => {
  let hub: FakeHub;
  const content = fixtureContent(MODEL);
  let dir: string;
  beforeAll(async () => {
    hub = await startFakeHub(MODEL);
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-pull-'));
    hub.requests.length = 0;
    hub.corrupt.clear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pull = (extra: Partial<Parameters<typeof pullModel>[0]> = {}) =>
    pullModel({ modelId: MODEL, modelsDir: dir, remoteHost: hub.url, ...extra });

  it('fetches every file of the pinned commit into <MODELS_DIR>/<org>/<name>/, each checked against the SHA-256 in its recipe', async () => {
    const progress: number[] = [];
    const result = await pull({ onProgress: (p) => progress.push(p.received) });
    expect(result.dir).toBe(path.join(dir, 'baraza-fixtures', 'tiny-bert'));
    for (const f of files) {
      expect(readFileSync(path.join(result.dir, f)).equals(content.get(f)!)).toBe(true);
    }
    const onnx = result.files.find((f) => f.file === 'onnx/model.onnx')!;
    expect(onnx).toMatchObject({ verifiedBy: 'recipe', skipped: false, sha256: sha(content.get('onnx/model.onnx')!) });
    // finding 9: config and tokenizer files are verified too, not only the LFS files.
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(result.files.find((r) => r.file === f)!.verifiedBy).toBe('recipe');
    }
    expect(progress.at(-1)).toBeGreaterThan(0);
    expect(hub.requests.some((r) => r.url === `/baraza-fixtures/tiny-bert/resolve/${PINNED}/config.json`)).toBe(true);
    expect(hub.requests.some((r) => r.url.includes('/resolve/main/'))).toBe(false);
    // no temporary file is left behind
    expect(readdirSync(path.join(result.dir, 'onnx'))).toEqual(['model.onnx']);
  });

  it('leaves a model that the runtime loads offline from MODELS_DIR', async () => {
    await pull();
    hub.requests.length = 0;
    const embedder = await loadEmbedder(loadConfig({ MODELS_DIR: dir }));
    expect(embedder?.id).toBe(MODEL);
    const [v] = await embedder!.embedQueries(['maize']);
    expect(v!.length).toBe(embedder!.dims);
    expect(hub.requests).toEqual([]);
  });

  it('finding 9: refuses a moving revision such as main, and another commit unless every file has an operator SHA-256', async () => {
    const moving = (await pull({ revision: 'main' }).catch((e: unknown) => e)) as ModelPullError;
    expect(moving.kind).toBe('bad_input');
    expect(moving.message).toMatch(/--revision must be a commit id/);
    const other = 'f'.repeat(40);
    const unvouched = (await pull({ revision: other }).catch((e: unknown) => e)) as ModelPullError;
    expect(unvouched.kind).toBe('unpinned');
    expect(unvouched.message).toMatch(/config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model\.onnx/);
    expect(hub.requests).toEqual([]);
    // With a SHA-256 for every file the operator may name another commit; this hub serves only the pinned one.
    const manifest = Object.fromEntries(files.map((f) => [f, sha(content.get(f)!)]));
    const absent = (await pull({ revision: other, sha256: manifest }).catch((e: unknown) => e)) as ModelPullError;
    expect(absent.kind).toBe('not_found');
  });

  it('finding 9: an operator SHA-256 that disagrees with the pinned one is refused before any request', async () => {
    const err = (await pull({ sha256: { 'config.json': '0'.repeat(64) } }).catch((e: unknown) => e)) as ModelPullError;
    expect(err.kind).toBe('bad_input');
    expect(hub.requests).toEqual([]);
  });

  it('finding 9: a supported model with no pin in code needs --revision and a manifest', async () => {
    const err = (await pullModel({
      modelId: 'Xenova/multilingual-e5-small',
      modelsDir: dir,
      remoteHost: hub.url,
    }).catch((e: unknown) => e)) as ModelPullError;
    expect(err.kind).toBe('unpinned');
    expect(err.message).toMatch(/not pinned in this version of Baraza: give --revision <40-hex commit>/);
    expect(hub.requests).toEqual([]);
  });

  it('reports a model the host does not have as not found, naming the host', async () => {
    const recipe = recipeFor('Xenova/multilingual-e5-small');
    const err = (await pullModel({
      modelId: recipe.id,
      modelsDir: dir,
      remoteHost: hub.url,
      revision: 'a'.repeat(40),
      sha256: Object.fromEntries(recipe.files.map((f) => [f, 'b'.repeat(64)])),
    }).catch((e: unknown) => e)) as ModelPullError;
    expect(err).toBeInstanceOf(ModelPullError);
    expect(err.kind).toBe('not_found');
    expect(err.message).toContain(`model Xenova/multilingual-e5-small not found on ${hub.url}`);
    expect(existsSync(path.join(dir, 'Xenova', 'multilingual-e5-small', 'config.json'))).toBe(false);
  });

  it('removes a download whose checksum does not match and keeps nothing under its name', async () => {
    hub.corrupt.add('onnx/model.onnx');
    const err = (await pull().catch((e: unknown) => e)) as ModelPullError;
    expect(err.kind).toBe('checksum');
    expect(err.message).toMatch(/checksum mismatch for baraza-fixtures\/tiny-bert\/onnx\/model.onnx.*removed/);
    const onnxDir = path.join(dir, 'baraza-fixtures', 'tiny-bert', 'onnx');
    expect(readdirSync(onnxDir)).toEqual([]);
  });

  it('finding 9: rejects a small file (tokenizer) the server altered, though it publishes no checksum for it', async () => {
    hub.corrupt.add('tokenizer.json');
    const err = (await pull().catch((e: unknown) => e)) as ModelPullError;
    expect(err.kind).toBe('checksum');
    expect(existsSync(path.join(dir, 'baraza-fixtures', 'tiny-bert', 'tokenizer.json'))).toBe(false);
    expect(existsSync(path.join(dir, 'baraza-fixtures', 'tiny-bert', 'tokenizer.json.partial'))).toBe(false);
  });

  it('resumes a cut download with a Range request', async () => {
    const onnx = content.get('onnx/model.onnx')!;
    const target = path.join(dir, 'baraza-fixtures', 'tiny-bert', 'onnx');
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'model.onnx.partial'), onnx.subarray(0, 1000));
    await pull();
    expect(hub.requests.find((r) => r.url.startsWith('/cdn/'))!.range).toBe('bytes=1000-');
    expect(readFileSync(path.join(target, 'model.onnx')).equals(onnx)).toBe(true);
  });

  it('keeps files already present and intact instead of downloading them again', async () => {
    await pull();
    hub.requests.length = 0;
    const again = await pull();
    expect(again.files.every((f) => f.skipped)).toBe(true);
    expect(hub.requests.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('replaces a present file that no longer matches its pinned SHA-256', async () => {
    await pull();
    const file = path.join(dir, 'baraza-fixtures', 'tiny-bert', 'onnx', 'model.onnx');
    writeFileSync(file, 'garbage');
    const again = await pull();
    expect(again.files.find((f) => f.file === 'onnx/model.onnx')!.skipped).toBe(false);
    expect(readFileSync(file).equals(content.get('onnx/model.onnx')!)).toBe(true);
  });

  it('says clearly when the host cannot be reached', async () => {
    const closed = await startFakeHub(MODEL);
    await closed.close();
    const err = (await pullModel({ modelId: MODEL, modelsDir: dir, remoteHost: closed.url }).catch(
      (e: unknown) => e,
    )) as ModelPullError;
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(new RegExp(`cannot reach ${closed.url.replace(/[.]/g, '\\.')}: ECONNREFUSED`));
  });

  it('refuses unsupported model ids before any request', async () => {
    const err = (await pullModel({ modelId: 'acme/unknown', modelsDir: dir, remoteHost: hub.url }).catch(
      (e: unknown) => e,
    )) as ModelPullError;
    expect(err.kind).toBe('unsupported');
    expect(hub.requests).toEqual([]);
  });
});

describe('transport and redirects (issue 14, finding 9)', () => {
  let cdn: FakeHub;
  let dir: string;
  beforeAll(async () => {
    cdn = await startFakeHub(MODEL);
  });
  afterAll(() => cdn.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-pull-redirect-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finding 9: refuses plain http to any host but a loopback one, before a request', async () => {
    const fetchImpl = (async () => {
      throw new Error('no request may be made');
    }) as unknown as typeof fetch;
    const err = (await pullModel({
      modelId: MODEL,
      modelsDir: dir,
      remoteHost: 'http://mirror.example.org',
      fetchImpl,
    }).catch((e: unknown) => e)) as ModelPullError;
    expect(err.kind).toBe('insecure');
    expect(err.message).toMatch(/http:\/\/mirror\.example\.org is not https/);
    expect(checkTransport('https://huggingface.co', 'x').host).toBe('huggingface.co');
    expect(checkTransport('http://127.0.0.1:8080', 'x').port).toBe('8080');
    expect(() => checkTransport('ftp://huggingface.co', 'x')).toThrow(ModelPullError);
  });

  it('finding 9: follows a redirect only to an allowed host, and never to plain http elsewhere', async () => {
    const elsewhere = await startFakeHub(MODEL, { cdnOrigin: cdn.url });
    try {
      const err = (await pullModel({ modelId: MODEL, modelsDir: dir, remoteHost: elsewhere.url }).catch(
        (e: unknown) => e,
      )) as ModelPullError;
      expect(err.kind).toBe('insecure');
      expect(err.message).toMatch(
        /redirected to 127\.0\.0\.1:\d+, which is neither the remote host nor in MODELS_ALLOWED_HOSTS/,
      );
      expect(cdn.requests).toEqual([]);
      const host = new URL(cdn.url).host;
      const ok = await pullModel({ modelId: MODEL, modelsDir: dir, remoteHost: elsewhere.url, allowedHosts: [host] });
      expect(ok.files.find((f) => f.file === 'onnx/model.onnx')!.verifiedBy).toBe('recipe');
      expect(cdn.requests.some((r) => r.url.startsWith('/cdn/'))).toBe(true);
    } finally {
      await elsewhere.close();
    }
    const plain = await startFakeHub(MODEL, { cdnOrigin: 'http://cdn-lfs.huggingface.co' });
    try {
      const fresh = mkdtempSync(path.join(os.tmpdir(), 'baraza-pull-plain-'));
      const err = (await pullModel({ modelId: MODEL, modelsDir: fresh, remoteHost: plain.url }).catch(
        (e: unknown) => e,
      )) as ModelPullError;
      expect(err.kind).toBe('insecure');
      expect(err.message).toMatch(/redirected to http:\/\/cdn-lfs\.huggingface\.co is not https/);
      rmSync(fresh, { recursive: true, force: true });
    } finally {
      await plain.close();
    }
  });
});

describe('recipe pins', () => {
  it('finding 9: every pinned recipe pins a commit and a SHA-256 for each file; fixture pins match the fixture files', () => {
    for (const r of MODEL_RECIPES.filter((x) => x.pin)) {
      expect(r.pin!.revision).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.keys(r.pin!.sha256).sort()).toEqual([...r.files, ...r.optionalFiles].sort());
      for (const h of Object.values(r.pin!.sha256)) expect(h).toMatch(/^[0-9a-f]{64}$/);
      if (r.fixture) {
        const onDisk = fixtureContent(r.id);
        for (const f of r.files) expect({ f, sha: sha(onDisk.get(f)!) }).toEqual({ f, sha: r.pin!.sha256[f] });
      }
    }
    expect(MODEL_RECIPES.filter((r) => r.fixture).every((r) => r.pin)).toBe(true);
  });
});

describe('checksum inputs', () => {
  const h = 'ab'.repeat(32);

  it('parses --sha256 file=hash pairs and rejects malformed ones', () => {
    expect(parseShaOptions([`onnx/model.onnx=${h}`])).toEqual({ 'onnx/model.onnx': h });
    expect(() => parseShaOptions(['onnx/model.onnx'])).toThrow(/file=<64 hex digits>/);
    expect(() => parseShaOptions(['x=1234'])).toThrow(ModelPullError);
  });

  it('parses JSON and sha256sum manifests', () => {
    expect(parseManifest(JSON.stringify({ 'config.json': h }))).toEqual({ 'config.json': h });
    expect(parseManifest(`# comment\n${h}  onnx/model.onnx\n${h} *config.json\n`)).toEqual({
      'onnx/model.onnx': h,
      'config.json': h,
    });
    expect(() => parseManifest('not a manifest')).toThrow(/line 1/);
    expect(() => parseManifest('{"config.json": "zz"}')).toThrow(/64-hex-digit/);
  });
});
