import { once } from 'node:events';
import type { Command } from 'commander';
import { listGaps } from '../../../knowledge/answer/gaps.js';
import { loadConfig } from '../../../platform/config/index.js';
import { RedisStore } from '../../../platform/store/index.js';
import { formatCounts, type GapLike, type GapReport, groupGaps } from '../../admin/gap-groups.js';
import { terminalSafe } from '../terminal.js';

export const EMBEDDED_STORE_MESSAGE =
  'REDIS_URL is not set, and the embedded store lives inside the running gateway process, so its gaps cannot be ' +
  'read from here. Open http://localhost:3000/admin/gaps (with ADMIN_USER/ADMIN_PASSWORD set), run ' +
  '`baraza gaps --url http://localhost:3000` against a running gateway, or set REDIS_URL to read them from Redis.';

/** Counts with their keys (languages, channels: user-influenced) made terminal-safe. */
const safeCounts = (rec: Record<string, number>) =>
  formatCounts(Object.fromEntries(Object.entries(rec).map(([k, n]) => [terminalSafe(k), n])));

function cut(text: string, n: number): string {
  const s = terminalSafe(text);
  const chars = [...s];
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('')}…`;
}

/** A plain-text table of the groups, biggest first; `variants` lists the other wordings under each group. */
export function formatGapTable(
  report: GapReport,
  opts: { limit?: number; variants?: number; width?: number } = {},
): string {
  if (report.total === 0) return 'No knowledge gaps recorded yet.';
  const limit = opts.limit ?? report.groups.length;
  const width = Math.max(30, opts.width ?? 60);
  const shown = report.groups.slice(0, limit);
  const rows = shown.map((g, i) => ({
    n: String(i + 1),
    asked: terminalSafe(String(g.count)),
    langs: safeCounts(g.langs),
    channels: safeCounts(g.channels),
    question: cut(g.representative, width),
    others: g.variants.slice(1, 1 + (opts.variants ?? 2)).map((v) => cut(v.text, width - 4)),
    more: Math.max(0, g.variants.length - 1 - (opts.variants ?? 2)),
  }));
  const head = {
    n: '#',
    asked: 'asked',
    langs: 'languages',
    channels: 'channels',
    question: 'question (most frequent wording)',
  };
  const w = {
    n: Math.max(head.n.length, ...rows.map((r) => r.n.length)),
    asked: Math.max(head.asked.length, ...rows.map((r) => r.asked.length)),
    langs: Math.max(head.langs.length, ...rows.map((r) => r.langs.length)),
    channels: Math.max(head.channels.length, ...rows.map((r) => r.channels.length)),
  };
  const line = (r: { n: string; asked: string; langs: string; channels: string; question: string }) =>
    `${r.n.padStart(w.n)}  ${r.asked.padStart(w.asked)}  ${r.langs.padEnd(w.langs)}  ${r.channels.padEnd(w.channels)}  ${r.question}`.trimEnd();
  const indent = ' '.repeat(w.n + w.asked + w.langs + w.channels + 8);
  const out = [
    `${terminalSafe(String(report.total))} questions in ${report.groups.length} groups · by language: ${safeCounts(report.langs)} · by channel: ${safeCounts(report.channels)}`,
    '',
    line(head),
  ];
  for (const r of rows) {
    out.push(line(r));
    for (const o of r.others) out.push(`${indent}~ ${o}`);
    if (r.more) out.push(`${indent}~ (${r.more} more wordings)`);
  }
  if (report.groups.length > limit)
    out.push('', `${report.groups.length - limit} smaller groups not shown (use --limit or --json).`);
  return out.join('\n');
}

/** The store fails fast while disconnected (no offline queue), so a one-shot command waits for the connection. */
export async function waitForRedis(store: RedisStore, timeoutMs = 5000): Promise<void> {
  if (store.client.status === 'ready') return;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    await once(store.client, 'ready', { signal: timeout });
  } catch {
    throw new Error(`cannot reach Redis at the REDIS_URL given within ${timeoutMs / 1000} s`);
  }
}

interface GapsOptions {
  json?: boolean;
  lang?: string;
  channel?: string;
  limit: string;
  url?: string;
  prefix?: string;
}

/** Reads the gaps from a running gateway's /admin/gaps.json (works with the embedded store too). */
async function gapsFromGateway(
  url: string,
  admin: { user?: string; password?: string },
  q: URLSearchParams,
): Promise<GapReport> {
  const endpoint = new URL('/admin/gaps.json', url);
  endpoint.search = q.toString();
  const headers: Record<string, string> = {};
  if (admin.user && admin.password)
    headers.authorization = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
  const res = await fetch(endpoint, { headers });
  if (!res.ok) {
    const body = await res.text();
    let why = body.slice(0, 200);
    try {
      why = (JSON.parse(body) as { error?: string }).error ?? why;
    } catch {
      /* not JSON */
    }
    throw new Error(
      `${endpoint.origin} answered ${res.status}: ${terminalSafe(why)}${res.status === 401 ? ' (set ADMIN_USER and ADMIN_PASSWORD as the gateway has them)' : ''}`,
    );
  }
  return (await res.json()) as GapReport;
}

/** Listed by `baraza --help`. */
export const examples = [
  'baraza gaps',
  'baraza gaps --lang sw --json',
  'baraza gaps --url http://localhost:3000',
] as const;

export function register(program: Command): void {
  program
    .command('gaps')
    .description(
      'list unanswered and low-confidence questions grouped by similarity, so editors know what to write next',
    )
    .option('--json', 'print the grouped report as JSON')
    .option('--lang <code>', 'only questions in this language')
    .option('--channel <channel>', 'only questions from ussd, sms or whatsapp')
    .option('--limit <n>', 'groups to show in the table', '30')
    .option('--url <url>', 'read from a running gateway (/admin/gaps.json) instead of Redis')
    .option('--prefix <prefix>', 'Redis key prefix of the deployment (default: REDIS_PREFIX)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ baraza gaps\n  $ baraza gaps --lang sw --json\n  $ baraza gaps --url http://localhost:3000\n',
    )
    .action(async (opts: GapsOptions) => {
      const config = loadConfig();
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write(`--limit must be a whole number above 0, got "${opts.limit}"\n`);
        process.exitCode = 2;
        return;
      }
      let report: GapReport;
      try {
        if (opts.url) {
          const q = new URLSearchParams();
          if (opts.lang) q.set('lang', opts.lang);
          if (opts.channel) q.set('channel', opts.channel);
          report = await gapsFromGateway(opts.url, config.admin, q);
        } else {
          if (!config.redisUrl) {
            process.stderr.write(`${EMBEDDED_STORE_MESSAGE}\n`);
            process.exitCode = 1;
            return;
          }
          const store = new RedisStore(config.redisUrl, opts.prefix ?? config.redisPrefix);
          let gaps: GapLike[];
          try {
            await waitForRedis(store);
            gaps = await listGaps(store);
          } finally {
            await store.close();
          }
          report = groupGaps(
            gaps.filter((g) => (!opts.lang || g.lang === opts.lang) && (!opts.channel || g.channel === opts.channel)),
          );
        }
      } catch (err) {
        process.stderr.write(`baraza gaps: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : `${formatGapTable(report, { limit, width: Math.max(40, (process.stdout.columns ?? 120) - 40) })}\n`,
      );
    });
}
