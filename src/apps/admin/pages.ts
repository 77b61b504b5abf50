/** Server-rendered admin pages: plain HTML, no scripts, everything escaped. */
import type { DeadLetter, QueueCounts, QueueName } from '../../platform/queue/index.js';
import { formatCounts, type GapReport } from './gap-groups.js';

export function escapeHtml(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232b;background:#f3f5f7}
header{background:#0b6e4f;color:#fff;padding:.7rem 1rem;display:flex;gap:1.2rem;align-items:baseline;flex-wrap:wrap}
header h1{font-size:1.15rem;margin:0}header a{color:#d9f2e8}
main{padding:1rem;max-width:80rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{border:1px solid #d8dde3;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.summary{display:flex;gap:1rem;flex-wrap:wrap;margin:.5rem 0 1rem}.summary div{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:.4rem .7rem}
details summary{cursor:pointer;color:#0b5cad}ul.variants{margin:.3rem 0 0 1rem;padding:0}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font-size:.8rem}
form.filters{display:flex;gap:.5rem;align-items:end;margin-bottom:.8rem;flex-wrap:wrap}
form.filters label{display:flex;flex-direction:column;font-size:.8rem}
.muted{color:#5d6875}
`;

/** `root` is where the gateway is mounted ('' at the root of the app, '/baraza' under a host app's path). */
function layout(title: string, body: string, root = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Baraza admin</title><style>${STYLE}</style></head>
<body><header><h1>Baraza admin</h1><a href="${root}/admin/queues">Queues</a><a href="${root}/admin/gaps">Knowledge gaps</a><a href="${root}/metrics">Metrics</a></header>
<main>${body}</main></body></html>`;
}

export function adminIndexPage(queueKind: string, root = ''): string {
  return layout(
    'Home',
    `<h2>Operator pages</h2><ul>
<li><a href="${root}/admin/queues">Queues</a> <span class="muted">(${escapeHtml(queueKind === 'bullmq' ? 'Bull Board' : 'embedded queue summary')}; JSON at <a href="${root}/admin/queues.json">/admin/queues.json</a>)</span></li>
<li><a href="${root}/admin/gaps">Knowledge gaps</a> <span class="muted">(questions answered badly or not at all, grouped; JSON at <a href="${root}/admin/gaps.json">/admin/gaps.json</a>)</span></li>
<li><a href="${root}/metrics">Prometheus metrics</a>, <a href="${root}/readyz">readiness</a></li></ul>`,
    root,
  );
}

export interface QueueSummary {
  backend: string;
  queues: { name: QueueName; counts: QueueCounts; deadLetters: DeadLetter[] }[];
}

export function queuesPage(s: QueueSummary, scrub: (text: string) => string, root = ''): string {
  const states: (keyof QueueCounts)[] = ['waiting', 'active', 'delayed', 'completed', 'failed'];
  const rows = s.queues
    .map(
      (q) =>
        `<tr><th>${escapeHtml(q.name)}</th>${states.map((st) => `<td class="n">${q.counts[st]}</td>`).join('')}</tr>`,
    )
    .join('');
  const dead = s.queues
    .flatMap((q) =>
      q.deadLetters.map(
        (d) =>
          `<tr><td>${escapeHtml(q.name)}</td><td>${escapeHtml(d.id)}</td><td>${escapeHtml(d.name)}</td><td class="n">${d.attemptsMade}</td><td>${escapeHtml(scrub(d.error))}</td><td><pre>${escapeHtml(scrub(JSON.stringify(d.data, null, 1)))}</pre></td></tr>`,
      ),
    )
    .join('');
  return layout(
    'Queues',
    `<h2>Queues <span class="muted">(${escapeHtml(s.backend)} backend)</span></h2>
<p class="muted">The embedded backend keeps jobs in this process only; set REDIS_URL for BullMQ and the full Bull Board dashboard here.</p>
<table><thead><tr><th>queue</th>${states.map((st) => `<th>${st}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
<h3>Dead letters</h3>
${dead ? `<table><thead><tr><th>queue</th><th>job</th><th>name</th><th>attempts</th><th>error</th><th>data (numbers pseudonymised)</th></tr></thead><tbody>${dead}</tbody></table>` : '<p>None.</p>'}`,
    root,
  );
}

export function gapsPage(
  report: GapReport,
  filters: { lang?: string; channel?: string; langs: string[] },
  root = '',
  /** More sections below the gaps (learned examples, src/apps/admin/learned.ts), already HTML. */
  more = '',
): string {
  const groups = report.groups
    .map((g, i) => {
      const variants =
        g.variants.length > 1
          ? `<details><summary>${g.variants.length} wordings</summary><ul class="variants">${g.variants
              .map((v) => `<li>${escapeHtml(v.text)} <span class="muted">×${v.count}</span></li>`)
              .join('')}</ul></details>`
          : '';
      return `<tr><td class="n">${i + 1}</td><td><strong>${escapeHtml(g.representative)}</strong>${variants}</td><td class="n">${g.count}</td><td>${escapeHtml(formatCounts(g.langs))}</td><td>${escapeHtml(formatCounts(g.channels))}</td><td class="n">${g.unanswered}</td><td class="n">${g.meanConfidence ?? ''}</td><td>${escapeHtml(g.nearest ?? '')}</td><td>${escapeHtml(g.lastAt?.slice(0, 16).replace('T', ' ') ?? '')}</td></tr>`;
    })
    .join('');
  const opt = (v: string | undefined, values: string[]) =>
    `<option value="">all</option>${values.map((x) => `<option${x === v ? ' selected' : ''}>${escapeHtml(x)}</option>`).join('')}`;
  return layout(
    'Knowledge gaps',
    `<h2>Knowledge gaps</h2>
<p class="muted">Questions the packs could not answer, or answered with low confidence, grouped by similarity. Write entries for the biggest groups first.</p>
<div class="summary"><div><strong>${report.total}</strong> questions</div><div><strong>${report.groups.length}</strong> groups</div>
<div>by language: ${escapeHtml(formatCounts(report.langs) || '–')}</div><div>by channel: ${escapeHtml(formatCounts(report.channels) || '–')}</div></div>
<form class="filters" method="get" action="${root}/admin/gaps">
<label>Language<select name="lang">${opt(filters.lang, filters.langs)}</select></label>
<label>Channel<select name="channel">${opt(filters.channel, ['ussd', 'sms', 'whatsapp'])}</select></label>
<button type="submit">Filter</button></form>
${
  report.groups.length
    ? `<table><thead><tr><th>#</th><th>question (most frequent wording)</th><th>asked</th><th>languages</th><th>channels</th><th>no answer</th><th>mean confidence</th><th>nearest entry</th><th>last asked (UTC)</th></tr></thead><tbody>${groups}</tbody></table>`
    : '<p>No knowledge gaps recorded yet.</p>'
}${more}`,
    root,
  );
}
