/**
 * A tap is never a command: no label a menu shows, in any locale, reads as a keyword when typed or tapped, and a
 * topic named after TIPS matches that topic alone. Checked over the sample packs and a pack no code names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { Catalogue } from '../../core/answers.js';
import { PackCatalogue } from '../../knowledge/answer/catalogue.js';
import { loadPack } from '../../knowledge/packs/load.js';
import { createTranslator, type Translator } from '../../platform/i18n/index.js';
import { assetPath } from '../../platform/paths.js';
import { messagingVocabulary, parseMessagingCommand } from '../messaging/index.js';
import { parseTipsCommand, resolveTopic } from '../tips/command.js';
import { tipsVocabulary } from '../tips/index.js';
import { menuItems, packLabel } from './pack-menus.js';

const LOCALES = readdirSync(assetPath('locales'));
const PACK_DIRS = [
  ...readdirSync(assetPath('packs')).map((d) => assetPath('packs', d)),
  assetPath('tests', 'fixtures', 'packs', 'own-pack-beekeeping'),
];

let i18n: Translator;
let catalogue: Catalogue;

beforeAll(async () => {
  i18n = await createTranslator(assetPath('locales'));
  const packs = await Promise.all(PACK_DIRS.map(async (d) => (await loadPack(d)).pack!));
  catalogue = new PackCatalogue(packs);
});

/** Every label a USSD or WhatsApp menu shows in `lang`: the frame's strings and every pack, topic and entry. */
function menuLabels(lang: string): string[] {
  const json = (file: string) => JSON.parse(readFileSync(assetPath('locales', lang, file), 'utf8'));
  const ussd = json('ussd.json');
  const wa = json('whatsapp.json');
  const menuYaml = parse(readFileSync(assetPath('src', 'dialogue', 'ussd', 'menu.yaml'), 'utf8')) as {
    languages: { label: string }[];
  };
  const frame = [
    ...Object.values(ussd.main as Record<string, string>),
    ussd.nav.more,
    ussd.nav.back,
    ussd.resume.yes,
    ussd.resume.no,
    ...menuYaml.languages.map((l) => l.label),
    wa.menu.ask,
    wa.menu.listButton,
    wa.topics.button,
    wa.entries.button,
    wa.more,
  ];
  const fromPacks = catalogue
    .packs()
    .flatMap((p) => [
      packLabel(p, lang),
      ...menuItems(catalogue, { kind: 'topics', pack: p.id }, lang).flatMap((t) => [
        t.label,
        ...(t.target.kind === 'entries' ? menuItems(catalogue, t.target, lang).map((e) => e.label) : []),
      ]),
    ]);
  return [...frame, ...fromPacks];
}

describe.each(LOCALES)('menu labels in %s', (lang) => {
  it('none parses as a messaging keyword (STOP, START, HELP, LANG...) or a TIPS command', () => {
    const vocab = messagingVocabulary(i18n);
    const tips = tipsVocabulary(i18n, catalogue);
    const labels = menuLabels(lang);
    expect(labels.length).toBeGreaterThan(100);
    for (const label of labels) {
      expect({ label, command: parseMessagingCommand(label, vocab).kind }).toEqual({ label, command: 'question' });
      expect({ label, tips: parseTipsCommand(label, tips) }).toEqual({ label, tips: undefined });
    }
  });

  it('a topic named after the TIPS keyword matches that topic and no other', () => {
    const tips = tipsVocabulary(i18n, catalogue);
    const keyword = i18n.t(lang, 'tips:keyword');
    for (const p of catalogue.packs()) {
      for (const topic of p.topics) {
        const title = catalogue.topicTitle(p.id, topic, lang);
        const command = parseTipsCommand(`${keyword} ${title}`, tips);
        expect(command).toMatchObject({ kind: 'subscribe', lang });
        const langs = [lang, ...LOCALES.filter((l) => l !== lang)];
        const matched = resolveTopic(catalogue, command?.kind === 'subscribe' ? command.topic! : '', tips, langs);
        expect({ title, matched }).toEqual({ title, matched: [{ pack: p.id, topic }] });
      }
    }
  });

  it('a word shared with a label names no topic ("vya", "des", "and")', () => {
    const tips = tipsVocabulary(i18n, catalogue);
    for (const word of ['vya', 'na', 'des', 'et', 'and', 'of', 'mobile', 'maji']) {
      expect({ word, matched: resolveTopic(catalogue, word, tips, [lang]) }).toEqual({ word, matched: [] });
    }
  });
});

it('checks every locale the project ships', () => {
  expect(LOCALES.sort()).toEqual(expect.arrayContaining(['en', 'fr', 'sw']));
  expect(path.basename(PACK_DIRS.at(-1)!)).toBe('own-pack-beekeeping');
});
