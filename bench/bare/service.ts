/**
 * Memory baseline: the smallest honest "Express + BullMQ" service in one process. A form webhook enqueues an
 * inbound job; one worker turns it into an outbound job; a second worker consumes that. No Baraza code.
 */
import { Queue, Worker } from 'bullmq';
import express from 'express';
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

const app = express();
app.disable('x-powered-by');
let server: ReturnType<typeof app.listen> | undefined;

async function main(): Promise<void> {
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  app.post('/sms', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Record<string, string> | undefined;
    if (!body?.from || !body.id) {
      res.status(400).json({ error: "field 'from' is required" });
      return;
    }
    await inbound.add('sms', { from: body.from, text: body.text ?? '' }, { jobId: `sms-${body.id}` });
    res.json({ status: 'accepted' });
  });
  await new Promise<void>((resolve, reject) => {
    server = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve()));
  });
}

const stop = async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
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
