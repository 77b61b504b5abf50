/**
 * `baraza models pull`: fetches a supported model's files once, in the hub's URL layout
 * (<host>/<org>/<name>/resolve/<revision>/<file>), into MODELS_DIR/<org>/<name>/<file>. Each file is written
 * to `<file>.partial` (resumed with a Range request when a previous run was cut), checked against its
 * SHA-256 when one is known (given by the operator, or the hub's X-Linked-Etag/ETag for LFS files), and
 * only then renamed into place, so a model folder never holds a truncated or corrupt file under its name.
 * Only the CLI calls this; the gateway and workers never download.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { type ModelRecipe, recipeFor } from './recipes.js';
import { modelDir } from './runtime.js';

export type PullErrorKind = 'unsupported' | 'not_found' | 'denied' | 'http' | 'network' | 'checksum' | 'bad_input';

export class ModelPullError extends Error {
  override readonly name = 'ModelPullError';
  constructor(
    readonly kind: PullErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface PullProgress {
  file: string;
  received: number;
  /** Bytes expected, when the server says. */
  total?: number;
}

export interface PullOptions {
  modelId: string;
  modelsDir: string;
  remoteHost: string;
  revision?: string;
  /** Expected SHA-256 per file (from --sha256 file=hash or a manifest); wins over the server's ETag. */
  sha256?: Record<string, string>;
  onFileStart?: (p: PullProgress) => void;
  onProgress?: (p: PullProgress) => void;
  onFileDone?: (f: PulledFile) => void;
  /** Abort a download when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface PulledFile {
  file: string;
  bytes: number;
  sha256: string;
  /** Where the expected checksum came from; 'none' when nothing was known to check against. */
  verifiedBy: 'option' | 'etag' | 'none';
  /** Already present and matching: nothing downloaded. */
  skipped: boolean;
}

export interface PullResult {
  modelId: string;
  dir: string;
  files: PulledFile[];
}

const SHA256 = /^[0-9a-f]{64}$/;

function hostLabel(remoteHost: string): string {
  return remoteHost.replace(/\/+$/, '');
}

export function fileUrl(remoteHost: string, modelId: string, revision: string, file: string): string {
  const segments = [...modelId.split('/'), 'resolve', revision, ...file.split('/')].map(encodeURIComponent);
  return `${hostLabel(remoteHost)}/${segments.join('/')}`;
}

/** A SHA-256 from an ETag or X-Linked-Etag header (quoted, maybe weak); undefined for git-sha1 ETags. */
export function sha256FromEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  const v = value.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return SHA256.test(v) ? v : undefined;
}

/** `file=hash` pairs from repeated --sha256 options. */
export function parseShaOptions(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.lastIndexOf('=');
    const file = pair.slice(0, eq).trim();
    const hash = pair
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (eq <= 0 || !SHA256.test(hash)) {
      throw new ModelPullError('bad_input', `--sha256 expects file=<64 hex digits>, got "${pair}"`);
    }
    out[file] = hash;
  }
  return out;
}

/** A manifest: JSON {"file": "sha256"} or `sha256sum` lines ("<hash>  <file>"). */
export function parseManifest(text: string): Record<string, string> {
  const trimmed = text.trim();
  const out: Record<string, string> = {};
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new ModelPullError('bad_input', `manifest is not valid JSON: ${(err as Error).message}`);
    }
    for (const [file, hash] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof hash !== 'string' || !SHA256.test(hash.toLowerCase())) {
        throw new ModelPullError('bad_input', `manifest: "${file}" needs a 64-hex-digit sha256`);
      }
      out[file] = hash.toLowerCase();
    }
    return out;
  }
  trimmed.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line.trim());
    if (!m) throw new ModelPullError('bad_input', `manifest line ${i + 1}: expected "<sha256>  <file>"`);
    out[m[2]!.trim()] = m[1]!.toLowerCase();
  });
  return out;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await streamPipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

interface Fetched {
  res: Response;
  /** SHA-256 announced by the first hop (the hub's X-Linked-Etag on its redirect), or by the final response. */
  etagSha?: string;
  linkedSize?: number;
}

/** fetch that follows redirects itself, to read the hub's X-Linked-* headers on the redirect response. */
async function fetchFollowing(
  fetchImpl: typeof fetch,
  url: string,
  init: { method: string; headers?: Record<string, string>; signal?: AbortSignal },
  label: string,
): Promise<Fetched> {
  let current = url;
  let etagSha: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop < 6; hop++) {
    let res: Response;
    try {
      res = await fetchImpl(current, { ...init, redirect: 'manual' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ModelPullError('network', `cannot reach ${label}: ${why}`);
    }
    etagSha ??= sha256FromEtag(res.headers.get('x-linked-etag'));
    const size = Number(res.headers.get('x-linked-size'));
    if (linkedSize === undefined && Number.isFinite(size) && size > 0) linkedSize = size;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    etagSha ??= sha256FromEtag(res.headers.get('etag'));
    return { res, etagSha, linkedSize };
  }
  throw new ModelPullError('network', `too many redirects from ${label} for ${url}`);
}

function httpError(res: Response, modelId: string, file: string, label: string): ModelPullError {
  if (res.status === 404) {
    return new ModelPullError('not_found', `model ${modelId} not found on ${label} (${file}: HTTP 404)`);
  }
  if (res.status === 401 || res.status === 403) {
    return new ModelPullError(
      'denied',
      `${label} refused ${modelId}/${file} (HTTP ${res.status}): the model may be gated or private`,
    );
  }
  return new ModelPullError('http', `${label} answered HTTP ${res.status} for ${modelId}/${file}`);
}

/** Downloads one file to `<dest>.partial`, resuming it when possible; returns what the server said. */
async function download(
  o: Required<Pick<PullOptions, 'fetchImpl' | 'idleTimeoutMs'>> & PullOptions,
  url: string,
  file: string,
  tmp: string,
  optional: boolean,
): Promise<{ etagSha?: string } | 'absent'> {
  const label = hostLabel(o.remoteHost);
  const have = existsSync(tmp) ? (await stat(tmp)).size : 0;
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new Error(`no data for ${o.idleTimeoutMs} ms`)), o.idleTimeoutMs);
  };
  arm();
  try {
    const { res, etagSha, linkedSize } = await fetchFollowing(
      o.fetchImpl,
      url,
      {
        method: 'GET',
        // identity: byte counts and Range offsets refer to the file itself, not a compressed stream
        headers: { 'Accept-Encoding': 'identity', ...(have > 0 && { Range: `bytes=${have}-` }) },
        signal: controller.signal,
      },
      label,
    );
    if (res.status === 404 && optional) {
      await res.body?.cancel();
      return 'absent';
    }
    if (res.status === 416 && have > 0) {
      // the partial file is already complete (or longer than the file): start again from zero
      await res.body?.cancel();
      await rm(tmp, { force: true });
      return download(o, url, file, tmp, optional);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw httpError(res, o.modelId, file, label);
    }
    const resumed =
      res.status === 206 && have > 0 && (res.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`);
    const lengthHeader = res.headers.get('content-length');
    const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const total =
      linkedSize ??
      (lengthHeader !== null && !encoded && Number.isFinite(Number(lengthHeader))
        ? Number(lengthHeader) + (resumed ? have : 0)
        : undefined);
    let received = resumed ? have : 0;
    o.onFileStart?.({ file, received, total });
    if (!res.body) throw new ModelPullError('network', `${label} sent no body for ${o.modelId}/${file}`);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        arm();
        o.onProgress?.({ file, received, total });
        done(null, chunk);
      },
    });
    try {
      await streamPipeline(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
        counter,
        createWriteStream(tmp, { flags: resumed ? 'a' : 'w' }),
      );
    } catch (err) {
      if (err instanceof ModelPullError) throw err;
      const reason = controller.signal.aborted
        ? String(controller.signal.reason?.message ?? 'aborted')
        : (err as Error).message;
      throw new ModelPullError(
        'network',
        `download of ${o.modelId}/${file} from ${label} was cut (${reason}); run the same command again to resume`,
      );
    }
    if (total !== undefined && received !== total) {
      throw new ModelPullError(
        'network',
        `download of ${o.modelId}/${file} from ${label} ended at ${received} of ${total} bytes; run the same command again to resume`,
      );
    }
    return { etagSha };
  } finally {
    clearTimeout(idle);
  }
}

/** What the server says a file's SHA-256 is, without downloading it (HEAD). */
async function remoteSha(
  o: Required<Pick<PullOptions, 'fetchImpl'>> & PullOptions,
  url: string,
): Promise<string | undefined> {
  try {
    const { res, etagSha } = await fetchFollowing(o.fetchImpl, url, { method: 'HEAD' }, hostLabel(o.remoteHost));
    await res.body?.cancel();
    return res.ok ? etagSha : undefined;
  } catch {
    return undefined;
  }
}

export async function pullModel(options: PullOptions): Promise<PullResult> {
  let recipe: ModelRecipe;
  try {
    recipe = recipeFor(options.modelId);
  } catch (err) {
    throw new ModelPullError('unsupported', (err as Error).message);
  }
  const o = { ...options, fetchImpl: options.fetchImpl ?? fetch, idleTimeoutMs: options.idleTimeoutMs ?? 60_000 };
  const revision = options.revision ?? 'main';
  const dir = modelDir(options.modelsDir, recipe.id);
  const files: PulledFile[] = [];
  const wanted = [
    ...recipe.files.map((file) => ({ file, optional: false })),
    ...recipe.optionalFiles.map((file) => ({ file, optional: true })),
  ];
  for (const { file, optional } of wanted) {
    const dest = path.join(dir, ...file.split('/'));
    const tmp = `${dest}.partial`;
    const url = fileUrl(options.remoteHost, recipe.id, revision, file);
    const given = options.sha256?.[file];
    await mkdir(path.dirname(dest), { recursive: true });

    if (existsSync(dest)) {
      const expected = given ?? (await remoteSha(o, url));
      const actual = await sha256OfFile(dest);
      if (expected === undefined || expected === actual) {
        const done: PulledFile = {
          file,
          bytes: (await stat(dest)).size,
          sha256: actual,
          verifiedBy: expected === undefined ? 'none' : given ? 'option' : 'etag',
          skipped: true,
        };
        files.push(done);
        o.onFileDone?.(done);
        continue;
      }
    }

    const fetched = await download(o, url, file, tmp, optional);
    if (fetched === 'absent') continue;
    const expected = given ?? fetched.etagSha;
    const actual = await sha256OfFile(tmp);
    if (expected !== undefined && expected !== actual) {
      await rm(tmp, { force: true });
      throw new ModelPullError(
        'checksum',
        `checksum mismatch for ${recipe.id}/${file}: expected sha256 ${expected}, got ${actual}; the download was removed`,
      );
    }
    await rename(tmp, dest);
    const done: PulledFile = {
      file,
      bytes: (await stat(dest)).size,
      sha256: actual,
      verifiedBy: expected === undefined ? 'none' : given ? 'option' : 'etag',
      skipped: false,
    };
    files.push(done);
    o.onFileDone?.(done);
  }
  return { modelId: recipe.id, dir, files };
}
