/**
 * Starts the whole product in-process the way `npm start` does (runtime, workers, gateway on a free port),
 * on the embedded default unless the caller passes REDIS_URL. Tests talk to it over HTTP only.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { createGatewayServer, type GatewayServer } from '../../src/apps/gateway/index.js';
import { createRuntime, type Runtime } from '../../src/apps/runtime.js';
import { startWorkers } from '../../src/apps/worker/index.js';
import type { SenderRegistry } from '../../src/apps/worker/outbound.js';
import type { Answerer } from '../../src/core/answers.js';
import { loadConfig } from '../../src/platform/config/index.js';
import type { WorkerHandle } from '../../src/platform/queue/index.js';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

export interface RunningGateway {
  url: string;
  rt: Runtime;
  app: GatewayServer;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  log?: Logger;
  /** Wraps the real answerer (e.g. to slow one question down). */
  wrapAnswerer?: (real: Answerer) => Answerer;
  /** Live senders (the rest go to the simulator outbox), built on the runtime's own store. */
  senders?: (rt: Runtime) => SenderRegistry;
}

/** Only the variables given here count: the developer's or CI's REDIS_URL never leaks into an embedded run. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PACKS_DIR: path.join(ROOT, 'packs'),
    // No models: the lexical tier answers, quickly and the same on every machine.
    MODELS_DIR: path.join(ROOT, '.no-models'),
    INDEX_DIR: path.join(ROOT, '.baraza', 'test-index-none'),
    PII_SALT: 'e2e-test-salt-7f3a',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export async function startGateway(opts: StartOptions = {}): Promise<RunningGateway> {
  const config = loadConfig(testEnv(opts.env));
  let rt = await createRuntime(config, opts.log ? { log: opts.log } : {});
  if (opts.wrapAnswerer) {
    const wrapped = opts.wrapAnswerer(rt.answerer);
    rt = Object.assign(Object.create(Object.getPrototypeOf(rt)), rt, { answerer: wrapped }) as Runtime;
  }
  let workers: WorkerHandle | undefined;
  let address: AddressInfo;
  let app: GatewayServer | undefined;
  try {
    workers = await startWorkers(rt, opts.senders ? { senders: opts.senders(rt) } : {});
    app = await createGatewayServer(rt);
    address = await app.listen(0, '127.0.0.1');
  } catch (err) {
    await app?.close();
    await workers?.close();
    await rt.close();
    throw err;
  }
  const url = `http://127.0.0.1:${address.port}`;
  const running = app;
  return {
    url,
    rt,
    app: running,
    async close() {
      await running.close();
      await workers?.close();
      await rt.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
