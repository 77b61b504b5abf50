/**
 * Dead letters: a provider API that keeps failing (429, 500, timeouts) is retried with growing delays and then
 * shows up as a dead letter in the dashboard; a poison inbound job is dead-lettered at once while the rest flow.
 * Gateway and workers run in this process on the suite's Redis; the Meta Graph API is faked on loopback.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetaWhatsappSender } from '../../channels/whatsapp/send.js';
import { createGatewayServer, type GatewayServer } from '../../src/apps/gateway/index.js';
import { createRuntime, type Runtime } from '../../src/apps/runtime.js';
import { startWorkers } from '../../src/apps/worker/index.js';
import { loadConfig } from '../../src/platform/config/index.js';
import { createLogger, pseudonymiser } from '../../src/platform/log/index.js';
import { BullQueueBackend, type WorkerHandle } from '../../src/platform/queue/index.js';
import { LogCapture } from '../support/context.js';
import { serve } from '../support/http.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { ROOT, waitFor } from './harness.js';
import { basicAuth, call, sendWhatsapp } from './traffic.js';

const ADMIN = { user: 'ops', password: 'dead-letter-admin-pw' };
const WA_SECRET = 'dead-letters-app-secret';
const BACKOFF_MS = 100;
const SEND_TIMEOUT_MS = 300;
const prefix = uniquePrefix('deadletters');
const run = randomBytes(3).toString('hex').toUpperCase();

type Behaviour = 'ok' | 429 | 500 | 'hang';

/** A Meta Graph API stand-in: per recipient, a script of answers; every call is recorded with its time. */
class FakeGraph {
  readonly calls: { to: string; at: number }[] = [];
  readonly scripts = new Map<string, Behaviour[]>();
  private server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/v21.0`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  callsTo(to: string): number[] {
    return this.calls.filter((c) => c.to === to.replace(/^\+/, '')).map((c) => c.at);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const to = String((JSON.parse(body || '{}') as { to?: string }).to ?? '');
      this.calls.push({ to, at: performance.now() });
      const script = this.scripts.get(to) ?? [];
      const next: Behaviour = script.shift() ?? 'ok';
      const json = (status: number, payload: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (next === 'hang') return; // never answers; the sender's timeout gives up
      if (next === 429)
        return json(429, { error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429 } });
      if (next === 500)
        return json(500, { error: { message: 'An unknown error has occurred.', type: 'OAuthException', code: 1 } });
      json(200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: to, wa_id: to }],
        messages: [{ id: `wamid.FAKE${this.calls.length}` }],
      });
    });
  }
}

const graph = new FakeGraph();
const logs = new LogCapture();
let rt: Runtime;
let workers: WorkerHandle;
let app: GatewayServer;
let base: string;

beforeAll(async () => {
  await graph.start();
  const config = loadConfig({
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PACKS_DIR: path.join(ROOT, 'packs'),
    MODELS_DIR: path.join(ROOT, '.no-models'),
    INDEX_DIR: path.join(ROOT, '.baraza', 'test-index-none'),
    PII_SALT: 'dead-letters-salt',
    SEND_MODE: 'live',
    WHATSAPP_GRAPH_URL: graph.url,
    WHATSAPP_TOKEN: 'fake-graph-token',
    WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
    WHATSAPP_APP_SECRET: WA_SECRET,
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    IP_RATE_LIMIT_PER_MINUTE: '100000',
  });
  // Production retries start at 1 s; a tenth of that keeps five attempts inside a couple of seconds.
  const queues = new BullQueueBackend({ url: testRedisUrl(), prefix: `${prefix}q`, backoffMs: BACKOFF_MS });
  rt = await createRuntime(config, {
    queues,
    log: createLogger({ level: 'info', pseudonym: pseudonymiser('dead-letters-salt') }, logs),
  });
  workers = await startWorkers(rt, { senders: { meta: createMetaWhatsappSender(rt, { timeoutMs: SEND_TIMEOUT_MS }) } });
  app = await createGatewayServer(rt);
  base = await serve(app);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await workers?.close();
  await rt?.close();
  await graph.stop();
  await cleanupPrefix(prefix);
}, 30_000);

let n = 0;
const newNumber = () => `+2547330${String(++n).padStart(5, '0')}`;
const ask = (from: string, text: string) =>
  sendWhatsapp(base, { from, text, wamid: `wamid.DL${run}${++n}`, secret: WA_SECRET });

interface BoardJob {
  id: string;
  attempts: number;
  failedReason?: string;
  data: Record<string, unknown>;
}

/** The failed jobs of one queue as Bull Board's own API lists them (what an operator sees). */
async function dashboardFailed(queue: string, auth = basicAuth(ADMIN.user, ADMIN.password)): Promise<BoardJob[]> {
  const r = await call(`${base}/admin/queues/api/queues?activeQueue=${queue}&status=failed&page=1&jobsPerPage=50`, {
    headers: { authorization: auth },
  });
  if (r.status !== 200) throw new Error(`dashboard answered ${r.status}: ${r.body}`);
  const board = JSON.parse(r.body) as { queues: { name: string; jobs: BoardJob[] }[] };
  return board.queues.find((q) => q.name === queue)?.jobs ?? [];
}

describe('a provider API that keeps failing', () => {
  it('is retried with growing delays (429, 500, timeout), then the reply is a dead letter in the dashboard', async () => {
    const from = newNumber();
    graph.scripts.set(from.slice(1), [429, 500, 'hang', 500, 429]);
    expect((await ask(from, 'how do I plant beans')).status).toBe(200);

    const dead = await waitFor(
      'the reply to reach the dead letters',
      // The dashboard shows the number as its pseudonym (finding 12, issue 14), never in clear.
      async () => (await dashboardFailed('outbound')).find((j) => j.data.to === rt.pseudonym(from)),
      20_000,
      200,
    );
    expect(dead.attempts).toBe(5);
    // The last attempt was throttled; the reason says so in words an operator can act on.
    expect(dead.failedReason).toMatch(/Graph API throttled \(429\)/);
    expect(JSON.stringify(dead)).not.toContain(from.slice(1));

    const at = graph.callsTo(from);
    expect(at).toHaveLength(5);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Exponential backoff: at least 100, 200, 400, 800 ms between attempts (a fixed delay fails the later ones).
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(BACKOFF_MS * 2 ** i * 0.9);

    // The dashboard is behind admin auth, and the queue API agrees with it.
    await expect(dashboardFailed('outbound', basicAuth(ADMIN.user, 'wrong'))).rejects.toThrow(/401/);
    const letters = await rt.queues.queue('outbound').deadLetters();
    expect(letters.find((l) => (l.data as { to?: string }).to === from)).toMatchObject({ attemptsMade: 5 });
    await new Promise((r) => setTimeout(r, 4 * BACKOFF_MS));
    expect(graph.callsTo(from)).toHaveLength(5);
  }, 40_000);

  it('delivers once when a retry succeeds', async () => {
    const from = newNumber();
    graph.scripts.set(from.slice(1), [500, 'hang', 'ok']);
    expect((await ask(from, 'how can I save money')).status).toBe(200);
    await waitFor('the third attempt', async () => (graph.callsTo(from).length >= 3 ? true : undefined), 15_000, 50);
    await new Promise((r) => setTimeout(r, 8 * BACKOFF_MS));
    expect(graph.callsTo(from)).toHaveLength(3);
    expect((await dashboardFailed('outbound')).find((j) => j.data.to === rt.pseudonym(from))).toBeUndefined();
  }, 30_000);
});

describe('a poison message', () => {
  it('goes to the dead letters on its first attempt while the other messages are answered', async () => {
    const poison: [string, unknown][] = [
      ['empty object', {}],
      ['not an object', 'hello'],
      [
        'unknown channel',
        {
          id: 'x:1',
          channel: 'fax',
          provider: 'meta',
          from: '+254700000001',
          text: 'hi',
          providerMessageId: '1',
          receivedAt: 'now',
        },
      ],
      [
        'not a phone number',
        {
          id: 'x:2',
          channel: 'sms',
          provider: 'africastalking',
          from: 'robert',
          text: 'hi',
          providerMessageId: '2',
          receivedAt: 'now',
        },
      ],
      [
        'text not text',
        {
          id: 'x:3',
          channel: 'sms',
          provider: 'africastalking',
          from: '+254700000003',
          text: { $gt: '' },
          providerMessageId: '3',
          receivedAt: 'now',
        },
      ],
    ];
    const good = Array.from({ length: 5 }, () => newNumber());
    const inbound = rt.queues.queue<unknown>('inbound');
    const ids = poison.map((_, i) => `poison-${run}-${i}`);
    await Promise.all([
      ...poison.map(([, data], i) => inbound.add('sms', data, { jobId: ids[i] })),
      ...good.map(async (from) => expect((await ask(from, 'when should I plant maize')).status).toBe(200)),
    ]);

    await waitFor(
      'every good message to be answered',
      async () => (good.every((g) => graph.callsTo(g).length === 1) ? true : undefined),
      20_000,
      100,
    );
    const board = await waitFor(
      'every poison job in the dashboard',
      async () => {
        const jobs = await dashboardFailed('inbound');
        const found = ids.map((id) => jobs.find((j) => j.id.includes(id)));
        return found.every(Boolean) ? (found as BoardJob[]) : undefined;
      },
      10_000,
      100,
    );
    // Straight to the dead letters: one attempt, not five, and a reason naming what is wrong.
    for (const job of board) {
      expect(job.attempts).toBe(1);
      expect(job.failedReason).toMatch(/^malformed inbound job: /);
    }
    const reasons = Object.fromEntries(poison.map(([label], i) => [label, board[i]!.failedReason]));
    expect(reasons['unknown channel']).toMatch(/field 'channel'/);
    expect(reasons['not a phone number']).toMatch(/field 'from'/);
    expect(reasons['text not text']).toMatch(/field 'text'/);
    // No reason quotes the data it refused (it may hold a phone number).
    expect(board.map((j) => j.failedReason).join('\n')).not.toContain('robert');
    expect(logs.text()).toContain('poison inbound job');
  }, 40_000);
});
