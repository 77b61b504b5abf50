import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type FakeHub, fixtureContent, startFakeHub } from '../../../tests/support/fake-hub.js';
import { loadConfig } from '../../platform/config/index.js';
import { loadEmbedder } from './embedder.js';
import { ModelPullError, parseManifest, parseShaOptions, pullModel, sha256FromEtag } from './pull.js';
import { recipeFor } from './recipes.js';

const MODEL = 'baraza-fixtures/tiny-bert';
const files = recipeFor(MODEL).files;
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

  it('fetches every file into <MODELS_DIR>/<org>/<name>/, verifying LFS files against X-Linked-Etag', async () => {
    const progress: number[] = [];
    const result = await pull({ onProgress: (p) => progress.push(p.received) });
    expect(result.dir).toBe(path.join(dir, 'baraza-fixtures', 'tiny-bert'));
    for (const f of files) {
      expect(readFileSync(path.join(result.dir, f)).equals(content.get(f)!)).toBe(true);
    }
    const onnx = result.files.find((f) => f.file === 'onnx/model.onnx')!;
    expect(onnx).toMatchObject({ verifiedBy: 'etag', skipped: false, sha256: sha(content.get('onnx/model.onnx')!) });
    // small files carry a git sha1 ETag: nothing to verify against, and the result says so
    expect(result.files.find((f) => f.file === 'config.json')!.verifiedBy).toBe('none');
    expect(progress.at(-1)).toBeGreaterThan(0);
    expect(hub.requests.some((r) => r.url === '/baraza-fixtures/tiny-bert/resolve/main/config.json')).toBe(true);
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

  it('verifies against --sha256 / manifest hashes, which win over the server', async () => {
    const expected = { 'config.json': sha(content.get('config.json')!) };
    const result = await pull({ sha256: expected });
    expect(result.files.find((f) => f.file === 'config.json')!.verifiedBy).toBe('option');
  });

  it('reports a model the host does not have as not found, naming the host', async () => {
    const err = (await pullModel({
      modelId: 'Xenova/multilingual-e5-small',
      modelsDir: dir,
      remoteHost: hub.url,
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

  it('rejects a file that does not match a --sha256 the operator gave', async () => {
    const err = (await pull({ sha256: { 'tokenizer.json': '0'.repeat(64) } }).catch(
      (e: unknown) => e,
    )) as ModelPullError;
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

  it('replaces a present file that no longer matches the server', async () => {
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

describe('checksum inputs', () => {
  const h = 'ab'.repeat(32);
  it('reads sha256 from quoted and weak ETags, and ignores git sha1 ETags', () => {
    expect(sha256FromEtag(`"${h}"`)).toBe(h);
    expect(sha256FromEtag(`W/"${h.toUpperCase()}"`)).toBe(h);
    expect(sha256FromEtag(`"${'a'.repeat(40)}"`)).toBeUndefined();
    expect(sha256FromEtag(null)).toBeUndefined();
  });

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
