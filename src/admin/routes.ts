import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { listGaps } from '../answer/gaps.js';
import type { AppContext } from '../app/context.js';
import { scrubText } from '../log/index.js';
import { BullQueueBackend, type QueueName } from '../queue/index.js';
import type { KeyValueStore } from '../store/index.js';
import { adminGuard } from './auth.js';
import { type GapLike, groupGaps } from './gap-groups.js';
import { adminIndexPage, gapsPage, type QueueSummary, queuesPage } from './pages.js';

const QUEUES: QueueName[] = ['inbound', 'outbound', 'scheduled'];
export const DEAD_LETTERS_SHOWN = 50;

export interface AdminOptions {
  /** Where the gaps come from (tests inject); defaults to the store list the answer module writes (listGaps). */
  loadGaps?: (store: KeyValueStore) => Promise<GapLike[]>;
}

export async function queueSummary(ctx: AppContext): Promise<QueueSummary> {
  const queues = await Promise.all(
    QUEUES.map(async (name) => {
      const q = ctx.queues.queue(name);
      const [counts, deadLetters] = await Promise.all([q.counts(), q.deadLetters(DEAD_LETTERS_SHOWN)]);
      return { name, counts, deadLetters };
    }),
  );
  return { backend: ctx.queues.kind, queues };
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/**
 * Operator surfaces behind HTTP basic auth (ADMIN_USER/ADMIN_PASSWORD): Bull Board at /admin/queues on
 * BullMQ (a summary page with counts and dead letters on the embedded backend), and the knowledge-gaps page.
 */
export async function registerAdmin(app: FastifyInstance, ctx: AppContext, opts: AdminOptions = {}): Promise<void> {
  const loadGaps = opts.loadGaps ?? ((store: KeyValueStore) => listGaps(store));
  const scrub = (s: string) => scrubText(s, ctx.pseudonym);

  await app.register(async (scope) => {
    scope.addHook(
      'onRequest',
      adminGuard(ctx.config.admin, (reason) => ctx.metrics.rejected.inc({ route: '/admin', reason })),
    );

    scope.get('/admin', async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(adminIndexPage(ctx.queues.kind)),
    );
    scope.get('/admin/queues.json', async () => queueSummary(ctx));

    if (ctx.queues instanceof BullQueueBackend) {
      const serverAdapter = new FastifyAdapter();
      serverAdapter.setBasePath('/admin/queues');
      createBullBoard({
        queues: ctx.queues.bullQueues().map((q) => new BullMQAdapter(q)),
        // @bull-board/fastify 9.10.1 pins its own copy of @bull-board/api types; the runtime contract is the same.
        serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
        options: { uiConfig: { boardTitle: 'Baraza queues' } },
      });
      // Bull Board's API parses string bodies as JSON itself and answers a 500 when they are not: anything but a
      // JSON body on its writing routes is refused here, with the content type named.
      scope.addHook('preHandler', async (req, reply) => {
        if (!req.url.startsWith('/admin/queues/api/') || req.body === undefined || req.body === null) return;
        if (typeof req.body !== 'object' || Buffer.isBuffer(req.body)) {
          return reply.code(415).send({
            error: `the queue API takes a JSON body (Content-Type: application/json), got ${req.headers['content-type'] ?? 'none'}`,
          });
        }
        // "Add job" hands options to BullMQ as they are; a non-string jobId made it throw (500).
        const options = (req.body as { options?: unknown }).options;
        if (/\/add$/.test(req.url.split('?')[0]!) && options !== undefined) {
          const jobId = (options as { jobId?: unknown } | null)?.jobId;
          if (typeof options !== 'object' || options === null || Array.isArray(options))
            return reply.code(400).send({ error: 'body field "options" must be an object' });
          if (jobId !== undefined && typeof jobId !== 'string')
            return reply.code(400).send({ error: 'body field "options.jobId" must be a string' });
        }
      });
      await scope.register(serverAdapter.registerPlugin(), { prefix: '/admin/queues' });
    } else {
      scope.get('/admin/queues', async (_req, reply) =>
        reply.type('text/html; charset=utf-8').send(queuesPage(await queueSummary(ctx), scrub)),
      );
    }

    const report = async (query: unknown) => {
      const q = (query ?? {}) as Record<string, unknown>;
      const lang = text(q.lang);
      const channel = text(q.channel);
      const all = await loadGaps(ctx.store);
      const picked = all.filter((g) => (!lang || g.lang === lang) && (!channel || g.channel === channel));
      const langs = [...new Set(all.map((g) => g.lang ?? 'unknown'))].sort();
      return { lang, channel, langs, report: groupGaps(picked) };
    };
    scope.get('/admin/gaps.json', async (req) => (await report(req.query)).report);
    scope.get('/admin/gaps', async (req, reply) => {
      const r = await report(req.query);
      return reply.type('text/html; charset=utf-8').send(gapsPage(r.report, r));
    });
    // Anything else under /admin still goes through the guard before its 404.
    scope.get('/admin/*', async (req, reply) =>
      reply.code(404).send({ error: `no admin page at ${req.url.split('?')[0]}` }),
    );
  });
}
