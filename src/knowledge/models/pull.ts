/**
 * `baraza models pull`: fetches a supported model's files once, in the hub's URL layout
 * (<host>/<org>/<name>/resolve/<commit>/<file>), into MODELS_DIR/<org>/<name>/<file>. Each file is written
 * to `<file>.partial` (resumed with a Range request when a previous run was cut), checked against the SHA-256
 * pinned in its recipe (or given by the operator for another commit), never one the server announces, and
 * only then renamed into place, so a model folder never holds a truncated or altered file under its name.
 * Only https is spoken (plain http only to a loopback host: a local mirror, the tests' fake hub), and a
 * redirect is followed only to the remote host itself or a host in MODELS_ALLOWED_HOSTS (the hub's CDNs).
 * Only the CLI calls this; the gateway and workers never download.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { DEFAULT_MODELS_ALLOWED_HOSTS, isLoopbackHost } from '../../platform/config/index.js';
import { type ModelRecipe, recipeFor } from './recipes.js';
import { modelDir } from './runtime.js';

export type PullErrorKind =
  | 'unsupported'
  | 'unpinned'
  | 'insecure'
  | 'not_found'
  | 'denied'
  | 'http'
  | 'network'
  | 'checksum'
  | 'bad_input';

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
  /** Hosts besides the remote host's own a redirect may lead to (default: the hub's CDNs). */
  allowedHosts?: readonly string[];
  /** A 40-hex commit; default: the recipe's pinned commit. Another commit needs a SHA-256 for every file. */
  revision?: string;
  /** Expected SHA-256 per file (from --sha256 file=hash or a manifest); must agree with a pinned recipe. */
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
  /** Where the expected checksum came from: the recipe's pin in code, or the operator's --sha256 / --manifest. */
  verifiedBy: 'recipe' | 'option';
  /** Already present and matching: nothing downloaded. */
  skipped: boolean;
}

export interface PullResult {
  modelId: string;
  dir: string;
  files: PulledFile[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** https, or plain http to a loopback host; anything else is refused before a byte is sent. */
export function checkTransport(url: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ModelPullError('bad_input', `${what} is not a URL: "${url}"`);
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))) return u;
  throw new ModelPullError(
    'insecure',
    `${what} ${u.origin} is not https (plain http is only for a loopback host such as 127.0.0.1)`,
  );
}

function hostLabel(remoteHost: string): string {
  return remoteHost.replace(/\/+$/, '');
}

function fileUrl(remoteHost: string, modelId: string, revision: string, file: string): string {
  const segments = [...modelId.split('/'), 'resolve', revision, ...file.split('/')].map(encodeURIComponent);
  return `${hostLabel(remoteHost)}/${segments.join('/')}`;
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
  /** Size announced by the hub on its redirect (X-Linked-Size), for progress only: never trusted for integrity. */
  linkedSize?: number;
}

/**
 * fetch that follows redirects itself: to read the hub's X-Linked-Size on the redirect response, and to refuse a
 * hop to any host but the remote host and the allowed ones, or over plain http.
 */
async function fetchFollowing(
  fetchImpl: typeof fetch,
  url: string,
  init: { method: string; headers?: Record<string, string>; signal?: AbortSignal },
  label: string,
  allowedHosts: ReadonlySet<string>,
): Promise<Fetched> {
  let current = url;
  let linkedSize: number | undefined;
  for (let hop = 0; hop < 6; hop++) {
    const u = checkTransport(current, hop === 0 ? 'the remote host' : `${label} redirected to`);
    if (hop > 0 && !allowedHosts.has(u.host.toLowerCase()) && !allowedHosts.has(u.hostname.toLowerCase())) {
      throw new ModelPullError(
        'insecure',
        `${label} redirected to ${u.host}, which is neither the remote host nor in MODELS_ALLOWED_HOSTS; refused`,
      );
    }
    let res: Response;
    try {
      res = await fetchImpl(current, { ...init, redirect: 'manual' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ModelPullError('network', `cannot reach ${label}: ${why}`);
    }
    const size = Number(res.headers.get('x-linked-size'));
    if (linkedSize === undefined && Number.isFinite(size) && size > 0) linkedSize = size;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return { res, linkedSize };
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

type Resolved = Required<Pick<PullOptions, 'fetchImpl' | 'idleTimeoutMs'>> &
  PullOptions & { hosts: ReadonlySet<string> };

/** Downloads one file to `<dest>.partial`, resuming it when possible. */
async function download(
  o: Resolved,
  url: string,
  file: string,
  tmp: string,
  optional: boolean,
): Promise<'done' | 'absent'> {
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
    const { res, linkedSize } = await fetchFollowing(
      o.fetchImpl,
      url,
      {
        method: 'GET',
        // identity: byte counts and Range offsets refer to the file itself, not a compressed stream
        headers: { 'Accept-Encoding': 'identity', ...(have > 0 && { Range: `bytes=${have}-` }) },
        signal: controller.signal,
      },
      label,
      o.hosts,
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
    return 'done';
  } finally {
    clearTimeout(idle);
  }
}

/** The SHA-256 every wanted file must have: the operator's, else the recipe's pin for that commit. */
function expectedHashes(
  recipe: ModelRecipe,
  revision: string,
  given: Record<string, string>,
): { wanted: { file: string; optional: boolean; sha256?: string; by: PulledFile['verifiedBy'] }[] } {
  const pinned = recipe.pin?.revision === revision ? recipe.pin.sha256 : {};
  const wanted = [
    ...recipe.files.map((file) => ({ file, optional: false })),
    ...recipe.optionalFiles.map((file) => ({ file, optional: true })),
  ].map(({ file, optional }) => {
    const mine = Object.hasOwn(pinned, file) ? pinned[file] : undefined;
    const theirs = Object.hasOwn(given, file) ? given[file] : undefined;
    if (mine && theirs && mine !== theirs) {
      throw new ModelPullError(
        'bad_input',
        `--sha256 for ${file} disagrees with the SHA-256 pinned for ${recipe.id} at ${revision}`,
      );
    }
    return { file, optional, sha256: mine ?? theirs, by: (mine ? 'recipe' : 'option') as PulledFile['verifiedBy'] };
  });
  const missing = wanted.filter((w) => !w.optional && w.sha256 === undefined).map((w) => w.file);
  if (missing.length > 0) {
    const why = recipe.pin
      ? `commit ${revision} is not the one pinned for ${recipe.id} (${recipe.pin.revision})`
      : `${recipe.id} is not pinned in this version of Baraza`;
    throw new ModelPullError(
      'unpinned',
      `${why}: give a SHA-256 for ${missing.join(', ')} with --manifest or --sha256 (checksums from a source you trust, never from the same server)`,
    );
  }
  return { wanted };
}

export async function pullModel(options: PullOptions): Promise<PullResult> {
  let recipe: ModelRecipe;
  try {
    recipe = recipeFor(options.modelId);
  } catch (err) {
    throw new ModelPullError('unsupported', (err as Error).message);
  }
  const remote = checkTransport(options.remoteHost, 'the remote host');
  const revision = options.revision ?? recipe.pin?.revision;
  if (revision === undefined) {
    throw new ModelPullError(
      'unpinned',
      `${recipe.id} is not pinned in this version of Baraza: give --revision <40-hex commit> and a SHA-256 for every file (--manifest)`,
    );
  }
  if (!COMMIT.test(revision)) {
    throw new ModelPullError(
      'bad_input',
      `--revision must be a commit id (40 hex digits), got "${revision}": a branch or tag can move under you`,
    );
  }
  const { wanted } = expectedHashes(recipe, revision, options.sha256 ?? {});
  const hosts = new Set(
    [remote.host, ...(options.allowedHosts ?? DEFAULT_MODELS_ALLOWED_HOSTS)].map((h) => h.toLowerCase()),
  );
  const o: Resolved = {
    ...options,
    fetchImpl: options.fetchImpl ?? fetch,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    hosts,
  };
  const dir = modelDir(options.modelsDir, recipe.id);
  const files: PulledFile[] = [];
  for (const { file, optional, sha256: expected, by } of wanted) {
    // An optional file nobody vouched for is not fetched at all.
    if (expected === undefined) continue;
    const dest = path.join(dir, ...file.split('/'));
    const tmp = `${dest}.partial`;
    const url = fileUrl(options.remoteHost, recipe.id, revision, file);
    await mkdir(path.dirname(dest), { recursive: true });

    if (existsSync(dest) && (await sha256OfFile(dest)) === expected) {
      const done: PulledFile = {
        file,
        bytes: (await stat(dest)).size,
        sha256: expected,
        verifiedBy: by,
        skipped: true,
      };
      files.push(done);
      o.onFileDone?.(done);
      continue;
    }

    const fetched = await download(o, url, file, tmp, optional);
    if (fetched === 'absent') continue;
    const actual = await sha256OfFile(tmp);
    if (expected !== actual) {
      await rm(tmp, { force: true });
      throw new ModelPullError(
        'checksum',
        `checksum mismatch for ${recipe.id}/${file}: expected sha256 ${expected}, got ${actual}; the download was removed`,
      );
    }
    await rename(tmp, dest);
    const done: PulledFile = { file, bytes: (await stat(dest)).size, sha256: actual, verifiedBy: by, skipped: false };
    files.push(done);
    o.onFileDone?.(done);
  }
  return { modelId: recipe.id, dir, files };
}
