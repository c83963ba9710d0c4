import path from 'node:path';
import i18next, { type i18n, type Resource } from 'i18next';
import type { ResolvedScreen, Screen, Text } from './dialogs/screen';
import { fallbackChain, namespaceOf, readLocales, reviewState, shown, SOURCE_LOCALE, unflatten, type LocaleData } from './translations/locales';

/** Where the translations live: one folder per language, one JSON file per namespace (src/translations/locales.ts). */
export const LOCALES_DIR = path.resolve(__dirname, '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'locales');

/** How drafts are treated: as each locale's manifest says, or all shown (tests, previews). */
export interface I18nOptions {
  dir?: string;
  drafts?: 'manifest' | 'show';
}

/**
 * Every locale's texts as an i18next resource, with the strings a citizen must not see left
 * out: in a locale whose manifest hides drafts, each unreviewed (or stale) string is dropped,
 * so i18next takes that one string from the locale's fallback chain (Maguindanaon → Filipino
 * → English), as it does for a key or a whole namespace the locale does not have.
 */
function resourcesOf(locales: LocaleData[], drafts: I18nOptions['drafts']): Resource {
  const english = locales.find((locale) => locale.code === SOURCE_LOCALE)?.texts ?? new Map<string, string>();
  const resources: Resource = {};
  for (const locale of locales) {
    const visible = [...locale.texts].filter(([key]) => drafts === 'show' || shown(locale, reviewState(locale, english, key)));
    resources[locale.code] = Object.fromEntries([...new Set(visible.map(([key]) => namespaceOf(key)))].map((namespace) => [namespace, unflatten(visible, namespace)]));
  }
  return resources;
}

/**
 * A private i18next instance (never the global one) with every locale loaded synchronously,
 * so a hop never waits for a file. A missing string falls back along the locale's declared
 * chain (its manifest's `fallback`, then that one's, ending at English).
 */
export function createI18n(defaultLocale: string, options: I18nOptions = {}): i18n {
  const locales = readLocales(options.dir ?? LOCALES_DIR);
  const byCode = new Map(locales.map((locale) => [locale.code, locale]));
  const instance = i18next.createInstance();
  void instance.init({
    resources: resourcesOf(locales, options.drafts ?? 'manifest'),
    lng: defaultLocale,
    fallbackLng: { ...Object.fromEntries(locales.map((locale) => [locale.code, fallbackChain(byCode, locale.code)])), default: [SOURCE_LOCALE] },
    defaultNS: 'dialogs',
    ns: [...new Set([...(byCode.get(SOURCE_LOCALE)?.texts.keys() ?? [])].map(namespaceOf))],
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

let manifests: Map<string, LocaleData> | undefined;

/** The shipped locales as read at start-up: what is served (the API reports their review state). */
export function shippedLocales(): LocaleData[] {
  return [...shipped().values()];
}

function shipped(): Map<string, LocaleData> {
  manifests ??= new Map(readLocales(LOCALES_DIR).map((locale) => [locale.code, locale]));
  return manifests;
}

/** Each locale's names from its manifest: its own, and its English one (the console's). */
export function languageNames(): { code: string; name: string; english: string; direction: 'ltr' | 'rtl' }[] {
  return [...shipped().values()].map(({ code, manifest }) => ({ code, name: manifest.name, english: manifest.english, direction: manifest.direction }));
}

/** The languages a text in `locale` falls back to, in order (Maguindanaon: Filipino, English). */
export function fallbacksOf(locale: string): string[] {
  return fallbackChain(shipped(), locale);
}
