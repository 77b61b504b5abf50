import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Answerer } from '../core/answers.js';
import type { Config } from '../platform/config/index.js';
import type { AppContext } from '../platform/context.js';
import { createTranslator } from '../platform/i18n/index.js';
import { createLogger, pseudonymiser } from '../platform/log/index.js';
import { createMetrics } from '../platform/metrics/index.js';
import { assetPath } from '../platform/paths.js';
import { BullQueueBackend, EmbeddedQueueBackend, type QueueBackend } from '../platform/queue/index.js';
import { type KeyValueStore, MemoryStore, RedisStore } from '../platform/store/index.js';

export interface RuntimeOptions {
  /** Key prefix for store and queues (tests and several deployments on one Redis). */
  prefix?: string;
  log?: Logger;
  answerer?: Answerer & { close?: () => Promise<void>; status?: () => { ok: boolean; detail: string } };
  store?: KeyValueStore;
  queues?: QueueBackend;
  /**
   * Whether this process answers questions. A gateway-only process (`npm run gateway`) shows menus from the
   * catalogue and leaves answers to the workers, so it builds no retrieval index and loads no model.
   * @defaultValue true
   */
  answers?: boolean;
}

export interface Runtime extends AppContext {
  packsStatus: () => { ok: boolean; detail: string };
  close(): Promise<void>;
}

/** Builds the shared context once: Redis (BullMQ) when REDIS_URL is set, else the embedded default. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const pseudonym = pseudonymiser(config.piiSalt);
  const log = opts.log ?? createLogger({ level: config.logLevel, pseudonym });
  config = withSimulatorSecrets(config, log);
  const prefix = opts.prefix ?? config.redisPrefix;
  const store = opts.store ?? (config.redisUrl ? new RedisStore(config.redisUrl, prefix) : new MemoryStore());
  const queues =
    opts.queues ??
    (config.redisUrl
      ? new BullQueueBackend({
          url: config.redisUrl,
          prefix: `${prefix}q`,
          lockDurationMs: config.testing.workerLockMs,
          workerName: workerIdentity(),
        })
      : new EmbeddedQueueBackend({ maxJobs: config.embeddedQueueLimit }));
  const metrics = createMetrics();
  const i18n = await createTranslator(assetPath('locales'));
  const inner: NonNullable<RuntimeOptions['answerer']> =
    opts.answerer ??
    (await (
      await import('../knowledge/answer/index.js')
    ).createAnswerer({
      config,
      store,
      log,
      retrieval: opts.answers !== false,
    }));
  // Counted where the answer module records a gap (once per question id): declined, or choices offered.
  const answerer: NonNullable<RuntimeOptions['answerer']> = {
    ...inner,
    catalogue: inner.catalogue,
    answer: async (req) => {
      const result = await inner.answer(req);
      if (result.gapRecorded ?? (!result.found || result.lowConfidence)) {
        metrics.knowledgeGaps.inc({ lang: result.userLang ?? result.lang, channel: req.channel });
      }
      return result;
    },
  };
  const packsStatus = () => answerer.status?.() ?? { ok: true, detail: 'loaded' };
  return {
    config,
    log,
    store,
    queues,
    metrics,
    i18n,
    answerer,
    pseudonym,
    now: Date.now,
    packsStatus,
    async close() {
      await queues.close();
      await answerer.close?.();
      await store.close();
    },
  };
}

/**
 * The simulator signs its WhatsApp webhooks; without a configured secret, one generated per process keeps the
 * signature check on. Only for a trial: beside live credentials a secret the simulator hands out would let
 * anyone who reaches it sign webhooks for the live Meta route, so none is generated and that route refuses.
 */
export function withSimulatorSecrets(config: Config, log: Pick<Logger, 'info' | 'warn'>): Config {
  if (!config.simulator || config.whatsapp.appSecret) return config;
  if (config.liveCredentials.length > 0) {
    log.warn(
      'WHATSAPP_APP_SECRET unset beside live credentials: no secret is generated, so the WhatsApp route and the simulator signer refuse',
    );
    return config;
  }
  log.info('WHATSAPP_APP_SECRET unset: the simulator signs WhatsApp webhooks with a generated per-process secret');
  return { ...config, whatsapp: { ...config.whatsapp, appSecret: randomBytes(24).toString('hex') } };
}

/** Which process ran a job (host and pid), stored on each BullMQ job and shown in Bull Board. */
export function workerIdentity(): string {
  return `${os.hostname()}#${process.pid}`;
}
