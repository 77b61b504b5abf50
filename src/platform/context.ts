import type { Logger } from 'pino';
import type { Answerer } from '../core/answers.js';
import type { Config } from './config/index.js';
import type { Translator } from './i18n/index.js';
import type { Metrics } from './metrics/index.js';
import type { QueueBackend } from './queue/index.js';
import type { KeyValueStore } from './store/index.js';

/** Everything a route or job handler needs, built once at start-up (I/O lives behind these). */
export interface AppContext {
  config: Config;
  log: Logger;
  store: KeyValueStore;
  queues: QueueBackend;
  metrics: Metrics;
  i18n: Translator;
  answerer: Answerer;
  /** Stable pseudonym of a phone number (HMAC with PII_SALT): safe for logs, gaps and metrics. */
  pseudonym: (phone: string) => string;
  now: () => number;
}
