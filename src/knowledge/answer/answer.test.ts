import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { analyseSms, paginateUssd } from '../../core/shaping/index.js';
import { loadConfig } from '../../platform/config/index.js';
import { MemoryStore } from '../../platform/store/index.js';
import { USSD_BUDGET_LABELS } from './compose.js';
import { type BarazaAnswerer, createAnswerer, listGaps } from './index.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const config = loadConfig({
  // The two original sample packs and a small fixture (packs/nutrition-water also covers handwashing and aflatoxin).
  PACKS_DIR: [
    path.join(ROOT, 'packs/agri-advisory'),
    path.join(ROOT, 'packs/financial-literacy'),
    path.join(ROOT, 'tests/fixtures/packs/health-pack-folder'),
  ].join(','),
  INDEX_DIR: path.join(ROOT, 'no-index-here'),
  MODELS_DIR: path.join(ROOT, 'no-models'),
});

let answerer: BarazaAnswerer;
const store = new MemoryStore();

beforeAll(async () => {
  answerer = await createAnswerer({ config, store, watch: false, embedder: null, translator: null });
});
afterAll(() => answerer.close());

const sms = (question: string, lang?: string) =>
  answerer.answer({ question, channel: 'sms', lang, subscriber: 'sub_test123' });

describe('noisy questions find the right entry', () => {
  it.each([
    ['en', 'hw far apart shud i plant maize', 'maize-plant-spacing'],
    ['en', 'wat fertilizr 4 maize pls', 'maize-fertilizer'],
    ['en', 'corn spacing', 'maize-plant-spacing'],
    ['en', 'sombody sent me money by mistake n wants it back', 'fake-reversal-scam'],
    ['sw', 'nipande mahindi umbali gani', 'maize-plant-spacing'],
    ['sw', 'kuku wangu chanjo ya kideri', 'newcastle-vaccination-i2'],
    ['sw (code-mixed)', 'mtu ananiuliza mpesa pin yangu', 'never-share-pin'],
    ['fr (no accents)', 'quel engrais pour le mais', 'maize-fertilizer'],
    ['fr (abbreviations)', 'c koi l aflatoxine', 'aflatoxin-dangers'],
    ['fr (no accents)', 'epargner avec tres peu d argent', 'save-small-amounts'],
  ])('%s: "%s" gets the entry as the answer, or first among the choices offered', async (_label, question, entry) => {
    const r = await sms(question);
    const first = r.found ? r.citations[0]?.entry : r.choices?.[0]?.entry;
    expect(first).toBe(entry);
  });

  it('answers in the language of the question, from the entry in that language', async () => {
    const sw = await sms('nipande mahindi umbali gani');
    expect(sw.lang).toBe('sw');
    expect(sw.answer).toMatch(/mahindi/i);
    const fr = await sms('quel engrais pour le mais');
    expect(fr.lang).toBe('fr');
    expect(fr.citations[0]!.title).toMatch(/engrais/i);
  });

  it('keeps the saved language for a short, ambiguous question, and follows clear text over it', async () => {
    expect((await sms('maize', 'sw')).lang).toBe('sw');
    const clear = await sms('how far apart should I plant my maize seeds', 'sw');
    expect(clear.lang).toBe('en');
    expect(clear.userLang).toBe('en');
  });
});

describe('honest when it does not know', () => {
  it.each([
    ['en', 'xqzv blorp'],
    ['en', 'what is the capital of mars'],
    ['en', 'who won the football match yesterday'],
    ['sw', 'nani ni rais wa marekani'],
    ['fr', 'recette de gateau au chocolat'],
  ])('%s: "%s" gets no answer, says so in that language, and is recorded as a gap', async (lang, question) => {
    const r = await sms(question, lang);
    expect(r.found).toBe(false);
    expect(r.citations).toEqual([]);
    expect(r.confidence).toBeLessThan(0.5);
    expect(r.answer).toMatch(lang === 'sw' ? /^Samahani/ : lang === 'fr' ? /^Désolé|^Desole/ : /^Sorry/);
    const gaps = await listGaps(store);
    expect(gaps.at(-1)).toMatchObject({ question, lang, channel: 'sms', subscriber: 'sub_test123', found: false });
    expect(gaps.at(-1)!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('composition per channel', () => {
  const questions = [
    'hw far apart shud i plant maize',
    'mahindi yenye ukungu',
    'c koi l aflatoxine',
    'should i share my mpesa pin',
    'kutuma pesa nje ya nchi gharama',
  ];

  it('SMS: within the configured segments, encoding reported truthfully, source tag at the end', async () => {
    for (const q of questions) {
      const r = await sms(q);
      if (!r.found) continue;
      const info = analyseSms(r.answer);
      expect(r.segments).toBe(info.segments);
      expect(r.encoding).toBe(info.encoding);
      expect(r.segments).toBeLessThanOrEqual(config.sms.maxSegments);
      expect(r.answer).toMatch(/(Src|Chanzo): \S/);
    }
  });

  it('USSD: fits three screens of USSD_MAX_CHARS with the navigation, and cites the source', async () => {
    for (const q of questions) {
      const r = await answerer.answer({ question: q, channel: 'ussd' });
      if (!r.found) continue;
      expect(paginateUssd(r.answer, config.ussd.maxChars, USSD_BUDGET_LABELS).length).toBeLessThanOrEqual(3);
      expect(r.answer).toMatch(/(Src|Chanzo): \S/);
      expect(r.segments).toBeUndefined();
    }
  });

  it('WhatsApp: title, the long answer and the full source, within 4096 characters', async () => {
    const r = await answerer.answer({ question: 'how to control ticks and east coast fever', channel: 'whatsapp' });
    expect(r.found).toBe(true);
    expect(r.answer.length).toBeLessThanOrEqual(4096);
    expect(r.answer.startsWith(`*${r.citations[0]!.title}*`)).toBe(true);
    expect(r.answer).toContain(`Source: ${r.citations[0]!.source}`);
    expect(r.answer.length).toBeGreaterThan(400);
  });

  it('falls back to the default language with a note when the entry is not in the user language', async () => {
    // community-health has the net entry in en and sw only; a Hausa user gets English, marked as such.
    const r = await sms('mosquito net', 'ha');
    expect(r.found).toBe(true);
    expect(r.citations[0]).toMatchObject({ pack: 'community-health', entry: 'mosquito-nets' });
    expect(r.lang).toBe('en');
    expect(r.userLang).toBe('ha');
    expect(r.answer.startsWith('(da Turanci) ')).toBe(true);
  });

  it('writes an extractive summary from the body when the entry has none', async () => {
    const r = await sms('when should we wash hands with soap');
    expect(r.citations[0]?.entry).toBe('handwashing');
    const body = answerer.catalogue.entry('community-health', 'handwashing', 'en')!.body.replace(/\s+/g, ' ');
    const text = r.answer.replace(/ Src: .*$/, '');
    expect(text.length).toBeGreaterThan(40);
    for (const sentence of text.split(/(?<=\.)[ \n]/)) expect(body).toContain(sentence.replace(/\.\.\.$/, ''));
    expect(r.segments).toBeLessThanOrEqual(config.sms.maxSegments);
    expect(text).toMatch(/wash/i);
  });
});

describe('catalogue', () => {
  it('lists packs with topics in editor order and labels them per language', () => {
    const agri = answerer.catalogue.packs().find((p) => p.id === 'agri-advisory')!;
    expect(agri.topics.slice(0, 3)).toEqual(['maize', 'beans', 'cassava']);
    expect(answerer.catalogue.topicTitle('agri-advisory', 'maize', 'sw')).toBe('Mahindi');
    expect(answerer.catalogue.topicTitle('community-health', 'hygiene', 'ha')).toBe('Hygiene');
    expect(answerer.catalogue.topicTitle('community-health', 'no-such-topic', 'en')).toBe('No such topic');
  });

  it('lists entries of a topic and falls back to the default language per entry', () => {
    const list = answerer.catalogue.entries('community-health', 'hygiene', 'ha');
    expect(list).toEqual([
      { id: 'handwashing', title: 'When and how should we wash hands?' },
      { id: 'ors-diarrhoea', title: 'Me zan ba yaro mai gudawa?' },
    ]);
    const entry = answerer.catalogue.entry('community-health', 'handwashing', 'ha')!;
    expect(entry).toMatchObject({ lang: 'en', fallback: true, sourceShort: 'WHO' });
    expect(answerer.catalogue.entry('community-health', 'ors-diarrhoea', 'ha')).toMatchObject({
      lang: 'ha',
      fallback: false,
    });
    expect(answerer.catalogue.entry('community-health', 'nope', 'en')).toBeUndefined();
  });

  it('reports status for /readyz', () => {
    const s = answerer.status();
    expect(s.ok).toBe(true);
    expect(s.tier).toBe('lexical');
    expect(s.packs.map((p) => p.id).sort()).toEqual(['agri-advisory', 'community-health', 'financial-literacy']);
    expect(s.detail).toMatch(/3 pack\(s\) loaded/);
  });
});

describe('a process that only shows menus (the gateway role)', () => {
  it('has the catalogue of every pack but builds no index and refuses to answer', async () => {
    const menusOnly = await createAnswerer({ config, watch: false, retrieval: false });
    try {
      expect(menusOnly.catalogue.packs().map((p) => p.id)).toEqual(answerer.catalogue.packs().map((p) => p.id));
      expect(menusOnly.snapshot()).toBeUndefined();
      await expect(menusOnly.answer({ question: 'hw far apart shud i plant maize', channel: 'sms' })).rejects.toThrow(
        /workers answer/,
      );
    } finally {
      await menusOnly.close();
    }
  });
});
