import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type i18n as I18n } from 'i18next';
import { assetPath } from '../paths.js';

export const UI_LANGUAGES = ['en', 'sw', 'fr'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

export interface Translator {
  readonly languages: readonly string[];
  /** `key` is `namespace:path`, e.g. `ussd:menu.main`. Unknown languages fall back to English. */
  t(lang: string | undefined, key: string, vars?: Record<string, unknown>): string;
  has(lang: string, key: string): boolean;
}

export function uiLanguage(lang: string | undefined): UiLanguage {
  return (UI_LANGUAGES as readonly string[]).includes(lang ?? '') ? (lang as UiLanguage) : 'en';
}

/** Loads every `locales/<lang>/<namespace>.json` once at start-up. */
export async function createTranslator(localesDir = assetPath('locales')): Promise<Translator> {
  if (!existsSync(localesDir)) throw new Error(`locales folder not found: ${localesDir}`);
  const resources: Record<string, Record<string, unknown>> = {};
  const namespaces = new Set<string>();
  for (const lang of readdirSync(localesDir)) {
    const dir = path.join(localesDir, lang);
    resources[lang] = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const ns = file.replace(/\.json$/, '');
      namespaces.add(ns);
      resources[lang]![ns] = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    }
  }
  const instance: I18n = i18next.createInstance();
  await instance.init({
    resources: resources as never,
    ns: [...namespaces],
    defaultNS: 'common',
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
    showSupportNotice: false,
  });
  const languages = Object.keys(resources);
  return {
    languages,
    t: (lang, key, vars) => instance.t(key, { lng: uiLanguage(lang), ...vars }) as string,
    has: (lang, key) => instance.exists(key, { lng: lang, fallbackLng: false } as never),
  };
}
