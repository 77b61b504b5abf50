/**
 * Gateway safety: the runtime never downloads. Even with the library's remote host pointed at a live server,
 * a missing or incomplete model is an error and no request leaves the process.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../platform/config/index.js';
import { loadEmbedder } from './embedder.js';
import { loadGenerator } from './generator.js';
import { ModelNotInstalledError, withLocalModels } from './runtime.js';
import { loadTranslator } from './translator.js';

describe('no model is ever downloaded at run time', () => {
  let server: http.Server;
  const hits: string[] = [];
  let dir: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // if anything tried the network, it would come here
    env.remoteHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-offline-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => server.close(r));
  });

  it('refuses configured models that are not in MODELS_DIR, without a request', async () => {
    const cfg = loadConfig({
      MODELS_DIR: dir,
      EMBEDDING_MODEL: 'Xenova/multilingual-e5-small',
      GENERATION_MODEL: 'onnx-community/Qwen2.5-0.5B-Instruct',
      TRANSLATION_MODEL: 'Xenova/nllb-200-distilled-600M',
    });
    await expect(loadEmbedder(cfg)).rejects.toThrow(ModelNotInstalledError);
    await expect(loadGenerator(cfg)).rejects.toThrow(ModelNotInstalledError);
    await expect(loadTranslator(cfg)).rejects.toThrow(ModelNotInstalledError);
    expect(hits).toEqual([]);
  });

  it('keeps the library itself local-only: a direct load of an absent model fails without a request', async () => {
    const attempt = withLocalModels(dir, (t) => t.pipeline('feature-extraction', 'Xenova/multilingual-e5-small'));
    await expect(attempt).rejects.toThrow(/allowRemoteModels=false|local/);
    expect(hits).toEqual([]);
    expect(env.allowRemoteModels).toBe(false);
  });

  it('fails a model with a file missing at load, without a request', async () => {
    const broken = path.join(dir, 'baraza-fixtures', 'tiny-bert');
    cpSync(path.resolve('tests/fixtures/models/baraza-fixtures/tiny-bert'), broken, { recursive: true });
    rmSync(path.join(broken, 'tokenizer.json'));
    // an incomplete model is not picked up by auto-detection (lexical only) ...
    await expect(loadEmbedder(loadConfig({ MODELS_DIR: dir }))).resolves.toBeUndefined();
    // ... and asked for by name, it fails with the missing file named
    await expect(loadEmbedder(loadConfig({ MODELS_DIR: dir }), 'baraza-fixtures/tiny-bert')).rejects.toThrow(
      /missing tokenizer\.json/,
    );
    expect(hits).toEqual([]);
  });
});
