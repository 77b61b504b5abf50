import path from 'node:path';
import { Writable } from 'node:stream';
import type { Answerer, AnswerRequest, AnswerResult, Catalogue } from '../../src/core/answers.js';
import { type Config, loadConfig } from '../../src/platform/config/index.js';
import type { AppContext } from '../../src/platform/context.js';
import { createTranslator } from '../../src/platform/i18n/index.js';
import { createLogger, pseudonymiser } from '../../src/platform/log/index.js';
import { createMetrics } from '../../src/platform/metrics/index.js';
import { EmbeddedQueueBackend, type QueueBackend } from '../../src/platform/queue/index.js';
import { type KeyValueStore, MemoryStore } from '../../src/platform/store/index.js';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

/** Captures every log line of a context, so tests can assert what was (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
  text(): string {
    return this.lines.join('');
  }
}

/** A catalogue with nothing in it, for tests that never browse packs. */
const emptyCatalogue: Catalogue = {
  packs: () => [],
  topicTitle: (_p, topic) => topic,
  entries: () => [],
  entry: () => undefined,
};

/**
 * Test double for the answer module: answers from a small table so channel tests do not depend on retrieval.
 * Unknown questions get an honest "don't know" with found=false, like the real answerer.
 */
export function tableAnswerer(
  table: Record<string, string> = {},
  catalogue: Catalogue = emptyCatalogue,
): Answerer & {
  calls: AnswerRequest[];
} {
  const calls: AnswerRequest[] = [];
  return {
    calls,
    catalogue,
    async answer(req: AnswerRequest): Promise<AnswerResult> {
      calls.push(req);
      const hit = Object.entries(table).find(([q]) => req.question.toLowerCase().includes(q.toLowerCase()));
      if (!hit)
        return {
          answer: "Sorry, I don't know that yet.",
          lang: req.lang ?? 'en',
          citations: [],
          confidence: 0.05,
          found: false,
        };
      return {
        answer: hit[1],
        lang: req.lang ?? 'en',
        citations: [{ pack: 'test', entry: hit[0], title: hit[0], source: 'Test source' }],
        confidence: 0.9,
        found: true,
      };
    },
  };
}

export interface TestContextOptions {
  env?: Record<string, string>;
  store?: KeyValueStore;
  queues?: QueueBackend;
  answerer?: Answerer;
  now?: () => number;
}

export async function makeTestContext(
  opts: TestContextOptions = {},
): Promise<AppContext & { logs: LogCapture; config: Config }> {
  const config = loadConfig({
    PII_SALT: 'test-salt',
    LOG_LEVEL: 'debug',
    PACKS_DIR: path.join(ROOT, 'packs'),
    ...opts.env,
  });
  const pseudonym = pseudonymiser(config.piiSalt);
  const logs = new LogCapture();
  return {
    config,
    log: createLogger({ level: config.logLevel, pseudonym }, logs),
    logs,
    store: opts.store ?? new MemoryStore(),
    queues: opts.queues ?? new EmbeddedQueueBackend(),
    metrics: createMetrics(),
    i18n: await createTranslator(path.join(ROOT, 'locales')),
    answerer: opts.answerer ?? tableAnswerer(),
    pseudonym,
    now: opts.now ?? Date.now,
  };
}
