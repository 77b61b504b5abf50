/**
 * Shared plumbing of the benchmarks: a private Redis, the product's gateway and worker as real processes
 * (`node dist/src/main.js <role>`), bare baseline processes compiled to JavaScript, a keep-alive HTTP client, percentiles and
 * resident-memory samples. Everything runs on this machine; nothing here fakes a figure.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { buildSync } from 'esbuild';
import { Redis } from 'ioredis';

export const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const LOG_DIR = path.join(os.tmpdir(), 'baraza-bench-logs');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface BenchRedis {
  url: string;
  /** The private server's pid (undefined when REDIS_URL is used). */
  pid?: number;
  /** True when this run started its own redis-server (flushed freely); false when it uses REDIS_URL. */
  private: boolean;
  stop(): Promise<void>;
}

/**
 * A private redis-server on a free port (nothing persisted, nothing shared with other work on the machine),
 * else REDIS_URL; fails with a clear message when neither is there.
 */
export async function startRedis(): Promise<BenchRedis> {
  const hasServer = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
  if (!hasServer) {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('bench needs Redis: put redis-server on PATH or set REDIS_URL');
    return { url, private: false, stop: async () => {} };
  }
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  // Never leave a private server behind, even when a bench throws half-way.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (Date.now() > until) throw new Error(`redis-server did not start on port ${port}`);
      probe.disconnect();
      await sleep(50);
    }
  }
  probe.disconnect();
  return {
    url,
    pid: child.pid,
    private: true,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function spawnLogged(name: string, args: string[], env: Record<string, string>): Proc {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // Only what the process needs: the developer's own REDIS_URL or PORT never leaks into a bench process.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    name,
    pid: child.pid ?? -1,
    child,
    logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The product as operators run it: `node dist/src/main.js gateway|worker` (`npm run bench` builds dist/ first). */
/** The Node/V8 flags `npm run <role>` passes (package.json is the one place production flags are written). */
function productionNodeFlags(role: 'gateway' | 'worker'): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const argv = (pkg.scripts[role] ?? '').trim().split(/\s+/);
  if (argv[0] !== 'node') throw new Error(`npm run ${role} does not start node: ${pkg.scripts[role]}`);
  const file = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  return argv.slice(1, file);
}

export function spawnBaraza(
  role: 'gateway' | 'worker',
  env: Record<string, string>,
  label: string = role,
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the product under the bench load.
  nodeArgs: string[] = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
): Proc {
  return spawnLogged(`baraza-${label}`, [...productionNodeFlags(role), ...nodeArgs, 'dist/src/main.js', role], env);
}

/**
 * A baseline script under bench/bare/, compiled to plain JavaScript first (esbuild, no bundling) so it runs on
 * the same runtime as the product: node with no TypeScript loader in the process, and the production V8 flags.
 */
export function spawnBare(script: string, env: Record<string, string>, label: string): Proc {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'baraza-bare-'));
  buildSync({
    entryPoints: [path.join(ROOT, 'bench', 'bare', script)],
    outdir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  // Resolve the baseline's packages from the project's node_modules.
  const compiled = path.join(ROOT, 'bench', 'bare', `.${script.replace(/\.ts$/, '')}.compiled.mjs`);
  copyFileSync(path.join(outdir, script.replace(/\.ts$/, '.mjs')), compiled);
  // The same V8 flags as the product's worker: the ratio compares code, not runtime settings.
  return spawnLogged(`bare-${label}`, [...productionNodeFlags('worker'), compiled], env);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Africa's Talking callbacks are authenticated as DEPLOYING says to set them up (AT_WEBHOOK_TOKEN, `?token=` on
 * the callback URL): unauthenticated traffic goes through the per-address limiter, which fails closed when Redis
 * is slow, and is not what a carrier sends.
 */
const AT_TOKEN = 'bench-at-token';
export const atUrl = (base: string, route: 'sms' | 'ussd' | 'delivery') =>
  `${base}/channels/africastalking/${route}?token=${AT_TOKEN}`;

/** Environment of a product process for the benches: lexical tier on the real packs, limits out of the way. */
export function productEnv(redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AT_WEBHOOK_TOKEN: AT_TOKEN,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: 'bench:',
    HOST: '127.0.0.1',
    PACKS_DIR: path.join(ROOT, 'packs'),
    // No models and no prebuilt index: the lexical tier, built in memory from the packs at start-up.
    MODELS_DIR: path.join(os.tmpdir(), 'baraza-bench-no-models'),
    INDEX_DIR: path.join(os.tmpdir(), 'baraza-bench-no-index'),
    PII_SALT: 'bench-salt',
    LOG_LEVEL: 'warn',
    // The benches drive many subscribers from one address: per-IP and per-subscriber limits would only measure
    // themselves. They stay on (at their maximum), so their cost is in the figures.
    IP_RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_MINUTE: '1000',
    ...extra,
  };
}

/** Waits for GET <url>/readyz to answer 200 (or the process to die). */
export async function waitReady(url: string, proc: Proc, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let died = false;
  void proc.exited.then(() => {
    died = true;
  });
  while (Date.now() < until) {
    if (died) throw new Error(`${proc.name} exited during start-up:\n${tail(proc.logFile)}`);
    try {
      const res = await httpRequest(`${url}/readyz`, { method: 'GET' });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  throw new Error(`${proc.name} not ready within ${timeoutMs} ms:\n${tail(proc.logFile)}`);
}

/** Waits until `count` BullMQ workers are consuming each named queue (the worker process is up). */
export async function waitWorkers(
  redisUrl: string,
  prefix: string,
  queues: string[],
  proc: Proc,
  count = 1,
  timeoutMs = 120_000,
): Promise<void> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const qs = queues.map((name) => new Queue(name, { connection: conn, prefix }));
  let died = false;
  void proc.exited.then(() => {
    died = true;
  });
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (died) throw new Error(`${proc.name} exited during start-up:\n${tail(proc.logFile)}`);
      const counts = await Promise.all(qs.map((q) => q.getWorkersCount()));
      if (counts.every((c) => c >= count)) return;
      await sleep(200);
    }
    throw new Error(`${proc.name}: workers not consuming within ${timeoutMs} ms:\n${tail(proc.logFile)}`);
  } finally {
    await Promise.all(qs.map((q) => q.close()));
    conn.disconnect();
  }
}

/** Waits until the named BullMQ queues have nothing waiting, delayed or active (the backlog is done). */
export async function waitDrained(
  redisUrl: string,
  prefix: string,
  queues: string[],
  timeoutMs = 120_000,
): Promise<boolean> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const qs = queues.map((name) => new Queue(name, { connection: conn, prefix }));
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const counts = await Promise.all(qs.map((q) => q.getJobCounts('waiting', 'prioritized', 'active', 'delayed')));
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return true;
      await sleep(100);
    }
    return false;
  } finally {
    await Promise.all(qs.map((q) => q.close()));
    conn.disconnect();
  }
}

// --- HTTP client: node:http with keep-alive (lighter than fetch, so the load generator steals less CPU) ---

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

export interface HttpResult {
  status: number;
  body: string;
}

export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'POST', headers: opts.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

export function closeHttpAgent(): void {
  agent.destroy();
}

// --- statistics ---

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles, in the unit given (ms here). */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { n: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1]! };
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : Number.NaN);

/** "1.8x" style ratio of a figure to its baseline. */
export const ratio = (value: number, baseline: number, digits = 2) =>
  baseline > 0 && Number.isFinite(value) ? `${(value / baseline).toFixed(digits)}x` : 'n/a';

// --- memory ---

/** Resident set size of a process in MiB, from /proc/<pid>/status (VmRSS). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** Samples RSS of the given processes every `everyMs` until stopped; returns per-process samples. */
export function sampleRss(pids: Record<string, number>, everyMs = 200): { stop(): Record<string, number[]> } {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, [] as number[]]));
  const take = () => {
    for (const [name, pid] of Object.entries(pids)) {
      try {
        samples[name]!.push(rssMiB(pid));
      } catch {
        /* process gone */
      }
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  });
  await Promise.all(runners);
}

/** Questions people really type (the retrieval benchmark's set), for question hops and messages. */
export function benchQuestions(lang?: string): string[] {
  const file = path.join(ROOT, 'bench', 'data', 'queries.jsonl');
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { q: string; lang?: string });
  const qs = rows
    .filter((r) => !lang || r.lang === lang)
    .map((r) => r.q.trim())
    .filter(Boolean);
  if (qs.length === 0) throw new Error(`no questions in ${file}`);
  return qs;
}

/** "load 1.2 -> 3.4 on 2 CPUs": how busy the machine was around a measurement (other work skews every figure). */
export function loadNote(start: Record<string, string | number>, end: Record<string, string | number>): string {
  return `load average ${start.loadavg1m} -> ${end.loadavg1m} on ${start.cpus} CPUs`;
}

/** Machine facts printed with the results (figures only compare within one run on one machine). */
export function machine(): Record<string, string | number> {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: round(os.totalmem() / 2 ** 30, 1),
    loadavg1m: round(os.loadavg()[0] ?? 0, 2),
  };
}
