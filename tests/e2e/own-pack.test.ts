/**
 * Issue 11, "done means": with PACKS_DIR set to a pack the project never saw (tests/fixtures/packs/
 * own-pack-beekeeping: no code, menu or locale names it), a USSD user reaches every entry through the menus within
 * three choices, and a WhatsApp user through lists, in en, sw and fr. The whole product runs in-process as
 * `npm start` does and is driven over HTTP only, with Africa's Talking and Meta payloads.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Catalogue } from '../../src/core/answers.js';
import { normaliseForSms } from '../../src/core/shaping/index.js';
import { createTranslator, type Translator } from '../../src/platform/i18n/index.js';
import { sendWhatsapp, ussdHop } from '../observability/traffic.js';
import { type RunningGateway, startGateway, waitFor } from './gateway.js';

const PACK = path.resolve('tests', 'fixtures', 'packs', 'own-pack-beekeeping');
const LANGS = ['en', 'sw', 'fr'] as const;
const MAX_CHOICES = 3;

let gw: RunningGateway;
let catalogue: Catalogue;
let i18n: Translator;

beforeAll(async () => {
  // Each WhatsApp tap counts against the per-subscriber message limit (6 a minute by default); walking every
  // entry in one minute takes more.
  gw = await startGateway({ env: { PACKS_DIR: PACK, RATE_LIMIT_PER_MINUTE: '60' } });
  catalogue = gw.rt.answerer.catalogue;
  i18n = await createTranslator();
}, 60_000);
afterAll(() => gw?.close());

/** Every entry of the pack with the start of the text a user should see for it in `lang`. */
function expectedEntries(lang: string): Map<string, string> {
  const pack = catalogue.packs()[0]!;
  const out = new Map<string, string>();
  for (const topic of pack.topics) {
    for (const { id } of catalogue.entries(pack.id, topic, lang)) {
      const e = catalogue.entry(pack.id, id, lang)!;
      out.set(id, normaliseForSms(e.summary ?? e.body, lang).slice(0, 30));
    }
  }
  return out;
}

let seq = 0;
const numbers = new Map<string, string>();
const phoneFor = (lang: string) => {
  if (!numbers.has(lang)) numbers.set(lang, `+2547119${String(10000 + LANGS.indexOf(lang as never) * 100 + seq++)}`);
  return numbers.get(lang)!;
};

/** One USSD session: each press re-sends AT's whole `*`-joined history. */
async function session(phone: string, inputs: string[]): Promise<string> {
  const id = `ATUid_ownpack_${++seq}_${Date.now()}`;
  const sent: string[] = [];
  let body = (await ussdHop(gw.url, { sessionId: id, phone, text: '' })).body;
  // The previous exploration dropped its session mid-menu: start again rather than resume it.
  if (LANGS.some((l) => body.startsWith(`CON ${normaliseForSms(i18n.t(l, 'ussd:resume.prompt'), l)}`))) {
    sent.push('2');
    body = (await ussdHop(gw.url, { sessionId: id, phone, text: sent.join('*') })).body;
  }
  for (const input of inputs) {
    sent.push(input);
    body = (await ussdHop(gw.url, { sessionId: id, phone, text: sent.join('*') })).body;
  }
  expect(body).toMatch(/^(CON|END) /);
  expect(body.length - 4).toBeLessThanOrEqual(160);
  return body.slice(4);
}

const items = (screen: string) =>
  screen
    .split('\n')
    .map((l) => /^(\d) (.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ key: m[1]!, label: m[2]! }));

describe.each(LANGS)('USSD on a pack the project never saw (%s)', (lang) => {
  it(`reaches every entry through the menus within ${MAX_CHOICES} choices`, async () => {
    const phone = phoneFor(lang);
    const t = (key: string) => normaliseForSms(i18n.t(lang, key), lang);
    // Choose the language from the menu (English until then); the profile keeps it for later sessions.
    const first = await session(phone, []);
    const change = items(first).find((i) => i.label === normaliseForSms(i18n.t('en', 'ussd:main.language'), 'en'))!;
    const languages = await session(phone, [change.key]);
    const pick = items(languages).find((i) => i.label === { en: 'English', sw: 'Kiswahili', fr: 'Francais' }[lang])!;
    await session(phone, [change.key, pick.key]);

    // The main menu carries the pack's topics in the user's language (one pack: no pack level).
    const main = await session(phone, []);
    const pack = catalogue.packs()[0]!;
    const topicLabels = pack.topics.map((topic) => normaliseForSms(catalogue.topicTitle(pack.id, topic, lang), lang));
    expect(items(main).map((i) => i.label)).toEqual(
      expect.arrayContaining([t('ussd:main.ask'), ...topicLabels, t('ussd:main.language'), t('ussd:main.exit')]),
    );
    const frame = new Set([t('ussd:main.ask'), t('ussd:main.language'), t('ussd:main.exit')]);

    // Breadth first over every menu path; "More" pages do not count as a choice.
    const expected = expectedEntries(lang);
    const reached = new Map<string, string[]>();
    const queue: { path: string[]; choices: number }[] = [{ path: [], choices: 0 }];
    while (queue.length > 0) {
      const { path: p, choices } = queue.shift()!;
      const screen = await session(phone, p);
      const entry = [...expected].find(([, start]) => screen.startsWith(start));
      if (entry) {
        if (!reached.has(entry[0])) reached.set(entry[0], p);
        continue;
      }
      if (choices === MAX_CHOICES) continue;
      for (const item of items(screen)) {
        if (p.length === 0 && frame.has(item.label)) continue;
        if (item.label === t('ussd:nav.back')) continue;
        if (item.label === t('ussd:nav.more')) queue.push({ path: [...p, item.key], choices });
        else queue.push({ path: [...p, item.key], choices: choices + 1 });
      }
    }
    expect([...reached.keys()].sort()).toEqual([...expected.keys()].sort());
  }, 60_000);
});

/** Posts a Meta webhook signed as the simulator does, and returns the reply that arrives in the outbox. */
async function whatsapp(phone: string, message: Parameters<typeof sendWhatsapp>[1]['message']) {
  const outbox = async () =>
    (await (await fetch(`${gw.url}/simulator/api/outbox?to=${encodeURIComponent(phone)}`)).json()) as {
      text: string;
      buttons?: { id: string; title: string }[];
      list?: { rows: { id: string; title: string; description?: string }[] };
    }[];
  const before = (await outbox()).length;
  const secret = gw.rt.config.whatsapp.appSecret!;
  expect((await sendWhatsapp(gw.url, { from: phone, secret, message })).status).toBe(200);
  return waitFor('the WhatsApp reply', async () => {
    const all = await outbox();
    return all.length > before ? all[all.length - 1] : undefined;
  });
}

describe.each<[(typeof LANGS)[number], string]>([
  ['en', 'LANG EN'],
  ['sw', 'LUGHA SW'],
  ['fr', 'LANGUE FR'],
])('WhatsApp on a pack the project never saw (%s)', (lang, choose) => {
  it('reaches every entry through lists: menu → topic → entry', async () => {
    const phone = `+2547119${String(20000 + LANGS.indexOf(lang))}`;
    await whatsapp(phone, { type: 'text', text: choose });
    const menu = await whatsapp(phone, { type: 'text', text: 'menu' });
    const pack = catalogue.packs()[0]!;
    // "Ask" and the pack's topics (four choices: a list, not buttons), labelled in the user's language.
    expect(menu.list!.rows.map((r) => [r.id, r.title])).toEqual([
      ['menu:ask', i18n.t(lang, 'whatsapp:menu.ask')],
      ...pack.topics.map((topic) => [`topic:${pack.id}:${topic}`, catalogue.topicTitle(pack.id, topic, lang)]),
    ]);
    const reached: string[] = [];
    for (const topicRow of menu.list!.rows.slice(1)) {
      const entries = await whatsapp(phone, { type: 'list_reply', id: topicRow.id, title: topicRow.title });
      expect(entries.text.startsWith(topicRow.title)).toBe(true);
      for (const row of entries.list!.rows) {
        const entry = await whatsapp(phone, { type: 'list_reply', id: row.id, title: row.title });
        const id = row.id.split(':')[2]!;
        const view = catalogue.entry(pack.id, id, lang)!;
        expect(entry.text.split('\n')[0]).toBe(`*${view.title}*`);
        reached.push(id);
      }
    }
    expect(reached.sort()).toEqual([...expectedEntries(lang).keys()].sort());
  }, 60_000);
});
