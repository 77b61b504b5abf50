import { createRuntime, workerIdentity } from './apps/runtime.js';
import { type Config, ConfigError, loadConfig, startupWarnings } from './platform/config/index.js';
import { createLogger, pseudonymiser } from './platform/log/index.js';

type Role = 'all' | 'gateway' | 'worker';

function fail(message: string): never {
  process.stderr.write(`baraza: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!['all', 'gateway', 'worker'].includes(role)) fail(`unknown role "${role}": use all, gateway or worker`);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
    throw err;
  }
  if (role !== 'all' && !config.redisUrl) {
    fail(`npm run ${role} needs REDIS_URL (for example redis://127.0.0.1:6379); npm start runs without it`);
  }
  const log = createLogger({ level: config.logLevel, pseudonym: pseudonymiser(config.piiSalt) });
  // The first line says which backend this process runs on.
  if (config.redisUrl) {
    const u = new URL(config.redisUrl);
    log.info(`Baraza ${role}: using Redis at ${u.hostname}:${u.port || 6379} (BullMQ queues, shared store)`);
  } else {
    log.info(
      'Baraza: running on the embedded default (in-process queue and store, outbound to the simulator outbox); set REDIS_URL to use Redis',
    );
  }
  for (const warning of startupWarnings(config)) log.warn(warning);
  // A gateway-only process shows menus and queues questions; it needs the packs' catalogue, not their index.
  const rt = await createRuntime(config, { log, answers: role !== 'gateway' });

  const closers: (() => Promise<void>)[] = [];
  // Each role imports only its own app: a worker loads no HTTP stack, a gateway no provider SDK.
  if (role === 'all' || role === 'worker') {
    const { startWorkers } = await import('./apps/worker/index.js');
    const workers = await startWorkers(rt);
    closers.push(() => workers.close());
    rt.log.info({ worker: workerIdentity() }, 'worker consuming the inbound, outbound and scheduled queues');
  }
  if (role === 'all' || role === 'gateway') {
    const { createGatewayServer } = await import('./apps/gateway/index.js');
    const gateway = await createGatewayServer(rt);
    const { port } = await gateway.listen(config.port, config.host);
    rt.log.info(`gateway listening on http://localhost:${port} (simulator at /simulator)`);
    closers.unshift(() => gateway.close());
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.log.info(`${signal}: shutting down`);
    for (const close of closers) await close().catch(() => undefined);
    await rt.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`baraza: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
