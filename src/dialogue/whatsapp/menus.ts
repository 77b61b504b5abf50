/**
 * WhatsApp-only turns: menus as reply buttons and lists, taps on them, and message types we cannot read.
 * Plain questions return undefined and are answered by the messaging module like any SMS.
 */
import type { Catalogue } from '../../core/answers.js';
import type { InboundMessage, ListRow, OutboundMessage } from '../../core/messages/index.js';
import { truncateText as clip, WHATSAPP_LIMITS } from '../../core/shaping/index.js';
import type { AppContext } from '../../platform/context.js';
import { loadProfile, updateProfile } from '../../platform/subscribers.js';
import { browseRoot, menuItems, nodeLabel, type PackMenuTarget } from '../menus/pack-menus.js';

/** Rows per list page when a "more" row is needed. */
const PAGE_ROWS = WHATSAPP_LIMITS.listRows - 1;

export type MenuAction =
  | { kind: 'main'; page: number }
  | { kind: 'ask' }
  | { kind: 'pack'; pack: string; page: number }
  | { kind: 'topic'; pack: string; topic: string; page: number }
  | { kind: 'entry'; pack: string; entry: string };

const pageOf = (s: string | undefined) => (s !== undefined && /^\d{1,3}$/.test(s) ? Number(s) : 0);

/**
 * Button and row ids are ours (`menu:ask`, `menu:main[:page]`, `pack:<pack>[:page]`, `topic:<pack>:<topic>[:page]`,
 * `entry:<pack>:<id>`).
 */
export function parseActionId(id: string): MenuAction | undefined {
  const [kind, a, b, c] = id.split(':');
  switch (kind) {
    case 'menu':
      return a === 'ask' ? { kind: 'ask' } : a === 'main' ? { kind: 'main', page: pageOf(b) } : undefined;
    case 'pack':
      return a ? { kind: 'pack', pack: a, page: pageOf(b) } : undefined;
    case 'topic':
      return a && b ? { kind: 'topic', pack: a, topic: b, page: pageOf(c) } : undefined;
    case 'entry':
      return a && b ? { kind: 'entry', pack: a, entry: b } : undefined;
    default:
      return undefined;
  }
}

const normaliseWords = (text: string): string[] =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);

/**
 * A message that is only a greeting or "menu" (any UI language) opens the main menu; a greeting followed by a
 * question ("habari, nipande mahindi lini?") is a question. Returns the language the greeting is in.
 */
function greetingLanguage(ctx: Pick<AppContext, 'i18n'>, text: string): string | undefined {
  const words = normaliseWords(text);
  if (words.length === 0 || words.length > 3 || text.includes('?')) return undefined;
  const phrase = words.join(' ');
  for (const lang of ctx.i18n.languages) {
    const greetings = ctx.i18n
      .t(lang, 'whatsapp:greetings')
      .split(',')
      .map((g) => normaliseWords(g).join(' '))
      .filter(Boolean);
    if (greetings.includes(phrase)) return lang;
    if (words.length <= 2 && greetings.includes(words[0]!)) return lang;
  }
  return undefined;
}

/** The id of the button or row that leads to a pack menu target. */
function targetId(target: PackMenuTarget): string {
  switch (target.kind) {
    case 'packs':
      return 'menu:main';
    case 'topics':
      return `pack:${target.pack}`;
    case 'entries':
      return `topic:${target.pack}:${target.topic}`;
    case 'entry':
      return `entry:${target.pack}:${target.entry}`;
  }
}

/** Up to 10 rows; longer lists get 9 rows and a "more" row pointing at the next page. */
function pageRows(rows: ListRow[], page: number, moreId: (page: number) => string, moreTitle: string): ListRow[] {
  if (rows.length <= WHATSAPP_LIMITS.listRows) return rows;
  const start = page * PAGE_ROWS;
  const slice = rows.slice(start, start + PAGE_ROWS);
  return start + PAGE_ROWS < rows.length ? [...slice, { id: moreId(page + 1), title: moreTitle }] : slice;
}

/** A row title within 24 characters; the full text moves to the description when it had to be cut. */
function row(id: string, title: string): ListRow {
  const short = clip(title, WHATSAPP_LIMITS.listRowTitle);
  return short === title
    ? { id, title }
    : { id, title: short, description: clip(title, WHATSAPP_LIMITS.listRowDescription) };
}

interface Turn {
  ctx: AppContext;
  msg: InboundMessage;
  lang: string;
  t: (key: string, vars?: Record<string, unknown>) => string;
  out: OutboundMessage[];
}

function reply(turn: Turn, text: string, extra: Pick<OutboundMessage, 'buttons' | 'list'> = {}): void {
  const { msg } = turn;
  const n = turn.out.length;
  turn.out.push({
    id: n === 0 ? `reply:${msg.id}` : `reply:${msg.id}:${n}`,
    channel: 'whatsapp',
    provider: msg.provider,
    to: msg.from,
    text,
    kind: 'reply',
    replyTo: msg.id,
    ...extra,
    createdAt: new Date(turn.ctx.now()).toISOString(),
  });
}

/**
 * "Ask" and the loaded packs (with one pack, its topics): reply buttons when three or fewer, else a list, paged
 * with a "more" row. Labels come from the packs in the user's language.
 */
function mainMenu(turn: Turn, catalogue: Catalogue, page = 0): void {
  const root = browseRoot(catalogue);
  const items = [
    { id: 'menu:ask', title: turn.t('whatsapp:menu.ask') },
    ...(root ? menuItems(catalogue, root, turn.lang) : []).map((i) => ({ id: targetId(i.target), title: i.label })),
  ];
  if (items.length <= WHATSAPP_LIMITS.buttons) {
    reply(turn, turn.t('whatsapp:menu.body'), {
      buttons: items.map((i) => ({ id: i.id, title: clip(i.title, WHATSAPP_LIMITS.buttonTitle) })),
    });
    return;
  }
  const rows = pageRows(
    items.map((i) => row(i.id, i.title)),
    page,
    (p) => `menu:main:${p}`,
    turn.t('whatsapp:more'),
  );
  reply(turn, turn.t('whatsapp:menu.body'), { list: { button: turn.t('whatsapp:menu.listButton'), rows } });
}

function topicsOf(turn: Turn, catalogue: Catalogue, packId: string, page: number): void {
  const node = { kind: 'topics', pack: packId } as const;
  const items = menuItems(catalogue, node, turn.lang);
  if (items.length === 0) {
    reply(turn, turn.t('whatsapp:notFound'));
    return;
  }
  const rows = items.map((i) => row(targetId(i.target), i.label));
  reply(turn, turn.t('whatsapp:topics.body', { pack: nodeLabel(catalogue, node, turn.lang) }), {
    list: {
      button: turn.t('whatsapp:topics.button'),
      rows: pageRows(rows, page, (p) => `pack:${packId}:${p}`, turn.t('whatsapp:more')),
    },
  });
}

async function entriesOf(turn: Turn, catalogue: Catalogue, packId: string, topic: string, page: number): Promise<void> {
  const entries = menuItems(catalogue, { kind: 'entries', pack: packId, topic }, turn.lang);
  if (entries.length === 0) {
    reply(turn, turn.t('whatsapp:notFound'));
    return;
  }
  await updateProfile(turn.ctx.store, turn.msg.from, (p) => {
    p.lastTopic = topic;
  });
  const rows = entries.map((e) => row(targetId(e.target), e.label));
  reply(turn, turn.t('whatsapp:entries.body', { topic: catalogue.topicTitle(packId, topic, turn.lang) }), {
    list: {
      button: turn.t('whatsapp:entries.button'),
      rows: pageRows(rows, page, (p) => `topic:${packId}:${topic}:${p}`, turn.t('whatsapp:more')),
    },
  });
}

/** The full entry, with its full source: WhatsApp has room for what SMS and USSD cannot carry. */
function entryText(turn: Pick<Turn, 't'>, entry: NonNullable<ReturnType<Catalogue['entry']>>): string {
  const footer = [
    turn.t('whatsapp:entry.source', { source: entry.source }),
    ...(entry.fallback ? [turn.t('whatsapp:entry.fallback')] : []),
    turn.t('whatsapp:entry.more'),
  ].join('\n');
  const head = `*${entry.title}*\n\n`;
  const room = WHATSAPP_LIMITS.text - head.length - footer.length - 2;
  return `${head}${clip(entry.body.trim() || entry.summary || '', Math.max(room, 1))}\n\n${footer}`;
}

function turnFor(ctx: AppContext, msg: InboundMessage, lang: string): Turn {
  return { ctx, msg, lang, t: (key, vars) => ctx.i18n.t(lang, key, vars), out: [] };
}

/**
 * A tap on a reply button or list row, dispatched by its id alone: its title is never read as a keyword or a
 * question (a "Vidokezo vya kilimo" button opens the topics, it does not subscribe to tips). A tap whose id is
 * not ours (an old message, another app's template) says the choice is gone.
 */
export async function handleWhatsappTap(ctx: AppContext, msg: InboundMessage): Promise<OutboundMessage[]> {
  const profile = await loadProfile(ctx.store, msg.from);
  const lang = profile.lang ?? msg.localeHint ?? 'en';
  const turn = turnFor(ctx, msg, lang);
  const catalogue = ctx.answerer.catalogue;
  const action = msg.interactive ? parseActionId(msg.interactive.id) : undefined;
  switch (action?.kind) {
    case undefined:
      reply(turn, turn.t('whatsapp:notFound'));
      break;
    case 'main':
      mainMenu(turn, catalogue, action.page);
      break;
    case 'ask':
      reply(turn, turn.t('whatsapp:ask'));
      break;
    case 'pack':
      topicsOf(turn, catalogue, action.pack, action.page);
      break;
    case 'topic':
      await entriesOf(turn, catalogue, action.pack, action.topic, action.page);
      break;
    case 'entry': {
      const entry = catalogue.entry(action.pack, action.entry, lang);
      if (!entry) reply(turn, turn.t('whatsapp:notFound'));
      else reply(turn, entryText(turn, entry));
      break;
    }
  }
  return turn.out;
}

/**
 * Replies for WhatsApp-only turns (taps, media we cannot read, a location, a greeting that opens the menu), or
 * undefined when `msg` is a plain question for the messaging module.
 */
export async function handleWhatsappSpecial(
  ctx: AppContext,
  msg: InboundMessage,
): Promise<OutboundMessage[] | undefined> {
  if (msg.channel !== 'whatsapp') return undefined;
  if (msg.interactive) return handleWhatsappTap(ctx, msg);
  const profile = await loadProfile(ctx.store, msg.from);
  const greeting = msg.unsupported || msg.location ? undefined : greetingLanguage(ctx, msg.text);
  const lang = profile.lang ?? greeting ?? msg.localeHint ?? 'en';
  const turn = turnFor(ctx, msg, lang);
  if (msg.unsupported) reply(turn, turn.t('whatsapp:unsupported'));
  else if (msg.location) reply(turn, turn.t('whatsapp:location'));
  else if (greeting) mainMenu(turn, ctx.answerer.catalogue);
  else return undefined;
  return turn.out;
}
