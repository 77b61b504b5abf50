/**
 * Test helper (used by the pull and CLI tests, never by the runtime): a stand-in for the model hub serving
 * one fixture model at /<org>/<name>/resolve/<commit>/<file>, for the commit pinned in its recipe only (any
 * other revision, `main` included, is a 404, as an unknown commit is on the hub). ONNX files behave like the
 * hub's LFS files: a 302 to a CDN path (on this server, or on `cdnOrigin`) carrying X-Linked-Etag and
 * X-Linked-Size, and the CDN honours Range. Small files are served directly with a git-style ETag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { recipeFor } from '../../src/knowledge/models/recipes.js';

export interface FakeHub {
  url: string;
  requests: { method: string; url: string; range?: string }[];
  /** Files served with their last byte flipped (to provoke a checksum mismatch). */
  corrupt: Set<string>;
  close(): Promise<void>;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The files of a fixture model in tests/fixtures/models, by path inside the model folder. */
export function fixtureContent(modelId: string, root = path.resolve('tests/fixtures/models')): Map<string, Buffer> {
  return new Map(recipeFor(modelId).files.map((f) => [f, readFileSync(path.join(root, modelId, f))]));
}

export interface FakeHubOptions {
  /** Where LFS files redirect to (another fake hub's URL, or any origin); default: this server. */
  cdnOrigin?: string;
}

export function startFakeHub(modelId: string, opts: FakeHubOptions = {}): Promise<FakeHub> {
  const content = fixtureContent(modelId);
  const pinned = recipeFor(modelId).pin?.revision;
  const requests: FakeHub['requests'] = [];
  const corrupt = new Set<string>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
    const url = new URL(req.url ?? '/', 'http://hub');
    const cdn = /^\/cdn\/(.+)$/.exec(url.pathname);
    if (cdn) {
      const file = decodeURIComponent(cdn[1]!);
      let body = content.get(file)!;
      if (corrupt.has(file)) body = Buffer.concat([body.subarray(0, -1), Buffer.from([body.at(-1)! ^ 0xff])]);
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        if (start >= body.length) {
          res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
          res.end();
          return;
        }
        res.writeHead(206, {
          'Content-Length': body.length - start,
          'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        });
        res.end(req.method === 'HEAD' ? undefined : body.subarray(start));
        return;
      }
      res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const id = m ? decodeURIComponent(m[1]!) : '';
    const file = m ? decodeURIComponent(m[3]!) : '';
    const body = content.get(file);
    if (!m || id !== modelId || body === undefined || decodeURIComponent(m[2]!) !== pinned) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"error":"Entry not found"}');
      return;
    }
    if (file.endsWith('.onnx')) {
      res.writeHead(302, {
        Location: `${opts.cdnOrigin ?? ''}/cdn/${encodeURIComponent(file)}`,
        'X-Linked-Etag': `"${sha(body)}"`,
        'X-Linked-Size': String(body.length),
      });
      res.end();
      return;
    }
    const served = corrupt.has(file) ? Buffer.concat([body.subarray(0, -1), Buffer.from([body.at(-1)! ^ 0xff])]) : body;
    res.writeHead(200, { 'Content-Length': served.length, ETag: `"${sha(served).slice(0, 40)}"` });
    res.end(req.method === 'HEAD' ? undefined : served);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        corrupt,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
