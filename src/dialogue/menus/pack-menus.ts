/**
 * Menus built from whatever packs are loaded, shared by USSD and WhatsApp: pack → topic → entry, each label in
 * the user's language from the pack itself (`menu_title`, `topic_titles`, entry titles), else the pack's default
 * language. With one pack loaded there is no pack level: its topics come first.
 */
import type { Catalogue, PackInfo } from '../../core/answers.js';

/** A list in the pack menus. */
export type PackMenuNode =
  | { kind: 'packs' }
  | { kind: 'topics'; pack: string }
  | { kind: 'entries'; pack: string; topic: string };

/** Where an item of a list leads: another list, or an entry to show. */
export type PackMenuTarget = PackMenuNode | { kind: 'entry'; pack: string; entry: string };

export interface PackMenuItem {
  label: string;
  target: PackMenuTarget;
}

/** The pack's menu label: `menu_title` in the language, else in the pack's default language, else its title. */
export function packLabel(pack: PackInfo, lang: string): string {
  return pack.menuTitle?.[lang] ?? pack.menuTitle?.[pack.defaultLanguage] ?? pack.title;
}

/** Where browsing starts: the list of packs, or the topics of the only pack; undefined with no pack loaded. */
export function browseRoot(catalogue: Catalogue): PackMenuNode | undefined {
  const packs = catalogue.packs();
  if (packs.length === 0) return undefined;
  return packs.length === 1 ? { kind: 'topics', pack: packs[0]!.id } : { kind: 'packs' };
}

/** The list one level up, or undefined at the root. */
export function parentOf(catalogue: Catalogue, node: PackMenuNode): PackMenuNode | undefined {
  if (node.kind === 'entries') return { kind: 'topics', pack: node.pack };
  if (node.kind === 'topics' && catalogue.packs().length > 1) return { kind: 'packs' };
  return undefined;
}

export const sameNode = (a: PackMenuNode | undefined, b: PackMenuNode | undefined): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** The items of a list, in the user's language; empty when the pack or topic is gone (packs reload). */
export function menuItems(catalogue: Catalogue, node: PackMenuNode, lang: string): PackMenuItem[] {
  switch (node.kind) {
    case 'packs':
      return catalogue.packs().map((p) => ({ label: packLabel(p, lang), target: { kind: 'topics', pack: p.id } }));
    case 'topics': {
      const pack = catalogue.packs().find((p) => p.id === node.pack);
      return (pack?.topics ?? []).map((topic) => ({
        label: catalogue.topicTitle(node.pack, topic, lang),
        target: { kind: 'entries', pack: node.pack, topic },
      }));
    }
    case 'entries':
      if (!catalogue.packs().some((p) => p.id === node.pack)) return [];
      return catalogue.entries(node.pack, node.topic, lang).map((e) => ({
        label: e.title,
        target: { kind: 'entry', pack: node.pack, entry: e.id },
      }));
  }
}

/** The name of a list's subject (the pack, the topic), for headings; undefined for the list of packs. */
export function nodeLabel(catalogue: Catalogue, node: PackMenuNode, lang: string): string | undefined {
  if (node.kind === 'entries') return catalogue.topicTitle(node.pack, node.topic, lang);
  if (node.kind === 'topics') {
    const pack = catalogue.packs().find((p) => p.id === node.pack);
    return pack ? packLabel(pack, lang) : undefined;
  }
  return undefined;
}
