/**
 * Memory baseline: the smallest honest "Fastify + BullMQ" service in one process. A form webhook enqueues an
 * inbound job; one worker turns it into an outbound job; a second worker consumes that. No Baraza code.
 */
import formbody from '@fastify/formbody';
import { Queue, Worker } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const url = process.env.BARE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BARE_PREFIX ?? 'bare';
const port = Number(process.env.BARE_PORT ?? 3999);
const conn = () => new Redis(url, { maxRetriesPerRequest: null });

const inbound = new Queue('inbound', { connection: conn(), prefix });
const outbound = new Queue('outbound', { connection: conn(), prefix });
const workers = [
  new Worker(
    'inbound',
    async (job) => {
      await outbound.add('send', { to: job.data.from, text: `re: ${job.data.text}` });
      return { replies: 1 };
    },
    { connection: conn(), prefix, concurrency: 8 },
  ),
  new Worker('outbound', async () => ({ status: 'sent' }), { connection: conn(), prefix, concurrency: 8 }),
];

const app = Fastify({ logger: false });

async function main(): Promise<void> {
  await app.register(formbody);
  app.get('/readyz', async () => ({ status: 'ready' }));
  app.post('/sms', async (req, reply) => {
    const body = req.body as Record<string, string>;
    if (!body?.from || !body.id) return reply.code(400).send({ error: "field 'from' is required" });
    await inbound.add('sms', { from: body.from, text: body.text ?? '' }, { jobId: `sms-${body.id}` });
    return { status: 'accepted' };
  });
  await app.listen({ port, host: '127.0.0.1' });
}

const stop = async () => {
  await app.close();
  await Promise.all(workers.map((w) => w.close()));
  await inbound.close();
  await outbound.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
main().catch((err) => {
  process.stderr.write(`bare service failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
