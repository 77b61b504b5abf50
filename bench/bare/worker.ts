/**
 * Baseline worker for the benchmarks: BullMQ with nothing of Baraza in it, in its own process like the product's
 * worker. BARE_MODE=roundtrip: `inbound` jobs return at once (the caller waits for the result, like a USSD hop).
 * BARE_MODE=twohop: an `inbound` job adds an `outbound` job, which a second worker consumes (the SMS/WhatsApp shape).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const url = process.env.BARE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BARE_PREFIX ?? 'bare';
const mode = process.env.BARE_MODE ?? 'roundtrip';
const concurrency = Number(process.env.BARE_CONCURRENCY ?? 8);

const conn = () => new Redis(url, { maxRetriesPerRequest: null });
const workers: Worker[] = [];
let outbound: Queue | undefined;

if (mode === 'twohop') {
  outbound = new Queue('outbound', { connection: conn(), prefix });
  workers.push(
    new Worker(
      'inbound',
      async (job) => {
        await outbound!.add(
          'send',
          { to: job.data.from, text: `re: ${job.data.text}` },
          { jobId: `reply-${job.id}`, removeOnComplete: { count: 50_000 } },
        );
        return { replies: 1 };
      },
      { connection: conn(), prefix, concurrency },
    ),
    new Worker('outbound', async () => ({ status: 'sent' }), { connection: conn(), prefix, concurrency }),
  );
} else {
  workers.push(
    new Worker('inbound', async (job) => ({ text: `ok ${job.id}` }), { connection: conn(), prefix, concurrency }),
  );
}

const stop = async () => {
  await Promise.all(workers.map((w) => w.close()));
  await outbound?.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
