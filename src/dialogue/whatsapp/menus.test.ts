import { beforeEach, describe, expect, it } from '@jest/globals';
import { makeTestContext, tableAnswerer } from '../../../tests/support/context.js';
import type { Catalogue, EntryView, PackInfo } from '../../core/answers.js';
import type { InboundMessage } from '../../core/messages/index.js';
import { WHATSAPP_LIMITS } from '../../core/shaping/index.js';
import { loadProfile, saveProfile } from '../../platform/subscribers.js';
import { handleWhatsappSpecial, parseActionId } from './menus.js';

const FROM = '+254712345678';

/** A small two-pack catalogue: enough topics to need a second list page, titles longer than a row allows. */
function fixtureCatalogue(packs: PackInfo[], entries: EntryView[]): Catalogue {
  return {
    packs: () => packs,
    topicTitle: (_pack, topic, lang) =>
      lang === 'sw' && topic === 'beans' ? 'Maharagwe' : `${topic[0]!.toUpperCase()}${topic.slice(1)}`,
    entries: (pack, topic, lang) =>
      entries
        .filter((e) => e.pack === pack && e.topic === topic && e.lang === lang)
        .map((e) => ({ id: e.id, title: e.title })),
    entry: (pack, id, lang) => entries.find((e) => e.pack === pack && e.id === id && e.lang === lang),
  };
}

const manyTopics = [
  'maize',
  'beans',
  'cassava',
  'soil',
  'dairy',
  'poultry',
  'storage',
  'planting',
  'horticulture',
  'armyworm',
  'coffee',
  'tea',
];
const packs: PackInfo[] = [
  {
    id: 'agri-advisory',
    title: 'Farming advice for smallholders',
    version: '1',
    languages: ['en', 'sw'],
    defaultLanguage: 'en',
    topics: manyTopics,
  },
  {
    id: 'financial-literacy',
    title: 'Money basics',
    version: '1',
    languages: ['en'],
    defaultLanguage: 'en',
    topics: ['saving'],
  },
];
const entry = (over: Partial<EntryView>): EntryView => ({
  pack: 'agri-advisory',
  id: 'beans-planting',
  lang: 'en',
  title: 'When and how should I plant beans?',
  topic: 'beans',
  summary: 'Plant beans at the start of the rains.',
  body: 'Beans grow best in fertile, well-drained soil. Plant at the start of the rains.',
  source: 'PABRA — https://www.pabra-africa.org/',
  fallback: false,
  ...over,
});
const entries = [
  entry({}),
  entry({ id: 'beans-storage', title: 'Storing beans', body: 'Dry beans well before storing.' }),
  entry({ lang: 'sw', title: 'Nipande maharagwe lini na vipi?', body: 'Panda mwanzo wa mvua.' }),
];

let ctx: Awaited<ReturnType<typeof makeTestContext>>;
beforeEach(async () => {
  ctx = await makeTestContext({ answerer: tableAnswerer({}, fixtureCatalogue(packs, entries)) });
});

const inbound = (over: Partial<InboundMessage>): InboundMessage => ({
  id: 'meta:wamid.1',
  channel: 'whatsapp',
  provider: 'meta',
  from: FROM,
  text: '',
  providerMessageId: 'wamid.1',
  receivedAt: '2026-01-01T08:00:00.000Z',
  ...over,
});
const tap = (id: string, kind: 'button' | 'list' = 'list') =>
  inbound({ text: id, interactive: { kind, id, title: id } });

describe('parseActionId', () => {
  it.each([
    ['menu:ask', { kind: 'ask' }],
    ['menu:main', { kind: 'main', page: 0 }],
    ['menu:main:1', { kind: 'main', page: 1 }],
    ['pack:agri-advisory', { kind: 'pack', pack: 'agri-advisory', page: 0 }],
    ['pack:agri-advisory:1', { kind: 'pack', pack: 'agri-advisory', page: 1 }],
    ['topic:agri-advisory:beans', { kind: 'topic', pack: 'agri-advisory', topic: 'beans', page: 0 }],
    ['entry:agri-advisory:beans-planting', { kind: 'entry', pack: 'agri-advisory', entry: 'beans-planting' }],
    ['menu:unknown', undefined],
    ['something else', undefined],
    ['topic:only-pack', undefined],
  ])('%s', (id, expected) => expect(parseActionId(id)).toEqual(expected));
});

describe('handleWhatsappSpecial', () => {
  it('returns undefined for a plain question', async () => {
    expect(await handleWhatsappSpecial(ctx, inbound({ text: 'When should I plant beans?' }))).toBeUndefined();
    expect(await handleWhatsappSpecial(ctx, inbound({ text: 'habari, nipande mahindi lini?' }))).toBeUndefined();
  });

  it('returns undefined for SMS', async () => {
    expect(await handleWhatsappSpecial(ctx, inbound({ channel: 'sms', text: 'menu' }))).toBeUndefined();
  });

  it.each([
    ['image', 'en', /type your question/i],
    ['audio', 'sw', /andika swali lako/i],
    ['sticker', 'fr', /écrire votre question/i],
  ])('a %s gets a polite "please type" in %s', async (type, lang, expected) => {
    await saveProfile(ctx.store, FROM, { lang });
    const out = await handleWhatsappSpecial(ctx, inbound({ unsupported: type }));
    expect(out).toHaveLength(1);
    expect(out![0]).toMatchObject({
      id: 'reply:meta:wamid.1',
      channel: 'whatsapp',
      provider: 'meta',
      to: FROM,
      kind: 'reply',
    });
    expect(out![0]!.text).toMatch(expected);
  });

  it('acknowledges a location', async () => {
    const out = await handleWhatsappSpecial(ctx, inbound({ location: { latitude: -0.28, longitude: 36.07 } }));
    expect(out![0]!.text).toMatch(/location/i);
  });

  it.each([
    ['Hi', 'en', 'Ask a question'],
    ['MENU', 'en', 'Ask a question'],
    ['Habari yako', 'sw', 'Uliza swali'],
    ['bonjour !', 'fr', 'Poser une question'],
  ])('"%s" opens the main menu as reply buttons in %s', async (text, _lang, ask) => {
    const out = await handleWhatsappSpecial(ctx, inbound({ text }));
    expect(out).toHaveLength(1);
    const buttons = out![0]!.buttons!;
    expect(buttons.map((b) => b.id)).toEqual(['menu:ask', 'pack:agri-advisory', 'pack:financial-literacy']);
    expect(buttons[0]!.title).toBe(ask);
    for (const b of buttons) expect([...b.title].length).toBeLessThanOrEqual(WHATSAPP_LIMITS.buttonTitle);
  });

  it('uses a list for the main menu when more than three choices exist', async () => {
    const three = [...packs, { ...packs[1]!, id: 'health', title: 'Health for families and mothers-to-be' }];
    ctx = await makeTestContext({ answerer: tableAnswerer({}, fixtureCatalogue(three, entries)) });
    const out = await handleWhatsappSpecial(ctx, inbound({ text: 'hello' }));
    const list = out![0]!.list!;
    expect(out![0]!.buttons).toBeUndefined();
    expect(list.rows.map((r) => r.id)).toEqual([
      'menu:ask',
      'pack:agri-advisory',
      'pack:financial-literacy',
      'pack:health',
    ]);
    for (const r of list.rows) expect([...r.title].length).toBeLessThanOrEqual(WHATSAPP_LIMITS.listRowTitle);
    expect(list.rows[3]!.description).toBe('Health for families and mothers-to-be');
  });

  it('menu:ask prompts for a question', async () => {
    const out = await handleWhatsappSpecial(ctx, tap('menu:ask', 'button'));
    expect(out![0]!.text).toMatch(/type your question/i);
  });

  it('a pack button lists its topics, ten rows at most, with a "more" row', async () => {
    const first = (await handleWhatsappSpecial(ctx, tap('pack:agri-advisory', 'button')))![0]!;
    expect(first.list!.rows).toHaveLength(WHATSAPP_LIMITS.listRows);
    expect(first.list!.rows.slice(0, 9).map((r) => r.id)).toEqual(
      manyTopics.slice(0, 9).map((t) => `topic:agri-advisory:${t}`),
    );
    expect(first.list!.rows[9]).toEqual({ id: 'pack:agri-advisory:1', title: 'More…' });
    const second = (await handleWhatsappSpecial(ctx, tap('pack:agri-advisory:1')))![0]!;
    expect(second.list!.rows.map((r) => r.id)).toEqual(manyTopics.slice(9).map((t) => `topic:agri-advisory:${t}`));
  });

  it('a topic row lists its entries in the subscriber language, long titles moved to the description', async () => {
    const out = (await handleWhatsappSpecial(ctx, tap('topic:agri-advisory:beans')))![0]!;
    expect(out.list!.rows).toEqual([
      {
        id: 'entry:agri-advisory:beans-planting',
        title: 'When and how should I…',
        description: 'When and how should I plant beans?',
      },
      { id: 'entry:agri-advisory:beans-storage', title: 'Storing beans' },
    ]);
    expect((await loadProfile(ctx.store, FROM)).lastTopic).toBe('beans');
    await saveProfile(ctx.store, FROM, { lang: 'sw' });
    const sw = (await handleWhatsappSpecial(ctx, tap('topic:agri-advisory:beans')))![0]!;
    expect(sw.text).toMatch(/^Maharagwe/);
    expect(sw.list!.rows.map((r) => r.id)).toEqual(['entry:agri-advisory:beans-planting']);
  });

  it('an entry row sends the entry with its full source', async () => {
    const out = (await handleWhatsappSpecial(ctx, tap('entry:agri-advisory:beans-planting')))![0]!;
    expect(out.text).toContain('*When and how should I plant beans?*');
    expect(out.text).toContain('well-drained soil');
    expect(out.text).toContain('PABRA — https://www.pabra-africa.org/');
    expect([...out.text].length).toBeLessThanOrEqual(WHATSAPP_LIMITS.text);
  });

  it('an unknown entry or pack says the choice is gone', async () => {
    for (const id of ['entry:agri-advisory:nope', 'pack:nope', 'topic:nope:beans']) {
      const out = await handleWhatsappSpecial(ctx, tap(id));
      expect(out![0]!.text).toMatch(/no longer available/);
    }
  });

  it('a tap whose id is not ours says the choice is gone; its title is never read as text', async () => {
    const out = await handleWhatsappSpecial(
      ctx,
      inbound({ interactive: { kind: 'button', id: 'yes-please', title: 'STOP' }, text: 'STOP' }),
    );
    expect(out).toHaveLength(1);
    expect(out![0]!.text).toMatch(/no longer available/);
  });

  it('with one pack loaded, the menu offers its topics (no pack level), a list paged with a "more" row', async () => {
    const one = [packs[0]!];
    ctx = await makeTestContext({ answerer: tableAnswerer({}, fixtureCatalogue(one, entries)) });
    const first = (await handleWhatsappSpecial(ctx, inbound({ text: 'menu' })))![0]!;
    expect(first.buttons).toBeUndefined();
    expect(first.list!.rows.map((r) => r.id)).toEqual([
      'menu:ask',
      ...manyTopics.slice(0, 8).map((t) => `topic:agri-advisory:${t}`),
      'menu:main:1',
    ]);
    const second = (await handleWhatsappSpecial(ctx, tap('menu:main:1')))![0]!;
    expect(second.list!.rows.map((r) => r.id)).toEqual(manyTopics.slice(8).map((t) => `topic:agri-advisory:${t}`));
  });
});
