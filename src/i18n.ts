import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type i18n, type Resource } from 'i18next';
import type { ResolvedScreen, Screen, Text } from './dialogs/screen';

/** Where the translations live: one folder per language, one JSON file per namespace. */
export const LOCALES_DIR = path.resolve(__dirname, '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'locales');

/** Reads every `locales/<lng>/<namespace>.json` into an i18next resource. */
function readLocales(dir = LOCALES_DIR): Resource {
  const resources: Resource = {};
  for (const language of readdirSync(dir)) {
    const folder = path.join(dir, language);
    resources[language] = {};
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
      resources[language][path.basename(file, '.json')] = JSON.parse(readFileSync(path.join(folder, file), 'utf8'));
    }
  }
  return resources;
}

/**
 * A private i18next instance (never the global one) with every locale loaded synchronously,
 * so a hop never waits for a file. Missing keys fall back to English.
 */
export function createI18n(defaultLocale: string, resources: Resource = readLocales()): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: defaultLocale,
    fallbackLng: 'en',
    defaultNS: 'dialogs',
    ns: Object.keys(resources.en ?? { dialogs: {} }),
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

/**
 * Translations already made, per i18next instance. The same few hundred texts (menu entries,
 * titles, service names) are drawn on every hop, and i18next's lookup, fallback and
 * interpolation cost more than the rest of a turn (bench/RESULTS.md); resources never change
 * after start-up, so a text once translated stays right. Bounded: emptied when full.
 */
const translated = new WeakMap<i18n, Map<string, string>>();
const TRANSLATED_LIMIT = 20_000;

/** Translates a Text (and any Text inside its parameters) into `locale`. */
export function translate(i18n: i18n, locale: string, item: Text): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(item.params ?? {})) {
    params[name] = typeof value === 'object' ? translate(i18n, locale, value) : value;
  }
  let memo = translated.get(i18n);
  if (!memo) translated.set(i18n, (memo = new Map()));
  const id = item.params ? `${locale}\u0000${item.key}\u0000${JSON.stringify(params)}` : `${locale}\u0000${item.key}`;
  let text = memo.get(id);
  if (text === undefined) {
    text = i18n.t(item.key, { ...params, lng: locale });
    if (memo.size >= TRANSLATED_LIMIT) memo.clear();
    memo.set(id, text);
  }
  return text;
}

/** Translates a whole Screen for a channel to lay out. */
export function resolveScreen(i18n: i18n, locale: string, screen: Screen, hint?: Text): ResolvedScreen {
  const body = screen.body.map((item) => translate(i18n, locale, item));
  return {
    body: hint ? [translate(i18n, locale, hint), ...body] : body,
    options: screen.options.map((option, index) => ({ number: index + 1, label: translate(i18n, locale, option.label) })),
    expect: screen.expect,
    back: screen.back,
    final: screen.final,
    ...(screen.lead === undefined ? {} : { lead: screen.lead + (hint ? 1 : 0) }),
    nav: { more: translate(i18n, locale, { key: 'nav.more' }), back: translate(i18n, locale, { key: 'nav.back' }) },
    locale,
  };
}
