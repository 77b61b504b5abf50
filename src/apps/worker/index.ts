import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { SWEEP_JOB, scheduleOfferSweep, sweepOffers } from '../../dialogue/choices/offers.js';
import { handleMessage } from '../../dialogue/messaging/index.js';
import { runTipsTick, scheduleTips } from '../../dialogue/tips/index.js';
import type { WorkerHandle } from '../../platform/queue/index.js';
import type { Runtime } from '../runtime.js';
import { processInbound } from './inbound.js';
import { processOutbound, type SenderRegistry } from './outbound.js';
import { createLiveSenders } from './senders.js';

export interface WorkerOptions {
  concurrency?: number;
  senders?: SenderRegistry;
}

/** Starts the inbound, outbound and scheduled consumers of one worker process. */
export async function startWorkers(rt: Runtime, opts: WorkerOptions = {}): Promise<WorkerHandle> {
  const concurrency = opts.concurrency ?? 8;
  const senders = opts.senders ?? createLiveSenders(rt);
  const handles = [
    rt.queues
      .queue<InboundMessage>('inbound')
      .process((job) => processInbound(rt, handleMessage, job), { concurrency }),
    rt.queues.queue<OutboundMessage>('outbound').process((job) => processOutbound(rt, senders, job), { concurrency }),
    rt.queues.queue<Record<string, never>>('scheduled').process(
      async (job) => {
        if (job.name === 'tips-tick') return runTipsTick(rt, new Date(rt.now()));
        if (job.name === SWEEP_JOB) return { settled: await sweepOffers(rt) };
        return undefined;
      },
      { concurrency: 1 },
    ),
  ];
  await scheduleTips(rt);
  await scheduleOfferSweep(rt);
  return {
    close: async () => {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
