/**
 * The USSD dialogue as pure functions: (state, input) -> (state, screen, effect). The route does the I/O
 * (session store, queue, deadline) around `stepUssd`.
 */
import type { Catalogue } from '../../core/answers.js';
import { encodingOf, normaliseForSms, paginateUssd, renderMarkdown, unitsIn } from '../../core/shaping/index.js';
import {
  browseRoot,
  menuItems,
  type PackMenuItem,
  type PackMenuNode,
  type PackMenuTarget,
  parentOf,
  sameNode,
} from '../menus/pack-menus.js';
import { FULL_ANSWER_KEY, type FullAnswerRef } from './full-answer.js';

interface MenuItem {
  label: string;
  /** `browse` is where the loaded packs go (see mainChoices). */
  action: 'ask' | 'browse' | 'language' | 'exit';
}

export interface UssdMenus {
  main: MenuItem[];
  languages: { code: string; label: string }[];
}

export type Screen =
  | { kind: 'main' }
  | { kind: 'ask' }
  | { kind: 'language' }
  | { kind: 'packs'; page: number }
  | { kind: 'topics'; pack: string; page: number }
  | { kind: 'entries'; pack: string; topic: string; page: number }
  | { kind: 'answer'; pages: string[]; page: number; back: Screen; sms?: FullAnswerRef }
  | { kind: 'resume'; saved: Screen };

export interface UssdState {
  sessionId: string;
  lang: string;
  screen: Screen;
  /** The AT `text` of the previous hop: the new input is what follows it. */
  lastText: string;
  hops: number;
}

export interface UssdDeps {
  catalogue: Catalogue;
  menus: UssdMenus;
  maxChars: number;
  t: (lang: string, key: string, vars?: Record<string, unknown>) => string;
}

type UssdEffect =
  | { kind: 'question'; text: string }
  | { kind: 'set-language'; lang: string }
  | { kind: 'full-answer'; ref: FullAnswerRef }
  | undefined;

export interface UssdStep {
  state: UssdState;
  /** Screen text without the CON/END prefix. */
  text: string;
  end: boolean;
  effect: UssdEffect;
}

/** What the user typed on this hop, given AT's cumulative `*`-joined history. */
export function newInput(text: string, lastText: string | undefined): string {
  if (lastText === undefined || lastText === '') return text;
  if (text.startsWith(`${lastText}*`)) return text.slice(lastText.length + 1);
  if (text === lastText) return '';
  const parts = text.split('*');
  return parts[parts.length - 1] ?? '';
}

const MORE = '9';
const BACK = '0';

/** A screen fits when its units do: GSM-7 holds maxChars (extension characters count 2), UCS-2 half of it. */
function fitsUssdScreen(text: string, maxChars: number): boolean {
  const encoding = encodingOf(text);
  return unitsIn(text, encoding) <= (encoding === 'GSM-7' ? maxChars : Math.floor(maxChars / 2));
}

/** Menu text as the handset gets it: typography and (per the language's policy) diacritics made GSM-7. */
const plain = (text: string, lang: string) => normaliseForSms(text, lang);

interface ListPage {
  lines: string[];
  hasMore: boolean;
  /** Indexes into the full item list, by the number shown (1-based position on the page). */
  indexes: number[];
}

/** Fits as many numbered items as the screen holds, with the title and the More/Back footer. */
function pageOfList(rawTitle: string, rawItems: string[], page: number, deps: UssdDeps, lang: string): ListPage {
  // Normalised first, so a French or Swahili list stays GSM-7 and keeps the whole screen (UCS-2 holds half).
  const title = plain(rawTitle, lang);
  const items = rawItems.map((item) => plain(item, lang));
  const more = plain(`${MORE} ${deps.t(lang, 'ussd:nav.more')}`, lang);
  const back = plain(`${BACK} ${deps.t(lang, 'ussd:nav.back')}`, lang);
  const maxLine = Math.max(12, deps.maxChars - title.length - more.length - back.length - 6);
  // Pages are computed from the start so numbering is stable however often the user goes back and forth.
  let start = 0;
  for (let p = 0; ; p++) {
    const lines: string[] = [];
    const indexes: number[] = [];
    let i = start;
    for (; i < items.length && indexes.length < 8; i++) {
      const full = `${indexes.length + 1} ${items[i]}`;
      const line = full.length > maxLine ? `${full.slice(0, maxLine - 3).trimEnd()}...` : full;
      const footer = i + 1 < items.length ? [more, back] : [back];
      if (!fitsUssdScreen([title, ...lines, line, ...footer].join('\n'), deps.maxChars) && indexes.length > 0) break;
      lines.push(line);
      indexes.push(i);
    }
    const hasMore = i < items.length;
    if (p === page || !hasMore) {
      return { lines: [title, ...lines, ...(hasMore ? [more] : []), back], hasMore, indexes };
    }
    start = i;
  }
}

type MainChoice = { label: string } & ({ action: 'ask' | 'language' | 'exit' } | { action: 'open'; screen: Screen });
type BrowseScreen = Extract<Screen, { kind: 'packs' | 'topics' | 'entries' }>;

const mainText = (deps: UssdDeps, lang: string, choices: MainChoice[]) =>
  [deps.t(lang, 'ussd:main.title'), ...choices.map((c, i) => `${i + 1} ${c.label}`)].join('\n');

function browseScreen(node: PackMenuNode): BrowseScreen {
  if (node.kind === 'packs') return { kind: 'packs', page: 0 };
  return { ...node, page: 0 };
}

const nodeOf = (screen: BrowseScreen): PackMenuNode =>
  screen.kind === 'packs'
    ? { kind: 'packs' }
    : screen.kind === 'topics'
      ? { kind: 'topics', pack: screen.pack }
      : { kind: 'entries', pack: screen.pack, topic: screen.topic };

/**
 * The main menu: menu.yaml's frame with the loaded packs in the `browse` slot, one item per pack (with one pack,
 * per topic) when they fit on the screen beside the frame, else one item opening that list.
 */
function mainChoices(deps: UssdDeps, lang: string): { choices: MainChoice[]; inline: boolean } {
  const root = browseRoot(deps.catalogue);
  const frame = (browse: (item: MenuItem) => MainChoice[]): MainChoice[] =>
    deps.menus.main.flatMap((item) =>
      item.action === 'browse' ? browse(item) : [{ label: deps.t(lang, item.label), action: item.action }],
    );
  if (!root) return { choices: frame(() => []), inline: false };
  const inline = frame(() =>
    menuItems(deps.catalogue, root, lang).map((i) => ({
      label: i.label,
      action: 'open' as const,
      screen: browseScreen(i.target as PackMenuNode),
    })),
  );
  if (inline.length <= 9 && fitsUssdScreen(plain(mainText(deps, lang, inline), lang), deps.maxChars)) {
    return { choices: inline, inline: true };
  }
  const collapsed = frame((item) => [{ label: deps.t(lang, item.label), action: 'open', screen: browseScreen(root) }]);
  return { choices: collapsed, inline: false };
}

function mainMenu(deps: UssdDeps, lang: string): string {
  return mainText(deps, lang, mainChoices(deps, lang).choices);
}

/** The title and items of a browsing screen, labels from the packs in the user's language. */
function browseList(screen: BrowseScreen, deps: UssdDeps, lang: string): { title: string; items: PackMenuItem[] } {
  const title =
    screen.kind === 'entries'
      ? `${deps.catalogue.topicTitle(screen.pack, screen.topic, lang)}:`
      : deps.t(lang, screen.kind === 'packs' ? 'ussd:packs.title' : 'ussd:topics.title');
  return { title, items: menuItems(deps.catalogue, nodeOf(screen), lang) };
}

/** One page of a browsing screen, or "nothing here" when the list is empty. */
function listScreen(screen: BrowseScreen, deps: UssdDeps, lang: string): string {
  const { title, items } = browseList(screen, deps, lang);
  if (items.length === 0) return nothingHere(deps, lang);
  return pageOfList(
    title,
    items.map((x) => x.label),
    screen.page,
    deps,
    lang,
  ).lines.join('\n');
}

/** Back from the first page of a list: its parent, or the main menu when the list's items are on it. */
function parentScreen(screen: BrowseScreen, deps: UssdDeps, lang: string): Screen {
  const parent = parentOf(deps.catalogue, nodeOf(screen));
  if (!parent) return { kind: 'main' };
  if (sameNode(parent, browseRoot(deps.catalogue)) && mainChoices(deps, lang).inline) return { kind: 'main' };
  return browseScreen(parent);
}

function nothingHere(deps: UssdDeps, lang: string): string {
  return `${deps.t(lang, 'ussd:nothing')}\n${BACK} ${deps.t(lang, 'ussd:nav.back')}`;
}

/** Renders a screen; answers are pre-paginated, menus are paginated here. */
export function renderScreen(screen: Screen, lang: string, deps: UssdDeps): string {
  // Answer pages come shaped from paginateUssd; every other screen is normalised here.
  return screen.kind === 'answer' ? (screen.pages[screen.page] ?? '') : plain(renderMenu(screen, lang, deps), lang);
}

function renderMenu(screen: Exclude<Screen, { kind: 'answer' }>, lang: string, deps: UssdDeps): string {
  switch (screen.kind) {
    case 'main':
      return mainMenu(deps, lang);
    case 'ask':
      return deps.t(lang, 'ussd:ask.prompt');
    case 'language':
      return [deps.t(lang, 'ussd:language.title'), ...deps.menus.languages.map((l, i) => `${i + 1} ${l.label}`)].join(
        '\n',
      );
    case 'packs':
    case 'topics':
    case 'entries':
      return listScreen(screen, deps, lang);
    case 'resume':
      return [
        deps.t(lang, 'ussd:resume.prompt'),
        `1 ${deps.t(lang, 'ussd:resume.yes')}`,
        `2 ${deps.t(lang, 'ussd:resume.no')}`,
      ].join('\n');
  }
}

/** Paginates an answer text into screens with "1 More" / "0 Back" footers (and the SMS offer, last, if any). */
export function answerScreen(text: string, back: Screen, lang: string, deps: UssdDeps, sms?: FullAnswerRef): Screen {
  const pages = paginateUssd(plain(text, lang), deps.maxChars, {
    more: plain(`1 ${deps.t(lang, 'ussd:nav.more')}`, lang),
    back: plain(`${BACK} ${deps.t(lang, 'ussd:nav.back')}`, lang),
    ...(sms ? { last: plain(`${FULL_ANSWER_KEY} ${deps.t(lang, 'ussd:nav.fullSms')}`, lang) } : {}),
  }).map((p) => p.screen);
  return { kind: 'answer', pages, page: 0, back, ...(sms ? { sms } : {}) };
}

function show(state: UssdState, screen: Screen, deps: UssdDeps, effect?: UssdEffect): UssdStep {
  const next = { ...state, screen };
  return { state: next, text: renderScreen(screen, next.lang, deps), end: false, effect };
}

/** The same screen again with a short hint on top (when it still fits), never an error. */
function invalid(state: UssdState, deps: UssdDeps, hintKey = 'ussd:invalid'): UssdStep {
  const screenText = renderScreen(state.screen, state.lang, deps);
  const joined = plain(`${deps.t(state.lang, hintKey)}\n${screenText}`, state.lang);
  return { state, text: fitsUssdScreen(joined, deps.maxChars) ? joined : screenText, end: false, effect: undefined };
}

function entryScreen(pack: string, entryId: string, lang: string, back: Screen, deps: UssdDeps): Screen | undefined {
  const entry = deps.catalogue.entry(pack, entryId, lang);
  if (!entry) return undefined;
  const text = entry.summary ? `${entry.summary}\n${entry.body}` : entry.body;
  const plain = renderMarkdown(text, 'plain');
  const tag = entry.source ? ` [${entry.source.split(/[,(—–-]/)[0]!.trim()}]` : '';
  return answerScreen(plain + tag, back, lang, deps);
}

/** One hop of the dialogue. `input` is what the user typed on this hop. */
export function stepUssd(state: UssdState, input: string, deps: UssdDeps): UssdStep {
  const choice = input.trim();
  const s = { ...state, hops: state.hops + 1 };
  const screen = s.screen;
  const isNumber = /^\d+$/.test(choice);
  const pick = isNumber ? Number.parseInt(choice, 10) : Number.NaN;

  switch (screen.kind) {
    case 'resume':
      if (choice === '1') return show(s, screen.saved, deps);
      if (choice === '2') return show(s, { kind: 'main' }, deps);
      return invalid(s, deps);
    case 'main': {
      const item = isNumber ? mainChoices(deps, s.lang).choices[pick - 1] : undefined;
      if (!item) return invalid(s, deps);
      if (item.action === 'ask') return show(s, { kind: 'ask' }, deps);
      if (item.action === 'language') return show(s, { kind: 'language' }, deps);
      if (item.action === 'open') return show(s, item.screen, deps);
      return {
        state: { ...s, screen: { kind: 'main' } },
        text: plain(deps.t(s.lang, 'ussd:goodbye'), s.lang),
        end: true,
        effect: undefined,
      };
    }
    case 'ask':
      if (choice === '') return invalid(s, deps, 'ussd:empty');
      return { state: s, text: '', end: false, effect: { kind: 'question', text: choice } };
    case 'language': {
      const lang = isNumber ? deps.menus.languages[pick - 1] : undefined;
      if (!lang) return invalid(s, deps);
      const next: UssdState = { ...s, lang: lang.code, screen: { kind: 'main' } };
      const menu = renderScreen(next.screen, lang.code, deps);
      const text = plain(`${deps.t(lang.code, 'ussd:language.saved')}\n${menu}`, lang.code);
      return {
        state: next,
        text: fitsUssdScreen(text, deps.maxChars) ? text : menu,
        end: false,
        effect: { kind: 'set-language', lang: lang.code },
      };
    }
    case 'packs':
    case 'topics':
    case 'entries': {
      if (choice === BACK)
        return show(
          s,
          screen.page > 0 ? { ...screen, page: screen.page - 1 } : parentScreen(screen, deps, s.lang),
          deps,
        );
      const { title, items } = browseList(screen, deps, s.lang);
      const page = pageOfList(
        title,
        items.map((x) => x.label),
        screen.page,
        deps,
        s.lang,
      );
      if (choice === MORE && page.hasMore) return show(s, { ...screen, page: screen.page + 1 }, deps);
      const idx = isNumber ? page.indexes[pick - 1] : undefined;
      const target: PackMenuTarget | undefined = idx !== undefined ? items[idx]?.target : undefined;
      if (!target) return invalid(s, deps);
      if (target.kind !== 'entry') return show(s, browseScreen(target), deps);
      const next = entryScreen(target.pack, target.entry, s.lang, screen, deps);
      return next ? show(s, next, deps) : invalid(s, deps);
    }
    case 'answer': {
      if (choice === '1' && screen.page + 1 < screen.pages.length)
        return show(s, { ...screen, page: screen.page + 1 }, deps);
      if (choice === BACK) return show(s, screen.page > 0 ? { ...screen, page: screen.page - 1 } : screen.back, deps);
      if (choice === FULL_ANSWER_KEY && screen.sms && screen.page + 1 === screen.pages.length) {
        const sent = plain(deps.t(screen.sms.lang, 'ussd:fullSms.sent'), screen.sms.lang);
        const onPage = `${sent}\n${renderScreen(screen, s.lang, deps)}`;
        const text = fitsUssdScreen(onPage, deps.maxChars)
          ? onPage
          : `${sent}\n${plain(`${BACK} ${deps.t(screen.sms.lang, 'ussd:nav.back')}`, screen.sms.lang)}`;
        return { state: s, text, end: false, effect: { kind: 'full-answer', ref: screen.sms } };
      }
      return invalid(s, deps);
    }
  }
}

/** A new session; replays a dial-in shortcut such as `*384*12*1*2#` (text "1*2" on the first hop). */
export function startUssd(sessionId: string, lang: string, text: string, deps: UssdDeps): UssdStep {
  const step: UssdStep = {
    state: { sessionId, lang, screen: { kind: 'main' }, lastText: '', hops: 0 },
    text: renderScreen({ kind: 'main' }, lang, deps),
    end: false,
    effect: undefined,
  };
  return text === '' ? step : applyInputs(step, text.split('*'), deps);
}

/**
 * A later hop of a session. Africa's Talking sends every input so far joined by `*`, and one hop can carry
 * several new ones (a retried request, a user typing ahead): each is applied in turn. A hop with nothing new
 * (the carrier retried it) gets the same screen again.
 */
export function continueUssd(state: UssdState, text: string, deps: UssdDeps): UssdStep {
  const last = state.lastText ?? '';
  const same: UssdStep = { state, text: renderScreen(state.screen, state.lang, deps), end: false, effect: undefined };
  if (text === last) return same;
  let fresh: string;
  if (last === '') fresh = text;
  else if (text.startsWith(`${last}*`)) fresh = text.slice(last.length + 1);
  // The history no longer extends what we saw (a carrier quirk): take its last input alone.
  else fresh = text.split('*').at(-1) ?? '';
  return applyInputs({ ...same, text: '' }, fresh.split('*'), deps);
}

/** Inputs in order until the session ends or asks a question; free text after "ask" keeps any '*' typed. */
function applyInputs(start: UssdStep, parts: string[], deps: UssdDeps): UssdStep {
  let step = start;
  for (let i = 0; i < parts.length; i++) {
    if (step.state.screen.kind === 'ask') {
      step = stepUssd(step.state, parts.slice(i).join('*'), deps);
      break;
    }
    step = stepUssd(step.state, parts[i]!, deps);
    if (step.end || step.effect?.kind === 'question') break;
  }
  return step;
}
