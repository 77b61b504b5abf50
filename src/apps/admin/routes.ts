import type { createBullBoard } from '@bull-board/api';
import type { ExpressAdapter } from '@bull-board/express';
import type { Request, RequestHandler, Router } from 'express';
import { readBody } from '../../../channels/shared/body.js';
import {
  BadRequestError,
  NotFoundError,
  requestPath,
  UnsupportedMediaTypeError,
} from '../../../channels/shared/errors.js';
import { newRouter } from '../../../channels/shared/http.js';
import { adminSecurityHeaders } from '../../../channels/shared/security.js';
import { listGaps } from '../../knowledge/answer/gaps.js';
import type { AppContext } from '../../platform/context.js';
import { scrubText } from '../../platform/log/index.js';
import { BullQueueBackend, type QueueName } from '../../platform/queue/index.js';
import type { KeyValueStore } from '../../platform/store/index.js';
import { adminGuard } from './auth.js';
import { type GapLike, groupGaps } from './gap-groups.js';
import { addLearnedRoutes, learnedForPage } from './learned.js';
import { adminIndexPage, escapeHtml, gapsPage, type QueueSummary, queuesPage } from './pages.js';
import { scrubDeep } from './scrub.js';

const QUEUES: QueueName[] = ['inbound', 'outbound', 'scheduled'];
const DEAD_LETTERS_SHOWN = 50;

export interface AdminOptions {
  /** Where the gaps come from (tests inject); defaults to the store list the answer module writes (listGaps). */
  loadGaps?: (store: KeyValueStore) => Promise<GapLike[]>;
}

async function queueSummary(ctx: AppContext): Promise<QueueSummary> {
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

/** Where the gateway is mounted, for the pages' links (HTML-escaped): '' at the root, '/baraza' under a host app. */
const rootOf = (req: Request) => escapeHtml(req.baseUrl.replace(/\/admin$/, ''));

/**
 * Bull Board's API parses string bodies as JSON itself and answered a 500 when they were not: anything but a JSON
 * (or form) body on its writing routes is refused here, with the content type named.
 */
const checkQueueApiBody: RequestHandler = (req, _res, next) => {
  if (!req.path.startsWith('/api/') || req.body === undefined || req.body === null) return next();
  if (typeof req.body !== 'object' || Buffer.isBuffer(req.body)) {
    return next(
      new UnsupportedMediaTypeError(
        `the queue API takes a JSON body (Content-Type: application/json), got ${req.headers['content-type'] ?? 'none'}`,
      ),
    );
  }
  // "Add job" hands options to BullMQ as they are; a non-string jobId made it throw (500).
  const options = (req.body as { options?: unknown }).options;
  if (/\/add$/.test(req.path) && options !== undefined) {
    const jobId = (options as { jobId?: unknown } | null)?.jobId;
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      return next(new BadRequestError('body field "options" must be an object'));
    if (jobId !== undefined && typeof jobId !== 'string')
      return next(new BadRequestError('body field "options.jobId" must be a string'));
  }
  next();
};

/** Bull Board's JSON API shows job data and errors: its answers are scrubbed of phone numbers on the way out. */
const scrubQueueApi =
  (scrub: (text: string) => string): RequestHandler =>
  (req, res, next) => {
    if (!req.path.startsWith('/api/')) return next();
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(scrubDeep(body, scrub));
    next();
  };

/**
 * Operator surfaces behind HTTP basic auth (ADMIN_USER/ADMIN_PASSWORD): Bull Board at /admin/queues on
 * BullMQ (a summary page with counts and dead letters on the embedded backend), and the knowledge-gaps page.
 */
export function adminRouter(ctx: AppContext, opts: AdminOptions = {}): Router {
  const loadGaps = opts.loadGaps ?? ((store: KeyValueStore) => listGaps(store));
  const scrub = (s: string) => scrubText(s, ctx.pseudonym);
  const router = newRouter();
  router.use(...adminSecurityHeaders());
  // Before anything reads the body: a caller without credentials gets its 401, whatever it sent.
  router.use(adminGuard(ctx));
  router.use(readBody(ctx.config.limits.bodyLimitBytes));

  router.get('/', (req, res) => {
    res.type('text/html; charset=utf-8').send(adminIndexPage(ctx.queues.kind, rootOf(req)));
  });
  // Dead letters carry numbers (job data, provider errors): scrubbed as the HTML page scrubs them.
  router.get('/queues.json', async (_req, res) => {
    res.json(scrubDeep(await queueSummary(ctx), scrub));
  });

  if (ctx.queues instanceof BullQueueBackend) {
    const queues = ctx.queues;
    // Bull Board (its UI, templates and lodash) loads on the first visit: about 15 MB a gateway that nobody
    // administers should not hold.
    let loading: Promise<{ adapter: ExpressAdapter; board: RequestHandler }> | undefined;
    const loadBoard = () =>
      (loading ??= (async () => {
        const [{ createBullBoard: create }, { BullMQAdapter }, { ExpressAdapter: Adapter }] = await Promise.all([
          import('@bull-board/api'),
          import('@bull-board/api/bullMQAdapter'),
          import('@bull-board/express'),
        ]);
        const adapter = new Adapter();
        create({
          queues: queues.bullQueues().map((q) => new BullMQAdapter(q)),
          // @bull-board/express 9.10.1 pins its own copy of @bull-board/api types; the runtime contract is the same.
          serverAdapter: adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
          options: { uiConfig: { boardTitle: 'Baraza queues' } },
        });
        const board = adapter.getRouter() as ReturnType<ExpressAdapter['getRouter']> & {
          disable(setting: string): unknown;
        };
        board.disable('x-powered-by');
        return { adapter, board: board as RequestHandler };
      })());
    router.use('/queues', checkQueueApiBody, scrubQueueApi(scrub), async (req, res, next) => {
      try {
        const { adapter, board } = await loadBoard();
        // The page's <base href> follows the mount path (a host app may mount the gateway under a path).
        adapter.setBasePath(req.baseUrl);
        board(req, res, next);
      } catch (err) {
        loading = undefined;
        next(err);
      }
    });
  } else {
    router.get('/queues', async (req, res) => {
      res.type('text/html; charset=utf-8').send(queuesPage(await queueSummary(ctx), scrub, rootOf(req)));
    });
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
  router.get('/gaps.json', async (req, res) => {
    res.json((await report(req.query)).report);
  });
  router.get('/gaps', async (req, res) => {
    const r = await report(req.query);
    const learned = await learnedForPage(ctx, rootOf(req));
    res.type('text/html; charset=utf-8').send(gapsPage(r.report, r, rootOf(req), learned));
  });
  addLearnedRoutes(router, ctx);
  // Anything else under /admin still went through the guard before its 404.
  router.use((req, _res, next) => next(new NotFoundError(`no admin page at ${requestPath(req)}`)));
  return router;
}
