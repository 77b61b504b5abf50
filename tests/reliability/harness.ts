/**
 * Real processes for the reliability tests: a private redis-server that a test may stop and start, and Baraza
 * gateway/worker processes spawned the way `npm run gateway|worker` runs them, with every output line kept.
 * Everything started here is registered, so `stopAll()` in afterAll leaves no process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try {
      v = await check();
    } catch {
      v = undefined;
    }
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

type Stoppable = { stopNow(): Promise<void>; killSync(): void };
const running = new Set<Stoppable>();
// Last resort if a test run is torn down without afterAll: no child outlives this process.
process.once('exit', () => {
  for (const p of running) p.killSync();
});

/** Kills every process this file started (SIGKILL: nothing to save) and removes their temp dirs. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stopNow().catch(() => undefined)));
  running.clear();
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// redis-server

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server: SIGKILL (a crash) by default, SIGTERM for a clean shutdown. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory (the AOF, when on, is replayed). */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the port stays open but nothing answers (a hung Redis). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

async function redisAnswers(port: number): Promise<boolean> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    // LOADING while the AOF is replayed: not ready yet.
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * A private redis-server on a free port. With `aof`, every write is fsynced before Redis answers
 * (`appendfsync always`), so whatever Redis acknowledged survives a crash and restart (infra/redis.conf uses AOF).
 */
export async function startRedisServer(opts: { aof?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-rel-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no'];
  args.push(...(opts.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(
      `redis-server on port ${port}`,
      async () => ((await redisAnswers(port)) ? true : undefined),
      15_000,
      50,
    );
  };
  const server: RedisServer & Stoppable = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGCONT');
      c.kill(signal);
      await waitExit(c, 5000);
    },
    start: launch,
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async close() {
      await server.stopNow();
      running.delete(server);
    },
    async stopNow() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    killSync() {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  await launch();
  return server;
}

// ---------------------------------------------------------------------------------------------------------------
// Baraza processes

export type Role = 'gateway' | 'worker' | 'all';

/** The Node/V8 flags `npm run gateway|worker` passes, so these processes run as production runs them. */
function productionNodeFlags(role: Role): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const argv = (pkg.scripts[role === 'all' ? 'worker' : role] ?? '').trim().split(/\s+/);
  const file = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  return argv.slice(1, file);
}

export interface BarazaProcess {
  role: Role;
  label: string;
  pid: number;
  /** Base URL of a gateway (or `all`) process. */
  url: string | undefined;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far (non-JSON lines are skipped). */
  logLines(): Record<string, unknown>[];
  alive(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The environment every spawned process gets; the caller's own REDIS_URL or secrets never leak in. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  const inherit = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const env: Record<string, string> = {};
  for (const k of inherit) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return {
    ...env,
    PACKS_DIR: path.join(ROOT, 'packs'),
    // No models: the lexical tier answers, quickly and the same on every machine.
    MODELS_DIR: path.join(ROOT, '.no-models'),
    INDEX_DIR: path.join(ROOT, '.baraza', 'test-index-none'),
    PII_SALT: 'reliability-test-salt',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * Spawns `node dist/src/main.js <role>` (as `npm run gateway|worker` does; jest's global setup builds dist/) and waits until it serves: `/readyz` answers 200 for a
 * gateway, the worker's start-up line is logged for a worker. Fails with the process output if it dies first.
 */
export async function spawnBaraza(
  role: Role,
  env: Record<string, string>,
  label: string = role,
  readyMs = 60_000,
): Promise<BarazaProcess> {
  const port = role === 'worker' ? undefined : await freePort();
  const chunks: string[] = [];
  const child = spawn(process.execPath, [...productionNodeFlags(role), 'dist/src/main.js', role], {
    cwd: ROOT,
    env: baseEnv({ ...env, ...(port ? { PORT: String(port) } : {}) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  const url = port ? `http://127.0.0.1:${port}` : undefined;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const proc: BarazaProcess & Stoppable = {
    role,
    label,
    pid: child.pid ?? -1,
    url,
    output: () => chunks.join(''),
    logLines: () =>
      chunks
        .join('')
        .split('\n')
        .flatMap((l) => {
          if (!l.startsWith('{')) return [];
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    alive,
    async kill(signal) {
      if (!alive()) return;
      child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await waitExit(child, 10_000);
    },
    async stop(graceMs = 5000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      await waitExit(child, graceMs);
      if (alive()) {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
      }
    },
    async stopNow() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await waitExit(child, 5000);
    },
    killSync() {
      if (alive()) child.kill('SIGKILL');
    },
  };
  running.add(proc);
  const tail = () => proc.output().slice(-3000);
  const state = await waitFor(
    `${label} (${role}) to be ready`,
    async () => {
      if (!alive()) return 'exited' as const;
      if (url) {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
        return res.status === 200 ? ('ready' as const) : undefined;
      }
      return proc.output().includes('worker consuming the inbound') ? ('ready' as const) : undefined;
    },
    readyMs,
    100,
  ).catch((err: Error) => err.message);
  if (state !== 'ready') {
    await proc.stopNow();
    const why = state === 'exited' ? `exited with ${child.exitCode ?? child.signalCode}` : state;
    throw new Error(`${label} did not start: ${why}\n${tail()}`);
  }
  return proc;
}

/** `host#pid` of a spawned worker, as BullMQ records it in `processedBy` (src/apps/runtime.ts workerIdentity). */
export function identityOf(p: BarazaProcess): string {
  return `${os.hostname()}#${p.pid}`;
}
