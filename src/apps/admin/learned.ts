/**
 * Learned examples in /admin/gaps: the questions users asked and the entry they picked among choices, for editors
 * to approve, move to another entry, or reject (src/platform/learned.ts keeps them). HTML forms and JSON:
 *  - GET  /admin/gaps/learned.json              { pending: [...], approved: [...], exported: number }
 *  - POST /admin/gaps/learned/<id>              action=approve|reject|move [entry=<pack>/<entry>]
 *    (a form gets 303 back to /admin/gaps; a JSON body gets the example as JSON)
 */
import type { Request, RequestHandler, Router } from 'express';
import { BadRequestError, ForbiddenError, HttpError, NotFoundError } from '../../../channels/shared/errors.js';
import type { Catalogue } from '../../core/answers.js';
import type { AppContext } from '../../platform/context.js';
import { type LearnedView, listLearned, type Review, ReviewError, reviewLearned } from '../../platform/learned.js';
import { escapeHtml } from './pages.js';

/**
 * The pages use basic auth, which a browser sends with any request to this origin: a form another site posts
 * here would carry it. Writes are refused unless the browser says they come from our own pages.
 */
const sameOriginOnly: RequestHandler = (req, _res, next) => {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return next(
      new ForbiddenError(`header 'Sec-Fetch-Site' is ${String(site)}: admin changes come from the admin pages only`),
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) return next(new ForbiddenError(`header 'Origin' does not match this site`));
  } else if (origin === 'null') {
    return next(new ForbiddenError(`header 'Origin' is null: admin changes come from the admin pages only`));
  }
  next();
};

function parseReview(body: unknown, catalogue: Catalogue, lang: string): Review {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const action = b.action;
  if (action === 'approve' || action === 'reject') return { action };
  if (action !== 'move') throw new BadRequestError(`body field 'action' must be approve, reject or move`);
  const target = typeof b.entry === 'string' ? b.entry.trim() : '';
  const m = /^([A-Za-z0-9_-]{1,100})\/([A-Za-z0-9_.-]{1,200})$/.exec(target);
  if (!m) throw new BadRequestError(`body field 'entry' must name an entry as <pack>/<entry>`);
  const [, pack, entry] = m as unknown as [string, string, string];
  if (!catalogue.entry(pack, entry, lang)) throw new BadRequestError(`body field 'entry': no entry ${pack}/${entry}`);
  return { action: 'move', pack, entry };
}

/** Every entry of the loaded packs as `pack/entry` with its title, for the move field's suggestions. */
function entryOptions(catalogue: Catalogue): { value: string; title: string }[] {
  const out: { value: string; title: string }[] = [];
  for (const p of catalogue.packs()) {
    for (const topic of p.topics) {
      for (const e of catalogue.entries(p.id, topic, p.defaultLanguage))
        out.push({ value: `${p.id}/${e.id}`, title: e.title });
    }
  }
  return out;
}

function learnedSection(
  pending: LearnedView[],
  approved: LearnedView[],
  exported: number,
  catalogue: Catalogue,
  root: string,
): string {
  const title = (pack: string, entry: string, lang: string) => catalogue.entry(pack, entry, lang)?.title ?? '';
  const rows = pending
    .map((x) => {
      const action = `${root}/admin/gaps/learned/${escapeHtml(x.id)}`;
      return `<tr><td>${escapeHtml(x.question)}</td><td>${escapeHtml(x.lang)}</td><td>${escapeHtml(x.channel)}</td><td>${escapeHtml(`${x.pack}/${x.entry}`)}<br><span class="muted">${escapeHtml(title(x.pack, x.entry, x.lang))}</span></td><td class="n">${x.hits}</td><td>${escapeHtml(x.at.slice(0, 16).replace('T', ' '))}</td>
<td><form method="post" action="${action}"><button name="action" value="approve">Approve</button> <button name="action" value="reject">Reject</button></form>
<form method="post" action="${action}"><input type="hidden" name="action" value="move"><input name="entry" list="learned-entries" placeholder="pack/entry" required size="28"> <button>Move</button></form></td></tr>`;
    })
    .join('');
  const approvedRows = approved
    .map(
      (x) =>
        `<li>${escapeHtml(x.question)} <span class="muted">(${escapeHtml(x.lang)}) → ${escapeHtml(`${x.pack}/${x.entry}`)}</span></li>`,
    )
    .join('');
  const options = entryOptions(catalogue)
    .map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.title)}</option>`)
    .join('');
  return `<h2 id="learned">Learned from users' picks</h2>
<p class="muted">When a user was offered choices and picked one, their question is kept here as an example for that entry. Approve it (or move it to the entry it belongs to) and it counts in retrieval after the next reload; <code>npx baraza packs learn export &lt;dir&gt;</code> writes approved examples into the entries' <code>questions</code>. JSON at <a href="${root}/admin/gaps/learned.json">/admin/gaps/learned.json</a>.</p>
<datalist id="learned-entries">${options}</datalist>
${
  pending.length
    ? `<table><thead><tr><th>question</th><th>language</th><th>channel</th><th>picked entry</th><th>picks</th><th>first picked (UTC)</th><th>review</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No examples waiting for review.</p>'
}
<h3>Approved, not yet exported (${approved.length})</h3>${approvedRows ? `<ul>${approvedRows}</ul>` : '<p>None.</p>'}
<p class="muted">${exported} exported.</p>`;
}

const rootOf = (req: Request) => escapeHtml(req.baseUrl.replace(/\/admin$/, ''));

/** The learned-examples routes, on the admin router (behind its guard and body reader). */
export function addLearnedRoutes(router: Router, ctx: AppContext): void {
  router.get('/gaps/learned.json', async (_req, res) => {
    const [pending, approved, exported] = await Promise.all([
      listLearned(ctx.store, 'pending'),
      listLearned(ctx.store, 'approved'),
      listLearned(ctx.store, 'exported'),
    ]);
    res.json({ pending, approved, exported: exported.length });
  });
  router.post('/gaps/learned/:id', sameOriginOnly, async (req, res, next) => {
    try {
      const id = String(req.params.id);
      const form = req.is('application/x-www-form-urlencoded');
      const lang = 'en';
      const review = parseReview(req.body, ctx.answerer.catalogue, lang);
      const example = await reviewLearned(ctx.store, id, review, ctx.now());
      ctx.log.info({ example: id, action: review.action }, 'learned example reviewed');
      if (form) res.redirect(303, `${rootOf(req)}/admin/gaps#learned`);
      else res.json(example);
    } catch (err) {
      if (err instanceof ReviewError) {
        next(err.status === 404 ? new NotFoundError(err.message) : new HttpError(409, err.message));
      } else next(err);
    }
  });
}

/** The section's data for the gaps page. */
export async function learnedForPage(ctx: AppContext, root: string): Promise<string> {
  const [pending, approved, exported] = await Promise.all([
    listLearned(ctx.store, 'pending'),
    listLearned(ctx.store, 'approved'),
    listLearned(ctx.store, 'exported'),
  ]);
  return learnedSection(pending, approved, exported.length, ctx.answerer.catalogue, root);
}
