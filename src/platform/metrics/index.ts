import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every Baraza metric, named `baraza_*`, on one registry per process. */
export function createMetrics() {
  const registry = new Registry();
  // prom-client's own names already start with process_ or nodejs_: the prefix only adds baraza_.
  collectDefaultMetrics({ register: registry, prefix: 'baraza_' });
  const m = {
    registry,
    inbound: new Counter({
      name: 'baraza_inbound_messages_total',
      help: 'Inbound messages accepted, by channel and provider',
      labelNames: ['channel', 'provider'] as const,
      registers: [registry],
    }),
    outbound: new Counter({
      name: 'baraza_outbound_messages_total',
      help: 'Outbound messages sent, by channel, provider and kind',
      labelNames: ['channel', 'provider', 'kind'] as const,
      registers: [registry],
    }),
    sendFailures: new Counter({
      name: 'baraza_send_failures_total',
      help: 'Provider send attempts that failed, by provider and whether they will be retried',
      labelNames: ['provider', 'retryable'] as const,
      registers: [registry],
    }),
    ussdResponseSeconds: new Histogram({
      name: 'baraza_ussd_response_seconds',
      help: 'Time from USSD request arrival to response, by hop kind',
      labelNames: ['hop'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15],
      registers: [registry],
    }),
    deadlineFallbacks: new Counter({
      name: 'baraza_ussd_deadline_fallbacks_total',
      help: 'USSD questions answered by SMS because the deadline passed',
      registers: [registry],
    }),
    answerConfidence: new Histogram({
      name: 'baraza_answer_confidence',
      help: 'Confidence of composed answers',
      labelNames: ['channel'] as const,
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers: [registry],
    }),
    knowledgeGaps: new Counter({
      name: 'baraza_knowledge_gaps_total',
      help: 'Questions recorded as knowledge gaps, by language and channel',
      labelNames: ['lang', 'channel'] as const,
      registers: [registry],
    }),
    dedupeHits: new Counter({
      name: 'baraza_dedupe_hits_total',
      help: 'Webhook deliveries dropped as duplicates, by provider',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    optOuts: new Counter({
      name: 'baraza_opt_outs_total',
      help: 'Subscribers who opted out, by channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'baraza_rejected_requests_total',
      help: 'Webhook requests rejected with a 4xx, by route and reason',
      labelNames: ['route', 'reason'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'baraza_queue_depth',
      help: 'Jobs per queue and state (sampled at scrape time)',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
